"""What an import report says, kept as keys with their numbers and put into words only when
shown: a report read in English the day after an import made in Swedish reads in English.

A note is a dict ``{"key": ..., **parameters}``; a plain string is shown as it is (the
reports stored before notes were kept as keys). What the REFI-QDA reader left out is a note
too (``reader_notes``), not the reader's own English lines.
"""

from flask_babel import gettext, ngettext

#: what the REFI-QDA reader left out, by its kind (``analysis.refiqda.DROPPED_KINDS``)
_READER = {
    "pdf_source": lambda num: ngettext(
        "%(num)d PDF source without a plain-text version",
        "%(num)d PDF sources without a plain-text version", num),
    "picture_source": lambda num: ngettext(
        "%(num)d picture source",
        "%(num)d picture sources", num),
    "audio_source": lambda num: ngettext(
        "%(num)d audio source",
        "%(num)d audio sources", num),
    "video_source": lambda num: ngettext(
        "%(num)d video source",
        "%(num)d video sources", num),
    "unknown_source": lambda num: ngettext(
        "%(num)d source of an unknown kind",
        "%(num)d sources of an unknown kind", num),
    "missing_text": lambda num: ngettext(
        "%(num)d text source whose text is missing",
        "%(num)d text sources whose text is missing", num),
    "not_utf8": lambda num: ngettext(
        "%(num)d text not in UTF-8",
        "%(num)d texts not in UTF-8", num),
    "pdf_selection": lambda num: ngettext(
        "%(num)d area selection on PDF pages",
        "%(num)d area selections on PDF pages", num),
    "selection_unreadable": lambda num: ngettext(
        "%(num)d selection with unreadable positions",
        "%(num)d selections with unreadable positions", num),
    "selection_empty": lambda num: ngettext(
        "%(num)d empty selection (start at or after end)",
        "%(num)d empty selections (start at or after end)", num),
    "selection_outside": lambda num: ngettext(
        "%(num)d selection outside the text",
        "%(num)d selections outside the text", num),
    "lost_selection": lambda num: ngettext(
        "%(num)d selection on the sources left out",
        "%(num)d selections on the sources left out", num),
    "lost_coding": lambda num: ngettext(
        "%(num)d coding on the selections left out",
        "%(num)d codings on the selections left out", num),
    "unknown_code": lambda num: ngettext(
        "%(num)d coding with an unknown code",
        "%(num)d codings with an unknown code", num),
    "source_coding": lambda num: ngettext(
        "%(num)d coding of a whole source",
        "%(num)d codings of a whole source", num),
    "duplicate": lambda num: ngettext(
        "%(num)d element with a GUID already used",
        "%(num)d elements with a GUID already used", num),
    "case_source": lambda num: ngettext(
        "%(num)d case link to a source not imported",
        "%(num)d case links to a source not imported", num),
    "case_code": lambda num: ngettext(
        "%(num)d case link to a code",
        "%(num)d case links to a code", num),
    "case_selection": lambda num: ngettext(
        "%(num)d case link to a selection",
        "%(num)d case links to a selection", num),
    "unknown_variable": lambda num: ngettext(
        "%(num)d value of an unknown variable",
        "%(num)d values of an unknown variable", num),
    "bad_value": lambda num: ngettext(
        "%(num)d unreadable variable value",
        "%(num)d unreadable variable values", num),
    "missing_note": lambda num: ngettext(
        "%(num)d link to a missing note",
        "%(num)d links to a missing note", num),
    "note_text": lambda num: ngettext(
        "%(num)d note whose text is missing",
        "%(num)d notes whose text is missing", num),
    "note_selection": lambda num: ngettext(
        "%(num)d coded passage in notes",
        "%(num)d coded passages in notes", num),
    "note_link": lambda num: ngettext(
        "%(num)d note link on codes, sources or cases (the notes are kept as project notes)",
        "%(num)d note links on codes, sources or cases (the notes are kept as project notes)", num),
    "rich_text": lambda num: ngettext(
        "%(num)d rich-text version of sources (the plain text was kept)",
        "%(num)d rich-text versions of sources (the plain text was kept)", num),
    "description": lambda num: ngettext(
        "%(num)d non-empty description of sources, cases, notes, variables or the project",
        "%(num)d non-empty descriptions of sources, cases, notes, variables or the project", num),
    "color": lambda num: ngettext(
        "%(num)d unreadable colour",
        "%(num)d unreadable colours", num),
    "date": lambda num: ngettext(
        "%(num)d unreadable date",
        "%(num)d unreadable dates", num),
    "link": lambda num: ngettext(
        "%(num)d link",
        "%(num)d links", num),
    "set": lambda num: ngettext(
        "%(num)d set",
        "%(num)d sets", num),
    "graph": lambda num: ngettext(
        "%(num)d graph",
        "%(num)d graphs", num),
}  # fmt: skip


def _reader(kind: str, num: int, names=(), more: bool = False, **_) -> str:
    """What the file's reader left out, with up to five of the names."""
    said = str(_READER[kind](num)) if kind in _READER else f"{num} × {kind}"
    if names:
        said += ": " + ", ".join([f"“{name}”" for name in names] + ["…"] * bool(more))
    return said


#: key -> the note in the reader's language, from its parameters
_SAY = {
    "reader": _reader,
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


def reader_notes(report) -> list[dict]:
    """The notes of what the file's reader left out (an ``analysis.refiqda.ImportReport``)."""
    return [
        note("reader", kind=kind, num=num, names=list(names), more=more)
        for kind, num, names, more in report.entries
    ]


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
