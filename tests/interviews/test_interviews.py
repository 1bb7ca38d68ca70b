"""Booking, conducting and documenting an interview; memos; ethics flags."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select, text

from app.core.audit_entry import AuditEntry
from app.core.db import db
from app.core.users import Role
from app.guides.services import sync_guides
from app.interviews import services
from app.interviews.models import FlagCategory, Interview, Memo, Mode, Status
from app.interviews.services import InterviewError, MemoConflict

WHEN = datetime(2026, 11, 10, 9, 0, tzinfo=UTC)


@pytest.fixture
def setup(app, make_user, make_participant, make_offer):
    sync_guides()
    coordinator = make_user(roles=[Role.COORDINATOR])
    interviewer = make_user(roles=[Role.INTERVIEWER], display_name="Anna")
    participant = make_participant()
    offer = make_offer(participant.placements[0], answer="accepted", interviewer_id=interviewer.id)
    db.session.commit()
    return coordinator, interviewer, offer


def book(actor, offer, interviewer, language="sv", when=WHEN):
    return services.book(
        actor,
        offer,
        scheduled_at=when,
        place="Family room, office",
        mode=Mode.IN_PERSON,
        interviewer=interviewer,
        language=language,
    )


def test_booking_pins_the_newest_guide_in_the_language(setup):
    coordinator, interviewer, offer = setup
    interview = book(coordinator, offer, interviewer, language="da")
    assert interview.guide_version.language == "da"
    assert interview.guide_version.guide.sections[0].key == "life_now"
    assert interview.status == "booked"
    with pytest.raises(InterviewError, match="already has an interview"):
        book(coordinator, offer, interviewer)
    services.cancel(coordinator, interview, "She was ill")
    again = book(coordinator, offer, interviewer)
    db.session.commit()
    assert again.id != interview.id
    raw = db.session.execute(text("SELECT place FROM interview")).scalars().all()
    assert all(value.startswith("gAAAA") for value in raw)


def test_only_an_accepted_offer_is_booked(setup, make_participant, make_offer):
    coordinator, interviewer, _offer = setup
    waiting = make_offer(make_participant().placements[0])
    with pytest.raises(InterviewError, match="accepted offer"):
        book(coordinator, waiting, interviewer)


def test_an_interviewer_books_only_their_own(setup, make_user):
    from app.core.permissions import PermissionDenied

    _coordinator, interviewer, offer = setup
    other = make_user(roles=[Role.INTERVIEWER])
    with pytest.raises(PermissionDenied):
        book(other, offer, other)
    assert book(interviewer, offer, interviewer).interviewer_id == interviewer.id


def test_the_status_moves_forward_only(setup, give_consent):
    from app.consent import services as consent

    coordinator, interviewer, offer = setup
    interview = book(coordinator, offer, interviewer)
    give_consent(interview, interviewer)
    with pytest.raises(InterviewError, match="on or after its booked day"):
        services.conduct(interviewer, interview, date(2026, 11, 9))
    with pytest.raises(InterviewError, match="not in the future"):
        services.conduct(interviewer, interview, date(2026, 11, 24))
    services.conduct(interviewer, interview, date(2026, 11, 10))
    assert offer.outcome == "interviewed" and offer.interviewed_on == date(2026, 11, 10)
    with pytest.raises(InterviewError, match="Write the memos"):
        services.advance(interviewer, interview, Status.DOCUMENTED)
    services.save_memo(interviewer, interview, "life_now", "Works at a café, proud of it.", 0)
    with pytest.raises(InterviewError, match="pseudonymisation review"):
        services.advance(interviewer, interview, Status.RELEASED)
    with pytest.raises(InterviewError, match="cannot go from"):
        services.advance(interviewer, interview, Status.VERIFIED)
    services.advance(interviewer, interview, Status.DOCUMENTED)
    services.advance(interviewer, interview, Status.VERIFIED)
    with pytest.raises(InterviewError, match="cannot go from"):
        services.advance(interviewer, interview, Status.DOCUMENTED)
    with pytest.raises(InterviewError, match="no longer be changed"):
        services.save_memo(interviewer, interview, "life_now", "late edit", 1)
    consent.withdraw(interviewer, interview, scopes=["participation"], giver="young_person",
                     withdrawn_on=date(2026, 11, 23), channel="phone")  # fmt: skip
    assert interview.status == "withdrawn" and interview.memos == []
    with pytest.raises(InterviewError, match="Only a booked interview"):
        services.reschedule(coordinator, interview, scheduled_at=WHEN, place=None, mode="phone")


def test_memos_are_encrypted_versioned_and_audited(setup, give_consent):
    coordinator, interviewer, offer = setup
    interview = book(coordinator, offer, interviewer)
    give_consent(interview, interviewer)
    memo = services.save_memo(interviewer, interview, "placement", "Remembers the first day.", 0)
    assert memo.revision == 1
    with pytest.raises(MemoConflict):
        services.save_memo(interviewer, interview, "placement", "An older draft", 0)
    with pytest.raises(InterviewError, match="not in this interview's guide"):
        services.save_memo(interviewer, interview, "weather", "?", 0)
    db.session.commit()
    assert db.session.execute(text("SELECT text FROM memo")).scalar().startswith("gAAAA")
    assert services.read_memos(interviewer, interview)["placement"].text.startswith("Remembers")
    actions = [e.action for e in db.session.scalars(select(AuditEntry))]
    assert "interview.memos_read" in actions and actions.count("interview.memo_save") == 1


def test_memo_pages_autosave_and_refuse_others(setup, client, auth, make_user, give_consent):
    coordinator, interviewer, offer = setup
    interview = book(coordinator, offer, interviewer)
    give_consent(interview, interviewer)
    auth.login(user=interviewer)
    page = client.get(f"/interviews/{interview.id}/memos").get_data(as_text=True)
    guide = interview.guide_version.guide
    assert guide.sections[1].questions[0].text in page and "data-autosave" in page
    url = f"/interviews/{interview.id}/memos/network"
    json = {"Accept": "application/json"}
    saved = client.post(url, data={"network-text": "Her aunt", "network-revision": "0"},
                        headers=json)  # fmt: skip
    assert saved.status_code == 200 and saved.get_json()["revision"] == 1
    stale = client.post(url, data={"network-text": "Old", "network-revision": "0"}, headers=json)
    conflict = stale.get_json()
    assert stale.status_code == 200 and conflict["conflict"] is True
    assert "saved in another window" in conflict["error"]
    assert (conflict["theirs"], conflict["newest"]) == ("Her aunt", 1)
    auth.logout()
    auth.login(Role.INTERVIEWER)
    assert client.get(f"/interviews/{interview.id}/memos").status_code == 403
    auth.logout()
    auth.login(user=coordinator)
    assert client.get(f"/interviews/{interview.id}/memos").status_code == 403
    assert client.get(f"/interviews/{interview.id}").status_code == 200


def test_an_ethics_flag_reaches_the_coordinator_and_no_one_else(setup, client, auth):
    coordinator, interviewer, offer = setup
    interview = book(coordinator, offer, interviewer)
    with pytest.raises(InterviewError, match="in the past"):
        services.raise_flag(interviewer, interview, category=FlagCategory.CHILD_AT_RISK,
                            disclosure="x", follow_up="y", responsible=coordinator,
                            due_on=date(2026, 11, 1))  # fmt: skip
    flag = services.raise_flag(
        interviewer, interview, category=FlagCategory.CHILD_AT_RISK,
        disclosure="Younger brother is hit at home", follow_up="Report today",
        responsible=coordinator, due_on=date(2026, 11, 24),
    )  # fmt: skip
    db.session.commit()
    auth.login(user=coordinator)
    board = client.get("/follow-up/").get_data(as_text=True)
    assert "Open ethics flags" in board and "A child at risk" in board
    assert "Younger brother" not in board  # the content is on the flags page, audited
    page = client.get("/interviews/flags").get_data(as_text=True)
    assert "Younger brother is hit at home" in page
    client.post(f"/interviews/flags/{flag.id}/resolve", data={"resolution": "Reported 23/11"})
    db.session.refresh(flag)
    assert not flag.is_open and flag.resolution == "Reported 23/11"
    assert "No open ethics flags." in client.get("/follow-up/").get_data(as_text=True)
    auth.logout()
    for role in (Role.RESEARCHER, Role.REVIEW_MEMBER):
        auth.login(role)
        assert client.get("/interviews/flags").status_code == 403
        assert client.get(f"/interviews/{interview.id}").status_code == 403
        auth.logout()
    actions = [e.action for e in db.session.scalars(select(AuditEntry))]
    assert {"flag.raise", "flag.read", "flag.resolve"} <= set(actions)


def test_booking_through_the_pages(setup, client, auth):
    _coordinator, interviewer, offer = setup
    auth.login(user=interviewer)
    response = client.post(f"/interviews/book/{offer.id}", data={
        "day": "2026-11-20", "time": "14:30", "place": "Café", "mode": "video",
        "interviewer_id": str(interviewer.id), "language": "en"})  # fmt: skip
    assert response.status_code == 302
    interview = db.session.scalar(select(Interview))
    assert interview.language == "en" and interview.mode == "video"
    assert interview.scheduled_at == datetime(2026, 11, 20, 13, 30, tzinfo=UTC)  # Stockholm
    page = client.get(f"/interviews/{interview.id}").get_data(as_text=True)
    assert "Read the guide" in page and "Raise an ethics flag" in page
    assert "No consent is in force yet" in page and "Guide and memos" not in page


def test_two_saves_from_the_same_revision_never_both_win(setup, give_consent):
    coordinator, interviewer, offer = setup
    interview = book(coordinator, offer, interviewer)
    give_consent(interview, interviewer)
    services.conduct(interviewer, interview, date(2026, 11, 10))
    first = services.save_memo(interviewer, interview, "life_now", "First browser", 0)
    assert first.revision == 1
    with pytest.raises(MemoConflict):  # a second first save of the same section
        services.save_memo(interviewer, interview, "life_now", "Second browser", 0)
    services.save_memo(interviewer, interview, "life_now", "First browser, more", 1)
    with pytest.raises(MemoConflict):  # read at revision 1, saved after someone else
        services.save_memo(interviewer, interview, "life_now", "Second browser, later", 1)
    db.session.commit()
    memo = next(m for m in interview.memos if m.section_key == "life_now")
    assert (memo.text, memo.revision) == ("First browser, more", 2)


def test_memos_of_a_verified_interview_are_shown_read_only(setup, client, auth, give_consent):
    """Once the memos can no longer be changed, the page shows them without a form, rather
    than a form whose save is refused."""
    coordinator, interviewer, offer = setup
    interview = book(coordinator, offer, interviewer)
    give_consent(interview, interviewer)
    services.save_memo(interviewer, interview, "network", "Her aunt <b>Eva</b> helps.", 0)
    services.conduct(interviewer, interview, date(2026, 11, 20))
    services.advance(interviewer, interview, Status.DOCUMENTED)
    services.advance(interviewer, interview, Status.VERIFIED)
    db.session.commit()
    auth.login(user=interviewer)
    page = client.get(f"/interviews/{interview.id}/memos").get_data(as_text=True)
    assert "data-autosave" not in page and "<textarea" not in page
    assert "Her aunt &lt;b&gt;Eva&lt;/b&gt; helps." in page
    assert "The memos can no longer be changed." in page


@pytest.fixture
def memo_page(setup, client, auth, give_consent):
    """An interview whose "network" memo was saved in one window (revision 1), and the
    interviewer signed in for a second window that loaded the page before that save."""
    coordinator, interviewer, offer = setup
    interview = book(coordinator, offer, interviewer, language="en")
    give_consent(interview, interviewer)
    services.save_memo(interviewer, interview, "network", "A: her aunt Eva helps.", 0)
    db.session.commit()
    auth.login(user=interviewer)
    return interview, f"/interviews/{interview.id}/memos/network"


def _memo(interview):
    db.session.expire_all()
    return db.session.scalar(
        select(Memo).where(Memo.interview_id == interview.id, Memo.section_key == "network")
    )


def test_a_refused_memo_post_shows_both_texts_and_drops_neither(memo_page, client):
    """Without the page's script, "Save memo" from a page loaded before another window
    saved answers with the page itself: the typed text still in the editor, the saved text
    beside it, and the ways out; nothing is overwritten and nothing is lost to a redirect."""
    interview, url = memo_page
    typed = "B: she sees her brother <every> Sunday."
    response = client.post(url, data={"network-text": typed, "network-revision": "0"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "B: she sees her brother &lt;every&gt; Sunday.</textarea>" in page
    assert "A: her aunt Eva helps." in page and "data-conflict" in page
    assert '">This section was saved in another window while you were writing here.' in page
    assert 'name="network-newest" type="hidden" value="1"' in page
    assert 'name="network-revision" type="hidden" value="0"' in page  # no silent overwrite
    for button in ("Keep mine", "Keep both", "Use the saved text"):
        assert f">{button}</button>" in page
    assert (_memo(interview).text, _memo(interview).revision) == ("A: her aunt Eva helps.", 1)
    actions = [e.action for e in db.session.scalars(select(AuditEntry))]
    assert actions[-1] == "interview.memos_read"  # the saved text shown is an audited read

    both = {"network-text": typed, "network-revision": "0", "network-newest": "1"}
    response = client.post(url, data={**both, "network-resolve": "both"})
    assert response.status_code == 302
    memo = _memo(interview)
    assert memo.revision == 2
    assert memo.text == (
        "--- Text typed while another window saved (kept from a conflict) ---\n"
        "B: she sees her brother <every> Sunday.\n\n"
        "--- Text saved first in another window ---\nA: her aunt Eva helps."
    )


def test_keep_mine_saves_over_the_revision_seen_and_no_newer_one(memo_page, client):
    interview, url = memo_page
    mine = {"network-text": "B only", "network-revision": "0", "network-newest": "1"}
    services.save_memo(interview.interviewer, interview, "network", "A again", 1)
    db.session.commit()  # a third save after the conflict was shown: shown in turn
    response = client.post(url, data={**mine, "network-resolve": "mine"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "\nB only</textarea>" in page
    assert "A again" in page and 'name="network-newest" type="hidden" value="2"' in page
    assert _memo(interview).text == "A again"
    response = client.post(url, data={**mine, "network-newest": "2", "network-resolve": "mine"})
    assert response.status_code == 302
    assert (_memo(interview).text, _memo(interview).revision) == ("B only", 3)


def test_use_theirs_and_a_resolve_without_the_revision_seen_save_nothing(memo_page, client):
    interview, url = memo_page
    stale = {"network-text": "B", "network-revision": "0"}
    response = client.post(url, data={**stale, "network-resolve": "theirs"})
    assert response.status_code == 302
    follow = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "yours was not saved" in follow
    response = client.post(url, data={**stale, "network-resolve": "mine"})  # no newest
    assert response.status_code == 302
    response = client.post(
        url, data={**stale, "network-resolve": "overwrite", "network-newest": "1"}
    )
    assert response.status_code == 302
    assert (_memo(interview).text, _memo(interview).revision) == ("A: her aunt Eva helps.", 1)


def test_the_same_words_saved_twice_are_no_conflict(setup, give_consent):
    """An autosave and the form's own button can both carry the same text from the same
    revision; the second is not a conflict to resolve."""
    coordinator, interviewer, offer = setup
    interview = book(coordinator, offer, interviewer)
    give_consent(interview, interviewer)
    services.save_memo(interviewer, interview, "life_now", "Same words", 0)
    again = services.save_memo(interviewer, interview, "life_now", "Same words", 0)
    assert (again.text, again.revision) == ("Same words", 1)
    with pytest.raises(MemoConflict):  # keeping both from a revision that moved on: shown first
        services.save_memo(interviewer, interview, "life_now", "Other", 0, keep_saved=True)


def test_an_ethics_flag_goes_only_to_someone_who_can_act_on_it(setup, make_user):
    coordinator, interviewer, offer = setup
    interview = book(coordinator, offer, interviewer)
    researcher = make_user(roles=[Role.RESEARCHER])
    details = dict(category=FlagCategory.CHILD_AT_RISK, disclosure="x", follow_up="y",
                   due_on=date(2026, 12, 1))  # fmt: skip
    with pytest.raises(InterviewError, match="never see flags"):
        services.raise_flag(interviewer, interview, responsible=researcher, **details)
    handlers = services.flag_handlers()
    assert interviewer in handlers and coordinator in handlers and researcher not in handlers
    assert services.raise_flag(interviewer, interview, responsible=coordinator, **details)


def _accepted(interviewer, interview, to: Status) -> bool:
    """Whether ``advance`` takes the step; nothing of it is kept."""
    nested = db.session.begin_nested()
    try:
        services.advance(interviewer, interview, to)
    except InterviewError:
        return False
    finally:
        nested.rollback()
        db.session.expire(interview)
    return True


def _offered_is_accepted(interviewer, interview) -> list[Status]:
    offered, _elsewhere = services.next_steps(interview)
    for to in Status:
        assert (to in offered) == _accepted(interviewer, interview, to), (interview.status, to)
    return offered


def test_next_step_offers_exactly_the_steps_that_are_accepted(setup, give_consent):
    from app.transcripts import versions

    coordinator, interviewer, offer = setup
    interview = book(coordinator, offer, interviewer)
    give_consent(interview, interviewer)
    assert _offered_is_accepted(interviewer, interview) == []  # booked: the conduct form
    services.conduct(interviewer, interview, date(2026, 11, 10))
    assert _offered_is_accepted(interviewer, interview) == []  # nothing documented yet
    assert services.next_steps(interview)[1][0].startswith("Write the memos")
    services.save_memo(interviewer, interview, "life_now", "Works at a café.", 0)
    assert _offered_is_accepted(interviewer, interview) == [Status.DOCUMENTED]
    services.advance(interviewer, interview, Status.DOCUMENTED)
    assert _offered_is_accepted(interviewer, interview) == [Status.VERIFIED]
    versions.import_transcript(interviewer, interview, b"Hello\nHi\n", "notes.txt")
    assert interview.status == Status.TRANSCRIBED.value
    # verified only in the editor, with its look first; released only from the review
    assert _offered_is_accepted(interviewer, interview) == []
    assert [str(m) for m in services.next_steps(interview)[1]] == [
        "Verify the transcript in the transcript editor."
    ]


def test_the_interview_page_offers_only_legal_steps(setup, client, auth, give_consent):
    coordinator, interviewer, offer = setup
    interview = book(coordinator, offer, interviewer)
    give_consent(interview, interviewer)
    services.conduct(interviewer, interview, date(2026, 11, 10))
    services.save_memo(interviewer, interview, "life_now", "Works at a café.", 0)
    services.advance(interviewer, interview, Status.DOCUMENTED)
    db.session.commit()
    auth.login(user=interviewer)
    page = client.get(f"/interviews/{interview.id}").get_data(as_text=True)
    form = page[
        page.index('id="advance-to"') : page.index("</select>", page.index('id="advance-to"'))
    ]
    assert 'value="verified"' in form
    assert 'value="documented"' not in form and 'value="transcribed"' not in form
    # a step sent anyway is refused by the service, with the reason
    refused = client.post(f"/interviews/{interview.id}/advance",
                          data={"advance-to": "documented"}, follow_redirects=True)  # fmt: skip
    assert "cannot go from" in refused.get_data(as_text=True)
    db.session.refresh(interview)
    assert interview.status == Status.DOCUMENTED.value


def test_a_booked_interview_says_when_its_recording_can_be_added(setup, client, auth):
    """The recording card of a booked interview is not left empty: it says what comes next."""
    coordinator, interviewer, offer = setup
    interview = book(coordinator, offer, interviewer)
    db.session.commit()
    auth.login(user=interviewer)
    page = client.get(f"/interviews/{interview.id}").get_data(as_text=True)
    card = page[
        page.index('id="recording"') : page.index("</section>", page.index('id="recording"'))
    ]
    assert "upload its recording or import a transcript here" in card


def test_conducted_is_offered_from_the_booked_day_not_before(setup, client, auth):
    """Before its day a booked interview says when it can be marked conducted, instead of a
    form the service would refuse (TODAY in the tests is 2026-11-23)."""
    coordinator, interviewer, offer = setup
    later = book(coordinator, offer, interviewer, when=datetime(2026, 12, 20, 9, 0, tzinfo=UTC))
    db.session.commit()
    auth.login(user=interviewer)
    page = client.get(f"/interviews/{later.id}").get_data(as_text=True)
    assert "can be marked as conducted from its booked day, 20 Dec 2026" in page
    assert "Mark as conducted" not in page
    later.scheduled_at = WHEN
    db.session.commit()
    assert "Mark as conducted" in client.get(f"/interviews/{later.id}").get_data(as_text=True)
