"""A new installation, from a clean copy of the code, has the interface in Swedish and Danish.

Git keeps no compiled catalogs (.mo), so these tests start from the files git tracks (or
would: untracked files it does not ignore), in a folder of their own. Nothing is downloaded:
the build uses this environment's setuptools and Babel (``--no-build-isolation``,
``--no-index``), and the new virtual environment of the installation test reaches this one's
packages through a .pth file instead of installing them.
"""

import http.cookiejar
import io
import os
import re
import shutil
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.conftest import PASSWORD, PG_URL

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("sv", "da", "en")
LOG_IN = {"sv": "Logga in", "da": "Log ind"}


def run(*command, **kwargs):
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, **kwargs)
    assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture
def clean_copy(tmp_path) -> Path:
    """The code as a fresh clone would have it: no .mo, no build folders, no virtualenv."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, check=False,
    )  # fmt: skip
    if listed.returncode != 0:
        pytest.skip("not a git checkout")
    copy = tmp_path / "redthread"
    for name in filter(None, listed.stdout.decode().split("\0")):
        source = ROOT / name
        if source.is_file():  # a file deleted but not yet staged is listed too
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, copy / name)
    assert (copy / "app/translations/sv/LC_MESSAGES/messages.po").is_file()
    assert not list(copy.glob("app/translations/*/LC_MESSAGES/*.mo"))
    return copy


def offline_pip(*arguments):
    return run(sys.executable, "-m", "pip", "--disable-pip-version-check", *arguments,
               env={**os.environ, "PIP_NO_INDEX": "1"})  # fmt: skip


def test_the_wheel_holds_the_compiled_catalogs(clean_copy, tmp_path):
    dist = tmp_path / "dist"
    offline_pip("wheel", "--quiet", "--no-deps", "--no-build-isolation", "--no-index",
                "--wheel-dir", str(dist), str(clean_copy))  # fmt: skip
    [wheel] = dist.glob("redthread-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        for language in LANGUAGES:
            name = f"app/translations/{language}/LC_MESSAGES/messages.mo"
            assert name in names
            catalog = read_mo(io.BytesIO(archive.read(name)))
            assert catalog.locale_identifier == language
            if language in LOG_IN:
                assert catalog.get("Log in").string == LOG_IN[language]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def database_url(tmp_path):
    """The guide's PostgreSQL in the PostgreSQL run (a database of its own), else SQLite."""
    if not PG_URL:
        yield f"sqlite:///{tmp_path / 'redthread.db'}"
        return
    url = make_url(PG_URL)
    own = url.set(database=f"{url.database}_install")
    server = create_engine(url.set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{own.database}"'))
        connection.execute(text(f'CREATE DATABASE "{own.database}"'))
    yield own.render_as_string(hide_password=False)
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{own.database}" WITH (FORCE)'))
    server.dispose()


def wait_for(url: str, process: subprocess.Popen, log: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()
        try:
            urllib.request.urlopen(url, timeout=30).close()  # noqa: S310 (our own server)
            return
        except OSError:  # not listening yet
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer in {seconds} s")


@pytest.mark.slow
def test_the_admin_guides_installation_speaks_swedish_and_danish(
    clean_copy, tmp_path, database_url
):
    # docs/admin-guide.md, "Installing", step by step. The dependencies come from this
    # environment, so their commands (gunicorn) run as modules of the new one's Python.
    venv = clean_copy / ".venv"
    run(sys.executable, "-m", "venv", "--without-pip", str(venv))
    python = venv / "bin" / "python"
    purelib = run(str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])")
    here = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    Path(purelib.stdout.strip(), "redthread-test-dependencies.pth").write_text("\n".join(here))
    offline_pip("--python", str(python), "install", "--quiet", "--no-deps",
                "--no-build-isolation", "--no-index", "-e", f"{clean_copy}[postgres]")  # fmt: skip
    for language in LANGUAGES:  # the build compiled them beside the .po files
        assert (clean_copy / f"app/translations/{language}/LC_MESSAGES/messages.mo").is_file()

    env = {k: v for k, v in os.environ.items() if not k.startswith(("REDTHREAD_", "DATABASE_"))}
    env.update(DATABASE_URL=database_url, HOME=str(tmp_path))  # HOME: gunicorn's socket
    redthread = str(venv / "bin" / "redthread")
    run(redthread, "db", "upgrade", cwd=clean_copy, env=env)
    run(redthread, "guides", "sync", cwd=clean_copy, env=env)
    run(redthread, "create-user", "yourname", "--name", "Your Name", "--role", "admin",
        "--password", PASSWORD, cwd=clean_copy, env=env)  # fmt: skip

    port = free_port()
    logs = [tmp_path / "web.log", tmp_path / "worker.log"]
    commands = [
        [str(python), "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1",
         "app:create_app()"],
        [redthread, "worker"],
    ]  # fmt: skip
    services = []
    for command, log in zip(commands, logs, strict=True):
        with open(log, "wb") as output:
            services.append(
                subprocess.Popen(
                    command, cwd=clean_copy, env=env, stdout=output, stderr=subprocess.STDOUT
                )
            )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(f"{base}/login", services[0], logs[0])
        for language, words in LOG_IN.items():
            request = urllib.request.Request(  # noqa: S310 (our own server)
                f"{base}/login", headers={"Accept-Language": language}
            )
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                assert words in response.read().decode()
        # The administrator logs in, and is sent on to set up two-factor login.
        browser = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        page = browser.open(f"{base}/login", timeout=30).read().decode()
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        form = {"csrf_token": token, "username": "yourname", "password": PASSWORD}
        answer = browser.open(f"{base}/login", urllib.parse.urlencode(form).encode(), timeout=30)
        assert answer.url.endswith("/account/two-factor"), answer.url
        assert services[1].poll() is None, logs[1].read_text()  # the worker runs
    finally:
        for service in services:
            service.terminate()
            service.wait(timeout=30)
