"""WTForms' own messages are in the reader's language: Swedish and Danish too (WTForms ships
no Danish catalog)."""

from pathlib import Path

import pytest
import wtforms
from babel.messages.pofile import read_po
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectChoice, SelectField, StringField
from wtforms.validators import InputRequired, Length

from app.core.users import Role

TRANSLATIONS = Path(__file__).parent.parent.parent / "app" / "translations"
WTFORMS_POT = Path(wtforms.__file__).parent / "locale" / "wtforms.pot"


class Sample(FlaskForm):
    class Meta:
        csrf = False

    number = IntegerField()
    choice = SelectField(choices=[SelectChoice("a")])
    name = StringField(validators=[InputRequired()])
    day = DateField()
    short = StringField(validators=[Length(max=3)])


BAD = {"number": "abc", "choice": "tampered", "name": "", "day": "31.2.x", "short": "abcd"}

EXPECTED = {
    "sv": {"number": "Inget giltigt heltal.", "choice": "Inget giltigt val.",
           "name": "Fältet måste fyllas i.", "day": "Inget giltigt datum.",
           "short": "Fältet får inte vara längre än 3 tecken."},
    "da": {"number": "Ikke et gyldigt heltal.", "choice": "Ikke et gyldigt valg.",
           "name": "Feltet skal udfyldes.", "day": "Ikke en gyldig dato.",
           "short": "Feltet må ikke være længere end 3 tegn."},
    "en": {"number": "Not a valid integer value.", "choice": "Not a valid choice.",
           "name": "This field is required.", "day": "Not a valid date value.",
           "short": "Field cannot be longer than 3 characters."},
}  # fmt: skip


@pytest.mark.parametrize("language", ["sv", "da", "en"])
def test_each_kind_of_builtin_message_is_in_the_pages_language(app, language):
    with app.test_request_context("/", method="POST", data=BAD,
                                  headers={"Accept-Language": language}):  # fmt: skip
        form = Sample()
        assert not form.validate()
        assert {name: errors[0] for name, errors in form.errors.items()} == EXPECTED[language]


@pytest.mark.parametrize("language", ["sv", "da"])
def test_every_builtin_message_has_a_translation(language):
    with open(WTFORMS_POT, "rb") as handle:
        builtin = {m.id for m in read_po(handle) if m.id}
    with open(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", "rb") as handle:
        ours = {m.id: m.string for m in read_po(handle) if m.id}
    assert builtin <= set(ours), sorted(map(str, builtin - set(ours)))
    assert all(all(s) if isinstance(s, tuple) else s for i, s in ours.items() if i in builtin)


@pytest.mark.parametrize(("language", "message"), [("sv", "Inget giltigt heltal."),
                                                   ("da", "Ikke et gyldigt heltal.")])  # fmt: skip
def test_the_retrieval_page_says_a_bad_year_in_the_readers_language(client, auth, make_user,
                                                                    language, message):  # fmt: skip
    auth.login(user=make_user(roles=[Role.RESEARCHER], language=language))
    page = client.get("/coding/retrieve?code=1&year=abc").get_data(as_text=True)
    assert message in page
    assert "Not a valid integer value." not in page
