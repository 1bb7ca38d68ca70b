"""The demo's interviews: fictional stories written for it, one YAML file per language.

Each story is one interview with a young person (18 to 21, one of 17) who was in foster
care: when it was held (years before the current one and a month), the interviewer, how it
was documented (memos per guide section, or a transcript imported as text), how far it got
(released for coding, or still being documented), the consent given, and the passages the
research partner coded, each as (code, quote) where the quote is a passage of the story's
own text. Nothing in them is about a real person.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import yaml

from app.core.users import User

FOLDER = Path(__file__).parent / "stories"
LANGUAGES = ("sv", "da")
PLACES = {"sv": "Familjecentralen, samtalsrum 2", "da": "Familiehuset, samtalerum 1"}


@dataclass
class Story:
    key: str
    language: str
    years_ago: int
    month: int
    age: int
    interviewer_name: str
    #: "memos" or "transcript"
    kind: str
    #: "released" (and coded), "documented" (memos being written) or "imported" (a transcript
    #: typed up elsewhere, imported and waiting to be checked and verified)
    stage: str
    #: "all", "no_quotation" or "research_withdrawn" (research use taken back later)
    consent: str
    memos: dict[str, str]
    transcript: str
    #: [(English code name, quote)]
    codes: list[tuple[str, str]]
    #: coded blind by both researchers in the demo's agreement round
    blind: bool = False
    #: the interviewer was the young person's own social worker during the placement
    own_worker: bool = True
    flag: str = ""
    #: the guide question (its key) each of the interviewer's turns asks, as the interviewer
    #: confirmed it; the young person's answers belong to the question before them
    guide: tuple[str, ...] = ()
    today: date | None = None
    interviewer: User | None = None
    held_on: date | None = None

    @property
    def place(self) -> str:
        return PLACES[self.language]

    @property
    def text(self) -> str:
        """Everything the young person's record holds in words: the memos or the transcript."""
        if self.kind == "transcript":
            return self.transcript
        return "\n".join(self.memos.values())


def read(language: str) -> list[Story]:
    """The stories of one language, as written in their file."""
    raw = yaml.safe_load((FOLDER / f"{language}.yaml").read_text(encoding="utf-8"))
    stories = []
    for entry in raw:
        entry = dict(entry)
        stories.append(
            Story(
                key=entry.pop("key"), language=language, years_ago=entry.pop("years_ago"),
                month=entry.pop("month"), age=entry.pop("age"),
                interviewer_name=entry.pop("interviewer"),
                kind="transcript" if "transcript" in entry else "memos",
                stage=entry.pop("stage", "released"), consent=entry.pop("consent", "all"),
                memos={k: " ".join(v.split()) for k, v in entry.pop("memos", {}).items()},
                transcript=entry.pop("transcript", "").strip(),
                codes=[tuple(c) for c in entry.pop("codes", [])],
                blind=entry.pop("blind", False), own_worker=entry.pop("own_worker", True),
                flag=entry.pop("flag", ""), guide=tuple(entry.pop("guide", ())),
            )
        )  # fmt: skip
        if entry:  # a misspelt field would otherwise be left out without a word
            raise ValueError(f"{stories[-1].key}: unknown fields {sorted(entry)}")
    return stories


def all_stories() -> list[Story]:
    return [story for language in LANGUAGES for story in read(language)]


def held_on(story: Story, today: date) -> date:
    """The interview day: in the year ``years_ago`` before this one, and in this year spread
    over the months already past, at least a week ago, so nothing is in the future."""
    year = today.year - story.years_ago
    month = story.month
    if story.years_ago == 0:
        month = max(1, round(story.month * today.month / 12))
    day = 5 + sum(map(ord, story.key)) % 20
    return min(date(year, month, day), today - timedelta(days=7))


def resolve(stories: list[Story], today: date) -> list[Story]:
    """Give each story its interviewer (a demo user) and its day, relative to ``today``."""
    for story in stories:
        story.today = today
        story.interviewer = User.by_username(story.interviewer_name)
        story.held_on = held_on(story, today)
    return stories
