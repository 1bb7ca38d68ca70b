"""Installing speech models, with no Flask and no database: the catalogue, the steps every
installation shares (a lock, disk checks, the model's files, a self-test, the rename into
place) and the installation from the model hub at a pinned revision with every file's
SHA-256 checked. A model carried in as a folder or an archive is in ``model_archive``.

Only `redthread models` calls the network functions here; the application only reads what
is installed. Work happens in ``.partial-<name>`` beside the installed models and becomes
``<name>`` by one rename, so a cut-off download, a bad checksum or a full disk never leaves
a half model where the application looks.
"""

import errno
import json
import os
import re
import shutil
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from app.transcripts.installed_models import (
    CHUNK,
    MANIFEST,
    ModelError,
    check_name,
    install_lock,
    sha256_of,
)
from app.transcripts.model_catalogue import CATALOGUE

DEFAULT_HUB = "https://huggingface.co"
TOKENIZER_FILES = ("tokenizer.json", "vocabulary.json", "vocabulary.txt")
SELF_TEST_SECONDS = 30  # one full Whisper window, so the factor is not inflated by padding

Progress = Callable[[int], None]


def catalogue() -> dict[str, dict]:
    return {entry["name"]: entry for entry in CATALOGUE}


def catalogue_entry(name: str, entries: dict[str, dict] | None = None) -> dict:
    entries = catalogue() if entries is None else entries
    if name not in entries:
        raise ModelError(f"unknown model {name!r}; the catalogue has: {', '.join(entries)}")
    return entries[name]


def hub_url() -> str:
    """REDTHREAD_MODEL_HUB_URL (a mirror, say), else the public hub; HTTPS only, except for
    a hub on this machine."""
    url = os.environ.get("REDTHREAD_MODEL_HUB_URL", "").strip().rstrip("/") or DEFAULT_HUB
    parts = urllib.parse.urlsplit(url)
    local = parts.hostname in ("127.0.0.1", "localhost", "::1")
    if parts.scheme != "https" and not (parts.scheme == "http" and local):
        raise ModelError("REDTHREAD_MODEL_HUB_URL must be an https:// address")
    return url


@contextmanager
def disk_errors(root: Path) -> Iterator[None]:
    """A full disk says so; what is installed stays as it was (work is in .partial-*)."""
    try:
        yield
    except OSError as error:
        if error.errno in (errno.ENOSPC, errno.EDQUOT):
            raise ModelError(
                f"the disk under {root} is full; the installed models are unchanged. Free "
                "some space and run the command again (a download resumes where it stopped)"
            ) from None
        raise


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_json(path: Path, data: dict) -> None:
    temporary = path.with_name(path.name + ".tmp")
    with open(temporary, "w", encoding="utf-8") as out:
        json.dump(data, out, indent=2, sort_keys=True)
        out.flush()
        os.fsync(out.fileno())
    os.replace(temporary, path)


def check_new(root: Path, name: str) -> None:
    if (root / name).exists():
        raise ModelError(
            f"{name} is already installed; `redthread models verify {name}` checks it, "
            f"`redthread models remove {name}` removes it before a reinstallation"
        )


def check_model_files(names) -> None:
    """A faster-whisper model folder needs model.bin, config.json and a tokenizer."""
    names = set(names)
    missing = [n for n in ("model.bin", "config.json") if n not in names]
    if not names & set(TOKENIZER_FILES):
        missing.append(" or ".join(TOKENIZER_FILES))
    if missing:
        raise ModelError(
            f"not a faster-whisper (CTranslate2) model: {', '.join(missing)} missing; "
            "nothing was installed"
        )


def self_test(folder: Path, languages: list[str], threads: int = 0) -> dict:
    """Load the model, refuse an English-only one for Swedish or Danish, and time the
    transcription of half a minute of silence (a lower bound: speech decodes slower)."""
    import numpy as np

    from app.transcripts import engines

    try:
        engine = engines.FasterWhisper(folder, threads=threads)
        for language in languages:
            engines.refuse_english_only(engine.multilingual, language, folder.name)
    except engines.EngineError as error:
        raise ModelError(f"self-test: {error}; nothing was installed") from None
    samples = np.zeros(engines.SAMPLE_RATE * SELF_TEST_SECONDS, dtype=np.float32)
    language = (languages[0] if languages else None) if engine.multilingual else None
    began = time.monotonic()
    pieces, _info = engine.model.transcribe(
        samples, language=language, beam_size=1, temperature=0.0,
        condition_on_previous_text=False, vad_filter=False, without_timestamps=True,
    )  # fmt: skip
    for _piece in pieces:  # decoding happens as the generator is read
        pass
    spent = time.monotonic() - began
    return {
        "audio_seconds": SELF_TEST_SECONDS,
        "seconds": round(spent, 2),
        "real_time_factor": round(spent / SELF_TEST_SECONDS, 4),
        "multilingual": engine.multilingual,
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def finish_install(root: Path, name: str, partial: Path, record: dict, languages: list[str],
            threads: int) -> dict:  # fmt: skip
    """Self-test the complete folder, write its record, and rename it into place."""
    check_model_files(p.name for p in partial.iterdir())
    report = self_test(partial, languages, threads)
    manifest = record | {
        "name": name,
        "languages": sorted(set(languages)),
        "multilingual": report["multilingual"],
        "installed_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "self_test": report,
    }
    _write_json(partial / MANIFEST, manifest)
    _fsync_dir(partial)
    os.rename(partial, root / name)  # atomic: the application sees all of it or nothing
    _fsync_dir(root)
    return manifest | {"path": str(root / name)}


def _range_start(response) -> int | None:
    found = re.match(r"bytes (\d+)-", response.headers.get("Content-Range", ""))
    return int(found.group(1)) if found else None


def _download(url: str, target: Path, size: int, progress: Progress) -> None:
    """Fetch ``url`` into ``target``, resuming with HTTP Range where the server allows it,
    else starting again; a short or long body is an error, never a finished file."""
    have = target.stat().st_size if target.exists() else 0
    if have > size:
        target.unlink()
        have = 0
    if have == size:
        progress(size)
        return
    request = urllib.request.Request(url, headers={"User-Agent": "redthread-models"})  # noqa: S310
    if have:
        request.add_header("Range", f"bytes={have}-")
    try:
        response = urllib.request.urlopen(request, timeout=60)  # noqa: S310 - https or loopback
    except urllib.error.HTTPError as error:
        if error.code == 416 and have:  # the partial file is not a prefix: start again
            target.unlink()
            return _download(url, target, size, progress)
        raise ModelError(f"the model hub answered {error.code} for {url}") from None
    except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
        raise ModelError(f"could not reach the model hub ({url}): {error}") from None
    with response:
        if have and not (response.status == 206 and _range_start(response) == have):
            have = 0  # the server sent the whole file: start again
        progress(have)
        with open(target, "ab" if have else "wb") as out:
            try:
                while block := response.read(CHUNK):
                    if have + len(block) > size:
                        raise ModelError(f"{url} is larger than the catalogue says; refused")
                    out.write(block)
                    have += len(block)
                    progress(len(block))
            except (TimeoutError, ConnectionError) as error:
                raise ModelError(
                    f"the download of {target.name} stopped at {have} of {size} bytes "
                    f"({error}); run the same command again to resume"
                ) from None
            finally:
                out.flush()
                os.fsync(out.fileno())
    if have != size:
        raise ModelError(
            f"the download of {target.name} was cut off at {have} of {size} bytes; run the "
            "same command again to resume"
        )


def require_pinned(entry: dict) -> str:
    """The entry's name, when it pins a revision and every file's checksum."""
    name = check_name(entry["name"])
    if not entry.get("files") or not entry.get("revision"):
        raise ModelError(
            f"{name}: this catalogue entry has no pinned checksums; install it with --from "
            "(a folder or archive you fetched and checked yourself)"
        )
    return name


def install_from_hub(root: Path, entry: dict, hub: str, languages: list[str] | None = None,
                     progress: Callable[[int, int], None] | None = None,
                     threads: int = 0) -> dict:  # fmt: skip
    """Install a catalogue entry at its pinned revision: download (resuming a cut-off
    download), check every file's SHA-256, self-test, rename into place."""
    name = require_pinned(entry)
    check_new(root, name)
    languages = list(entry["languages"] if languages is None else languages)
    with install_lock(root, name), disk_errors(root):
        check_new(root, name)
        partial = root / f".partial-{name}"
        revision_file = partial / ".revision"
        if partial.exists() and (
            not revision_file.exists() or revision_file.read_text() != entry["revision"]
        ):
            shutil.rmtree(partial)  # left by another revision or a carried-in install
        partial.mkdir(parents=True, exist_ok=True)
        revision_file.write_text(entry["revision"])
        files = entry["files"]
        total = sum(size for _path, size, _digest in files)
        present = [partial / path for path, _size, _digest in files]
        left = total - sum(p.stat().st_size for p in present if p.exists())
        free = shutil.disk_usage(root).free
        if free < left:
            raise ModelError(
                f"{name} needs {left / 1e6:.0f} MB more, and the disk under {root} has "
                f"{free / 1e6:.0f} MB free; the installed models are unchanged"
            )
        done = [0]

        def step(count: int) -> None:
            done[0] += count
            if progress:
                progress(done[0], total)

        for path, size, digest in files:
            target = partial / check_name(path)
            url = f"{hub}/{entry['repo']}/resolve/{entry['revision']}/{path}"
            _download(url, target, size, step)
            if sha256_of(target) != digest:
                target.unlink()
                raise ModelError(
                    f"{path} of {name} does not match its pinned SHA-256; it was deleted and "
                    "nothing was installed (a changed file on the hub, or a bad mirror)"
                )
        revision_file.unlink()
        record = {
            "source": {"kind": "hub", "hub": hub, "repo": entry["repo"]},
            "revision": entry["revision"],
            "licence": entry.get("licence"),
            "files": {path: {"size": size, "sha256": digest} for path, size, digest in files},
        }
        return finish_install(root, name, partial, record, languages, threads)
