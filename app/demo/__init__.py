"""A fictional demo data set: a small team in an invented municipality, with five years of
follow-up interviews. Every person in it is invented, and so is every word they say.

Later areas extend ``load_demo`` with their own fictional records.
"""

from sqlalchemy import func, select

from app.admin.services import create_user
from app.codebook.services import seed_codebook
from app.consent.texts import seed_forms
from app.core import audit
from app.core.calendar import today
from app.core.db import db
from app.core.users import Role, User
from app.demo import stories
from app.demo.casereview import load_case_review_demo
from app.demo.goals import load_goals_demo
from app.demo.interviews import document
from app.demo.letters import load_letter_demo
from app.demo.register import load_register_demo
from app.demo.reviews import load_review_demo
from app.guides.services import sync_guides

#: username -> (name, roles, language, demo password). The passwords are printed on load and
#: are for a local demo only.
DEMO_USERS = {
    "admin": ("Ali Haddad", [Role.ADMIN], "sv", "copper-kettle-morning-42"),
    "kerstin": (
        "Kerstin Lindqvist",
        [Role.COORDINATOR, Role.REVIEW_MEMBER],
        "sv",
        "quiet-harbour-maple-17",
    ),
    "anna": (
        "Anna Berglund",
        [Role.INTERVIEWER, Role.REVIEW_MEMBER],
        "sv",
        "lantern-ferry-autumn-8",
    ),
    "jonas": ("Jonas Ek", [Role.INTERVIEWER], "sv", "pebble-orchard-violin-3"),
    "malin": (
        "Malin Sjövall",
        [Role.INTERVIEWER, Role.REVIEW_MEMBER],
        "sv",
        "thistle-lagoon-pepper-44",
    ),
    "mette": ("Mette Kjærgaard", [Role.INTERVIEWER], "da", "birch-compass-tundra-61"),
    "rasmus": ("Rasmus Brandt", [Role.INTERVIEWER], "da", "walnut-beacon-drizzle-26"),
    "lena": ("Lena Forsberg", [Role.RESEARCHER], "en", "granite-sparrow-meadow-5"),
    "ditte": ("Ditte Lauridsen", [Role.RESEARCHER], "da", "saffron-glacier-tunnel-90"),
    "per": ("Per Holm", [Role.REVIEW_MEMBER], "sv", "velvet-canyon-ribbon-29"),
    "birgitta": ("Birgitta Norén", [Role.LEADER], "sv", "marble-kestrel-lantern-12"),
}


class DemoNotEmpty(RuntimeError):
    """The database already holds users; demo data goes only into an empty one."""


def load_demo(force: bool = False) -> dict[str, tuple[list[str], str]]:
    """Create the demo users and the fictional register; return the passwords."""
    if not force and db.session.scalar(select(func.count(User.id))):
        raise DemoNotEmpty
    passwords = {}
    for username, (name, roles, language, password) in DEMO_USERS.items():
        if User.by_username(username) is None:
            create_user(
                actor=None,
                username=username,
                display_name=name,
                password=password,
                roles=roles,
                email=f"{username}@example.org",
                language=language,
            )
        passwords[username] = ([r.value for r in roles], password)
    sync_guides()  # the demo's interviews pin a guide version
    seed_forms()  # and their consents a consent form version
    coordinator = User.by_username("kerstin")
    interviewers = [
        User.by_username(name) for name in ("anna", "jonas", "malin", "mette", "rasmus")
    ]
    told = stories.resolve(stories.all_stories(), today())
    placements, booked = load_register_demo(coordinator, interviewers, today(), told)
    seed_codebook(coordinator)  # the research partner codes the released memos
    researchers = [User.by_username(name) for name in ("lena", "ditte")]
    document(coordinator, booked, researchers, today())
    members = [User.by_username(name) for name in ("anna", "malin", "per")]
    load_review_demo(coordinator, members, today())
    load_goals_demo(coordinator, today())  # links the themes the review demo formed
    load_letter_demo(coordinator, today())
    load_case_review_demo(coordinator, interviewers, today())
    audit.record(None, "demo.load", users=len(passwords), placements=placements)
    return passwords
