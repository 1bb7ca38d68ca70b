"""The detector on plain text: what it finds, exact offsets, and text that is hard to read."""

import pytest

from analysis import pseudonymise as pii


def found(language, text, register=()):
    detections = pii.detector(language).detect(text, register)
    for d in detections:
        assert text[d.start : d.end] == d.text  # offsets are exact code points
    return [(d.label, d.text) for d in detections]


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        ("sv", "Jag flyttade till Kil när jag var tolv.", [("LOCATION", "Kil")]),
        (
            "sv",
            "Per och jag åkte till Björn i Forshaga.",
            [("PERSON", "Per"), ("PERSON", "Björn"), ("LOCATION", "Forshaga")],
        ),
        ("sv", "Det kostade hundra kronor per månad.", []),
        (
            "sv",
            "Det var Annas idé att ringa Mohammed.",
            [("PERSON", "Annas"), ("PERSON", "Mohammed")],
        ),
        (
            "sv",
            "Vi bodde på Storgatan 12 i Arvika.",
            [("LOCATION", "Storgatan 12"), ("LOCATION", "Arvika")],
        ),
        (
            "sv",
            "Ring mig på 070-123 45 67 eller mejla kim.berg@example.se.",
            [("PHONE", "070-123 45 67"), ("EMAIL", "kim.berg@example.se")],
        ),
        ("sv", "Mitt personnummer är 811218-9876.", [("ID_NUMBER", "811218-9876")]),
        (
            "sv",
            "Jag gick på Sundstagymnasiet och jobbade på ICA Maxi.",
            [("ORG", "Sundstagymnasiet"), ("ORG", "ICA Maxi")],
        ),
        (
            "da",
            "Jeg flyttede til Randers den 1. august 2016.",
            [("LOCATION", "Randers"), ("DATE", "1. august 2016")],
        ),
        (
            "da",
            "Mettes mor boede i Aarhus, CPR 120398-1234.",
            [("PERSON", "Mettes"), ("LOCATION", "Aarhus"), ("ID_NUMBER", "120398-1234")],
        ),
        (
            "en",
            "My social worker Tom Baker drove me to Westfield Academy.",
            [("PERSON", "Tom Baker"), ("ORG", "Westfield Academy")],
        ),
    ],
)
def test_what_identifies_people_is_found(language, text, expected):
    assert found(language, text) == expected


def test_names_from_the_register_count_in_any_case_and_genitive():
    register = ["Liv Ödegaard", "Kjell Nyrén"]
    assert found("sv", "liv sa att ödegaards hund och kjell var snälla.", register) == [
        ("PERSON", "liv"), ("PERSON", "ödegaards"), ("PERSON", "kjell")]  # fmt: skip


def test_lowercase_names_from_speech_recognition_are_found_when_not_words():
    assert ("PERSON", "mohammed") in found("sv", "sen ringde mohammed och sa hej")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\n  ",
        "Hej 👋🏽 Anna! Ångest, e\u0301n café-dag i Karlstad 🇸🇪, (Kil) [Per].",
        "»Anna«, sa hon. —Karlstad? Kil! Per; Björn: Sara-Lind…",
        "Jag pratade svenska, then English with Claire, og så dansk i Aarhus.",
    ],
)
def test_hard_text_never_breaks_offsets(text):
    for language in ("sv", "da", "en"):
        found(language, text)


def test_nothing_is_found_across_segments():
    assert found("sv", "Vi bodde på Storgatan\n12 år senare kom den 3\nmaj") == [
        ("LOCATION", "Storgatan")]  # fmt: skip
    found("sv", "Ab-" * 8000)  # a garbled import: no runaway pattern (see the benchmark)


def test_a_long_transcript_is_read_whole():
    text = " ".join(["Anna flyttade till Karlstad och ringde 070-123 45 67."] * 25_000)
    detections = pii.detector("sv").detect(text)
    assert len(detections) == 75_000
    assert detections[-1].text == "070-123 45 67"


def test_placeholders_are_consistent_and_genitives_follow():
    entries = {}
    placeholder, key, _ = pii.placeholder_for(entries, "PERSON", "Anna")
    assert placeholder is None
    entries[key] = {"label": "PERSON", "placeholder": "[Person 1]", "numbered": "[Person 1]"}
    assert pii.placeholder_for(entries, "PERSON", "anna")[0] == "[Person 1]"
    assert pii.placeholder_for(entries, "PERSON", "Annas") == ("[Person 1]s", key, True)
    # A genitive before its name in the same text belongs to the name.
    assert pii.placeholder_for({}, "LOCATION", "Göteborgs", frozenset({"LOCATION:göteborg"}))[
        1:] == ("LOCATION:göteborg", True)  # fmt: skip
    entries[key]["placeholder"] = "[Foster mother]"  # renamed: numbers still count on
    assert pii.next_placeholder(entries, "Person") == "[Person 2]"
    entries["PERSON:bo"] = {"label": "PERSON", "placeholder": "[Person 3]", "numbered": "[X 1]"}
    assert pii.next_placeholder(entries, "Person") == "[Person 4]"
    text = "Anna och Annas hund"
    assert pii.replace_spans(text, [(0, 4, "[P]"), (9, 14, "[P]s")]) == "[P] och [P]s hund"
    assert pii.occurrences("Kil, kil och Kilen", "kil") == [(0, 3), (5, 8)]
