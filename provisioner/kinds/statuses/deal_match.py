"""Live deal pipelines keyed as the desired ones they are (`matched_keys`), and those made on
the portal (no stamp of ours) renamed in the config.

A pipeline this tool made is stamped with its key (originId); one made by hand is matched by
its name, so renaming it in the config loses it. `moved_from` may name such a pipeline by the
key it is read (and exported) under, its name transliterated; once updated, it is stamped
(originatorId "provision", never the "provision:unfinished" of a pipeline this tool made whose
stages no apply reconciled: deal_new.py; so its stages are never taken for residue).
Nothing is guessed: a portal the config migrates to often has pipelines of its own, unrelated
to the new ones, so a new pipeline beside one made by hand only says how to keep it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar, Protocol, TypeVar

from provisioner.kinds.slug import slugify
from provisioner.model.reasons import Reason

Keys = dict[int | None, str]


class Pipe(Protocol):
    """What is read here of a deal pipeline (deal_pipelines.Pipeline, which imports this)."""

    @property
    def key(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def default(self) -> bool: ...
    @property
    def moved_from(self) -> str | None: ...
    @property
    def id(self) -> int | None: ...
    @property
    def origin(self) -> str | None: ...


Pipeline = TypeVar("Pipeline", bound=Pipe)


@dataclass(frozen=True)
class MovedFromPortal(Reason):
    """An unstamped deal pipeline matched by `moved_from` naming its key as read."""

    code: ClassVar[str] = "deal_pipeline_moved"
    name: str

    @property
    def text(self) -> str:
        return (f'the portal\'s pipeline "{self.name}", made there (no stamp), matched by '
                "moved_from: renamed and stamped, its deals stay")


@dataclass(frozen=True)
class NewBesideUnstamped(Reason):
    """A new deal pipeline while pipelines made on the portal are left unmatched."""

    code: ClassVar[str] = "deal_pipeline_new_beside_unstamped"
    names: tuple[str, ...]
    keys: tuple[str, ...]

    @property
    def text(self) -> str:
        made = "; ".join(f'"{n}", read as `{k}`' for n, k in zip(self.names, self.keys,
                                                                 strict=True))
        return (f"a new pipeline; if it is a pipeline made on the portal ({made}) renamed "
                f'here, write `moved_from = "{self.keys[0]}"` to keep it and its deals (else '
                "that pipeline is deleted with --allow-destroy)")


def pair_moved(live: Sequence[Pipeline], desired: Sequence[Pipeline], keys: Keys
               ) -> list[tuple[Pipeline, str]]:
    """Give the unstamped live pipelines no name matched the key of the desired pipeline whose
    `moved_from` names their key as read (`keys` is updated); returns them with that key."""
    moved = {p.moved_from: p.key for p in desired if p.moved_from}
    out = []
    for p in alone(live, desired, keys):
        target = moved.get(p.key or keys[p.id])
        if target is not None and target not in keys.values():
            keys[p.id] = target
            out.append((p, target))
    return out


def hints(live: Sequence[Pipeline], desired: Sequence[Pipeline], keys: Keys
          ) -> dict[str, NewBesideUnstamped]:
    """The reason of each new desired pipeline while unstamped live ones are left over."""
    left = alone(live, desired, keys)
    if not left:
        return {}
    why = NewBesideUnstamped(tuple(p.name for p in left),
                             tuple(p.key or keys[p.id] for p in left))
    held = set(keys.values())
    return {p.key: why for p in desired if not p.default and p.key not in held}


def alone(live: Sequence[Pipeline], desired: Sequence[Pipeline], keys: Keys) -> list[Pipeline]:
    """Unstamped live pipelines (not the default) that no desired pipeline claims."""
    wanted = {p.key for p in desired}
    return [p for p in live if not p.default and not p.origin and keys[p.id] not in wanted]


def live_keys(live: Sequence[Pipeline], desired: Sequence[Pipeline]) -> dict[int | None, str]:
    """Address keys for live pipelines: the default's desired key, the stamp, a name match,
    `moved_from` naming the key as read of a pipeline made on the portal (deal_match.py), or a
    key made from the name. A key made from a name never takes a claimed one and gets the
    portal id when two would collide; two pipelines stamped with one key keep it both (twins:
    the plan refuses them; export keys the later one with its id)."""
    return matched_keys(live, desired)[0]


def matched_keys(live: Sequence[Pipeline], desired: Sequence[Pipeline]
                 ) -> tuple[dict[int | None, str], list[tuple[Pipeline, str]]]:
    """`live_keys`, and the unstamped pipelines `moved_from` matched, with their key."""
    default_key = next((p.key for p in desired if p.default), "default")
    by_name = {p.name: p.key for p in desired if not p.default}
    stamped = {p.origin for p in live if p.origin}
    moved = {p.moved_from: p.key for p in desired if p.moved_from and p.key not in stamped}
    claimed: dict[int | None, str] = {}
    for p in live:
        if p.default:
            claimed[p.id] = default_key
        elif p.origin:
            claimed[p.id] = moved.get(p.origin, p.origin)
        elif p.name in by_name and by_name[p.name] not in stamped:
            claimed[p.id] = by_name.pop(p.name)
    keys: dict[int | None, str] = {}
    taken = set(claimed.values())
    for p in live:
        key = claimed.get(p.id)
        if key is None:
            key = slugify(p.name) or f"pipeline_{p.id}"
            key = f"{key}_{p.id}" if key in taken else key
        keys[p.id] = key
        taken.add(key)
    return keys, pair_moved(live, desired, keys) if desired else []
