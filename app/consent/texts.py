"""Consent form texts: the schema, the shipped first versions, and seeding them.

The shipped files (``texts/<form>.<language>.yaml``) become version 1 of the form in each
language on a new installation. After that a coordinator publishes new versions in the
browser; a version, once published, is never changed, so a consent given under it keeps
meaning what the young person read.
"""

import hashlib
import json
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, StringConstraints
from sqlalchemy import select

from app.config import LANGUAGES
from app.core import audit
from app.core.db import db

FOLDER = Path(__file__).resolve().parent / "texts"
FORM_KEY = "karlstad-consent"

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5_000)]
Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ScopeText(Strict):
    title: Line
    #: what it means, in plain words
    explanation: Text
    #: the sentence the young person says yes to
    statement: Text


class ScopeTexts(Strict):
    participation: ScopeText
    audio_recording: ScopeText
    automated_transcription: ScopeText
    research_use: ScopeText
    quotation: ScopeText
    #: asked from the first version that offers the letter after the review; versions
    #: published before it lack it, and no one can say yes to it under them
    hear_back: ScopeText | None = None


class ConsentText(Strict):
    language: Literal[LANGUAGES]  # type: ignore[valid-type]
    title: Line
    #: what taking part means; that it is voluntary; the limits of confidentiality
    introduction: Text
    scopes: ScopeTexts
    #: how long what is kept is kept
    retention: Text
    #: how to withdraw, and what happens then
    withdrawal: Text
    #: for a young person under 18: the guardian's consent as well
    guardian: Text

    def content_hash(self) -> str:
        # None left out: a version without the hear-back question keeps the hash it had
        canonical = json.dumps(self.model_dump(exclude_none=True), sort_keys=True,
                               ensure_ascii=False)  # fmt: skip
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def scope(self, name: str) -> ScopeText | None:
        return getattr(self.scopes, name)


def load_shipped(language: str, folder: Path = FOLDER) -> ConsentText:
    path = folder / f"{FORM_KEY}.{language}.yaml"
    return ConsentText.model_validate(yaml.safe_load(path.read_text("utf-8")))


def seed_forms(folder: Path = FOLDER) -> int:
    """Store the shipped text as version 1 in each language that has no version yet."""
    from app.consent.models import ConsentForm

    added = 0
    for language in LANGUAGES:
        exists = db.session.scalar(
            select(ConsentForm.id).where(
                ConsentForm.form_key == FORM_KEY, ConsentForm.language == language
            )
        )
        if exists:
            continue
        form = ConsentForm.from_text(FORM_KEY, 1, load_shipped(language, folder), created_by=None)
        db.session.add(form)
        db.session.flush()
        audit.record(None, "consent.form_publish", "consent_form", form.id,
                     language=language, version=1)  # fmt: skip
        added += 1
    return added
