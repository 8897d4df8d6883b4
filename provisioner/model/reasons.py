"""Reasons of changes and notes as data: a code and its parameters, and the text rendered from them.

The JSON plan carries both (`reason` for people, `reason_data` for programs); the text plan
shows the text. A reason is for people and programs that read plans: it never steers apply.
Each reason is a frozen dataclass whose fields are its parameters; the engine's own are here,
a kind defines its own beside the kind.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, ClassVar

UNMANAGED = "not in the desired state; would be deleted with --allow-destroy"
SYSTEM = "kept by the portal (system or default), never deleted"
PROTECTED = "protected (protect = [...]): never deleted or replaced"


@dataclass(frozen=True)
class Reason:
    """Why a change or note is planned; `code` names it, the fields are its parameters."""

    code: ClassVar[str] = ""

    @property
    def text(self) -> str:
        """The reason for people (one line, or the steps of a manual change line by line)."""
        raise NotImplementedError

    def data(self) -> dict[str, Any]:
        """`{"code": ..., parameter: value, ...}`, JSON-ready."""
        out: dict[str, Any] = {"code": self.code}
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            out[field.name] = list(value) if isinstance(value, tuple) else value
        return out


@dataclass(frozen=True)
class Unmanaged(Reason):
    """A live object in a managed scope that the desired state does not name."""

    code: ClassVar[str] = "unmanaged"

    @property
    def text(self) -> str:
        return UNMANAGED


@dataclass(frozen=True)
class KeptBySystem(Reason):
    """A system object the portal never deletes."""

    code: ClassVar[str] = "system"

    @property
    def text(self) -> str:
        return SYSTEM


@dataclass(frozen=True)
class Protected(Reason):
    """A deletion or replace left out because `protect` covers the address."""

    code: ClassVar[str] = "protected"

    @property
    def text(self) -> str:
        return PROTECTED


@dataclass(frozen=True)
class Immutable(Reason):
    """Attributes the portal cannot change: the object is deleted and created again."""

    code: ClassVar[str] = "immutable"
    attributes: tuple[str, ...]

    @property
    def text(self) -> str:
        # what it holds (a field's values, a stage's records) is counted in the destructive
        # section, which says "holds no ..." when nothing: no advice here that could contradict
        return (f"{', '.join(self.attributes)} cannot change on the portal: deleted and created "
                "again, and what it holds is deleted with it (see Destructive changes)")


@dataclass(frozen=True)
class ImmutableSystem(Reason):
    """Attributes the portal cannot change, of an object it never deletes: manual."""

    code: ClassVar[str] = "immutable_system"
    attributes: tuple[str, ...]

    @property
    def text(self) -> str:
        return (f"{', '.join(self.attributes)} of a system object cannot change on the portal "
                "and the portal does not delete it: change it by hand or keep the live value")


@dataclass(frozen=True)
class ManualSteps(Reason):
    """What an administrator does on the portal for a change REST cannot make."""

    code: ClassVar[str] = "manual_steps"
    summary: str
    steps: tuple[str, ...]

    @property
    def text(self) -> str:
        return "\n".join([f"{self.summary}:",
                          *(f"  {n}. {step}" for n, step in enumerate(self.steps, 1))])


def from_data(data: dict[str, Any]) -> Reason:
    """The reason `Reason.data()` gave (the kinds that define theirs must be imported)."""
    params = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items() if k != "code"}
    for cls in _subclasses(Reason):
        if cls.code == data["code"]:
            return cls(**params)
    raise ValueError(f"no reason has the code {data['code']!r}")


def _subclasses(cls: type[Reason]) -> list[type[Reason]]:
    out: list[type[Reason]] = []
    for sub in cls.__subclasses__():
        out += [sub, *_subclasses(sub)]
    return out
