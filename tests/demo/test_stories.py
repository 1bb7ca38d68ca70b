"""The demo's stories as written: each its own text, of a believable length, and every
coded passage a passage of the story it codes."""

import re
from collections import Counter
from itertools import combinations

from analysis.codebook import starting_codebook
from app.demo.stories import all_stories


def _codable() -> set[str]:
    names = set()
    for category in starting_codebook()["codes"]:
        names |= {child["name"]["en"] for child in category.get("children", [])}
    return names


def _sentences(text: str) -> set[str]:
    """The sentences of a text long enough that two people would not say them alike."""
    parts = re.split(r"(?<=[.!?])\s+|\n", text)
    return {" ".join(p.split()).strip(' "') for p in parts if len(p.split()) >= 6}


def test_each_story_is_its_own_text():
    stories = all_stories()
    assert len(stories) >= 30
    assert len({s.key for s in stories}) == len(stories)
    texts = [s.text for s in stories]
    assert len(set(texts)) == len(texts)
    memos = [m for s in stories for m in s.memos.values()]
    assert len(set(memos)) == len(memos), "two memos share a section's text"
    said = Counter(sentence for s in stories for sentence in _sentences(s.text))
    assert [x for x, n in said.items() if n > 1] == []
    for a, b in combinations(stories, 2):
        assert not (_sentences(a.text) & _sentences(b.text)), (a.key, b.key)


def test_stories_are_believable_interviews():
    stories = all_stories()
    assert {s.language for s in stories} == {"sv", "da"}
    assert {s.kind for s in stories} == {"memos", "transcript"}
    for story in stories:
        words = len(story.text.split())
        assert 150 <= words <= 400, (story.key, words)
        assert 17 <= story.age <= 22, story.key
        assert 0 <= story.years_ago <= 4 and 1 <= story.month <= 12
        assert story.stage in ("released", "documented", "imported")
        assert story.consent in ("all", "no_quotation", "research_withdrawn")
    assert sum(s.age < 18 for s in stories) == 1
    assert sum(s.consent == "research_withdrawn" for s in stories) == 1
    released = [s for s in stories if s.stage == "released"]
    assert len(released) >= 25
    assert {s.years_ago for s in released} == {0, 1, 2, 3, 4}


def test_every_quote_is_a_passage_of_its_own_story():
    codable, stories = _codable(), all_stories()
    for story in stories:
        if story.stage != "released":
            assert story.codes == [], story.key
            continue
        assert len(story.codes) >= 4, story.key
        quotes = [quote for _name, quote in story.codes]
        for name, quote in story.codes:
            assert name in codable, (story.key, name)
            assert quote and quote in story.text, (story.key, quote)
            assert "\n" not in quote
            others = [s.key for s in stories if s.key != story.key and quote in s.text]
            assert others == [], (story.key, quote, others)
        # a passage coded twice is coded with two codes, never twice with one
        assert len(set(story.codes)) == len(story.codes), story.key
        assert len(quotes) == len(story.codes)
