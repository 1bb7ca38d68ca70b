"""aggregate_version: one row whose token changes with everything the theme counts read, so
that counts can be kept between requests (app.themes.cache)

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 11:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


# What the counts of themes and goals read (app.themes.aggregates, app.goals.queries), and
# the columns of it that change a count: codings and their tally, releases and their stamps,
# the interview's status, day and guardian stamp, consents and their withdrawal, and which
# codes a theme groups. A cascade (erasure deletes releases, codings, grants) fires these too.
WATCHED = {
    "coding": "release_id, code_id, round_id, consensus, start_offset, end_offset",
    "transcript_release": "interview_id, version, year, age_band, care_band",
    "interview": "status, conducted_on, guardian_needed",
    "consent_record": "interview_id, giver",
    "consent_grant": "record_id, scope, withdrawal_id",
    "theme_code": "theme_id, code_id",
}

# A new random token, never a counter + 1: a token taken in a transaction that was rolled
# back, or a database restored from a backup and changed again, never meets an old one.
# The row is written back if a TRUNCATE took it.
_SQLITE_BUMP = (
    "INSERT INTO aggregate_version (id, token) VALUES (1, lower(hex(randomblob(16)))) "
    "ON CONFLICT (id) DO UPDATE SET token = excluded.token;"
)
_PG_BUMP = (
    "INSERT INTO aggregate_version (id, token) VALUES (1, gen_random_uuid()::text) "
    "ON CONFLICT (id) DO UPDATE SET token = excluded.token;"
)


def _create_triggers():
    if op.get_bind().dialect.name == "postgresql":
        # At commit (deferred), once per transaction: the row is locked only for the
        # commit's last moments, after the audit chain's lock, so writers never wait on it
        # while they hold other locks, and a million codings in one transaction bump once.
        op.execute(
            "CREATE FUNCTION aggregate_changed() RETURNS trigger AS $$ BEGIN "
            "IF current_setting('redthread.aggregates_changed', true) IS DISTINCT FROM 'y' "
            "THEN PERFORM set_config('redthread.aggregates_changed', 'y', true); "
            + _PG_BUMP + " END IF; RETURN NULL; END $$ LANGUAGE plpgsql"
        )
        for table, columns in WATCHED.items():
            op.execute(
                f"CREATE CONSTRAINT TRIGGER aggregate_changed AFTER INSERT OR DELETE OR "
                f"UPDATE OF {columns} ON {table} DEFERRABLE INITIALLY DEFERRED "
                f"FOR EACH ROW EXECUTE FUNCTION aggregate_changed()"
            )
        return
    # SQLite has one writer at a time, so a bump per row costs a write to a row that
    # stays in the page cache, and waits on nothing.
    for table, columns in WATCHED.items():
        for event in ("INSERT", "DELETE", f"UPDATE OF {columns}"):
            name = event.split()[0].lower()
            op.execute(
                f"CREATE TRIGGER aggregate_changed_{table}_{name} AFTER {event} ON {table} "
                f"BEGIN {_SQLITE_BUMP} END"
            )


def _drop_triggers():
    if op.get_bind().dialect.name == "postgresql":
        for table in WATCHED:
            op.execute(f"DROP TRIGGER aggregate_changed ON {table}")
        op.execute("DROP FUNCTION aggregate_changed()")
        return
    for table in WATCHED:
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER aggregate_changed_{table}_{name}")


def upgrade():
    op.create_table(
        'aggregate_version',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token', sa.String(length=36), nullable=False),
        sa.CheckConstraint('id = 1', name=op.f('ck_aggregate_version_one_row')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_aggregate_version')),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_BUMP)
    else:
        op.execute(_SQLITE_BUMP)
    _create_triggers()


def downgrade():
    _drop_triggers()
    op.drop_table('aggregate_version')
