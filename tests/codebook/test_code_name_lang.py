"""A code's name shown in a stand-in language carries that language (WCAG 3.1.2) on every
page that shows code names: the coding round, the themes pages, the goal page and the
retrieval page's codes found together."""

from datetime import date

import pytest
from flask_babel import force_locale

from app.codebook.models import Code
from app.codebook.names import code_name, code_path
from app.core.db import db
from app.goals import services as goals
from app.rounds import services as rounds
from app.themes import services as themes
from app.workspace import services as workspace
from tests.codebook.sample import a_code

DANISH = '<span lang="da">Tilhørsforhold</span>'


@pytest.fixture
def danish(coded):
    """A code named in Danish only, under a category named in Swedish, applied in a closed
    round (where the coders disagree) and shared in both interviews."""
    category = Code(name="Tillhörighet", language="sv", codable=False)
    code = Code(name="Tilhørsforhold", language="da", parent=category)
    db.session.add_all([category, code])
    db.session.flush()
    anna, ben, boss, release = coded["anna"], coded["ben"], coded["boss"], coded["release"]
    round_ = rounds.create_round(boss, name="Höst 2026", unit="segment", coders=[anna, ben],
                                 releases=[release])  # fmt: skip
    second_line = len(release.text.split("\n")[0]) + 1
    workspace.apply(anna, release, code.id, 0, 5, coding_round=round_)
    workspace.apply(ben, release, code.id, 2, 8, coding_round=round_)
    workspace.apply(anna, release, code.id, second_line, second_line + 4, coding_round=round_)
    rounds.close_round(boss, round_)
    for r in (release, coded["release2"]):
        workspace.apply(anna, r, code.id, 0, 10)
        workspace.apply(anna, r, a_code().id, 5, 15)
    boss.language = "sv"
    db.session.commit()
    return {**coded, "code": code, "category": category, "round": round_}


def test_names_are_marked_where_their_language_is_not_the_pages(app):
    code = Code(name="Tilhørsforhold <b>", language="da")
    with app.test_request_context(), force_locale("sv"):
        assert str(code_name(code)) == '<span lang="da">Tilhørsforhold &lt;b&gt;</span>'
    with app.test_request_context(), force_locale("da"):
        assert str(code_name(code)) == "Tilhørsforhold &lt;b&gt;"
    parent = Code(name="Tillhörighet", language="sv", codable=False)
    code.parent = parent
    with app.test_request_context(), force_locale("sv"):
        assert (
            str(code_path(code)) == 'Tillhörighet › <span lang="da">Tilhørsforhold &lt;b&gt;</span>'
        )
    with app.test_request_context(), force_locale("en"):
        swedish, danish = (
            '<span lang="sv">Tillhörighet</span>',
            DANISH.replace("</", " &lt;b&gt;</"),
        )
        assert str(code_path(code)) == f"{swedish} › {danish}"


def test_the_round_pages_mark_stand_in_names(danish, client, auth):
    auth.login(user=danish["boss"])
    page = client.get(f"/coding/rounds/{danish['round'].id}").get_data(as_text=True)
    assert f"Tillhörighet › {DANISH}" in page  # the figures per code
    assert f"<td>{DANISH}</td>" in page  # the disagreements
    assert f"Konsensus för {DANISH}</legend>" in page
    # the look before a round is closed
    anna, ben, release = danish["anna"], danish["ben"], danish["release"]
    open_round = rounds.create_round(danish["boss"], name="Vår", unit="segment",
                                     coders=[anna, ben], releases=[release])  # fmt: skip
    workspace.apply(anna, release, danish["code"].id, 0, 5, coding_round=open_round)
    workspace.apply(ben, release, danish["code"].id, 2, 8, coding_round=open_round)
    db.session.commit()
    look = client.post(f"/coding/rounds/{open_round.id}/close").get_data(as_text=True)
    assert f"<td>Tillhörighet › {DANISH}</td>" in look


def test_the_themes_pages_mark_stand_in_names(danish, client, auth):
    theme = themes.save_theme(danish["boss"], None, name="Att höra till", description="",
                              formed_year=2025, revised_year=None,
                              code_ids=[danish["code"].id])  # fmt: skip
    db.session.commit()
    auth.login(user=danish["boss"])
    index = client.get("/themes/").get_data(as_text=True)
    assert f'<span class="tag">{DANISH}</span>' in index
    page = client.get(f"/themes/{theme.id}").get_data(as_text=True)
    assert f'<th scope="row">Tillhörighet › {DANISH}</th>' in page  # its codes per year


def test_the_goal_page_marks_stand_in_names(danish, client, auth):
    boss = danish["boss"]
    goal = goals.create_goal(boss, kind="team", title="Ett stabilt hem", result="Någon stannar",
                             term="long", work="Besök", reason="Tillit", language="sv",
                             adopted_on=date(2025, 3, 1), revised_on=None)  # fmt: skip
    goals.link(boss, goal, direction="for", code=danish["code"])
    db.session.commit()
    auth.login(user=boss)
    page = client.get(f"/goals/{goal.id}").get_data(as_text=True)
    assert f"Tillhörighet › {DANISH}" in page


def test_the_codes_found_together_mark_stand_in_names(danish, client, auth):
    auth.login(user=danish["anna"])
    danish["anna"].language = "sv"
    db.session.commit()
    page = client.get("/coding/retrieve", query_string={"code": danish["code"].id})
    assert f'<th scope="row">{DANISH}</th>' in page.get_data(as_text=True)
