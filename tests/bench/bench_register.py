"""Benchmark: importing a large register, and the pages that read the whole register.

Run with ``make bench`` (or ``.venv/bin/python -m tests.bench.bench_register [rows]``). It
prints its figures; it asserts nothing about time, so it never fails a test run.
"""

import io
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from flask_migrate import upgrade
from stdnum import luhn

from app import create_app
from app.core import job_queue
from app.core.calendar import today
from app.core.db import db
from app.core.users import Role
from app.offers import reports
from app.participants import import_columns, import_table, importer, imports
from app.participants.services import rules


def register_csv(rows: int) -> bytes:
    lines = ["Namn;Födelsedatum;Personnummer;Placering start;Placering slut;Boende vid avslut"]
    for n in range(rows):
        born = date(1995, 1, 1) + timedelta(days=(n * 7) % 6000)
        start = born + timedelta(days=900 + n % 400)
        end = start + timedelta(days=400 + (n * 13) % 2500)
        stem = f"{born:%y%m%d}{n % 1000:03d}"
        number = f"{born:%Y%m%d}-{stem[-3:]}{luhn.calc_check_digit(stem)}"
        setting = ("Familjehem", "HVB", "Annat")[n % 7 % 3]
        lines.append(f"Barn {n};{born.isoformat()};{number};{start:%d.%m.%Y};{end};{setting}")
    return "\r\n".join(lines).encode("utf-8")


def timed(label: str, func, *args):
    start = time.perf_counter()
    result = func(*args)
    print(f"{label:<48} {time.perf_counter() - start:8.3f} s")
    return result


def main(rows: int = 2000) -> None:
    data = register_csv(rows)
    print(f"register of {rows} rows, {len(data) / 1024:.0f} KiB")
    table = timed("read_table (CSV)", import_table.read_table, data, "register.csv")
    mapping = import_columns.guess_mapping(table.headers)
    parsed = timed(
        "parse_rows (every row checked)",
        lambda: importer.parse_rows(table, mapping, region="SE"),
    )
    print(f"{'rows with errors':<48} {sum(1 for r in parsed if r.errors):8d}")

    folder = Path(tempfile.mkdtemp(prefix="redthread-bench-"))
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.db'}", "HUEY_IMMEDIATE": False,
         "MEDIA_ROOT": str(folder / "media"), "TESTING": True, "WTF_CSRF_ENABLED": False,
         "RATELIMIT_ENABLED": False},
        instance_path=str(folder / "instance"),
    )  # fmt: skip
    with app.app_context():
        upgrade(directory=str(Path(__file__).parents[2] / "migrations"))
        from app.admin.services import create_user

        actor = create_user(
            actor=None,
            username="kim",
            display_name="Bench",
            password="marble-coyote-lantern-91",
            roles=[Role.COORDINATOR],
        )
        db.session.commit()
        with app.test_request_context():
            record = timed("upload (checked, encrypted, stored)", imports.start, actor,
                           "register.csv", io.BytesIO(data))  # fmt: skip
            db.session.commit()
            timed("preview (every row against the register)", imports.preview, actor, record,
                  mapping)  # fmt: skip
            job = imports.submit(actor, record, mapping)
            db.session.commit()
            start = time.perf_counter()
            job_queue.execute(job.id)  # what the worker does with the queued job
            db.session.refresh(job)
            print(f"{'import job, one transaction (' + job.state + ')':<48} "
                  f"{time.perf_counter() - start:8.3f} s")  # fmt: skip
            day, eligibility = today(), rules()
            timed("dashboard over the whole register", reports.dashboard, day, eligibility)
            timed("attrition report", reports.attrition, day, eligibility)
            client = app.test_client()
            client.post("/login", data={"username": "kim", "password": "marble-coyote-lantern-91"})
            for url in ("/follow-up/", "/participants", "/follow-up/attrition.svg"):
                start = time.perf_counter()
                response = client.get(url)
                label = f"GET {url} ({response.status_code})"
                print(f"{label:<48} {time.perf_counter() - start:8.3f} s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
