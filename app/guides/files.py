"""Interview guides as YAML files: the schema, and reading a file with errors that name a line.

A guide file is read in full or not at all. Every problem is reported with the file, the
line and the reason, so that whoever edits a guide can find the mistake.
"""

import hashlib
import json
from pathlib import Path
from typing import Annotated, Literal, NamedTuple

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from app.config import LANGUAGES

#: the Karlstad model's seven areas, the sections of the default guide
SECTION_KEYS = (
    "life_now",
    "placement",
    "birth_family",
    "foster_family",
    "moving_out",
    "network",
    "social_services",
)
MAX_FILE_BYTES = 512 * 1024

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20_000)]
Key = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,39}$")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Question(Strict):
    #: the question's own name, unique in the guide and kept from version to version, so that
    #: a passage answering it is found whichever version was used; a file must give one,
    #: versions stored before keys existed have none (see ``questions``)
    key: Key | None = None
    #: the question as it is asked
    text: Text
    #: follow-up probes
    probes: list[Text] = Field(default_factory=list, max_length=10)
    #: a note to the interviewer
    note: Text | None = None


class Section(Strict):
    key: Key
    title: Text
    #: why the section is asked, and what to be careful with
    purpose: Text
    questions: list[Question] = Field(min_length=1, max_length=30)


class Ethics(Strict):
    title: Text
    guidance: Text


class Guide(Strict):
    id: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{1,63}$")]
    version: int = Field(ge=1)
    language: Literal[LANGUAGES]  # type: ignore[valid-type]
    title: Text
    #: read to the young person at the start
    introduction: Text
    #: for the interviewer: how to document the interview
    documentation: Text
    sections: list[Section] = Field(min_length=1, max_length=20)
    closing: Section
    ethics: Ethics

    def content_hash(self) -> str:
        """The same content gives the same hash, whatever the file's layout. The questions'
        keys are left out: they name the questions and change nothing that is asked, so a
        version stored before keys existed is the same version once its file has them."""
        keyless = {"questions": {"__all__": {"key"}}}
        dumped = self.model_dump(exclude={"sections": {"__all__": keyless}, "closing": keyless})
        canonical = json.dumps(dumped, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def questions(self) -> list["GuideQuestion"]:
        """Every question in the order of the guide, with its section and its key (a
        question without one, from a version stored before keys, is named by its place)."""
        return [
            GuideQuestion(section.key, question.key or f"{section.key}_{n}", question.text)
            for section in (*self.sections, self.closing)
            for n, question in enumerate(section.questions, start=1)
        ]


class GuideQuestion(NamedTuple):
    section_key: str
    key: str
    text: str


class GuideFileError(ValueError):
    """A guide file that cannot be used: where and why."""

    def __init__(self, path: Path, line: int | None, reason: str):
        self.path, self.line, self.reason = path, line, reason
        where = f"{path.name}, line {line}" if line else path.name
        super().__init__(f"{where}: {reason}")


def _line_of(node, loc) -> int | None:
    """The line (1-based) of the deepest node the error's location reaches."""
    line = node.start_mark.line + 1 if node is not None else None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if k.value == part), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            node = node.value[part] if part < len(node.value) else None
        else:
            node = None
        if node is None:
            break
        line = node.start_mark.line + 1
    return line


def load_file(path: Path) -> Guide:
    """Read and check one guide file; GuideFileError says where and why it is wrong."""
    raw = path.read_bytes()
    if len(raw) > MAX_FILE_BYTES:
        raise GuideFileError(path, None, f"larger than {MAX_FILE_BYTES // 1024} KB")
    try:
        text = raw.decode("utf-8")
        tree = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except UnicodeDecodeError:
        raise GuideFileError(path, None, "not UTF-8 text") from None
    except RecursionError:  # PyYAML composes recursively: "[[[[..." runs out of stack
        raise GuideFileError(path, None, "not valid YAML: nested too deeply") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise GuideFileError(path, line, f"not valid YAML: {exc.problem}") from None
    except yaml.reader.ReaderError as exc:  # a control character: not a text file
        raise GuideFileError(path, None, f"not valid YAML: {exc.reason}") from None
    if not isinstance(data, dict):
        raise GuideFileError(path, 1, "the file must be a mapping of keys to values")
    try:
        guide = Guide.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise GuideFileError(
            path, _line_of(tree, first["loc"]), f"{where}: {first['msg']}"
        ) from None
    keys = [s.key for s in (*guide.sections, guide.closing)]
    if len(set(keys)) != len(keys):
        line = _line_of(tree, ("sections",))
        raise GuideFileError(path, line, "two sections have the same key")
    questions = [q for s in (*guide.sections, guide.closing) for q in s.questions]
    if any(q.key is None for q in questions):
        line = _line_of(tree, ("sections",))
        raise GuideFileError(path, line, "every question needs a key")
    question_keys = [q.key for q in questions]
    if len(set(question_keys)) != len(question_keys):
        line = _line_of(tree, ("sections",))
        raise GuideFileError(path, line, "two questions have the same key")
    if guide.closing.key != "closing":
        raise GuideFileError(
            path, _line_of(tree, ("closing", "key")), "closing.key must be 'closing'"
        )
    expected = f"{guide.id}.{guide.language}.yaml"
    if path.name != expected:
        raise GuideFileError(path, None, f"the file must be named {expected}")
    return guide


def load_folder(folder: Path) -> list[Guide]:
    """Every guide in the folder; the first bad file stops the whole load."""
    return [load_file(path) for path in sorted(folder.glob("*.yaml"))]
