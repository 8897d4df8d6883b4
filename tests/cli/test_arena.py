"""cli/arena.py: the CLI asks glibc for one malloc arena and a fixed threshold for mapped blocks
before any thread starts, and nothing breaks where there is no glibc."""

from __future__ import annotations

import sys
from typing import Any

import pytest

from provisioner.cli import arena


def _glibc(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int]]:
    """A glibc whose mallopt records what it is asked, with no setting in the environment."""
    asked: list[tuple[int, int]] = []

    class Libc:
        def __init__(self, _name: Any) -> None:
            def mallopt(param: int, value: int) -> int:
                asked.append((param, value))
                return 1

            self.mallopt = mallopt

    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setattr("ctypes.CDLL", Libc)
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    monkeypatch.delenv("MALLOC_MMAP_THRESHOLD_", raising=False)
    return asked


def test_tune_malloc_is_asked_of_glibc(monkeypatch: pytest.MonkeyPatch) -> None:
    asked = _glibc(monkeypatch)
    assert arena.tune_malloc() is True
    assert asked == [(arena.M_ARENA_MAX, 1), (arena.M_MMAP_THRESHOLD, arena.MMAP_THRESHOLD)] \
        == [(-8, 1), (-3, 1024 * 1024)]


@pytest.mark.parametrize(("variable", "left"), [("MALLOC_ARENA_MAX", (-8, 1)),
                                                 ("MALLOC_MMAP_THRESHOLD_", (-3, 1024 * 1024))])
def test_a_setting_made_in_the_environment_is_left_as_it_is(
        monkeypatch: pytest.MonkeyPatch, variable: str, left: tuple[int, int]) -> None:
    asked = _glibc(monkeypatch)
    monkeypatch.setenv(variable, "4")
    assert arena.tune_malloc() is True
    assert left not in asked and len(asked) == 1


@pytest.mark.parametrize("missing", [OSError("no libc"), AttributeError("mallopt")])
def test_without_mallopt_nothing_is_done(monkeypatch: pytest.MonkeyPatch,
                                         missing: Exception) -> None:
    def cdll(_name: Any) -> Any:
        raise missing

    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setattr("ctypes.CDLL", cdll)
    assert arena.tune_malloc() is False


def test_elsewhere_than_linux_nothing_is_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "darwin")
    monkeypatch.setattr("ctypes.CDLL", lambda _name: pytest.fail("asked"))
    assert arena.tune_malloc() is False


def test_the_command_line_asks_for_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from provisioner.cli import main

    calls: list[bool] = []

    def tune() -> bool:
        calls.append(True)
        return True

    monkeypatch.setattr("provisioner.cli.tune_malloc", tune)
    CliRunner().invoke(main, ["validate", "--help"])
    assert calls == [True]
