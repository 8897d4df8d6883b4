"""The program's way out: once a command has finished, the process ends without the
interpreter's teardown.

At exit CPython frees, one by one, every object still alive: the interned addresses of both
sides of a plan (model/address.py keeps them for the life of the process), the modules and
what they hold, after a last full collection that walks them all. The operating system takes
the whole process back at once anyway. An L100 no-op plan spent 2.5 s of its 22 s of CPU in
that teardown, an L10 one 0.3 s of 2.4 (docs/benchmarks.md, "The teardown skipped").

What a normal exit does that matters is still done, in its order: the `atexit` functions (the
logging module's flush among them), then stdout and stderr flushed; only the freeing is
skipped. A thread that is not a daemon still running is waited for, as Python waits for it: the
exit is then the normal one. Library use (`main` called by click's test runner, or
`standalone_mode=False`) never comes here: only the `provision` program does (`run`).
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
from typing import NoReturn

# The status Python exits with when flushing stdout fails at exit (a closed pipe).
FLUSH_FAILED = 120

# What commands of the `provision` program are done with, alive to the end of the process
# (`keep`); None where main runs as a library (click's test runner, standalone_mode=False).
_KEPT: list[object] | None = None


def keeping() -> None:
    """From now on, `keep` keeps: the program (`run`) ends in `leave`, which frees nothing."""
    global _KEPT
    _KEPT = []


def keep(*objects: object) -> None:
    """Objects a command is done with (a plan, its workspace), freed by the end of the
    process instead of one by one on the way there: an L100 plan's objects took 0.31 s of
    its 14.8 s of CPU to free as `_plan` returned. Where main runs as a library, nothing
    is kept: they are freed as before."""
    if _KEPT is not None:
        _KEPT.extend(objects)


def exit_code(exc: SystemExit) -> int:
    """The status Python would exit with for `exc`, printing a message code as it does."""
    code = exc.code
    if code is None:
        return 0
    if isinstance(code, int):  # True is 1, as for Python
        return code & 0xFF
    print(code, file=sys.stderr)  # sys.exit("text"): the text on stderr, status 1
    return 1


def leave(code: int) -> NoReturn:
    """End the process with `code` after the atexit functions and a flush of stdout and
    stderr, without freeing what the interpreter holds; a normal exit while a non-daemon
    thread still runs."""
    main = threading.main_thread()
    if any(t is not main and not t.daemon and t.is_alive() for t in threading.enumerate()):
        sys.exit(code)
    atexit._run_exitfuncs()  # what interpreter shutdown would run first
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):  # a closed pipe or stream: Python's status for it
            if stream is sys.stdout and code == 0:
                code = FLUSH_FAILED
    os._exit(code)
