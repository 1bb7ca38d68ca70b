"""A .qdpx opened for reading as untrusted input: entry names, count, sizes and the
compression ratio are checked before anything is decompressed, and the bytes are counted
again while they are read (headers can lie)."""

import io
import re
import zipfile
import zlib
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from analysis.refiqda.model import RefiError

#: limits on a .qdpx: total unpacked bytes, entries, and the compression ratio of any entry
#: larger than RATIO_FROM bytes
MAX_TOTAL = 200 * 1024 * 1024
MAX_ENTRIES = 10_000
MAX_RATIO = 100
RATIO_FROM = 1024 * 1024


class SafeZip:
    """A zip opened for reading that refuses unsafe names and anything that unpacks too big."""

    def __init__(self, data: bytes, max_total: int, max_entries: int):
        try:
            self.archive = zipfile.ZipFile(io.BytesIO(data))
            infos = self.archive.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError):
            raise RefiError("not_zip", "This is not a REFI-QDA project (.qdpx) file.") from None
        if len(infos) > max_entries:
            raise RefiError("too_large", f"The archive has more than {max_entries} entries.")
        for info in infos:
            path = info.filename.replace("\\", "/")
            if not path or path.startswith("/") or re.match(r"[A-Za-z]:", path) or \
                    ".." in path.split("/"):  # fmt: skip
                raise RefiError("unsafe_path", f"The archive holds an unsafe path: {path!r}.")
        if sum(info.file_size for info in infos) > max_total:
            raise RefiError("too_large", "The archive unpacks to more than allowed.")
        for info in infos:
            _check_ratio(info.file_size, info.compress_size)
        self.left = max_total  # counted again while reading: headers can lie
        self.entries = {i.filename.replace("\\", "/").lower(): i for i in infos if not i.is_dir()}

    def project_entry(self) -> zipfile.ZipInfo:
        """``project.qde`` at the top (any case), or else the only .qde in the archive."""
        qdes = [info for name, info in self.entries.items() if name.endswith(".qde")]
        top = [info for info in qdes if info.filename.lower() == "project.qde"]
        if top or len(qdes) == 1:
            return (top or qdes)[0]
        raise RefiError("no_project", "The archive holds no project.qde.")

    def load(self, base: str, path: str) -> bytes | None:
        info = _lookup(self.entries, base, path)
        return None if info is None else self.read(info)

    def read(self, info: zipfile.ZipInfo) -> bytes:
        chunks, size = [], 0
        try:
            with self.archive.open(info) as stream:
                while chunk := stream.read(64 * 1024):
                    size += len(chunk)
                    self.left -= len(chunk)
                    if self.left < 0:
                        raise RefiError("too_large", "The archive unpacks to more than allowed.")
                    _check_ratio(size, info.compress_size)
                    chunks.append(chunk)
        # zipfile raises NotImplementedError for a compression method it does not support,
        # RuntimeError for an encrypted entry and ValueError for a header offset that points
        # outside the file: all mean "cannot be read here".
        except (zipfile.BadZipFile, EOFError, zlib.error, NotImplementedError, RuntimeError,
                ValueError, OSError):  # fmt: skip
            raise RefiError("bad_zip", f"The archive entry {info.filename!r} is damaged.") from None
        return b"".join(chunks)


def _check_ratio(size: int, compressed: int) -> None:
    if size > RATIO_FROM and size > MAX_RATIO * max(compressed, 1):
        raise RefiError("too_large", "An archive entry is compressed suspiciously well.")


def _lookup(entries: Mapping[str, Any], base: str, path: str) -> Any:
    """The entry a source path names: ``internal://x.txt`` is ``sources/x.txt``.

    Case does not matter, other schemes (``relative://``, ``absolute://``) and nested or
    percent-encoded paths are tried too, and last a file of the same name anywhere.
    """
    reference = re.sub(r"^[A-Za-z]+://", "", path.strip()).replace("\\", "/").lstrip("/")
    prefix = f"{base}/" if base else ""
    for ref in dict.fromkeys([reference.lower(), unquote(reference).lower()]):
        for key in (f"{prefix}sources/{ref}", f"{prefix}{ref}"):
            if key in entries:
                return entries[key]
    name = reference.lower().rpartition("/")[2]
    same_name = [entry for key, entry in entries.items() if key.rpartition("/")[2] == name]
    return same_name[0] if len(same_name) == 1 else None
