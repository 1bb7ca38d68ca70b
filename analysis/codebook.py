"""The starting codebook: themes from the Karlstad follow-up interviews, in sv, da and en.

``data/codebook_karlstad.json`` holds ``{"version": 1, "codes": [...]}``. Each code has a
``key`` (snake_case ASCII, unique in the whole tree), a ``colour`` (``#RRGGBB``), ``codable``
(false for a category that only groups codes), per language a ``name``, ``definition``,
``when_to_use``, ``when_not`` and ``example`` and a list of ``keywords`` (base forms; a
trailing "*" matches any ending), and optionally ``children`` of the same shape.
"""

import json
import re
from pathlib import Path

PATH = Path(__file__).parent / "data" / "codebook_karlstad.json"
LANGUAGES = ("sv", "da", "en")
TEXTS = ("name", "definition", "when_to_use", "when_not", "example")
#: texts that must not be empty in any language, categories included
REQUIRED = ("name", "definition")
KEY = re.compile(r"[a-z][a-z0-9_]*")
COLOUR = re.compile(r"#[0-9a-fA-F]{6}")


def starting_codebook() -> dict:
    """The starting codebook, freshly loaded and checked (see ``check_codebook``)."""
    codebook = json.loads(PATH.read_text(encoding="utf-8"))
    check_codebook(codebook)
    return codebook


def check_codebook(codebook: dict) -> None:
    """Raise ValueError, naming the code, when the codebook does not have the shape above."""
    if codebook.get("version") != 1:
        raise ValueError("codebook: version must be 1")
    if not isinstance(codebook.get("codes"), list):
        raise ValueError("codebook: codes must be a list")
    seen: set[str] = set()
    for code in _walk(codebook["codes"]):
        key = code.get("key")
        if not isinstance(key, str) or not KEY.fullmatch(key):
            raise ValueError(f"code {key!r}: key must be snake_case ASCII")
        if key in seen:
            raise ValueError(f"code {key!r}: key is used twice")
        seen.add(key)
        _check_code(key, code)


def _walk(codes: list):
    for code in codes:
        if not isinstance(code, dict):
            raise ValueError("codebook: each code must be an object")
        yield code
        children = code.get("children", [])
        if not isinstance(children, list):
            raise ValueError(f"code {code.get('key')!r}: children must be a list")
        yield from _walk(children)


def _check_code(key: str, code: dict) -> None:
    if not isinstance(code.get("colour"), str) or not COLOUR.fullmatch(code["colour"]):
        raise ValueError(f"code {key!r}: colour must be #RRGGBB")
    if not isinstance(code.get("codable"), bool):
        raise ValueError(f"code {key!r}: codable must be true or false")
    for field in (*TEXTS, "keywords"):
        values = code.get(field)
        if not isinstance(values, dict) or set(values) != set(LANGUAGES):
            raise ValueError(f"code {key!r}: {field} must have exactly {', '.join(LANGUAGES)}")
    for field in TEXTS:
        for language, text in code[field].items():
            if not isinstance(text, str):
                raise ValueError(f"code {key!r}: {field} ({language}) must be text")
            if field in REQUIRED and not text.strip():
                raise ValueError(f"code {key!r}: {field} ({language}) is empty")
    for language, keywords in code["keywords"].items():
        if not isinstance(keywords, list) or not all(
            isinstance(k, str) and k.strip() for k in keywords
        ):
            raise ValueError(f"code {key!r}: keywords ({language}) must be a list of words")
