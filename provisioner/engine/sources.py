"""Desired-state files read as untrusted input: regular files only, bytes bounded, nesting
bounded (issue 14, item 8 of the hostile portal's sibling: a hostile filesystem).

A config may be a link to `/dev/zero`, a FIFO that never ends, a directory or a link loop
named `*.toml`, a file of gigabytes, or 80 KB of one dotted key 40,000 levels deep (tomllib
keeps every level's full path: gigabytes). Each is refused with a located problem before it
costs more than its limit: a file is opened once (links followed; a link to a regular file,
inside the config or not, is fine), checked to be a regular file on the open descriptor, and
read up to its limit plus one byte, never trusting `stat`'s size; the text is scanned for
nesting (a cheap pass over its brackets and dotted keys, strings and comments left out)
before tomllib sees it.

Limits: `PROVISION_MAX_CONFIG_BYTES` per file (default 64 MiB: a 100-pipeline, 10,000-field
portal exports a 29.6 MB fields.toml) and `PROVISION_MAX_CONFIG_TOTAL_BYTES` for the whole
config (default 256 MiB); nesting at most 100 levels (the desired state needs about 10).
"""

from __future__ import annotations

import errno
import itertools
import os
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from provisioner.errors import Problem, ProvisionError

FILE_ENV = "PROVISION_MAX_CONFIG_BYTES"
TOTAL_ENV = "PROVISION_MAX_CONFIG_TOTAL_BYTES"
MiB = 2**20
MAX_FILE = 64 * MiB
MAX_TOTAL = 256 * MiB
MAX_NESTING = 100  # brackets open at once, or dots in one key
_CHUNK = MiB


@dataclass(frozen=True)
class Limits:
    file: int = MAX_FILE
    total: int = MAX_TOTAL
    nesting: int = MAX_NESTING

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Limits:
        return cls(_bytes(env, FILE_ENV, MAX_FILE), _bytes(env, TOTAL_ENV, MAX_TOTAL))


def _bytes(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) == 0:
        raise ProvisionError(f"{name}={raw!r} is not a number of bytes: write e.g. "
                             f"{name}={default} ({default // MiB} MiB)")
    return int(raw)


class Budget:
    """The bytes the config may still take, file by file."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.used = 0

    def read(self, path: Path) -> bytes | Problem:
        """The bytes of `path`, or the problem that stopped reading it."""
        name = str(path)
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)
                         | getattr(os, "O_BINARY", 0))
        except OSError as exc:
            return _unopenable(name, path, exc)
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            os.close(fd)
            return _not_regular(name, mode)
        with os.fdopen(fd, "rb", buffering=0) as file:
            room = min(self.limits.file, self.limits.total - self.used)
            data = _read_at_most(file, room + 1)
        if len(data) > room:
            return self._too_big(name, room)
        self.used += len(data)
        return data

    def _too_big(self, name: str, room: int) -> Problem:
        if room < self.limits.file:
            return Problem(name, "(size)", f"the desired state passes {_size(self.limits.total)} "
                           f"in all with this file, the most provision reads from one config",
                           f"check that the config holds only desired-state files, or raise "
                           f"the limit: {TOTAL_ENV}=<bytes>")
        return Problem(name, "(size)", f"the file is larger than {_size(self.limits.file)}, the "
                       "most provision reads from one desired-state file",
                       f"check that this is the right file, split it into several *.toml files "
                       f"in one directory, or raise the limit: {FILE_ENV}=<bytes>")


def _read_at_most(file: BinaryIO, count: int) -> bytes:
    chunks: list[bytes] = []
    while count > 0:
        chunk = file.read(min(count, _CHUNK))
        if not chunk:
            break
        chunks.append(chunk)
        count -= len(chunk)
    return b"".join(chunks)


def _size(count: int) -> str:
    return f"{count // MiB} MiB" if count % MiB == 0 else f"{count} bytes"


_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a named pipe (FIFO)"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISSOCK, "a socket"))
_FIX = "point the config at a directory of *.toml files or at one regular file"


def _not_regular(name: str, mode: int) -> Problem:
    kind = next((word for test, word in _KINDS if test(mode)), "not a file")
    return Problem(name, "(file)", f"{kind}, not a regular file (links are followed)",
                   f"{_FIX}; rename or remove this one")


def _unopenable(name: str, path: Path, exc: OSError) -> Problem:
    if exc.errno == errno.ELOOP:
        return Problem(name, "(file)", "a symbolic link that loops (it leads back to itself)",
                       f"{_FIX}; fix or remove the link")
    if exc.errno == errno.ENOENT and path.is_symlink():
        return Problem(name, "(file)", f"a symbolic link to {os.readlink(path)}, which does not "
                       "exist", f"{_FIX}; fix or remove the link")
    if exc.errno in (errno.EISDIR, errno.EACCES) and path.is_dir():
        return _not_regular(name, stat.S_IFDIR)
    return Problem(name, "(file)", f"cannot be read ({exc.strerror or exc})",
                   "check that the file exists and that you may read it")


# ---- nesting ---------------------------------------------------------------------------------

# Strings and comments (their brackets and dots are text): multi-line strings first.
_LONG = re.compile(r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'')
_SHORT = re.compile(r'"[^"\\\n]*(?:\\.[^"\\\n]*)*"|\'[^\'\n]*\'|#[^\n]*')
# What is left of the structure, as bytes: dots, line ends, brackets; `=` and `,` end a key.
_STRUCTURE = b".\n[]{}=,"
_TO_BAR = bytes.maketrans(b"=,", b"||")
_DROP = bytes(b for b in range(256) if b not in _STRUCTURE)
_STEP = [0] * 256
_STEP[ord("[")] = _STEP[ord("{")] = 1
_STEP[ord("]")] = _STEP[ord("}")] = -1


def nesting_problem(name: str, text: str, limit: int = MAX_NESTING) -> Problem | None:
    """Keys or brackets nested deeper than `limit`, located, before tomllib parses the text.
    Dots are counted per key (up to `=`, `,`, a bracket or the line's end); a float's dot counts
    too, which only makes the measure larger by one. C-speed passes (regex, bytes.translate):
    about 1 s for a 30 MiB fields.toml, where tomllib takes 15."""
    bare = _SHORT.sub("", _LONG.sub(lambda m: "\n" * m.group().count("\n"), text))
    shape = bare.encode("utf-8", "surrogatepass").translate(_TO_BAR, _DROP)
    dotted = re.search(rb"\.{%d}" % (limit + 1), shape)
    if dotted is not None:
        return _deep(name, shape, dotted.start(), f"a dotted key of more than {limit} levels",
                     limit)
    brackets = shape.translate(None, b".\n|")
    if max(itertools.accumulate(_STEP[b] for b in brackets), default=0) <= limit:
        return None
    depths = itertools.accumulate(_STEP[b] for b in shape)
    at = next(i for i, depth in enumerate(depths) if depth > limit)
    return _deep(name, shape, at, f"arrays or tables nested more than {limit} levels deep",
                 limit)


def _deep(name: str, shape: bytes, at: int, what: str, limit: int) -> Problem:
    return Problem(name, "(nesting)", f"{what}; provision reads at most {limit} (a desired "
                   "state needs about 10), so the file is not parsed",
                   "write the keys a few levels deep, as the JSON Schema shows",
                   shape.count(b"\n", 0, at) + 1)
