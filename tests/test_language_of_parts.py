"""WCAG 3.1.2, language of parts: interview text keeps the interview's language in an
interface of another, so that a screen reader reads Swedish as Swedish on an English page."""

import re

from app.core.db import db
from app.core.users import Role
from tests.test_routes_roles import sample_values


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
