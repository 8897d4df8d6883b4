"""The kind contract's types: what a kind receives and returns (see the package docstring)."""

from __future__ import annotations

from collections.abc import Callable, Generator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from provisioner.model.address import Address
from provisioner.model.attributes import Resource
from provisioner.model.changes import Change, Note
from provisioner.model.nodes import Nodes
from provisioner.model.nodes import by_parent as index_by_parent
from provisioner.model.shape import Issue, Path, Shape


@dataclass
class Report:
    """Collects the problems a kind finds while parsing; the loader adds file and line."""

    issues: list[Issue] = field(default_factory=list)
    # Set by the loader: file and line of a key path, for kinds that check their desired part
    # against the live portal later, during plan (the automation kind keeps it from `link`).
    locate: Callable[[Path], tuple[str, int | None]] | None = None

    def add(self, path: Path, message: str, fix: str = "") -> None:
        self.issues.append(Issue(path, message, fix))


@dataclass(frozen=True)
class ReadCall:
    """One batched read; `list_key` unwraps D7 list results when the rest must be paged.

    `pages_ahead`: for a list that often holds more than one page (50 rows), how many pages
    after the first the first batch asks for in its spare slots, before the first answer tells
    the list's `total` (engine/live.py). A page past the end costs the portal a query inside
    the batch, so it stays short; 0 for a list that rarely pages (it is still read to the end).
    """

    method: str
    params: Mapping[str, Any]
    list_key: str | None = None
    pages_ahead: int = 0


@dataclass(frozen=True)
class Call:
    """One REST write. `key` names it for `$result[key]` references; `with_previous` keeps it
    in the same batch as the call before it (references only resolve inside one batch)."""

    method: str
    params: Mapping[str, Any]
    label: str
    key: str | None = None
    with_previous: bool = False


# A kind's apply is a generator: it yields a round of calls and receives their results (same
# order); the engine runs the rounds of every kind together, so independent writes share batches.
Script = Generator[list[Call], list[Any], None]


@dataclass(frozen=True)
class Pairing:
    """Desired and live objects of one kind under the same addresses, ready to be compared."""

    desired: Mapping[Address, Resource]
    live: Mapping[Address, Resource]
    managed: frozenset[str]  # scopes whose live objects absent from desired may be deleted
    notes: tuple[Note, ...] = ()
    # The desired objects under each parent address, in `desired` order, as the kind built
    # them (a pipeline's stages, a field's items): the plan's `Nodes.children()` without a
    # pass over every object. None: indexed from `desired` on first use (engine/nodes.py).
    children: Mapping[Address, Sequence[Resource]] | None = None


class Kind(Protocol):
    """A resource kind; see `provisioner.kinds` for the contract in words."""

    # Read-only members: a kind sets them as plain class attributes.
    @property
    def name(self) -> str: ...

    @property
    def path(self) -> tuple[str, ...]: ...

    @property
    def shape(self) -> Shape: ...

    @property
    def files(self) -> Mapping[str, str]:  # export file name -> what goes there (for docs)
        ...

    def parse(self, tree: Any, path: Path, report: Report) -> Any: ...

    def read_calls(self) -> Mapping[str, ReadCall]: ...

    def from_live(self, results: Mapping[str, Any]) -> Any: ...

    def pair(self, desired: Any | None, live: Any) -> Pairing: ...

    def explain(self, change: Change) -> str: ...

    def is_destructive(self, change: Change) -> bool: ...

    def apply(self, changes: Sequence[Change], desired: Mapping[Address, Any],
              live: Mapping[Address, Any]) -> Script: ...

    def export(self, live: Any) -> Mapping[str, dict[str, Any]]: ...


Children = Mapping[Address, Sequence[Any]]


def by_parent(nodes: Mapping[Address, Any]) -> Children:
    """The desired objects under each parent address: a plan's `Nodes` keep the index (made
    once, on first use), any other mapping is indexed in one pass."""
    return nodes.children() if isinstance(nodes, Nodes) else index_by_parent(nodes)
