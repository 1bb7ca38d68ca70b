"""coded_pair: the overlapping counted codings of each release, tallied per pair of codes by
triggers, so that co-occurrence within passages no longer joins a million codings to
themselves on every count

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 14:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


# Two counted codings (shared, or the consensus of a settled round, as coded_release counts
# them) of a release overlap when each starts before the other ends. The tally keeps, per
# release and pair of codes (low <= high: a code with itself too, since a code in two themes
# makes such a pair count between the themes), how many such pairs of codings there are.
#
# The triggers look at the other codings of the release as they are when the row changes,
# so the rows of one statement must be seen one after the other: SQLite's row triggers run
# as each row changes; PostgreSQL's AFTER row triggers run at the end of the statement (a
# cascade of a release's codings would see none of the others), so there they run BEFORE
# each row, which sees the rows of the statement already done.
_COUNTED = "({row}.round_id IS NULL OR {row}.consensus)"
_OTHERS = (
    "FROM coding y WHERE y.release_id = {row}.release_id AND y.id <> {row}.id "
    "AND (y.round_id IS NULL OR y.consensus) "
    "AND y.start_offset < {row}.end_offset AND y.end_offset > {row}.start_offset"
)
_FUNCTIONS = {"sqlite": ("min", "max"), "postgresql": ("LEAST", "GREATEST")}


def _statements(dialect: str) -> tuple[str, str]:
    """(add the pairs of NEW, take the pairs of OLD) as trigger statements."""
    low, high = _FUNCTIONS[dialect]

    def pair(row):
        return f"{low}(y.code_id, {row}.code_id)", f"{high}(y.code_id, {row}.code_id)"

    new_low, new_high = pair("NEW")
    add = (
        "INSERT INTO coded_pair (release_id, code_low, code_high, pairs) "
        f"SELECT NEW.release_id, {new_low}, {new_high}, count(*) "
        + _OTHERS.format(row="NEW") + " AND " + _COUNTED.format(row="NEW") + " "
        f"GROUP BY {new_low}, {new_high} "
        "ON CONFLICT (release_id, code_low, code_high) "
        "DO UPDATE SET pairs = coded_pair.pairs + excluded.pairs;"
    )  # fmt: skip
    old_low, old_high = pair("OLD")
    take = (
        "UPDATE coded_pair SET pairs = pairs - (SELECT count(*) " + _OTHERS.format(row="OLD")
        + f" AND {old_low} = coded_pair.code_low AND {old_high} = coded_pair.code_high) "
        "WHERE release_id = OLD.release_id AND OLD.code_id IN (code_low, code_high) AND "
        + _COUNTED.format(row="OLD") + " "
        # a release erased takes its tally with it (an update of a row written in the same
        # transaction would check the release that is gone)
        "AND EXISTS (SELECT 1 FROM transcript_release WHERE id = OLD.release_id); "
        "DELETE FROM coded_pair WHERE release_id = OLD.release_id "
        "AND OLD.code_id IN (code_low, code_high) AND pairs <= 0;"
    )  # fmt: skip
    return add, take


_WATCHED = "release_id, code_id, round_id, consensus, start_offset, end_offset"


def _create_triggers():
    dialect = op.get_bind().dialect.name
    add, take = _statements(dialect)
    if dialect == "postgresql":
        # Writers of one release's codings take turns (the release row, in a mode that a
        # foreign key's check does not wait on): each must see the codings the other wrote,
        # or two overlapping codings written at once would never be counted as a pair.
        lock = "PERFORM 1 FROM transcript_release WHERE id = {row}.release_id FOR NO KEY UPDATE; "
        op.execute(
            "CREATE FUNCTION coding_pairs() RETURNS trigger AS $$ BEGIN "
            "IF TG_OP IN ('DELETE', 'UPDATE') THEN " + lock.format(row="OLD") + take + " END IF; "
            "IF TG_OP IN ('INSERT', 'UPDATE') THEN " + lock.format(row="NEW") + add + " END IF; "
            "IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW; END $$ LANGUAGE plpgsql"
        )  # fmt: skip
        op.execute(
            f"CREATE TRIGGER coding_pairs BEFORE INSERT OR DELETE OR UPDATE OF {_WATCHED} "
            "ON coding FOR EACH ROW EXECUTE FUNCTION coding_pairs()"
        )
        return
    op.execute(f"CREATE TRIGGER coding_pairs_insert AFTER INSERT ON coding BEGIN {add} END")
    op.execute(f"CREATE TRIGGER coding_pairs_delete AFTER DELETE ON coding BEGIN {take} END")
    op.execute(
        f"CREATE TRIGGER coding_pairs_update AFTER UPDATE OF {_WATCHED} ON coding "
        f"BEGIN {take} {add} END"
    )


def _drop_triggers():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER coding_pairs ON coding")
        op.execute("DROP FUNCTION coding_pairs()")
        return
    for name in ("insert", "delete", "update"):
        op.execute(f"DROP TRIGGER coding_pairs_{name}")


def upgrade():
    op.create_table(
        "coded_pair",
        sa.Column("release_id", sa.Integer(), nullable=False),
        sa.Column("code_low", sa.Integer(), nullable=False),
        sa.Column("code_high", sa.Integer(), nullable=False),
        sa.Column("pairs", sa.Integer(), nullable=False),
        sa.CheckConstraint("code_low <= code_high", name=op.f("ck_coded_pair_ordered")),
        sa.ForeignKeyConstraint(["release_id"], ["transcript_release.id"],
                                name=op.f("fk_coded_pair_release_id_transcript_release"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["code_low"], ["code.id"],
                                name=op.f("fk_coded_pair_code_low_code"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["code_high"], ["code.id"],
                                name=op.f("fk_coded_pair_code_high_code"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("release_id", "code_low", "code_high",
                                name=op.f("pk_coded_pair")),
    )  # fmt: skip
    low, high = _FUNCTIONS[op.get_bind().dialect.name]
    # every pair once: b starts inside a, ties of start broken by id
    op.execute(
        "INSERT INTO coded_pair (release_id, code_low, code_high, pairs) "
        f"SELECT a.release_id, {low}(a.code_id, b.code_id), {high}(a.code_id, b.code_id), "
        "count(*) FROM coding a JOIN coding b ON b.release_id = a.release_id "
        "AND b.start_offset >= a.start_offset AND b.start_offset < a.end_offset "
        "AND (b.start_offset > a.start_offset OR b.id > a.id) "
        "WHERE (a.round_id IS NULL OR a.consensus) AND (b.round_id IS NULL OR b.consensus) "
        f"GROUP BY a.release_id, {low}(a.code_id, b.code_id), {high}(a.code_id, b.code_id)"
    )
    _create_triggers()


def downgrade():
    _drop_triggers()
    op.drop_table("coded_pair")
