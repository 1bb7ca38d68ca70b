"""Counts are written through ngettext, so that "1 new codes" cannot happen in any language."""

import re
from pathlib import Path

import pytest
from flask_babel import force_locale, ngettext

ROOT = Path(__file__).parent.parent / "app"
NOUNS = (
    "codes?|codings?|rows?|days?|entries|entry|interviews?|themes?|units?|participants?|"
    "minutes?|transcripts?|passages?|segments?|recordings?|memos?|fields?|files?"
)
#: a number placeholder followed by a counted noun ("%(n)s new codes", "%(count)d rows")
COUNTED = re.compile(rf"%\((?!suffix\b)\w+\)[sd] (?:new |unused |released )?(?:{NOUNS})\b")
CALL = re.compile(r"\b(ngettext|lazy_ngettext|gettext|_l|_)\(")


def test_every_count_message_goes_through_ngettext():
    offenders = []
    for path in sorted(ROOT.rglob("*")):
        if path.suffix not in {".py", ".html"} or "translations" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        for match in COUNTED.finditer(text):
            calls = list(CALL.finditer(text, 0, match.start()))
            if calls and calls[-1].group(1) not in ("ngettext", "lazy_ngettext"):
                line = text.count("\n", 0, match.start()) + 1
                offenders.append(f"{path.relative_to(ROOT.parent)}:{line}: {match.group()}")
    assert offenders == []


@pytest.mark.parametrize(
    ("language", "one", "many"),
    [
        ("en", "1 new code", "2 new codes"),
        ("sv", "1 ny kod", "2 nya koder"),
        ("da", "1 ny kode", "2 nye koder"),
    ],
)
def test_plural_forms_in_each_language(app, language, one, many):
    with app.test_request_context(), force_locale(language):
        assert ngettext("%(num)d new code", "%(num)d new codes", 1) == one
        assert ngettext("%(num)d new code", "%(num)d new codes", 2) == many
