"""Speaker turns joined with Whisper's words, and voices followed across pieces."""

import numpy as np

from analysis import speakers
from analysis.speakers import TimedWord, Turn, Voices


def words(*timed):
    return [TimedWord(start, end, text) for start, end, text in timed]


def test_a_segment_is_cut_where_the_speaker_changes():
    turns = [Turn(0.0, 2.0, 1), Turn(2.1, 5.0, 2)]
    said = words((0.1, 0.5, "How"), (0.5, 0.9, "are"), (0.9, 1.8, "you?"),
                 (2.2, 2.6, "Fine,"), (2.6, 3.0, "thanks."))  # fmt: skip
    runs = speakers.label_words(0.0, 3.2, "How are you? Fine, thanks.", said, turns)
    assert [(r.text, r.speaker) for r in runs] == [("How are you?", 1), ("Fine, thanks.", 2)]
    assert runs[0].start == 0.0 and runs[-1].end == 3.2 and runs[1].start == 2.2


def test_a_word_between_turns_goes_to_the_nearest_or_stays_with_the_last():
    turns = [Turn(0.0, 1.0, 1), Turn(3.0, 4.0, 2)]
    said = words((0.2, 0.8, "Yes"), (1.3, 1.6, "well"), (2.2, 2.4, "so"), (3.1, 3.5, "No"))
    runs = speakers.label_words(0.0, 4.0, "Yes well so No", said, turns)
    assert [(r.text, r.speaker) for r in runs] == [("Yes well", 1), ("so No", 2)]


def test_without_turns_or_words_the_segment_stays_whole():
    assert speakers.label_words(0, 1, "Hi", [], [])[0].speaker is None
    runs = speakers.label_words(0.0, 2.0, "Hello there", [], [Turn(0.5, 2.0, 3)])
    assert [(r.text, r.speaker) for r in runs] == [("Hello there", 3)]


def test_keys_and_numbers():
    assert speakers.key(2) == "speaker_2" and speakers.key(None) is None
    assert speakers.number("speaker_12") == 12
    assert speakers.number("interviewer") is None and speakers.number("speaker_x") is None


def test_voices_keep_their_numbers_from_piece_to_piece():
    rng = np.random.default_rng(1)
    alto, bass = rng.normal(size=192), rng.normal(size=192)
    voices = Voices()
    assert voices.match({1: alto, 2: bass}, {1: 30.0, 2: 20.0}) == {1: 1, 2: 2}
    # The next piece numbers them the other way round, and a third voice joins.
    third = rng.normal(size=192)
    noisy = {1: bass + rng.normal(scale=0.3, size=192), 2: alto + rng.normal(scale=0.3, size=192),
             3: third}  # fmt: skip
    assert voices.match(noisy, {1: 10.0, 2: 40.0, 3: 5.0}) == {1: 2, 2: 1, 3: 3}
    again = Voices(**voices.saved())  # what a resumed job reads back
    assert again.match({7: third}, {7: 3.0}) == {7: 3}


def test_two_local_speakers_never_become_one():
    rng = np.random.default_rng(2)
    voice = rng.normal(size=64)
    voices = Voices([voice])
    mapping = voices.match({1: voice, 2: voice + rng.normal(scale=0.01, size=64)}, {1: 5, 2: 1})
    assert mapping == {1: 1, 2: 2}
