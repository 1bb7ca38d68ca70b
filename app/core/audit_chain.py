"""The audit chain: the entries a transaction records are linked to the end of the chain
and written just before it commits (or before it reads the log), under the lock that
serialises writers, and forgotten when it rolls back; ``redthread audit verify`` walks the
chain (``verify_chain``) and finds the first broken link.
"""

from dataclasses import dataclass

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from app.core.audit_entry import GENESIS, AuditEntry
from app.core.db import Writer, db, one_writer

#: ``Session.info`` key of the entries recorded in this transaction and not yet chained
PENDING = "audit_pending"


def _chain(session: Session) -> None:
    """Link this transaction's entries to the end of the chain and write them.

    Runs as late as possible (just before the commit, or before a query of the log in the
    same transaction), so the lock that serialises writers is held for milliseconds, not
    for the whole request.
    """
    pending = session.info.pop(PENDING, None)
    if not pending:
        return
    one_writer(session, Writer.AUDIT_CHAIN)
    last = session.scalar(select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1))
    last = last or GENESIS
    for entry in pending:
        entry.prev_hash = last
        entry.hash = last = entry.compute_hash()
    session.add_all(pending)
    session.flush()


@event.listens_for(Session, "before_commit")
def _chain_before_commit(session):
    # Releasing a savepoint is not the commit: its entries wait for the outer one.
    if not session.in_nested_transaction():
        _chain(session)


@event.listens_for(Session, "do_orm_execute")
def _chain_before_reading_the_log(state):
    """A query of the log sees the entries this transaction has recorded, as before a commit."""
    if (
        state.is_select
        and state.session.info.get(PENDING)
        and not state.session.in_nested_transaction()
        and any(mapper.class_ is AuditEntry for mapper in state.all_mappers)
    ):
        _chain(state.session)


@event.listens_for(Session, "after_transaction_end")
def _forget_unwritten(session, transaction):
    # A rollback takes the transaction's entries with it, as it does its changes.
    if transaction.parent is None:
        session.info.pop(PENDING, None)


@dataclass
class ChainReport:
    checked: int
    broken_at: int | None = None
    reason: str | None = None
    last_hash: str = GENESIS

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def verify_chain(batch: int = 5000, progress=None) -> ChainReport:
    """Walk the log in order and report the first entry whose link or hash is wrong."""
    expected_prev = GENESIS
    checked = 0
    total = db.session.scalar(select(db.func.count(AuditEntry.id))) or 0
    last_id = 0
    while True:
        rows = db.session.scalars(
            select(AuditEntry).where(AuditEntry.id > last_id).order_by(AuditEntry.id).limit(batch)
        ).all()
        if not rows:
            return ChainReport(checked, last_hash=expected_prev)
        for entry in rows:
            if entry.prev_hash != expected_prev:
                return ChainReport(checked, entry.id, "broken_link")
            if not entry.intact():
                return ChainReport(checked, entry.id, "changed")
            expected_prev = entry.hash
            checked += 1
            last_id = entry.id
            db.session.expunge(entry)
        if progress and total:
            progress(checked / total)
