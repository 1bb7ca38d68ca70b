"""Compiling the translation catalogs (.po into .mo), when the package is built and at start-up.

Only the standard library and Babel here: the package build (``setup.py``) loads this file by
its path, where neither Flask nor the application can be imported.
"""

import os
import tempfile
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

DOMAIN = "messages"

#: A .mo this much older than its .po still counts as compiled from it: an installer that
#: unpacks a wheel writes ``messages.mo`` a moment before ``messages.po`` (they are in name
#: order), and a zip archive keeps times to 2 seconds.
MTIME_SLACK_NS = 2_000_000_000


def sources(translations: Path) -> list[Path]:
    """The catalogs under ``translations``: ``<language>/LC_MESSAGES/messages.po``."""
    return sorted(Path(translations).glob(f"*/LC_MESSAGES/{DOMAIN}.po"))


def compiled_path(po: Path, translations: Path, target: Path) -> Path:
    return Path(target) / po.relative_to(translations).with_suffix(".mo")


def stale(translations: Path, target: Path | None = None) -> list[Path]:
    """The catalogs whose .mo in ``target`` (by default beside the .po) is missing or older
    than the .po."""
    target = translations if target is None else target
    found = []
    for po in sources(translations):
        mo = compiled_path(po, translations, target)
        if not mo.is_file() or mo.stat().st_mtime_ns + MTIME_SLACK_NS < po.stat().st_mtime_ns:
            found.append(po)
    return found


def compile_catalogs(translations: Path, target: Path | None = None) -> list[Path]:
    """Compile every catalog under ``translations`` into ``target`` (by default beside each
    .po) and return the .mo files written. Fuzzy entries are left out, as ``pybabel compile``
    does. Each file is written under a temporary name and renamed, so that web processes
    starting side by side never read half a catalog."""
    translations = Path(translations)
    target = translations if target is None else Path(target)
    written = []
    for po in sources(translations):
        with open(po, "rb") as src:
            catalog = read_po(src, locale=po.parent.parent.name, domain=DOMAIN)
        mo = compiled_path(po, translations, target)
        mo.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=mo.parent, prefix=f".{mo.name}.")
        try:
            with os.fdopen(handle, "wb") as dst:
                write_mo(dst, catalog)
            os.chmod(temporary, 0o644)  # mkstemp makes it private; a catalog is not secret
            os.replace(temporary, mo)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        written.append(mo)
    return written
