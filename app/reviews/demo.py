"""Demo material for themes and the annual review: codings on the released demo memos,
one theme per category of the starting codebook, last year's session (held, minutes
approved, with actions) and this year's session being planned."""

import random
from datetime import date, timedelta

from sqlalchemy import select

from app.coding.models import Code, Coding
from app.core.db import db
from app.core.users import User
from app.releases.models import Release
from app.reviews import actions
from app.reviews import services as reviews
from app.reviews.models import ActionStatus, SessionStatus
from app.themes import services as themes


def _code_releases(rng: random.Random, researcher: User, codes: list[Code]) -> int:
    made = 0
    for release in db.session.scalars(select(Release)).all():
        start = 0
        for segment in release.segments:
            end = start + len(segment["text"])
            if end > start and rng.random() < 0.6:
                for code in rng.sample(codes, k=rng.choice((1, 1, 2))):
                    db.session.add(Coding(release_id=release.id, code_id=code.id,
                                          coder_id=researcher.id, start_offset=start,
                                          end_offset=end))  # fmt: skip
                    made += 1
            start = end + 1
    return made


def load_review_demo(coordinator: User, members: list[User], researcher: User,
                     today: date) -> int:  # fmt: skip
    rng = random.Random(7)  # noqa: S311 (demo data, not secrets)
    categories = db.session.scalars(
        select(Code).where(Code.parent_id.is_(None)).order_by(Code.position)
    ).all()
    codable = [c for c in db.session.scalars(select(Code).where(Code.codable))]
    made = _code_releases(rng, researcher, codable) if codable else 0
    for category in categories:
        children = [c.id for c in category.children if c.codable]
        if children:
            themes.save_theme(coordinator, None, name=category.name,
                              description=category.definition, formed_year=today.year - 1,
                              revised_year=None, code_ids=children)  # fmt: skip
    everyone = [coordinator, *members]
    last = reviews.create_session(
        coordinator, title=f"Återblick {today.year - 1}", year=today.year - 1,
        held_on=today - timedelta(days=330), scope_from=None, scope_to=None, members=everyone,
    )  # fmt: skip
    actions.add_note(members[0], last, item=1, body="Flera var stolta över att bli tillfrågade.")
    learned = "Byt inte handläggare under placeringens sista år om det går."
    actions.add_note(coordinator, last, item=3, learning=True, body=learned)
    done = actions.add_action(
        coordinator, last, what="Erbjud ett uppföljande samtal till den som vill.",
        owner=members[0], due_on=today - timedelta(days=200),
    )  # fmt: skip
    actions.update_action(coordinator, done, status=ActionStatus.DONE.value,
                          follow_up="Tre unga tackade ja.")  # fmt: skip
    actions.add_action(coordinator, last, what="Ta fram en rutin för kontakt med föräldrar "
                       "efter placeringen.", owner=coordinator,
                       due_on=today - timedelta(days=30))  # fmt: skip
    reviews.set_status(coordinator, last, SessionStatus.HELD)
    reviews.set_status(coordinator, last, SessionStatus.APPROVED)
    reviews.create_session(
        coordinator, title=f"Återblick {today.year}", year=today.year,
        held_on=today + timedelta(days=21), scope_from=None, scope_to=None, members=everyone,
    )  # fmt: skip
    db.session.flush()
    return made
