"""Transcript formats: segments, the canonical text, and .txt/.docx/.vtt/.srt in and out.

A transcript is a list of segments (start, end, speaker, text). Its canonical text is the
segments' texts joined by newlines; offsets into it are counted in Unicode code points
(Python ``str`` indices), which is what coding and REFI-QDA selections refer to.

Readers take bytes and raise ``FormatError`` with an English message (marked for
translation with ``N_``) and its parameters; the application translates it.
"""

import io
import re
import zipfile
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace


def N_(message: str) -> str:  # the gettext marker name that message extraction knows
    return message


@dataclass(frozen=True)
class Segment:
    text: str
    start: float | None = None  #: seconds from the beginning of the recording
    end: float | None = None
    speaker: str | None = None  #: a speaker key (interviewer, young_person, other)


class FormatError(Exception):
    """A transcript file that cannot be read; ``message % params`` says why."""

    def __init__(self, message: str, **params):
        super().__init__(message % params if params else message)
        self.message, self.params = message, params


#: limits on what a reader accepts
MAX_SEGMENTS = 20_000
MAX_SEGMENT_CHARS = 20_000
MAX_DOCX_UNPACKED = 50 * 1024 * 1024
MAX_DOCX_RATIO = 200


def clean(text: str) -> str:
    """One segment's text on one line: the canonical text uses newlines between segments."""
    return re.sub(r"\s+", " ", text.replace("\x00", "")).strip()


def canonical_text(segments: Iterable[Segment]) -> str:
    return "\n".join(s.text for s in segments)


def offsets(segments: Iterable[Segment]) -> list[tuple[int, int]]:
    """(start, end) of each segment's text in the canonical text, in code points."""
    spans, position = [], 0
    for segment in segments:
        spans.append((position, position + len(segment.text)))
        position += len(segment.text) + 1
    return spans


# --- text ------------------------------------------------------------------------------------


def decode_text(data: bytes) -> str:
    """Text from UTF-8 (with or without BOM) or UTF-16 with BOM.

    Anything else is refused with the first line that is not UTF-8: guessing another
    encoding would put wrong letters into an interview without anyone seeing it.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise FormatError(N_("The file says it is UTF-16 but is not.")) from None
    if b"\x00" in data:
        raise FormatError(N_("This is not a text file."))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise FormatError(
            N_("Line %(line)d is not valid UTF-8; save the file as UTF-8 and try again."),
            line=line,
        ) from None


_STAMP = re.compile(r"^\[(?:(\d{1,2}):)?(\d{1,2}):(\d{2})(?:[.,](\d{1,3}))?\]\s*")


#: what people write before a colon for each speaker, in sv, da and en (lowercased); the
#: interface's own labels in every language are added by the caller
SPEAKER_WORDS = {
    "interviewer": ("i", "int", "interviewer", "intervieweren", "intervjuare", "intervjuaren",
                    "intervjuar", "interviewer (i)", "intervjuare (i)", "intervieweren (i)"),
    "young_person": ("ip", "ung", "ung person", "ungdom", "ungdomen", "ungt menneske",
                     "den unge", "unge", "young person", "yp", "interviewee", "intervjuperson",
                     "interviewperson", "informant", "respondent", "ip (intervjuperson)",
                     "ung person (ip)", "ungt menneske (um)", "young person (yp)"),
    "other": ("other", "annan", "anden", "andre", "övrig", "øvrig"),
}  # fmt: skip


def speaker_word_map(labels: Mapping[str, str] | None = None) -> dict[str, str]:
    """Lowercased speaker words -> speaker key, with ``labels`` (the interface's own)."""
    words = {word: key for key, said in SPEAKER_WORDS.items() for word in said}
    words.update({label.lower(): key for label, key in (labels or {}).items()})
    return words


def _speaker_key(label: str, speakers: Mapping[str, str]) -> str | None:
    """ "Interviewer (I)", "UNG PERSON", "ip" -> a speaker key; None when it is no speaker."""
    said = " ".join(label.strip().lower().split())
    if said in speakers:
        return speakers[said]
    before, paren, _ = said.partition("(")  # "Intervjuare (I)": the name before the bracket
    return speakers.get(before.strip()) if paren else None


def _speaker_prefix(line: str, speakers: Mapping[str, str]) -> tuple[str | None, str]:
    label, colon, rest = line.partition(":")
    if colon and len(label) <= 40:
        key = _speaker_key(label, speakers)
        if key is not None:
            return key, rest.strip()
    return None, line


def _check_size(segments: list[Segment]) -> list[Segment]:
    if not segments:
        raise FormatError(N_("The file holds no transcript text."))
    if len(segments) > MAX_SEGMENTS:
        raise FormatError(N_("The file has more than %(n)s segments."), n=MAX_SEGMENTS)
    for number, segment in enumerate(segments, 1):
        if len(segment.text) > MAX_SEGMENT_CHARS:
            raise FormatError(N_("Segment %(n)s is too long."), n=number)
    return segments


def _from_lines(lines: Iterable[str], speakers: Mapping[str, str]) -> list[Segment]:
    """One segment a non-empty line; an optional [hh:mm:ss] stamp and "Speaker:" prefix."""
    segments = []
    for raw in lines:
        line = clean(raw)
        if not line:
            continue
        start = None
        stamp = _STAMP.match(line)
        if stamp:
            hours, minutes, seconds, fraction = stamp.groups()
            start = int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds)
            start += int((fraction or "0").ljust(3, "0")) / 1000
            line = line[stamp.end() :]
        speaker, line = _speaker_prefix(line, speakers)
        if line:
            segments.append(Segment(line, start, None, speaker))
    # A stamped line ends where the next one starts.
    for i, segment in enumerate(segments):
        if segment.start is not None:
            following = next((s.start for s in segments[i + 1 :] if s.start is not None), None)
            end = following if following is not None and following >= segment.start else None
            segments[i] = replace(segment, end=end if end is not None else segment.start)
    return _check_size(segments)


def read_txt(data: bytes, speakers: Mapping[str, str]) -> list[Segment]:
    return _from_lines(decode_text(data).splitlines(), speakers)


def read_docx(data: bytes, speakers: Mapping[str, str]) -> list[Segment]:
    """Paragraphs of a Word document; the zip is checked before python-docx opens it."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError):
        raise FormatError(N_("This is not a Word (.docx) document.")) from None
    for member in members:  # nothing is unpacked to disk, but such a name means an attack
        name = member.filename.replace("\\", "/")
        if name.startswith("/") or re.match(r"[A-Za-z]:", name) or ".." in name.split("/"):
            raise FormatError(N_("The document contains an unsafe file path; it was refused."))
    unpacked = sum(m.file_size for m in members)
    packed = max(1, sum(m.compress_size for m in members))
    if unpacked > MAX_DOCX_UNPACKED or unpacked / packed > MAX_DOCX_RATIO:
        raise FormatError(N_("The document unpacks to far more than it holds; it was refused."))
    from docx import Document  # lxml underneath, with entities not resolved
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = Document(io.BytesIO(data))
        said = [p.text for p in document.paragraphs if not _is_heading(p)]
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile):
        raise FormatError(N_("This is not a Word (.docx) document.")) from None
    # A member that does not inflate (or uses a method or encryption zipfile cannot read),
    # or an element of another kind where python-docx expects one: a damaged document.
    except (zlib.error, EOFError, NotImplementedError, RuntimeError, AttributeError, TypeError,
            IndexError):  # fmt: skip
        raise FormatError(N_("The Word document is damaged.")) from None
    except Exception as exc:  # lxml's XMLSyntaxError and the like: a damaged document
        if type(exc).__module__.startswith(("lxml", "docx")):
            raise FormatError(N_("The Word document is damaged.")) from None
        raise
    return _from_lines(said, speakers)


def _is_heading(paragraph) -> bool:
    """Headings and titles name the document; they are not what was said."""
    name = (paragraph.style.name if paragraph.style is not None else "") or ""
    return name.startswith(("Heading", "Title"))


# --- subtitles -------------------------------------------------------------------------------

_CUE_TIME = r"(?:(\d{1,3}):)?(\d{1,2}):(\d{2})[.,](\d{1,3})"
_CUE = re.compile(rf"^\s*{_CUE_TIME}\s*-->\s*{_CUE_TIME}(?:\s+.*)?$")
_VOICE = re.compile(r"<v(?:\.[^\s>]*)?\s+([^>]*)>")
#: formatting tags of subtitles (WebVTT's and those players accept in SubRip); others stay text
_TAG = re.compile(r"</?(?:b|c|i|u|v|s|font|lang|ruby|rt)(?:[.\s][^>]*)?>")


def _seconds(hours, minutes, seconds, millis) -> float:
    if int(minutes) > 59 or int(seconds) > 59:
        raise ValueError("minutes or seconds over 59")
    return (
        int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds) + int(millis.ljust(3, "0")) / 1000
    )


def _cue_times(line: str, number: int) -> tuple[float, float]:
    match = _CUE.match(line)
    try:
        if not match:
            raise ValueError(line)
        groups = match.groups()
        start, end = _seconds(*groups[:4]), _seconds(*groups[4:])
    except ValueError:
        raise FormatError(
            N_("Line %(line)s: the timestamps cannot be read."), line=number
        ) from None
    if end < start:
        raise FormatError(N_("Line %(line)s: the cue ends before it starts."), line=number)
    return start, end


def _blocks(text: str) -> list[list[tuple[int, str]]]:
    """Blank-line separated blocks of (line number, line)."""
    blocks, current = [], []
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip():
            current.append((number, line))
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


def _cue_text(lines: list[str], speakers: Mapping[str, str]) -> tuple[str | None, str]:
    joined = " ".join(lines)
    voice = _VOICE.search(joined)
    speaker = None
    if voice:
        speaker = _speaker_key(voice.group(1), speakers)
    text = clean(_TAG.sub("", joined))
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    if speaker is None:
        speaker, text = _speaker_prefix(text, speakers)
    return speaker, text


def read_vtt(data: bytes, speakers: Mapping[str, str]) -> list[Segment]:
    blocks = _blocks(decode_text(data))
    if not blocks or not blocks[0][0][1].startswith("WEBVTT"):
        raise FormatError(N_("A WebVTT file starts with the line WEBVTT."))
    segments = []
    for block in blocks[1:]:
        first = block[0][1].strip()
        if first.startswith(("NOTE", "STYLE", "REGION")):
            continue
        if "-->" not in first:  # a cue identifier line
            block = block[1:]
        if not block:
            continue
        number, timing = block[0]
        start, end = _cue_times(timing, number)
        speaker, text = _cue_text([line for _, line in block[1:]], speakers)
        if text:
            segments.append(Segment(text, start, end, speaker))
    return _check_size(segments)


def read_srt(data: bytes, speakers: Mapping[str, str]) -> list[Segment]:
    segments = []
    for block in _blocks(decode_text(data)):
        if block[0][1].strip().isdigit():
            block = block[1:]
        if not block:
            continue
        number, timing = block[0]
        start, end = _cue_times(timing, number)
        speaker, text = _cue_text([line for _, line in block[1:]], speakers)
        if text:
            segments.append(Segment(text, start, end, speaker))
    return _check_size(segments)


READERS = {"txt": read_txt, "docx": read_docx, "vtt": read_vtt, "srt": read_srt}


# --- writers ---------------------------------------------------------------------------------


def _clock(seconds: float | None, separator: str = ".") -> str:
    millis = round((seconds or 0) * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{millis:03d}"


def _label(segment: Segment, names: Mapping[str, str]) -> str:
    return names.get(segment.speaker, "") if segment.speaker else ""


def write_txt(segments: list[Segment], names: Mapping[str, str]) -> bytes:
    lines = []
    for segment in segments:
        stamp = f"[{_clock(segment.start)[:8]}] " if segment.start is not None else ""
        label = _label(segment, names)
        lines.append(f"{stamp}{label + ': ' if label else ''}{segment.text}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def write_docx(segments: list[Segment], names: Mapping[str, str], title: str = "") -> bytes:
    from docx import Document

    document = Document()
    if title:
        document.add_heading(title, level=1)
    for line in write_txt(segments, names).decode("utf-8").splitlines():
        document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _timed(segments: list[Segment]) -> list[Segment]:
    return [s if s.start is not None else replace(s, start=0.0, end=0.0) for s in segments]


def write_vtt(segments: list[Segment], names: Mapping[str, str]) -> bytes:
    cues = ["WEBVTT", ""]
    for segment in _timed(segments):
        text = segment.text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        label = _label(segment, names)
        voice = f"<v {label}>" if label else ""
        end = segment.end if segment.end is not None else segment.start
        cues += [f"{_clock(segment.start)} --> {_clock(end)}", voice + text, ""]
    return "\n".join(cues).encode("utf-8")


def write_srt(segments: list[Segment], names: Mapping[str, str]) -> bytes:
    cues = []
    for number, segment in enumerate(_timed(segments), 1):
        label = _label(segment, names)
        end = segment.end if segment.end is not None else segment.start
        cues += [
            str(number),
            f"{_clock(segment.start, ',')} --> {_clock(end, ',')}",
            f"{label + ': ' if label else ''}{segment.text}",
            "",
        ]
    return "\n".join(cues).encode("utf-8")


WRITERS = {"txt": write_txt, "docx": write_docx, "vtt": write_vtt, "srt": write_srt}
