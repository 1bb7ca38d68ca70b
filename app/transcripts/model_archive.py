"""Installing a speech model carried in (a USB stick, say) as a folder, a .zip or a .tar.gz:
every archive member is checked before anything is written (no unsafe path, no link, no
device, not too many members, not too large unpacked), then the files are copied into
``.partial-<name>`` and installed by the steps in ``installer``.
"""

import os
import re
import shutil
import stat
import tarfile
import zipfile
from pathlib import Path, PurePosixPath

from app.transcripts.installed_models import (
    CHUNK,
    MANIFEST,
    ModelError,
    check_name,
    install_lock,
    sha256_of,
)
from app.transcripts.installer import check_model_files, check_new, disk_errors, finish_install

#: a carried-in archive may unpack to this much at most (the largest Whisper is about 3 GB)
MAX_ARCHIVE_BYTES = 8 * 1024**3
MAX_ARCHIVE_MEMBERS = 2000


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
            return finish_install(root, name, partial, record, list(languages or []), threads)
        except ModelError:
            shutil.rmtree(partial, ignore_errors=True)  # the carried-in copy is still there
            raise
