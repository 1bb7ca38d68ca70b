"""What the detector returns."""

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Detection:
    start: int
    end: int
    label: str
    text: str
    #: why it was found: "pattern", "register", "context" (the words around it, see
    #: ``analysis.pseudonymise.cues``), "list", "model" or "candidate"
    source: str = "list"
