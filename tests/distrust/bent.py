"""A client that bends the sandbox's answers in process: the engine tests of issue 14 use it to
play a portal that repeats rows, ignores filters or answers writes in the wrong shape."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

from provisioner.client import BitrixClient
from provisioner.client.models import BatchResult
from provisioner.client.policy import is_read

Calls = Mapping[str, tuple[str, Mapping[str, Any]]]
Results = dict[str, Any]


class Bent:
    """`batch` as the wrapped client's, then `answers(calls, results)` rewrites the results (in
    place), and `before(calls)` may change the calls or raise first."""

    def __init__(self, client: BitrixClient,
                 answers: Callable[[Calls, Results], None] = lambda _c, _r: None,
                 before: Callable[[Calls], Calls] = lambda calls: calls) -> None:
        self.client = client
        self.answers = answers
        self.before = before
        self.sent: list[Calls] = []

    def batch(self, calls: Calls, halt: bool = False, rows: Any = None) -> BatchResult:
        calls = self.before(calls)
        self.sent.append(calls)
        out = self.client.batch(dict(calls), halt=halt, rows=rows)
        results = dict(out.results)
        self.answers(calls, results)
        return dataclasses.replace(out, results=results)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)


def writes(calls: Calls) -> bool:
    return any(not is_read(method) for method, _ in calls.values())


def unfiltered(calls: Calls) -> Calls:
    """Every command as a portal that ignores `filter` runs it."""
    return {k: (m, {p: v for p, v in params.items() if p != "filter"})
            for k, (m, params) in calls.items()}


def on_method(method: str, change: Callable[[Any], Any]) -> Callable[[Calls, Results], None]:
    """Rewrite the result of every command of `method`."""
    def answers(calls: Calls, results: Results) -> None:
        for key, (name, _params) in calls.items():
            if name == method and key in results:
                results[key] = change(results[key])
    return answers
