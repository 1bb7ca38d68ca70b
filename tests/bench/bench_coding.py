"""Benchmark: the coding workspace with a 20,000-word transcript and 1,000 codings, and the
export of a 100-transcript project as .qdpx.

Run with ``make bench`` (or ``.venv/bin/python -m tests.bench.bench_coding``). It prints the
median server time of the workspace page and of applying a code, the time until the page is
usable in headless Chromium (if Chromium is installed), and the export time. It asserts
nothing about time.
"""

import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, date, datetime
from pathlib import Path

from flask_migrate import upgrade

from app import create_app
from app.core.db import db
from app.core.users import Role

WORDS = [
    "jag",
    "bodde",
    "hos",
    "min",
    "fostermamma",
    "i",
    "många",
    "år",
    "och",
    "kände",
    "mig",
    "hemma",
    "där",
    "till",
    "slut",
    "socialsekreteraren",
    "lyssnade",
    "på",
    "mig",
    "när",
    "jag",
    "flyttade",
    "blåbär",
    "æble",
    "rødgrød",
    "😀",
]


def transcript(words: int, seed: int = 1) -> list[dict]:
    rng = random.Random(seed)
    lines, line = [], []
    for n in range(words):
        line.append(rng.choice(WORDS))
        if len(line) >= 25 or n == words - 1:
            lines.append({"text": " ".join(line).capitalize() + ".", "speaker": "young_person",
                          "start": None, "end": None})  # fmt: skip
            line = []
    return lines


def median_ms(samples: list[float]) -> str:
    return f"{statistics.median(samples) * 1000:8.1f} ms (median of {len(samples)})"


def main() -> None:
    from app.codebook.queries import codebook
    from app.codebook.services import seed_codebook
    from app.consent.texts import seed_forms
    from app.exchange import export
    from app.guides.services import sync_guides
    from app.interviews import services as interviews
    from app.interviews.models import Mode, Status
    from app.participants.models import Participant, Placement
    from app.releases.models import Release
    from app.workspace.models import Coding

    folder = Path(tempfile.mkdtemp(prefix="redthread-bench-"))
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.db'}", "HUEY_IMMEDIATE": True,
         "MEDIA_ROOT": str(folder / "media"), "TESTING": True, "WTF_CSRF_ENABLED": False,
         "RATELIMIT_ENABLED": False},
        instance_path=str(folder / "instance"),
    )  # fmt: skip
    with app.app_context():
        upgrade(directory=str(Path(__file__).parents[2] / "migrations"))
        from app.admin.services import create_user
        from app.consent import services as consent
        from app.consent.models import ConsentForm
        from app.consent.scopes import Scope
        from app.consent.texts import FORM_KEY
        from app.offers.models import Offer

        sync_guides()
        seed_forms()
        password = "marble-coyote-lantern-91"
        both = [Role.COORDINATOR, Role.INTERVIEWER]
        boss = create_user(actor=None, username="boss", display_name="Coordinator",
                           password=password, roles=both)  # fmt: skip
        rut = create_user(actor=None, username="rut", display_name="Researcher",
                          password=password, roles=[Role.RESEARCHER])  # fmt: skip
        seed_codebook(boss)
        codes = [c.id for c in codebook() if c.codable]
        releases = []
        for n in range(100):
            participant = Participant(code=f"B-{n:03d}", name=f"Bench {n}",
                                      birth_date=date(2001, 1, 1 + n % 28))  # fmt: skip
            placement = Placement(started_on=date(2015, 1, 1), ended_on=date(2024, 6, 30),
                                  setting_at_end="family_home",
                                  custody_transferred=False)  # fmt: skip
            participant.placements.append(placement)
            db.session.add(participant)
            db.session.flush()
            offer = Offer(placement=placement, offered_on=date(2026, 7, 1), channel="letter",
                          answer="accepted", answered_on=date(2026, 7, 1),
                          interviewer_id=boss.id, assigned_on=date(2026, 7, 1))  # fmt: skip
            db.session.add(offer)
            db.session.flush()
            interview = interviews.book(
                boss, offer, scheduled_at=datetime(2026, 11, 10, 9, tzinfo=UTC), place=None,
                mode=Mode.IN_PERSON, interviewer=boss, language="sv",
            )  # fmt: skip
            consent.record(boss, interview, giver="young_person", scopes=tuple(Scope),
                           form=ConsentForm.latest(FORM_KEY, "sv"), method="verbal",
                           witness="A colleague", given_on=date(2026, 11, 10))  # fmt: skip
            interview.conducted_on = date(2026, 11, 10)
            interview.status = Status.RELEASED.value
            words = 20_000 if n == 0 else 3_000
            lines = transcript(words, n)
            release = Release(interview=interview, version=1, summary="{}",
                              content=json.dumps(lines, ensure_ascii=False),
                              length=len("\n".join(line["text"] for line in lines)),
                              released_by_id=boss.id)  # fmt: skip
            db.session.add(release)
            releases.append(release)
        db.session.commit()
        big = releases[0]
        text = big.text
        rng = random.Random(7)
        for n in range(1000):
            start = rng.randrange(0, len(text) - 400)
            db.session.add(Coding(release=big, code_id=rng.choice(codes), coder_id=rut.id,
                                  start_offset=start, end_offset=start + rng.randrange(20, 400),
                                  memo="memo" if n % 10 == 0 else None))  # fmt: skip
        for release in releases[1:]:
            for _ in range(20):
                start = rng.randrange(0, len(release.text) - 200)
                db.session.add(Coding(release=release, code_id=rng.choice(codes),
                                      coder_id=rut.id, start_offset=start,
                                      end_offset=start + 100))  # fmt: skip
        db.session.commit()
        words = len(text.split())
        print(f"transcript: {words} words, {len(text)} code points, 1000 codings")
        big_id = big.id

    import logging

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    if "--profile" in sys.argv:
        import cProfile
        import pstats

        profiler_client = app.test_client()
        profiler_client.post("/login", data={"username": "rut", "password": password})
        profiler_client.get(f"/coding/releases/{big_id}")
        profiler = cProfile.Profile()
        profiler.enable()
        for n in range(10):
            if "apply" in sys.argv:
                profiler_client.post(f"/coding/releases/{big_id}/codings",
                                     json={"code": codes[0], "start": n, "end": n + 9})  # fmt: skip
            else:
                profiler_client.get(f"/coding/releases/{big_id}")
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(35)
        return
    client = app.test_client()
    client.post("/login", data={"username": "rut", "password": password})
    url = f"/coding/releases/{big_id}"
    page_times, apply_times = [], []
    for _ in range(25):
        began = time.perf_counter()
        response = client.get(url)
        page_times.append(time.perf_counter() - began)
        assert response.status_code == 200
    print(f"{'workspace page, server time':<40} {median_ms(page_times)}")
    print(f"{'workspace page size':<40} {len(response.data) / 1024:8.0f} KiB")
    for n in range(50):
        began = time.perf_counter()
        response = client.post(f"/coding/releases/{big_id}/codings",
                               json={"code": codes[n % len(codes)], "start": n * 10,
                                     "end": n * 10 + 30})  # fmt: skip
        apply_times.append(time.perf_counter() - began)
        assert response.status_code == 201, response.data
    print(f"{'apply a code, server time':<40} {median_ms(apply_times)}")

    with app.app_context():
        from app.core.users import User

        researcher = db.session.scalars(db.select(User).where(User.username == "rut")).one()
        began = time.perf_counter()
        data, exported = export.export_project(researcher)
        spent = time.perf_counter() - began
        db.session.commit()
        label = f"export .qdpx ({len(exported)} transcripts)"
        print(f"{label:<40} {spent * 1000:8.0f} ms, {len(data) / 1024:.0f} KiB")

    chromium = os.environ.get("REDTHREAD_CHROMIUM", "/usr/bin/chromium")
    if not os.path.exists(chromium):
        print("Chromium not found: the browser figure is left out")
        return
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, headless=True,
                                             args=["--no-sandbox", "--disable-gpu"])  # fmt: skip
        page = browser.new_page()
        page.goto(f"{base}/login")
        page.locator("#username").fill("rut")
        page.locator("#password").fill(password)
        page.locator("main form button[type=submit]").click()
        page.wait_for_url(f"{base}/home")
        usable = []
        for _ in range(7):
            began = time.perf_counter()
            page.goto(base + url, wait_until="commit")
            for _ in range(2000):  # at most about 10 s
                if page.evaluate("document.querySelector('[data-coding]')?.dataset.ready"):
                    break
                page.wait_for_timeout(5)
            usable.append(time.perf_counter() - began)
        print(f"{'workspace usable in Chromium':<40} {median_ms(usable)}")
        browser.close()
    server.shutdown()


if __name__ == "__main__":
    sys.stdout.reconfigure(line_buffering=True)
    main()
