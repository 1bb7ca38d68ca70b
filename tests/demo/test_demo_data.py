"""The loaded demo is a believable team's five years: enough coded interviews that the
themes page shows counts per year, codings that are passages of what the young people
said, two researchers with a settled blind round, a review session every year whose
actions are followed up later, and consent that the product visibly enforces."""

from collections import defaultdict

from sqlalchemy import select

from app.consent.models import ConsentRecord, Giver, Withdrawal
from app.consent.scopes import Scope as ConsentScope
from app.core.calendar import today
from app.core.db import db
from app.core.users import Role, User
from app.demo import load_demo
from app.demo.interviews import code_ids
from app.demo.stories import all_stories
from app.interviews.models import Interview
from app.releases.models import Release
from app.reviews.models import ActionStatus, ReviewSession, SessionStatus
from app.rounds.agreement import round_agreement
from app.themes import aggregates
from app.themes import services as themes
from app.themes.aggregates import Scope
from app.transcripts.models import TranscriptSegment
from app.workspace import retrieval
from app.workspace.models import Coding, CodingRound


def test_the_demo_tells_five_years_truly(app):
    load_demo()
    db.session.commit()
    stories = all_stories()
    coordinator = User.by_username("kerstin")

    # Enough coded interviews every year that most theme counts are shown as numbers.
    team = Scope(path="themes.count")
    coded = aggregates.coded_per_year(team)
    assert len(coded) >= 5 and all(n >= 3 for n in coded.values()), coded
    assert sum(coded.values()) >= 25
    view = themes.overview(coordinator, team)
    for index, year in enumerate(view.years):
        shown = [row.cells[index] for row in view.rows]
        big = [c for c in shown if not c.suppressed and c.value >= 3]
        assert len(big) >= 3, (year, [str(c) for c in shown])

    # Each coding is a passage of a story, coded with the code the story names for it.
    named = {en: code_id for en, code_id in code_ids().items()}
    told = defaultdict(set)
    for story in stories:
        for en, quote in story.codes:
            told[quote].add(named[en])
    texts = [s.text for s in stories]
    releases = {r.id: r for r in db.session.scalars(select(Release))}
    codings = db.session.scalars(select(Coding)).all()
    assert len(codings) >= 150
    for c in codings:
        passage = releases[c.release_id].text[c.start_offset : c.end_offset]
        assert any(passage in text for text in texts), passage
        if c.round_id is None:
            assert c.code_id in told[passage], passage

    # Two researchers, who code blind without the coordinator; the round is closed and
    # settled, and its agreement is good without being perfect.
    researchers = [u for u in db.session.scalars(select(User)) if u.has_role(Role.RESEARCHER)]
    assert len(researchers) == 2
    rounds = db.session.scalars(select(CodingRound)).all()
    closed = [r for r in rounds if not r.is_open and r.settled_at]
    assert closed and set(closed[0].coders) == set(researchers)
    result = round_agreement(researchers[0], closed[0])
    assert 0 < result.report.overall.kappa < 1
    assert result.disagreements and any(c.consensus for c in closed[0].codings)

    # One young person took back research use: the researchers count one fewer.
    withdrawals = db.session.scalars(select(Withdrawal)).all()
    assert [w.scope_list for w in withdrawals] == [[ConsentScope.RESEARCH_USE]]
    research = aggregates.coded_per_year(Scope(path="research.count"))
    assert sum(research.values()) == sum(coded.values()) - 1

    # One was 17 on the day: a guardian consented as well.
    def age(born, on):
        return on.year - born.year - ((on.month, on.day) < (born.month, born.day))

    held = [i for i in db.session.scalars(select(Interview)) if i.conducted_on]
    (minor,) = [i for i in held if age(i.participant.birth_date, i.conducted_on) < 18]
    givers = {r.giver for r in db.session.scalars(
        select(ConsentRecord).where(ConsentRecord.interview_id == minor.id))}  # fmt: skip
    assert Giver.GUARDIAN.value in givers and minor.participant.guardian

    # A review session every year; the past ones held and approved, their actions followed
    # up in a later session, and this year's session carrying what is still open.
    sessions = db.session.scalars(select(ReviewSession).order_by(ReviewSession.year)).all()
    assert [s.year for s in sessions] == list(range(today().year - 4, today().year + 1))
    assert {s.status for s in sessions[:-1]} == {SessionStatus.APPROVED.value}
    assert sessions[-1].status == SessionStatus.PLANNING.value
    for session in sessions[:-1]:
        assert session.notes and session.actions and any(n.learning for n in session.notes)
    actions = [a for s in sessions for a in s.actions]
    followed = [a for a in actions if a.followed_up_in_id]
    assert any(a.status == ActionStatus.DONE.value for a in followed)
    assert all(a.followed_up_in_id != a.session_id for a in followed)
    assert any(a.status_enum.is_open for a in sessions[-2].actions)

    # Written up days after they were held, not on the day the demo was loaded: the head of
    # unit's "from conducted to documented" is true of the demo too.
    written = [i for i in held if i.documented_at is not None]
    assert len(written) >= 30
    lags = [(i.documented_at.date() - i.conducted_on).days for i in written]
    assert all(0 <= lag <= 21 for lag in lags), lags

    # Some transcripts have their guide sections confirmed, so retrieval by section shows
    # passages; a memo's section is where it was written.
    confirmed = db.session.scalars(
        select(TranscriptSegment).where(TranscriptSegment.guide_section.is_not(None))
    ).all()
    assert len({s.transcript_id for s in confirmed}) >= 3
    assert all(s.guide_confirmed_by_id for s in confirmed)
    lena = User.by_username("lena")
    by_section = []
    for code_id in db.session.scalars(select(Coding.code_id).distinct()):
        query = retrieval.Query(code_id=code_id, guide_section="foster_family")
        by_section += retrieval.passages(lena, query)
    assert by_section and all("foster_family" in p.sections for p in by_section)
