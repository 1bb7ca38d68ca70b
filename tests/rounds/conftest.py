"""The fixtures of the coding tests (``coded`` and the interviews it builds on)."""

from tests.codebook.sample import coded, world  # noqa: F401 (fixtures)
