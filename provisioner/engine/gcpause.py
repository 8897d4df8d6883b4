"""The cyclic garbage collector paused while a big state is built (loading, reading a portal).

Loading a config and reading a portal make millions of objects in a row and almost none of them
garbage: each collection the allocations trigger walks them all again for nothing (measured in
docs/benchmarks.md, "the plan path": a third of loading's CPU and more of the read's at L10).
Reference counting still frees everything at once; cycles made meanwhile wait for the collector,
which is switched back on (never forced to run) when the outermost pause ends.
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
            gc.enable()
