"""Codes to suggest for a passage, from each code's keywords and definition.

A suggestion is only a proposal: the app shows it with the words that triggered it, and a
person accepts or dismisses it. Nothing here applies a code.

Two kinds of evidence, both offline (a blank spaCy tokenizer and the lemma lookup tables
of ``spacy-lookups-data``):

- keywords: a keyword matches a passage word with the same lemma, a compound that ends with
  it ("familj" matches "fosterfamiljen"), or, written as "flytt*", any word starting so.
  A keyword of several words matches the same words in a row.
- similarity: the TF-IDF cosine between the passage's content lemmas and those of the code's
  name and definition, with IDF over the codebook.

The score is ``1 - (1 - kw) * (1 - similarity)`` with ``kw = 1 - 0.5 ** matches``, where
``matches`` counts the code's distinct keywords found: one keyword gives at least 0.5, each
further keyword halves what is left, and similarity fills part of the rest.
"""

import gzip
import json
import math
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from analysis.pseudonymise import stop_words

LANGUAGES = ("sv", "da", "en")
#: definite and plural endings tried on a word the lemma table does not know
ENDINGS = {
    "sv": ("erna", "arna", "orna", "en", "et", "na", "er", "ar", "or"),
    "da": ("erne", "en", "et", "ne", "er"),
    "en": ("es", "s"),
}
#: letters a compound needs before its last part: "styv" + "far", but not "f" + "ara"
MIN_PREFIX = 3
#: the similarity that suggests a code without any keyword
MIN_SIMILARITY = 0.15


@dataclass(frozen=True)
class CodeInfo:
    id: int
    name: str
    #: the definition; the caller may append "when to use" and example text
    definition: str = ""
    #: words or short phrases in any inflection; a trailing "*" matches words starting so
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class Suggestion:
    code_id: int
    #: 0..1, higher is better (see the module docstring)
    score: float
    #: the passage's words, as written, that matched keywords, in order of appearance
    triggers: tuple[str, ...]
    #: cosine of the passage against the code's name and definition, 0..1
    similarity: float


# --- words -----------------------------------------------------------------------------------


@cache
def _table(language: str) -> tuple[dict[str, str], frozenset[str]]:
    """The lemma lookup table (form -> lemma) and the set of its lemmas."""
    import spacy_lookups_data

    path = Path(spacy_lookups_data.__file__).parent / "data" / f"{language}_lemma_lookup.json.gz"
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        lookup = json.load(handle)
    # Capitalised entries are proper nouns; passage words are looked up lowercased.
    table = {form: lemma.lower() for form, lemma in lookup.items() if form.islower()}
    return table, frozenset(table.values())


@cache
def _tokenizer(language: str):
    import spacy

    return spacy.blank(language).tokenizer


def _normal(text: str) -> str:
    return unicodedata.normalize("NFC", text.lower())


@lru_cache(maxsize=200_000)
def _known_lemma(language: str, word: str) -> str | None:
    """The lemma by the table; for a compound the table lacks, its beginning plus the lemma
    of its longest known ending ("fosterfamiljen" -> "fosterfamilj"); None if neither."""
    table = _table(language)[0]
    if word in table:
        return table[word]
    for start in range(MIN_PREFIX, len(word) - 2):
        if word[start:] in table:
            return word[:start] + table[word[start:]]
    return None


def _lemma(language: str, word: str) -> str:
    """A lowercased word's lemma, or the word itself when the table cannot tell."""
    return _known_lemma(language, word) or word


@lru_cache(maxsize=200_000)
def _forms(language: str, word: str) -> tuple[str, ...]:
    """What a lowercased passage word may be: as written, its lemma, and, when the table
    cannot lemmatise it, the word without a definite or plural ending."""
    known = _known_lemma(language, word)
    if known is not None:
        return (word, known) if known != word else (word,)
    endings = [e for e in ENDINGS[language] if word.endswith(e)]
    return (word, *(word[: -len(e)] for e in endings if len(word) - len(e) >= MIN_PREFIX))


def _keyword_keys(language: str, word: str) -> frozenset[str]:
    # A keyword already written as a lemma is not lemmatised again: "far" (father) is a
    # lemma, and the table's "far" -> "fara" (to travel) would make it match "fara".
    if word in _table(language)[1]:
        return frozenset([word])
    return frozenset([word, _lemma(language, word)])


# --- the suggester ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Pattern:
    """One word of a keyword: the lemmas it matches, or a prefix ("flytt*")."""

    keys: frozenset[str] = frozenset()
    prefix: str = ""

    def matches(self, language: str, word: str) -> bool:
        if self.prefix:
            return word.startswith(self.prefix)
        return not self.keys.isdisjoint(_forms(language, word))


class Suggester:
    """Suggestions from one codebook in one language (English for any other); build once,
    or take one from ``suggester``, and reuse."""

    def __init__(self, language: str, codes: Iterable[CodeInfo]):
        self.language = language if language in LANGUAGES else "en"
        self.codes = tuple(codes)
        #: keyword ids, numbered across the codebook, to the index of their code
        self.owner: list[int] = []
        self.words: dict[str, list[int]] = {}  # lemma or form -> single-word keywords
        self.prefixes: dict[int, dict[str, list[int]]] = {}  # length -> prefix -> keywords
        self.phrases: dict[str, list[tuple[int, tuple[_Pattern, ...]]]] = {}  # by first word
        for index, code in enumerate(self.codes):
            for keyword in dict.fromkeys(_normal(k).strip() for k in code.keywords):
                self._add_keyword(index, keyword)
        self._add_definitions()

    def _add_keyword(self, index: int, keyword: str) -> None:
        prefix = keyword.endswith("*")
        words = [t.text for t in _tokenizer(self.language)(keyword.rstrip("*")) if not t.is_space]
        if not words:
            return
        patterns = [_Pattern(_keyword_keys(self.language, w)) for w in words]
        if prefix:
            patterns[-1] = _Pattern(prefix=words[-1])
        keyword_id = len(self.owner)
        self.owner.append(index)
        if len(patterns) > 1:
            for key in patterns[0].keys:
                self.phrases.setdefault(key, []).append((keyword_id, tuple(patterns)))
        elif prefix:
            by_length = self.prefixes.setdefault(len(words[0]), {})
            by_length.setdefault(words[0], []).append(keyword_id)
        else:
            for key in patterns[0].keys:
                self.words.setdefault(key, []).append(keyword_id)

    def _add_definitions(self) -> None:
        counts = [self._content(self._tokens(f"{c.name}\n{c.definition}")[1]) for c in self.codes]
        frequency = Counter(term for terms in counts for term in terms)
        # Smoothed IDF, as scikit-learn's; a passage term no definition has gets the
        # highest weight, so unrelated words in a passage lower its similarity.
        self.idf = {t: math.log((1 + len(counts)) / (1 + n)) + 1 for t, n in frequency.items()}
        self.unseen_idf = math.log(1 + len(counts)) + 1
        #: term -> (code index, weight) for every code whose definition has it
        self.postings: dict[str, list[tuple[int, float]]] = {}
        for index, terms in enumerate(counts):
            for term, weight in self._vector(terms).items():
                self.postings.setdefault(term, []).append((index, weight))

    def _tokens(self, text: str) -> tuple[list, list[str]]:
        """A text's tokens, spaces left out, and their lowercased words."""
        tokens = [t for t in _tokenizer(self.language)(text) if not t.is_space]
        return tokens, [_normal(t.text) for t in tokens]

    def _content(self, words: list[str]) -> Counter:
        """The lemmas of the words, stop words left out."""
        stops, terms = stop_words(self.language), Counter()
        for word in words:
            if len(word) > 1 and any(c.isalpha() for c in word) and word not in stops:
                base = _lemma(self.language, word)
                if base not in stops:
                    terms[base] += 1
        return terms

    def _vector(self, terms: Counter) -> dict[str, float]:
        weights = {t: n * self.idf.get(t, self.unseen_idf) for t, n in terms.items()}
        norm = math.sqrt(sum(w * w for w in weights.values()))
        return {t: w / norm for t, w in weights.items()} if norm else {}

    def _similarities(self, words: list[str]) -> list[float]:
        found = [0.0] * len(self.codes)
        for term, weight in self._vector(self._content(words)).items():
            for index, code_weight in self.postings.get(term, ()):
                found[index] += weight * code_weight
        return [min(1.0, s) for s in found]

    def _word_keywords(self, word: str) -> set[int]:
        """The single-word keywords a lowercased passage word matches."""
        found: set[int] = set()
        for form in _forms(self.language, word):
            found.update(self.words.get(form, ()))
            for start in range(MIN_PREFIX, len(form) - 2):  # compound endings
                found.update(self.words.get(form[start:], ()))
        for length, prefixes in self.prefixes.items():
            found.update(prefixes.get(word[:length], ()))
        return found

    def _phrases_at(self, words: list[str], i: int) -> Iterable[tuple[int, int]]:
        """The keywords of several words that start at word ``i``, with where they end."""
        # a dict, so that a phrase two forms of the word lead to is matched once
        starting = dict(p for f in _forms(self.language, words[i]) for p in self.phrases.get(f, ()))
        for keyword_id, patterns in starting.items():
            end = i + len(patterns)
            if end <= len(words) and all(
                p.matches(self.language, w)
                for p, w in zip(patterns[1:], words[i + 1 : end], strict=True)
            ):
                yield keyword_id, end

    def _triggers(
        self, passage: str, tokens: list, words: list[str]
    ) -> tuple[list[list[str]], list[set[int]]]:
        """Per code: the surfaces that matched, in order, and the keywords matched."""
        surfaces: list[list[str]] = [[] for _ in self.codes]
        matched: list[set[int]] = [set() for _ in self.codes]
        known: dict[str, set[int]] = {}  # a long passage repeats its words

        def record(keyword_id: int, start: int, end: int) -> None:
            last = tokens[end - 1]
            surfaces[self.owner[keyword_id]].append(
                passage[tokens[start].idx : last.idx + len(last)]
            )
            matched[self.owner[keyword_id]].add(keyword_id)

        for i, word in enumerate(words):
            for keyword_id, end in self._phrases_at(words, i):
                record(keyword_id, i, end)
            if word not in known:
                known[word] = self._word_keywords(word)
            for keyword_id in known[word]:
                record(keyword_id, i, i + 1)
        return surfaces, matched

    def suggest(self, passage: str, limit: int = 5) -> list[Suggestion]:
        """The codes to propose for a passage, best first (score, then code id)."""
        if not passage.strip() or not self.codes:
            return []
        tokens, words = self._tokens(passage)
        surfaces, matched = self._triggers(passage, tokens, words)
        suggestions = []
        for code, similarity, found, keywords in zip(
            self.codes, self._similarities(words), surfaces, matched, strict=True
        ):
            if keywords or similarity >= MIN_SIMILARITY:
                evidence = 1 - 0.5 ** len(keywords)
                score = 1 - (1 - evidence) * (1 - similarity)
                suggestions.append(Suggestion(code.id, score, _unique(found), similarity))
        suggestions.sort(key=lambda s: (-s.score, s.code_id))
        return suggestions[:limit]


def _unique(words: list[str]) -> tuple[str, ...]:
    """The first writing of each word, ignoring case, in order."""
    first: dict[str, str] = {}
    for word in words:
        first.setdefault(word.lower(), word)
    return tuple(first.values())


@lru_cache(maxsize=32)
def _cached(language: str, codes: tuple[CodeInfo, ...]) -> Suggester:
    return Suggester(language, codes)


def suggester(language: str, codes: Iterable[CodeInfo]) -> Suggester:
    """The suggester for a codebook, kept while its codes stay the same."""
    return _cached(language, tuple(codes))
