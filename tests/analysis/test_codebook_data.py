import copy
import re

import pytest

from analysis.codebook import LANGUAGES, TEXTS, check_codebook, starting_codebook

CATEGORIES = {
    "origins",
    "belonging",
    "foster_family",
    "social_worker",
    "moving_out",
    "network",
    "the_interview",
}


@pytest.fixture(scope="module")
def codebook():
    return starting_codebook()


def all_codes(codebook):
    for category in codebook["codes"]:
        yield category
        yield from category["children"]


def codable(codebook):
    return [code for code in all_codes(codebook) if code["codable"]]


def test_seven_categories_each_with_two_to_five_codable_codes(codebook):
    categories = codebook["codes"]
    assert {c["key"] for c in categories} == CATEGORIES
    for category in categories:
        assert category["codable"] is False
        assert 2 <= len(category["children"]) <= 5, category["key"]
        for code in category["children"]:
            assert code["codable"] is True
            assert code.get("children", []) == []


def test_the_karlstad_themes_are_there(codebook):
    names = {code["name"]["en"] for code in all_codes(codebook)}
    assert {
        "Support for the birth parents",
        "Contact with parents and relatives",
        "The parents' approval of the placement",
        "Speaking of the parents",
        "Fear of what is inherited",
        "Wanting to belong",
        "Adults who persist",
        "Attachment in the last placement",
        "A move is not always negative",
        "Knowing my history",
        "Continuity",
        "Talking and listening",
        "Not giving up",
        "Fear that telling makes it worse",
        "Proud to be asked",
        "Telling my story",
        "A good ending",
    } <= names


def test_keys_are_unique_snake_case(codebook):
    keys = [code["key"] for code in all_codes(codebook)]
    assert len(keys) == len(set(keys))
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", key) for key in keys)


def test_codable_codes_are_complete_in_every_language(codebook):
    for code in codable(codebook):
        for field in TEXTS:
            assert set(code[field]) == set(LANGUAGES)
            for language in LANGUAGES:
                assert code[field][language].strip(), (code["key"], field, language)


def test_names_differ_between_codes_in_each_language(codebook):
    for language in LANGUAGES:
        names = [code["name"][language] for code in all_codes(codebook)]
        assert len(names) == len(set(names)), language


def test_keywords_are_short_base_forms(codebook):
    for code in codable(codebook):
        for language in LANGUAGES:
            keywords = code["keywords"][language]
            assert 3 <= len(keywords) <= 8, (code["key"], language)
            assert len(keywords) == len(set(keywords)), (code["key"], language)
            for keyword in keywords:
                assert keyword == keyword.strip().lower(), keyword
                assert "*" not in keyword[:-1], keyword
                assert len(keyword.split()) <= 3, keyword
    for category in codebook["codes"]:
        assert category["keywords"] == {language: [] for language in LANGUAGES}


def test_social_work_terms_per_language(codebook):
    def texts(language):
        return " ".join(
            code[field][language] for code in all_codes(codebook) for field in TEXTS
        ).lower()

    swedish, danish = texts("sv"), texts("da")
    assert "socialsekreterare" in swedish
    assert "fosterhem" in swedish
    assert "sagsbehandler" in danish
    assert "plejefamilie" in danish and "plejeforældre" in danish
    # a Danish "plejehjem" is a care home for the elderly
    assert "plejehjem" not in danish and "fosterfamilie" not in danish
    assert "socialsekreterare" not in danish and "sagsbehandler" not in swedish


def relative_luminance(red, green, blue):
    def linear(channel):
        channel /= 255
        return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4

    return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)


def test_colours_are_distinct_and_readable_as_highlights(codebook):
    colours = [code["colour"].lower() for code in all_codes(codebook)]
    assert len(colours) == len(set(colours))
    text = relative_luminance(0x1A, 0x1A, 0x1A)
    for colour in colours:
        rgb = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
        # the workspace draws a highlight at 40 % opacity (alpha 0x66) on white
        highlight = relative_luminance(*(0.4 * c + 0.6 * 255 for c in rgb))
        assert (highlight + 0.05) / (text + 0.05) >= 7, colour


def test_starting_codebook_is_a_fresh_copy():
    first = starting_codebook()
    first["codes"].clear()
    assert starting_codebook()["codes"]


def break_first_child(codebook, change):
    broken = copy.deepcopy(codebook)
    change(broken["codes"][0]["children"][0])
    return broken


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda code: code.update(key="origins"), "used twice"),
        (lambda code: code.update(key="Origins-2"), "snake_case"),
        (lambda code: code.update(colour="#abc"), "#RRGGBB"),
        (lambda code: code.update(codable="yes"), "codable"),
        (lambda code: code["name"].pop("da"), "exactly sv, da, en"),
        (lambda code: code["definition"].update(sv="  "), r"definition \(sv\) is empty"),
        (lambda code: code["keywords"].update(en="flytt*"), r"keywords \(en\)"),
        (lambda code: code.update(children={}), "children must be a list"),
    ],
)
def test_check_codebook_names_what_is_wrong(codebook, change, message):
    with pytest.raises(ValueError, match=message):
        check_codebook(break_first_child(codebook, change))


def test_check_codebook_wants_version_one(codebook):
    with pytest.raises(ValueError, match="version"):
        check_codebook({**codebook, "version": 2})
