"""Real sleeps in tests: `time.sleep` is wrapped (tests/conftest.py imports this module before
anything binds it) and a test that sleeps more than LIMIT seconds of wall time fails: inject a
clock instead (the sandbox's VirtualClock, the client's `sleep=`/`clock=`).

PYTEST_DONT_REWRITE: imported before pytest registers it as a plugin, and it asserts nothing.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

LIMIT = 0.5  # seconds of real sleep one test may take (a rate-limit tick, a poll)
# Tests that still sleep, with whose branch removes the sleep: exempt from the check and marked
# slow (the fast local loop skips them); delete the entry once the fix is merged.
KNOWN: set[str] = set()

_real_sleep = time.sleep
_slept = [0.0]


def _counting_sleep(seconds: float) -> None:
    _slept[0] += max(0.0, seconds)
    _real_sleep(seconds)


time.sleep = _counting_sleep  # type: ignore[assignment]  # sleep(float) is all we are given


@pytest.hookimpl(tryfirst=True)  # before -m deselects
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that still sleeps in real time is slow: the fast local loop skips it."""
    for item in items:
        if item.nodeid in KNOWN:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True)
def _no_real_sleep(request: pytest.FixtureRequest) -> Iterator[None]:
    _slept[0] = 0.0
    yield
    if _slept[0] > LIMIT and request.node.nodeid not in KNOWN:
        pytest.fail(f"slept {_slept[0]:.1f} s of real time (more than {LIMIT} s): inject a "
                    "clock or a sleep (the sandbox's VirtualClock, the client's sleep=/clock=)",
                    pytrace=False)
