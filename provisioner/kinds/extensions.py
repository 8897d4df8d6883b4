"""Optional parts of the kind contract, for kinds that need more than `provisioner.kinds` says.

Three hooks, each optional (a kind without the method is left alone), each called by the engine
through one function here so the engine keeps no per-kind `if`:

- `link(part, parts, path, report) -> part`: after every kind has parsed, a kind may check and
  resolve references into other kinds' desired parts (a custom field's `required_from` names a
  deal pipeline stage). Called by the loader through `link_parts`.
- `more_reads(results) -> {key: ReadCall}`: reads that depend on the first batch's results (the
  pipelines of each smart process, the enumeration items of smart-process fields). The engine
  sends them all in one second batch through `follow_up_reads`.
- `Pairing.manual`: kind-made manual changes (`!`) the REST API cannot apply or read back (per-stage
  required fields). A kind returns a `ManualPairing`; the planner adds them through
  `manual_changes`.
- `link_always = True`: `link` runs even when the kind has no subtree of its own (it gets None);
  the automation kind gathers the robots and triggers written under other kinds' stages.
- `add_local(part, config, portal) -> part`: after the portal is read, a kind may add records kept
  beside the config for what REST cannot read back (the automation kind's attestations of
  `provision attest`). Called through `provisioner.engine.live.with_local_records`; not in the
  fingerprint.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from provisioner.model import Change, Kind, Pairing, ReadCall, Report


@dataclass(frozen=True)
class ManualPairing(Pairing):
    """A pairing with manual changes the kind made itself (action MANUAL, reason = the steps)."""

    manual: tuple[Change, ...] = ()


def link_parts(kinds: Sequence[Kind], parts: dict[str, Any], report: Report) -> None:
    """Let kinds resolve references into other kinds' desired parts (in place)."""
    for kind in kinds:
        link = getattr(kind, "link", None)
        if link is not None and (kind.name in parts or getattr(kind, "link_always", False)):
            parts[kind.name] = link(parts.get(kind.name), parts, kind.path, report)


def follow_up_reads(kinds: Sequence[Kind], results: Mapping[str, Any]) -> dict[str, ReadCall]:
    """The second batch of reads, asked for by kinds after seeing the first batch's results."""
    calls: dict[str, ReadCall] = {}
    for kind in kinds:
        more = getattr(kind, "more_reads", None)
        if more is not None:
            calls.update(more(results))
    return calls


def manual_changes(pairing: Pairing) -> tuple[Change, ...]:
    return tuple(getattr(pairing, "manual", ()))
