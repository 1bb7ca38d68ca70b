"""One permission vocabulary for the whole application.

Every view declares the action it performs with ``@permission("area.action")`` or says it is
``@public``. One ``before_request`` hook enforces the declaration, so a view that declares
nothing is refused for everyone, and the route × role test lists what each role may reach.
Services call ``can()``/``authorize()`` again with the object they act on.
"""

from collections.abc import Callable

from flask import abort, current_app, request
from flask_login import current_user

from app.core.users import Role

PUBLIC = "public"

Rule = Callable[[object, object | None], bool]

#: what a rule asks of the area that knows the answer (core knows no area): name -> check.
#: The areas register theirs at app creation (``register_check``).
CHECKS: dict[str, Callable[..., bool]] = {}


def register_check(name: str, check: Callable[..., bool]) -> None:
    """Let the rules ask ``check`` for ``name``; an area calls this as the app takes its
    blueprint (``bp.record_once``)."""
    CHECKS[name] = check


def roles(*allowed: Role) -> Rule:
    def rule(user, obj=None) -> bool:
        return user.has_role(*allowed)

    rule.roles = frozenset(allowed)
    return rule


def signed_in(user, obj=None) -> bool:
    return True


signed_in.roles = frozenset(Role)


def assigned_participant(user, participant=None) -> bool:
    """Coordinators see every participant; an interviewer only those assigned to them."""
    if user.has_role(Role.COORDINATOR):
        return True
    if not user.has_role(Role.INTERVIEWER):
        return False
    if participant is None:  # the route: the service checks the participant itself
        return True
    return CHECKS["assigned"](user, participant)


assigned_participant.roles = frozenset({Role.COORDINATOR, Role.INTERVIEWER})


def booking(user, offer=None) -> bool:
    """The coordinator books any accepted offer; an interviewer the ones assigned to them."""
    if user.has_role(Role.COORDINATOR):
        return True
    if not user.has_role(Role.INTERVIEWER):
        return False
    return offer is None or offer.interviewer_id == user.id


booking.roles = frozenset({Role.COORDINATOR, Role.INTERVIEWER})


def own_interview(user, interview=None) -> bool:
    """Only the interviewer who holds the interview works on its content."""
    if not user.has_role(Role.INTERVIEWER):
        return False
    return interview is None or interview.interviewer_id == user.id


own_interview.roles = frozenset({Role.INTERVIEWER})


def consent_keeper(user, interview=None) -> bool:
    """The coordinator keeps every interview's consent; an interviewer their own."""
    if user.has_role(Role.COORDINATOR):
        return True
    return own_interview(user, interview)


consent_keeper.roles = frozenset({Role.COORDINATOR, Role.INTERVIEWER})


def review_group(user, session=None) -> bool:
    """The coordinator takes part in every review session; a member only in their own."""
    if user.has_role(Role.COORDINATOR):
        return True
    if not user.has_role(Role.REVIEW_MEMBER):
        return False
    return session is None or any(m.id == user.id for m in session.members)


review_group.roles = frozenset({Role.COORDINATOR, Role.REVIEW_MEMBER})


def theme_reader(user, obj=None) -> bool:
    """Those who code see the themes; a review member once they belong to a session."""
    if user.has_role(Role.RESEARCHER, Role.COORDINATOR):
        return True
    if not user.has_role(Role.REVIEW_MEMBER):
        return False
    return CHECKS["in_a_review_session"](user)


theme_reader.roles = frozenset({Role.RESEARCHER, Role.COORDINATOR, Role.REVIEW_MEMBER})

#: action -> rule(user, obj). Later areas add their actions here, one line each.
RULES: dict[str, Rule] = {
    "home.view": signed_in,
    "account.manage": signed_in,
    "admin.users": roles(Role.ADMIN),
    "admin.audit": roles(Role.ADMIN),
    "admin.jobs": roles(Role.ADMIN),
    "admin.speech_models": roles(Role.ADMIN),
    "participants.register": roles(Role.COORDINATOR),
    "participants.view": assigned_participant,
    "participants.mine": roles(Role.INTERVIEWER),
    "offers.manage": roles(Role.COORDINATOR),
    "guides.view": roles(Role.INTERVIEWER, Role.COORDINATOR),
    "interviews.book": booking,
    "interviews.conduct": own_interview,
    "interviews.list": roles(Role.INTERVIEWER, Role.COORDINATOR),
    "flags.manage": roles(Role.COORDINATOR),
    "consent.view": consent_keeper,
    "consent.record": consent_keeper,
    "consent.withdraw": consent_keeper,
    "consent.overview": roles(Role.COORDINATOR),
    "consent.forms": roles(Role.INTERVIEWER, Role.COORDINATOR),
    "consent.publish": roles(Role.COORDINATOR),
    "transcripts.work": own_interview,
    "transcripts.retention": roles(Role.COORDINATOR),
    "releases.review": own_interview,
    "research.read": roles(Role.RESEARCHER),
    "releases.view": roles(Role.INTERVIEWER, Role.RESEARCHER),
    "coding.work": roles(Role.RESEARCHER, Role.COORDINATOR),
    "codebook.manage": roles(Role.RESEARCHER, Role.COORDINATOR),
    "rounds.manage": roles(Role.RESEARCHER, Role.COORDINATOR),
    "privacy.access": roles(Role.COORDINATOR),
    "privacy.erase": roles(Role.COORDINATOR, Role.ADMIN),
    "themes.view": theme_reader,
    "themes.manage": roles(Role.RESEARCHER, Role.COORDINATOR),
    "reviews.view": review_group,
    "reviews.write": review_group,
    "reviews.manage": roles(Role.COORDINATOR),
    # The red thread: the whole team reads the goals and their evidence (aggregated and
    # suppressed); the head of unit and the coordinator keep them. Quotes are released text:
    # only the coordinator, who codes the releases, reads them; never the head of unit.
    "goals.view": roles(Role.INTERVIEWER, Role.COORDINATOR, Role.REVIEW_MEMBER, Role.LEADER),
    "goals.edit": roles(Role.COORDINATOR, Role.LEADER),
    "goals.quotes": roles(Role.COORDINATOR),
    "letters.manage": roles(Role.COORDINATOR),
    # Case reviews: the coordinator runs them; an interviewer opens their own (the services
    # check the review); the head of unit reads the statuses, which name nobody.
    "casereview.manage": roles(Role.COORDINATOR),
    "casereview.view": roles(Role.INTERVIEWER, Role.COORDINATOR),
    "casereview.mine": roles(Role.INTERVIEWER),
    "casereview.statuses": roles(Role.COORDINATOR, Role.LEADER),
    "calendar.manage": signed_in,
    "goals.evaluate": roles(Role.COORDINATOR, Role.REVIEW_MEMBER),
    "leadership.view": roles(Role.LEADER, Role.COORDINATOR),
}


def can(user, action: str, obj=None) -> bool:
    """Whether ``user`` may perform ``action`` (on ``obj`` where the rule looks at it)."""
    if action == PUBLIC:
        return True
    rule = RULES.get(action)
    if rule is None:
        raise KeyError(f"unknown permission {action!r}")
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return rule(user, obj)


class PermissionDenied(Exception):
    """A service refused an action the actor may not perform."""

    def __init__(self, action: str):
        super().__init__(action)
        self.action = action


def authorize(user, action: str, obj=None) -> None:
    """Raise PermissionDenied unless ``user`` may perform ``action``; for services."""
    if not can(user, action, obj):
        raise PermissionDenied(action)


def permission(action: str):
    """Declare the action a view performs; enforced by ``enforce`` before the view runs."""
    if action != PUBLIC and action not in RULES:
        raise KeyError(f"unknown permission {action!r}")

    def decorate(view):
        view.permission = action
        return view

    return decorate


public = permission(PUBLIC)


def required_permission(endpoint: str | None) -> str | None:
    """The action declared by the view behind ``endpoint``; None if it declares none."""
    if endpoint is None:
        return None
    if endpoint == "static" or endpoint.endswith(".static"):
        return PUBLIC
    view = current_app.view_functions.get(endpoint)
    return getattr(view, "permission", None)


def enforce():
    """before_request: refuse undeclared views, send anonymous users to log in, else 403."""
    from app.core import audit  # audit imports users; keep this module import-light

    if request.endpoint is None:  # 404 and 405 are answered by the router
        return None
    action = required_permission(request.endpoint)
    if action is None:
        current_app.logger.error("view %s declares no permission; refused", request.endpoint)
        abort(403)
    if action == PUBLIC:
        return None
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if not can(current_user, action):
        audit.record_denial(current_user, action, request.path)
        abort(403)
    return None
