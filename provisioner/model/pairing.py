"""The one way kinds build a Pairing: desired and live objects under their addresses, the desired
children of each parent as the kind holds them, managed scopes, notes and manual changes; and
twins, two live objects that claim one address (the plan refuses them, engine/planner.py)."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import Any

from provisioner.model.address import Address
from provisioner.model.attributes import Resource
from provisioner.model.changes import Change, Note
from provisioner.model.kind import Pairing, Twin
from provisioner.model.nodes import Groups
from provisioner.model.reasons import Reason


class Pairs:
    """Collects one kind's pairing; `pairing()` hands it over (the dicts are not copied)."""

    __slots__ = ("_children", "_desired", "_desired_after", "_desired_alike", "_live",
                 "_live_after", "_live_alike", "_managed", "_manual", "_notes", "_reasons",
                 "_residue", "_twins", "kind")

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._desired: dict[Address, Resource] = {}
        self._live: dict[Address, Resource] = {}
        self._children: dict[Address, Sequence[Resource]] = {}
        self._managed: set[str] = set()
        self._notes: list[Note] = []
        self._manual: list[Change] = []
        self._twins: dict[Address, list[Resource]] = {}
        self._reasons: dict[Address, Reason] = {}
        self._residue: set[Address] = set()
        # objects equal on both sides, by parent, and where each group stands (`Groups`)
        self._desired_alike: dict[Address, Sequence[Resource]] = {}
        self._live_alike: dict[Address, Sequence[Resource]] = {}
        self._desired_after: dict[Address | None, list[Address]] = {}
        self._live_after: dict[Address | None, list[Address]] = {}

    def want(self, node: Resource, children: Sequence[Resource] = ()) -> None:
        """A desired object and the desired objects right under it, in their order."""
        self._desired[node.address] = node
        self.want_under(node.address, children)

    def want_under(self, parent: Address, children: Sequence[Resource]) -> None:
        """Desired objects under `parent` (an object of this pairing or a plain address, like
        `list[SOURCE]`); the sequence is kept as it is, as the plan's index of `parent`."""
        if children:
            self._children[parent] = children
            for child in children:
                self._desired[child.address] = child

    def want_alike(self, parent: Address, children: Sequence[Resource],
                   held: Sequence[Resource]) -> None:
        """Desired objects under `parent` equal, one by one and in order, to the live objects
        `held` under it: the plan never compares them, and puts them under their addresses
        only when read (`Pairing.groups`), where `want_under` would have put them. The kind
        gives `held` to `have_alike` instead of `have`, where it would have given them to
        `have`. The caller makes sure of it: `alike` says when a kind may call this."""
        self._children[parent] = children
        self._desired_alike[parent] = children
        self._live_alike[parent] = held
        self._desired_after.setdefault(next(reversed(self._desired), None), []).append(parent)

    def have_alike(self, parent: Address) -> None:
        """The live objects `want_alike` took under `parent`, where `have` would have put
        them."""
        self._live_after.setdefault(next(reversed(self._live), None), []).append(parent)

    def want_all(self, nodes: Iterable[Resource]) -> None:
        """Desired objects with no parent (the lead statuses, app robot types)."""
        for node in nodes:
            self._desired[node.address] = node

    def have(self, nodes: Iterable[Resource]) -> None:
        """Live objects (any depth). A second object under an address already held is a twin:
        two portal objects claiming one key (a stamp, a code, a field name); the first stays
        paired, the plan refuses both (kinds give derived keys, made from names, their own
        suffix instead, so only claimed keys meet here)."""
        for node in nodes:
            held = self._live.setdefault(node.address, node)
            if held is not node and not _same(held, node):
                self._twins.setdefault(node.address, [held]).append(node)

    def manage(self, *scopes: str) -> None:
        """Scopes whose live objects absent from desired may be deleted."""
        self._managed.update(scopes)

    def note(self, address: Address, why: Reason) -> None:
        """Something the plan leaves alone on purpose (a stage matched by moved_from)."""
        self._notes.append(Note(address, self.kind, why))

    def explain(self, address: Address, why: Reason) -> None:
        """The reason of the change the plan makes at `address`, if it makes one (a hint only
        the pairing can give, seeing both sides)."""
        self._reasons[address] = why

    def residue(self, address: Address, why: Reason) -> None:
        """A live object absent from desired that provision's own stopped apply left (made by
        the portal with what that apply created): its deletion needs no --allow-destroy while
        it holds no records (`Pairing.residue`); `why` says so in the plan."""
        self._residue.add(address)
        self._reasons[address] = why

    def manual(self, changes: Iterable[Change]) -> None:
        """Manual changes the kind makes itself (what REST cannot apply or read back)."""
        self._manual.extend(changes)

    def wanted(self, address: Address) -> Resource | None:
        return self._desired.get(address)

    def pairing(self) -> Pairing:
        twins = tuple(Twin(address, self.kind, _ids(nodes))
                      for address, nodes in self._twins.items())
        return Pairing(self._desired, self._live, frozenset(self._managed), tuple(self._notes),
                       self._children, tuple(self._manual), twins, self._reasons or None,
                       frozenset(self._residue),
                       (Groups(self._desired_alike, self._desired_after),
                        Groups(self._live_alike, self._live_after)))


# Objects equal on both sides are left out of the plan's comparison where a kind asks
# (`Pairs.want_alike`); False compares every object, as the code did before
# (tests/contract/test_alike.py holds the two plans equal: its oracle).
ALIKE = True


def alike(desired: Sequence[Resource], live: Sequence[Resource],
          key: Callable[[Any], Hashable] | None = None) -> bool:
    """Whether `Pairs.want_alike` may take these objects of one parent: equal one by one in
    every compared attribute (dataclass equality: the plan would find no change in any pair
    and no live object left over), each under an address of its own (a key held twice is
    a twin, which the plan must see). `key`: what tells the live objects' addresses apart
    under their one parent (the last step's key), where it is cheaper than the address: an
    address is made and kept for the process (model/address.py), and those of the items
    compared here are otherwise made only if the plan's nodes are read."""
    if not ALIKE or len(desired) != len(live) or not desired:
        return False
    if tuple(desired) != tuple(live):  # a tuple's tuple is itself: no copy
        return False
    held = map(key, live) if key is not None else (node.address for node in live)
    return len(set(held)) == len(live)


def _ids(nodes: Iterable[Resource]) -> tuple[object, ...]:
    """The portal ids of twins, the earlier (lower) first when they are numbers."""
    ids = [getattr(n, "id", None) for n in nodes]
    numbers = [i for i in ids if isinstance(i, int)]
    return tuple(sorted(numbers)) if len(numbers) == len(ids) else tuple(ids)


def _same(one: Resource, other: Resource) -> bool:
    """One portal object met twice: the same portal id (`id`, live-only on the model classes
    that have one), or, without ids, equal in every compared attribute."""
    ids = getattr(one, "id", None), getattr(other, "id", None)
    return ids[0] == ids[1] if ids != (None, None) else one == other
