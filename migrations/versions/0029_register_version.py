"""register_version: one row whose token changes with every change of the register
(placements, participants, offers), so that the follow-up figures can be kept between
requests (app.core.cache)

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-07 17:15:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None

# Eligibility reads the placement's days, setting and custody and the young person's birth
# date; the figures read every column of the offer that says where it stands. Any change to
# any column of them gives a new token: they change seldom, and a column added later is
# then watched without a migration of its own.
WATCHED = ("placement", "participant", "offer")

# As 0023: a new random token, never a counter + 1, and the row written back if a
# TRUNCATE took it.
_SQLITE_BUMP = (
    "INSERT INTO register_version (id, token) VALUES (1, lower(hex(randomblob(16)))) "
    "ON CONFLICT (id) DO UPDATE SET token = excluded.token;"
)
_PG_BUMP = (
    "INSERT INTO register_version (id, token) VALUES (1, gen_random_uuid()::text) "
    "ON CONFLICT (id) DO UPDATE SET token = excluded.token;"
)


def upgrade():
    op.create_table(
        "register_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=36), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_register_version_one_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_register_version")),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_BUMP)
        # At commit, once per transaction, as the aggregates' token (0023): an import of
        # a thousand placements bumps once and holds the row for the commit's last moments.
        op.execute(
            "CREATE FUNCTION register_changed() RETURNS trigger AS $$ BEGIN "
            "IF current_setting('redthread.register_changed', true) IS DISTINCT FROM 'y' "
            "THEN PERFORM set_config('redthread.register_changed', 'y', true); "
            + _PG_BUMP + " END IF; RETURN NULL; END $$ LANGUAGE plpgsql"
        )
        for table in WATCHED:
            op.execute(
                f"CREATE CONSTRAINT TRIGGER register_changed AFTER INSERT OR DELETE OR "
                f"UPDATE ON {table} DEFERRABLE INITIALLY DEFERRED "
                f"FOR EACH ROW EXECUTE FUNCTION register_changed()"
            )
        return
    op.execute(_SQLITE_BUMP)
    for table in WATCHED:
        for event in ("INSERT", "DELETE", "UPDATE"):
            op.execute(
                f"CREATE TRIGGER register_changed_{table}_{event.lower()} AFTER {event} "
                f"ON {table} BEGIN {_SQLITE_BUMP} END"
            )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in WATCHED:
            op.execute(f"DROP TRIGGER register_changed ON {table}")
        op.execute("DROP FUNCTION register_changed()")
    else:
        for table in WATCHED:
            for event in ("insert", "delete", "update"):
                op.execute(f"DROP TRIGGER register_changed_{table}_{event}")
    op.drop_table("register_version")
