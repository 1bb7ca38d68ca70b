"""A code of the codebook: a category groups codes and is not applied to passages itself.

A code is one code in every language: its name, definition, when to use it, when not and
example are kept per language (``CodeText``), and each person reads them in their own
language, or in another that has text when theirs has none (``Code.shown``). Codings,
themes and goals link the code itself, so they count it once whatever language its
coders read.

Codes are never deleted while they hold codings: they are retired or merged, and a merged
code points at the code that took over its codings (``Code.codings``, the codings that apply
a code, is declared with the coding in ``app.workspace.models``).
"""

import json
import uuid
from datetime import datetime

from flask import has_app_context
from sqlalchemy import CheckConstraint, ForeignKey, String, select
from sqlalchemy.orm import Mapped, attribute_keyed_dict, mapped_column, relationship

from app.core.db import UTCDateTime, db, utcnow

#: the languages a code has texts in, in the order a missing text is looked for
LANGUAGES = ("sv", "da", "en")
#: the texts a code has in each language
TEXTS = ("name", "definition", "when_to_use", "when_not", "example")


def new_guid() -> str:
    return str(uuid.uuid4())


def current_language() -> str:
    """The language of the person reading (the interface's locale), or Swedish."""
    language = None
    if has_app_context():
        from flask_babel import get_locale

        locale = get_locale()
        language = locale.language if locale is not None else None
    return language if language in LANGUAGES else LANGUAGES[0]


class CodeText(db.Model):
    """A code's texts in one language; a language the code has no name in has no row."""

    __tablename__ = "code_text"
    __table_args__ = (
        CheckConstraint("language IN ('sv', 'da', 'en')", "language"),
        CheckConstraint("name <> ''", "name"),
    )

    code_id: Mapped[int] = mapped_column(ForeignKey("code.id", ondelete="CASCADE"),
                                         primary_key=True)  # fmt: skip
    #: sv, da or en
    language: Mapped[str] = mapped_column(String(2), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    definition: Mapped[str] = mapped_column(default="")
    when_to_use: Mapped[str] = mapped_column(default="")
    when_not: Mapped[str] = mapped_column(default="")
    example: Mapped[str] = mapped_column(default="")

    code = relationship("Code", back_populates="texts")


def _text_property(field: str):
    def get(self) -> str:
        return self.shown(field)[0]

    def put(self, value) -> None:
        self.set_texts(current_language(), **{field: value})

    return property(get, put, doc=f"The code's {field} in the reader's language.")


class Code(db.Model):
    __tablename__ = "code"
    __table_args__ = (CheckConstraint("colour LIKE '#______'", "colour"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("code.id"), index=True)
    colour: Mapped[str] = mapped_column(String(7), default="#9ecae1")
    #: JSON list of words or phrases; a trailing "*" matches any ending
    keywords: Mapped[str] = mapped_column(default="[]")
    #: a category groups codes and is not applied to passages itself
    codable: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("code.id"))
    guid: Mapped[str] = mapped_column(String(36), unique=True, default=new_guid)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    parent = relationship("Code", remote_side=[id], foreign_keys=[parent_id],
                          backref=db.backref("children", order_by="Code.position"))  # fmt: skip
    merged_into = relationship("Code", remote_side=[id], foreign_keys=[merged_into_id])
    #: language -> CodeText; loaded with the code, as nearly every page shows a name
    texts = relationship("CodeText", back_populates="code", lazy="selectin",
                         collection_class=attribute_keyed_dict("language"),
                         cascade="all, delete-orphan", passive_deletes=True)  # fmt: skip

    name = _text_property("name")
    definition = _text_property("definition")
    when_to_use = _text_property("when_to_use")
    when_not = _text_property("when_not")
    example = _text_property("example")

    def __init__(self, *, language: str | None = None, **values):
        """``Code(name=..., definition=..., language="da")``: the texts are in
        ``language``, by default the reader's."""
        texts = {key: values.pop(key) for key in TEXTS if key in values}
        super().__init__(**values)
        if texts:
            self.set_texts(language or current_language(), **texts)

    def set_texts(self, language: str, **values) -> None:
        """Set some of the code's texts in ``language`` (one of ``LANGUAGES``); a language
        whose name becomes empty loses all its texts."""
        if language not in LANGUAGES:
            raise ValueError(f"not a codebook language: {language!r}")
        text = self.texts.get(language)
        if text is None:
            text = self.texts[language] = CodeText(language=language, name="")
        for key, value in values.items():
            setattr(text, key, (value or "").strip())
        if not text.name:
            del self.texts[language]

    def shown(self, field: str, language: str | None = None) -> tuple[str, str | None]:
        """``field`` in ``language`` (the reader's by default), or, where that is empty, in
        the first language that has it; with the language it is in (None: in none)."""
        language = language or current_language()
        for candidate in (language, *LANGUAGES):
            text = self.texts.get(candidate)
            if text is not None and getattr(text, field):
                return getattr(text, field), candidate
        return "", None

    def lang(self, field: str = "name") -> str:
        """The language ``field`` is shown in, for a ``lang`` attribute (WCAG 3.1.2)."""
        return self.shown(field)[1] or current_language()

    def names(self) -> set[str]:
        """The code's name in every language it has one, casefolded."""
        return {text.name.casefold() for text in self.texts.values()}

    @property
    def keyword_list(self) -> list[str]:
        return json.loads(self.keywords or "[]")

    @property
    def active(self) -> bool:
        return self.retired_at is None

    @property
    def path(self) -> str:
        """ "Belonging › Adults who persist": the code with its categories."""
        return self.path_in(None)

    def path_in(self, language: str | None) -> str:
        """The path with each name in ``language`` (the reader's for None), or where a code
        has no name in it, in a language it has."""
        names, code = [], self
        while code is not None and len(names) < 20:
            names.append(code.shown("name", language)[0])
            code = code.parent
        return " › ".join(reversed(names))

    @classmethod
    def named(cls, name: str):
        """A condition for ``select(Code)``: the code is called ``name`` in some language."""
        return cls.id.in_(select(CodeText.code_id).where(CodeText.name == name))
