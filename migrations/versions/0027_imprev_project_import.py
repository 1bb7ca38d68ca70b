"""project_import: a .qdpx project waits, previewed, for its import; what an import added,
for its one undo

Revision ID: 0027
Revises: 0024
Create Date: 2026-12-07 14:00:00

"""

import sqlalchemy as sa
from alembic import op

import app.core.crypto
import app.core.db

# revision identifiers, used by Alembic.
revision = "0027"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "project_import",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("imported_by_id", sa.Integer(), nullable=False),
        sa.Column("uploaded_at", app.core.db.UTCDateTime(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("stored_name", sa.String(length=255), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("imported_at", app.core.db.UTCDateTime(), nullable=True),
        sa.Column("undone_at", app.core.db.UTCDateTime(), nullable=True),
        sa.Column("report", app.core.crypto.EncryptedText(), nullable=True),
        sa.Column("added", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "state IN ('previewed', 'imported', 'undone', 'discarded')",
            name=op.f("ck_project_import_state"),
        ),
        sa.ForeignKeyConstraint(
            ["imported_by_id"], ["user.id"], name=op.f("fk_project_import_imported_by_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_import")),
    )
    op.create_index(
        op.f("ix_project_import_imported_by_id"), "project_import", ["imported_by_id"],
        unique=False,
    )  # fmt: skip


def downgrade():
    op.drop_index(op.f("ix_project_import_imported_by_id"), table_name="project_import")
    op.drop_table("project_import")
