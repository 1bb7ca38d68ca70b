"""Which codes are found together with the passages a search retrieves: for the codes of
the result (and the codes most often on the same passages), how many interviews hold both
of a pair, and how many pairs of their passages overlap.

Counted over what the searcher may retrieve (``codable_releases``: research use for a
research partner, the interview for the team's coordinator), with the codings retrieval
counts (shared and consensus; a round's blind codings do not), the overlap rule of the
themes page (a pair of overlapping passages of two different codes, counted once), where
a passage is a span with a code: several coders' identical codings of it are one passage,
and the themes page's suppression (``analysis.aggregation.symmetric``: a count under 3
says "< 3"). A count of passages is shown only beside a shown count of interviews
(``agg.beside``): nine pairs in "< 3" interviews would tell what the "< 3" hides. Each code
counts on its own, never with the codes below it: a category's count beside one of its
codes' would give the difference away. And like the themes page's co-occurrence, which
is shown for all years only, the counts are never cut by the year, coder or bands a
search asks for: two searches (all years, one year) would give a hidden year's count away
by subtraction. So a pair's cell is the same whatever search shows it.
"""

import textwrap
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import and_, func, or_, select

from analysis import aggregation as agg
from analysis import charts
from app.codebook.models import Code
from app.core.db import db
from app.core.permissions import authorize
from app.workspace.models import Coding
from app.workspace.queries import codable_releases

#: the most codes a matrix holds (the result's own first, then those found with them)
MAX_CODES = 8
WITHIN = ("interview", "passage")
TITLES = {
    "interview": _l("Codes in the same interview"),
    "passage": _l("Codes on overlapping passages"),
}
#: the themes page's words for a chart with nothing to draw (the same message)
NOT_DRAWN = _l(
    "This chart is not drawn: every count in it is zero, under 3, or hidden so that a small "
    "number elsewhere cannot be worked out. The table has what can be shown."
)
#: the legend of a heat map's hidden cells, and the text alternative's words for them
HIDDEN = _l("Hatched grey: hidden (“< 3” or “–”)")
HIDDEN_SAID = _l(
    "Hatched grey cells are hidden: “< 3” is a count under 3, “–” a count hidden so that a "
    "small number of interviews cannot be worked out from it."
)
#: a chart's code names wrap at this many characters, on two lines at most; the table beside
#: it has them whole
LABEL_WIDTH = 20
_CHUNK = 1000


@dataclass
class Together:
    """The suppressed matrices of one set of codes; the diagonal is empty."""

    codes: list[Code]
    matrices: dict = field(default_factory=dict)  # within -> [[agg.Cell]]
    not_drawn = NOT_DRAWN

    @staticmethod
    def title(within: str) -> str:
        return str(TITLES[within])

    @property
    def labels(self) -> list[str]:
        return [c.name for c in self.codes]

    def drawable(self, within: str) -> bool:
        """Whether the heat map has a number to draw: a chart of hidden or zero counts is
        not drawn, and the page says why (``NOT_DRAWN``)."""
        return any(c.n for i, row in enumerate(self.matrices[within])
                   for j, c in enumerate(row) if i != j)  # fmt: skip

    def describe(self, within: str) -> str:
        """The chart's text alternative: what it shows and its most frequent pairs."""
        if not self.drawable(within):
            return str(NOT_DRAWN)
        labels, pairs = self.labels, []
        for i, row in enumerate(self.matrices[within]):
            pairs += [(c.n, labels[i], labels[j]) for j, c in enumerate(row) if j > i and c.n]
        top = [_("%(a)s with %(b)s: %(n)s", a=a, b=b, n=n)
               for n, a, b in sorted(pairs, key=lambda p: -p[0])[:3]]  # fmt: skip
        return " ".join([
            ngettext("A matrix of %(num)d code; darker cells are pairs found together more "
                     "often.", "A matrix of %(num)d codes; darker cells are pairs found "
                     "together more often.", len(labels)),
            _("The most frequent pairs: %(pairs)s.", pairs="; ".join(top)),
            str(HIDDEN_SAID),
        ])  # fmt: skip

    @property
    def short_labels(self) -> list[str]:
        """The chart's code names: long ones wrapped on two lines, cut with "…" after."""
        return ["\n".join(textwrap.wrap(c.name, LABEL_WIDTH, max_lines=2, placeholder="…"))
                for c in self.codes]  # fmt: skip

    def chart(self, within: str) -> str:
        """The heat map as SVG (role="img", with a title and the text alternative), drawn
        from the suppressed cells only: a hidden cell is grey and hatched and says "< 3" or
        "–", so it never reads as less than a zero's tint. The page captions the chart, so
        its title is its name, not drawn a second time."""
        if not self.drawable(within):
            raise ValueError(f"the {within} matrix has nothing to draw")
        matrix = self.matrices[within]
        values = [[float("nan") if i == j else c.value for j, c in enumerate(row)]
                  for i, row in enumerate(matrix)]  # fmt: skip
        texts = [["" if i == j else str(c) for j, c in enumerate(row)]
                 for i, row in enumerate(matrix)]  # fmt: skip
        return charts.heat_map(self.short_labels, values, texts, title=self.title(within),
                               desc=self.describe(within), hidden=str(HIDDEN),
                               draw_title=False)  # fmt: skip


def _counted(c):
    return or_(c.c.round_id.is_(None), c.c.consensus)


def _release_ids(actor) -> list[int]:
    return [r.id for r in codable_releases(actor)]


def _chunks(ids: list[int]):
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


def codes_of(found) -> list[Code]:
    """The codes a matrix shows for a search's passages (``retrieval.Passage``): those the
    passages carry, most passages first, then the codes most often on passages that
    overlap them; at most ``MAX_CODES``. Nothing found, no codes."""
    if not found:
        return []
    own: dict[int, int] = {}
    for p in found:
        own[p.coding.code_id] = own.get(p.coding.code_id, 0) + 1
    ranked = sorted(own, key=lambda k: (-own[k], k))[:MAX_CODES]
    if len(ranked) < MAX_CODES:
        near = _overlapping([p.coding.id for p in found], set(own))
        ranked += sorted(near, key=lambda k: (-near[k], k))[: MAX_CODES - len(ranked)]
    codes = {c.id: c for c in db.session.scalars(select(Code).where(Code.id.in_(ranked)))}
    return [codes[k] for k in ranked if k in codes]


def _overlapping(coding_ids: list[int], leave_out: set[int]) -> dict[int, int]:
    """code id -> how many of these codings a counted coding of it overlaps."""
    a, b = Coding.__table__.alias("a"), Coding.__table__.alias("b")
    found: dict[int, int] = {}
    for chunk in _chunks(coding_ids):
        rows = db.session.execute(
            select(b.c.code_id, func.count(func.distinct(a.c.id)))
            .select_from(a)
            .join(b, and_(b.c.release_id == a.c.release_id, b.c.id != a.c.id,
                          b.c.start_offset < a.c.end_offset,
                          b.c.end_offset > a.c.start_offset))
            .where(a.c.id.in_(chunk), _counted(b), b.c.code_id.not_in(leave_out))
            .group_by(b.c.code_id)
        ).all()  # fmt: skip
        for code_id, n in rows:  # a coding is in one chunk only: the counts add up
            found[code_id] = found.get(code_id, 0) + n
    return found


def _counted_rows(chunk: list[int], keys: list[int], *columns):
    """``columns`` of the counted codings of ``keys`` in the releases of ``chunk``, each
    distinct row once."""
    return (
        select(*columns)
        .where(Coding.release_id.in_(chunk), Coding.code_id.in_(keys), _counted(Coding.__table__))
        .distinct()
    )


def _in_interviews(release_ids: list[int], keys: list[int]) -> dict:
    """{(a, b): interviews} with a < b: the releases (one per interview) holding both."""
    found: dict = {}
    for chunk in _chunks(release_ids):
        touched = _counted_rows(chunk, keys, Coding.release_id, Coding.code_id).cte("touched")
        a, b = touched.alias("a"), touched.alias("b")
        rows = db.session.execute(
            select(a.c.code_id, b.c.code_id, func.count())
            .join(b, and_(b.c.release_id == a.c.release_id, b.c.code_id > a.c.code_id))
            .group_by(a.c.code_id, b.c.code_id)
        ).all()
        for x, y, n in rows:  # a release is in one chunk only
            found[(x, y)] = found.get((x, y), 0) + n
    return found


def _in_passages(release_ids: list[int], keys: list[int]) -> dict:
    """{(a, b): pairs} with a < b: overlapping counted passages, one of each code, each pair
    once (b starts inside a, ties broken by code). A passage is a release's span with a
    code: several coders' identical codings of it are one passage, not copies (three
    coders' alike codings of two codes would otherwise make 3 x 3 = 9 pairs of one)."""
    found: dict = {}
    for chunk in _chunks(release_ids):
        spans = _counted_rows(chunk, keys, Coding.release_id, Coding.code_id,
                              Coding.start_offset, Coding.end_offset).cte("spans")  # fmt: skip
        a, b = spans.alias("pa"), spans.alias("pb")
        rows = db.session.execute(
            select(a.c.code_id, b.c.code_id, func.count())
            .select_from(a)
            .join(b, and_(b.c.release_id == a.c.release_id, b.c.code_id != a.c.code_id,
                          b.c.start_offset >= a.c.start_offset,
                          b.c.start_offset < a.c.end_offset,
                          or_(b.c.start_offset > a.c.start_offset, b.c.code_id > a.c.code_id)))
            .group_by(a.c.code_id, b.c.code_id)
        ).all()  # fmt: skip
        for x, y, n in rows:  # a release is in one chunk only
            pair = (min(x, y), max(x, y))
            found[pair] = found.get(pair, 0) + n
    return found


def for_search(actor, query, found) -> Together:
    """The matrices beside a search's passages (``retrieval.Query`` and what it found): the
    result's codes, the second code asked for where it can be applied, then the codes most
    often on the same passages (``codes_of``)."""
    codes = codes_of(found)
    other = db.session.get(Code, query.other_id) if query.combine and query.other_id else None
    if codes and other is not None and other.codable and other not in codes:
        own = {p.coding.code_id for p in found}
        codes.insert(len([c for c in codes if c.id in own]), other)
    return together(actor, codes)


def together(actor, codes: list[Code], within=WITHIN) -> Together:
    """The codes' co-occurrence over everything ``actor`` may retrieve, suppressed; at most
    ``MAX_CODES`` codes. Whatever search asks, the counts are of every year, coder and
    band (see the module's note)."""
    authorize(actor, "coding.work")
    codes = list(codes)[:MAX_CODES]
    keys = [c.id for c in codes]
    result = Together(codes)
    if not codes:
        return result
    release_ids = _release_ids(actor)
    if any(name not in WITHIN for name in within):
        raise ValueError(f"within must be one of {WITHIN}")
    counted = {}
    # the passages are shown only beside the interviews, so those are counted for either
    for name in ("interview", "passage") if "passage" in within else within:
        count = _in_interviews if name == "interview" else _in_passages
        pairs = count(release_ids, keys) if release_ids and len(keys) > 1 else {}
        counted[name] = agg.symmetric(keys, pairs)
    if "passage" in counted:
        counted["passage"] = agg.beside(counted["interview"], counted["passage"])
    result.matrices = {name: counted[name] for name in within}
    return result
