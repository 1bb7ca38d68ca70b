"""Speech models in the instance folder (``instance/models/<name>``), with no Flask and no
database: installed from the model hub at a pinned revision with every file's SHA-256 checked,
or from a folder or archive carried in; verified, removed, and found for a language.

Only `redthread models` calls the network functions here; the application only reads what
is installed. Work happens in ``.partial-<name>`` beside the installed models and becomes
``<name>`` by one rename, so a cut-off download, a bad checksum or a full disk never leaves
a half model where the application looks.
"""

import errno
import fcntl
import hashlib
import json
import os
import re
import shutil
import stat
import tarfile
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from app.transcripts.model_catalogue import CATALOGUE

MANIFEST = "redthread-model.json"
DEFAULT_HUB = "https://huggingface.co"
LANGUAGES = ("sv", "da", "en")
#: a model's name: a folder name that cannot climb out of instance/models or hide
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
TOKENIZER_FILES = ("tokenizer.json", "vocabulary.json", "vocabulary.txt")
#: a carried-in archive may unpack to this much at most (the largest Whisper is about 3 GB)
MAX_ARCHIVE_BYTES = 8 * 1024**3
MAX_ARCHIVE_MEMBERS = 2000
SELF_TEST_SECONDS = 30  # one full Whisper window, so the factor is not inflated by padding
CHUNK = 1 << 20

Progress = Callable[[int], None]


class ModelError(Exception):
    """An installation step refused or failed; the message says why and what to do."""


def models_root(instance_path) -> Path:
    return Path(instance_path) / "models"


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


def check_name(name: str) -> str:
    if not NAME.match(name or ""):
        raise ModelError(
            f"{name!r} cannot be a model name: use letters, digits, '.', '-' and '_' "
            "(64 at most), starting with a letter or digit"
        )
    return name


# --- what is installed ------------------------------------------------------------------------


def read_manifest(folder: Path) -> dict | None:
    try:
        return json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def installed(root: Path) -> list[dict]:
    """Every installed model's record (its redthread-model.json), by name."""
    if not root.is_dir():
        return []
    models = []
    for folder in sorted(root.iterdir()):
        if folder.name.startswith(".") or not folder.is_dir():
            continue
        manifest = read_manifest(folder)
        if manifest is not None:
            models.append(manifest | {"name": folder.name, "path": str(folder)})
    return models


def default_for(root: Path, language: str) -> Path | None:
    """The model installed for ``language`` (--language); the newest one if several are."""
    chosen = [m for m in installed(root) if language in m.get("languages", [])]
    if not chosen:
        return None
    return Path(max(chosen, key=lambda m: m.get("installed_at", ""))["path"])


def resolve(root: Path, value: str) -> str:
    """A setting's model: an installed model's name, else a path as it is. A name that is not
    installed resolves to where it would be, so the error names that folder."""
    if NAME.match(value) and ((root / value).is_dir() or not Path(value).exists()):
        return str(root / value)
    return value


# --- shared steps -----------------------------------------------------------------------------


@contextmanager
def install_lock(root: Path, name: str) -> Iterator[None]:
    """One installation or removal of ``name`` at a time; a second one is refused at once."""
    root.mkdir(parents=True, exist_ok=True)
    handle = open(root / f".lock-{name}", "a")  # noqa: SIM115 - held for the whole block
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise ModelError(
            f"another installation of {name} is running; wait for it to finish"
        ) from None
    try:
        yield
    finally:
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


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


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as src:
        while block := src.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


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


def _finish(root: Path, name: str, partial: Path, record: dict, languages: list[str],
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


# --- from the hub -----------------------------------------------------------------------------


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
        return _finish(root, name, partial, record, languages, threads)


# --- carried in -------------------------------------------------------------------------------


def _safe_member(raw: str) -> PurePosixPath:
    """An archive member's path, refused when it is absolute or climbs with '..'."""
    name = raw.replace("\\", "/")
    path = PurePosixPath(name)
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name) or ".." in path.parts:
        raise ModelError(f"the archive holds an unsafe path ({raw!r}); nothing was installed")
    return path


def _plan_archive(source: Path) -> tuple[str, list[tuple[object, PurePosixPath, int]]]:
    """Every member checked before anything is written: no unsafe path, no link, no device,
    not too many members, not too large unpacked."""
    members = []
    if zipfile.is_zipfile(source):
        kind = "zip"
        with zipfile.ZipFile(source) as archive:
            for info in archive.infolist():
                path = _safe_member(info.filename)
                if stat.S_ISLNK(info.external_attr >> 16):
                    raise ModelError(
                        f"the archive holds a link ({info.filename!r}); nothing was installed"
                    )
                if not info.is_dir():
                    members.append((info, path, info.file_size))
    elif tarfile.is_tarfile(source):
        kind = "tar"
        with tarfile.open(source) as archive:
            for info in archive.getmembers():
                path = _safe_member(info.name)
                if info.issym() or info.islnk():
                    raise ModelError(
                        f"the archive holds a link ({info.name!r}); nothing was installed"
                    )
                if info.isfile():
                    members.append((info, path, info.size))
                elif not info.isdir():
                    raise ModelError(
                        f"the archive holds a special file ({info.name!r}); nothing was installed"
                    )
    else:
        raise ModelError("--from takes a model folder, a .zip or a .tar.gz archive")
    if len(members) > MAX_ARCHIVE_MEMBERS:
        raise ModelError(f"the archive holds more than {MAX_ARCHIVE_MEMBERS} files; refused")
    if sum(size for _info, _path, size in members) > MAX_ARCHIVE_BYTES:
        raise ModelError(
            f"the archive unpacks to more than {MAX_ARCHIVE_BYTES // 1024**3} GB; refused"
        )
    # The model is the folder holding model.bin (the archive's top, or one folder in it).
    bins = [path for _info, path, _size in members if path.name == "model.bin"]
    if len(bins) != 1:
        check_model_files([])  # says what is missing
    base = bins[0].parent
    chosen = [(info, path, size) for info, path, size in members if path.parent == base]
    check_model_files(path.name for _info, path, _size in chosen)
    return kind, chosen


def _copy_stream(src, target: Path, limit: int) -> None:
    written = 0
    with open(target, "wb") as out:
        while block := src.read(CHUNK):
            written += len(block)
            if written > limit:  # the member is larger than its header says
                raise ModelError(f"{target.name} unpacks larger than declared; refused")
            out.write(block)
        out.flush()
        os.fsync(out.fileno())


def _unpack(source: Path, partial: Path) -> None:
    kind, chosen = _plan_archive(source)
    partial.mkdir(parents=True)
    if kind == "zip":
        with zipfile.ZipFile(source) as archive:
            for info, path, size in chosen:
                with archive.open(info) as src:
                    _copy_stream(src, partial / path.name, size)
    else:
        with tarfile.open(source) as archive:
            for info, path, size in chosen:
                with archive.extractfile(info) as src:
                    _copy_stream(src, partial / path.name, size)


def _copy_folder(source: Path, partial: Path) -> None:
    files = [p for p in source.iterdir() if p.is_file() and p.name != MANIFEST]
    check_model_files(p.name for p in files)
    partial.mkdir(parents=True)
    for path in files:  # the folder's own files; subfolders (other formats) are left out
        with open(path, "rb") as src:
            _copy_stream(src, partial / path.name, path.stat().st_size)


def default_name(source: Path) -> str:
    name = source.name
    for suffix in (".tar.gz", ".tgz", ".tar", ".zip"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def install_from_path(root: Path, source: Path, name: str | None = None,
                      languages: list[str] | None = None, threads: int = 0) -> dict:  # fmt: skip
    """Install a model folder or archive carried in (a USB stick, say): check it before
    anything is written, record the SHA-256 of every file, self-test, rename into place."""
    source = Path(source)
    name = check_name(name or default_name(source))
    if not source.exists():
        raise ModelError(f"{source} does not exist")
    check_new(root, name)
    if source.is_dir():
        check_model_files(p.name for p in source.iterdir() if p.is_file())
    else:
        _plan_archive(source)  # refuses before the partial folder exists
    with install_lock(root, name), disk_errors(root):
        check_new(root, name)
        partial = root / f".partial-{name}"
        if partial.exists():
            shutil.rmtree(partial)
        if source.is_dir():
            _copy_folder(source, partial)
        else:
            _unpack(source, partial)
        record = {
            "source": {"kind": "folder" if source.is_dir() else "archive", "from": source.name},
            "revision": None,
            "files": {
                p.name: {"size": p.stat().st_size, "sha256": sha256_of(p)}
                for p in sorted(partial.iterdir())
            },
        }
        try:
            return _finish(root, name, partial, record, list(languages or []), threads)
        except ModelError:
            shutil.rmtree(partial, ignore_errors=True)  # the carried-in copy is still there
            raise


# --- checks and removal -----------------------------------------------------------------------


def _installed_folder(root: Path, name: str) -> Path:
    folder = root / check_name(name)
    if read_manifest(folder) is None:
        names = ", ".join(m["name"] for m in installed(root)) or "none"
        raise ModelError(f"no installed model {name!r}; installed: {names}")
    return folder


def verify(root: Path, name: str) -> list[str]:
    """What no longer matches the checksums recorded at installation (empty: all good)."""
    folder = _installed_folder(root, name)
    problems = []
    for path, expected in read_manifest(folder).get("files", {}).items():
        target = folder / path
        if not target.is_file():
            problems.append(f"{path} is missing")
        elif sha256_of(target) != expected["sha256"]:
            problems.append(f"{path} has changed (its SHA-256 differs)")
    return problems


def remove(root: Path, name: str) -> None:
    """Remove an installed model (and any partial download of it)."""
    folder = _installed_folder(root, name)
    with install_lock(root, name):
        doomed = root / f".removing-{name}"
        shutil.rmtree(doomed, ignore_errors=True)  # left by a removal that was killed
        os.rename(folder, doomed)  # gone from the application's view at once
        shutil.rmtree(doomed)
        shutil.rmtree(root / f".partial-{name}", ignore_errors=True)
