"""Coded, released interviews to count (the themes tests' corpus), for the cache tests."""

from tests.releases.test_releases import world  # noqa: F401 (a fixture)
from tests.themes.test_themes import corpus  # noqa: F401 (a fixture)
