"""How a kind's writes travel: rounds of calls, batched by 50 with `halt`."""

from __future__ import annotations

from collections.abc import Sequence

from provisioner.model.kind import Call

BATCH_LIMIT = 50  # sub-calls per batch (§1.8)


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
