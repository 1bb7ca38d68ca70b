"""Two web machines behind one address: two gunicorn servers, each with an instance folder of
its own holding copies of the keys, sharing the database and one Redis (REDIS_URL). A
session made on one is good on the other, and the login rate limit is counted once for
both, not once per machine."""

import re
import shutil
from pathlib import Path

import requests

from app.core.users import Role
from tests.conftest import PASSWORD
from tests.robustness.conftest import BIN, environment, free_port, start, until

TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
KEYS = ("secret_key", "audit_key", "lookup_key", "data_keys")


def serve(app, redis_url: str, folder: Path, processes, log: Path) -> str:
    folder.mkdir()
    for name in KEYS:
        shutil.copy2(Path(app.instance_path) / name, folder / name)
    port = free_port()
    env = environment(app, REDTHREAD_INSTANCE_PATH=folder, REDIS_URL=redis_url,
                      REDTHREAD_LOGIN_RATE_LIMIT="5 per minute")  # fmt: skip
    command = [str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "1",
               "--no-control-socket", "app:create_app()"]  # fmt: skip
    processes.append(start(command, env, log))
    return f"http://127.0.0.1:{port}"


def answers(url: str) -> bool:
    try:
        return requests.get(f"{url}/login", timeout=2).status_code == 200
    except requests.RequestException:
        return False


def attempt(browser: requests.Session, url: str, username: str, password: str) -> int:
    page = browser.get(f"{url}/login")
    token = TOKEN.search(page.text).group(1) if page.status_code == 200 else ""
    return browser.post(f"{url}/login", allow_redirects=False, data={
        "csrf_token": token, "username": username, "password": password}).status_code  # fmt: skip


def test_two_web_machines_share_sessions_and_the_login_limit(
    app, make_user, processes, redis_server, tmp_path
):
    user = make_user(roles=[Role.INTERVIEWER])
    one, two = (
        serve(app, redis_server.url, tmp_path / name, processes, tmp_path / f"{name}.log")
        for name in ("one", "two")
    )
    for url in (one, two):
        until(lambda url=url: answers(url), seconds=90, every=0.2, what=f"gunicorn at {url}")
    browser = requests.Session()  # the cookie goes to both: the same host, another port

    assert attempt(browser, one, user.username, PASSWORD) == 302  # 1
    account = browser.get(f"{two}/account", allow_redirects=False)
    assert account.status_code == 200  # the session made on the first is good on the second
    token = TOKEN.search(account.text).group(1)
    assert browser.post(f"{two}/logout", data={"csrf_token": token}).status_code == 200
    # Four more attempts, taking turns: five in all, the limit; the sixth is refused by
    # whichever machine gets it, though neither has seen more than three.
    codes = [attempt(browser, url, "nobody", "wrong") for url in (two, one, two, one, two)]
    assert codes == [200, 200, 200, 200, 429], "the machines count the attempts each on its own"
    assert attempt(browser, one, user.username, PASSWORD) == 429


def test_while_redis_is_down_logins_are_limited_in_each_process_not_refused(
    app_factory, redis_server
):
    application = app_factory(RATELIMIT_ENABLED=True, REDIS_URL=redis_server.url,
                              LOGIN_RATE_LIMIT="3 per minute")  # fmt: skip
    assert application.config["RATELIMIT_STORAGE_URI"] == redis_server.url
    client = application.test_client()
    redis_server.stop()
    codes = [client.post("/login", data={"username": "x", "password": "y"}).status_code
             for _ in range(4)]  # fmt: skip
    assert codes == [200, 200, 200, 429]  # not 500: counted here until Redis is back
