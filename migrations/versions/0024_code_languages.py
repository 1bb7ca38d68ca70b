"""code: one code in every language; the texts move to code_text, and a codebook that holds
the starting codebook in several languages (one code per language) is merged into one code
per starting code

A code's name, definition, when to use it, when not and example move to ``code_text``, one
row per language. A code that is a starting code (its name is the starting codebook's name in
some language, at the same place in the tree) gets that language, and its missing languages
from the starting codebook; any other code gets the installation's default language.

Codes that are the same starting code in different languages are merged into the oldest of
them that is not retired, as the codebook's merge does: its codings (shared, blind and consensus; a coding the
kept code already has for the same passage, coder and round is not doubled, its memo joins
the kept one's), its theme links, its goal links (where the goal already links the kept code,
the kept link stays), its sub-codes and its keywords move to the kept code; the merged code
stays, retired and pointing at the kept code (``merged_into_id``), with its own texts, as the
record of what was merged. ``coded_release`` follows the codings through its triggers.

Downgrade puts each code's text back on the code (the default language first); the merge
itself is not undone.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 11:45:00

"""

import json
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from flask import current_app

from app.core.db import UTCDateTime

# revision identifiers, used by Alembic.
revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

LANGUAGES = ("sv", "da", "en")
TEXTS = ("name", "definition", "when_to_use", "when_not", "example")


def _default_language() -> str:
    language = current_app.config.get("BABEL_DEFAULT_LOCALE", "sv")
    return language if language in LANGUAGES else "sv"


def _starting_index() -> tuple[dict, dict]:
    """(parent key, language, casefolded name) -> key, and key -> entry."""
    from analysis.codebook import starting_codebook

    index, entries = {}, {}

    def walk(codes, parent_key):
        for entry in codes:
            entries[entry["key"]] = entry
            for language in LANGUAGES:
                index.setdefault(
                    (parent_key, language, entry["name"][language].casefold()), entry["key"]
                )
            walk(entry.get("children", []), entry["key"])

    walk(starting_codebook()["codes"], None)
    return index, entries


def upgrade():
    op.create_table(
        "code_text",
        sa.Column("code_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("definition", sa.String(), nullable=False),
        sa.Column("when_to_use", sa.String(), nullable=False),
        sa.Column("when_not", sa.String(), nullable=False),
        sa.Column("example", sa.String(), nullable=False),
        sa.CheckConstraint("language IN ('sv', 'da', 'en')", name=op.f("ck_code_text_language")),
        sa.CheckConstraint("name <> ''", name=op.f("ck_code_text_name")),
        sa.ForeignKeyConstraint(
            ["code_id"], ["code.id"], name=op.f("fk_code_text_code_id_code"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("code_id", "language", name=op.f("pk_code_text")),
    )
    bind = op.get_bind()
    codes = (
        bind.execute(
            sa.text(
                "SELECT id, parent_id, name, definition, when_to_use, when_not, example, keywords, "
                "merged_into_id, retired_at FROM code ORDER BY id"
            )
        )
        .mappings()
        .all()
    )
    by_id = {c["id"]: c for c in codes}
    index, entries = _starting_index()
    default = _default_language()
    order = (default, *(lang for lang in LANGUAGES if lang != default))
    keys: dict[int, str | None] = {}

    def key_of(code_id):
        # a starting code only under the starting code it belongs under
        if code_id not in keys:
            code = by_id[code_id]
            parent_key = None
            if code["parent_id"] is not None:
                parent_key = key_of(code["parent_id"])
                if parent_key is None:
                    keys[code_id] = None
                    return None
            keys[code_id] = None
            for language in order:
                found = index.get((parent_key, language, (code["name"] or "").casefold()))
                if found:
                    keys[code_id] = (found, language)
                    break
        return keys[code_id][0] if keys[code_id] else None

    insert = sa.text(
        "INSERT INTO code_text (code_id, language, name, definition, when_to_use, when_not, "
        "example) VALUES (:code_id, :language, :name, :definition, :when_to_use, :when_not, "
        ":example)"
    )
    texts: dict[int, dict[str, dict]] = {}
    for code in codes:
        key_of(code["id"])
        language = keys[code["id"]][1] if keys[code["id"]] else default
        if code["name"]:
            texts[code["id"]] = {language: {f: code[f] or "" for f in TEXTS}}
        else:
            texts[code["id"]] = {}

    # one code per starting code: the oldest one in use (else the oldest) keeps it; a code
    # merged already stays merged where it is
    groups: dict[str, list[int]] = {}
    for code in codes:
        if keys.get(code["id"]) and code["merged_into_id"] is None:
            groups.setdefault(keys[code["id"]][0], []).append(code["id"])
    now = datetime.now(UTC)
    for key, members in groups.items():
        members.sort(key=lambda code_id: (by_id[code_id]["retired_at"] is not None, code_id))
        kept, *duplicates = members
        for duplicate in duplicates:
            for language, text in texts[duplicate].items():
                texts[kept].setdefault(language, dict(text))
            _merge(bind, duplicate, kept, by_id, now)
        entry = entries[key]
        for language in LANGUAGES:
            texts[kept].setdefault(language, {f: entry.get(f, {}).get(language, "") or ""
                                              for f in TEXTS})  # fmt: skip
    for code_id, by_language in texts.items():
        for language, text in by_language.items():
            if text["name"]:
                bind.execute(insert, {"code_id": code_id, "language": language, **text})

    for column in TEXTS:
        if bind.dialect.name == "sqlite":
            # SQLite drops a column in place; a batch copy of the table would drop the table
            # itself, and with it (ON DELETE CASCADE) every theme and goal link to a code
            op.execute(f"ALTER TABLE code DROP COLUMN {column}")
        else:
            op.drop_column("code", column)


_CODINGS = sa.text(
    "SELECT id, release_id, coder_id, round_id, consensus, start_offset, end_offset, memo "
    "FROM coding WHERE code_id = :id"
)
#: the links to a code that a merge moves: (what links, where the link is already there,
#: drop it, move it)
_LINKS = (
    (
        "SELECT theme_id FROM theme_code WHERE code_id = :id",
        "SELECT count(*) FROM theme_code WHERE theme_id = :o AND code_id = :kept",
        "DELETE FROM theme_code WHERE theme_id = :o AND code_id = :id",
        "UPDATE theme_code SET code_id = :kept WHERE theme_id = :o AND code_id = :id",
    ),
    (
        "SELECT goal_id FROM goal_link WHERE code_id = :id",
        "SELECT count(*) FROM goal_link WHERE goal_id = :o AND code_id = :kept",
        "DELETE FROM goal_link WHERE goal_id = :o AND code_id = :id",
        "UPDATE goal_link SET code_id = :kept WHERE goal_id = :o AND code_id = :id",
    ),
)


def _twin_key(row) -> tuple:
    return (row.release_id, row.coder_id, row.round_id, bool(row.consensus),
            row.start_offset, row.end_offset)  # fmt: skip


def _merge(bind, duplicate: int, kept: int, by_id: dict, now) -> None:
    """Move what points at ``duplicate`` to ``kept`` and mark ``duplicate`` merged."""
    existing = {_twin_key(r): r for r in bind.execute(_CODINGS, {"id": kept})}
    for row in bind.execute(_CODINGS, {"id": duplicate}).all():
        twin = existing.get(_twin_key(row))
        if twin is None:
            bind.execute(sa.text("UPDATE coding SET code_id = :kept WHERE id = :id"),
                         {"kept": kept, "id": row.id})  # fmt: skip
            existing[_twin_key(row)] = row
            continue
        if row.memo is not None:
            memo = row.memo
            if twin.memo is not None:
                from app.core.crypto import keyring

                ring = keyring()
                joined = "\n\n".join(ring.decrypt(m.encode("ascii")).decode("utf-8")
                                     for m in (twin.memo, row.memo))[:5000]  # fmt: skip
                memo = ring.encrypt(joined.encode("utf-8")).decode("ascii")
            bind.execute(sa.text("UPDATE coding SET memo = :memo WHERE id = :id"),
                         {"memo": memo, "id": twin.id})  # fmt: skip
        bind.execute(sa.text("DELETE FROM coding WHERE id = :id"), {"id": row.id})

    for linking, linked, drop, move in _LINKS:
        for (owner_id,) in bind.execute(sa.text(linking), {"id": duplicate}).all():
            there = bind.execute(sa.text(linked), {"o": owner_id, "kept": kept}).scalar()
            bind.execute(sa.text(drop if there else move),
                         {"o": owner_id, "id": duplicate, "kept": kept})  # fmt: skip

    bind.execute(sa.text("UPDATE code SET parent_id = :kept WHERE parent_id = :id"),
                 {"kept": kept, "id": duplicate})  # fmt: skip
    bind.execute(sa.text("UPDATE code SET merged_into_id = :kept WHERE merged_into_id = :id"),
                 {"kept": kept, "id": duplicate})  # fmt: skip
    words = json.loads(by_id[kept]["keywords"] or "[]")
    words = list(dict.fromkeys(words + json.loads(by_id[duplicate]["keywords"] or "[]")))
    bind.execute(sa.text("UPDATE code SET keywords = :words WHERE id = :kept"),
                 {"words": json.dumps(words[:40], ensure_ascii=False), "kept": kept})  # fmt: skip
    retire = sa.text(
        "UPDATE code SET merged_into_id = :kept, retired_at = COALESCE(retired_at, :now) "
        "WHERE id = :id"
    ).bindparams(sa.bindparam("now", type_=UTCDateTime()))
    bind.execute(retire, {"kept": kept, "now": now, "id": duplicate})


def downgrade():
    bind = op.get_bind()
    for column in TEXTS:
        kind = "VARCHAR(200)" if column == "name" else "VARCHAR"
        op.execute(f"ALTER TABLE code ADD COLUMN {column} {kind} NOT NULL DEFAULT ''")
    default = _default_language()
    order = (default, *(lang for lang in LANGUAGES if lang != default))
    rows = (
        bind.execute(
            sa.text(
                "SELECT code_id, language, name, definition, when_to_use, "
                "when_not, example FROM code_text"
            )
        )
        .mappings()
        .all()
    )
    chosen: dict[int, dict] = {}
    for row in sorted(rows, key=lambda r: order.index(r["language"])):
        chosen.setdefault(row["code_id"], row)
    for code_id, row in chosen.items():
        bind.execute(
            sa.text(
                "UPDATE code SET name = :name, definition = :definition, when_to_use = "
                ":when_to_use, when_not = :when_not, example = :example WHERE id = :id"
            ),
            {**{f: row[f] for f in TEXTS}, "id": code_id},
        )
    op.drop_table("code_text")
