"""Hypothesis strategies for fuzzing file readers: random bytes, and valid files mutated.

Random bytes rarely get past a reader's first check; a valid file with a few bytes flipped,
cut short or spliced reaches the deeper code. Archives are opened, one member's XML is
mutated and the archive is packed again, so the zip layer does not stop every example.
"""

import io
import os
import zipfile

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

#: modest and reproducible: the suite stays fast and CI sees the same examples every run.
#: Function-scoped fixtures are shared by a test's examples on purpose: the readers are pure
#: (the app only translates), and the route tests check that each example changed nothing.
FUZZ = settings(
    max_examples=int(os.environ.get("REDTHREAD_FUZZ_EXAMPLES", "60")),
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.function_scoped_fixture],
)  # fmt: skip

INTERESTING = [b"\x00", b"\xff", b"\xef\xbb\xbf", b"\r", b"\n", b"<", b"&", b"]]>", b";",
               b'"', b"=", b"-->", b"\xc3", b"PK\x03\x04", b"\x1f\x8b"]  # fmt: skip


@st.composite
def mutated(draw, seeds: list[bytes]) -> bytes:
    """One of ``seeds`` after up to six edits: flip, delete, insert, duplicate, cut."""
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(0, 6))):
        operation = draw(st.sampled_from(["flip", "delete", "insert", "repeat", "cut"]))
        at = draw(st.integers(0, len(data))) if data else 0
        if operation == "flip" and at < len(data):
            data[at] = draw(st.integers(0, 255))
        elif operation == "delete":
            del data[at : at + draw(st.integers(1, 16))]
        elif operation == "insert":
            data[at:at] = draw(st.sampled_from(INTERESTING) | st.binary(max_size=8))
        elif operation == "repeat":
            data[at:at] = bytes(data[at : at + draw(st.integers(1, 32))]) * draw(
                st.integers(2, 50))  # fmt: skip
        elif operation == "cut":
            del data[at:]
    return bytes(data)


def members(archive: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(archive)) as source:
        return {info.filename: source.read(info) for info in source.infolist()}


def pack(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


@st.composite
def mutated_archive(draw, seeds: list[bytes]) -> bytes:
    """A zip seed with one member mutated (or renamed, or dropped), packed again."""
    files = members(draw(st.sampled_from(seeds)))
    name = draw(st.sampled_from(sorted(files)))
    action = draw(st.sampled_from(["mutate", "mutate", "mutate", "drop", "rename"]))
    if action == "mutate":
        files[name] = draw(mutated([files[name]]))
    elif action == "drop":
        del files[name]
    else:
        files[draw(st.sampled_from(["../x.xml", "/abs.xml", name.upper(), name + "/"]))] = (
            files.pop(name))  # fmt: skip
    return pack(files)


def any_bytes(seeds: list[bytes], archives: list[bytes] = ()) -> st.SearchStrategy[bytes]:
    choices = st.binary(max_size=2048) | mutated(seeds)
    if archives:
        choices = choices | mutated(list(archives)) | mutated_archive(list(archives))
    return choices
