"""Benchmark: the streaming encryption of stored files and backup archives.

Run with ``.venv/bin/python -m tests.bench.bench_crypto [megabytes]`` (200 by default). Each
measurement runs in its own process so that its peak RSS is its own:

- ``file``: ``storage.save`` of N MB (encrypt, fsync, rename), then ``storage.open_plaintext``
  read to the end (decrypt);
- ``seek``: 200 reads of 64 KiB at random places through ``storage.open_seekable`` (what a
  media player's HTTP Range requests and the audio decoder do), each on a fresh reader;
- ``restart``: the same reads done the only way Tink's Python API allows, decrypting from
  the start up to the place (20 reads; why ``streaming.SeekableReader`` exists);
- ``archive``: ``sealed_archive.SealedWriter`` and ``SealedReader`` over N MB, as a backup
  and a restore use them.

It prints MB/s of wall-clock time and MB per CPU-second (steadier on a shared machine; the
wall-clock figure of encryption includes the fsync), and the peak RSS of each phase. It
asserts nothing about time.
"""

import io
import os
import random
import resource
import subprocess
import sys
import tempfile
import time

BLOCK = 1024 * 1024


class Source(io.RawIOBase):
    """``megabytes`` of incompressible bytes, made on the fly (never held whole)."""

    def __init__(self, megabytes: int):
        super().__init__()
        self._block = random.Random(7).randbytes(BLOCK)
        self._left = megabytes * BLOCK

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        size = min(len(buffer), self._left)
        view = memoryview(buffer)
        done = 0
        while done < size:
            piece = min(size - done, BLOCK)
            view[done : done + piece] = self._block[:piece]
            done += piece
        self._left -= size
        return size


def _app(root: str):
    from cryptography.fernet import Fernet
    from flask import Flask

    from app.core.crypto import Keyring

    app = Flask("bench")
    app.config["MEDIA_ROOT"] = root
    app.extensions["redthread.keyring"] = Keyring([Fernet.generate_key().decode()])
    return app


class Clock:
    def __init__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def rate(self, megabytes: int) -> str:
        wall, cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu
        return f"{megabytes / wall:7.1f} MB/s ({megabytes / cpu:6.1f} MB/CPU-s)"


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_file(megabytes: int, root: str) -> None:
    from app.core import storage

    with _app(root).app_context():
        clock = Clock()
        stored = storage.save(Source(megabytes), "bench")
        written = clock.rate(megabytes)
        clock = Clock()
        size = sum(len(chunk) for chunk in storage.open_plaintext(stored.name))
        read = clock.rate(megabytes)
        assert size == megabytes * BLOCK
        on_disk = os.path.getsize(os.path.join(root, stored.name))
    print(f"file     encrypt {written}  decrypt {read}  overhead {on_disk - size} bytes"
          f"  peak RSS {_peak_mb():.0f} MB")  # fmt: skip


def run_seek(megabytes: int, root: str) -> None:
    from app.core import storage

    with _app(root).app_context():
        stored = storage.save(Source(megabytes), "bench")
        places = random.Random(3).sample(range(megabytes * BLOCK - 65536), 200)
        start = time.perf_counter()
        for place in places:
            with storage.open_seekable(stored.name) as reader:
                reader.seek(place)
                assert len(reader.read(65536)) == 65536
        took = time.perf_counter() - start
    print(f"seek     {took / len(places) * 1000:7.2f} ms per random 64 KiB read"
          f"  peak RSS {_peak_mb():.0f} MB")  # fmt: skip


def run_restart(megabytes: int, root: str) -> None:
    try:
        from app.core import streaming
    except ImportError:
        print("restart  (no Tink in this version)")
        return
    keyset, path = streaming.new_keyset(), os.path.join(root, "stream")
    with open(path, "wb") as dst:
        streaming.encrypt_stream(keyset, Source(megabytes), dst, b"bench")
    places = random.Random(3).sample(range(megabytes * BLOCK - 65536), 20)
    start = time.perf_counter()
    for place in places:
        with streaming.decrypting_reader(keyset, open(path, "rb"), b"bench") as plain:
            left = place
            while left:
                left -= len(plain.read(min(left, BLOCK)))
            assert len(plain.read(65536)) == 65536
    took = time.perf_counter() - start
    print(f"restart  {took / len(places) * 1000:7.2f} ms per random 64 KiB read"
          f"  peak RSS {_peak_mb():.0f} MB")  # fmt: skip


def run_archive(megabytes: int, root: str) -> None:
    from app.core import sealed_archive

    key = os.urandom(32)
    path = os.path.join(root, "archive")
    clock = Clock()
    with open(path, "wb") as raw:
        sealed = sealed_archive.SealedWriter(raw, key)
        src = Source(megabytes)
        while chunk := src.read(BLOCK):
            sealed.write(chunk)
        sealed.close()
        os.fsync(raw.fileno())
    written = clock.rate(megabytes)
    clock, size = Clock(), 0
    reader = sealed_archive.SealedReader(open(path, "rb"), key)  # noqa: SIM115 - closed below
    while chunk := reader.read(BLOCK):
        size += len(chunk)
    reader.close()
    read = clock.rate(megabytes)
    assert size == megabytes * BLOCK, size
    print(f"archive  encrypt {written}  decrypt {read}  peak RSS {_peak_mb():.0f} MB")


PHASES = {"file": run_file, "seek": run_seek, "restart": run_restart, "archive": run_archive}


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] in PHASES:
        with tempfile.TemporaryDirectory(prefix="bench-crypto-") as root:
            PHASES[sys.argv[1]](int(sys.argv[2]), root)
        return
    megabytes = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    print(f"{megabytes} MB, python {sys.version.split()[0]}")
    for phase in PHASES:
        subprocess.run([sys.executable, "-m", "tests.bench.bench_crypto", phase, str(megabytes)],
                       check=True)  # fmt: skip


if __name__ == "__main__":
    main()
