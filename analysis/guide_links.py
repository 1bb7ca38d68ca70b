"""Which question of the interview guide each part of a transcript answers: a suggestion.

The transcript is walked in order. An interviewer's turn that closely matches a question of
the guide (or one of its probes) starts that question; every turn after it belongs to that
question until the next one starts. Interviewers paraphrase, so texts are compared after
normalising (case, punctuation, spaces), sentence by sentence, with difflib's ratio. The
guide's order is the prior: of the questions that match, one later in the guide than the
current question is preferred, the next one most. The interviewer confirms or changes what
is suggested; nothing here is a confirmation.
"""

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

#: the least similarity (0..1) of a sentence and a question for the sentence to ask it
THRESHOLD = 0.72
#: a text of fewer words is too short to tell questions apart ("Hur kändes det?")
MIN_WORDS = 4
#: how much a question later in the guide is preferred, and the next one more
LATER_BONUS = 0.05
NEXT_BONUS = 0.05

_WORD = re.compile(r"\w+", re.UNICODE)
_SENTENCE = re.compile(r"(?<=[.!?…])\s+")


@dataclass(frozen=True)
class GuideQuestion:
    """A question of the guide in its order: its section, its stable key and the texts that
    ask it (the question and its probes)."""

    section_key: str
    key: str
    texts: tuple[str, ...]


@dataclass(frozen=True)
class Turn:
    """A segment of the transcript: who speaks ("interviewer" or another) and what."""

    speaker: str | None
    text: str


@dataclass(frozen=True)
class Suggestion:
    section_key: str
    question_key: str
    #: the similarity of the turn that started the question
    score: float
    #: whether this turn is the one that asks the question
    starts: bool


def normalise(text: str) -> str:
    """Lower case words joined by single spaces, without punctuation; å, ä, ö and æ, ø stay
    what they are (they are letters of their own, not accented ones)."""
    return " ".join(_WORD.findall(unicodedata.normalize("NFC", text).casefold()))


def _sentences(text: str) -> list[str]:
    """The turn's sentences, and the whole turn, normalised, each long enough to compare."""
    parts = [normalise(s) for s in _SENTENCE.split(text)]
    found = [p for p in parts if len(p.split()) >= MIN_WORDS]
    whole = normalise(text)
    if len(parts) > 1 and len(whole.split()) >= MIN_WORDS:
        found.append(whole)
    return found


def similarity(a: str, matcher: SequenceMatcher) -> float:
    """How alike a normalised text is to the matcher's (its second sequence, whose index
    difflib keeps between calls), 0..1: difflib's ratio, checked cheaply first."""
    matcher.set_seq1(a)
    if matcher.real_quick_ratio() < THRESHOLD or matcher.quick_ratio() < THRESHOLD:
        return 0.0
    return matcher.ratio()


def _stems(text: str) -> frozenset[str]:
    """The beginnings of the text's longer words: two texts alike enough to be the same
    question share at least one ("familjen", "familjehemmet"), so the rest is not compared
    (a question of short words only is always compared)."""
    return frozenset(word[:4] for word in text.split() if len(word) >= 4)


def _best(
    turn: str, asked: list[list[tuple[frozenset, SequenceMatcher]]], current: int | None
) -> tuple[int, float] | None:
    """The question the turn asks, as (index, similarity), or None."""
    sentences = [(s, _stems(s)) for s in _sentences(turn)]
    best, best_rank = None, 0.0
    for index, texts in enumerate(asked):
        score = max((similarity(s, matcher) for s, stems in sentences
                     for shared, matcher in texts if stems & shared or not shared),
                    default=0.0)  # fmt: skip
        if score < THRESHOLD:
            continue
        rank = score
        if current is None or index > current:
            rank += LATER_BONUS
        if index == (current + 1 if current is not None else 0):
            rank += NEXT_BONUS
        if rank > best_rank:
            best, best_rank = (index, score), rank
    return best


def suggest(
    turns: Sequence[Turn],
    questions: Sequence[GuideQuestion],
    interviewer: str = "interviewer",
    fixed: Mapping[int, str | None] | None = None,
) -> list[Suggestion | None]:
    """For each turn, the question it belongs to, or None before the first question asked.

    Only the interviewer's turns start a question; the young person's answers, and the
    interviewer's turns that ask nothing in the guide ("Mm", "Berätta mer"), belong to the
    question asked last. ``fixed`` maps a turn's index to the question key a person gave it
    (None: it answers no question): the walk goes on from what the person said.
    """
    fixed = fixed or {}
    index_of = {q.key: n for n, q in enumerate(questions)}
    asked = [
        [(_stems(n), SequenceMatcher(None, "", n, autojunk=False))
         for n in (normalise(t) for t in q.texts) if len(n.split()) >= MIN_WORDS]
        for q in questions
    ]  # fmt: skip
    out: list[Suggestion | None] = []
    current: int | None = None
    score = 0.0
    for position, turn in enumerate(turns):
        starts = False
        if position in fixed:
            given = index_of.get(fixed[position]) if fixed[position] else None
            if given is None:
                out.append(None)
                continue
            starts, current, score = given != current, given, 1.0
        elif turn.speaker == interviewer:
            found = _best(turn.text, asked, current)
            if found is not None:
                current, score = found
                starts = True
        if current is None:
            out.append(None)
        else:
            question = questions[current]
            out.append(Suggestion(question.section_key, question.key, round(score, 3), starts))
    return out


def carried(old: Sequence[str], new: Sequence[str]) -> dict[int, int]:
    """Which segment of ``old`` each segment of ``new`` is, after an edit that split, merged,
    added, removed or corrected some: {new index: old index}. Unchanged segments are matched
    by their text; where as many segments were changed as replaced them, each is the one in
    its place (a correction). A new segment that is none of the old ones is left out."""
    found = {}
    matcher = SequenceMatcher(None, list(old), list(new), autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal" or (tag == "replace" and i2 - i1 == j2 - j1):
            found.update({j1 + k: i1 + k for k in range(j2 - j1)})
    return found
