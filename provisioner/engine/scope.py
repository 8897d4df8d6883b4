"""Address patterns and what they limit: `--target` / `--exclude` and `protect = [...]`.

A pattern is an address or its beginning, matched component by component: `deal.pipeline[sales]`
covers the pipeline and its stages, `deal.pipeline[sales].stage[NEW]` one stage, `list[SOURCE]`
a reference list and its items; a last component without `[key]` (`deal.pipeline`) covers every
key of that type. Pure functions, used by the planner.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import ClassVar

from provisioner.errors import ProvisionError
from provisioner.model import Action, Change, Note, PlanOptions
from provisioner.model.address import Address
from provisioner.model.reasons import Protected, Reason
from provisioner.model.shape import closest

_STEP = re.compile(r"([^.\[\]]+(?:\.[^.\[\]]+)*)\[([^\]]+)\]")


@dataclass(frozen=True)
class Pattern:
    """Parsed steps; a key of None matches any key of its type (last step only)."""

    steps: tuple[tuple[str, str | None], ...]
    text: str

    def covers(self, address: Address) -> bool:
        if len(self.steps) > address.depth:
            return False
        return all(t == at and (k is None or k == ak)
                   for (t, k), (at, ak) in zip(self.steps, address.parts, strict=False))

    def inside(self, address: Address) -> bool:
        """The pattern names objects under `address` (a stage of a pipeline): deleting the
        address deletes them too."""
        if len(self.steps) <= address.depth:
            return False
        return all(t == at and k == ak
                   for (t, k), (at, ak) in zip(self.steps, address.parts, strict=False))


@dataclass(frozen=True)
class HoldsProtected(Reason):
    """A deletion or replace left out because it would take a protected object with it."""

    code: ClassVar[str] = "holds_protected"
    protected: str

    @property
    def text(self) -> str:
        return (f"holds {self.protected}, which is protected (protect = [...]): never deleted "
                "or replaced")


def parse_pattern(text: str) -> Pattern:
    """`deal.pipeline[sales].stage[NEW]`, `deal.pipeline[sales]`, `deal.pipeline`."""
    rest = text.strip()
    steps: list[tuple[str, str | None]] = []
    while rest:
        m = _STEP.match(rest)
        if m is None:
            if not re.fullmatch(r"[^.\[\]]+(?:\.[^.\[\]]+)*", rest):
                raise ProvisionError(f'"{text}" is not an address (write e.g. '
                                     'deal.pipeline[sales] or deal.pipeline[sales].stage[NEW])')
            steps.append((rest, None))
            break
        steps.append((m.group(1), m.group(2)))
        rest = rest[m.end():]
        if rest.startswith("."):
            rest = rest[1:]
        elif rest:
            raise ProvisionError(f'"{text}" is not an address: unexpected "{rest}"')
    if not steps:
        raise ProvisionError("an empty address pattern")
    return Pattern(tuple(steps), text)


def parse_patterns(texts: Sequence[str]) -> tuple[Pattern, ...]:
    return tuple(parse_pattern(t) for t in texts)


def covered(address: Address, patterns: Sequence[Pattern]) -> bool:
    return any(p.covers(address) for p in patterns)


def limit(changes: Sequence[Change], notes: Sequence[Note],
          options: PlanOptions) -> tuple[list[Change], list[Note]]:
    """Drop protected deletions/replacements (as notes), then keep what the targets select."""
    kept, out_notes = _protect(changes, parse_patterns(options.protect))
    out_notes = [*notes, *out_notes]
    targets, excludes = parse_patterns(options.targets), parse_patterns(options.excludes)
    if targets or excludes:
        kept = _select(kept, targets, excludes)
        out_notes = [n for n in out_notes if _wanted(n.address, targets, excludes)]
    return kept, out_notes


def _protect(changes: Sequence[Change], protect: Sequence[Pattern]
             ) -> tuple[list[Change], list[Note]]:
    kept: list[Change] = []
    notes: list[Note] = []
    for change in changes:
        why = _protected(change, protect) if protect else None
        if why is not None:
            notes.append(Note(change.address, change.kind, why))
        else:
            kept.append(change)
    return kept, notes


def _protected(change: Change, protect: Sequence[Pattern]) -> Reason | None:
    """Why a deletion or replace may not happen: it is protected, or something under it is
    (deleting a pipeline deletes its protected stage)."""
    if change.action not in (Action.DELETE, Action.REPLACE):
        return None
    if covered(change.address, protect):
        return Protected()
    inner = next((p for p in protect if p.inside(change.address)), None)
    return HoldsProtected(inner.text) if inner is not None else None


def check_patterns(options: PlanOptions, addresses: Collection[Address]) -> None:
    """Refuse a --target, --exclude or protect pattern that matches nothing in the desired
    state or on the portal (a typo, a wrong case would silently protect or select nothing),
    naming the closest address there is."""
    problems = []
    for flag, texts in (("--target", options.targets), ("--exclude", options.excludes),
                        ("protect", options.protect)):
        for pattern in parse_patterns(texts):
            if not any(pattern.covers(a) for a in addresses):
                problems.append(_unmatched(flag, pattern, addresses))
    if problems:
        raise ProvisionError("\n".join(problems))


def _unmatched(flag: str, pattern: Pattern, addresses: Collection[Address]) -> str:
    names = sorted({str(a) for a in addresses})
    same_case = {n.lower(): n for n in names}.get(pattern.text.strip().lower())
    near = same_case or closest(pattern.text.strip(), names)
    where = "protect = [...] (portals.toml or [provision])" if flag == "protect" else flag
    hint = f'did you mean "{near}"?' if near else "check the address in `provision plan`"
    return (f'{where}: "{pattern.text}" matches nothing in the desired state or on the '
            f"portal; {hint}")


def _wanted(address: Address, targets: Sequence[Pattern], excludes: Sequence[Pattern]) -> bool:
    return (not targets or covered(address, targets)) and not covered(address, excludes)


def _select(changes: Sequence[Change], targets: Sequence[Pattern],
            excludes: Sequence[Pattern]) -> list[Change]:
    """Targeted changes, plus the creation of their parents (a new stage needs its pipeline)."""
    chosen = {c.address for c in changes if _wanted(c.address, targets, excludes)}
    creates = {c.address for c in changes if c.action is Action.CREATE}
    for address in list(chosen):
        parent = address.parent
        while parent is not None:
            if parent in creates:
                chosen.add(parent)
            parent = parent.parent
    return [c for c in changes if c.address in chosen]
