"""audit entries name participants by a keyed digest: the clear codes of older entries are
replaced by it, each sealed with a redaction HMAC so that the chain stays verifiable

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 05:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def _lift_append_only():
    # Only for this transaction: the triggers of 0001 come back before it commits.
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_append_only")
    else:
        op.execute("DROP TRIGGER audit_entry_no_update")


def _restore_append_only():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE audit_entry ENABLE TRIGGER audit_entry_append_only")
    else:
        op.execute(
            "CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry "
            "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
        )


def upgrade():
    from app.core.audit import redact_clear_codes

    with op.batch_alter_table('audit_entry', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('redaction', sa.String(length=64), nullable=True))
    _lift_append_only()
    redact_clear_codes(op.get_bind())
    _restore_append_only()


def downgrade():
    # The redacted entries cannot get their clear codes back, and without the column their
    # seals would be gone: a downgrade keeps the column's data out of the chain only if
    # nothing was redacted.
    bind = op.get_bind()
    redacted = bind.execute(
        sa.text("SELECT COUNT(*) FROM audit_entry WHERE redaction IS NOT NULL")
    ).scalar()
    if redacted:
        raise RuntimeError(
            f"{redacted} audit entries were redacted by 0013; downgrading would break the chain"
        )
    with op.batch_alter_table('audit_entry', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('redaction')
