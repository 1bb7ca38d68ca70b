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


SAMPLE_RATE = 16_000
#: how far back from a piece's end the cut may move to fall in a pause
CUT_SEARCH_SECONDS = 5.0
_QUIET_BLOCK = SAMPLE_RATE // 10  # 100 ms


def _quiet_cut(samples, length: int) -> int:
    """Where to end a piece of about ``length`` samples: the middle of the quietest 100 ms in
    its last seconds, so that a word is rarely cut in two."""
    import numpy as np

    search = min(int(CUT_SEARCH_SECONDS * SAMPLE_RATE), length // 2)
    start = length - search
    blocks = search // _QUIET_BLOCK
    if blocks < 1:
        return length
    window = samples[start : start + blocks * _QUIET_BLOCK].astype(np.float32)
    energy = np.square(window).reshape(blocks, _QUIET_BLOCK).mean(axis=1)
    quietest = int(np.argmin(energy[::-1]))  # the latest of equally quiet blocks
    return start + (blocks - 1 - quietest) * _QUIET_BLOCK + _QUIET_BLOCK // 2


def decode_pieces(src: BinaryIO, piece_seconds: float):
    """16 kHz mono float32 samples in pieces of at most ``piece_seconds``, each ended in a
    pause where there is one; yields ``(first_sample, samples)``.

    Memory stays at about one piece however long the recording is (a whole hour as one array
    is 230 MB). The cuts depend only on the audio, so a resumed job sees the same pieces.
    """
    import av
    import numpy as np

    length = max(int(piece_seconds * SAMPLE_RATE), 2 * _QUIET_BLOCK)
    resampler = av.audio.resampler.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
    held: list = []
    count = first = 0
    with av.open(src, mode="r", metadata_errors="ignore") as container:
        frames = container.decode(audio=0)
        while True:
            try:
                frame = next(frames)
            except StopIteration:
                frame = None
            except av.error.InvalidDataError:
                continue
            if frame is not None:
                frame.pts = None
            for out in resampler.resample(frame):
                block = out.to_ndarray().reshape(-1)
                held.append(block)
                count += len(block)
                while count >= length:
                    data = np.concatenate(held)
                    cut = _quiet_cut(data, length)
                    yield first, data[:cut].astype(np.float32) / 32768.0
                    held, count, first = [data[cut:]], len(data) - cut, first + cut
            if frame is None:
                break
    if count:
        yield first, np.concatenate(held).astype(np.float32) / 32768.0
