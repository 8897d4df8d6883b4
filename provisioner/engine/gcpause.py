"""The cyclic garbage collector paused while a big state is built (loading, reading a portal,
making the plan: its callers pause it, make_plan itself switches nothing).

Loading a config and reading a portal make millions of objects in a row and almost none of them
garbage: each collection the allocations trigger walks them all again for nothing (measured in
docs/benchmarks.md, "the plan path": a third of loading's CPU and more of the read's at L10).
Reference counting still frees everything at once; cycles made meanwhile wait for the collector,
which is switched back on (never forced to run) when the outermost pause ends.

The objects the pause made are then moved to the oldest generation at once (`gc.freeze()` then
`gc.unfreeze()`, two list splices): left in the youngest, the first collection after the pause
walked all of them (0.25 s at L10), the next middle one again, and they reached the oldest
generation only after that. In the oldest they are looked at by full collections only, which
still free any cycle among them.

The plan pairs both sides under their addresses, and an enumeration item's address is made
then (the item holds none, fields/model.py): 33,000 addresses with their steps (and, until
issue 18's last pass, weak references) at L10, which without the pause survived enough young collections to set off a full
one over everything loaded and read (0.08 s of the L10 diff's 0.24 s).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """The collector off for the block; nested pauses leave it to the outermost one."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            _to_oldest()
            gc.enable()


def _to_oldest() -> None:
    """Every tracked object into the oldest generation, unless something else froze objects
    (a server before it forks): unfreezing would release those too."""
    if gc.get_freeze_count() == 0:
        gc.freeze()
        gc.unfreeze()
