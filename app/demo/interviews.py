"""The demo's interviews, documented from their stories: consent on the day, the interview
held, memos written or a transcript imported, verified, pseudonymised and released, and the
passages each story names coded by the research partner. A few stories are coded blind by
both researchers in a closed, settled round, so that agreement figures can be shown."""

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select

from analysis.codebook import starting_codebook
from app.codebook.models import Code
from app.consent import gate
from app.consent import services as consent
from app.consent.models import Channel as WithdrawalChannel
from app.consent.models import ConsentForm, Giver, Method
from app.consent.scopes import Scope
from app.consent.texts import FORM_KEY
from app.core.calendar import today
from app.core.db import db
from app.core.users import User
from app.interviews import services as interviews
from app.interviews.models import FlagCategory, Interview, Status
from app.releases import services as releases
from app.releases.models import Release
from app.rounds import agreement
from app.rounds import services as rounds
from app.transcripts import editing, guide_links, versions
from app.transcripts.models import Speaker
from app.workspace import services as workspace
from app.workspace.models import Unit

#: the stories' consent: which scopes the young person said yes to on the day
#: (hearing back is a choice of its own, given to a few in app/demo/letters.py)
ASKED = [s for s in Scope if s is not Scope.HEAR_BACK]
CONSENTS = {
    "all": ASKED,
    "research_withdrawn": ASKED,
    "no_quotation": [s for s in ASKED if s is not Scope.QUOTATION],
}


class StoryError(ValueError):
    """A story names a passage its own text does not hold, or a code the codebook lacks."""


def code_ids() -> dict[str, int]:
    """English code name -> the id of the code the demo's Swedish codebook gave it."""
    names = {}

    def walk(entry, parent_path):
        path = (*parent_path, entry["name"]["sv"])
        names[entry["name"]["en"]] = path
        for child in entry.get("children", []):
            walk(child, path)

    for entry in starting_codebook()["codes"]:
        walk(entry, ())
    by_path = {c.path_in("sv"): c.id for c in db.session.scalars(select(Code))}
    return {en: by_path[" › ".join(path)] for en, path in names.items()}


def _consent(interview: Interview, story) -> None:
    form = ConsentForm.latest(FORM_KEY, interview.language)
    givers = [(Giver.YOUNG_PERSON, None)]
    if gate.guardian_required(interview, story.held_on):
        givers.append((Giver.GUARDIAN, interview.participant.guardian or "Vårdnadshavare"))
    for giver, guardian_name in givers:
        consent.record(
            story.interviewer, interview, giver=giver, scopes=CONSENTS[story.consent], form=form,
            method=Method.VERBAL, given_on=story.held_on, witness="Kollega på enheten",
            guardian_name=guardian_name,
        )  # fmt: skip


def _written_up(interview: Interview, story) -> None:
    """The demo's interviews were written up some days after they were held (2 to 21), not
    on the day the demo is loaded, so that the head of unit's documentation lag is true."""
    day = min(story.held_on + timedelta(days=2 + (interview.id * 5) % 20), today())
    interview.documented_at = datetime.combine(day, time(15, 0), tzinfo=UTC)


def _document(interview: Interview, story) -> Release | None:
    interviewer = story.interviewer
    if story.kind == "memos":
        for key, memo in story.memos.items():
            interviews.save_memo(interviewer, interview, key, memo, 0)
        interviews.advance(interviewer, interview, Status.DOCUMENTED)
        _written_up(interview, story)
        if story.stage != "released":
            return None
        interviews.advance(interviewer, interview, Status.VERIFIED)
    else:
        transcript = versions.import_transcript(
            interviewer, interview, story.transcript.encode(), "samtal.txt"
        )
        _written_up(interview, story)
        _link_to_guide(transcript, story)
        if story.stage != "released":
            return None
        editing.verify(interviewer, transcript)
    # the demo accepts every placeholder the detector proposes, as a person would confirm
    _, found = releases.propose(interviewer, interview)
    accepted = [(p.start, p.end, p.label, p.text) for p in found]
    return releases.release(interviewer, interview, additions=[], renames={}, accepted=accepted)


def _link_to_guide(transcript, story) -> None:
    """The guide questions the interviewer confirmed: the story names the question of each of
    the interviewer's turns, and the answers after a turn belong to its question."""
    if not story.guide:
        return
    asked = [s.position for s in transcript.segments if s.speaker == Speaker.INTERVIEWER.value]
    if len(asked) != len(story.guide):
        raise StoryError(f"{story.key}: {len(story.guide)} guide questions for {len(asked)} turns")
    for position, question in zip(asked, story.guide, strict=True):
        guide_links.set_link(story.interviewer, transcript, position, question)
    guide_links.confirm_all(story.interviewer, transcript)


def passages(release: Release, story, codes: dict[str, int]) -> list[tuple[int, int, int]]:
    """(code id, start, end) of each coded quote in the release's text."""
    text, found = release.text, []
    for name, quote in story.codes:
        if name not in codes:
            raise StoryError(f"{story.key}: no code named {name!r}")
        start = text.find(quote)
        if start < 0:
            raise StoryError(f"{story.key}: the released text does not hold {quote!r}")
        found.append((codes[name], start, start + len(quote)))
    return found


def document(coordinator: User, booked: list, researchers: list[User], today) -> None:
    """Hold and document every booked story in the order they were held, and code the
    released ones; the blind round is coded and settled at the end of its year, so that
    each year's codings are newer than the year before (the pack quotes the newest)."""
    codes = code_ids()
    blind = []
    for interview, story in sorted(booked, key=lambda pair: pair[1].held_on):
        if blind and story.years_ago < blind[0][1].years_ago:
            _blind_round(coordinator, researchers, blind, codes, today)
            blind = []
        _consent(interview, story)
        interviews.conduct(story.interviewer, interview, story.held_on)
        release = _document(interview, story)
        if story.flag:
            interviews.raise_flag(
                story.interviewer, interview, category=FlagCategory.CHILD_AT_RISK,
                disclosure=story.flag, responsible=coordinator,
                follow_up="Stäm av med samordnaren och bedöm om en orosanmälan ska göras.",
                due_on=max(story.held_on, today - timedelta(days=2)) + timedelta(days=5),
            )  # fmt: skip
        if release is None:
            continue
        # Danish stories are coded by the Danish researcher, the Swedish ones by the other.
        coder = researchers[1] if story.language == "da" else researchers[0]
        if story.blind:
            blind.append((release, story))
        else:
            for code_id, start, end in passages(release, story, codes):
                workspace.apply(coder, release, code_id, start, end)
        if story.consent == "research_withdrawn":
            consent.withdraw(coordinator, interview, scopes=[Scope.RESEARCH_USE],
                             giver=Giver.YOUNG_PERSON, withdrawn_on=today - timedelta(days=40),
                             channel=WithdrawalChannel.PHONE,
                             note="Ringde och ville inte längre att forskarna läser.")  # fmt: skip
    if blind:
        _blind_round(coordinator, researchers, blind, codes, today)


def _blind_round(coordinator, researchers, blind, codes, today) -> None:
    """Both researchers code the same releases blind; the second differs from the first on
    some passages (misses one in three, and picks a neighbouring code for one in four), so
    the agreement figures are good but not perfect. Settled as the first coded them."""
    first, second = researchers
    year = today.year - blind[0][1].years_ago
    found = rounds.create_round(
        coordinator, name=f"Blindkodning {year}", unit=Unit.SEGMENT.value,
        coders=[first, second], releases=[release for release, _ in blind],
    )  # fmt: skip
    siblings = {}
    for code in db.session.scalars(select(Code).where(Code.codable)):
        others = [c.id for c in code.parent.children if c.codable and c.id != code.id]
        siblings[code.id] = others[0] if others else code.id
    turn = 0
    for release, story in blind:
        for code_id, start, end in passages(release, story, codes):
            workspace.apply(first, release, code_id, start, end, coding_round=found)
            turn += 1
            if turn % 3 == 0:
                continue
            other = siblings[code_id] if turn % 4 == 0 else code_id
            workspace.apply(second, release, other, start, end, coding_round=found)
    rounds.close_round(coordinator, found)
    result = agreement.round_agreement(coordinator, found)
    decisions = {(unit, code_id): bool(said.get(first.id))
                 for unit, code_id, said in result.disagreements}  # fmt: skip
    agreement.settle(coordinator, found, decisions)
