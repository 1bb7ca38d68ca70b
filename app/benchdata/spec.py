"""What a synthetic corpus is asked for (``CorpusSpec``), how far its building has come
(``Progress``), and the refusal to fill a database that already holds participants.
"""

from dataclasses import dataclass


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
