"""The printed letters: one page per person, the address block on top, the letter in the
person's language below. The address is read only here, while the DOCX is made."""

import io
from datetime import date

from flask_babel import force_locale

from app.core.i18n import format_day
from app.core.text import clean


def _body(document, text: str) -> None:
    """Paragraphs split by blank lines; a line starting "- " is a list item, and a line
    ending with ":" a small heading."""
    for block in text.split("\n\n"):
        for line in (line.strip() for line in block.split("\n")):
            if not line:
                continue
            if line.startswith("- "):
                document.add_paragraph(clean(line[2:]), style="List Bullet")
            elif line.endswith(":"):
                document.add_paragraph().add_run(clean(line)).bold = True
            else:
                document.add_paragraph(clean(line))


def letters_docx(letters, on: date) -> bytes:
    """A DOCX of ``letters``, a list of (queries.Entry, LetterDraft), a page each."""
    from docx import Document
    from docx.shared import Pt

    document = Document()
    document.styles["Normal"].font.size = Pt(12)
    for index, (entry, draft) in enumerate(letters):
        if index:
            document.add_page_break()
        person = entry.participant
        block = [person.name, *(person.address or "").replace("\r", "").split("\n")]
        address = document.add_paragraph()
        for number, line in enumerate(clean(x.strip()) for x in block if x and x.strip()):
            if number:
                address.add_run().add_break()
            address.add_run(line)
        with force_locale(draft.language):
            document.add_paragraph(format_day(on))
        _body(document, draft.body)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
