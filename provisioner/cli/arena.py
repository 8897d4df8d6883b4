"""One malloc arena for the whole process, where the C library is glibc.

glibc gives each thread that allocates its own arena. The client decodes the portal's answers
on its exchange thread and the commands build on the main thread, so memory the load of a config
freed on the main thread's arena was never reused for the answers, and the other way round: a
no-op plan of the L100 benchmark portal peaked 45 MB higher (671 against 626 MB,
docs/benchmarks.md, "The load peak"). `mallopt(M_ARENA_MAX, 1)` is what the environment
variable MALLOC_ARENA_MAX=1 does, set before the first thread starts. Elsewhere (macOS, musl)
nothing is done.
"""

from __future__ import annotations

import sys

M_ARENA_MAX = -8  # glibc's <malloc.h>


def one_arena() -> bool:
    """Ask glibc for one arena; True when it agreed."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    return bool(mallopt(M_ARENA_MAX, 1))
