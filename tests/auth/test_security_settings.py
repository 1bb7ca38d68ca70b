import os

import pytest

from app import config
from app.config import ConfigError
from app.core.users import Role


@pytest.fixture
def clean_env(monkeypatch):
    for name in list(os.environ):
        if name.startswith("REDTHREAD_") or name in {"DATABASE_URL", "REDIS_URL"}:
            monkeypatch.delenv(name)
    return monkeypatch


def test_two_factor_is_required_for_identity_roles_by_default(clean_env, tmp_path):
    settings = config.load(tmp_path)
    assert settings["REQUIRE_2FA_ROLES"] == {Role.INTERVIEWER, Role.COORDINATOR, Role.ADMIN}
    assert settings["UPLOAD_RATE_LIMIT"] == "30 per hour"
    assert settings["TWO_FACTOR_ISSUER"] == "Red Thread"


@pytest.mark.parametrize(
    ("value", "roles"),
    [
        ("none", set()),
        ("NONE", set()),
        ("admin", {Role.ADMIN}),
        (" researcher , admin ,", {Role.RESEARCHER, Role.ADMIN}),
    ],
)
def test_two_factor_roles_setting(clean_env, tmp_path, value, roles):
    clean_env.setenv("REDTHREAD_REQUIRE_2FA_ROLES", value)
    assert config.load(tmp_path)["REQUIRE_2FA_ROLES"] == roles


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("REDTHREAD_UPLOAD_RATE_LIMIT", "lots", "must read like '30 per hour'"),
    ],
)
def test_bad_security_settings_stop_start_up(clean_env, tmp_path, name, value, message):
    clean_env.setenv(name, value)
    with pytest.raises(ConfigError, match=message):
        config.load(tmp_path)


def test_a_two_factor_role_that_is_no_role_stops_start_up(clean_env, tmp_path, app_factory):
    # The settings read the names; the roles are core's, which checks them as the app is made.
    clean_env.setenv("REDTHREAD_REQUIRE_2FA_ROLES", "admin,boss")
    names = config.load(tmp_path)["REQUIRE_2FA_ROLES"]
    with pytest.raises(ConfigError, match="got boss"):
        app_factory(REQUIRE_2FA_ROLES=names)
