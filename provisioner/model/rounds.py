"""How writes travel: the one round scheduler every apply goes through, and batches of 50.

A kind's apply (`Script`) yields a round of calls and receives the results of its keyed calls
by key. `parallel` runs several scripts in lockstep: round N of each goes out together, so
independent writes share batches. The engine runs every kind's script under it; a kind whose
objects need several small scripts (a new smart process and its pipelines) uses it too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from provisioner.model.kind import Call, Script

BATCH_LIMIT = 50  # sub-calls per batch (docs/portal-rules.md#batch)

_Pending = list[tuple[Script, list[Call]]]


def parallel(scripts: Sequence[Script]) -> Script:
    """Run scripts in lockstep; each gets the results of its own keyed calls."""
    pending: _Pending = []
    for script in scripts:
        _advance(script, None, pending)
    while pending:
        results = yield [call for _, calls in pending for call in calls]
        current, pending = pending, []
        for script, calls in current:
            _advance(script, _own(calls, results), pending)


def _own(calls: Sequence[Call], results: Mapping[str, Any]) -> dict[str, Any]:
    return {call.key: results[call.key] for call in calls
            if call.key is not None and call.key in results}


def _advance(script: Script, results: Mapping[str, Any] | None, pending: _Pending) -> None:
    """The script's next round (skipping empty ones), or nothing when it is done."""
    while True:
        try:
            calls = next(script) if results is None else script.send(results)
        except StopIteration:
            return
        if calls:
            pending.append((script, calls))
            return
        results = {}


def once(calls: list[Call]) -> Script:
    """A script of one round (none when there is no call)."""
    if calls:
        yield calls


def chunks(calls: Sequence[Call], limit: int = BATCH_LIMIT) -> list[list[Call]]:
    """Split into batches of at most `limit`, never separating a call from the one it refers to."""
    groups: list[list[Call]] = []
    for call in calls:
        if call.with_previous and groups:
            groups[-1].append(call)
        else:
            groups.append([call])
    out: list[list[Call]] = []
    for group in groups:
        if not out or len(out[-1]) + len(group) > limit:
            out.append([])
        out[-1].extend(group)
    return out
