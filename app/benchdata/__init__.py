"""A synthetic corpus for the scale benchmark (``redthread bench-data``).

Fills the database with invented but plausible material: a few users, the Karlstad starting
codebook, eight themes, and per interview a participant with a placement, an accepted offer,
consent records, a released pseudonymised text of about thirty memo lines and about a
hundred codings; beside them the offers that ended without an interview, with their
reasons, for the attrition figures. Everyone in it is invented.

The rows go in as SQL bulk inserts in batches with the ids chosen here, because a million
ORM objects would take hours. A corpus holds released text only: not the memos, recordings
or transcripts it would have been made from. The same seed gives the same corpus.
"""

import json
import random
import uuid
from bisect import bisect
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from dateutil.relativedelta import relativedelta
from sqlalchemy import func, select, text

from analysis.codebook import starting_codebook
from app.benchdata.vocabulary import (
    AGE_WEIGHTS,
    ATTRITION,
    CARE_WEIGHTS,
    FILLERS,
    FREQUENCY_ORDER,
    GUIDE_KEY,
    GUIDS,
    LANGUAGE,
    NOT_INTERVIEWED_PER_INTERVIEW,
    PARTNERS,
    QUOTATION_SHARE,
    QUOTATION_WITHDRAWN_SHARE,
    SAYINGS,
    THEMES,
    TRENDS,
    USERS,
)
from app.codebook.models import Code
from app.codebook.services import seed_codebook
from app.consent import gate
from app.consent.models import ConsentForm, ConsentGrant, ConsentRecord, Withdrawal
from app.consent.texts import FORM_KEY, seed_forms
from app.core import audit
from app.core.calendar import today
from app.core.db import db
from app.core.passwords import hash_password
from app.core.users import User
from app.guides.models import GuideVersion
from app.guides.services import sync_guides
from app.interviews.models import Interview
from app.offers.models import Offer
from app.participants.eligibility import needs_guardian
from app.participants.models import Participant, Placement
from app.participants.services import rules
from app.releases.attributes import AGE_BANDS, CARE_BANDS, band, years_between
from app.releases.models import Release
from app.themes.models import Theme
from app.workspace.models import Coding


@dataclass(frozen=True)
class CorpusSpec:
    interviews: int = 10_000
    years: int = 20
    codings: int = 100
    seed: int = 1
    #: interviews per batch (one insert per table, then a commit by the caller)
    batch: int = 500


@dataclass(frozen=True)
class Progress:
    interviews: int
    codings: int
    total: int


class CorpusNotEmpty(RuntimeError):
    """The database already holds participants; a corpus goes only into an empty one."""


def build_corpus(spec: CorpusSpec, password: str, force: bool = False) -> Iterator[Progress]:
    """Fill the database batch by batch; the caller commits after each ``Progress``.

    ``password`` is set for every user the corpus adds. Raises CorpusNotEmpty before
    writing anything when participants exist, unless ``force``.
    """
    if spec.interviews < 1 or spec.years < 1 or spec.codings < 0:
        raise ValueError("interviews and years must be positive, codings not negative")
    if not force and db.session.scalar(select(func.count(Participant.id))):
        raise CorpusNotEmpty
    builder = _Builder(spec, _setup(spec, password))
    done = codings = 0
    while done < spec.interviews:
        size = min(spec.batch, spec.interviews - done)
        codings += builder.batch(size)
        done += size
        yield Progress(done, codings, spec.interviews)
    _fix_sequences()
    audit.record(builder.ctx.coordinator, "bench.load", interviews=done, codings=codings,
                 seed=spec.seed)  # fmt: skip
    db.session.flush()


@dataclass
class _Context:
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


def _setup(spec: CorpusSpec, password: str) -> _Context:
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

    return _Context(
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


def _fix_sequences() -> None:
    # The ids were chosen here; PostgreSQL's sequences must move past them.
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        # table names from the models, not from input
        db.session.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "  # noqa: S608
            f"(SELECT coalesce(max(id), 0) + 1 FROM {table.name}), false)"))  # fmt: skip


class _Builder:
    """Makes the rows of one batch of interviews at a time and inserts them."""

    def __init__(self, spec: CorpusSpec, ctx: _Context):
        self.spec, self.ctx, self.rng = spec, ctx, random.Random(spec.seed)  # noqa: S311 (not a secret)
        self.today = today()
        self.years = list(range(self.today.year - spec.years + 1, self.today.year + 1))
        span = max(len(self.years) - 1, 1)
        # more interviews in later years, as the method took root
        self.year_cum = _cumulative([1 + n / span for n in range(len(self.years))])
        self.keys = [key for key in FREQUENCY_ORDER if key in ctx.code_ids]
        self.topic_cum = {}
        for n, year in enumerate(self.years):
            weights = []
            for rank, key in enumerate(self.keys):
                low, high = TRENDS.get(key, (1.0, 1.0))
                weights.append((low + (high - low) * n / span) / (rank + 1) ** 0.9)
            self.topic_cum[year] = _cumulative(weights)
        self.age_cum = _cumulative([w for _, _, w in AGE_WEIGHTS])
        self.care_cum = _cumulative([w for _, _, w in CARE_WEIGHTS])
        self.attrition_cum = _cumulative([w for _, _, w in ATTRITION])
        self.rows: dict[str, list[dict]] = {}
        self.attrition_due = 0.0

    def next_id(self, table: str) -> int:
        self.ctx.ids[table] += 1
        return self.ctx.ids[table]

    def add(self, table: str, **row) -> int:
        row["id"] = self.next_id(table)
        self.rows.setdefault(table, []).append(row)
        return row["id"]

    def batch(self, size: int) -> int:
        self.rows = {}
        codings = 0
        for _ in range(size):
            codings += self.interview()
            self.attrition_due += NOT_INTERVIEWED_PER_INTERVIEW
            while self.attrition_due >= 1:
                self.not_interviewed()
                self.attrition_due -= 1
        for table in TABLES:
            if self.rows.get(table.name):
                db.session.execute(table.insert(), self.rows[table.name])
        return codings

    # --- people and dates ----------------------------------------------------------------

    def pick(self, cum: list[float]) -> int:
        return bisect(cum, self.rng.random() * cum[-1])

    def name(self) -> str:
        return f"{self.rng.choice(self.ctx.first_names)} {self.rng.choice(self.ctx.last_names)}"

    def day_in(self, year: int) -> date:
        first, last = date(year, 1, 1), min(date(year, 12, 31), self.today)
        return first + timedelta(days=self.rng.randrange((last - first).days + 1))

    def story(self, day: date) -> dict:
        """A participant and a placement whose offer window holds ``day``."""
        low, high, _ = AGE_WEIGHTS[self.pick(self.age_cum)]
        age = self.rng.randint(low, high)
        # born at least a month before the birthday that makes the age, so that the
        # window (from the 15th birthday at the earliest) is open well before ``day``
        born = day - relativedelta(years=age) - timedelta(days=self.rng.randrange(30, 330))
        ended = day - relativedelta(months=24) - timedelta(days=self.rng.randrange(30, 300))
        low, high, _ = CARE_WEIGHTS[self.pick(self.care_cum)]
        started = ended - relativedelta(years=self.rng.randint(low, high))
        started -= timedelta(days=self.rng.randrange(190, 360) if low == 0 else
                             self.rng.randrange(0, 300))  # fmt: skip
        if started <= born:
            started = born + timedelta(days=self.rng.randrange(30, 365))
        created = datetime.combine(day - timedelta(days=900), time(12), tzinfo=UTC)
        participant = self.add("participant", code=f"S-{self.ctx.ids['participant'] + 1:07d}",
                               name=self.name(), birth_date=born, language=LANGUAGE,
                               created_at=created,
                               created_by_id=self.ctx.coordinator.id)  # fmt: skip
        placement = self.add("placement", participant_id=participant, started_on=started,
                             ended_on=ended, setting_at_end="family_home",
                             custody_transferred=False)  # fmt: skip
        opens = max(ended + relativedelta(months=24), born + relativedelta(years=15))
        offered = min(opens + timedelta(days=self.rng.randrange(0, 20)), day - timedelta(days=20))
        return {"born": born, "started": started, "ended": ended, "placement": placement,
                "offered": offered, "age": years_between(born, day)}  # fmt: skip

    def offer(self, story: dict, **fields) -> int:
        answered = story["offered"] + timedelta(days=self.rng.randrange(1, 15))
        values = {
            "placement_id": story["placement"],
            "offered_on": story["offered"],
            "offered_by_id": self.ctx.coordinator.id,
            "channel": self.rng.choice(("letter", "letter", "phone", "text_message")),
            "answer": "accepted",
            "answered_on": answered,
            "interviewer_id": None,
            "assigned_on": None,
            "outcome": "interviewed",
            "interviewed_on": None,
            "attrition_reason": None,
            "attrition_note": None,
            "created_at": datetime.combine(story["offered"], time(9), tzinfo=UTC),
        }
        values.update(fields)
        return self.add("offer", **values)

    # --- what ended without an interview -------------------------------------------------

    def not_interviewed(self) -> None:
        year = self.years[self.pick(self.year_cum)]
        story = self.story(self.day_in(year))
        answer, reason, _ = ATTRITION[self.pick(self.attrition_cum)]
        self.offer(story, answer=answer, outcome="not_interviewed", attrition_reason=reason,
                   attrition_note="Flyttat utomlands och vill inte bli kontaktad igen."
                   if reason == "other" else None)  # fmt: skip

    # --- an interview, its consent, its release and codings ------------------------------

    def interview(self) -> int:
        rng, ctx = self.rng, self.ctx
        year = self.years[self.pick(self.year_cum)]
        day = self.day_in(year)
        story = self.story(day)
        interviewer = rng.choice(ctx.interviewers)
        offer = self.offer(story, interviewer_id=interviewer, interviewed_on=day,
                           assigned_on=story["offered"] + timedelta(days=15))  # fmt: skip
        interview = self.add(
            "interview", offer_id=offer, scheduled_at=datetime.combine(day, time(9), tzinfo=UTC),
            place=None, mode=rng.choice(("in_person", "in_person", "in_person", "phone", "video")),
            interviewer_id=interviewer, guide_version_id=ctx.guide_version_id, language=LANGUAGE,
            status="released", conducted_on=day, cancel_reason=None,
            created_at=datetime.combine(story["offered"], time(10), tzinfo=UTC),
            # what the consent gate would stamp (rows inserted in bulk skip its hook)
            guardian_needed=needs_guardian(story["born"], day, rules()),
            guardian_rule=gate.guardian_rule(),
        )  # fmt: skip
        quotation = rng.random() < QUOTATION_SHARE
        withdrawn = quotation and rng.random() < QUOTATION_WITHDRAWN_SHARE
        givers = ["young_person"] + (["guardian"] if story["age"] < 18 else [])
        withdrawal = None
        if withdrawn:
            on = min(day + timedelta(days=rng.randrange(60, 400)), self.today)
            withdrawal = self.add(
                "withdrawal", interview_id=interview, scopes="quotation", giver="young_person",
                withdrawn_on=on, channel="phone", note=None, effects="[]",
                recorded_by_id=ctx.coordinator.id,
                recorded_at=datetime.combine(on, time(11), tzinfo=UTC),
            )  # fmt: skip
        for giver in givers:
            record = self.add(
                "consent_record", interview_id=interview, giver=giver,
                guardian_name=self.name() if giver == "guardian" else None, form_id=ctx.form_id,
                method="verbal", scan_name=None, scan_type=None, scan_size=None,
                witness=self.name(), given_on=day, recorded_by_id=interviewer,
                recorded_at=datetime.combine(day, time(15), tzinfo=UTC),
            )  # fmt: skip
            scopes = ["participation", "research_use"] + (["quotation"] if quotation else [])
            for scope in scopes:
                self.add("consent_grant", record_id=record, scope=scope,
                         withdrawal_id=withdrawal if scope == "quotation" else None)  # fmt: skip
        released = datetime.combine(min(day + timedelta(days=rng.randrange(14, 90)), self.today),
                                    time(13), tzinfo=UTC)  # fmt: skip
        segments, passages = self.memo_lines(year)
        content = "\n".join(s["text"] for s in segments)
        release = self.add(
            "transcript_release", interview_id=interview, transcript_id=None, version=1,
            content=json.dumps(segments, ensure_ascii=False), length=len(content),
            summary=json.dumps({"replaced": {"PERSON": content.count("[Person"),
                                             "LOCATION": content.count("[Ort"),
                                             "ORG": content.count("[Organisation"),
                                             "DATE": content.count("[Datum")}, "note": ""}),
            year=day.year, age_band=band(story["age"], AGE_BANDS),
            care_band=band(years_between(story["started"], story["ended"]), CARE_BANDS),
            released_by_id=ctx.coordinator.id, released_at=released,
        )  # fmt: skip
        return self.codings(release, passages, year, released)

    def memo_lines(self, year: int) -> tuple[list[dict], list[tuple[str, int, int, int, int]]]:
        """About thirty memo lines under the guide's sections, and for each line its topic
        and where it and its topic sentence lie: (topic, line start, line end, sentence
        start, sentence end)."""
        rng, titles = self.rng, self.ctx.section_titles
        count = rng.randint(26, 34)
        topics = [self.keys[self.pick(self.topic_cum[year])] for _ in range(count)]
        segments, passages, offset = [], [], 0
        for n, topic in enumerate(topics):
            saying = rng.choice(SAYINGS[topic])
            before = rng.choice(FILLERS) + " " if rng.random() < 0.4 else ""
            after = " " + rng.choice(SAYINGS[topic]) if rng.random() < 0.5 else ""
            after += " " + rng.choice(FILLERS) if rng.random() < 0.3 else ""
            line = before + saying + after
            start = offset + len(before)
            passages.append((topic, offset, offset + len(line), start, start + len(saying)))
            segments.append({"text": line, "speaker": None, "start": None, "end": None,
                             "section": titles[n * len(titles) // count]})  # fmt: skip
            offset += len(line) + 1
        return segments, passages

    def codings(self, release: int, passages, year: int, released: datetime) -> int:
        rng, ctx, made = self.rng, self.ctx, set()
        latest = datetime.combine(self.today, time(12), tzinfo=UTC)
        wanted = max(0, round(rng.gauss(self.spec.codings, self.spec.codings * 0.15)))
        for _ in range(wanted * 3):  # give up on a few rather than loop on duplicates
            if len(made) >= wanted:
                break
            topic, line_start, line_end, start, end = rng.choice(passages)
            draw = rng.random()
            if draw < 0.55:
                key = topic
            elif draw < 0.8 and topic in PARTNERS:
                key = rng.choice(PARTNERS[topic])
            else:
                key = self.keys[self.pick(self.topic_cum[year])]
            shape = rng.random()
            if shape < 0.25:
                start, end = line_start, line_end
            elif shape < 0.45:
                cut = rng.randrange(0, max(1, (end - start) // 2))
                start, end = start + cut, end - rng.randrange(0, max(1, (end - start - cut) // 3))
            if (key, start, end) in made:
                continue
            made.add((key, start, end))
            coding = self.add(
                "coding", release_id=release, code_id=ctx.code_ids[key],
                coder_id=rng.choice(ctx.researchers), start_offset=start, end_offset=end,
                memo="Tydligt exempel för gruppen." if rng.random() < 0.01 else None,
                round_id=None, consensus=False, guid="",
                created_at=min(released + timedelta(days=rng.randrange(1, 200)), latest),
            )  # fmt: skip
            # the same seed gives the same guids only for the same ids: unique in any case
            self.rows["coding"][-1]["guid"] = str(uuid.uuid5(GUIDS, f"{self.spec.seed}:{coding}"))
        return len(made)


def _cumulative(weights: list[float]) -> list[float]:
    total, cum = 0.0, []
    for weight in weights:
        total += weight
        cum.append(total)
    return cum
