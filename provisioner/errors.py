"""The one exception root of provision, and the located problem used for user input errors."""

from __future__ import annotations

from dataclasses import dataclass


class ProvisionError(Exception):
    """Root of every expected error; the CLI prints it as one message and exits 1."""


@dataclass(frozen=True)
class Problem:
    """One problem in user input: where it is, what is wrong, how to fix it."""

    file: str
    key: str
    message: str
    fix: str = ""
    line: int | None = None

    def render(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        text = f"{where}: {self.key}: {self.message}"
        return f"{text}\n    fix: {self.fix}" if self.fix else text


class ConfigError(ProvisionError):
    """The desired state has problems; all of them are carried, in file/key order."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.file, p.line or 0, p.key, p.message))
        super().__init__(self.render())

    def render(self) -> str:
        count = len(self.problems)
        head = f"{count} problem{'s' if count != 1 else ''} in the desired state:"
        return "\n".join([head, *(p.render() for p in self.problems)])
