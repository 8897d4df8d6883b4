"""read_live: the portal's state in as few requests as the API allows (one batch)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from provisioner.errors import ProvisionError
from provisioner.kinds import KINDS, Kind, ReadCall
from provisioner.kinds.extensions import follow_up_reads


class Client(Protocol):
    """The part of `provisioner.client.BitrixClient` the engine uses."""

    def batch(self, calls: Mapping[str, tuple[str, Mapping[str, Any]]], halt: bool = False
              ) -> Any: ...

    def list_all(self, method: str, params: Mapping[str, Any], key: str | None = None
                 ) -> list[Any]: ...


@dataclass(frozen=True)
class LiveState:
    """Live parts by kind name, and a fingerprint of what was read (to refuse stale plans)."""

    parts: Mapping[str, Any]
    fingerprint: str = ""


def read_calls(kinds: Sequence[Kind] = KINDS) -> dict[str, ReadCall]:
    calls: dict[str, ReadCall] = {}
    for kind in kinds:
        for key, call in kind.read_calls().items():
            if key in calls and calls[key] != call:
                raise ValueError(f"read key {key!r} used for two different calls")
            calls[key] = call
    return calls


def read_live(client: Client, kinds: Sequence[Kind] = KINDS) -> LiveState:
    """One `batch` with every kind's reads; lists that page are read to the end."""
    results = _read(client, read_calls(kinds))
    # Reads that depend on the first batch (kinds/extensions.py): one more batch, if any.
    results.update(_read(client, follow_up_reads(kinds, results)))
    return live_from_results(results, kinds)


def _read(client: Client, calls: Mapping[str, ReadCall]) -> dict[str, Any]:
    if not calls:
        return {}
    out = client.batch({k: (c.method, dict(c.params)) for k, c in calls.items()}, halt=False)
    if out.errors:
        key, err = sorted(out.errors.items())[0]
        raise ProvisionError(f"reading the portal failed: {calls[key].method}: {err}")
    return {k: _complete(client, calls[k], out.results[k], out.nexts.get(k)) for k in calls}


def live_from_results(results: Mapping[str, Any], kinds: Sequence[Kind] = KINDS) -> LiveState:
    """Normalise raw read results (also used by tests with hand-built results)."""
    parts = {kind.name: kind.from_live(results) for kind in kinds}
    return LiveState(parts, fingerprint(results))


def _complete(client: Client, call: ReadCall, first: Any, nxt: Any) -> Any:
    if not nxt:
        return first
    return client.list_all(call.method, dict(call.params), key=call.list_key)


def fingerprint(results: Mapping[str, Any]) -> str:
    text = json.dumps(results, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
