"""Each test's hubs end with it: their listener threads close their database and Redis
connections instead of lingering for the idle timeout."""

from __future__ import annotations

import pytest

from ideenwerkstatt.livestate import hub


@pytest.fixture(autouse=True)
def _end_hubs():
    yield
    hub.shutdown_all()
    hub._hubs.clear()
