"""WCAG 3.1.2, language of parts: interview text keeps the interview's language in an
interface of another, so that a screen reader reads Swedish as Swedish on an English page."""
# ruff: noqa: F811 (the fixtures imported from other test modules are used as arguments)

import re
from datetime import date

from app.core.db import db
from app.core.users import Role
from tests.releases.test_releases import world  # noqa: F401 (a fixture)
from tests.test_routes_roles import sample_values
from tests.themes.test_themes import corpus  # noqa: F401 (a fixture)


def _other(language: str) -> str:
    return "da" if language != "da" else "sv"


def _marked(html: str, text: str, language: str) -> bool:
    """Whether ``text`` sits in an element whose lang is ``language``."""
    return re.search(rf'lang="{language}"[^>]*>[^<]*{re.escape(text)}', html) is not None


def test_transcript_release_and_coding_text_carry_the_interview_language(
    app, client, auth, make_user
):
    from app.interviews.models import Interview

    interviewer = make_user(roles=[Role.INTERVIEWER])
    values = sample_values(interviewer)
    spoken = db.session.get(Interview, values["interview_id"]).language
    interviewer.language = _other(spoken)
    coordinator = make_user(roles=[Role.COORDINATOR], language=_other(spoken))
    db.session.commit()

    auth.login(user=interviewer)
    editor = client.get(f"/transcripts/{values['transcript_id']}").get_data(as_text=True)
    assert f'<html lang="{_other(spoken)}">' in editor
    assert _marked(editor, "Sample text", spoken)
    release = client.get(f"/releases/{values['release_id']}").get_data(as_text=True)
    assert _marked(release, "Sample [Person 1]", spoken)
    auth.logout()

    auth.login(user=coordinator)
    workspace = client.get(f"/coding/releases/{values['release_id']}").get_data(as_text=True)
    assert re.search(rf'class="coding-text" data-text lang="{spoken}"', workspace)


def test_pack_quotes_carry_the_interview_language(corpus, make_user, client, auth):
    from app.reviews import packs, sessions
    from app.reviews.models import ReviewPack

    boss = corpus["boss"]
    spoken = corpus["releases"][0].interview.language
    boss.language = _other(spoken)
    session = sessions.create_session(
        boss, title="Återblick", year=2026, held_on=date(2026, 11, 20),
        scope_from=None, scope_to=None, members=[boss],
    )  # fmt: skip
    db.session.commit()
    packs.start_pack(boss, session)
    db.session.commit()  # the job runs at the commit (immediately in tests)
    pack = db.session.query(ReviewPack).one()
    quotes = [q for theme in pack.data["themes"] for q in theme["quotes"]]
    assert quotes and {q["lang"] for q in quotes} == {spoken}

    auth.login(user=boss)
    for url in (f"/reviews/packs/{pack.id}", f"/reviews/{session.id}"):
        html = client.get(url).get_data(as_text=True)
        assert f'<html lang="{_other(spoken)}">' in html
        assert _marked(html, f"“{quotes[0]['text']}”", spoken), url
