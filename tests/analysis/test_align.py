"""Matching a source to a transcript that is nearly the same, and carrying spans across."""

from analysis.refiqda.align import Alignment, Fingerprint, similarity

TEXT = ("Jag bodde hos min fostermamma i tre år.\nHon lyssnade alltid på mig, "
        "också när jag var arg.\nSocialsekreteraren bytte ofta.")  # fmt: skip


def test_similarity_is_one_for_the_same_text_and_small_for_another():
    assert similarity(Fingerprint(TEXT), Fingerprint(TEXT)) == 1.0
    other = "Ett helt annat samtal om skolan och vännerna där."
    assert similarity(Fingerprint(TEXT), Fingerprint(other)) == 0.0
    changed = TEXT.replace("fostermamma", "[Fosterförälder 1]")
    assert 0.6 < similarity(Fingerprint(TEXT), Fingerprint(changed)) < 1.0


def test_a_span_follows_its_words_into_the_changed_text():
    target = "Inledning.\n" + TEXT.replace("fostermamma", "[Fosterförälder 1]")
    aligned = Alignment(TEXT, target)
    for words in ("Hon lyssnade alltid på mig,", "arg.", "bytte ofta", "tre år"):
        start = TEXT.index(words)
        span = aligned.span(start, start + len(words))
        assert target[span[0] : span[1]] == words
    # a passage inside a word, and one mostly of words the target no longer has
    start = TEXT.index("lyssnade") + 2
    span = aligned.span(start, start + 4)
    assert target[span[0] : span[1]] == "ssna"
    start = TEXT.index("min fostermamma")
    assert aligned.span(start, start + len("min fostermamma")) is not None
    assert aligned.span(TEXT.index("fostermamma"), TEXT.index(" i tre")) is None
