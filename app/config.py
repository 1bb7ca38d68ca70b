"""Settings from environment variables and the instance folder.

Every setting has a safe default except the secrets, which are generated into the instance
folder on first start and never have a default in the code. A bad value stops start-up with
a message that names the variable.
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cryptography.fernet import Fernet
from limits import parse_many
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

LANGUAGES = ("sv", "da", "en")


class ConfigError(RuntimeError):
    """A setting is missing or malformed; the message says which and why."""


def _env_int(name: str, default: int, minimum: int = 0, maximum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None
    if value < minimum or (maximum is not None and value > maximum):
        bounds = f"at least {minimum}" + (f" and at most {maximum}" if maximum is not None else "")
        raise ConfigError(f"{name} must be {bounds}, got {value}")
    return value


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name} must be true or false, got {raw!r}")


def _secret_file(path: Path, make) -> str:
    """Read a secret from the instance folder, creating it (mode 0600) on first start."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(make() + "\n")
    return path.read_text().strip()


def database_url(instance_path: Path) -> str:
    """DATABASE_URL normalised to a driver we ship, or the SQLite file in the instance folder."""
    raw = os.environ.get("DATABASE_URL", "").strip()
    if not raw:
        return f"sqlite:///{instance_path / 'redthread.db'}"
    try:
        url = make_url(raw)
    except ArgumentError:
        raise ConfigError(
            "DATABASE_URL is not a database URL (expected sqlite:///path or "
            "postgresql://user:password@host/name)"
        ) from None
    backend = url.get_backend_name()
    if backend == "postgres" or backend == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    elif backend != "sqlite":
        raise ConfigError(f"DATABASE_URL must point to SQLite or PostgreSQL, not {backend!r}")
    return url.render_as_string(hide_password=False)


def data_keys(instance_path: Path) -> list[str]:
    """Fernet keys, newest first: the first encrypts, all of them decrypt (see docs/admin)."""
    raw = os.environ.get("REDTHREAD_DATA_KEYS", "").strip()
    if raw:
        keys = [k.strip() for k in raw.split(",") if k.strip()]
    else:
        text = _secret_file(instance_path / "data_keys", lambda: Fernet.generate_key().decode())
        keys = [line.strip() for line in text.splitlines() if line.strip()]
    for key in keys:
        try:
            Fernet(key)
        except ValueError:
            raise ConfigError(
                "REDTHREAD_DATA_KEYS (or instance/data_keys) holds a value that is not a "
                "Fernet key (32 url-safe base64-encoded bytes)"
            ) from None
    if not keys:
        raise ConfigError("no data-encryption key configured")
    return keys


def two_factor_roles() -> frozenset[str]:
    """REDTHREAD_REQUIRE_2FA_ROLES: the names of the roles that must use two-factor login
    ("none": none). The roles are core's: ``core.security.two_factor_roles`` checks the names
    against them as the app is made, and a name that is no role stops the start."""
    raw = os.environ.get("REDTHREAD_REQUIRE_2FA_ROLES", "").strip().lower()
    if not raw:
        return frozenset({"interviewer", "coordinator", "admin"})  # who sees identities
    if raw == "none":
        return frozenset()
    return frozenset(name.strip() for name in raw.split(",") if name.strip())


def _env_rate_limit(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip() or default
    try:
        parse_many(value)
    except ValueError:
        raise ConfigError(f"{name} must read like '{default}', got {value!r}") from None
    return value


def eligibility_rules() -> dict[str, int]:
    """The eligibility rule parameters (DESIGN.md, "Eligibility"), each one a setting. The
    participants area makes its ``Rules`` of them at app creation (config knows no area)."""
    return {
        "min_placement_months": _env_int("REDTHREAD_MIN_PLACEMENT_MONTHS", 6),
        "offset_months": _env_int("REDTHREAD_OFFER_OFFSET_MONTHS", 24),
        "window_months": _env_int("REDTHREAD_OFFER_WINDOW_MONTHS", 12, minimum=1),
        "min_age": _env_int("REDTHREAD_MIN_AGE", 15),
        "guardian_age": _env_int("REDTHREAD_GUARDIAN_AGE", 18),
    }


def whisper_models() -> dict[str, str]:
    """The speech model set for each interview language: REDTHREAD_WHISPER_MODEL_SV (and _DA,
    _EN); a local folder (or .pt file) or the name of a model installed under
    instance/models, never a hub name. Without one, the model installed for the language is
    used, else REDTHREAD_WHISPER_MODEL (app/transcripts/transcription.py, model_path)."""
    models = {}
    for language in LANGUAGES:
        path = os.environ.get(f"REDTHREAD_WHISPER_MODEL_{language.upper()}", "").strip()
        if path:
            models[language] = path
    return models


def limiter_storage(redis_url: str | None) -> str:
    """Where the rate limits are counted: the queue's Redis, else each process's memory.
    The limits library names a Redis socket ``redis+unix://`` where redis-py says ``unix://``."""
    if not redis_url:
        return "memory://"
    if redis_url.startswith("unix://"):
        return "redis+" + redis_url
    return redis_url


def load(instance_path: Path) -> dict:
    """The settings for one app, read from the environment and the instance folder."""
    instance_path.mkdir(parents=True, exist_ok=True)
    secret = os.environ.get("REDTHREAD_SECRET_KEY", "").strip() or _secret_file(
        instance_path / "secret_key", lambda: secrets.token_hex(32)
    )
    if len(secret) < 32:
        raise ConfigError("REDTHREAD_SECRET_KEY must be at least 32 characters long")
    audit_key = os.environ.get("REDTHREAD_AUDIT_KEY", "").strip() or _secret_file(
        instance_path / "audit_key", lambda: secrets.token_hex(32)
    )
    if len(audit_key) < 32:
        raise ConfigError("REDTHREAD_AUDIT_KEY must be at least 32 characters long")
    lookup_key = os.environ.get("REDTHREAD_LOOKUP_KEY", "").strip() or _secret_file(
        instance_path / "lookup_key", lambda: secrets.token_hex(32)
    )
    if len(lookup_key) < 32:
        raise ConfigError("REDTHREAD_LOOKUP_KEY must be at least 32 characters long")
    idle_minutes = _env_int("REDTHREAD_IDLE_TIMEOUT_MINUTES", 30, minimum=1, maximum=24 * 60)
    max_hours = _env_int("REDTHREAD_SESSION_MAX_HOURS", 12, minimum=1, maximum=7 * 24)
    rate_limit = os.environ.get("REDTHREAD_LOGIN_RATE_LIMIT", "").strip() or "20 per minute"
    try:
        parse_many(rate_limit)
    except ValueError:
        raise ConfigError(
            f"REDTHREAD_LOGIN_RATE_LIMIT must read like '20 per minute', got {rate_limit!r}"
        ) from None
    timezone = os.environ.get("REDTHREAD_TIMEZONE", "").strip() or "Europe/Stockholm"
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"REDTHREAD_TIMEZONE is not a known time zone: {timezone!r}") from None
    target = (
        _env_int("REDTHREAD_INTERVIEWS_PER_YEAR_MIN", 1, minimum=0),
        _env_int("REDTHREAD_INTERVIEWS_PER_YEAR_MAX", 2, minimum=1),
    )
    if target[0] > target[1]:
        raise ConfigError(
            "REDTHREAD_INTERVIEWS_PER_YEAR_MIN cannot be above REDTHREAD_INTERVIEWS_PER_YEAR_MAX"
        )
    default_language = os.environ.get("REDTHREAD_DEFAULT_LANGUAGE", "sv").strip() or "sv"
    if default_language not in LANGUAGES:
        raise ConfigError(f"REDTHREAD_DEFAULT_LANGUAGE must be one of {', '.join(LANGUAGES)}")
    country = os.environ.get("REDTHREAD_COUNTRY", "").strip().upper() or (
        "DK" if default_language == "da" else "SE"
    )
    if country not in ("SE", "DK"):
        raise ConfigError("REDTHREAD_COUNTRY must be SE or DK")
    engine = os.environ.get("REDTHREAD_WHISPER_ENGINE", "").strip() or "faster-whisper"
    if engine not in ("faster-whisper", "openai-whisper"):
        raise ConfigError("REDTHREAD_WHISPER_ENGINE must be faster-whisper or openai-whisper")
    device = os.environ.get("REDTHREAD_WHISPER_DEVICE", "").strip().lower() or "auto"
    if device not in ("auto", "cpu", "cuda"):
        raise ConfigError("REDTHREAD_WHISPER_DEVICE must be auto, cpu or cuda")
    diarization = os.environ.get("REDTHREAD_DIARIZATION", "").strip().lower() or "auto"
    if diarization not in ("auto", "on", "off"):
        raise ConfigError("REDTHREAD_DIARIZATION must be auto, on or off")
    audio_mb = _env_int("REDTHREAD_MAX_AUDIO_MB", 1024, minimum=1)
    upload_mb = _env_int("REDTHREAD_MAX_UPLOAD_MB", 1024, minimum=1)
    return {
        "SECRET_KEY": secret,
        "AUDIT_KEY": audit_key,
        "LOOKUP_KEY": lookup_key,
        "DATA_KEYS": data_keys(instance_path),
        "SQLALCHEMY_DATABASE_URI": database_url(instance_path),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "REDIS_URL": os.environ.get("REDIS_URL", "").strip() or None,
        "MEDIA_ROOT": os.environ.get("REDTHREAD_MEDIA_ROOT") or str(instance_path / "media"),
        "QUEUE_FILE": str(instance_path / "queue.db"),
        "HUEY_IMMEDIATE": False,
        # Uploads are streamed to disk; this caps a whole request (an audio file and its form).
        "MAX_CONTENT_LENGTH": (max(upload_mb, audio_mb) + 1) * 1024 * 1024,
        #: audio: largest file, longest recording, days kept after the transcript is verified
        "AUDIO_MAX_BYTES": audio_mb * 1024 * 1024,
        "AUDIO_MAX_SECONDS": _env_int("REDTHREAD_MAX_AUDIO_MINUTES", 150, minimum=1) * 60,
        "AUDIO_RETENTION_DAYS": _env_int("REDTHREAD_AUDIO_RETENTION_DAYS", 30, minimum=0),
        #: transcript files (.txt, .docx, .vtt, .srt) brought in by hand
        "TRANSCRIPT_MAX_BYTES": _env_int("REDTHREAD_MAX_TRANSCRIPT_MB", 10, minimum=1) * 1024**2,
        #: speech to text: engine, model per language, CPU threads (0: all), batch, beam
        "WHISPER_ENGINE": engine,
        "WHISPER_DEVICE": device,
        #: speaker labels: auto (where the diarization extra is installed), on, off
        "DIARIZATION": diarization,
        "WHISPER_MODELS": whisper_models(),
        "WHISPER_MODEL_FALLBACK": os.environ.get("REDTHREAD_WHISPER_MODEL", "").strip() or None,
        "WHISPER_THREADS": _env_int("REDTHREAD_WHISPER_THREADS", 0, minimum=0),
        "WHISPER_BATCH_SIZE": _env_int("REDTHREAD_WHISPER_BATCH_SIZE", 0, minimum=0),
        "WHISPER_BEAM_SIZE": _env_int("REDTHREAD_WHISPER_BEAM_SIZE", 1, minimum=1, maximum=10),
        #: a recording is decoded and transcribed this many seconds at a time
        "WHISPER_PIECE_SECONDS": _env_int("REDTHREAD_WHISPER_PIECE_MINUTES", 3, minimum=1) * 60,
        "MAX_FORM_MEMORY_SIZE": _env_int("REDTHREAD_MAX_FORM_KB", 512, minimum=16) * 1024,
        # The cookie outlives the idle timeout so that the server can say the session expired.
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=max_hours),
        "SESSION_MAX_AGE": timedelta(hours=max_hours),
        "IDLE_TIMEOUT": timedelta(minutes=idle_minutes),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_NAME": "redthread_session",
        "FORCE_SECURE_COOKIES": _env_bool("REDTHREAD_SECURE_COOKIES", False),
        "PROXY_COUNT": _env_int("REDTHREAD_PROXY_COUNT", 0, minimum=0, maximum=5),
        "LOGIN_LOCK_AFTER": _env_int("REDTHREAD_LOGIN_LOCK_AFTER", 5, minimum=1),
        "LOGIN_LOCK_MINUTES": _env_int("REDTHREAD_LOGIN_LOCK_MINUTES", 15, minimum=1),
        "LOGIN_RATE_LIMIT": rate_limit,
        #: uploads of files (audio, transcripts, registers, scans, REFI-QDA), per user
        "UPLOAD_RATE_LIMIT": _env_rate_limit("REDTHREAD_UPLOAD_RATE_LIMIT", "30 per hour"),
        #: roles whose users must log in with a second factor (TOTP)
        "REQUIRE_2FA_ROLES": two_factor_roles(),
        #: the name the authenticator app shows beside the codes
        "TWO_FACTOR_ISSUER": os.environ.get("REDTHREAD_TWO_FACTOR_ISSUER", "").strip()[:60]
        or "Red Thread",
        "RATELIMIT_STORAGE_URI": limiter_storage(os.environ.get("REDIS_URL", "").strip()),
        # While Redis cannot be reached the limits are counted in each process, not dropped,
        # and a login does not fail for it; bounded waits keep a request from hanging.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_STORAGE_OPTIONS": {"socket_connect_timeout": 3, "socket_timeout": 3},
        "RATELIMIT_HEADERS_ENABLED": True,
        "BABEL_DEFAULT_LOCALE": default_language,
        #: where phone numbers without a country code belong
        "COUNTRY": country,
        "BABEL_DEFAULT_TIMEZONE": timezone,
        "LANGUAGES": LANGUAGES,
        "ELIGIBILITY_RULES": eligibility_rules(),
        #: interviews a year each interviewer is expected to do: (at least, at most)
        "INTERVIEW_TARGET": target,
        #: weeks between two case reviews with the same interviewer
        "CASE_REVIEW_WEEKS": _env_int("REDTHREAD_CASE_REVIEW_WEEKS", 6, minimum=1),
        #: days after an interview by which it should be documented (the case review asks)
        "CASE_REVIEW_DOCUMENT_DAYS": _env_int("REDTHREAD_CASE_REVIEW_DOCUMENT_DAYS", 14, minimum=1),
        #: whom a young person contacts about their consent; printed on forms and receipts
        "CONSENT_CONTACT": os.environ.get("REDTHREAD_CONSENT_CONTACT", "").strip()[:300],
        #: folder of pg_dump, pg_restore and psql; empty: found on PATH or in the usual places
        "PG_BIN": os.environ.get("REDTHREAD_PG_BIN", "").strip(),
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session, which idles out
    }
