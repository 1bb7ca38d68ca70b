"""The shared form macro: radio groups as fieldsets, and every field's problem at once."""

import re

from app.core.users import Role


def render_field(app, form, name):
    template = app.jinja_env.from_string(
        '{% from "_forms.html" import field, form_errors %}'
        "{{ form_errors(form) }}{{ field(form[name]) }}"
    )
    return template.render(form=form, name=name)


def test_a_radio_group_is_a_fieldset_with_each_radio_before_its_label(app):
    from app.consent.forms import RecordForm

    with app.test_request_context():
        html = render_field(app, RecordForm(formdata=None), "method")
    assert re.search(r'<fieldset id="method"[^>]*>\s*<legend>How</legend>', html)
    assert "<ul" not in html and "<li" not in html  # no bullets
    options = re.findall(r'<div class="check">(.*?)</div>', html, re.S)
    assert len(options) > 1
    for option in options:
        assert re.fullmatch(
            r'\s*<input[^>]*type="radio"[^>]*>\s*<label for="[^"]+">[^<]+</label>\s*', option
        )


def test_the_new_user_form_shows_every_problem_at_once(client, auth, make_user):
    auth.login(Role.ADMIN)
    make_user(username="taken")
    response = client.post(
        "/admin/users/new",
        data={"username": "taken", "display_name": "", "email": "not-an-email", "roles": [],
              "language": "", "password": "short", "confirm": "other"},
    )  # fmt: skip
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    expected = [
        "already taken", "This field is required", "Invalid email",
        "Choose at least one role", "at least 12 characters", "passwords differ",
    ]  # fmt: skip
    for message in expected:
        assert message in html, message
    summary = html.split('class="form-errors error-summary"', 1)[1].split("</div>", 1)[0]
    assert "Please correct 6 fields" in summary
    links = re.findall(r'<a href="#([a-z_]+)">', summary)
    assert set(links) == {"username", "display_name", "email", "roles", "password", "confirm"}
    for target in links:  # each link lands on its field
        assert f'id="{target}"' in html


def test_the_summary_reaches_into_lists_of_sub_forms(app):
    from app.reviews.forms import AgendaForm

    with app.test_request_context(method="POST", data={"items-0-title": "x" * 500}):
        form = AgendaForm()
        assert not form.validate()
        html = app.jinja_env.from_string(
            '{% from "_forms.html" import form_errors %}{{ form_errors(form) }}'
        ).render(form=form)
    assert 'href="#items-0-title"' in html and "[" not in html.split("<ul>", 1)[1]
