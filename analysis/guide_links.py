"""Which question of the interview guide each part of a transcript answers: a suggestion.

The transcript is walked in order. An interviewer's turn that closely matches a question of
the guide (or one of its probes) starts that question; every turn after it belongs to that
question until the next one starts. Interviewers paraphrase, so texts are compared after
normalising (case, punctuation, spaces), sentence by sentence, with difflib's ratio. The
ratio alone rewards the words every question shares ("hvordan var det", "hur har du"), so
texts must also share their content words (those that are not small words of Swedish,
Danish or English), and a paraphrase is found by those words. The guide's order is the prior:
of the questions that match, one later in the guide than the current question is preferred,
the next one most. An interviewer's question that matches none of the guide ends the question
before it: what follows is left without a suggestion rather than guessed. The interviewer
confirms or changes what is suggested; nothing here is a confirmation.
"""

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

#: the least similarity (0..1) of a sentence and a question for the sentence to ask it
THRESHOLD = 0.72
#: the least similarity of two texts that share only one of their content words
CLOSE = 0.85
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


#: the small words of Swedish, Danish and English, and the words interviewers follow up
#: with ("berätta", "fortæl", "känns"): they say nothing about which question is asked
_SMALL_WORDS = """
    och att det som en ett är var vad hur när vem vilka vilken vilket varför var har hade
    du dig din ditt dina jag mig min mitt mina vi oss han hon den de dem man sig sin sitt
    sina med för från till på av om i ut in upp så då nu kan kunde ska skulle vill ville
    får fick blir blev också bara inte nog mer lite något någon några allt alla andra
    eller men än under efter innan över mot vid tror tycker minns berätta känns kändes
    mycket hela just ju väl sedan ja nej mm okej tack här där varit börja ser tänker
    tänkte tyckte
    og at det som en et er var hvad hvordan hvornår hvem hvilke hvilken hvilket hvorfor
    hvor har havde du dig din dit dine jeg mig min mit mine vi os han hun den de dem man
    sig sin sit sine med for fra til på af om ud ind op så da nu kan kunne skal skulle
    vil ville får fik bliver blev også bare ikke mere lidt noget nogen nogle alt alle
    andre eller men end under efter inden over mod ved tror synes husker fortæl fortælle
    føles føltes meget hele lige jo vel siden ja nej mm okay tak tænker tænke her der
    været starte ser
    and the a an is was what how when who which why where have had you your i me my we
    us he she it they them to of in on at for from with about do did does can could will
    would more some any all other or but than after before tell feel felt think just
    yes no okay thanks here there been start look looks like
"""
SMALL_WORDS = frozenset(_SMALL_WORDS.split())


def _stems(text: str) -> frozenset[str]:
    """The content words of a normalised text, each by its first five letters: two texts
    that ask the same question share at least one ("familjen", "familjehemmet"), and two
    that share only small words ("hvordan var det") are not compared at all."""
    return frozenset(word[:5] for word in text.split()
                     if len(word) >= 3 and word not in SMALL_WORDS)  # fmt: skip


def _alike(text: str, stems: frozenset[str], shared: frozenset[str], matcher, probe: bool) -> float:
    """How alike a normalised text (with content words ``stems``) is to a guide text (with
    ``shared``), 0..1. Texts that share no content word are not alike at all. One shared
    word of several ("plejefamilien", which half the guide has) counts only where the two
    read nearly the same: "Hvordan var det at bo i plejefamilien?" is not "Hvordan var
    afskeden med plejefamilien?", though difflib finds them 0.77 alike. Otherwise difflib's
    ratio (a question read out nearly as written), or for a question (not a probe, which is
    asked in its own words after it) the Dice overlap of their content words where that is
    larger (a paraphrase: "Har du kontakt med dine søskende?"). A guide text of small words
    only ("Hur mår du nu då?") is compared by the ratio alone."""
    if not shared:
        return similarity(text, matcher)
    common = len(stems & shared)
    if common == 0:
        return 0.0
    if common == 1 and not len(stems) == len(shared) == 1:
        ratio = similarity(text, matcher)  # only read out nearly as written
        return ratio if ratio >= CLOSE else 0.0
    dice = 0.0 if probe else 2 * common / (len(stems) + len(shared))
    return dice if dice >= THRESHOLD else max(dice, similarity(text, matcher))


def _best(turn: str, asked: list[list[tuple]], current: int | None) -> tuple[int, float] | None:
    """The question the turn asks, as (index, similarity), or None. A probe of one content
    word or none ("Hvordan havde du det?") is only its question's when that question is the
    one being asked: anywhere else it could follow any question."""
    sentences = [(s, _stems(s)) for s in _sentences(turn)]
    best, best_rank = None, 0.0
    for index, texts in enumerate(asked):
        score = max((_alike(s, stems, shared, matcher, probe) for s, stems in sentences
                     for shared, matcher, probe in texts
                     if index == current or not (probe and len(shared) < 2)),
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


def _asks_something(turn: str) -> bool:
    """Whether an interviewer's turn asks a question of its own ("Havde du kontakt med din
    mor?"), not a follow-up of small words ("Og så?", "Hvordan føltes det?")."""
    return "?" in turn and bool(_stems(normalise(turn)))


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
        [(_stems(n), SequenceMatcher(None, "", n, autojunk=False), probe)
         for probe, n in ((k > 0, normalise(t)) for k, t in enumerate(q.texts))
         if len(n.split()) >= MIN_WORDS]
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
            elif _asks_something(turn.text):
                current = None  # a question the guide does not have: no guess
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
