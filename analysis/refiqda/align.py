"""Matching a project's source to a transcript whose text is nearly, not exactly, the same,
and carrying a selection's offsets across.

A research partner's copy of a transcript may differ from the release here by a few words
(a corrected release, a name pseudonymised since). ``similarity`` says how alike two texts
are, cheaply enough to compare a source with every transcript; ``Alignment`` maps a span of
one text onto the other through the words they share, in order, and gives up on a span
whose words are mostly not in the other text rather than guess.
"""

import re
from bisect import bisect_left, bisect_right
from difflib import SequenceMatcher

_WORD = re.compile(r"\w+")
#: the share of a selection's words that must be found in the other text to carry it over
MIN_COVERED = 0.5


def words(text: str) -> list[tuple[str, int, int]]:
    """The words of ``text`` as (casefolded word, start, end)."""
    return [(m.group().casefold(), m.start(), m.end()) for m in _WORD.finditer(text)]


def _shingles(found: list[tuple[str, int, int]]) -> set[tuple[str, ...]]:
    plain = [w for w, _, _ in found]
    if len(plain) < 3:
        return {tuple(plain)} if plain else set()
    return {tuple(plain[i : i + 3]) for i in range(len(plain) - 2)}


class Fingerprint:
    """A text's runs of three words, compared by ``similarity``."""

    def __init__(self, text: str):
        self.shingles = _shingles(words(text))


def similarity(a: Fingerprint, b: Fingerprint) -> float:
    """How alike two texts are, 0 to 1: the share of runs of three words they have in
    common (Dice's coefficient), so a few changed words cost a few per cent."""
    if not a.shingles or not b.shingles:
        return 0.0
    return 2 * len(a.shingles & b.shingles) / (len(a.shingles) + len(b.shingles))


def _lines(text: str, found: list[tuple[str, int, int]]) -> list[tuple[str, list[int]]]:
    """Each line of ``text`` with the indices of its words in ``found``."""
    out, start, first = [], 0, 0
    for line in text.split("\n"):
        end = start + len(line)
        last = first
        while last < len(found) and found[last][1] < end:
            last += 1
        out.append((line, list(range(first, last))))
        first, start = last, end + 1
    return out


class Alignment:
    """The words of ``source`` matched, in order, to those of ``target``."""

    def __init__(self, source: str, target: str):
        self.source, self.target = source, target
        self._a, self._b = words(source), words(target)
        self._a_starts = [start for _, start, _ in self._a]
        self._a_ends = [end for _, _, end in self._a]
        #: source word index -> target word index, for the words in a matching run
        self._to: dict[int, int] = {}
        # Lines first, then the words of the lines that differ: a long transcript with a few
        # changes aligns in a fraction of the time that its words alone would take.
        a_lines, b_lines = _lines(source, self._a), _lines(target, self._b)
        lines = SequenceMatcher(None, [t for t, _ in a_lines], [t for t, _ in b_lines],
                                autojunk=False)  # fmt: skip
        for tag, i1, i2, j1, j2 in lines.get_opcodes():
            a_words = [w for _, found in a_lines[i1:i2] for w in found]
            b_words = [w for _, found in b_lines[j1:j2] for w in found]
            if tag == "equal":
                self._to.update(zip(a_words, b_words, strict=True))
            elif tag == "replace":
                self._match_words(a_words, b_words)

    def _match_words(self, a_words: list[int], b_words: list[int]) -> None:
        matcher = SequenceMatcher(None, [self._a[i][0] for i in a_words],
                                  [self._b[j][0] for j in b_words], autojunk=False)  # fmt: skip
        for i, j, size in matcher.get_matching_blocks():
            for k in range(size):
                self._to[a_words[i + k]] = b_words[j + k]

    def span(self, start: int, end: int) -> tuple[int, int] | None:
        """``source[start:end]`` as a span of ``target``, or None when fewer than half its
        words are found there (the passage was changed). Characters before the first or
        after the last word found come along when the target has the same ones there."""
        first = bisect_right(self._a_ends, start)  # the first word ending after start
        last = bisect_left(self._a_starts, end) - 1  # the last word starting before end
        if first > last:
            return None
        found = [i for i in range(first, last + 1) if i in self._to]
        if not found or len(found) < MIN_COVERED * (last - first + 1):
            return None
        i, k = found[0], found[-1]
        _, a_start, _ = self._a[i]
        _, _, a_end = self._a[k]
        _, b_start, _ = self._b[self._to[i]]
        _, _, b_end = self._b[self._to[k]]
        if start > a_start:  # starts inside the word
            b_start = min(b_start + start - a_start, b_end)
        elif start < a_start:  # starts before it: take what is the same in both
            before = self.source[start:a_start]
            if self.target[max(0, b_start - len(before)) : b_start] == before:
                b_start -= len(before)
        if end < a_end:  # ends inside the word
            b_end = max(b_end - (a_end - end), b_start + 1)
        elif end > a_end:
            after = self.source[a_end:end]
            if self.target[b_end : b_end + len(after)] == after:
                b_end += len(after)
        return (b_start, b_end) if b_start < b_end else None
