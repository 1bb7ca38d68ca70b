"""Transcript formats on plain data: reading, writing, round trips, and what is refused."""

import io
import zipfile

import pytest

from analysis import transcripts as t
from analysis.transcripts import FormatError, Segment

SPEAKERS = {"interviewer": "interviewer", "young person": "young_person", "i": "interviewer",
            "intervjuare": "interviewer"}  # fmt: skip
NAMES = {"interviewer": "Interviewer", "young_person": "Young person", "other": "Other"}
SEGMENTS = [
    Segment("How are you doing now?", 0.0, 2.5, "interviewer"),
    Segment("Fine — I moved to Åmål & started <school>.", 2.5, 7.25, "young_person"),
    Segment("Good to hear. 😊", 7.25, 9.0, None),
]


def test_canonical_text_and_offsets_count_code_points():
    text = t.canonical_text(SEGMENTS)
    spans = t.offsets(SEGMENTS)
    assert text.split("\n") == [s.text for s in SEGMENTS]
    for (start, end), segment in zip(spans, SEGMENTS, strict=True):
        assert text[start:end] == segment.text
    assert spans[2] == (len(SEGMENTS[0].text) + len(SEGMENTS[1].text) + 2, len(text))


@pytest.mark.parametrize("kind", ["txt", "docx", "vtt", "srt"])
def test_every_format_round_trips(kind):
    data = t.WRITERS[kind](SEGMENTS, NAMES)
    back = t.READERS[kind](data, SPEAKERS)
    assert [s.text for s in back] == [s.text for s in SEGMENTS]
    assert [s.speaker for s in back] == [s.speaker for s in SEGMENTS]
    if kind in ("vtt", "srt"):
        assert [(s.start, s.end) for s in back] == [(s.start, s.end) for s in SEGMENTS]
    else:  # whole seconds in the stamps; a line ends where the next starts
        assert [s.start for s in back] == [0.0, 2.0, 7.0]


@pytest.mark.parametrize(
    "data",
    [
        "Intervjuare: Hur mår du?\nJag mår bra, tack – sommaren i Visby.\n".encode(),
        b"\xef\xbb\xbf"
        + "Intervjuare: Hur mår du?\nJag mår bra, tack – sommaren i Visby.".encode(),
        "Intervjuare: Hur mår du?\r\nJag mår bra, tack – sommaren i Visby.".encode(),
        "Intervjuare: Hur mår du?\nJag mår bra, tack – sommaren i Visby.".encode("utf-16"),
    ],
    ids=["utf-8", "utf-8-bom", "utf-8-crlf", "utf-16"],
)
def test_text_in_the_encodings_people_save_in(data):
    segments = t.read_txt(data, SPEAKERS)
    assert segments == [
        Segment("Hur mår du?", None, None, "interviewer"),
        Segment("Jag mår bra, tack – sommaren i Visby.", None, None, None),
    ]


@pytest.mark.parametrize("reader", [t.read_txt, t.read_vtt, t.read_srt])
def test_text_that_is_not_utf8_is_refused_with_its_line_not_guessed(reader):
    """Windows-1252 (or any other 8-bit text) is not read as something it may not be."""
    lines = ["WEBVTT", "", "1", "00:00:01.000 --> 00:00:02.000", "Hej"]
    if reader is t.read_srt:
        lines = ["1", "00:00:01,000 --> 00:00:02,000", "Hej", ""]
    good = "\n".join(lines).encode() + b"\n"
    bad = good + "Jag mår bra\n".encode("cp1252")
    number = len(lines) + 1
    with pytest.raises(t.FormatError, match=f"Line {number} is not valid UTF-8"):
        reader(bad, SPEAKERS)


@pytest.mark.parametrize(
    ("data", "reader", "message"),
    [
        (b"", t.read_txt, "no transcript text"),
        (b"\x00\x01\x02binary", t.read_txt, "not a text file"),
        (b"\x81\x8d\x8f\x90", t.read_txt, "Line 1 is not valid UTF-8"),
        (b"1\n00:00:01,000 --> 00:00:xx,000\nHello\n", t.read_srt, "Line 2: the timestamps"),
        (b"1\n00:00:05,000 --> 00:00:01,000\nHello\n", t.read_srt, "Line 2: the cue ends"),
        (b"1\n00:00:01,000 --> 00:61:00,000\nHello\n", t.read_srt, "Line 2"),
        (b"00:00:01.000 --> 00:00:02.000\nHello\n", t.read_vtt, "starts with the line WEBVTT"),
        (b"PK\x03\x04 not really a zip", t.read_docx, "not a Word"),
        (b"plain text", t.read_docx, "not a Word"),
    ],
)
def test_bad_files_are_refused_with_a_reason(data, reader, message):
    with pytest.raises(FormatError) as refused:
        reader(data, SPEAKERS)
    assert message in str(refused.value)


def test_vtt_voices_notes_and_identifiers():
    data = (
        b"WEBVTT - interview\n\nNOTE made by hand\n\nintro\n00:01.000 --> 00:03.500 align:start\n"
        b"<v Interviewer>Welcome</v>\n\n00:00:04.000 --> 00:00:06.000\n<v.loud Young person>"
        b"<i>Thanks</i> &amp; hi\n"
    )
    assert t.read_vtt(data, SPEAKERS) == [
        Segment("Welcome", 1.0, 3.5, "interviewer"),
        Segment("Thanks & hi", 4.0, 6.0, "young_person"),
    ]


def test_a_docx_bomb_is_refused_before_it_is_unpacked():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"\x00" * (60 * 1024 * 1024))
    with pytest.raises(FormatError, match="unpacks to far more"):
        t.read_docx(out.getvalue(), SPEAKERS)


def test_docx_entities_are_not_expanded():
    document = t.write_docx([Segment("placeholder")], NAMES)
    source = zipfile.ZipFile(io.BytesIO(document))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "word/document.xml":
                declaration = b"<?xml version='1.0' encoding='UTF-8' standalone='yes'?>"
                hostile = (
                    b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                )
                content = content.replace(declaration, hostile)
                content = content.replace(b"placeholder", b"&x;")
            archive.writestr(item, content)
    try:
        segments = t.read_docx(out.getvalue(), SPEAKERS)
    except FormatError:
        return  # refused outright: also safe
    assert all("root:" not in s.text for s in segments)


def test_too_many_segments_are_refused():
    data = ("\n".join(f"line {n}" for n in range(t.MAX_SEGMENTS + 1))).encode()
    with pytest.raises(FormatError, match="more than"):
        t.read_txt(data, SPEAKERS)


def test_the_speaker_labels_people_write_are_read_in_every_language():
    from analysis.transcripts import read_txt, speaker_word_map

    words = speaker_word_map({"Intervjuare": "interviewer", "Den unge": "young_person"})
    text = (
        "Intervjuare: Hur mår du?\nUng person: Bra.\nINTERVIEWER: And now?\nIP: Fine.\n"
        "I: Good.\nUngt menneske: Ja.\nInterviewer (I): Thanks.\nden unge: Tak.\n"
        "Interviewer   (i) : Again.\nKl. 10: not a speaker\n"
    ).encode()
    said = [(s.speaker, s.text) for s in read_txt(text, words)]
    assert said == [
        ("interviewer", "Hur mår du?"), ("young_person", "Bra."), ("interviewer", "And now?"),
        ("young_person", "Fine."), ("interviewer", "Good."), ("young_person", "Ja."),
        ("interviewer", "Thanks."), ("young_person", "Tak."), ("interviewer", "Again."),
        (None, "Kl. 10: not a speaker"),
    ]  # fmt: skip
