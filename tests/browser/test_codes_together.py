"""The retrieval page shows which codes are found together with the passages it retrieves:
a table and its heat map, read in a real browser."""

import json
from datetime import date

from playwright.sync_api import expect

from app.consent.texts import seed_forms
from app.core.users import Role
from app.guides.services import sync_guides
from tests.browser.interviews import conducted
from tests.browser.test_accessibility import AXE_OPTIONS
from tests.browser.test_interview_flow import login

TEXT = "Jag bodde hos [Person 1] och kände mig hemma där."


#: where the codes lie in each interview: all overlap the first code's passage
SPANS = [(0, 10), (5, 15), (2, 12), (8, 20), (1, 9), (9, 30)]


def _coded(make_user, make_participant, make_offer, give_consent) -> tuple[int, str, str]:
    """Three released interviews, each with six codes on passages that overlap the first's,
    and a seventh code in the first interview only; the first code's id and the first two
    codes' names."""
    from app.codebook.queries import codebook
    from app.codebook.services import seed_codebook
    from app.core.db import db
    from app.interviews.models import Status
    from app.releases.models import Release
    from app.workspace import services as workspace

    sync_guides()
    seed_forms()
    sven = make_user(roles=[Role.INTERVIEWER], username="sven")
    rut = make_user(roles=[Role.RESEARCHER], username="rut", display_name="Rut Forskare")
    seed_codebook(make_user(roles=[Role.COORDINATOR]))
    codes = [c for c in codebook() if c.codable][:7]
    for n in range(3):
        participant = make_participant(birth_date=date(2001, 3, 3 + n))
        interview = conducted(sven, participant, make_offer, give_consent)
        interview.status = Status.RELEASED.value
        content = [{"text": TEXT, "speaker": None, "start": None, "end": None}]
        release = Release(interview=interview, version=1, content=json.dumps(content),
                          summary="{}", released_by_id=sven.id)  # fmt: skip
        db.session.add(release)
        db.session.flush()
        for code, (start, end) in zip(codes, SPANS, strict=False):
            workspace.apply(rut, release, code.id, start, end)
        if n == 0:
            workspace.apply(rut, release, codes[6].id, 3, 11)
    db.session.commit()
    return codes[0].id, codes[0].name, codes[1].name


def test_retrieval_shows_the_codes_found_together(
    live_app, live_server, page, make_user, make_participant, make_offer, give_consent
):
    with live_app.app_context():
        code_id, first, second = _coded(make_user, make_participant, make_offer, give_consent)
    login(page, live_server, "rut")
    page.goto(f"{live_server}/coding/retrieve?code={code_id}")
    expect(page.get_by_role("heading", name="3 passages")).to_be_visible()
    expect(page.get_by_role("heading", name="Codes found together")).to_be_visible()
    table = page.get_by_role("table", name="Interviews holding both codes")
    expect(table).to_be_visible()
    # the first code's row, the second code's column: three interviews hold both
    row = table.locator("tbody tr").filter(
        has=page.get_by_role("rowheader", name=first, exact=True)
    )
    column = [t.strip() for t in table.locator("thead th").all_inner_texts()].index(second)
    expect(row.locator("td").nth(column)).to_have_text("3")
    # the heat map below it is drawn, and names itself
    chart = page.locator("figure img[src*='together.svg?within=interview']")
    alt = chart.get_attribute("alt")
    assert alt.startswith("A matrix of 7 codes; darker cells are pairs found together more ")
    assert f"{first} with {second}: 3" in alt and "Hatched grey cells are hidden" in alt
    expect(chart).to_have_js_property("complete", True)
    assert chart.evaluate("img => img.naturalWidth") > 0
    svg = page.request.get(chart.evaluate("img => img.src")).text()
    assert 'role="img"' in svg and "<title" in svg and "<desc" in svg and "<pattern" in svg
    # the seventh code is in one interview: "< 3" interviews, and its passages hidden with them
    passages = page.get_by_role("table", name="Pairs of overlapping passages, one with each code")
    assert passages.locator("tbody tr").last.locator("td").all_inner_texts() == ["–"] * 6 + [""]
    for width in (1280, 900):
        page.set_viewport_size({"width": width, "height": 900})
        # every column of the table is in view (beside the chart two of six were cut off)
        scroll = page.locator(".together .table-scroll").first
        assert scroll.evaluate("e => e.scrollWidth <= e.clientWidth + 1"), width
        # the chart is below its table, not squeezed beside it: drawn at least at 90 % of
        # its size, so its labels stay as large as they were drawn
        box, table_box = chart.bounding_box(), table.bounding_box()
        assert box["y"] >= table_box["y"] + table_box["height"], width
        assert box["width"] >= 0.9 * min(chart.evaluate("i => i.naturalWidth"), width - 80)
    assert page.console_errors == []
    from axe_playwright_python.sync_playwright import Axe

    violations = Axe().run(page, options=AXE_OPTIONS).response["violations"]
    assert [v["id"] for v in violations] == []
