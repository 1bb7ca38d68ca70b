"""The web process killed in the middle of an upload: gunicorn on 127.0.0.1 receives a slow
multipart upload over a raw socket and is killed with SIGKILL halfway through the body (and,
in a second run, while the file is being encrypted into storage). Nothing partial is
visible in storage, no row points nowhere, and the restarted server takes a whole upload."""

import re
import socket
import time
import uuid
import wave
from pathlib import Path

import pytest
import requests
from flask import current_app
from sqlalchemy import func, select

from app.core import storage
from app.core.db import db
from app.interviews.models import Interview
from app.transcripts.models import Recording
from tests.conftest import PASSWORD
from tests.robustness.conftest import BIN, environment, free_port, kill, start, until

TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


@pytest.fixture
def app(app_factory):
    application = app_factory(WTF_CSRF_ENABLED=True)
    with application.app_context():
        yield application


def serve(app, processes, tmp_path: Path) -> str:
    port = free_port()
    spool = tmp_path / "spool"
    spool.mkdir(exist_ok=True)
    env = environment(app, TMPDIR=spool)
    command = [str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "1",
               "--timeout", "120", "--no-control-socket", "--access-logfile", "-",
               "app:create_app()"]  # fmt: skip
    server = start(command, env, tmp_path / "gunicorn.log")
    processes.append(server)
    url = f"http://127.0.0.1:{port}"

    def answers():
        try:
            return requests.get(f"{url}/login", timeout=2).status_code == 200
        except requests.RequestException:  # refused, or no answer while the worker boots
            return False

    until(answers, seconds=60, every=0.2, what="gunicorn to answer")
    server.url = url
    return server


def log_in(url: str, username: str) -> requests.Session:
    browser = requests.Session()
    token = TOKEN.search(browser.get(f"{url}/login").text).group(1)
    answer = browser.post(f"{url}/login", allow_redirects=False, data={
        "csrf_token": token, "username": username, "password": PASSWORD})  # fmt: skip
    assert answer.status_code == 302 and "/login" not in answer.headers["Location"]
    return browser


def wav(path: Path, seconds: int) -> Path:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16_000)
        out.writeframes(bytes(range(256)) * (16_000 * 2 * seconds // 256))
    return path


def body_parts(token: str, audio: bytes) -> tuple[bytes, bytes, bytes, str]:
    boundary = uuid.uuid4().hex
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n"
            f"{token}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"audio\"; "
            f"filename=\"interview.wav\"\r\nContent-Type: audio/wav\r\n\r\n").encode()  # fmt: skip
    return head, audio, f"\r\n--{boundary}--\r\n".encode(), boundary


def raw_upload(server, browser: requests.Session, interview_id: int, audio: bytes):
    """Open the request by hand; returns the socket and a function that sends the rest."""
    page = browser.get(f"{server.url}/interviews/{interview_id}").text
    head, data, tail, boundary = body_parts(TOKEN.search(page).group(1), audio)
    cookie = "; ".join(f"{c.name}={c.value}" for c in browser.cookies)
    connection = socket.create_connection(("127.0.0.1", int(server.url.rsplit(":", 1)[1])))
    connection.sendall(
        (f"POST /transcripts/interview/{interview_id}/audio HTTP/1.1\r\n"
         f"Host: {server.url[7:]}\r\nCookie: {cookie}\r\n"
         # the same browser: a session is bound to its user agent ("strong" protection)
         f"User-Agent: {browser.headers['User-Agent']}\r\n"
         f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
         f"Content-Length: {len(head) + len(data) + len(tail)}\r\n\r\n").encode() + head
    )  # fmt: skip
    return connection, data, tail


def state(app, interview_id: int) -> dict:
    db.session.expire_all()
    root = Path(app.config["MEDIA_ROOT"])
    return {
        "recordings": db.session.scalar(select(func.count(Recording.id))),
        "status": db.session.get(Interview, interview_id).status,
        "stored": storage.names("audio"),
        "files": sorted(p.name for p in root.rglob("*") if p.is_file()) if root.exists() else [],
    }


def test_a_server_killed_mid_body_keeps_nothing(app, conducted, processes, tmp_path):
    interviewer, interview = conducted
    before = state(app, interview.id)
    server = serve(app, processes, tmp_path)
    browser = log_in(server.url, interviewer.username)
    audio = wav(tmp_path / "long.wav", 600).read_bytes()  # about 19 MB
    connection, data, _tail = raw_upload(server, browser, interview.id, audio)
    for offset in range(0, len(data) // 2, 256 * 1024):  # slowly, and only half of it
        connection.sendall(data[offset : offset + 256 * 1024])
        time.sleep(0.01)
    kill(server)
    connection.close()
    assert state(app, interview.id) == before
    assert list((tmp_path / "spool").iterdir()) == []  # the spool was never a visible file

    # The restarted server takes the same upload whole; the session outlived the crash.
    server = serve(app, processes, tmp_path)
    small = wav(tmp_path / "short.wav", 20)
    token = TOKEN.search(browser.get(f"{server.url}/interviews/{interview.id}").text).group(1)
    with open(small, "rb") as src:
        answer = browser.post(f"{server.url}/transcripts/interview/{interview.id}/audio",
                              data={"csrf_token": token}, files={"audio": src},
                              allow_redirects=False)  # fmt: skip
    assert answer.status_code == 302
    after = state(app, interview.id)
    assert after["recordings"] == 1 and len(after["stored"]) == 1
    assert after["files"] == [after["stored"][0].split("/")[1]]
    kill(server)


def test_a_server_killed_while_storing_shows_no_partial_file(app, conducted, processes,
                                                             tmp_path):  # fmt: skip
    interviewer, interview = conducted
    before = state(app, interview.id)
    server = serve(app, processes, tmp_path)
    browser = log_in(server.url, interviewer.username)
    audio = wav(tmp_path / "long.wav", 3600).read_bytes()  # about 115 MB: seconds to encrypt
    connection, data, tail = raw_upload(server, browser, interview.id, audio)
    connection.sendall(data + tail)
    folder = Path(current_app.config["MEDIA_ROOT"]) / "audio"
    until(lambda: folder.exists() and any(folder.iterdir()), seconds=60, every=0.005,
          what="the encrypted file to be written")  # fmt: skip
    kill(server)
    connection.close()
    after = state(app, interview.id)
    # No row, and nothing under a stored file's name: what was being written is a hidden
    # temporary file (".name.rte.partial") that storage never lists or opens.
    assert (after["recordings"], after["status"], after["stored"]) == (
        before["recordings"], before["status"], [])  # fmt: skip
    assert all(name.startswith(".") and name.endswith(".partial") for name in after["files"])
