"""Shared fixtures: the sample UN sites served on 127.0.0.1 for the whole session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sample_site.server import SampleSites, serve_sites


@pytest.fixture(scope="session")
def sample_sites() -> Iterator[SampleSites]:
    """Both sample hosts (www.un.org, press.un.org) on ephemeral 127.0.0.1 ports."""
    with serve_sites() as sites:
        yield sites
