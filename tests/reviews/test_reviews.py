"""Review sessions: members, the pack with consented quotes, notes, actions and follow-up."""
# ruff: noqa: F811 (the fixtures imported from other test modules are used as arguments)

import io
from datetime import date

import pytest
from docx import Document
from sqlalchemy import select

from app.consent import services as consent
from app.consent.scopes import Scope as ConsentScope
from app.core import storage
from app.core.audit_entry import AuditEntry
from app.core.db import db
from app.core.permissions import PermissionDenied
from app.core.users import Role
from app.reviews import actions, agenda, packs, sessions
from app.reviews.models import ActionStatus, SessionStatus
from app.reviews.refusals import ReviewError
from tests.releases.test_releases import world  # noqa: F401 (a fixture)
from tests.themes.test_themes import corpus  # noqa: F401 (a fixture)

HELD = date(2026, 11, 20)


@pytest.fixture
def session(corpus, make_user):
    corpus["other"] = make_user(roles=[Role.REVIEW_MEMBER])
    found = sessions.create_session(
        corpus["boss"], title="Årlig återblick 2026", year=2026, held_on=HELD, scope_from=None,
        scope_to=None, members=[corpus["member"], corpus["boss"]],
    )  # fmt: skip
    db.session.commit()
    return found


def test_sessions_are_checked_and_seen_only_by_their_members(corpus, session):
    boss, member, other = corpus["boss"], corpus["member"], corpus["other"]

    def make(**changes):
        values = dict(title="T", year=2026, held_on=HELD, scope_from=None, scope_to=None,
                      members=[member])  # fmt: skip
        values.update(changes)
        return sessions.create_session(boss, **values)

    with pytest.raises(ReviewError, match="members"):
        make(members=[])
    with pytest.raises(ReviewError, match="end after"):
        make(scope_from=date(2026, 1, 1), scope_to=date(2025, 1, 1))
    with pytest.raises(ReviewError, match="Only review group members"):
        make(members=[corpus["interviewer"]])
    with pytest.raises(PermissionDenied):
        sessions.create_session(member, title="T", year=2026, held_on=HELD, scope_from=None,
                               scope_to=None, members=[member])  # fmt: skip
    assert sessions.visible_sessions(member) == [session]
    assert sessions.visible_sessions(other) == []
    with pytest.raises(PermissionDenied):
        sessions.check_session(other, session)
    kinds = [item["kind"] for item in session.agenda_items]
    assert kinds == ["preparation", "impressions", "themes", "goals", "practice", "actions",
                     "follow_up"]  # fmt: skip


def test_the_pack_quotes_only_interviews_consenting_to_quotation(corpus, session):
    boss, releases = corpus["boss"], corpus["releases"]
    consent.withdraw(corpus["interviewer"], releases[0].interview,
                     scopes=[ConsentScope.QUOTATION], giver="young_person",
                     withdrawn_on=HELD, channel="phone")  # fmt: skip
    db.session.commit()
    pack = packs.start_pack(boss, session)
    db.session.commit()  # the job runs at the commit (immediately in tests)
    db.session.refresh(pack)
    assert pack.ready and pack.job.state == "succeeded"
    assert session.status_enum is SessionStatus.PACK_READY
    quoted = pack.quoted_ids
    assert quoted and releases[0].interview_id not in quoted
    data = pack.data
    belonging = next(t for t in data["themes"] if t["name"] == "Belonging")
    assert len(belonging["quotes"]) == 3 and belonging["cells"] == ["< 3", "–"]
    assert {q["reader"] for q in belonging["quotes"]} <= {corpus["member"].id, boss.id}
    assert data["charts"]["years"]["svg"].lstrip().startswith("<?xml")
    # the shares of hidden years cannot be drawn: no chart, and the pack says why
    assert data["charts"]["trends"]["svg"] is None
    assert data["charts"]["trends"]["alt"].startswith("This chart is not drawn")
    assert data["secondary"] and data["coded_all"] == "5" and "cannot be worked out" in data["note"]
    document = Document(io.BytesIO(b"".join(storage.open_plaintext(pack.docx_name))))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Belonging" in text and "Årlig återblick 2026" in text
    assert "This chart is not drawn" in text and data["note"] in text
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    assert "–" in cells and "< 3" in cells
    assert packs.quotes_for(corpus["member"], pack)


def test_a_withdrawal_destroys_every_pack_that_quotes_the_interview(corpus, session):
    boss, releases = corpus["boss"], corpus["releases"]
    pack = packs.build_pack_now(boss, session)
    db.session.commit()
    target = next(r for r in releases if r.interview_id in pack.quoted_ids)
    name = pack.docx_name
    assert storage.exists(name)
    consent.withdraw(corpus["interviewer"], target.interview, scopes=[ConsentScope.QUOTATION],
                     giver="young_person", withdrawn_on=HELD, channel="phone")  # fmt: skip
    db.session.commit()
    assert not pack.ready and pack.destroyed_reason == "quotation_withdrawn"
    assert not storage.exists(name) and pack.content is None
    with pytest.raises(ReviewError, match="destroyed"):
        packs.read_pack(boss, pack)
    again = packs.build_pack_now(boss, session)
    db.session.commit()
    assert target.interview_id not in again.quoted_ids


def test_a_withdrawal_cancels_a_pack_being_built(corpus, session):
    from app.core import jobs

    job = jobs.Job(kind=packs.PACK, state="running", params='{"pack_id": 0}')
    db.session.add(job)
    db.session.commit()
    consent.withdraw(corpus["interviewer"], corpus["releases"][2].interview,
                     scopes=[ConsentScope.QUOTATION], giver="young_person", withdrawn_on=HELD,
                     channel="phone")  # fmt: skip
    db.session.commit()
    db.session.refresh(job)
    assert job.state == "cancelled"


def test_bad_input_is_refused_with_a_message(corpus, session, client):
    boss, member = corpus["boss"], corpus["member"]
    with pytest.raises(ReviewError, match="theme"):
        actions.add_action(member, session, what="X", owner=member, due_on=date(2027, 1, 1),
                           theme_id=99999)  # fmt: skip
    actions.add_note(member, session, item=1, body="A first impression")
    agenda = session.agenda_items
    with pytest.raises(ReviewError, match="has notes"):
        sessions.update_session(boss, session, title=session.title, year=2026, held_on=HELD,
                               scope_from=None, scope_to=None, members=session.members,
                               agenda=[agenda[0], *agenda[2:]])  # fmt: skip
    db.session.rollback()
    sessions.update_session(boss, session, title=session.title, year=2026, held_on=HELD,
                           scope_from=None, scope_to=None, members=session.members,
                           agenda=[*agenda, {"title": "Fika", "guidance": ""}])  # fmt: skip
    db.session.commit()
    assert session.agenda_items[-1]["kind"] == "discussion"
    client.post("/login", data={"username": member.username,
                                "password": "amber-falcon-thimble-73"})  # fmt: skip
    response = client.post(f"/reviews/{session.id}/notes", data={"item": "0", "body": "Read"})
    assert response.status_code == 302
    assert [n.body for n in session.notes if n.item == 0] == ["Read"]
    action = actions.add_action(member, session, what="Y", owner=member, due_on=date(2027, 1, 1))
    db.session.commit()
    bad = client.post(f"/reviews/actions/{action.id}",
                      data={"status": "done", "follow_up": "", "in_session": "²"})  # fmt: skip
    assert bad.status_code == 302 and action.status == "open"


def test_a_session_without_released_interviews_in_scope_says_so(corpus):
    empty = sessions.create_session(
        corpus["boss"], title="Early", year=2020, held_on=HELD, scope_from=date(2019, 1, 1),
        scope_to=date(2019, 12, 31), members=[corpus["member"]],
    )  # fmt: skip
    with pytest.raises(ReviewError, match="no released interviews"):
        packs.start_pack(corpus["boss"], empty)


def test_notes_actions_and_their_follow_up_next_year(corpus, session):
    boss, member, other = corpus["boss"], corpus["member"], corpus["other"]
    actions.add_note(member, session, item=1, body="Proud to be asked")
    actions.add_note(member, session, item=3, body="Keep the same social worker", learning=True)
    with pytest.raises(ReviewError, match="owner"):
        actions.add_action(member, session, what="Call back", owner=None, due_on=date(2027, 3, 1))
    with pytest.raises(ReviewError, match="due date"):
        actions.add_action(member, session, what="Call back", owner=member, due_on=None)
    with pytest.raises(PermissionDenied):
        actions.add_note(other, session, item=0, body="Not mine")
    action = actions.add_action(member, session, what="Offer a second contact",
                                owner=member, due_on=date(2027, 3, 1))  # fmt: skip
    sessions.set_status(boss, session, SessionStatus.HELD)
    sessions.set_status(boss, session, SessionStatus.APPROVED)
    with pytest.raises(ReviewError, match="approved"):
        actions.add_note(member, session, item=0, body="Too late")
    following = sessions.create_session(
        boss, title="2027", year=2027, held_on=date(2027, 11, 20), scope_from=None,
        scope_to=None, members=[other],
    )  # fmt: skip
    db.session.commit()
    assert following.previous == session
    assert actions.carried_actions(following) == [action]
    actions.update_action(other, action, status="done", follow_up="Two took it up",
                          in_session=following)  # fmt: skip
    assert action.status_enum is ActionStatus.DONE and action.followed_up_in_id == following.id
    assert [a.id for a in actions.board(member).actions] == [action.id]
    pack = packs.build_pack_now(boss, following)
    assert pack.data["actions"][0]["what"] == "Offer a second contact"


def test_pages_pack_minutes_and_board_in_the_browser_client(corpus, session, client):
    member = corpus["member"]
    pack = packs.build_pack_now(corpus["boss"], session)
    db.session.commit()
    client.post("/login", data={"username": member.username,
                                "password": "amber-falcon-thimble-73"})  # fmt: skip
    page = client.get(f"/reviews/{session.id}").get_data(as_text=True)
    assert "Årlig återblick 2026" in page and "Your preparation" in page
    html = client.get(f"/reviews/packs/{pack.id}").get_data(as_text=True)
    assert "Belonging" in html and "quote" in html
    assert client.get(f"/reviews/packs/{pack.id}/charts/years.svg").mimetype == "image/svg+xml"
    docx = client.get(f"/reviews/packs/{pack.id}.docx")
    assert docx.status_code == 200 and docx.data[:2] == b"PK"
    reads = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "review.pack_read"))
    assert len(reads.all()) == 2
    minutes = client.get(f"/reviews/{session.id}/minutes.docx")
    assert Document(io.BytesIO(minutes.data)).paragraphs[0].text == "Årlig återblick 2026"
    assert client.get("/reviews/actions").status_code == 200
    assert client.get("/reviews/new").status_code == 403


def test_a_small_number_of_released_interviews_says_under_3_everywhere(corpus, client):
    """Two released interviews in the period: the page, the pack, its DOCX and the session
    page say "< 3", and the coded interviews beside them do not give a number away."""
    from app.themes import services as themes

    for release in corpus["releases"][:2]:
        release.interview.conducted_on = date(2020, 3, 1)
        release.year = 2020  # as the release stamps it from the interview's day
    db.session.commit()
    boss, member = corpus["boss"], corpus["member"]
    small = sessions.create_session(
        boss, title="Small", year=2020, held_on=HELD, scope_from=date(2020, 1, 1),
        scope_to=date(2020, 12, 31), members=[member, boss],
    )  # fmt: skip
    view = themes.overview(boss, sessions.scope_of(small))
    assert str(view.released) == "< 3" and view.coded_all.suppressed
    pack = packs.build_pack_now(boss, small)
    db.session.commit()
    assert pack.data["released"] == "< 3"
    client.post("/login", data={"username": member.username,
                                "password": "amber-falcon-thimble-73"})  # fmt: skip
    for url in (f"/reviews/{small.id}", f"/reviews/packs/{pack.id}"):
        page = client.get(url).get_data(as_text=True)
        assert "Released interviews in scope: &lt; 3" in page, url
    text = "\n".join(p.text for p in Document(io.BytesIO(
        client.get(f"/reviews/packs/{pack.id}.docx").data)).paragraphs)  # fmt: skip
    assert "Released interviews in scope: < 3" in text
    assert "Released interviews in scope: 2" not in text


def test_a_researcher_is_no_member_and_reads_no_pack(corpus, session, make_user, client):
    """The pack counts and quotes interviews without research-use consent: someone holding
    the researcher role, even with the review member role, is not offered or accepted as a
    member, and one listed from before reads neither the pack nor quotes of it."""
    boss = corpus["boss"]
    both = make_user(roles=[Role.REVIEW_MEMBER, Role.RESEARCHER])
    assert (
        both not in sessions.eligible_members() and corpus["member"] in sessions.eligible_members()
    )
    for members in ([corpus["researcher"]], [corpus["member"], both]):
        with pytest.raises(ReviewError, match="research partner cannot be a member"):
            sessions.create_session(boss, title="T", year=2026, held_on=HELD, scope_from=None,
                                   scope_to=None, members=members)  # fmt: skip
    with pytest.raises(ReviewError, match="research partner cannot be a member"):
        sessions.update_session(boss, session, title=session.title, year=2026, held_on=HELD,
                               scope_from=None, scope_to=None,
                               members=[*session.members, both])  # fmt: skip
    db.session.rollback()
    # a session that lists such a member from before this rule
    session.members = [*session.members, both]
    db.session.commit()
    pack = packs.build_pack_now(boss, session)
    db.session.commit()
    readers = {q["reader"] for t in pack.data["themes"] for q in t["quotes"]}
    assert readers and both.id not in readers
    with pytest.raises(ReviewError, match="not shown to anyone with the researcher role"):
        packs.read_pack(both, pack)
    assert packs.quotes_for(both, pack) == []
    client.post("/login", data={"username": both.username,
                                "password": "amber-falcon-thimble-73"})  # fmt: skip
    page = client.get(f"/reviews/{session.id}").get_data(as_text=True)
    assert "not shown to anyone with the researcher role" in page and "Open the pack" not in page
    assert "Released interviews in scope" not in page
    assert client.get(f"/reviews/packs/{pack.id}").status_code == 303
    assert client.get(f"/reviews/packs/{pack.id}.docx").status_code == 303
    assert client.get(f"/reviews/packs/{pack.id}/charts/years.svg").status_code == 403
    reads = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "review.pack_read"))
    assert reads.all() == []


def test_a_quote_is_never_assigned_twice_to_the_same_member(corpus, make_user):
    from app.reviews.pack import _next_reader
    from app.themes import services as themes

    boss, member = corpus["boss"], corpus["member"]
    a = corpus["codes"][0]
    # a second theme of the same code quotes the same passages as "Belonging"
    themes.save_theme(boss, None, name="Belonging again", description="", formed_year=2024,
                      revised_year=None, code_ids=[a.id])  # fmt: skip
    alone = sessions.create_session(boss, title="Liten grupp", year=2026, held_on=HELD,
                                   scope_from=None, scope_to=None, members=[member],
                                   team="Liten")  # fmt: skip
    pack = packs.build_pack_now(boss, alone)
    db.session.commit()
    by_theme = {t["name"]: t["quotes"] for t in pack.data["themes"]}
    first, again = by_theme["Belonging"], by_theme["Belonging again"]
    assert [q["text"] for q in first] == [q["text"] for q in again]  # the same passages
    assert all(q["reader"] == member.id for q in first)
    assert all(q["reader"] is None and q["reader_name"] == "" for q in again)
    # the preparation lists a text once, even where two interviews' passages read the same
    texts = [q["text"] for q in packs.quotes_for(member, pack)]
    assigned = [q["text"] for t in pack.data["themes"] for q in t["quotes"] if q["reader"]]
    assert texts == list(dict.fromkeys(assigned)) and len(texts) < len(assigned)
    # with more members, a repeated quote goes to the next one who does not hold it
    one, two = make_user(), make_user()
    holding = {one.id}
    assert _next_reader([one, two], 0, holding) == (two, 2) and holding == {one.id, two.id}
    assert _next_reader([one, two], 2, holding) == (None, 2)


def test_a_second_session_for_the_year_and_team_needs_a_confirmation(corpus, session, client):
    boss, member = corpus["boss"], corpus["member"]
    values = dict(title="Återblick igen", year=2026, held_on=date(2026, 12, 1), scope_from=None,
                  scope_to=None, members=[member])  # fmt: skip
    with pytest.raises(sessions.DuplicateSession) as refused:
        sessions.create_session(boss, **values)
    assert refused.value.existing == [session]
    db.session.rollback()
    other_team = sessions.create_session(boss, **values, team="Team Norr")
    again = sessions.create_session(boss, **values, confirmed_duplicate=True)
    db.session.commit()
    assert again.year == session.year and again.team == session.team
    # moving a session onto a year and team that has one is asked about as well
    with pytest.raises(sessions.DuplicateSession):
        sessions.update_session(boss, other_team, **values)
    db.session.rollback()

    client.post("/login", data={"username": boss.username,
                                "password": "amber-falcon-thimble-73"})  # fmt: skip
    form = {"title": "Tredje", "year": "2026", "team": "", "held_on": "2026-12-02",
            "members": [str(member.id)]}  # fmt: skip
    page = client.post("/reviews/new", data=form)
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "There is already a review session" in text
    assert "Årlig återblick 2026" in text and "confirm_duplicate" in text
    assert len(sessions.sessions_for(2026, "")) == 2  # nothing made
    made = client.post("/reviews/new", data={**form, "confirm_duplicate": "y"})
    assert made.status_code == 302 and len(sessions.sessions_for(2026, "")) == 3
    # before its day the page offers no "Mark as held", and says from when it can be
    page = client.get(made.headers["Location"]).get_data(as_text=True)
    assert "can be marked held on the day of the meeting" in page and "Mark as held" not in page
    refused = client.post(made.headers["Location"] + "/status", data={"status": "held"},
                          follow_redirects=True)  # fmt: skip
    assert "a session can be marked held on that day or later" in refused.get_data(as_text=True)


@pytest.mark.parametrize("language", ["sv", "da", "en"])
def test_a_session_is_not_marked_held_before_its_day(corpus, app, language):
    from flask_babel import force_locale

    boss, member = corpus["boss"], corpus["member"]
    later = sessions.create_session(boss, title="Senare", year=2027, held_on=date(2026, 12, 1),
                                   scope_from=None, scope_to=None, members=[member])  # fmt: skip
    with force_locale(language), pytest.raises(ReviewError) as refused:
        sessions.set_status(boss, later, SessionStatus.HELD)
    expected = {"sv": "Mötet är den", "da": "Mødet er den", "en": "The meeting is on"}
    with force_locale(language):
        assert str(refused.value.message).startswith(expected[language])
    assert later.status_enum is SessionStatus.PLANNING


def test_each_member_reads_the_agenda_in_their_own_language(corpus, make_user, client):
    from flask_babel import force_locale

    boss = corpus["boss"]
    dane = make_user(roles=[Role.REVIEW_MEMBER], language="da", display_name="Mette")
    swede = make_user(roles=[Role.REVIEW_MEMBER], language="sv", display_name="Sara")
    with force_locale("sv"):  # made by a Swedish-speaking coordinator
        made = sessions.create_session(boss, title="Återblick", year=2026, held_on=HELD,
                                      scope_from=None, scope_to=None,
                                      members=[dane, swede])  # fmt: skip
    db.session.commit()
    assert made.agenda_for("sv")[0]["title"] == "Förberedelse"
    assert made.agenda_for("da")[0]["title"] == "Forberedelse"
    assert made.agenda_for("en")[0]["title"] == "Preparation"
    # an item typed into the session stays as typed, in every language; the others keep
    # their words in each language
    with force_locale("sv"):
        shown = made.agenda_for("sv")
        typed = {"title": "Fika och avslut", "guidance": ""}
        sessions.update_session(boss, made, title=made.title, year=2026, held_on=HELD,
                               scope_from=None, scope_to=None, members=made.members,
                               agenda=[*shown, typed])  # fmt: skip
    db.session.commit()
    assert made.agenda_for("da")[-1]["title"] == "Fika och avslut"
    assert made.agenda_for("da")[0]["title"] == "Forberedelse"

    client.post("/login", data={"username": dane.username,
                                "password": "amber-falcon-thimble-73"})  # fmt: skip
    page = client.get(f"/reviews/{made.id}").get_data(as_text=True)
    assert "Forberedelse" in page and "Förberedelse" not in page and "Fika och avslut" in page
    pack = packs.build_pack_now(boss, made)  # built in English here
    db.session.commit()
    shown = client.get(f"/reviews/packs/{pack.id}").get_data(as_text=True)
    assert "Forberedelse" in shown and "Preparation" not in shown


def test_the_agenda_template_is_kept_per_language(corpus, client):
    boss, member = corpus["boss"], corpus["member"]
    with pytest.raises(ReviewError, match="languages"):
        agenda.save_template(boss, [{"title": "X"}], "de")
    kinds = [item["kind"] for item in agenda.agenda_template("da")]
    danish = [{"kind": k, "title": f"DA {i}", "guidance": ""} for i, k in enumerate(kinds)]
    agenda.save_template(boss, danish, "da")
    agenda.save_template(boss, [{"title": "Bara svenska"}], "sv")
    db.session.commit()
    assert agenda.agenda_template("da")[0]["title"] == "DA 0"
    assert agenda.agenda_template("sv") == [
        {"kind": "discussion", "title": "Bara svenska", "guidance": ""}
    ]
    assert agenda.agenda_template("en")[0]["title"] == "Preparation"  # still the default
    made = sessions.create_session(boss, title="E", year=2026, held_on=HELD, scope_from=None,
                                  scope_to=None, members=[member])  # fmt: skip
    # made in English: the Danish template has the same items, the Swedish one does not
    assert made.agenda_for("da")[0]["title"] == "DA 0"
    assert made.agenda_for("sv")[0]["title"] == "Preparation"
    db.session.commit()
    client.post("/login", data={"username": boss.username,
                                "password": "amber-falcon-thimble-73"})  # fmt: skip
    page = client.get("/reviews/agenda?language=da").get_data(as_text=True)
    assert 'value="DA 0"' in page
    assert client.get("/reviews/agenda?language=xx").status_code == 404


def test_a_session_counts_the_whole_years_of_its_period(corpus, client, auth):
    """Two sessions a few days apart counted the interviews of those days by subtraction
    (and the coordinator knows whose they were): a session counts whole years, each cut
    from every year's counts as the themes page cuts them."""
    boss, member = corpus["boss"], corpus["member"]
    made = []
    for day in (date(2026, 11, 1), date(2026, 11, 20)):
        made.append(sessions.create_session(
            boss, title=f"Until {day}", year=2026, held_on=HELD, scope_from=date(2026, 1, 1),
            scope_to=day, members=[member, boss], confirmed_duplicate=True,
        ))  # fmt: skip
    db.session.commit()
    built = []
    for session in made:
        pack = packs.start_pack(boss, session)
        db.session.commit()
        db.session.refresh(pack)
        built.append(pack.data)
    first, second = ({t["name"]: t["cells"] for t in data["themes"]} for data in built)
    assert first == second and built[0]["scope"] == "Interviews of 2026"
    # 2026 of the corpus's 2025 and 2026: hidden as the themes page hides it; the released
    # count of 2026 (4) is hidden too, as all years' (5) less it would say 2025 holds 1
    assert first["Belonging"] == ["–"] and built[0]["released"] == "–"
    auth.login(user=boss)
    page = client.get(f"/reviews/{made[0].id}").get_data(as_text=True)
    assert "Released interviews" not in page or "–" in page
    assert str(packs.released_shown(made[0])) == "–"
