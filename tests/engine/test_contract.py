"""The kind contract as the engine runs it: each live part built once, apply results by key."""

from __future__ import annotations

from collections.abc import Mapping
from types import SimpleNamespace
from typing import Any

import pytest

from provisioner import engine
from provisioner.client import BitrixClient
from provisioner.engine.applier import ApplyReport, _execute
from provisioner.kinds import KINDS
from provisioner.model import Call, Script
from provisioner.model.rounds import once, parallel


def test_every_kind_builds_its_live_part_once_per_read(monkeypatch: pytest.MonkeyPatch,
                                                      client: BitrixClient) -> None:
    """The automation kind takes the deal pipelines and smart processes from their kinds
    (`needs`) instead of parsing their answers a second time."""
    built: dict[str, int] = {}
    for kind in KINDS:
        def counted(results: Any, kind: Any = kind, inner: Any = kind.from_live) -> Any:
            built[kind.name] = built.get(kind.name, 0) + 1
            return inner(results)
        monkeypatch.setattr(kind, "from_live", counted)
    live = engine.read_live(client)
    assert built == {kind.name: 1 for kind in KINDS}
    automation = live.parts["automation"]
    assert automation.pipelines is live.parts["deal.pipelines"]
    assert automation.spa is live.parts["smart_processes"]


def test_a_kind_needing_an_absent_kind_is_refused() -> None:
    automation = next(k for k in KINDS if k.name == "automation")
    with pytest.raises(ValueError, match=r"needs the live part of deal\.pipelines"):
        engine.live_from_results({"app_info": {}, "automation_users": []}, [automation])


def _script(name: str, log: list[tuple[str, Mapping[str, Any]]]) -> Script:
    first = yield [Call("m", {}, f"{name} 1", key=f"{name}_a"), Call("m", {}, f"{name} 2"),
                   Call("m", {}, f"{name} 3", key=f"{name}_b")]
    log.append((name, first))
    second = yield [Call("m", {}, f"{name} 4", key=f"{name}_c")]
    log.append((name, second))


def test_parallel_hands_each_script_its_own_results_by_key() -> None:
    log: list[tuple[str, Mapping[str, Any]]] = []
    rounds = parallel([_script("x", log), once([]), _script("y", log)])
    calls = next(rounds)
    assert [c.label for c in calls] == ["x 1", "x 2", "x 3", "y 1", "y 2", "y 3"]
    # answered in another order, plus a result no script asked for
    calls = rounds.send({"y_b": 4, "x_b": 2, "y_a": 3, "x_a": 1, "other": 0})
    assert [c.label for c in calls] == ["x 4", "y 4"]
    with pytest.raises(StopIteration):
        rounds.send({"y_c": 6, "x_c": 5})
    assert log == [("x", {"x_a": 1, "x_b": 2}), ("y", {"y_a": 3, "y_b": 4}),
                   ("x", {"x_c": 5}), ("y", {"y_c": 6})]


class _Echo:
    """A write client whose every call answers its own command key."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def batch(self, calls: Any, halt: bool = False, rows: Any = None) -> Any:  # noqa: ARG002
        assert halt, "apply sends its writes with halt"
        self.sent.append(dict(calls))
        return SimpleNamespace(results={key: f"result of {key}" for key in calls}, errors={})


def test_a_round_answers_by_key_across_batches() -> None:
    calls = [Call("m", {}, f"call {i}", key=f"k{i}" if i % 2 else None) for i in range(120)]
    client = _Echo()
    results = _execute(client, calls, 1, ApplyReport(), lambda _line: None)
    assert len(client.sent) == 3  # 50 + 50 + 20
    assert results == {f"k{i}": f"result of k{i}" for i in range(1, 120, 2)}


def test_two_calls_of_one_round_sharing_a_key_are_refused() -> None:
    calls = [Call("m", {}, "one", key="same"), Call("m", {}, "two", key="same")]
    client = _Echo()
    with pytest.raises(ValueError, match="share a key"):
        _execute(client, calls, 1, ApplyReport(), lambda _line: None)
    assert client.sent == []  # nothing was sent
