"""Names shown with a transcript: speakers (the words people write for them, the labels,
the diarizer's numbered speakers not yet named) and the language Whisper heard.
"""

from flask import current_app
from flask_babel import force_locale

from analysis import speakers
from analysis import transcripts as formats
from app.transcripts.models import (
    SPEAKER_LABELS,
    Transcript,
    speaker_label,
)


def speaker_words() -> dict[str, str]:
    """What people write for each speaker ("IP:", "Ungt menneske:", "Interviewer (I):") and
    the speaker names in every interface language, lowercased -> key."""
    labels = {}
    for language in current_app.config["LANGUAGES"]:
        with force_locale(language):
            for speaker, label in SPEAKER_LABELS.items():
                labels[str(label)] = speaker.value
    return formats.speaker_word_map(labels)


def speaker_names(transcript: Transcript | None = None) -> dict[str, str]:
    """Speaker key -> label, with the numbered speakers of ``transcript`` not yet named."""
    names = {speaker.value: str(label) for speaker, label in SPEAKER_LABELS.items()}
    for key in unnamed_speakers(transcript) if transcript is not None else []:
        names[key] = str(speaker_label(key))
    return names


def language_name(code: str | None) -> str | None:
    """A language named in the reader's language ("svenska", "Swedish", "latin")."""
    if not code:
        return None
    from babel import Locale, UnknownLocaleError
    from flask_babel import get_locale

    try:
        return Locale.parse(code).get_display_name(get_locale())
    except (ValueError, UnknownLocaleError):
        return code


def heard_language(transcript: Transcript) -> str | None:
    """The language Whisper heard, named in the reader's language."""
    return language_name(transcript.detected_language)


def unnamed_speakers(transcript: Transcript) -> list[str]:
    """The diarizer's numbered speakers ("speaker_1", ...) still in the transcript, in order."""
    found = {s.speaker for s in transcript.segments if speakers.number(s.speaker) is not None}
    return sorted(found, key=speakers.number)
