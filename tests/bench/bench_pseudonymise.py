"""Benchmark: the pseudonymisation detector's recall and precision, and its speed.

Run with ``make bench`` or ``.venv/bin/python -m tests.bench.bench_pseudonymise [FILE]``.
FILE is a JSON-lines file of annotated sentences ({"lang", "text", "spans": [[start, end,
label, surface], ...]}), by default the shared development set. A gold span counts as found
when a detection overlaps it with the same label; a detection counts as right when it
overlaps a gold span with the same label. It prints recall and precision per label and
overall, the time to build the pipelines, and words per second on a 20,000-word transcript.
"""

import json
import sys
import time
from collections import Counter
from pathlib import Path

from analysis.pseudonymise import LABELS, Detector

DEFAULT = Path(__file__).parents[3] / "shared" / "pii" / "dev.jsonl"


def overlaps(a, b) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def main(path: Path = DEFAULT) -> None:
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    began = time.perf_counter()
    import spacy  # noqa: F401 - timed apart: it imports torch too when torch is installed

    print(f"{'import spaCy':<40} {time.perf_counter() - began:8.2f} s")
    began = time.perf_counter()
    detectors = {language: Detector(language) for language in sorted({r["lang"] for r in rows})}
    built = time.perf_counter() - began
    gold, found, hit_gold, hit_found = Counter(), Counter(), Counter(), Counter()
    for row in rows:
        text, spans = row["text"], row["spans"]
        detections = detectors[row["lang"]].detect(text)
        for d in detections:
            assert text[d.start : d.end] == d.text
        for start, end, label, _ in spans:
            gold[label] += 1
            if any(overlaps((start, end), (d.start, d.end)) and d.label == label
                   for d in detections):  # fmt: skip
                hit_gold[label] += 1
        for d in detections:
            found[d.label] += 1
            if any(overlaps((d.start, d.end), (s[0], s[1])) and d.label == s[2] for s in spans):
                hit_found[d.label] += 1
            elif "-v" in sys.argv:
                print(f"  extra {d.label:<9} {d.text!r} ({d.source}) in {row['id']}")
        if "-v" in sys.argv:
            for start, end, label, surface in spans:
                if not any(overlaps((start, end), (d.start, d.end)) and d.label == label
                           for d in detections):  # fmt: skip
                    print(f"  missed {label:<9} {surface!r} in {row['id']}")
    print(f"{len(rows)} sentences from {path.name}")
    print(f"{'label':<12} {'gold':>5} {'found':>6} {'recall':>7} {'precision':>10}")
    for label in [*LABELS, "all"]:
        g = sum(gold.values()) if label == "all" else gold[label]
        f = sum(found.values()) if label == "all" else found[label]
        hg = sum(hit_gold.values()) if label == "all" else hit_gold[label]
        hf = sum(hit_found.values()) if label == "all" else hit_found[label]
        recall = hg / g if g else float("nan")
        precision = hf / f if f else float("nan")
        print(f"{label:<12} {g:>5} {f:>6} {recall:>7.2f} {precision:>10.2f}")
    print(f"{'pipelines built (' + ', '.join(detectors) + ')':<40} {built:8.2f} s "
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
    arguments = [a for a in sys.argv[1:] if not a.startswith("-")]
    main(Path(arguments[0]) if arguments else DEFAULT)
