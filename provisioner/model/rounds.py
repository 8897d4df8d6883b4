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
    """Split into batches of at most `limit`, never separating a call from the one it refers to;
    each batch ends with one read of every list its creates' claims name (`Claim.read`): one
    read checks every create of the batch that wrote into that list (issue 18: a read after
    each create cost a call each, 58 at L1)."""
    groups: list[list[Call]] = []
    for call in calls:
        if call.with_previous and groups:
            groups[-1].append(call)
        else:
            groups.append([call])
    out: list[list[Call]] = []
    reads: list[list[tuple[str, Mapping[str, Any]]]] = []
    for group in groups:
        new = _reads(group, reads[-1] if reads else [])
        if not out or len(out[-1]) + len(group) + len(reads[-1]) + len(new) > limit:
            out.append([])
            reads.append([])
            new = _reads(group, [])
        out[-1].extend(group)
        reads[-1].extend(new)
    return [[*batch, *(_check(read, batch) for read in wanted)]
            for batch, wanted in zip(out, reads, strict=True)]


def _reads(group: Sequence[Call], have: Sequence[tuple[str, Mapping[str, Any]]]
           ) -> list[tuple[str, Mapping[str, Any]]]:
    """The claims' reads of `group` not in `have` yet (each once)."""
    out: list[tuple[str, Mapping[str, Any]]] = []
    for call in group:
        if call.claim is not None and call.claim.read not in have and call.claim.read not in out:
            out.append(call.claim.read)
    return out


def _check(read: tuple[str, Mapping[str, Any]], batch: Sequence[Call]) -> Call:
    """The read of one list after the creates of `batch` that claim a key in it."""
    made = [c for c in batch if c.claim is not None and c.claim.read == read]
    names = [c.label.removeprefix("+ ") for c in made]
    shown = names[0] if len(names) == 1 else (
        f"{', '.join(names[:-1])} and {names[-1]}" if len(names) <= 3
        else f"{names[0]} and {len(names) - 1} more")
    assert made[0].claim is not None
    return Call(read[0], read[1], f"  read {made[0].claim.what} after adding {shown}",
                check=True)
