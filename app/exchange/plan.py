"""What importing a project would do, worked out before anything changes: the preview.

Each code of the file is already here (the same GUID), or is added, merged into a code of
the codebook (suggested when their names match, ignoring case and accents, in any of the
codebook's languages), or skipped with its codings. Each source matches a release exactly
(up to line ends and trailing whitespace), or by the similarity of their texts (then only
once the person confirms it), or not at all. The plan's ``digest`` names everything the
choices rest on, so an import refuses a preview that the codebook or the releases have
since moved away from.
"""

import hashlib
import json
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from analysis.refiqda import model as qda
from analysis.refiqda.align import Fingerprint, similarity
from app.codebook.models import Code
from app.exchange import queries
from app.releases.models import Release
from app.workspace.queries import codable_releases

#: texts at least this alike are offered as the same transcript, for the person to confirm
SIMILAR = 0.5
ADD, MERGE, SKIP, HERE = "add", "merge", "skip", "here"


def normal(name: str) -> str:
    """A name as names are compared: casefolded, without accents, spaces collapsed."""
    plain = unicodedata.normalize("NFKD", name.casefold())
    return " ".join("".join(c for c in plain if not unicodedata.combining(c)).split())


def comparable(text: str) -> str:
    """A text as compared when matching a file's source to a release: LF line ends and no
    trailing whitespace, so the same transcript saved on Mac and Windows still matches."""
    return text.replace("\r\n", "\n").replace("\r", "\n").rstrip()


def release_label(release: Release) -> str:
    return f"{release.interview.participant.code} v{release.version}"


def source_label(source: qda.Source) -> str:
    """A source's name, or what identifies it when the file gives none (qc writes none)."""
    if source.name.strip():
        return source.name
    return str(_l("an unnamed source (%(guid)s)", guid=source.guid))


@dataclass
class CodeRow:
    """A code of the file and what becomes of it."""

    index: int
    item: qda.Code
    depth: int
    parent: "CodeRow | None"
    #: codings of this code in the file
    codings: int
    #: the code with the same GUID: the file's code is that one, nothing to choose
    here: Code | None = None
    suggestion: Code | None = None
    choice: str = ADD
    into: Code | None = None  #: for MERGE

    @property
    def path(self) -> str:
        """The code with the categories above it in the file."""
        names, row = [], self
        while row is not None:
            names.append(row.item.name)
            row = row.parent
        return " › ".join(reversed(names))

    @property
    def target(self) -> Code | None:
        """The code the file's code becomes (None: not yet made, or skipped)."""
        return self.here if self.choice == HERE else self.into if self.choice == MERGE else None


@dataclass
class SourceRow:
    index: int
    source: qda.Source
    label: str
    carried: int  #: codings on its selections
    kind: str  #: "exact", "similar" or "none"
    release: Release | None = None
    similarity: float | None = None
    reason: str = ""  #: why "none"
    confirmed: bool = False

    @property
    def imported(self) -> bool:
        return self.kind == "exact" or (self.kind == "similar" and self.confirmed)


@dataclass
class Plan:
    sha256: str
    project: qda.Project
    report: qda.ImportReport
    codes: list[CodeRow]
    sources: list[SourceRow]
    counts: dict = field(default_factory=dict)

    @property
    def digest(self) -> str:
        """What the choices rest on: the file, the codes here, the suggestions and the
        sources' matches."""
        basis = [self.sha256,
                 [(r.index, r.here and r.here.id, r.suggestion and r.suggestion.id)
                  for r in self.codes],
                 [(s.index, s.kind, s.release and s.release.id) for s in self.sources]]  # fmt: skip
        return hashlib.sha256(json.dumps(basis).encode()).hexdigest()

    @property
    def choosing(self) -> list[CodeRow]:
        """The codes to decide on (not those already here)."""
        return [row for row in self.codes if row.choice != HERE]


def _rows(items, parent, depth, codings, out) -> None:
    for item in items:
        row = CodeRow(len(out), item, depth, parent, codings.get(item.guid, 0))
        out.append(row)
        _rows(item.children, row, depth + 1, codings, out)


def _place_of(row: CodeRow) -> Code | bool | None:
    """Where the row's code lands by default: under this code, None at the top, False
    somewhere new (under a code the import adds)."""
    parent = row.parent
    while parent is not None and parent.choice == SKIP:
        parent = parent.parent
    if parent is None:
        return None
    target = parent.here if parent.choice == HERE else parent.suggestion
    return target if target is not None else False


def _suggest(rows: list[CodeRow], codebook: list[Code]) -> None:
    """The GUID's code, else a code with the same name (case, accents and language aside):
    at the same place first, else the one code of that name anywhere."""
    by_guid = {c.guid: c for c in codebook}
    by_name: dict[str, list[Code]] = {}
    for code in codebook:
        if code.active:
            for name in {normal(t.name) for t in code.texts.values()}:
                by_name.setdefault(name, []).append(code)
    for row in rows:
        here = by_guid.get(row.item.guid)
        while here is not None and here.merged_into_id:
            here = here.merged_into
        if here is not None:
            row.here, row.choice = here, HERE
            continue
        named = by_name.get(normal(row.item.name), [])
        place = _place_of(row)
        same = [c for c in named if place is not False and c.parent is place]
        pick = same or named
        if len(pick) == 1 or same:
            row.suggestion = pick[0]
            row.choice, row.into = MERGE, pick[0]


def _choose(rows: list[CodeRow], chosen: dict[int, tuple[str, Code | None]]) -> None:
    for row in rows:
        if row.choice != HERE and row.index in chosen:
            row.choice, row.into = chosen[row.index]
            if row.choice != MERGE:
                row.into = None


def _match_sources(actor, project: qda.Project, confirmed: dict[int, int]) -> list[SourceRow]:
    releases = codable_releases(actor)
    guids = queries.release_guids()
    by_guid = {guids[r.id]: r for r in releases if r.id in guids}
    by_name = {release_label(r).casefold(): r for r in releases}
    by_text = {comparable(r.text): r for r in releases}
    prints: dict[int, Fingerprint] = {}
    rows = []
    for index, source in enumerate(project.sources):
        carried = sum(len(selection.codings) for selection in source.selections)
        row = SourceRow(index, source, source_label(source), carried, "none")
        text = comparable(source.text)
        named = by_guid.get(source.guid) or by_name.get(source.name.casefold())
        release = named or by_text.get(text)
        if release is not None and comparable(release.text) == text:
            row.kind, row.release = "exact", release
        else:
            mine = Fingerprint(text)
            best, score = None, 0.0
            for candidate in releases:
                if candidate.id not in prints:
                    prints[candidate.id] = Fingerprint(comparable(candidate.text))
                alike = similarity(mine, prints[candidate.id])
                if alike > score:
                    best, score = candidate, alike
            if best is not None and score >= SIMILAR:
                row.kind, row.release, row.similarity = "similar", best, score
                row.confirmed = confirmed.get(index) == best.id
            row.reason = str(_l("its text differs from the released version") if named
                             else _l("not a released transcript here"))  # fmt: skip
        rows.append(row)
    return rows


def make_plan(actor, project: qda.Project, report: qda.ImportReport, sha256: str,
              choices: dict | None = None) -> Plan:  # fmt: skip
    """The plan for importing ``project`` with ``choices`` ({"codes": {row index: (choice,
    code)}, "confirmed": {source index: release id}}; by default the suggestions, and no
    similar source confirmed), with its counts."""
    choices = choices or {}
    on_code = Counter(coding.code_guid for source in project.sources
                      for selection in source.selections
                      for coding in selection.codings)  # fmt: skip
    rows: list[CodeRow] = []
    _rows(project.codes, None, 0, on_code, rows)
    _suggest(rows, queries.all_codes())
    _choose(rows, choices.get("codes", {}))
    sources = _match_sources(actor, project, choices.get("confirmed", {}))
    plan = Plan(sha256, project, report, rows, sources)
    kept = {r.item.guid for r in rows if r.choice != SKIP}
    coming = [c for s in sources if s.imported for sel in s.source.selections
              for c in sel.codings]  # fmt: skip
    plan.counts = {
        "here": sum(r.choice == HERE for r in rows),
        "add": sum(r.choice == ADD for r in rows),
        "merge": sum(r.choice == MERGE for r in rows),
        "skip": sum(r.choice == SKIP for r in rows),
        "coming": sum(c.code_guid in kept for c in coming),
        "skipped_codings": sum(c.code_guid not in kept for c in coming),
        "unmatched_codings": sum(s.carried for s in sources if not s.imported),
    }
    return plan
