"""export: the live portal as desired-state TOML files, laid out as a person would write them."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from provisioner.engine import tomlout
from provisioner.engine.live import LiveState
from provisioner.engine.schema import SCHEMA_FILE, json_schema
from provisioner.kinds import KINDS
from provisioner.model import AnyKind
from provisioner.model.kind import Exports

HEADER = "#:schema ./{schema}\n# Exported from the portal by `provision export`.\n\n"


def export_documents(live: LiveState, kinds: Sequence[AnyKind] = KINDS) -> dict[str, str]:
    """File name -> TOML text; the kinds decide the files, the engine merges and renders."""
    trees: dict[str, dict[str, Any]] = {}
    for kind in kinds:
        if not isinstance(kind, Exports):
            continue  # its objects cannot be read back (robots of stages)
        for name, tree in kind.export(live.parts[kind.name]).items():
            _merge(trees.setdefault(name, {}), tree)
    return {name: HEADER.format(schema=SCHEMA_FILE) + tomlout.dumps(tree)
            for name, tree in sorted(trees.items())}


def _merge(dst: dict[str, Any], src: dict[str, Any]) -> None:
    for key, value in src.items():
        if isinstance(value, dict) and isinstance(dst.get(key), dict):
            _merge(dst[key], value)
        else:
            dst[key] = value


def export(live: LiveState, out_dir: str | Path, kinds: Sequence[AnyKind] = KINDS) -> list[Path]:
    """Write the files (and the JSON Schema they point at); return the paths written."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in export_documents(live, kinds).items():
        (out / name).write_text(text, encoding="utf-8")
        written.append(out / name)
    schema = out / SCHEMA_FILE
    schema.write_text(json.dumps(json_schema(kinds), ensure_ascii=False, indent=2) + "\n",
                      encoding="utf-8")
    return [*written, schema]
