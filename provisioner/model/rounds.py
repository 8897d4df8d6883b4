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


Read = tuple[str, Mapping[str, Any]]  # a read's method and params


def chunks(calls: Sequence[Call], limit: int = BATCH_LIMIT) -> list[list[Call]]:
    """Split into batches of at most `limit`, never separating a call from the one it refers to.
    Each batch ends with its reads, each once: a `shared` read asked by several calls of the
    batch goes out once, its answer reaching every one's key (`Call.also`), and one read of
    every list its creates' claims name (`Claim.read`) checks them all (issue 18: a read after
    each create cost a call each, 58 + 66 at L1)."""
    groups: list[list[Call]] = []
    for call in calls:
        if call.with_previous and groups:
            groups[-1].append(call)
        else:
            groups.append([call])
    out: list[list[Call]] = []
    reads: list[list[Read]] = []
    sizes: list[int] = []
    for group in groups:
        new = _reads(group, reads[-1] if reads else [])
        own = sum(not c.shared for c in group)
        if not out or sizes[-1] + own + len(reads[-1]) + len(new) > limit:
            out.append([])
            reads.append([])
            sizes.append(0)
            new = _reads(group, [])
        out[-1].extend(group)
        reads[-1].extend(new)
        sizes[-1] += own
    return [[*(c for c in batch if not c.shared), *(_read(read, batch) for read in wanted)]
            for batch, wanted in zip(out, reads, strict=True)]


def _reads(group: Sequence[Call], have: Sequence[Read]) -> list[Read]:
    """The reads `group` asks (shared ones, its claims') not in `have` yet, each once."""
    out: list[Read] = []
    for call in group:
        read = (call.method, call.params) if call.shared else \
            call.claim.read if call.claim is not None else None
        if read is not None and read not in have and read not in out:
            out.append(read)
    return out


def _read(read: Read, batch: Sequence[Call]) -> Call:
    """One read of the batch: the shared calls asking it merged (the first's key, the others'
    in `also`), or the read of a list after the creates that claim a key in it."""
    asked = [c for c in batch if c.shared and (c.method, c.params) == read]
    if asked:
        first = asked[0]
        more = f" and {len(asked) - 1} more" if len(asked) > 1 else ""
        return Call(read[0], read[1], first.label + more, key=first.key,
                    also=tuple(c.key for c in asked[1:] if c.key is not None), shared=True)
    made = [c for c in batch if c.claim is not None and c.claim.read == read]
    names = [c.label.removeprefix("+ ") for c in made]
    shown = names[0] if len(names) == 1 else (
        f"{', '.join(names[:-1])} and {names[-1]}" if len(names) <= 3
        else f"{names[0]} and {len(names) - 1} more")
    assert made[0].claim is not None
    return Call(read[0], read[1], f"  read {made[0].claim.what} after adding {shown}",
                check=True)
