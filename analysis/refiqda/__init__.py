"""REFI-QDA exchange: codebooks (.qdc) and projects (.qdpx) in and out, on plain data.

REFI-QDA 1.5 (``../shared/refi-qda/``) is how NVivo, ATLAS.ti, MAXQDA and QualCoder move
codebooks and coded texts between each other. The writers produce files that validate
against the standard's schemas; the readers take what real tools write: namespaces are
ignored (elements match on local names), GUIDs are canonicalised (lowercase, no braces),
and whatever Red Thread cannot hold is skipped and listed in an ``ImportReport``, as §7 of
the standard asks. A file that cannot be read at all raises ``RefiError``; a reader either
returns everything it could use or raises, never half a project.

Offsets. ``startPosition``/``endPosition`` of a PlainTextSelection count Unicode code
points (Python ``str`` indices) of the source text as stored, from 0, end exclusive
(§10.2; the annex confirms it: "granola" is 62..69). Red Thread keeps texts with LF line
ends and no BOM, so both directions normalise and remap:

- a UTF-8 BOM before a source file's text is not part of the text and is not counted;
- each CRLF becomes LF and every offset after it moves down by one, so a selection keeps
  covering the same characters; a lone CR becomes LF (same length, nothing moves);
- NVivo counts UTF-16 code units instead (an emoji counts two): a file whose ``origin``
  names NVivo is read, and a project whose origin names NVivo is written, that way; a file
  without an origin is read the way under which its selections fall on word boundaries;
- text inline in the XML (``PlainTextContent``) has had its line ends normalised by the
  XML parser already, as XML requires; only CRs written as ``&#13;`` survive to be remapped.

Dates are written in UTC with "Z"; a naive datetime, or a date in a file without a time
zone, is taken as UTC. Variables are typed from the Python values (bool, int, float, else
text); Date and DateTime values in a file are read as their ISO text.

Untrusted input: every XML document is parsed by defusedxml with DTDs forbidden, and a
.qdpx is checked (entry names, count, sizes, compression ratio) before anything is
decompressed, and its entries are counted again while they are read.

The package: ``model`` holds the data (codes, sources, selections, the project) and the GUID
and text rules both directions share; ``write`` makes the files; ``read`` reads them, through
``safezip`` for the archive, ``read_codes`` for the codes, ``read_project`` for the rest of
a project and ``elements`` for the XML. The names below are the public ones, as before the
split.
"""

from analysis.refiqda.model import (
    CODEBOOK_NS,
    PROJECT_NS,
    Case,
    Code,
    Coding,
    ImportReport,
    Project,
    RefiError,
    Selection,
    Source,
    User,
    Value,
    canonical_guid,
    new_guid,
)
from analysis.refiqda.read import read_qdc, read_qde, read_qdpx
from analysis.refiqda.read_codes import MAX_DEPTH
from analysis.refiqda.safezip import MAX_ENTRIES, MAX_RATIO, MAX_TOTAL, RATIO_FROM
from analysis.refiqda.write import write_qdc, write_qdpx

__all__ = [
    "CODEBOOK_NS",
    "MAX_DEPTH",
    "MAX_ENTRIES",
    "MAX_RATIO",
    "MAX_TOTAL",
    "PROJECT_NS",
    "RATIO_FROM",
    "Case",
    "Code",
    "Coding",
    "ImportReport",
    "Project",
    "RefiError",
    "Selection",
    "Source",
    "User",
    "Value",
    "canonical_guid",
    "new_guid",
    "read_qdc",
    "read_qde",
    "read_qdpx",
    "write_qdc",
    "write_qdpx",
]
