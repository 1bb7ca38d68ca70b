"""Every reader of uploaded or shipped files, fuzzed: any bytes give either a result or the
reader's own error with a message, never another exception.

The readers are pure (no database), so a refusal cannot leave half a write; what the upload
routes do with them is in test_hostile_files.py and test_upload_routes.py.
"""

import io
import tempfile
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given

from analysis import refiqda
from analysis import transcripts as formats
from app.consent import scans
from app.guides.files import Guide, GuideFileError, load_file
from app.participants import import_columns, import_table, importer
from app.transcripts import audio
from tests.analysis.test_refiqda import make_project
from tests.consent.pdfs import MINIMAL
from tests.fuzz import hostile
from tests.fuzz.strategies import FUZZ, any_bytes
from tests.participants.test_import_flow import HEADER, ROWS

GUIDES = Path(__file__).parent.parent.parent / "interview_guides"
SPEAKERS = {"interviewer": "interviewer", "young person": "young_person", "i": "interviewer"}

REGISTER_CSV = "\r\n".join([HEADER, ROWS[0].format(worker="Anna"), ROWS[1]]).encode()
REGISTER_XLSX = hostile.xlsx([row.split(";") for row in (HEADER, ROWS[1])])


def _message(error: Exception) -> str:
    text = str(getattr(error, "message", "") or error)
    assert text.strip(), f"{type(error).__name__} without a message"
    return text


@given(data=any_bytes([REGISTER_CSV, b"a;b\r\n1;2\r\n"], [REGISTER_XLSX]))
@FUZZ
@pytest.mark.parametrize("name", ["register.csv", "register.xlsx", "register.txt"])
def test_register_files(name, data):
    try:
        table = import_table.read_table(data, name)
    except import_table.ImportProblem as problem:
        _message(problem)
        return
    assert table.headers and table.rows and len(table.rows) <= import_table.MAX_ROWS
    mapping = import_columns.guess_mapping(table.headers)
    try:
        rows = importer.parse_rows(table, mapping, region="SE", today=date(2026, 11, 23))
    except import_table.ImportProblem as problem:  # a required column was not found
        _message(problem)
        return
    for row in rows:
        assert row.values or row.errors
        for message in row.errors:
            assert str(message).strip()


TRANSCRIPT_SEEDS = {
    "txt": ["[00:00:01] Interviewer: Hello, how are you?\n[00:00:04] Young person: Fine.\n",
            "I: Hej\nIP: Hej hej\n"],
    "vtt": ["WEBVTT\n\n00:00.000 --> 00:02.500\n<v Interviewer>Hello\n\n1\n00:02.500 --> "
            "00:04.000\nYoung person: Hi\n"],
    "srt": ["1\n00:00:00,000 --> 00:00:02,500\nInterviewer: Hello\n\n2\n00:00:02,500 --> "
            "00:00:04,000\nHi\n"],
}  # fmt: skip
DOCX = hostile.docx(["Interview", "Interviewer: Hello", "Young person: Hi, I am fine."])


@given(data=any_bytes([s.encode() for seeds in TRANSCRIPT_SEEDS.values() for s in seeds],
                      [DOCX]))  # fmt: skip
@FUZZ
@pytest.mark.parametrize("kind", sorted(formats.READERS))
def test_transcript_formats(kind, data):
    try:
        segments = formats.READERS[kind](data, SPEAKERS)
    except formats.FormatError as error:
        _message(error)
        assert error.message % error.params if error.params else error.message
        return
    assert 0 < len(segments) <= formats.MAX_SEGMENTS
    for segment in segments:
        assert segment.text.strip()
        if segment.start is not None and segment.end is not None:
            assert segment.start <= segment.end


QDC = refiqda.write_qdc(make_project().codes)
QDPX = refiqda.write_qdpx(make_project())


@given(data=any_bytes([QDC]))
@FUZZ
def test_refi_qda_codebooks(data):
    try:
        codes, report = refiqda.read_qdc(data)
    except refiqda.RefiError as error:
        assert error.reason and _message(error)
        return
    assert isinstance(codes, list) and isinstance(report.dropped, list)


@given(data=any_bytes([QDPX], [QDPX]))
@FUZZ
def test_refi_qda_projects(data):
    try:
        project, _report = refiqda.read_qdpx(data)
    except refiqda.RefiError as error:
        assert error.reason and _message(error)
        return
    for source in project.sources:
        for selection in source.selections:  # every selection lies inside its text
            assert 0 <= selection.start <= selection.end <= len(source.text)


GUIDE_SEEDS = sorted(GUIDES.glob("*.yaml"))


@given(data=any_bytes([GUIDE_SEEDS[0].read_bytes()[:4000], b"id: x\nsections: [[[]]]\n"]))
@FUZZ
def test_interview_guide_files(data):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / GUIDE_SEEDS[0].name
        path.write_bytes(data)
        try:
            guide = load_file(path)
        except GuideFileError as error:
            assert error.reason and path.name in str(error)
            return
    assert isinstance(guide, Guide)


def _audio_seeds() -> list[bytes]:
    import wave

    from tests.transcripts.conftest import encode

    out = io.BytesIO()
    with wave.open(out, "wb") as riff:
        riff.setnchannels(1)
        riff.setsampwidth(2)
        riff.setframerate(8000)
        riff.writeframes(bytes(range(256)) * 62)
    with tempfile.TemporaryDirectory() as folder:
        return [out.getvalue()] + [encode(1.0, Path(folder) / f"a.{fmt}", fmt).read_bytes()
                                   for fmt in ("flac", "ogg")]  # fmt: skip


AUDIO = _audio_seeds()


@given(data=any_bytes(AUDIO))
@FUZZ
def test_audio_probing(data):
    try:
        info = audio.probe(io.BytesIO(data), max_seconds=60)
    except audio.AudioError as error:
        _message(error)
        return
    assert 0 < info.duration <= 60 and info.codec


def _png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("L", (30, 20)).save(out, "PNG")
    return out.getvalue()


def _jpeg() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (30, 20)).save(out, "JPEG")
    return out.getvalue()


PDF = MINIMAL


@given(data=any_bytes([PDF, _png(), _jpeg(), hostile.png_header_bomb()]))
@FUZZ
def test_consent_scans(data):
    try:
        kind = scans.content_type(data)
    except scans.ScanProblem as problem:
        _message(problem)
        return
    assert kind in ("application/pdf", "image/jpeg", "image/png")
