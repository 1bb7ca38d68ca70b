"""Checking uploaded audio with PyAV: that it really is audio, and how long it lasts."""

from dataclasses import dataclass
from typing import BinaryIO

from analysis.transcripts import N_

#: file types accepted, by extension
FILE_TYPES = ("wav", "mp3", "m4a", "ogg", "opus", "flac", "webm")


class AudioError(Exception):
    def __init__(self, message: str, **params):
        super().__init__(message % params if params else message)
        self.message, self.params = message, params


@dataclass(frozen=True)
class AudioInfo:
    duration: float  #: seconds, counted from the decoded samples
    codec: str


def _riff_cut_short(src: BinaryIO) -> bool:
    """A WAV file says its own length in its header; FFmpeg goes by the file's size."""
    head = src.read(12)
    size = src.seek(0, 2)
    src.seek(0)
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        return False
    declared = int.from_bytes(head[4:8], "little") + 8
    streaming = declared - 8 in (0, 0xFFFFFFFF)  # written live, length left open
    return not streaming and size < declared


def probe(src: BinaryIO, max_seconds: float) -> AudioInfo:
    """Decode the first audio stream once, to the end; refuse what is not whole audio."""
    import av

    if _riff_cut_short(src):
        raise AudioError(N_("The file is cut short: it ends before the length it states."))

    try:
        container = av.open(src, mode="r", metadata_errors="ignore")
    except (av.FFmpegError, ValueError, OSError):
        raise AudioError(N_("This file is not audio that can be read.")) from None
    with container:
        if not container.streams.audio:
            raise AudioError(N_("The file holds no audio."))
        stream = container.streams.audio[0]
        if stream.codec_context is None:  # a header naming a codec FFmpeg does not have
            raise AudioError(N_("This file is not audio that can be read."))
        samples, rate = 0, stream.codec_context.sample_rate or 0
        try:
            for frame in container.decode(stream):
                rate = frame.sample_rate or rate
                samples += frame.samples
                if rate and samples / rate > max_seconds:
                    raise AudioError(
                        N_(
                            "The recording is longer than %(minutes)s minutes; split it and "
                            "upload the parts one at a time."
                        ),
                        minutes=round(max_seconds / 60),
                    )
        except (av.FFmpegError, ValueError, OSError):
            raise AudioError(N_("The audio is damaged and cannot be decoded.")) from None
        duration = samples / rate if rate else 0.0
        declared = None
        if stream.duration and stream.time_base:
            declared = float(stream.duration * stream.time_base)
        codec = stream.codec_context.name
    if duration <= 0:
        raise AudioError(N_("The file holds no sound (it is empty or cut off)."))
    if declared and duration < declared * 0.95 - 1:
        raise AudioError(
            N_("The file is cut short: it says %(declared)s seconds, but only %(found)s "
               "could be read."), declared=round(declared), found=round(duration))  # fmt: skip
    return AudioInfo(duration, codec)


def decode(src: BinaryIO):
    """16 kHz mono float32 samples, as the Whisper engines want them."""
    from faster_whisper.audio import decode_audio

    return decode_audio(src, sampling_rate=16_000)
