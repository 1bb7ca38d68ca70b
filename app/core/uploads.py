"""Uploads never touch the disk in plaintext.

Werkzeug spools a large upload to a temporary file before the view sees it. Red Thread's
request class spools it through AES-CTR under a key that lives only in memory for the
length of the request instead, so an audio file of an interview is encrypted from its first
byte on disk, even in the temporary file (which is unlinked from the start as well).
"""

import io
import os
import tempfile

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from flask import Request


class SealedSpool(io.RawIOBase):
    """A seekable temporary file whose content on disk is encrypted with a throwaway key."""

    def __init__(self):
        super().__init__()
        self._file = tempfile.TemporaryFile()  # noqa: SIM115 - closed with this object
        self._key, self._nonce = os.urandom(32), os.urandom(8)
        self._position = 0

    def _keystream(self, position: int):
        block, skip = divmod(position, 16)
        counter = self._nonce + block.to_bytes(8, "big")
        cipher = Cipher(algorithms.AES(self._key), modes.CTR(counter)).encryptor()
        cipher.update(bytes(skip))
        return cipher

    def readable(self) -> bool:
        return True

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        end = self._file.seek(0, io.SEEK_END)
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: end}[whence]
        self._position = max(0, base + offset)
        return self._position

    def write(self, data) -> int:
        data = bytes(data)
        self._file.seek(self._position)
        self._file.write(self._keystream(self._position).update(data))
        self._position += len(data)
        return len(data)

    def readinto(self, buffer) -> int:
        self._file.seek(self._position)
        sealed = self._file.read(len(buffer))
        plain = self._keystream(self._position).update(sealed)
        buffer[: len(plain)] = plain
        self._position += len(plain)
        return len(plain)

    def close(self) -> None:
        if not self.closed:
            self._file.close()
        super().close()


class SealedUploadRequest(Request):
    def _get_file_stream(self, total_content_length, content_type, filename=None,
                         content_length=None):  # fmt: skip
        return SealedSpool()
