"""Plain language: the sentences too long for a reader of about twelve.

Guidance for whoever edits a letter to young people, not a score: a sentence of more than
``limit`` words is pointed out so that it can be split. Works on any of the three languages
(it counts words, nothing else).
"""

import re

#: about what a reader of twelve takes in at one go
LIMIT = 15

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
_WORD = re.compile(r"\w+(?:[-']\w+)*")


def sentences(text: str) -> list[str]:
    """The sentences of ``text``; a line (a list item, a heading) ends one too."""
    parts = (part.strip().lstrip("-•* ").strip() for part in _SENTENCE_END.split(text or ""))
    return [part for part in parts if part]


def long_sentences(text: str, limit: int = LIMIT) -> list[str]:
    """The sentences of ``text`` with more than ``limit`` words, in order."""
    return [s for s in sentences(text) if len(_WORD.findall(s)) > limit]
