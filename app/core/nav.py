"""Navigation by role: an entry shows when the user may perform its permission.

Entries are grouped by the work they belong to, so that the menu stays short for every role:
a group shows only when the user has an entry in it, and a group of one is a plain link.
"""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from app.core.permissions import can


@dataclass(frozen=True)
class NavEntry:
    endpoint: str
    label: object
    permission: str


@dataclass(frozen=True)
class NavGroup:
    #: stable key, used for element ids
    key: str
    label: object
    entries: tuple[NavEntry, ...]


#: In menu order. Later areas add their entries to the group their work belongs to.
GROUPS = (
    NavGroup(
        "follow-up",
        _l("Follow-up"),
        (
            NavEntry("main.home", _l("Overview"), "home.view"),
            NavEntry("offers.dashboard", _l("Deadlines and offers"), "offers.manage"),
            NavEntry("participants.register", _l("Register"), "participants.register"),
            NavEntry("participants.mine", _l("My participants"), "participants.mine"),
            NavEntry("offers.attrition", _l("Attrition"), "offers.manage"),
            NavEntry("casereview.index", _l("Case reviews"), "casereview.manage"),
            NavEntry("casereview.mine", _l("My case reviews"), "casereview.mine"),
            NavEntry("casereview.calendar", _l("My calendar"), "calendar.manage"),
        ),
    ),
    NavGroup(
        "interviews",
        _l("Interviews"),
        (
            NavEntry("interviews.index", _l("Interview list"), "interviews.list"),
            NavEntry("interviews.flags", _l("Ethics flags"), "flags.manage"),
            NavEntry("consent.overview", _l("Consent"), "consent.overview"),
            NavEntry("consent.forms", _l("Consent forms"), "consent.forms"),
            NavEntry("transcripts.retention", _l("Audio retention"), "transcripts.retention"),
            NavEntry("guides.index", _l("Interview guides"), "guides.view"),
        ),
    ),
    NavGroup(
        "analysis",
        _l("Analysis"),
        (
            NavEntry("releases.research", _l("Released transcripts"), "research.read"),
            NavEntry("workspace.index", _l("Coding"), "coding.work"),
            NavEntry("codebook.index", _l("Codebook"), "coding.work"),
            NavEntry("workspace.retrieve", _l("Coded passages"), "coding.work"),
            NavEntry("themes.index", _l("Themes"), "themes.view"),
        ),
    ),
    NavGroup(
        "review",
        _l("Review"),
        (
            NavEntry("reviews.index", _l("Review sessions"), "reviews.view"),
            NavEntry("reviews.board", _l("Actions"), "reviews.view"),
            NavEntry("goals.index", _l("Goals and guidelines"), "goals.view"),
            NavEntry("casereview.statuses", _l("Case review statuses"), "casereview.statuses"),
        ),
    ),
    NavGroup(
        "administration",
        _l("Administration"),
        (
            NavEntry("admin.users", _l("Users"), "admin.users"),
            NavEntry("admin.audit_log", _l("Audit log"), "admin.audit"),
            NavEntry("admin.jobs", _l("Background jobs"), "admin.jobs"),
            NavEntry("transcripts.speech_models", _l("Speech models"), "admin.speech_models"),
            NavEntry("privacy.find", _l("Erasure"), "privacy.erase"),
        ),
    ),
)

#: Every entry, in menu order.
ENTRIES = [entry for group in GROUPS for entry in group.entries]


def navigation(user) -> list[NavEntry]:
    """The entries the user may open, in menu order, without their groups."""
    return [entry for entry in ENTRIES if can(user, entry.permission)]


def menu(user) -> list[NavGroup]:
    """The groups the user has entries in, each holding only those entries."""
    shown = []
    for group in GROUPS:
        entries = tuple(entry for entry in group.entries if can(user, entry.permission))
        if entries:
            shown.append(NavGroup(group.key, group.label, entries))
    return shown
