"""Leadership information: goals with their evidence and evaluations, actions, follow-up
figures and attrition, as suppressed counts only, for the head of unit and a DOCX report
for the committee whose download is audited."""
# ruff: noqa: F811 (the fixtures imported from other test modules are used as arguments)

import io
from datetime import date, timedelta

from docx import Document
from sqlalchemy import select

from app.core.audit_entry import AuditEntry
from app.core.calendar import today
from app.core.db import db, utcnow
from app.core.users import Role
from app.goals import evaluations, evidence, leadership, services
from app.interviews.models import EthicsFlag
from tests.goals.test_goals import FIELDS
from tests.releases.test_releases import world  # noqa: F401 (a fixture)
from tests.themes.test_themes import corpus  # noqa: F401 (a fixture)


def _goal(corpus):
    goal = services.create_goal(corpus["boss"], kind="team", **FIELDS)
    services.link(corpus["boss"], goal, direction="for", theme=corpus["themes"][0])
    evaluations.evaluate(corpus["boss"], goal, year=2026, version=0, verdict="partly",
                         evidence="Most say an adult stayed")  # fmt: skip
    db.session.commit()
    return goal


def test_only_the_head_of_unit_and_the_coordinator_read_it(client, auth):
    for role, status in ((Role.LEADER, 200), (Role.COORDINATOR, 200), (Role.INTERVIEWER, 403),
                         (Role.REVIEW_MEMBER, 403), (Role.RESEARCHER, 403)):  # fmt: skip
        auth.login(role)
        assert client.get("/goals/leadership").status_code == status, role
        assert client.post("/goals/leadership/reports").status_code in (
            {403} if status == 403 else {302}
        ), role
        auth.logout()


def test_the_page_shows_the_goal_pages_cells_and_no_identity_or_interview_text(
    corpus, client, auth
):
    goal = _goal(corpus)
    leader = auth.login(Role.LEADER)
    found = leadership.leadership(leader)
    (summary,) = found.goals
    page_view = evidence.evidence(leader, goal).view
    assert [[str(c) for c in r.cells] for r in summary.found.view.rows] == [
        [str(c) for c in r.cells] for r in page_view.rows]  # fmt: skip
    html = client.get("/goals/leadership").get_data(as_text=True)
    assert goal.title in html and "Partly met" in html
    release_text = corpus["releases"][0].text
    assert "Alva" not in html and "Berg" not in html
    assert not any(line.strip() and line.strip() in html for line in release_text.split("\n")
                   if len(line.strip()) > 20)  # fmt: skip


def test_follow_up_figures_add_up_and_small_counts_are_hidden(corpus):
    found = leadership.leadership(corpus["boss"])
    for table in (found.offers, found.documentation):
        for _year, total, rows in table.rows:
            for cells in rows:
                assert len(cells) <= len(table.columns)
                assert not any(c.n is not None and 0 < c.n < 3 for c in cells)
            assert total.n is None or total.n >= 3 or total.n == 0
    # the corpus: five interviews conducted on 10 November 2026, documented by importing a
    # transcript today (the audit log's day)
    (year, total, (cells,)) = found.documentation.rows[0]
    lag = (utcnow().date() - date(2026, 11, 10)).days
    band = 0 if lag <= 14 else 1 if lag <= 30 else 2
    assert year == 2026 and str(total) == "5"
    assert [str(c) for c in cells] == ["5" if i == band else "0" for i in range(5)]
    (year, total, (_timing, answers)) = found.offers.rows[0]
    assert str(total) == "5" and sum(c.n or 0 for c in answers) in (0, 5)


def test_ethics_flags_open_past_their_deadline_are_a_suppressed_count(corpus):
    interview = corpus["releases"][0].interview
    for days in (-3, -2, 5):
        db.session.add(EthicsFlag(interview=interview, category="other", disclosure="x",
                                  follow_up="y", responsible_id=corpus["boss"].id,
                                  due_on=today() + timedelta(days=days)))  # fmt: skip
    db.session.commit()
    assert str(leadership.leadership(corpus["boss"]).flags_overdue) == "< 3"
    db.session.add(EthicsFlag(interview=interview, category="other", disclosure="x",
                              follow_up="y", responsible_id=corpus["boss"].id,
                              due_on=date(2020, 1, 1)))  # fmt: skip
    db.session.commit()
    assert str(leadership.leadership(corpus["boss"]).flags_overdue) == "3"


def test_the_committee_report_is_a_docx_and_its_download_is_audited(corpus, client, auth):
    goal = _goal(corpus)
    auth.login(Role.LEADER)
    # made in the background (tests run jobs at once): its page shows progress and the link
    started = client.post("/goals/leadership/reports")
    page = client.get(started.headers["Location"])
    assert "Download the report (DOCX)" in page.get_data(as_text=True)
    job_id = int(started.headers["Location"].rstrip("/").split("/")[-1])
    status = client.get(f"/goals/leadership/reports/{job_id}",
                        headers={"Accept": "application/json"}).json  # fmt: skip
    assert status["state"] == "succeeded" and status["progress"] == 1.0
    answer = client.get(f"/goals/leadership/reports/{job_id}/download")
    assert answer.status_code == 200 and "attachment" in answer.headers["Content-Disposition"]
    document = Document(io.BytesIO(answer.data))
    text = "\n".join(p.text for p in document.paragraphs)
    assert goal.title in text and "Partly met" in text and "Alva" not in text
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    assert "Alva" not in " ".join(cells)
    entries = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "leadership.report")
    ).all()
    assert len(entries) == 1


def test_the_next_report_replaces_the_last(corpus, client, auth, make_user):
    _goal(corpus)
    auth.login(Role.LEADER)
    first = client.post("/goals/leadership/reports").headers["Location"]
    second = client.post("/goals/leadership/reports").headers["Location"]
    assert first != second
    gone = client.get(f"{first}/download", follow_redirects=True)
    assert "not available any more" in gone.get_data(as_text=True)
    assert client.get(f"{second}/download").status_code == 200
    auth.logout()
    auth.login(Role.INTERVIEWER)  # who does not read the leadership information
    assert client.get(second).status_code == 403
    assert client.get(f"{second}/download").status_code == 403
    auth.logout()
    auth.login(Role.COORDINATOR)  # who does: the same suppressed counts
    assert client.get(f"{second}/download").status_code == 200
    # another kind of job is not a report
    from app.core.jobs import Job

    other = Job(kind="audit.verify", state="succeeded", result="{}")
    db.session.add(other)
    db.session.commit()
    assert client.get(f"/goals/leadership/reports/{other.id}").status_code == 404
