"""The few rows of a synthetic corpus made as objects before its batches: the users, the
guide, the consent form, the codebook and the themes; the tables the batches fill, and
PostgreSQL's sequences moved past the ids the batches chose.
"""

from dataclasses import dataclass

from sqlalchemy import func, select, text

from analysis.codebook import starting_codebook
from app.benchdata.spec import CorpusSpec
from app.benchdata.vocabulary import (
    GUIDE_KEY,
    LANGUAGE,
    THEMES,
    USERS,
)
from app.codebook.models import Code
from app.codebook.services import seed_codebook
from app.consent.models import ConsentForm, ConsentGrant, ConsentRecord, Withdrawal
from app.consent.texts import FORM_KEY, seed_forms
from app.core.calendar import today
from app.core.db import db
from app.core.passwords import hash_password
from app.core.users import User
from app.guides.models import GuideVersion
from app.guides.services import sync_guides
from app.interviews.models import Interview
from app.offers.models import Offer
from app.participants.models import Participant, Placement
from app.releases.models import Release
from app.themes.models import Theme
from app.workspace.models import Coding


@dataclass
class Context:
    coordinator: User
    interviewers: list[int]
    researchers: list[int]
    code_ids: dict[str, int]
    guide_version_id: int
    form_id: int
    section_titles: list[str]
    first_names: list[str]
    last_names: list[str]
    ids: dict[str, int]


def setup_corpus(spec: CorpusSpec, password: str) -> Context:
    """Users, guide and consent form, codebook and themes: the few rows made as objects."""
    hashed = hash_password(password)
    users = {}
    for username, (name, roles) in USERS.items():
        user = User.by_username(username)
        if user is None:
            user = User(username=username, display_name=name, password_hash=hashed,
                        email=f"{username}@example.org", language=LANGUAGE)  # fmt: skip
            user.set_roles(roles)
            db.session.add(user)
        users[username] = user
    db.session.flush()
    sync_guides()
    seed_forms()
    coordinator = users["bench-coordinator"]
    seed_codebook(coordinator)
    names = {_entry["name"][LANGUAGE]: _entry["key"] for _entry in _walk(starting_codebook())}
    shown = {c.id: c.shown("name", LANGUAGE)[0] for c in db.session.scalars(select(Code))}
    code_ids = {names[name]: code_id for code_id, name in shown.items() if name in names}
    first = today().year - spec.years + 1
    for position, (name, description, formed, revised, keys) in enumerate(THEMES):
        if db.session.scalar(select(Theme.id).where(Theme.name == name)) is None:
            year = min(first + formed, today().year)
            theme = Theme(name=name, description=description, formed_year=year, position=position,
                          revised_year=min(first + revised, today().year) if revised else None,
                          created_by_id=coordinator.id)  # fmt: skip
            theme.codes = [db.session.get(Code, code_ids[key]) for key in keys]
            db.session.add(theme)
    db.session.flush()
    guide = GuideVersion.latest(GUIDE_KEY, LANGUAGE)
    from faker.providers.person.sv_SE import Provider as SwedishNames

    return Context(
        coordinator=coordinator,
        interviewers=[u.id for n, u in users.items() if n.startswith("bench-interviewer")],
        researchers=[u.id for n, u in users.items() if n.startswith("bench-researcher")],
        code_ids=code_ids,
        guide_version_id=guide.id,
        form_id=ConsentForm.latest(FORM_KEY, LANGUAGE).id,
        section_titles=[s.title for s in (*guide.guide.sections, guide.guide.closing)],
        first_names=sorted({*SwedishNames.first_names_female, *SwedishNames.first_names_male}),
        last_names=sorted(SwedishNames.last_names),
        ids={table.name: db.session.scalar(select(func.coalesce(func.max(table.c.id), 0)))
             for table in TABLES},
    )  # fmt: skip


def _walk(codebook: dict):
    stack = list(codebook["codes"])
    while stack:
        entry = stack.pop()
        stack.extend(entry.get("children", []))
        if entry.get("codable", True):
            yield entry


#: in the order their rows must go in
TABLES = [model.__table__ for model in (Participant, Placement, Offer, Interview, Withdrawal,
                                        ConsentRecord, ConsentGrant, Release, Coding)]  # fmt: skip


def fix_sequences() -> None:
    # The ids were chosen here; PostgreSQL's sequences must move past them.
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        # table names from the models, not from input
        db.session.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "  # noqa: S608
            f"(SELECT coalesce(max(id), 0) + 1 FROM {table.name}), false)"))  # fmt: skip
