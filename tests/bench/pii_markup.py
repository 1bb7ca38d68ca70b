"""Convert an annotated markup file into the JSON-lines form the benchmark reads.

Each line of the markup is ``lang<TAB>text<TAB>register`` where the text marks every
passage that identifies someone as ``[surface|LABEL]`` and the optional register lists the
names the participant's record holds, separated by ";". Lines starting with "#" are
comments. Run ``.venv/bin/python -m tests.bench.pii_markup MARKUP JSONL``.
"""

import json
import re
import sys
from pathlib import Path

MARK = re.compile(r"\[([^\[\]|]+)\|([A-Z_]+)\]")


def parse(line: str) -> tuple[str, str, list, list[str]]:
    """(lang, plain text, spans [[start, end, label, surface]], register names)."""
    lang, marked, *rest = line.rstrip("\n").split("\t")
    text, spans, position = "", [], 0
    for match in MARK.finditer(marked):
        text += marked[position : match.start()]
        surface, label = match.groups()
        spans.append([len(text), len(text) + len(surface), label, surface])
        text += surface
        position = match.end()
    text += marked[position:]
    register = [n.strip() for n in rest[0].split(";") if n.strip()] if rest else []
    return lang, text, spans, register


def convert(markup: Path, prefix: str = "extra") -> list[dict]:
    rows = []
    lines = [line for line in markup.read_text("utf-8").splitlines()
             if line.strip() and not line.startswith("#")]  # fmt: skip
    for number, line in enumerate(lines, 1):
        lang, text, spans, register = parse(line)
        row = {"id": f"{prefix}-{number:03d}", "lang": lang, "text": text, "spans": spans}
        if register:
            row["register"] = register
        rows.append(row)
    return rows


if __name__ == "__main__":
    source, target = Path(sys.argv[1]), Path(sys.argv[2])
    rows = convert(source, source.stem)
    target.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    print(f"{len(rows)} rows written to {target}")
