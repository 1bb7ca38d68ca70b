"""The consent scopes, and what each one lets the platform do."""

from enum import StrEnum

from flask_babel import lazy_gettext as _l


class Scope(StrEnum):
    PARTICIPATION = "participation"
    AUDIO_RECORDING = "audio_recording"
    AUTOMATED_TRANSCRIPTION = "automated_transcription"
    RESEARCH_USE = "research_use"
    QUOTATION = "quotation"
    #: a choice of its own: a plain-language letter after the annual review (reciprocity)
    HEAR_BACK = "hear_back"

    @property
    def label(self):
        return SCOPE_LABELS[self]


SCOPE_LABELS = {
    Scope.PARTICIPATION: _l("Taking part"),
    Scope.AUDIO_RECORDING: _l("Audio recording"),
    Scope.AUTOMATED_TRANSCRIPTION: _l("Automated transcription"),
    Scope.RESEARCH_USE: _l("Research use"),
    Scope.QUOTATION: _l("Quotation in the review"),
    Scope.HEAR_BACK: _l("Hearing back from the team"),
}


def scope_label(value: str):
    """The label of a scope stored as text (unknown values are shown as they are)."""
    try:
        return Scope(value).label
    except ValueError:
        return value
