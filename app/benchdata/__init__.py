"""A synthetic corpus for the scale benchmark (``redthread bench-data``).

Fills the database with invented but plausible material: a few users, the Karlstad starting
codebook, eight themes, and per interview a participant with a placement, an accepted offer,
consent records, a released pseudonymised text of about thirty memo lines and about a
hundred codings; beside them the offers that ended without an interview, with their
reasons, for the attrition figures. Everyone in it is invented.

The rows go in as SQL bulk inserts in batches with the ids chosen here, because a million
ORM objects would take hours. A corpus holds released text only: not the memos, recordings
or transcripts it would have been made from. The same seed gives the same corpus.

The package: ``build_corpus`` here, with its ``CorpusSpec``, ``Progress`` and
``CorpusNotEmpty`` (from ``spec``), which is what the command and the benchmarks use; the
first rows in ``setup``, the batches in ``builder``, the words and weights in
``vocabulary``.
"""

from collections.abc import Iterator

from sqlalchemy import func, select

from app.benchdata.builder import Builder
from app.benchdata.setup import fix_sequences, setup_corpus
from app.benchdata.spec import CorpusNotEmpty, CorpusSpec, Progress
from app.core import audit
from app.core.db import db
from app.participants.models import Participant


def build_corpus(spec: CorpusSpec, password: str, force: bool = False) -> Iterator[Progress]:
    """Fill the database batch by batch; the caller commits after each ``Progress``.

    ``password`` is set for every user the corpus adds. Raises CorpusNotEmpty before
    writing anything when participants exist, unless ``force``.
    """
    if spec.interviews < 1 or spec.years < 1 or spec.codings < 0:
        raise ValueError("interviews and years must be positive, codings not negative")
    if not force and db.session.scalar(select(func.count(Participant.id))):
        raise CorpusNotEmpty
    builder = Builder(spec, setup_corpus(spec, password))
    done = codings = 0
    while done < spec.interviews:
        size = min(spec.batch, spec.interviews - done)
        codings += builder.batch(size)
        done += size
        yield Progress(done, codings, spec.interviews)
    fix_sequences()
    audit.record(builder.ctx.coordinator, "bench.load", interviews=done, codings=codings,
                 seed=spec.seed)  # fmt: skip
    db.session.flush()
