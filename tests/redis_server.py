"""A throwaway Redis for the tests: Debian's redis-server on a free loopback port, with its
data (an append-only file, fsynced at every write) in a temporary folder, so that a test can
stop it and start it again and find what was queued.

Where the binary is missing the tests that need Redis are skipped, except under CI=1, where
.ci/run installs it and its absence is a failure. REDTHREAD_TEST_REDIS_URL points the
queue tests at a Redis someone else runs instead (the tests empty its database).
"""

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

REDIS_SERVER = os.environ.get("REDTHREAD_REDIS_SERVER", "/usr/bin/redis-server")
EXTERNAL_URL = os.environ.get("REDTHREAD_TEST_REDIS_URL", "").strip()


def redis_server_binary() -> str:
    """The path of redis-server; skips the test (fails it under CI) where there is none."""
    found = shutil.which(REDIS_SERVER) or (REDIS_SERVER if os.path.exists(REDIS_SERVER) else None)
    if found:
        return found
    if os.environ.get("CI"):
        pytest.fail(f"redis-server not found at {REDIS_SERVER}; .ci/run must install it")
    pytest.skip(f"redis-server not found at {REDIS_SERVER} (apt-get install redis-server)")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    """One redis-server process; ``stop`` and ``start`` keep its port and its data."""

    def __init__(self, folder: Path):
        self.binary = redis_server_binary()
        self.folder = folder
        self.port = _free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        log = open(self.folder / "redis.log", "ab")  # noqa: SIM115 - the process keeps it
        self.process = subprocess.Popen(
            [self.binary, "--bind", "127.0.0.1", "--port", str(self.port),
             "--dir", str(self.folder), "--appendonly", "yes", "--appendfsync", "always",
             "--save", "", "--protected-mode", "yes", "--daemonize", "no"],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        log.close()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited: {self.log()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"redis-server did not answer on port {self.port}: {self.log()}")

    def stop(self) -> None:
        """Stop it as a crash would (SIGKILL): only what the append-only file holds survives."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None

    def log(self) -> str:
        path = self.folder / "redis.log"
        return path.read_text(errors="replace")[-2000:] if path.exists() else ""


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    """A Redis for the queue tests: REDTHREAD_TEST_REDIS_URL, or one started for the session."""
    if EXTERNAL_URL:
        yield EXTERNAL_URL
        return
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def redis_server(tmp_path):
    """A Redis of this test's own, which the test may stop and start again."""
    folder = tmp_path / "redis"
    folder.mkdir()
    server = RedisServer(folder)
    server.start()
    try:
        yield server
    finally:
        server.stop()
