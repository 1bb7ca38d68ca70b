"""Benchmark: the pseudonymisation detector's recall and precision, and its speed.

Run with ``make bench`` or ``.venv/bin/python -m tests.bench.bench_pseudonymise [FILE ...]
[-v]``. Each FILE is a JSON-lines file of annotated sentences ({"id", "lang", "text",
"spans": [[start, end, label, surface], ...], optional "register": [names]}); by default the
shared development set, the extra set in ``tests/data/pii/extra.jsonl`` and the two held-out
sets beside it. A gold span counts
as found when a detection overlaps it with the same label; a detection counts as right when
it overlaps a gold span with the same label; a gold span counts as whole when detections of
any label cover every one of its letters (a part left uncovered is released as it is, which
the overlap measure does not show). For every file and for all files together it
prints recall and precision per language and per label; then the time to build the
pipelines, and words per second on a 20,000-word transcript. ``-v`` lists what was missed
and what was found in excess.
"""

import json
import sys
import time
from collections import Counter
from pathlib import Path

from analysis.pseudonymise import LABELS, Detector

DEV = Path(__file__).parents[3] / "shared" / "pii" / "dev.jsonl"
EXTRA = Path(__file__).parents[1] / "data" / "pii" / "extra.jsonl"
#: written after the rules were tuned on the extra set, to measure them on unseen speech
HOLDOUT = Path(__file__).parents[1] / "data" / "pii" / "holdout.jsonl"
#: written after an outside review (double surnames, handles without "@", spoken years) and
#: before the rules for them
HOLDOUT2 = Path(__file__).parents[1] / "data" / "pii" / "holdout2.jsonl"


def overlaps(a, b) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def score(rows: list[dict], detectors: dict, verbose: bool = False) -> dict[str, Counter]:
    """Counts of gold, found, gold hit, gold whole and found right, keyed by (language,
    label)."""
    counts = {name: Counter() for name in ("gold", "found", "hit_gold", "whole", "hit_found")}
    for row in rows:
        text, spans, lang = row["text"], row["spans"], row["lang"]
        detections = detectors[lang].detect(text, row.get("register", ()))
        for d in detections:
            assert text[d.start : d.end] == d.text
        covered = bytearray(len(text))
        for d in detections:
            covered[d.start : d.end] = b"\x01" * (d.end - d.start)
        for start, end, label, surface in spans:
            counts["gold"][lang, label] += 1
            if all(covered[i] or not text[i].isalnum() for i in range(start, end)):
                counts["whole"][lang, label] += 1
            elif verbose:
                print(f"  partly {label:<9} {surface!r} in {row['id']}")
            if any(overlaps((start, end), (d.start, d.end)) and d.label == label
                   for d in detections):  # fmt: skip
                counts["hit_gold"][lang, label] += 1
            elif verbose:
                print(f"  missed {label:<9} {surface!r} in {row['id']}")
        for d in detections:
            counts["found"][lang, d.label] += 1
            if any(overlaps((d.start, d.end), (s[0], s[1])) and d.label == s[2] for s in spans):
                counts["hit_found"][lang, d.label] += 1
            elif verbose:
                print(f"  extra  {d.label:<9} {d.text!r} ({d.source}) in {row['id']}")
    return counts


def report(title: str, counts: dict[str, Counter]) -> None:
    languages = sorted({lang for lang, _ in counts["gold"] | counts["found"]})
    print(f"\n{title}")
    print(f"{'':<12} {'gold':>5} {'found':>6} {'recall':>7} {'precision':>10} {'whole':>6}")

    def line(name, keep):
        g, f, hg, w, hf = (sum(v for k, v in counts[c].items() if keep(k))
                           for c in ("gold", "found", "hit_gold", "whole",
                                     "hit_found"))  # fmt: skip
        recall = f"{hg / g:7.2f}" if g else f"{'-':>7}"
        precision = f"{hf / f:10.2f}" if f else f"{'-':>10}"
        whole = f"{w / g:6.2f}" if g else f"{'-':>6}"
        print(f"{name:<12} {g:>5} {f:>6} {recall} {precision} {whole}")

    for language in languages:
        line(language, lambda k, language=language: k[0] == language)
    for label in LABELS:
        line(label, lambda k, label=label: k[1] == label)
    line("all", lambda k: True)


def main(paths: list[Path], verbose: bool = False) -> None:
    sets = {path.name: load(path) for path in paths}
    rows = [row for found in sets.values() for row in found]
    began = time.perf_counter()
    import spacy  # noqa: F401 - timed apart: it imports torch too when torch is installed

    print(f"{'import spaCy':<40} {time.perf_counter() - began:8.2f} s")
    began = time.perf_counter()
    detectors = {language: Detector(language) for language in sorted({r["lang"] for r in rows})}
    built = time.perf_counter() - began
    together: dict[str, Counter] = {}
    for name, found in sets.items():
        counts = score(found, detectors, verbose)
        report(f"{len(found)} sentences from {name}", counts)
        together = {k: together.get(k, Counter()) + v for k, v in counts.items()}
    if len(sets) > 1:
        report(f"{len(rows)} sentences, all files together", together)
    print(f"\n{'pipelines built (' + ', '.join(detectors) + ')':<40} {built:8.2f} s "
          f"({built / len(detectors):.2f} s each)")  # fmt: skip

    transcript = " ".join(r["text"] for r in rows if r["lang"] == "sv")
    words = transcript.split()
    text = " ".join((words * (20_000 // len(words) + 1))[:20_000])
    sv = detectors.get("sv") or Detector("sv")
    began = time.perf_counter()
    detections = sv.detect(text)
    spent = time.perf_counter() - began
    print(f"{'20,000-word transcript (sv)':<40} {spent:8.3f} s, {20_000 / spent:,.0f} words/s, "
          f"{len(detections)} detections")  # fmt: skip


if __name__ == "__main__":
    arguments = [Path(a) for a in sys.argv[1:] if not a.startswith("-")]
    main(arguments or [p for p in (DEV, EXTRA, HOLDOUT, HOLDOUT2) if p.exists()], "-v" in sys.argv)
