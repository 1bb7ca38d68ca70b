"""review_agenda_template: one template per language

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 08:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    # The existing template keeps no language (NULL): it stands in for every language
    # until the coordinator saves one in that language.
    with op.batch_alter_table('review_agenda_template', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=5), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f('uq_review_agenda_template_language'), ['language']
        )


def downgrade():
    # Only one template survives a downgrade: the one without a language, else any.
    op.execute(
        "DELETE FROM review_agenda_template WHERE language IS NOT NULL AND EXISTS "
        "(SELECT 1 FROM review_agenda_template AS t WHERE t.language IS NULL)"
    )
    op.execute(
        "DELETE FROM review_agenda_template WHERE id NOT IN "
        "(SELECT min(id) FROM review_agenda_template)"
    )
    with op.batch_alter_table('review_agenda_template', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('uq_review_agenda_template_language'), type_='unique'
        )
        batch_op.drop_column('language')
