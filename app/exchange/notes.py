"""What an import report says, kept as keys with their numbers and put into words only when
shown: a report read in English the day after an import made in Swedish reads in English.

A note is a dict ``{"key": ..., **parameters}``; a plain string is shown as it is (the
reader's English notes, and the reports stored before notes were kept as keys).
"""

from flask_babel import gettext, ngettext

#: key -> the note in the reader's language, from its parameters
_SAY = {
    "whitespace": lambda num, **_: ngettext(
        "%(num)d coding of only the whitespace at the end of a text",
        "%(num)d codings of only the whitespace at the end of a text", num),
    "skipped": lambda num, **_: ngettext(
        "%(num)d coding of a code you skipped", "%(num)d codings of codes you skipped", num),
    "changed": lambda num, **_: ngettext(
        "%(num)d coding of a passage not found in the similar transcript",
        "%(num)d codings of passages not found in the similar transcript", num),
    "others": lambda num, **_: ngettext(
        "the coders' names: %(num)d coding by another coder in the file is recorded as yours",
        "the coders' names: %(num)d codings by others in the file are recorded as yours", num),
    "category": lambda **_: gettext("a coding with a category or an unknown code"),
    "unnamed": lambda guid="", **_: gettext("an unnamed source (%(guid)s)", guid=guid),
    "not_here": lambda **_: gettext("not a released transcript here"),
    "differs": lambda **_: gettext("its text differs from the released version"),
    "unconfirmed": lambda **_: gettext("similar to a transcript here, not confirmed"),
    "erased": lambda **_: gettext("a source about someone erased since"),
}  # fmt: skip


def note(key: str, **parameters) -> dict:
    """A note to keep: ``key`` (one of those ``say`` knows) with its parameters."""
    assert key in _SAY, key
    return {"key": key, **parameters}


def say(kept) -> str:
    """A kept note in the words of the person reading it now."""
    if isinstance(kept, dict) and kept.get("key") in _SAY:
        parameters = {k: v for k, v in kept.items() if k != "key"}
        return str(_SAY[kept["key"]](**parameters))
    return str(kept)
