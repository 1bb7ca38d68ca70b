from analysis.plain_language import long_sentences, sentences


def test_list_items_and_lines_end_sentences():
    text = "Hej!\n\nDet här lärde vi oss:\n- Vi lyssnar mer. Vi ringer oftare.\n"
    assert sentences(text) == [
        "Hej!", "Det här lärde vi oss:", "Vi lyssnar mer.", "Vi ringer oftare."
    ]  # fmt: skip


def test_only_sentences_over_the_limit_are_pointed_out():
    long = " ".join(["ord"] * 16) + "."
    assert long_sentences(f"Kort mening. {long} Också kort.") == [long]
    assert long_sentences(long, limit=16) == []
