"""Fuzzed files through the real upload routes: never a 500, and a refused file leaves the
database and the media folder as they were (a file that is accepted is a real import)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.fuzz.conftest import NOTHING, changes, snapshot
from tests.fuzz.strategies import FUZZ, any_bytes
from tests.fuzz.test_hostile_files import errors_shown, send
from tests.fuzz.test_parsers import (
    AUDIO,
    DOCX,
    PDF,
    QDC,
    QDPX,
    REGISTER_CSV,
    REGISTER_XLSX,
    TRANSCRIPT_SEEDS,
)

ROUTE_FILES = {
    "register": (["register.csv", "register.xlsx"], [REGISTER_CSV], [REGISTER_XLSX]),
    "transcript": (["t.txt", "t.vtt", "t.srt", "t.docx"],
                   [s.encode() for seeds in TRANSCRIPT_SEEDS.values() for s in seeds], [DOCX]),
    "audio": (["a.wav", "a.flac", "a.ogg"], AUDIO, []),
    "codebook": (["c.qdc"], [QDC], []),
    "project": (["p.qdpx"], [QDPX], [QDPX]),
    "scan": (["s.pdf", "s.png"], [PDF], []),
}  # fmt: skip


@pytest.mark.parametrize("route", sorted(ROUTE_FILES))
def test_fuzzed_uploads(client, site, route):
    names, seeds, archives = ROUTE_FILES[route]

    @given(data=any_bytes(seeds, archives), index=st.integers(0, len(names) - 1))
    @settings(FUZZ, max_examples=max(5, FUZZ.max_examples // 4))
    def upload(data, index):
        before = snapshot()
        response, html = send(client, site, route, names[index], data)
        assert response.status_code in (200, 302), response.status_code
        if errors_shown(html):
            assert changes(before) == NOTHING

    upload()
