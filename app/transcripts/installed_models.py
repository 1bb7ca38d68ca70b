"""Speech models in the instance folder (``instance/models/<name>``), with no Flask and no
database: what is installed, which model serves a language, what a setting names, and the
checks and removal of an installed model. The application reads models only through here;
installing them is in ``installer`` and ``model_archive``.
"""

import fcntl
import hashlib
import json
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

MANIFEST = "redthread-model.json"
LANGUAGES = ("sv", "da", "en")
#: a model's name: a folder name that cannot climb out of instance/models or hide
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
CHUNK = 1 << 20


class ModelError(Exception):
    """An installation step refused or failed; the message says why and what to do."""


def models_root(instance_path) -> Path:
    return Path(instance_path) / "models"


def check_name(name: str) -> str:
    if not NAME.match(name or ""):
        raise ModelError(
            f"{name!r} cannot be a model name: use letters, digits, '.', '-' and '_' "
            "(64 at most), starting with a letter or digit"
        )
    return name


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


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as src:
        while block := src.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


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
