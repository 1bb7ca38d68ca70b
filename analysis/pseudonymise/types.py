"""What the detector returns, and the labels and languages it knows."""

from dataclasses import dataclass

LABELS = ("PERSON", "LOCATION", "ORG", "ID_NUMBER", "PHONE", "EMAIL", "DATE")
#: a trained pipeline used when installed, per language
TRAINED = {"sv": "sv_core_news_sm", "da": "da_core_news_sm", "en": "en_core_web_sm"}
REGION = {"sv": "SE", "da": "DK", "en": "GB"}


@dataclass(frozen=True, order=True)
class Detection:
    start: int
    end: int
    label: str
    text: str
    #: why it was found: "pattern", "register", "context" (the words around it, see
    #: ``analysis.pseudonymise.cues``), "list", "model" or "candidate"
    source: str = "list"
