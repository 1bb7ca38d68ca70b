"""What the areas register at app creation for the layers below them (issue 26): the
consent cascade, the permission checks, the restore's erasure replay and the eligibility
rules. A registration that went missing would fail quietly (a withdrawal that erases less,
a restore that brings erased people back), so each one is checked here by name."""

import pytest

from app.consent import gate
from app.consent import services as consent
from app.consent.scopes import Scope
from app.core import permissions, restore
from app.participants.eligibility import Rules


def _names(scope: Scope) -> list[str]:
    return [f"{e.__module__}.{e.__name__}" for e in consent.effects(scope)]


def test_each_scope_withdrawn_runs_the_areas_effects_in_order(app):
    assert _names(Scope.PARTICIPATION) == [
        "app.privacy.withdrawal.erase_derived",  # reads the releases the next one deletes
        "app.releases.services.erase_for_withdrawal",
        "app.transcripts.versions.erase_for_withdrawal",
        "app.interviews.services.erase_content",
    ]
    assert _names(Scope.AUDIO_RECORDING) == [
        "app.transcripts.recordings.destroy_for_withdrawal",
        "app.transcripts.transcription.stop_for_withdrawal",
    ]
    assert _names(Scope.AUTOMATED_TRANSCRIPTION) == [
        "app.transcripts.transcription.stop_for_withdrawal"
    ]
    assert _names(Scope.QUOTATION) == ["app.reviews.packs.destroy_for_withdrawal"]
    assert _names(Scope.RESEARCH_USE) == []


def test_a_second_app_registers_nothing_twice(app_factory):
    app_factory()
    assert len(consent.effects(Scope.PARTICIPATION)) == 4


def test_the_permission_rules_ask_the_areas(app):
    assert permissions.CHECKS["assigned"].__module__ == "app.offers.services"
    assert permissions.CHECKS["in_a_review_session"].__module__ == "app.reviews.sessions"


def test_a_restore_erases_again_through_the_privacy_area(app):
    assert [f.__module__ for f in restore._REPLAY] == ["app.privacy.erasure"]


def test_the_eligibility_settings_become_the_participants_rules(app):
    assert isinstance(app.config["ELIGIBILITY_RULES"], Rules)
    assert app.config["ELIGIBILITY_RULES"] == Rules()


def test_consent_is_given_for_the_interviews_areas_interview(app):
    # the gate's SQL and its guardian stamps name the model the interviews area registers
    from app.interviews.models import Interview

    assert gate.subject() is Interview


def test_the_register_reads_follow_ups_and_assignments_from_the_offers_area(app):
    from app.offers import reports
    from app.participants.follow_ups import follow_ups

    registered = follow_ups()
    assert registered.of is reports.follow_up and registered.stages is reports.Stage
    assert registered.assigned_ids.__module__ == "app.offers.services"


def test_the_follow_up_lists_read_what_the_interviews_area_registers(app):
    from app.offers import reports
    from app.offers import routes as offer_pages

    assert offer_pages.PANELS["open_flags"].__module__ == "app.interviews.services"
    assert len(reports._interview_loading) == 1


def test_a_restore_without_the_replay_refuses_before_it_opens_anything(app, monkeypatch, tmp_path):
    monkeypatch.setattr(restore, "_REPLAY", [])
    with pytest.raises(RuntimeError, match="no erasure replay"):
        restore.restore_backup(tmp_path / "missing.rtb", b"k" * 32)
