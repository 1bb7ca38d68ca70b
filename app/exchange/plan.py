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
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property

from analysis.refiqda import model as qda
from analysis.refiqda.align import Alignment, Fingerprint, similarity
from app.codebook.models import Code
from app.exchange import queries
from app.exchange.notes import note, say
from app.releases.models import Release
from app.workspace.queries import codable_releases

#: texts at least this alike are offered as the same transcript, for the person to confirm
SIMILAR = 0.5
ADD, MERGE, SKIP, HERE = "add", "merge", "skip", "here"
#: what becomes of a coding on a source that is imported (``sort_codings``)
NEW, ALREADY, SKIPPED, CATEGORY, CHANGED, WHITESPACE = (
    "new", "already", "skipped", "category", "changed", "whitespace")  # fmt: skip


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


def source_name(source: qda.Source) -> str:
    """A source's name, else the name of its text's file in the project (qc names a source
    only there, ``plainTextPath="board_2017.txt"``), without the folders; "" when neither."""
    if source.name.strip():
        return source.name
    return source.path.replace("\\", "/").rsplit("/", 1)[-1].strip()


def source_label(source: qda.Source) -> str | dict:
    """How a report names a source: its name (``source_name``), or a note that says it has
    none and gives its GUID, put into words when shown."""
    return source_name(source) or note("unnamed", guid=source.guid)


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
    #: codings of this code on the sources that will be imported
    coming: int = 0

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
    #: its name, or a note (``source_label``)
    name: str | dict
    carried: int  #: codings on its selections
    kind: str  #: "exact", "similar" or "none"
    release: Release | None = None
    similarity: float | None = None
    reason: str = ""  #: why "none", a note's key ("differs", "not_here")
    confirmed: bool = False

    @property
    def label(self) -> str:
        return say(self.name)

    @property
    def reason_text(self) -> str:
        return say(note(self.reason)) if self.reason else ""

    @property
    def imported(self) -> bool:
        return self.kind == "exact" or (self.kind == "similar" and self.confirmed)

    @cached_property
    def alignment(self) -> Alignment | None:
        """The source's words matched to the similar transcript's (None when exact)."""
        if self.kind != "similar":
            return None
        return Alignment(comparable(self.source.text), self.release.text)

    def spans(self) -> Iterator[tuple[qda.Selection, tuple[int, int] | str]]:
        """Each selection with its span in the release, or why it has none: CHANGED (not
        found in the similar transcript) or WHITESPACE."""
        for selection in self.source.selections:
            if self.alignment is not None:
                span = self.alignment.span(selection.start, selection.end)
                yield selection, span if span is not None else CHANGED
                continue
            # the texts may differ by trailing whitespace: what lies past the release's end
            # is that whitespace, and a selection of nothing else is left out
            start, end = selection.start, min(selection.end, len(self.release.text))
            yield selection, (start, end) if start < end else WHITESPACE


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
            row.reason = "differs" if named else "not_here"
        rows.append(row)
    return rows


def sort_codings(plan: "Plan", targets: dict[str, tuple[object, bool]]) -> Iterator[
        tuple[SourceRow, qda.Selection, qda.Coding, tuple[int, int] | None, str]]:  # fmt: skip
    """Each coding on the sources imported, with its span in the release and what becomes
    of it: NEW (added); ALREADY, when a coding that counts here (``queries.counted_spans``)
    has the same release, code, start and end, whoever made it, or the same GUID, or one
    before it in the file comes to the same; SKIPPED (its code is skipped); CATEGORY (a
    category or an unknown code); CHANGED or WHITESPACE (no span). ``targets`` maps each
    code GUID of the file not skipped to (what identifies the code here, codable)."""
    skipping = {row.item.guid for row in plan.codes if row.choice == SKIP}
    guids = queries.coding_guids({item.guid for row in plan.sources if row.imported
                                  for selection in row.source.selections
                                  for item in selection.codings})  # fmt: skip
    here: dict[int, set[tuple]] = {}
    for row in plan.sources:
        if not row.imported:
            continue
        if row.release.id not in here:
            here[row.release.id] = queries.counted_spans(row.release.id)
        spans = here[row.release.id]
        for selection, span in row.spans():
            for item in selection.codings:
                if isinstance(span, str):
                    yield row, selection, item, None, span
                    continue
                target = targets.get(item.code_guid)
                if target is None:
                    verdict = SKIPPED if item.code_guid in skipping else CATEGORY
                elif not target[1]:
                    verdict = CATEGORY
                elif item.guid in guids or (target[0], *span) in spans:
                    verdict = ALREADY
                else:
                    spans.add((target[0], *span))
                    guids.add(item.guid)
                    verdict = NEW
                yield row, selection, item, span, verdict


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
    on_coming = Counter(c.code_guid for c in coming)
    for row in rows:
        row.coming = on_coming.get(row.item.guid, 0)
    # a code the import adds has no codings yet: its GUID stands for it
    targets = {r.item.guid: (r.target.id, r.target.codable) if r.target is not None
               else (("new", r.item.guid), r.item.codable)
               for r in rows if r.choice != SKIP}  # fmt: skip
    already = sum(verdict == ALREADY for *_, verdict in sort_codings(plan, targets))
    plan.counts = {
        "here": sum(r.choice == HERE for r in rows),
        "add": sum(r.choice == ADD for r in rows),
        "merge": sum(r.choice == MERGE for r in rows),
        "skip": sum(r.choice == SKIP for r in rows),
        "coming": sum(c.code_guid in kept for c in coming),
        "already": already,
        "skipped_codings": sum(c.code_guid not in kept for c in coming),
        "unmatched_codings": sum(s.carried for s in sources if not s.imported),
    }
    return plan
