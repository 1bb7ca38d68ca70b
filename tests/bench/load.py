"""Load test: the app under gunicorn on 127.0.0.1 with PostgreSQL and the worker beside it,
and N simulated people reading and writing through the real pages and forms (CSRF and all)
for a while. Each person logs in once and finds their work first (timed apart, logins
included); then all of them work at once, and that is what the figures are: p50, p95, p99,
max and errors per endpoint and overall, and the requests per second.

    python -m tests.bench.load [--users 50] [--seconds 120] [--think 1-3] [--workers N]
                               [--threads 1] [--instances 1]

Each person waits 1 to 3 seconds between clicks (``--think``): brisk for someone reading a
case page, and 50 of them make about 20 requests a second. ``--think 0.2-0.6`` is a stress
pace that shows the server's capacity instead. gunicorn runs as docs/admin-guide.md
installs it: sync workers, 2 × cores + 1 of them.

The database is REDTHREAD_LOAD_DATABASE_URL (else REDTHREAD_TEST_DATABASE_URL); its name must
contain "test" or "load", because its schema is dropped, migrated and filled with the demo
data. Target: p95 under 200 ms and no errors. Not part of the test suite (`make load`).

``--instances 2`` runs two gunicorn instances, as two web machines would be, behind the one
port: each binds it with SO_REUSEPORT (gunicorn's ``--reuse-port``), and the kernel spreads
the connections between them, as a load balancer in front of two machines would (a sync
worker closes each connection, so each request is spread). Each instance has an instance
folder of its own, a copy of the first's keys and secret, and they share PostgreSQL, a
Redis started for the run (the queue, the rate limits, the kept theme counts) and the media
folder. ``--workers`` is then per instance (default: half of the one-instance default, at
least 2). The requests each instance served are printed after the figures.
"""

import argparse
import html
import json
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

import requests
from babel.support import Translations
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

BIN = Path(sys.executable).parent
ROOT = Path(__file__).parent.parent.parent
#: any form's CSRF field: plain, or with a form's prefix ("reminder-csrf_token")
TOKEN = re.compile(r'name="(?:[\w-]+-)?csrf_token"[^>]*? value="([^"]+)"')
#: a row of the interview list: the interview and its status, in the reader's language
LISTED = re.compile(r'href="(/interviews/\d+)">.*?<span class="stage">([^<]*)</span>', re.S)
#: a memo form of the guide page: where it posts, its prefix (the section) and revision
MEMO = re.compile(r'<form method="post" action="([^"]+)" class="memo"[^>]*>.*?'
                  r'name="([\w-]+)-revision"[^>]*value="(\d+)"', re.S)  # fmt: skip
#: the statuses whose memos can still be saved (app.interviews.services.EDITABLE), as labelled
EDITABLE = ("Booked", "Conducted", "Documented")
TODAY = time.strftime("%Y-%m-%d")


def database_url() -> str:
    raw = os.environ.get("REDTHREAD_LOAD_DATABASE_URL") or os.environ.get(
        "REDTHREAD_TEST_DATABASE_URL", "")  # fmt: skip
    if not raw:
        sys.exit("set REDTHREAD_LOAD_DATABASE_URL (or REDTHREAD_TEST_DATABASE_URL)")
    name = make_url(raw).database or ""
    if "test" not in name and "load" not in name:
        sys.exit(f"refusing to empty {name!r}: the database name must contain test or load")
    return raw


def prepare(url: str, env: dict) -> dict[str, tuple[list[str], str]]:
    """Empty the schema, migrate, load the guides and the demo data; the demo's logins."""
    engine = create_engine(make_url(url).set(drivername="postgresql+psycopg"))
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    redthread = str(BIN / "redthread")
    for command in (["db", "upgrade"], ["guides", "sync"]):
        subprocess.run([redthread, *command], env=env, cwd=ROOT, check=True,
                       capture_output=True)  # fmt: skip
    shown = subprocess.run([redthread, "demo"], env=env, cwd=ROOT, check=True,
                           capture_output=True, text=True).stdout  # fmt: skip
    logins = {}
    for line in shown.splitlines():
        parts = line.split()
        if len(parts) >= 3 and line.startswith("  "):
            logins[parts[0]] = (" ".join(parts[2:]).split(", "), parts[1])
    return logins


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, list[str]] = defaultdict(list)
        #: (when it ended, seconds) of every request, for the run's course in time
        self.course: list[tuple[float, float]] = []

    def add(self, name: str, seconds: float, error: str | None = None) -> None:
        with self.lock:
            self.times[name].append(seconds)
            self.course.append((time.monotonic(), seconds))
            if error:
                self.errors[name].append(error)

    def table(self) -> tuple[list[float], int]:
        """Print a line per endpoint and one for all; returns all the times and the errors."""

        def line(name, values, errors):
            ordered = sorted(values)

            def pick(share):
                return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000

            return (f"{name:<30} {len(values):>8} {pick(0.5):>8.1f} {pick(0.95):>8.1f} "
                    f"{pick(0.99):>8.1f} {ordered[-1] * 1000:>8.1f} {errors:>6}")  # fmt: skip

        print(f"\n{'endpoint':<30} {'requests':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
              f"{'max ms':>8} {'errors':>6}")  # fmt: skip
        everything = []
        for name in sorted(self.times):
            everything += self.times[name]
            print(line(name, self.times[name], len(self.errors[name])))
        failed = sum(len(e) for e in self.errors.values())
        print(line("ALL", everything, failed))
        for name, errors in self.errors.items():
            for error in sorted(set(errors))[:3]:
                print(f"  error at {name}: {error}")
        return everything, failed

    def timeline(self, began: float, window: float = 10.0) -> None:
        """p95 and the slowest request per window of the run: a stall shows as one window,
        a saturated server as all of them."""
        windows = defaultdict(list)
        for ended, seconds in self.course:
            windows[int((ended - began) // window)].append(seconds)
        print(f"\n{'from s':>7} {'requests':>8} {'p95 ms':>8} {'max ms':>8}")
        for index in sorted(windows):
            ordered = sorted(windows[index])
            p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))] * 1000
            slowest = ordered[-1] * 1000
            print(f"{index * window:>7.0f} {len(ordered):>8} {p95:>8.1f} {slowest:>8.1f}")

    def report(self, seconds: float, began: float) -> bool:
        self.timeline(began)
        everything, failed = self.table()
        print(f"\n{len(everything)} requests in {seconds:.0f} s: {len(everything) / seconds:.1f}/s "
              "(set by the people's pace, --think, not the server's capacity)")  # fmt: skip
        p95 = statistics.quantiles(everything, n=20)[-1] * 1000 if len(everything) > 1 else 0
        print(
            f"target p95 < 200 ms and no errors: {'MET' if p95 < 200 and not failed else 'NOT MET'}"
        )
        return p95 < 200 and not failed


class Person(threading.Thread):
    """One simulated person: logs in once through the form and finds their work (``setup``
    times that), waits for ``go``, then mixes reads and writes until ``stop`` (``stats``)."""

    def __init__(self, number, base, username, password, roles, setup, stats, go, stop, think):
        super().__init__(daemon=True)
        self.think = think
        self.number, self.base, self.go, self.stop = number, base, go, stop
        self.username, self.password, self.roles = username, password, roles
        self.setup_stats, self.mix_stats = setup, stats
        self.stats = setup
        self.ready = threading.Event()
        self.http = requests.Session()
        self.random = random.Random(number)
        self.token = ""
        self.actions = []

    def call(self, name, method, path, expect=(200,), **kwargs):
        began = time.perf_counter()
        error = None
        try:
            response = self.http.request(method, self.base + path, allow_redirects=False,
                                         timeout=60, **kwargs)  # fmt: skip
            if response.status_code not in expect:
                error = f"{method} {path}: HTTP {response.status_code}"
        except requests.RequestException as exc:
            # the reason tells a connection the server closed from one it never answered
            response, error = None, f"{method} {path}: {type(exc).__name__}: {exc}"[:240]
        self.stats.add(name, time.perf_counter() - began, error)
        if response is not None and "text/html" in response.headers.get("Content-Type", ""):
            found = TOKEN.search(response.text)
            self.token = found.group(1) if found else self.token
        return response

    def text(self, name, path) -> str:
        page = self.call(name, "GET", path)
        return page.text if page is not None and page.status_code == 200 else ""

    def login(self):
        self.call("GET /login", "GET", "/login")
        self.call(
            "POST /login",
            "POST",
            "/login",
            expect=(302,),
            data={"csrf_token": self.token, "username": self.username, "password": self.password},
        )

    def links(self, path, pattern):
        return sorted(set(re.findall(pattern, self.text(f"GET {path}", path))))

    def prepare(self):
        """Log in, and look at the lists once to find what this person can work on."""
        self.login()
        self.actions = [self.home]
        if "coordinator" in self.roles:
            self.participants = self.links("/participants", r'href="(/participants/\d+)"')
            self.placements = self.links("/follow-up/", r'href="(/follow-up/placements/\d+)"')
            # a reminder is recorded where the follow-up page offers one (offer not answered)
            self.unanswered = [path for path in self.placements if "/reminder" in self.text(
                "GET /follow-up/placements/<id>", path)]  # fmt: skip
            self.actions += [self.register, self.participant, self.follow_up, self.placement]
            self.actions += [self.remind] if self.unanswered else []
        if "interviewer" in self.roles:
            listed = self.text("GET /interviews", "/interviews")
            language = re.search(r'<html lang="(\w+)"', listed)
            labels = Translations.load(ROOT / "app" / "translations",
                                       [language.group(1) if language else "en"])  # fmt: skip
            editable = {labels.gettext(status) for status in EDITABLE}
            rows = {path: html.unescape(label) for path, label in LISTED.findall(listed)}
            self.interviews = sorted(rows)
            # the guide and memos only where the page offers them (consent in force); saved
            # only while the interview is booked, conducted or documented
            self.memo_pages = [path for path in self.interviews if f'href="{path}/memos"' in
                               self.text("GET /interviews/<id>", path)]  # fmt: skip
            self.writable = [path for path in self.memo_pages if rows[path] in editable]
            self.actions += [self.interview_list, self.interview, self.read_memos]
            self.actions += [self.write_memo] if self.writable else []
        if "researcher" in self.roles:
            self.releases = self.links("/coding/", r'href="(/coding/releases/\d+)"')
            self.actions += [self.coding_list, self.workspace, self.code]

    def run(self):
        try:
            self.prepare()
        finally:
            self.ready.set()
        self.go.wait()
        self.stats = self.mix_stats
        while not self.stop.is_set():
            self.random.choice(self.actions)()
            self.stop.wait(self.random.uniform(*self.think))  # a person reads before clicking

    def home(self):
        self.call("GET /home", "GET", "/home")

    def register(self):
        self.call("GET /participants", "GET", "/participants")

    def participant(self):
        if self.participants:
            self.call("GET /participants/<id>", "GET", self.random.choice(self.participants))

    def follow_up(self):
        self.call("GET /follow-up/", "GET", "/follow-up/")

    def placement(self):
        if self.placements:
            path = self.random.choice(self.placements)
            self.call("GET /follow-up/placements/<id>", "GET", path)

    def remind(self):
        page = self.text("GET /follow-up/placements/<id>", self.random.choice(self.unanswered))
        found = re.search(r'action="(/follow-up/\d+/reminder)"', page)
        if not found:  # someone recorded the answer meanwhile
            return
        form = page[found.end() : page.index("</form>", found.end())]
        sent_on = re.search(r'name="reminder-sent_on"[^>]*value="([^"]+)"', form)
        self.call("POST offer reminder", "POST", found.group(1), expect=(302,),
                  data={"reminder-csrf_token": self.token, "reminder-channel": "phone",
                        "reminder-sent_on": sent_on.group(1) if sent_on else TODAY})  # fmt: skip

    def interview_list(self):
        self.call("GET /interviews", "GET", "/interviews")

    def interview(self):
        if self.interviews:
            self.call("GET /interviews/<id>", "GET", self.random.choice(self.interviews))

    def read_memos(self):
        if self.memo_pages:
            self.call("GET memos", "GET", self.random.choice(self.memo_pages) + "/memos")

    def write_memo(self):
        page = self.text("GET memos", self.random.choice(self.writable) + "/memos")
        forms = MEMO.findall(page)
        if not forms:
            return
        action, section, revision = self.random.choice(forms)
        note = f"Note {self.random.random():.6f} from {self.username}."
        # 409: another simulated person saved the same memo first, and was refused rightly
        self.call("POST memo save", "POST", html.unescape(action), expect=(200, 409),
                  headers={"Accept": "application/json"},
                  data={"csrf_token": self.token, f"{section}-revision": revision,
                        f"{section}-text": note})  # fmt: skip

    def coding_list(self):
        self.call("GET /coding/", "GET", "/coding/")

    def workspace(self):
        if self.releases:
            self.call("GET coding workspace", "GET", self.random.choice(self.releases))

    def code(self):
        if not self.releases:
            return
        release = self.random.choice(self.releases)
        page = self.call("GET coding workspace", "GET", release)
        found = re.search(r'id="coding-data">(.*?)</script>', page.text if page else "", re.S)
        if not found:
            return
        data = json.loads(html.unescape(found.group(1)))
        codes = [c["id"] for c in data["codes"] if c["codable"]]
        if not codes or not data["editable"] or len(data["text"]) < 20:
            return
        start = self.random.randrange(0, len(data["text"]) - 10)
        headers = {"X-CSRFToken": self.token, "Accept": "application/json"}
        made = self.call("POST coding apply", "POST", release + "/codings", expect=(201,),
                         headers=headers, json={"code": self.random.choice(codes),
                                                "start": start, "end": start + 10})  # fmt: skip
        if made is not None and made.status_code == 201:
            self.call("POST coding delete", "POST", f"/coding/codings/{made.json()['id']}",
                      headers=headers, json={"delete": True})  # fmt: skip


def think_time(text: str) -> tuple[float, float]:
    low, _, high = text.partition("-")
    try:
        pause = (float(low), float(high or low))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not MIN-MAX seconds: {text!r}") from None
    if not 0 <= pause[0] <= pause[1]:
        raise argparse.ArgumentTypeError(f"not MIN-MAX seconds: {text!r}")
    return pause


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=120)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1,
                        help="gunicorn worker processes (default: 2 × cores + 1)")  # fmt: skip
    parser.add_argument("--threads", type=int, default=1,
                        help="threads per worker; more than 1 uses the gthread worker")  # fmt: skip
    parser.add_argument("--think", default="1-3", type=think_time,
                        help="seconds a person reads before the next click, MIN-MAX (default "
                             "1-3; 0.2-0.6 is a stress pace no person keeps up)")  # fmt: skip
    parser.add_argument("--port", type=int, default=5077)
    parser.add_argument("--instances", type=int, default=1,
                        help="gunicorn instances sharing the port (SO_REUSEPORT), PostgreSQL "
                             "and a Redis started for the run")  # fmt: skip
    options = parser.parse_args()
    if options.instances > 1 and "--workers" not in sys.argv:
        options.workers = max(2, options.workers // options.instances)
    url = database_url()
    instance = Path(tempfile.mkdtemp(prefix="redthread-load-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("REDTHREAD_")}
    env.update(
        REDTHREAD_INSTANCE_PATH=str(instance), DATABASE_URL=url,
        # The demo accounts have no second factor. Password hashing keeps its full cost.
        REDTHREAD_REQUIRE_2FA_ROLES="none", REDTHREAD_DEFAULT_LANGUAGE="en",
        # Fifty people log in from one address within seconds: the served app only.
        REDTHREAD_LOGIN_RATE_LIMIT="100000 per minute",
    )  # fmt: skip
    started, redis = [], None
    try:
        if options.instances > 1:
            from tests.redis_server import RedisServer

            (instance / "redis").mkdir()
            redis = RedisServer(instance / "redis")
            redis.start()
            env.update(REDIS_URL=redis.url, REDTHREAD_MEDIA_ROOT=str(instance / "media"))
        print("preparing the database (migrations, guides, demo data)...", flush=True)
        logins = prepare(url, env)
        people = [(u, p, roles) for u, (roles, p) in logins.items()
                  if {"coordinator", "interviewer", "researcher"} & set(roles)]  # fmt: skip
        log = open(instance / "server.log", "wb")  # noqa: SIM115 - closed below
        started.append(subprocess.Popen([str(BIN / "redthread"), "worker"], env=env, cwd=ROOT,
                                        stdout=log, stderr=subprocess.STDOUT))  # fmt: skip
        machines = _machines(instance, env, options.instances)
        for machine_env in machines:
            started.append(subprocess.Popen(
                [str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{options.port}", "--workers",
                 str(options.workers), "--threads", str(options.threads), "--worker-class",
                 "gthread" if options.threads > 1 else "sync", "--no-control-socket",
                 *(["--reuse-port", "--access-logfile",
                    str(Path(machine_env["REDTHREAD_INSTANCE_PATH"]) / "access.log")]
                   if options.instances > 1 else []),
                 "app:create_app()"],
                env=machine_env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT))  # fmt: skip
        base = f"http://127.0.0.1:{options.port}"
        for _ in range(300):
            try:
                if requests.get(f"{base}/login", timeout=10).status_code == 200:
                    break
            except requests.RequestException:  # still starting
                time.sleep(0.2)
        else:
            sys.exit("gunicorn did not answer; see " + str(instance / "server.log"))
        setup, stats, go, stop = Stats(), Stats(), threading.Event(), threading.Event()
        crowd = [Person(n, base, *people[n % len(people)], setup, stats, go, stop, options.think)
                 for n in range(options.users)]  # fmt: skip
        print(f"{options.users} people ({', '.join(sorted({p[0] for p in people}))}) log in "
              "at once and look at their lists...", flush=True)  # fmt: skip
        began = time.monotonic()
        for person in crowd:
            person.start()
        for person in crowd:
            person.ready.wait()
        print(f"\nlogging in and finding work: {time.monotonic() - began:.0f} s "
              "(not in the figures below)", end="")  # fmt: skip
        setup.table()
        print(f"\n{options.users} people work for {options.seconds} s, {options.think[0]:g} to "
              f"{options.think[1]:g} s between clicks, against {options.instances} instance(s) "
              f"× {options.workers} workers × {options.threads} threads...",
              flush=True)  # fmt: skip
        began = time.monotonic()
        go.set()
        stop.wait(options.seconds)
        stop.set()
        for person in crowd:
            person.join(timeout=60)
        passed = stats.report(time.monotonic() - began, began)
        if options.instances > 1:
            served = [_served(Path(m["REDTHREAD_INSTANCE_PATH"])) for m in machines]
            print("requests served per instance (logins included): "
                  + ", ".join(str(n) for n in served))  # fmt: skip
        if any(stats.errors.values()):  # the instance folder goes below; its log stays
            handle, kept = tempfile.mkstemp(prefix="redthread-load-", suffix=".log")
            os.close(handle)
            shutil.copy(instance / "server.log", kept)
            print(f"the server's log: {kept}")
        print("load average (1, 5, 15 min): " + ", ".join(f"{n:.2f}" for n in os.getloadavg()))
        return 0 if passed else 1
    finally:
        for process in started:
            process.send_signal(signal.SIGTERM)
        for process in started:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        if redis is not None:
            redis.stop()
        shutil.rmtree(instance, ignore_errors=True)


def _machines(instance: Path, env: dict, count: int) -> list[dict]:
    """The environment of each web instance: the first uses the prepared instance folder;
    each other one a copy of its keys and secret in a folder of its own, as another machine
    would hold them (the media folder and Redis stay shared through ``env``)."""
    machines = [env]
    for n in range(2, count + 1):
        own = instance / f"machine{n}"
        shutil.copytree(instance, own, ignore=shutil.ignore_patterns(
            "media", "redis", "machine*", "*.log", "queue.db*"))  # fmt: skip
        machines.append({**env, "REDTHREAD_INSTANCE_PATH": str(own)})
    return machines


def _served(folder: Path) -> int:
    log = folder / "access.log"
    return sum(1 for _ in log.open()) if log.exists() else 0


if __name__ == "__main__":
    sys.exit(main())
