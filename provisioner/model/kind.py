"""The kind contract: what a kind is, what it receives and returns, and what it may offer.

A kind owns one part of the desired-state tree and everything about its objects. It is generic
over its two parts: `D`, what `parse` makes of its TOML subtree, and `L`, what `from_live`
makes of the portal's answers. The engine holds every kind as `Kind[Any, Any]` and never asks
which one it holds; mypy checks each kind against its own `D` and `L`.

`Kind` is both the contract and the base class: a kind subclasses it (`class LeadStatuses(
Kind[Stages, Stages])`), gets the default `is_destructive`, and must define the rest (mypy
refuses to instantiate a kind that misses one). What only some kinds need is an optional
capability below, a `Protocol` the kind subclasses too, so that mypy checks its signature; the
engine asks `isinstance(kind, Capability)` and calls it.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar, runtime_checkable

from provisioner.model.address import Address
from provisioner.model.answers import Claim
from provisioner.model.attributes import Resource
from provisioner.model.changes import Action, Change, Note, RecordQuery
from provisioner.model.nodes import Nodes
from provisioner.model.nodes import by_parent as index_by_parent
from provisioner.model.nodes import NO_GROUPS, Groups
from provisioner.model.reasons import Reason
from provisioner.model.fits import fits
from provisioner.model.shape import Issue, Path, Shape, Table

D = TypeVar("D")  # a kind's desired part
L = TypeVar("L")  # a kind's live part
L_in = TypeVar("L_in", contravariant=True)
D_in = TypeVar("D_in", contravariant=True)
R_in = TypeVar("R_in", contravariant=True)  # what a kind keeps with the config (KeepsLocal)
T = TypeVar("T")

Results = Mapping[str, Any]  # the answers of the read calls, by read key
Parts = Mapping[str, object]  # other kinds' parts, by kind name
Files = Mapping[str, dict[str, Any]]  # export: file name -> TOML tree
Children = Mapping[Address, Sequence[Any]]


@dataclass
class Report:
    """Collects the problems a kind finds while parsing; the loader adds file and line."""

    issues: list[Issue] = field(default_factory=list)
    # Set by the loader: file and line of a key path, for kinds that check their desired part
    # against the live portal later, during plan (the automation kind keeps it from `link`).
    locate: Callable[[Path], tuple[str, int | None]] | None = None

    # Set by the loader, which checks the whole tree against every kind's shape once: where
    # its shape issues are (`issue_index`).
    checked: Mapping[Path, frozenset[str | int] | None] | None = None

    def add(self, path: Path, message: str, fix: str = "") -> None:
        self.issues.append(Issue(path, message, fix))

    def fits(self, shape: Shape, value: Any, path: Path, skip: frozenset[str] = frozenset()
             ) -> bool:
        """Whether `value` at `path` fits `shape`, keys in `skip` aside (their values are
        looked at on their own). A report made by the loader answers from its one check of the
        whole tree; any other checks here, as it does where the loader did not look."""
        if self.checked is not None:
            if path not in self.checked:
                return True
            below = self.checked[path]
            if below is not None:
                return bool(below) and below <= skip
        if skip and isinstance(value, dict):
            value = {k: v for k, v in value.items() if k not in skip}
            shape = _without(shape, skip)
        return fits(shape)(value)  # exactly `not check(shape, value, path)`, faster


def _without(shape: Shape, keys: frozenset[str]) -> Shape:
    if not isinstance(shape, Table):
        return shape
    return Table({k: p for k, p in shape.props.items() if k not in keys}, shape.doc)


def issue_index(issues: Sequence[Issue]) -> dict[Path, frozenset[str | int] | None]:
    """`Report.checked`: every path that holds a shape issue or has one under it, with the next
    steps that lead to one (empty: an issue at the path itself); None where the check did not
    look (the value under a name the shape refuses, which a kind still parses)."""
    index: dict[Path, set[str | int]] = {}
    exact: set[Path] = set()
    unchecked: set[Path] = set()
    for issue in issues:
        # every path above an issue leads to one, a refused name's as well (a map's key that
        # is no language: the field holding the map does not fit, as its own check says)
        for depth in range(len(issue.path)):
            index.setdefault(issue.path[:depth], set()).add(issue.path[depth])
        (unchecked if issue.key else exact).add(issue.path)
    out: dict[Path, frozenset[str | int] | None] = dict.fromkeys(unchecked)
    out.update({p: frozenset(() if p in exact else index.get(p, ())) for p in {*index, *exact}})
    return out


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
    # For a list that may run to many pages (a smart process's fields: a few pages to hundreds):
    # the slots of its first batch still free after every list's `pages_ahead` ask for its next
    # pages too, shared with the other such lists, rather than go out empty (a page past the end
    # costs the portal a query that answers no rows, and no request).
    pages_spare: bool = False
    # Fields every row must hold these values in, when it has them (`{"entityTypeId": 2}` for
    # the deal pipelines): a portal that ignores a parameter answers rows of other lists.
    expect: Mapping[str, Any] | None = None
    # Rows the answer is expected to hold, when a list answers whole (not by pages) and an
    # earlier answer told its length (0: unknown, a page at most): the reader keeps a batch's
    # answer well under what the client reads from one answer (engine/reader.py, ROWS).
    rows: int = 0
    # For a list that answers whole and may be long, with no earlier answer to tell its length:
    # a paged call whose `total` counts its rows. The reader asks it in the first batch and the
    # list in the next round, in a batch its rows fit (engine/reader.py).
    sized_by: ReadCall | None = None
    # What every kind reading this key is given of the answer instead of the answer itself
    # (crm.status.list's rows grouped by list once, for the four kinds that read them): made
    # once, as soon as the answer is whole, after the live fingerprint has taken the answer.
    # It must give back the answer itself whenever it is not as documented, so that the kind
    # meets the answer as read and says what is wrong with it (engine/live.py).
    keep: Callable[[Any], Any] | None = None
    # The keys of each row any kind reads (`RowKeys`), for a long list whose rows carry more:
    # the reader keeps only these of every page as soon as it comes, so a list of many pages
    # is never held whole as the portal answered it (issue 18: a smart-process field list is
    # about 60 MB a language at L100). What is not kept is not read: the de-duplication and
    # the live fingerprint see the rows as kept (engine/reader.py).
    trim: RowKeys | None = None


@dataclass(frozen=True)
class RowKeys:
    """A row of a list with only these keys (`ReadCall.trim`). `lists`: keys of a row whose
    value is rows in turn, each kept with only the keys given (a field's enumeration items);
    `one`: the answer holds one row under this key, not a list (a get: `{"field": {...}}`)."""

    keys: tuple[str, ...]
    lists: tuple[tuple[str, tuple[str, ...]], ...] = ()
    one: str | None = None
    _kept: frozenset[str] = field(init=False, repr=False, compare=False)
    _inner: Mapping[str, RowKeys] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_kept", frozenset(self.keys))
        object.__setattr__(self, "_inner", {k: RowKeys(keys) for k, keys in self.lists})
        if not set(self._inner) <= self._kept:
            raise ValueError("RowKeys: a key of `lists` must be kept (in `keys`)")

    def __call__(self, row: Mapping[str, Any]) -> dict[str, Any]:
        """The row with only `keys`, in its own order (as the client decodes a list with only
        these keys: client/batch.py `Rows`), the rows under a key of `lists` trimmed too."""
        kept, inner = self._kept, self._inner
        if not inner:
            return {k: v for k, v in row.items() if k in kept}
        return {k: inner[k].answer(v, None) if k in inner else v
                for k, v in row.items() if k in kept}

    def answer(self, result: Any, list_key: str | None) -> Any:
        """A list answer or page (its rows under `list_key`, or a list, or PHP's object of
        rows) with each row trimmed, or with `one` the answer's row trimmed; any other answer,
        or one holding a row that is not a table, is the answer itself (the kind then says
        what is wrong with it)."""
        if self.one is not None:
            row = result.get(self.one) if isinstance(result, Mapping) else None
            return {**result, self.one: self(row)} if isinstance(row, Mapping) else result
        if list_key is not None and isinstance(result, Mapping) and list_key in result:
            rows = result[list_key]
            inner = self.answer(rows, None)
            return result if inner is rows else {**result, list_key: inner}
        if isinstance(result, list) and all(isinstance(row, Mapping) for row in result):
            return [self(row) for row in result]
        if isinstance(result, Mapping) and result and \
                all(isinstance(row, Mapping) for row in result.values()):
            return {k: self(row) for k, row in result.items()}
        return result


@dataclass(frozen=True)
class Call:
    """One REST write. `key` names it: its result reaches the script under that key, and
    `$result[key]` refers to it inside one batch; `with_previous` keeps it in the same batch
    as the call before it (references only resolve inside one batch); `claim`, on a create
    whose key the portal does not keep unique, makes the applier check the list it wrote into
    right after its batch (`provisioner.model.answers.Claim`); `check`: that list's read, which
    `chunks` adds to a batch after its creates (a kind never makes one). `shared`: a read whose
    answer is the same for every call of its batch asking it (the same method and params):
    `chunks` sends it once, after the batch's other calls, and `also` holds the keys of the
    others, which get the same answer."""

    method: str
    params: Mapping[str, Any]
    label: str
    key: str | None = None
    with_previous: bool = False
    claim: Claim | None = None
    check: bool = False
    shared: bool = False
    also: tuple[str, ...] = ()


# The method of a call that sends nothing: the portal already holds what its label names (a
# stage a new pipeline came with, as wanted). The applier records the label as done without a
# request, so that a write whose value already matches costs nothing and is still reported.
HELD = "held"


def held(label: str) -> Call:
    """A call not sent: what `label` names is on the portal as wanted already."""
    return Call(HELD, {}, label)


# A kind's apply is a generator: it yields a round of calls and receives the results of those
# that have a `key`, by key; the engine runs the rounds of every kind together
# (`provisioner.model.rounds.parallel`), so independent writes share batches.
Script = Generator[list[Call], Mapping[str, Any], None]


@dataclass(frozen=True)
class Twin:
    """Two or more live objects of one kind under one address: each claims the key the
    address is made of (two pipelines stamped `hr`, two rows of one code in one list)."""

    address: Address
    kind: str
    ids: tuple[Any, ...]  # the portal's ids, in the order the portal listed them


@dataclass(frozen=True)
class Pairing:
    """Desired and live objects of one kind under the same addresses, ready to be compared
    (made with `provisioner.model.pairing.Pairs`)."""

    desired: Mapping[Address, Resource]
    live: Mapping[Address, Resource]
    managed: frozenset[str]  # scopes whose live objects absent from desired may be deleted
    notes: tuple[Note, ...] = ()
    # The desired objects under each parent address, in `desired` order, as the kind built
    # them (a pipeline's stages, a field's items): the plan's `Nodes.children()` without a
    # pass over every object. None: indexed from `desired` on first use (model/nodes.py).
    children: Mapping[Address, Sequence[Resource]] | None = None
    # Changes the kind makes itself, all of action MANUAL (what the REST API cannot apply or
    # read back: a field required from a stage on, a stage's robots); the reason is the steps.
    manual: tuple[Change, ...] = ()
    # Live objects that claim an address another live object holds already (`Pairs.have`).
    twins: tuple[Twin, ...] = ()
    # Reasons for the changes at these addresses that only the pairing can give, seeing both
    # sides (a new enumeration item beside a gone one: perhaps it renamed); `Pairs.explain`.
    reasons: Mapping[Address, Reason] | None = None
    # Live objects absent from desired that are residue of provision's own stopped apply (the
    # stages the portal made with a pipeline that apply created and never reconciled): planned
    # as deletions that need no --allow-destroy while they hold no records (`Change.residue`;
    # the engine counts them, engine/records.py); `Pairs.residue`. Their reasons: `reasons`.
    residue: frozenset[Address] = frozenset()
    # Objects left out of `desired` and `live` because they are equal on both sides (desired,
    # live), by parent address, with where each group stands (`Pairs.want_alike`: a field's
    # items as they stand on the portal). The plan never compares them; its `Nodes` put them
    # in when read.
    groups: tuple[Groups, Groups] = (NO_GROUPS, NO_GROUPS)

    def whole_live(self) -> dict[Address, Resource]:
        """`live` with the alike objects, in the order the kind would have made it."""
        return self.groups[1].put_in(self.live)


class Kind(Protocol[D, L]):
    """A resource kind: the contract the engine holds, and the base class of every kind."""

    name: str  # the kind's name, also the `kind` of its changes (`deal.pipelines`)
    path: tuple[str, ...]  # where its part of the desired-state tree lives
    shape: Shape  # of that subtree: the loader checks it, the JSON Schema comes from it

    def parse(self, tree: Any, path: Path, report: Report) -> D:
        """The shape-checked subtree -> the desired part; semantic problems (duplicates, order,
        limits) go to `report` with their key path."""
        ...

    def read_calls(self) -> Mapping[str, ReadCall]:
        """The reads it needs, by key: kinds that read the same list use the same key, and the
        engine reads everything in batches of 50."""
        ...

    def from_live(self, results: Results) -> L:
        """The answers of those reads -> the live part (the same model classes as desired)."""
        ...

    def pair(self, desired: D | None, live: L) -> Pairing:
        """Both sides under their addresses, the scopes it manages and notes; matching by
        natural keys and derived values (SORT) is settled here, so the planner compares like
        with like. Each kind owns the first step type of its addresses."""
        ...

    def apply(self, changes: Sequence[Change], desired: Mapping[Address, Any],
              live: Mapping[Address, Any]) -> Script:
        """Its writes, in rounds (see `Script`); never a change whose action is manual."""
        ...

    def is_destructive(self, change: Change) -> bool:
        """Changes that delete something on the portal (default: delete and replace)."""
        return change.action in (Action.DELETE, Action.REPLACE)


AnyKind = Kind[Any, Any]  # how the engine holds every kind


# ---- optional capabilities --------------------------------------------------------------------


@runtime_checkable
class Exports(Protocol[L_in]):
    """The live part as the TOML files a person would write (`provision export`); a kind whose
    objects cannot be read back exports nothing."""

    def export(self, live: L_in) -> Files: ...


@runtime_checkable
class KeepsKeys(Protocol[D_in, L]):
    """Export over an existing config: the live part under the keys that config gives its
    objects (the kind's own matching in `pair`: stamps, the default, names), so that `export`
    writes the config's keys, not keys made from the portal's names."""

    def keyed_as(self, live: L, desired: D_in) -> L: ...


@runtime_checkable
class Explains(Protocol):
    """A reason for people beside some changes (what a deletion takes with it)."""

    def explain(self, change: Change) -> Reason | None: ...


@runtime_checkable
class CountsRecords(Protocol):
    """The records a destructive change would take with it (engine/records.py): how to count
    them, and delete them first when data loss is allowed."""

    def records(self, change: Change, live: Mapping[Address, Any]) -> RecordQuery | None: ...


@runtime_checkable
class Links(Protocol[D]):
    """After every kind has parsed: check and resolve references into other kinds' desired
    parts (a field's `required_from` names a deal stage). Called with None when the kind has
    no subtree; a None answer leaves the kind undeclared."""

    def link(self, part: D | None, parts: Parts, report: Report) -> D | None: ...


@runtime_checkable
class ReadsMore(Protocol):
    """Reads that depend on the first batch's answers (the pipelines of each smart process),
    asked once all of the kind's first reads are in; nothing is asked from their answers."""

    def more_reads(self, results: Results) -> Mapping[str, ReadCall]: ...


@runtime_checkable
class ReadsEarly(Protocol):
    """Follow-up reads that depend on only some of the kind's first reads (`early_needs`):
    asked as soon as those are in, they go out with the pages of its other lists instead of
    after them (a smart process's type and pipelines need only the type list, not its field
    lists, which page). `more_reads` may ask them again: a read asked already is not sent
    twice, and the kind's part waits for them (engine/live.py)."""

    early_needs: frozenset[str]

    def early_reads(self, results: Results) -> Mapping[str, ReadCall]: ...


@runtime_checkable
class ReadsLanguages(Protocol):
    """Label texts in the portal's languages beyond ru and en, read only in the languages the
    desired part names (`languages`), or every one (None: export, which writes them all); an
    update of a label then reads the field's whole map first (issue 18)."""

    def languages(self, part: Any) -> frozenset[str]: ...

    def more_reads(self, results: Results, languages: frozenset[str] | None = None
                   ) -> Mapping[str, ReadCall]: ...


@runtime_checkable
class FoldsReads(Protocol):
    """What the kind keeps of each of its reads, made as soon as the read's answer is whole:
    the engine drops the answer once every kind reading it has folded it, and hands the folds
    to `more_reads` and `from_live` instead (issue 18: an L100 portal's answers are about
    750 MB decoded; the second language's field list is kept as the labels it adds). `fold`
    is given each read of the kind (after `ReadCall.keep`) and returns it unchanged for a key
    it does not fold, or for an answer that is not as documented (the kind's `from_live` then
    meets the answer as read and the engine names what is wrong with it)."""

    def fold(self, key: str, answer: Any) -> Any: ...


@runtime_checkable
class HoldsWrites(Protocol):
    """Changes the kind's apply is expected to make with no call (`held`: what the portal
    makes by itself, as wanted), and calls it sends that no change names (`left_out`: by new
    parent, the deletes of what the portal made with it and the config leaves out, in the
    round of the parent's children), for the plan's estimate of its requests."""

    def held(self, changes: Sequence[Change], desired: Mapping[Address, Any],
             live: Mapping[Address, Any]) -> set[Address]: ...

    def left_out(self, changes: Sequence[Change], desired: Mapping[Address, Any],
                 live: Mapping[Address, Any]) -> Mapping[Address, int]: ...


@runtime_checkable
class MadeWithParent(Protocol):
    """Created objects the portal makes with their parent (a new smart process's first
    pipeline) and whose children the apply writes in the round after the parent's create, for
    the plan's estimate (engine/cost.py): not one round after the object's own change."""

    def made_with_parent(self, changes: Sequence[Change], desired: Mapping[Address, Any],
                         live: Mapping[Address, Any]) -> set[Address]: ...


@runtime_checkable
class ClosesRounds(Protocol):
    """Calls a kind's apply sends in a round of their own after all its other rounds (a
    relation to a smart process the same apply makes, once its entityTypeId is known), for
    the plan's estimate (engine/cost.py): how many."""

    def closing_calls(self, changes: Sequence[Change], desired: Mapping[Address, Any],
                      live: Mapping[Address, Any]) -> int: ...


@runtime_checkable
class NeedsLive(Protocol[L]):
    """Other kinds' live parts, each built once by its own kind: `needs` names them, and after
    every kind's `from_live` the engine hands them to `link_live`."""

    @property
    def needs(self) -> tuple[str, ...]: ...

    def link_live(self, part: L, others: Parts) -> L: ...


@runtime_checkable
class KeepsLocal(Protocol[L, R_in]):
    """Records kept with the config for what REST cannot read back (the attestations of
    `provision attest`), which the workspace reads for the portal and hands in; added to the
    live part after the portal is read; not part of the live state's fingerprint."""

    def add_local(self, part: L, local: R_in) -> L: ...


def tuple_part(parts: Parts, name: str, cls: type[T]) -> tuple[T, ...]:
    """Another kind's part made of `cls` objects (a kind's `link` or `link_live` reads it),
    checked; empty when that kind has none."""
    part = parts.get(name, ())
    if not isinstance(part, tuple) or not all(isinstance(item, cls) for item in part):
        raise TypeError(f"the part of kind {name} is not a tuple of {cls.__name__}")
    return part


def by_parent(nodes: Mapping[Address, Any]) -> Children:
    """The desired objects under each parent address: a plan's `Nodes` keep the index (made
    once, on first use), any other mapping is indexed in one pass."""
    return nodes.children() if isinstance(nodes, Nodes) else index_by_parent(nodes)
