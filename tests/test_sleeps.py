"""The real-sleep guard: a test that sleeps longer than sleeps.LIMIT fails and says what to do,
a short sleep passes, and the clients the CLI builds sleep through the guard too."""

from __future__ import annotations

import time

import pytest
import sleeps

from provisioner.client import deadline

pytest_plugins = ["pytester"]
INNER = ("-p", "sleeps", "-p", "no:hypothesispytest", "-p", "no:cacheprovider")


def test_time_sleep_and_the_clients_default_sleep_are_counted() -> None:
    assert time.sleep is sleeps._counting_sleep
    # A client built without a sleep waits through deadline.SYSTEM (provisioner/client).
    assert deadline.SYSTEM.sleep is sleeps._counting_sleep


def test_a_long_sleep_fails_and_a_short_one_passes(pytester: pytest.Pytester,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    waited: list[float] = []
    monkeypatch.setattr(sleeps, "_real_sleep", waited.append)  # no real wait in this test
    monkeypatch.setattr(sleeps, "_slept", [0.0])  # the inner runs' count, not this test's
    pytester.makepyfile(test_inner="""
        import time

        def test_long():
            time.sleep(0.4)
            time.sleep(0.4)

        def test_short():
            time.sleep(0.5)
    """)
    result = pytester.runpytest_inprocess(*INNER)
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*ERROR at teardown of test_long*",
                                 "slept 0.8 s of real time (more than 0.5 s): inject a clock or a "
                                 "sleep (the sandbox's VirtualClock, the client's sleep=/clock=)"])
    assert waited == [0.4, 0.4, 0.5]


def test_a_known_sleeper_is_exempt_and_slow(pytester: pytest.Pytester,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sleeps, "_real_sleep", lambda _s: None)
    monkeypatch.setattr(sleeps, "_slept", [0.0])
    monkeypatch.setattr(sleeps, "KNOWN", {"test_inner.py::test_known"})
    pytester.makeini("[pytest]\nmarkers = slow: long-running\n")
    pytester.makepyfile(test_inner="""
        import time

        def test_known():
            time.sleep(10)

        def test_other():
            pass
    """)
    pytester.runpytest_inprocess(*INNER).assert_outcomes(passed=2)
    fast = pytester.runpytest_inprocess(*INNER, "-m", "not slow")
    fast.assert_outcomes(passed=1, deselected=1)
