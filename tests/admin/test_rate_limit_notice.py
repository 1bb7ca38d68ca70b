"""Where the rate limits are counted: shared through Redis when REDIS_URL is set, else in
each web process, which the users page says honestly."""

import os

from app import config
from app.core.users import Role

NOTICE = "each web worker process counts on its own"


def test_the_users_page_says_the_limits_are_counted_per_process(client, auth):
    auth.login(Role.ADMIN)
    page = client.get("/admin/users").get_data(as_text=True)
    assert NOTICE in page
    assert "20 per minute" in page
    assert "REDIS_URL" in page


def test_the_limit_reads_in_the_readers_language(app, client, auth, make_user):
    """The setting's words are English ("20 per minute"); a Swedish page says it in Swedish."""
    auth.login(user=make_user(roles=[Role.ADMIN], language="sv"))
    page = client.get("/admin/users").get_data(as_text=True)
    assert "20 per minut," in page and "per minute" not in page
    app.config["LOGIN_RATE_LIMIT"] = "20/minute;100/hour"
    assert "20 per minut, 100 per timme" in client.get("/admin/users").get_data(as_text=True)
    app.config["LOGIN_RATE_LIMIT"] = "20 per 5 minutes"  # no wording of its own: as configured
    assert "20 per 5 minutes" in client.get("/admin/users").get_data(as_text=True)


def test_with_shared_storage_the_notice_goes(app, client, auth):
    app.config["RATELIMIT_STORAGE_URI"] = "redis://127.0.0.1:6379/0"  # read per request
    auth.login(Role.ADMIN)
    assert NOTICE not in client.get("/admin/users").get_data(as_text=True)


def test_redis_url_is_the_limiter_storage(monkeypatch, tmp_path):
    for name in list(os.environ):
        if name.startswith("REDTHREAD_") or name in {"DATABASE_URL", "REDIS_URL"}:
            monkeypatch.delenv(name)
    assert config.load(tmp_path)["RATELIMIT_STORAGE_URI"] == "memory://"
    monkeypatch.setenv("REDIS_URL", "redis://cache.internal:6379/2")
    assert config.load(tmp_path)["RATELIMIT_STORAGE_URI"] == "redis://cache.internal:6379/2"


def test_a_redis_socket_is_named_as_the_limiter_wants_it(monkeypatch, tmp_path, app_factory):
    for name in list(os.environ):
        if name.startswith("REDTHREAD_") or name in {"DATABASE_URL", "REDIS_URL"}:
            monkeypatch.delenv(name)
    monkeypatch.setenv("REDIS_URL", "unix:///run/redis/redis-server.sock?db=1")
    wanted = "redis+unix:///run/redis/redis-server.sock?db=1"
    assert config.load(tmp_path)["RATELIMIT_STORAGE_URI"] == wanted
    # The app starts with it (the limits library refused "unix://" at start).
    application = app_factory(RATELIMIT_ENABLED=True, REDIS_URL="unix:///run/redis/r.sock")
    assert application.config["RATELIMIT_STORAGE_URI"] == "redis+unix:///run/redis/r.sock"
