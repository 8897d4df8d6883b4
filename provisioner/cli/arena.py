"""glibc's allocator tuned for a command: one arena, and large blocks mapped apart from the heap.

glibc gives each thread that allocates its own arena. The client decodes the portal's answers
on its exchange thread and the commands build on the main thread, so memory the load of a config
freed on the main thread's arena was never reused for the answers, and the other way round: a
no-op plan of the L100 benchmark portal peaked 45 MB higher (671 against 626 MB,
docs/benchmarks.md, "The load peak"). `mallopt(M_ARENA_MAX, 1)` is what the environment
variable MALLOC_ARENA_MAX=1 does, set before the first thread starts.

A block from 128 KiB up is mapped on its own, and given back when freed, until the first such
block is freed: glibc then raises its threshold to that block's size (up to 32 MiB), and from
then on the answers' buffers, the rows' lists and the largest dicts are carved from the heap,
whose free space it keeps. An L100 no-op plan held 50 to 70 MB of free heap at its peak. A
threshold set by `mallopt(M_MMAP_THRESHOLD, ...)` stays where it is set, as one set by
MALLOC_MMAP_THRESHOLD_ in the environment does: L100 605 -> 580 MB (docs/benchmarks.md, "Rows
trimmed page by page, addresses held, large blocks mapped apart").

A setting made in the environment (MALLOC_ARENA_MAX, MALLOC_MMAP_THRESHOLD_) is left as it is.
Elsewhere (macOS, musl) nothing is done.
"""

from __future__ import annotations

import os
import sys

M_ARENA_MAX = -8  # glibc's <malloc.h>
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 1024 * 1024  # blocks from 1 MiB up mapped apart (glibc's default: 128 KiB)


def tune_malloc() -> bool:
    """Ask glibc for one arena and a fixed threshold for mapped blocks, each unless the
    environment sets it; True when glibc agreed to what was asked."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    agreed = True
    for param, value, variable in ((M_ARENA_MAX, 1, "MALLOC_ARENA_MAX"),
                                   (M_MMAP_THRESHOLD, MMAP_THRESHOLD, "MALLOC_MMAP_THRESHOLD_")):
        if variable not in os.environ:
            agreed = bool(mallopt(param, value)) and agreed
    return agreed
