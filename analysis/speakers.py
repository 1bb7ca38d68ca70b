"""Speaker turns joined with Whisper's words, and speakers followed from piece to piece.

A diarizer says who spoke when (turns); Whisper says what was said and when each word was
spoken. ``label_words`` gives each word the speaker whose turn covers it most and cuts a
segment where the speaker changes, so the editor starts with one turn per segment. A long
recording is diarized a piece at a time, and each piece numbers its speakers afresh:
``Voices`` matches them to the speakers of earlier pieces by their voice fingerprints
(the centroids of their speaker embeddings).

numpy is imported where the fingerprints are compared (in the transcription job), not with
this module, which the web process imports for the speaker labels.
"""

from collections.abc import Sequence
from dataclasses import dataclass

#: a speaker key in a transcript: "speaker_1", "speaker_2", ... until a person names them
PREFIX = "speaker_"
#: how similar (cosine) two fingerprints must be to be taken for the same voice
SAME_VOICE = 0.6
#: a word this far (seconds) from every turn still takes the nearest one
NEAR = 1.0


@dataclass(frozen=True)
class Turn:
    start: float
    end: float
    speaker: int


@dataclass(frozen=True)
class TimedWord:
    start: float
    end: float
    text: str


@dataclass(frozen=True)
class Spoken:
    """A piece of a segment said by one speaker (``None`` where no turn says who)."""

    start: float
    end: float
    text: str
    speaker: int | None


def key(speaker: int | None) -> str | None:
    return None if speaker is None else f"{PREFIX}{speaker}"


def number(speaker_key: str | None) -> int | None:
    """1 for "speaker_1"; None for any other key (a named role, or nothing)."""
    if not speaker_key or not speaker_key.startswith(PREFIX):
        return None
    digits = speaker_key[len(PREFIX) :]
    return int(digits) if digits.isdigit() else None


def _speaker_of(word: TimedWord, turns: Sequence[Turn]) -> int | None:
    best, overlap = None, 0.0
    for turn in turns:
        shared = min(word.end, turn.end) - max(word.start, turn.start)
        if shared > overlap:
            best, overlap = turn.speaker, shared
    if best is not None:
        return best
    middle = (word.start + word.end) / 2
    distance, nearest = min(
        ((min(abs(middle - t.start), abs(middle - t.end)), t.speaker) for t in turns),
        default=(None, None),
    )
    return nearest if distance is not None and distance <= NEAR else None


def label_words(start: float, end: float, text: str, words: Sequence[TimedWord],
                turns: Sequence[Turn]) -> list[Spoken]:  # fmt: skip
    """One Whisper segment as runs of words by one speaker each. Without word times the
    whole segment goes to the speaker who covers most of it."""
    if not turns:
        return [Spoken(start, end, text, None)]
    if not words:
        return [Spoken(start, end, text, _speaker_of(TimedWord(start, end, text), turns))]
    runs: list[list] = []
    previous = None
    for word in words:
        speaker = _speaker_of(word, turns)
        if speaker is None:
            speaker = previous
        if runs and speaker == runs[-1][0]:
            runs[-1][1].append(word)
        else:
            runs.append([speaker, [word]])
        previous = speaker
    return [
        Spoken(said[0].start if i else start, said[-1].end if i < len(runs) - 1 else end,
               " ".join(w.text for w in said).strip(), speaker)
        for i, (speaker, said) in enumerate(runs)
    ]  # fmt: skip


class Voices:
    """The speakers of a whole recording, from the speakers of its pieces."""

    def __init__(self, fingerprints: Sequence[Sequence[float]] = (), weights=()):
        import numpy as np

        self.fingerprints = [np.asarray(f, dtype=np.float64) for f in fingerprints]
        self.weights = list(weights) or [1.0] * len(self.fingerprints)

    def match(self, local: dict[int, Sequence[float]], seconds: dict[int, float]) -> dict:
        """Each local speaker's number in the recording (1, 2, ...): the most similar known
        voice if it is similar enough and not taken by another local speaker, else a new one.
        The loudest speakers of the piece choose first."""
        import numpy as np

        mapping: dict[int, int] = {}
        taken: set[int] = set()
        for speaker in sorted(local, key=lambda s: -seconds.get(s, 0.0)):
            voice = np.asarray(local[speaker], dtype=np.float64)
            scores = [
                (_cosine(voice, known), index)
                for index, known in enumerate(self.fingerprints)
                if index not in taken
            ]
            score, index = max(scores, default=(-1.0, None))
            weight = max(seconds.get(speaker, 0.0), 0.1)
            if index is None or score < SAME_VOICE:
                self.fingerprints.append(voice)
                self.weights.append(weight)
                index = len(self.fingerprints) - 1
            else:  # the voice's fingerprint becomes the mean over everything it said
                total = self.weights[index] + weight
                self.fingerprints[index] = (
                    self.fingerprints[index] * self.weights[index] + voice * weight
                ) / total
                self.weights[index] = total
            taken.add(index)
            mapping[speaker] = index + 1
        return mapping

    def saved(self) -> dict:
        return {"fingerprints": [f.tolist() for f in self.fingerprints], "weights": self.weights}


def _cosine(a, b) -> float:
    import numpy as np

    norm = float(np.linalg.norm(a) * np.linalg.norm(b))
    return float(np.dot(a, b) / norm) if norm else 0.0
