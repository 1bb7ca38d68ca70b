"""Code suggestions on plain text: keywords by lemma and compound ending, similarity to the
definitions, the score, and passages that are hard to read."""

import time

import pytest

from analysis.suggest import CodeInfo, Suggester, Suggestion, suggester

SWEDISH = (
    CodeInfo(
        1,
        "Tillhörighet",
        "Känslan av att höra till en familj eller ett sammanhang.",
        ("tillhöra", "familj", "hemma"),
    ),
    CodeInfo(
        2,
        "Socialsekreteraren",
        "Kontakten med socialtjänsten och handläggaren.",
        ("socialsekreterare", "handläggare"),
    ),
    CodeInfo(3, "Flytt", "Byte av placering eller bostad.", ("flytt*",)),
    CodeInfo(4, "Pappa", "", ("far",)),
    CodeInfo(5, "Skolan", "Skolgång, lärare, betyg och stöd i skolan.", ("känna sig dum", "läxa")),
)


def suggest(text, codes=SWEDISH, language="sv", limit=5):
    return Suggester(language, codes).suggest(text, limit)


def triggers(text, codes=SWEDISH, language="sv"):
    return {s.code_id: s.triggers for s in suggest(text, codes, language)}


def test_keywords_by_lemma_and_compound_ending():
    found = suggest("Jag kände mig aldrig hemma i fosterfamiljen.")
    assert found[0] == Suggestion(1, 0.75, ("hemma", "fosterfamiljen"), 0.0)
    assert [s.code_id for s in found] == [1]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Socialsekreteraren ringde aldrig.", {2: ("Socialsekreteraren",)}),
        ("Socialsekreterarna byttes hela tiden.", {2: ("Socialsekreterarna",)}),
        ("Handläggarna visste inget.", {2: ("Handläggarna",)}),
        ("Jag tillhörde ingen.", {1: ("tillhörde",)}),
        ("Familjerna var olika.", {1: ("Familjerna",)}),
        ("Vi flyttade tre gånger, sedan kom flytten till Kil.", {3: ("flyttade", "flytten")}),
    ],
)
def test_inflections(text, expected):
    assert triggers(text) == expected


def test_a_prefix_matches_only_the_start_of_a_word():
    assert triggers("Omflyttningen var svår.") == {}


def test_a_compound_ending_needs_three_letters_before_it():
    assert triggers("Min styvfar var snäll.") == {4: ("styvfar",)}
    assert triggers("Min far och min fostermamma.") == {4: ("far",)}
    # "far" is also a form of "fara" (to travel) in the table; the keyword is the noun
    assert triggers("Det var en fara att cykla där.") == {}
    assert triggers("Det var farligt.") == {}


def test_a_phrase_matches_its_lemmas_in_a_row():
    assert triggers("Ibland kände jag mig dum, och hon kände sig dum i skolan.") == {
        5: ("kände sig dum",)
    }


def test_danish_compounds_and_inflections():
    codes = [
        CodeInfo(1, "Tilhørsforhold", "At høre til i en familie.", ("familie", "hjemme")),
        CodeInfo(2, "Sagsbehandler", "", ("sagsbehandler",)),
    ]
    assert triggers("Jeg følte mig hjemme i plejefamilien.", codes, "da") == {
        1: ("hjemme", "plejefamilien")
    }
    assert triggers("Plejefamilierne var søde.", codes, "da") == {1: ("Plejefamilierne",)}
    assert triggers("Sagsbehandleren ringede aldrig.", codes, "da") == {2: ("Sagsbehandleren",)}


def test_english_lemmas_from_the_table():
    codes = [
        CodeInfo(1, "Home", "", ("belong", "feel at home")),
        CodeInfo(2, "Social worker", "", ("social worker",)),
    ]
    assert triggers("I never belonged there, but I felt at home.", codes, "en") == {
        1: ("belonged", "felt at home")
    }
    assert triggers("The social workers kept changing.", codes, "en") == {2: ("social workers",)}


def test_similarity_alone_suggests_without_triggers():
    found = suggest("Läraren gav mig stöd med betygen i skolan.")
    assert [(s.code_id, s.triggers) for s in found] == [(5, ())]
    assert 0.15 <= found[0].similarity <= 1
    assert found[0].score == pytest.approx(found[0].similarity)


def test_an_unrelated_passage_gets_nothing():
    assert suggest("Vädret var fint och vi åt glass på torget.") == []


def test_score_and_order():
    found = suggest("Socialsekreteraren sa att vi skulle flytta från familjen och min far.")
    assert found == sorted(found, key=lambda s: (-s.score, s.code_id))
    by_code = {s.code_id: s for s in found}
    assert set(by_code) == {1, 2, 3, 4}
    assert by_code[4].score == 0.5  # one keyword, no definition
    for s in found:
        assert s.score == pytest.approx(1 - 0.5 ** len(s.triggers) * (1 - s.similarity))
    assert len(suggest("Socialsekreteraren sa att vi skulle flytta.", limit=1)) == 1


def test_more_keywords_score_higher():
    one = suggest("Jag var hemma.")[0].score
    two = suggest("Jag var hemma hos familjen.")[0].score
    assert 0.5 <= one < two < 1


def test_triggers_are_deduplicated_in_order_as_written():
    assert triggers("Familjen, hemma. familjen HEMMA Familjen") == {1: ("Familjen", "hemma")}


@pytest.mark.parametrize("text", ["", "   \n\t", "😢🏠🙂", "...!?", "1234 5678"])
def test_nothing_to_read(text):
    assert suggest(text) == []


def test_emoji_and_combining_characters():
    # "tillhörde" and "hemma" with a decomposed "ö" and emoji around the words
    text = "Jag tillho\u0308rde 🙂 ingen och kände mig aldrig hemma😢 i fosterfamiljen🏠"
    assert triggers(text) == {1: ("tillho\u0308rde", "hemma", "fosterfamiljen")}


def test_keywords_in_any_case_and_inflection():
    codes = [CodeInfo(1, "Familj", "", ("Familjerna", " FLYTT* ", "", "*"))]
    assert triggers("Familjen flyttade.", codes) == {1: ("Familjen", "flyttade")}


def test_a_long_passage_is_read_in_linear_time():
    sentence = "Jag kände mig aldrig hemma i fosterfamiljen men läraren var snäll och vi åt ute. "
    text = sentence * 3125  # 50,000 words
    started = time.perf_counter()
    found = suggest(text)
    assert time.perf_counter() - started < 5
    assert found[0].code_id == 1
    assert found[0].triggers == ("hemma", "fosterfamiljen")


def test_suggester_is_kept_per_codebook():
    assert suggester("sv", SWEDISH) is suggester("sv", list(SWEDISH))
    assert suggester("sv", SWEDISH) is not suggester("sv", SWEDISH[:2])
    assert suggester("sv", []).suggest("Hemma.") == []
