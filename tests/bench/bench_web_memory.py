"""Benchmark: the memory of one web worker, started the way production starts it (gunicorn,
sync worker, ``app:create_app()``, see docs/admin-guide.md) on a temporary SQLite database
with the demo data and a built review pack.

    python -m tests.bench.bench_web_memory [--port 5078] [--depth 2]

It prints the worker's resident set size (VmRSS of /proc/<pid>/status):

- **start-up**: once the worker has loaded the application, before any request;
- **idle**: after every demo person has logged in and opened each page of their menu once;
- **peak**: the high-water mark (VmHWM) after walking on from those pages to every kind of
  page they link to (one of each URL shape, ``--depth`` links deep), with the images they
  embed: the themes' charts, the review session and its pack, the downloads.

Target (issue 26): idle at most 120 MiB. Not part of the test suite; it asserts nothing.
"""

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import deque
from pathlib import Path

import requests

BIN = Path(sys.executable).parent
ROOT = Path(__file__).parent.parent.parent
TOKEN = re.compile(r'name="csrf_token"[^>]*? value="([^"]+)"')
#: links and embedded images of a page (the charts are <img src> of SVG routes)
LINK = re.compile(r'(?:href|src|data)="(/[^"#]*)"')
#: never followed: leaving, switching language, static files, audio (needs a range reader)
SKIP = re.compile(r"^/(logout|language|static/)|/audio\b")
#: a worker's ready hook: gunicorn calls it in the worker once the app is loaded
HOOK = """
def post_worker_init(worker):
    with open({path!r}, "w") as handle:
        handle.write(str(worker.pid))
"""
#: builds a pack for every review session, as the job would, before the server starts
BUILD_PACKS = """
from app import create_app
from app.core.db import db
from app.core.users import User
from app.reviews.models import ReviewSession
from app.reviews.packs import build_pack_now
from app.reviews.refusals import ReviewError

app = create_app()
with app.app_context():
    coordinator = User.by_username("kerstin")
    for session in db.session.scalars(db.select(ReviewSession)).all():
        try:
            build_pack_now(coordinator, session)
        except ReviewError:  # approved minutes: its pack is kept as it was
            pass
    db.session.commit()
"""


def memory(pid: int) -> dict[str, float]:
    """VmRSS and VmHWM of a process, and VmRSS's anonymous and file-backed parts, in MiB.

    The file-backed part (the pages of the shared libraries mapped in) varies by some MiB
    from run to run with what the page cache holds; the anonymous part is the process's own.
    """
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM", "RssAnon", "RssFile"):
            found[name] = int(value.split()[0]) / 1024
    return found


def prepare(env: dict) -> dict[str, str]:
    """Migrate, load the guides, the demo data and a pack; the demo's logins."""
    redthread = str(BIN / "redthread")
    for command in (["db", "upgrade"], ["guides", "sync"]):
        subprocess.run([redthread, *command], env=env, cwd=ROOT, check=True,
                       capture_output=True)  # fmt: skip
    shown = subprocess.run([redthread, "demo"], env=env, cwd=ROOT, check=True,
                           capture_output=True, text=True).stdout  # fmt: skip
    subprocess.run([sys.executable, "-c", BUILD_PACKS], env=env, cwd=ROOT, check=True,
                   capture_output=True)  # fmt: skip
    logins = {}
    for line in shown.splitlines():
        parts = line.split()
        if len(parts) >= 3 and line.startswith("  "):
            logins[parts[0]] = parts[1]
    return logins


def shape(path: str) -> str:
    """A URL's shape: its numbers replaced, the query left off (one page of each shape)."""
    return re.sub(r"\d+", "N", path.partition("?")[0])


class Visitor:
    """One demo person in a requests session; counts the pages and the failed ones."""

    def __init__(self, base: str, username: str, password: str):
        self.base, self.http = base, requests.Session()
        self.pages, self.failed = 0, []
        page = self.http.get(f"{base}/login", timeout=60)
        token = TOKEN.search(page.text).group(1)
        answer = self.http.post(f"{base}/login", allow_redirects=False, timeout=60,
                                data={"csrf_token": token, "username": username,
                                      "password": password})  # fmt: skip
        if answer.status_code != 302:
            raise SystemExit(f"{username} could not log in (HTTP {answer.status_code})")

    def get(self, path: str) -> str:
        answer = self.http.get(self.base + path, allow_redirects=False, timeout=120)
        self.pages += 1
        if answer.status_code >= 500:
            self.failed.append(f"{path}: HTTP {answer.status_code}")
        kind = answer.headers.get("Content-Type", "")
        return answer.text if "text/html" in kind and answer.status_code == 200 else ""

    def links(self, page: str) -> list[str]:
        return [p for p in dict.fromkeys(LINK.findall(page)) if not SKIP.search(p)]

    def menu(self) -> list[str]:
        """The pages of this person's menu (the nav), each opened once."""
        home = self.get("/home")
        nav = home[home.find("<nav") : home.find("</nav>")]
        pages = [p for p in self.links(nav) if not p.startswith("/home")]
        for path in pages:
            self.get(path)
        return ["/home", *pages]

    def walk(self, start: list[str], depth: int, seen: set[str]) -> None:
        """Breadth first from ``start``, one page of each shape, ``depth`` links deep."""
        queue = deque((path, 0) for path in start)
        while queue:
            path, level = queue.popleft()
            page = self.get(path)
            if level >= depth:
                continue
            for link in self.links(page):
                if shape(link) not in seen:
                    seen.add(shape(link))
                    queue.append((link, level + 1))


def start_server(env: dict, instance: Path, port: int) -> tuple[subprocess.Popen, int, object]:
    ready = instance / "worker.pid"
    config = instance / "gunicorn_conf.py"
    config.write_text(HOOK.format(path=str(ready)))
    log = open(instance / "server.log", "wb")  # noqa: SIM115 - closed by the caller
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "--config", str(config), "--bind", f"127.0.0.1:{port}",
         "--workers", "1", "--worker-class", "sync", "--no-control-socket",
         "app:create_app()"],
        env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
    for _ in range(600):
        if ready.exists() and ready.read_text().strip():
            return server, int(ready.read_text()), log
        if server.poll() is not None:
            break
        time.sleep(0.1)
    server.kill()
    raise SystemExit("gunicorn did not start; see " + str(instance / "server.log"))


def settle(pid: int) -> dict[str, float]:
    """The worker's memory once it has stopped changing (allocators return pages lazily)."""
    time.sleep(1.0)
    return memory(pid)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=5078)
    parser.add_argument("--depth", type=int, default=2, help="links followed from the menu")
    options = parser.parse_args()
    instance = Path(tempfile.mkdtemp(prefix="redthread-memory-"))
    unset = ("DATABASE_URL", "REDIS_URL")
    env = {k: v for k, v in os.environ.items() if not k.startswith("REDTHREAD_") and k not in unset}
    env.update(
        # this checkout's code, also where the venv holds an editable install of another
        PYTHONPATH=str(ROOT), REDTHREAD_INSTANCE_PATH=str(instance),
        REDTHREAD_DEFAULT_LANGUAGE="en",
        # The demo accounts have no second factor; seven logins in a second from one address.
        REDTHREAD_REQUIRE_2FA_ROLES="none", REDTHREAD_LOGIN_RATE_LIMIT="100000 per minute",
    )  # fmt: skip
    server = log = None
    try:
        print("preparing the database (migrations, guides, demo data, a pack)...", flush=True)
        logins = prepare(env)
        server, pid, log = start_server(env, instance, options.port)
        base = f"http://127.0.0.1:{options.port}"
        started = settle(pid)
        visitors = {name: Visitor(base, name, password) for name, password in logins.items()}
        menus = {name: visitor.menu() for name, visitor in visitors.items()}
        idle = settle(pid)
        seen: set[str] = set()
        for menu in menus.values():
            seen.update(shape(p) for p in menu)
        for name, visitor in visitors.items():
            visitor.walk(menus[name], options.depth, seen)
        after = settle(pid)
        pages = sum(v.pages for v in visitors.values())
        failed = [f for v in visitors.values() for f in v.failed]
        print(f"\none gunicorn sync worker (pid {pid}), {len(visitors)} people, {pages} "
              f"requests, {len(seen)} kinds of page")  # fmt: skip
        print(f"{'moment':<46} {'RSS MiB':>8} {'anon':>8} {'file':>8}")
        for moment, figures in (("start-up (application loaded, no request yet)", started),
                                ("idle (every menu page opened once)", idle),
                                ("after the walk (charts, pack, downloads)", after)):  # fmt: skip
            print(f"{moment:<46} {figures['VmRSS']:>8.1f} {figures['RssAnon']:>8.1f} "
                  f"{figures['RssFile']:>8.1f}")  # fmt: skip
        print(f"{'peak (VmHWM)':<46} {after['VmHWM']:>8.1f}")
        print(f"target idle <= 120 MiB: {'MET' if idle['VmRSS'] <= 120 else 'NOT MET'}")
        for failure in failed:
            print(f"  server error: {failure}")
        return 1 if failed else 0
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
        if log is not None:
            log.close()
        shutil.rmtree(instance, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
