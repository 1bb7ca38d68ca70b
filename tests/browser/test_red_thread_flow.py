"""The red thread in a browser, in Swedish, Danish and English (each person switches once):
a coordinator records a goal and a guideline and links codes for and against it (a clash is
refused); a review member evaluates the goal and carries an action that names it (a retired
goal is not offered); the head of unit reads the leadership page and downloads the
committee's report; the coordinator approves the minutes and prints the letters for those
who asked to hear back. Every number shown is checked against the data."""

# ruff: noqa: F811 (the fixtures imported from other test modules are used as arguments)
from datetime import date

from docx import Document
from flask_babel import force_locale, ngettext
from playwright.sync_api import expect

from tests.browser.test_interview_flow import login, t
from tests.goals.test_goals import FIELDS
from tests.letters.test_letters import YES, interviewed, team  # noqa: F401 (fixtures)
from tests.releases.test_releases import world  # noqa: F401 (a fixture)
from tests.themes.test_themes import corpus  # noqa: F401 (a fixture)

GOAL = "Every child knows why they were placed"


def switch(page, app, current: str, new: str) -> None:
    page.get_by_label(t(app, current, "Language")).select_option(new)
    page.get_by_role("button", name=t(app, current, "Change")).click()
    # asked while the next page loads, there may be no document element yet
    page.wait_for_function(f"document.documentElement?.lang === '{new}'")


def rows(table) -> list[list[str]]:
    """The body rows of a page's table as the reader sees them, a cell's first line each."""
    return [
        [cell.inner_text().strip().split("\n")[0] for cell in row.locator("th, td").all()]
        for row in table.locator("tbody tr").all()
    ]


def year_rows(app, language: str, view) -> list[list[str]]:
    """A year table (themes/_year_table.html) as it should read: counts, shares."""
    with app.test_request_context(), force_locale(language):
        shown = [[t(app, language, "Coded interviews"), *map(str, view.coded), str(view.coded_all)]]
        for row in view.rows:
            cells = [f"{c} ({c.percent()})" if c.share is not None else str(c)
                     for c in [*row.cells, row.total]]  # fmt: skip
            shown.append([t(app, language, str(row.label)), *cells])
        return shown


def test_goal_to_evidence_to_action_to_evaluation_and_a_letter_back(
    live_app, live_server, browser, corpus, make_user, interviewed
):
    from app.core.db import db
    from app.core.users import Role
    from app.goals import evidence, leadership, services
    from app.goals.models import Goal
    from app.reviews import actions, sessions
    from app.reviews.models import SessionStatus

    boss, member = corpus["boss"], corpus["member"]
    boss.language, member.language = "en", "da"
    leader = make_user(roles=[Role.LEADER], language="sv")
    # a goal retired before the meeting: kept in history, not offered for a new action
    retired = services.create_goal(boss, kind="team", **{**FIELDS, "title": "Old goal"})
    services.retire_goal(boss, retired, date(2026, 6, 1))
    # three who took part this year; two asked to hear back, one has no address
    to_sv, _i = interviewed(YES)
    to_da, _i = interviewed(YES, language="da")
    no_address, _i = interviewed(YES, address=None)
    session = sessions.create_session(boss, title="Review 2026", year=2026,
                                     held_on=date(2026, 11, 20), scope_from=None, scope_to=None,
                                     members=[member, boss])  # fmt: skip
    actions.add_note(boss, session, item=3, learning=True,
                     body="Young people want to know why they were placed.")  # fmt: skip
    sessions.set_status(boss, session, SessionStatus.HELD)
    db.session.commit()
    names = {p.id: p.name for p in (to_sv, to_da, no_address)}
    session_id, member_label = session.id, member.display_name
    users = {"boss": boss.username, "member": member.username, "leader": leader.username}

    def person(who: str):
        context = browser.new_context(locale="en-GB")
        page = context.new_page()
        errors = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.console_errors = errors
        login(page, live_server, users[who])
        return page

    def en(message, **values):
        return t(live_app, "en", message, **values)

    def sv(message, **values):
        return t(live_app, "sv", message, **values)

    def da(message, **values):
        return t(live_app, "da", message, **values)

    def goal_view(who_id: int):
        with live_app.app_context():
            from app.core.users import User

            found = db.session.scalar(db.select(Goal).where(Goal.retired_on.is_(None)))
            return found.id, evidence.evidence(db.session.get(User, who_id), found)

    # --- the coordinator, in English, then Swedish ----------------------------------------
    coordinator = person("boss")
    coordinator.goto(f"{live_server}/goals/")
    coordinator.get_by_role("link", name=en("New goal")).click()
    coordinator.get_by_label(en("The team's change theory")).check()
    coordinator.get_by_label(en("Title")).fill(GOAL)
    coordinator.get_by_label(en("The result wanted for the young people")).fill(
        "They can tell their story."
    )
    coordinator.get_by_label(en("Term")).select_option(label=en("Long term"))
    coordinator.get_by_role("button", name=en("Save")).click()
    expect(coordinator.get_by_text(en("The goal was saved."))).to_be_visible()
    # no link yet: no evidence, and never a share of nothing
    expect(coordinator.get_by_text(en("No code or theme is linked to this goal yet, so there "
                                      "is no evidence."))).to_be_visible()  # fmt: skip
    assert "%" not in coordinator.locator("#evidence").inner_text()
    for target, direction in (("Code: A", "For"), ("Code: C", "Against")):
        coordinator.get_by_label(en("Code or theme")).select_option(label=target)
        coordinator.get_by_label(en(direction), exact=True).check()
        coordinator.get_by_role("button", name=en("Link"), exact=True).click()
        expect(coordinator.get_by_text(en("The link was saved."))).to_be_visible()
    # code A through the theme Belonging against the goal: A would speak both ways
    coordinator.get_by_label(en("Code or theme")).select_option(label="Theme: Belonging")
    coordinator.get_by_label(en("Against"), exact=True).check()
    coordinator.get_by_role("button", name=en("Link"), exact=True).click()
    expect(coordinator.get_by_text("would speak both for and against this goal")).to_be_visible()
    switch(coordinator, live_app, "en", "sv")
    goal_id, seen = goal_view(corpus["boss"].id)
    shown = rows(coordinator.locator("#evidence table"))
    assert shown == year_rows(live_app, "sv", seen.view)
    # the corpus: code A on all four coded interviews of 2026 and the one of 2025, code C on
    # one of 2026; under 3 is hidden
    # the corpus: five coded interviews (one of 2025), code A on all five, code C on one of
    # 2026; under 3 is hidden, and 2026's 4 with it (it and the total would give 2025's 1)
    assert [r[0] for r in shown] == [sv("Coded interviews"), sv("For"), sv("Against")]
    assert [r[-1] for r in shown] == ["5", "5", "< 3"] and shown[0][1] == "< 3"
    coordinator.goto(f"{live_server}/goals/")
    coordinator.get_by_role("link", name=sv("New guideline")).click()
    coordinator.get_by_label(sv("The goal it serves")).select_option(label=GOAL)
    coordinator.get_by_label(sv("Title")).fill("Tell the child why, in words they know")
    coordinator.get_by_label(sv("Owner")).fill("The unit")
    coordinator.get_by_role("button", name=sv("Save")).click()
    expect(coordinator.get_by_text(sv("The guideline was saved."))).to_be_visible()

    # --- a review member, in Danish, then English ------------------------------------------
    group = person("member")
    group.goto(f"{live_server}/goals/{goal_id}")
    group.get_by_label(da("Year of the interviews")).fill("2026")
    group.get_by_label(da("Partly met")).check()
    group.get_by_label(da("The evidence that supports it")).fill("Four of four say so.")
    group.get_by_role("button", name=da("Save the evaluation")).click()
    expect(group.get_by_text(da("The evaluation was saved; earlier ones stay in its "
                                "history."))).to_be_visible()  # fmt: skip
    assert rows(group.locator("#evidence table")) == year_rows(
        live_app, "da", goal_view(corpus["member"].id)[1].view
    )
    switch(group, live_app, "da", "en")
    group.goto(f"{live_server}/reviews/{session_id}")
    serves = group.get_by_label(en("Goal or guideline it serves"))
    offered = serves.locator("option").all_inner_texts()
    assert GOAL in offered and not any("Old goal" in o for o in offered)
    group.get_by_label(en("What is to be done")).fill("Tell every child why, at every move")
    group.get_by_label(en("Owner")).select_option(label=member_label)
    group.get_by_label(en("Due date")).fill("2027-03-01")
    serves.select_option(label=GOAL)
    group.get_by_role("button", name=en("Add the action")).click()
    expect(group.get_by_text(en("The action was added."))).to_be_visible()

    # --- the head of unit, in Swedish, then Danish -----------------------------------------
    head = person("leader")
    head.goto(f"{live_server}/goals/leadership")
    with live_app.app_context():
        from app.core.users import User

        info = leadership.leadership(db.session.get(User, leader.id))
        expected = {
            "goal": info.goals[[s.goal.title for s in info.goals].index(GOAL)].found.view,
            "tables": [info.offers, info.documentation],
            "flags": str(info.flags_overdue),
            "attrition": [[str(r["year"]), r["eligible"], r["offered"], r["interviewed"],
                           *r["declined"], r["not_offered"], r["in_progress"]]
                          for r in info.attrition["rows"]],
            "actions": len(info.actions),
        }  # fmt: skip

    def family(table):
        return [[str(y), str(total), *(str(c) for cells in cells_rows for c in cells)]
                for y, total, cells_rows in table.rows]  # fmt: skip

    def check_leadership(language):
        tables = head.locator("main table")
        goal_table = head.locator("section", has=head.get_by_role("link", name=GOAL)).locator(
            "table"
        )
        assert rows(goal_table) == year_rows(live_app, language, expected["goal"])
        count = tables.count()
        # the last four: actions, offers, documentation, attrition
        assert len(rows(tables.nth(count - 4))) == expected["actions"] == 1
        assert rows(tables.nth(count - 3)) == family(expected["tables"][0])
        assert rows(tables.nth(count - 2)) == family(expected["tables"][1])
        assert rows(tables.nth(count - 1)) == expected["attrition"]
        flags = t(live_app, language, "Ethics flags open past their deadline: %(n)s",
                  n=expected["flags"])  # fmt: skip
        expect(head.get_by_text(flags)).to_be_visible()
        expect(head.get_by_text(f"{t(live_app, language, 'Partly met')}")).to_be_visible()

    check_leadership("sv")
    switch(head, live_app, "sv", "da")
    check_leadership("da")
    head.get_by_role("button", name=da("Make the report for the committee (DOCX)")).click()
    with head.expect_download() as download:
        head.get_by_role("link", name=da("Download the report (DOCX)")).click()
    report = Document(str(download.value.path()))
    text = "\n".join(p.text for p in report.paragraphs)
    assert GOAL in text and f"2026: {da('Partly met')} – Four of four say so." in text
    tables = [[[c.text for c in row.cells] for row in table.rows[1:]] for table in report.tables]
    assert tables[0] == [[*r[:1], *(c.split(" (")[0] for c in r[1:])]
                         for r in year_rows(live_app, "da", expected["goal"])]  # fmt: skip
    assert family(expected["tables"][0]) in tables and expected["attrition"] in tables
    assert not any(name in text for name in names.values())

    # --- the coordinator again: the minutes, then the letters in Danish --------------------
    coordinator.goto(f"{live_server}/reviews/{session_id}")
    coordinator.get_by_role("button", name=sv("Approve the minutes")).click()
    coordinator.get_by_role("button", name=sv("Yes, go on")).click()
    switch(coordinator, live_app, "sv", "da")
    coordinator.get_by_role("link", name=da("Letter to the young people")).click()
    recipients = coordinator.locator("#recipients table").first
    assert {r[1] for r in rows(recipients)} == {names[to_sv.id], names[to_da.id]}
    left = coordinator.locator("#recipients table").nth(1)
    assert [names[no_address.id], da("No address in the register")] in [r[1:] for r in rows(left)]
    coordinator.get_by_role("button", name=da("Draft the letter")).click()
    expect(
        coordinator.get_by_text(
            da(
                "A draft was made in %(n)s language(s). Edit it into plain words before printing.",
                n=2,
            )
        )
    ).to_be_visible()
    coordinator.get_by_role("button", name=da("All letters in one DOCX")).click()
    with live_app.test_request_context(), force_locale("da"):
        letters = ngettext("%(num)s letter, a page each.", "%(num)s letters, a page each.", 2)
    expect(coordinator.get_by_text(letters)).to_be_visible()
    with coordinator.expect_download() as download:
        coordinator.get_by_role("link", name=da("Download the letters (DOCX)")).click()
    printed = "\n".join(p.text for p in Document(str(download.value.path())).paragraphs)
    assert names[to_sv.id] in printed and names[to_da.id] in printed
    assert names[no_address.id] not in printed and printed.count("Storgatan 1") == 2
    for page in (coordinator, group, head):
        assert page.console_errors == []
