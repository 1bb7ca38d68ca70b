"""Migration 0024: a codebook seeded in Swedish and again in Danish (one code per
language, as before one code held every language) is merged into one code per starting code,
and everything that pointed at a Danish duplicate follows it; up, down and up again, on
SQLite and PostgreSQL."""

from datetime import UTC, date, datetime

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade
from sqlalchemy import select, text

from analysis.codebook import starting_codebook
from app.codebook.models import Code
from app.core.crypto import keyring
from app.core.db import db
from app.goals import services as goals
from app.rounds import services as rounds
from app.themes import services as themes
from app.themes.models import CodedRelease
from app.workspace.models import Coding
from tests.conftest import MIGRATIONS

HEAD = "heads"  # the newest revision: later migrations must come back too
RETIRED = starting_codebook()["codes"][0]["children"][0]["key"]


def _walk(codes, parent=None):
    for entry in codes:
        yield entry, parent
        yield from _walk(entry.get("children", []), entry)


def _seed_old(connection, language: str, now) -> dict[str, int]:
    """The starting codebook as 0022 held it: one code per entry, in one language."""
    code = sa.Table("code", sa.MetaData(), autoload_with=connection)
    ids: dict[str, int] = {}
    for position, (entry, parent) in enumerate(_walk(starting_codebook()["codes"])):
        row = {
            "parent_id": ids[parent["key"]] if parent else None,
            **{
                f: entry[f][language]
                for f in ("name", "definition", "when_to_use", "when_not", "example")
            },
            "colour": entry["colour"],
            "keywords": f'["{language}-{entry["key"]}"]',
            "codable": entry["codable"],
            "position": position,
            "retired_at": None,
            "merged_into_id": None,
            "guid": f"{language}-{entry['key']}"[:36],
            "created_at": now,
        }
        ids[entry["key"]] = connection.execute(code.insert().values(**row)).inserted_primary_key[0]
    return ids


def _insert(connection, table: str, **values) -> None:
    found = sa.Table(table, sa.MetaData(), autoload_with=connection)
    connection.execute(found.insert().values(**values))


def _codings(code_id: int) -> list[Coding]:
    return db.session.scalars(select(Coding).where(Coding.code_id == code_id)).all()


def test_duplicated_codebooks_merge_into_one_code_per_starting_code(coded):
    anna, ben, boss, release = coded["anna"], coded["ben"], coded["boss"], coded["release"]
    coding_round = rounds.create_round(
        boss, name="Vår", unit="sentence", coders=[anna, ben], releases=[coded["release2"]]
    )
    both = themes.save_theme(
        boss, None, name="Båda", description="", formed_year=2025, revised_year=None, code_ids=[]
    )
    danish = themes.save_theme(
        boss, None, name="Dansk", description="", formed_year=2025, revised_year=None, code_ids=[]
    )
    goal = goals.create_goal(
        boss,
        kind="team",
        title="Tryghed",
        result="Unge føler sig trygge",
        term="long",
        work="",
        reason="",
        language="da",
        adopted_on=date(2025, 1, 1),
        revised_on=None,
    )
    ids = {
        "anna": anna.id,
        "ben": ben.id,
        "release": release.id,
        "release2": coded["release2"].id,
        "round": coding_round.id,
        "both": both.id,
        "danish": danish.id,
        "goal": goal.id,
    }
    db.session.commit()
    db.session.remove()

    downgrade(directory=MIGRATIONS, revision="0023")
    try:
        now = datetime.now(UTC).replace(tzinfo=None)
        memo = keyring().encrypt(b"sv memo").decode("ascii")
        da_memo = keyring().encrypt(b"da memo").decode("ascii")
        with db.engine.begin() as connection:
            connection.execute(text("DELETE FROM coding"))
            connection.execute(text("UPDATE code SET parent_id = NULL, merged_into_id = NULL"))
            connection.execute(text("DELETE FROM code"))
            sv = _seed_old(connection, "sv", now)
            da = _seed_old(connection, "da", now)
            _insert(
                connection,
                "code",
                parent_id=None,
                name="Egen kod",
                definition="",
                when_to_use="",
                when_not="",
                example="",
                colour="#123456",
                keywords="[]",
                codable=True,
                position=99,
                guid="own",
                created_at=now,
            )
            key = "adults_who_persist"
            # a retired Swedish code: its Danish twin, in use, is the one kept
            connection.execute(
                text("UPDATE code SET retired_at = :now WHERE id = :id"),
                {"now": now, "id": sv[RETIRED]},
            )
            common = {
                "release_id": ids["release"],
                "start_offset": 0,
                "end_offset": 10,
                "consensus": False,
                "created_at": now,
            }
            # Anna coded one passage twice, once in each language: one coding, both memos
            _insert(
                connection,
                "coding",
                code_id=sv[key],
                coder_id=ids["anna"],
                memo=memo,
                guid="c1",
                **common,
            )
            _insert(
                connection,
                "coding",
                code_id=da[key],
                coder_id=ids["anna"],
                memo=da_memo,
                guid="c2",
                **common,
            )
            # Ben coded it with the Danish code only; a blind round coding too
            _insert(connection, "coding", code_id=da[key], coder_id=ids["ben"], guid="c3", **common)
            _insert(
                connection,
                "coding",
                code_id=da[key],
                coder_id=ids["ben"],
                guid="c4",
                round_id=ids["round"],
                release_id=ids["release2"],
                start_offset=0,
                end_offset=5,
                consensus=False,
                created_at=now,
            )
            for theme, code_id in (("both", sv[key]), ("both", da[key]), ("danish", da[key])):
                _insert(connection, "theme_code", theme_id=ids[theme], code_id=code_id)
            _insert(
                connection,
                "goal_link",
                goal_id=ids["goal"],
                code_id=da[key],
                direction="for",
                created_at=now,
            )
    finally:
        upgrade(directory=MIGRATIONS, revision=HEAD)

    def check():
        codes = db.session.scalars(select(Code)).all()
        kept_codes = [c for c in codes if c.merged_into_id is None]
        assert len(kept_codes) == len(sv) + 1  # one per starting code, and the own one
        kept = db.session.get(Code, sv[key])
        assert {lang: t.name for lang, t in kept.texts.items()} == {
            "sv": "Vuxna som står kvar",
            "da": "Voksne der holder ud",
            "en": "Adults who persist",
        }
        duplicate = db.session.get(Code, da[key])
        assert duplicate.merged_into_id == kept.id and not duplicate.active
        assert duplicate.texts["da"].name == "Voksne der holder ud"  # the record
        shared = [c for c in _codings(kept.id) if c.round_id is None]
        assert sorted(c.coder_id for c in shared) == [ids["anna"], ids["ben"]]
        assert next(c.memo for c in shared if c.coder_id == ids["anna"]) == "sv memo\n\nda memo"
        assert [c.round_id for c in _codings(kept.id) if c.round_id] == [ids["round"]]
        assert _codings(duplicate.id) == []
        assert kept.parent_id == sv[kept_parent_key]
        tally = db.session.scalars(
            select(CodedRelease).where(CodedRelease.code_id.in_([kept.id, duplicate.id]))
        ).all()
        assert [(t.code_id, t.passages) for t in tally] == [(kept.id, 2)]
        theme_links = db.session.execute(
            text("SELECT theme_id, code_id FROM theme_code ORDER BY theme_id")
        ).all()
        assert sorted(theme_links) == sorted([(ids["both"], kept.id), (ids["danish"], kept.id)])
        assert db.session.execute(text("SELECT code_id FROM goal_link")).scalars().all() == [
            kept.id
        ]
        assert {"sv-adults_who_persist", "da-adults_who_persist"} <= set(kept.keyword_list)
        assert db.session.get(Code, sv[RETIRED]).merged_into_id == da[RETIRED]
        assert db.session.get(Code, da[RETIRED]).active
        assert set(db.session.get(Code, da[RETIRED]).texts) == {"sv", "da", "en"}
        own = next(c for c in codes if c.guid == "own")
        assert set(own.texts) == {"en"}  # the installation's language (the tests': en)
        db.session.remove()

    kept_parent_key = next(
        p["key"] for e, p in _walk(starting_codebook()["codes"]) if e["key"] == key
    )
    check()
    downgrade(directory=MIGRATIONS, revision="0023")
    try:
        with db.engine.connect() as connection:
            names = dict(connection.execute(text("SELECT id, name FROM code")).all())
        assert names[sv[key]] == "Adults who persist"  # the default language first
        assert names[da[key]] == "Voksne der holder ud"
        assert all(names.values())
    finally:
        upgrade(directory=MIGRATIONS, revision=HEAD)
    check()
