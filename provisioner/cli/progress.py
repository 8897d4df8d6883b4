"""The progress line on stderr: one line redrawn in place while the portal is read or a plan is
applied (requests done / planned, seconds waited for the rate limit). Only on a terminal: piped
or redirected, stderr gets nothing of it, and stdout never does.
"""

from __future__ import annotations

import sys
from typing import Any

import click

CLEAR = "\r\x1b[K"  # to the line's start, erase it


class StatusLine:
    """Draws `Progress.text()` on stderr; `echo` prints a line of stdout around it."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.shown = ""
        self.last: Any = None  # the last Progress told (kept when not drawn: apply's counts)

    def __call__(self, progress: Any) -> None:
        """The workspace's `watch`."""
        self.last = progress
        if not self.enabled:
            return
        text = progress.text()
        width = _width()
        if len(text) >= width:
            text = text[: max(width - 2, 10)] + "…"
        sys.stderr.write(CLEAR + text)
        sys.stderr.flush()
        self.shown = text

    def clear(self) -> None:
        if self.enabled and self.shown:
            sys.stderr.write(CLEAR)
            sys.stderr.flush()
            self.shown = ""

    def echo(self, line: str) -> None:
        """A line of output (stdout) with the status line out of its way and back after it."""
        shown = self.shown
        self.clear()
        click.echo(line)
        if shown and self.enabled:
            sys.stderr.write(shown)
            sys.stderr.flush()
            self.shown = shown


def _width() -> int:
    import shutil

    return shutil.get_terminal_size((80, 24)).columns
