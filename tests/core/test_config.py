import os
import stat

import pytest

from app import config
from app.config import ConfigError


@pytest.fixture
def clean_env(monkeypatch):
    for name in list(os.environ):
        if name.startswith("REDTHREAD_") or name in {"DATABASE_URL", "REDIS_URL"}:
            monkeypatch.delenv(name)
    return monkeypatch


def test_secrets_are_generated_once_and_private(clean_env, tmp_path):
    first = config.load(tmp_path)
    second = config.load(tmp_path)
    assert first["SECRET_KEY"] == second["SECRET_KEY"]
    assert len(first["SECRET_KEY"]) >= 32
    assert first["DATA_KEYS"] == second["DATA_KEYS"]
    assert first["AUDIT_KEY"] == second["AUDIT_KEY"] != first["SECRET_KEY"]
    for name in ("secret_key", "data_keys", "audit_key"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600
    assert first["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'redthread.db'}"
    assert config.load(tmp_path / "other")["SECRET_KEY"] != first["SECRET_KEY"]


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("DATABASE_URL", "not a url", "DATABASE_URL is not a database URL"),
        ("DATABASE_URL", "mysql://u:p@localhost/x", "SQLite or PostgreSQL"),
        ("REDTHREAD_IDLE_TIMEOUT_MINUTES", "soon", "must be a whole number"),
        ("REDTHREAD_IDLE_TIMEOUT_MINUTES", "0", "at least 1"),
        ("REDTHREAD_MAX_UPLOAD_MB", "-5", "at least 1"),
        ("REDTHREAD_SECURE_COOKIES", "maybe", "true or false"),
        ("REDTHREAD_SECRET_KEY", "short", "at least 32 characters"),
        ("REDTHREAD_DATA_KEYS", "not-a-key", "not a Fernet key"),
        ("REDTHREAD_DEFAULT_LANGUAGE", "de", "must be one of sv, da, en"),
        ("REDTHREAD_WHISPER_DEVICE", "gpu", "must be auto, cpu or cuda"),
        ("REDTHREAD_LOGIN_RATE_LIMIT", "20 a minute", "must read like"),
        ("REDTHREAD_TIMEZONE", "Mars/Olympus", "not a known time zone"),
    ],
)
def test_bad_settings_stop_start_up_with_a_clear_message(clean_env, tmp_path, name, value, message):
    clean_env.setenv(name, value)
    with pytest.raises(ConfigError, match=message):
        config.load(tmp_path)


def test_postgres_urls_use_psycopg(clean_env, tmp_path):
    clean_env.setenv("DATABASE_URL", "postgres://red:pw@127.0.0.1:5432/redthread")
    url = config.load(tmp_path)["SQLALCHEMY_DATABASE_URI"]
    assert url == "postgresql+psycopg://red:pw@127.0.0.1:5432/redthread"


def test_cli_reports_a_bad_setting(clean_env, tmp_path):
    import subprocess
    import sys

    env = {**os.environ, "DATABASE_URL": "mysql://x/y", "FLASK_APP": ""}
    result = subprocess.run(
        [sys.executable, "-c", "from app.cli import main; main()", "audit", "verify"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 2
    assert "configuration error: DATABASE_URL must point to SQLite or PostgreSQL" in result.stderr
