"""Navigation by role: an entry shows when the user may perform its permission."""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from app.core.permissions import can


@dataclass(frozen=True)
class NavEntry:
    endpoint: str
    label: object
    permission: str


#: In menu order. Later areas add their entries here.
ENTRIES = [
    NavEntry("main.home", _l("Overview"), "home.view"),
    NavEntry("offers.dashboard", _l("Follow-up"), "offers.manage"),
    NavEntry("participants.register", _l("Register"), "participants.register"),
    NavEntry("participants.mine", _l("My participants"), "participants.mine"),
    NavEntry("offers.attrition", _l("Attrition"), "offers.manage"),
    NavEntry("interviews.index", _l("Interviews"), "interviews.list"),
    NavEntry("interviews.flags", _l("Ethics flags"), "flags.manage"),
    NavEntry("consent.overview", _l("Consent"), "consent.overview"),
    NavEntry("consent.forms", _l("Consent forms"), "consent.forms"),
    NavEntry("transcripts.retention", _l("Audio retention"), "transcripts.retention"),
    NavEntry("releases.research", _l("Released transcripts"), "research.read"),
    NavEntry("coding.index", _l("Coding"), "coding.work"),
    NavEntry("coding.codebook", _l("Codebook"), "coding.work"),
    NavEntry("coding.retrieve", _l("Coded passages"), "coding.work"),
    NavEntry("themes.index", _l("Themes"), "themes.view"),
    NavEntry("reviews.index", _l("Review sessions"), "reviews.view"),
    NavEntry("reviews.board", _l("Actions"), "reviews.view"),
    NavEntry("guides.index", _l("Interview guides"), "guides.view"),
    NavEntry("admin.users", _l("Users"), "admin.users"),
    NavEntry("admin.audit_log", _l("Audit log"), "admin.audit"),
    NavEntry("admin.jobs", _l("Background jobs"), "admin.jobs"),
    NavEntry("transcripts.speech_models", _l("Speech models"), "admin.speech_models"),
    NavEntry("privacy.find", _l("Erasure"), "privacy.erase"),
]


def navigation(user) -> list[NavEntry]:
    return [entry for entry in ENTRIES if can(user, entry.permission)]
