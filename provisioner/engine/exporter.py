"""export: the live portal as desired-state TOML files, laid out as a person would write them."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from provisioner.engine import tomlout
from provisioner.engine.live import LiveState
from provisioner.engine.loader import load_texts
from provisioner.engine.schema import SCHEMA_FILE, json_schema
from provisioner.kinds import KINDS
from provisioner.model import AnyKind
from provisioner.errors import ConfigError
from provisioner.model.kind import Exports
from provisioner.model.printable import INVISIBLE, cleaned, printable

HEADER = "#:schema ./{schema}\n# Exported from the portal by `provision export`.\n\n"


def export_documents(live: LiveState, kinds: Sequence[AnyKind] = KINDS,
                     notice: Callable[[str], None] = lambda _line: None) -> dict[str, str]:
    """File name -> TOML text; the kinds decide the files, the engine merges and renders.
    Texts from the portal that a desired state refuses (controls, bidi overrides, lone
    surrogates) are written without those characters, each said through `notice`, so the
    files load back; what still does not (a code or key holding them) is said too."""
    trees: dict[str, dict[str, Any]] = {}
    for kind in kinds:
        if not isinstance(kind, Exports):
            continue  # its objects cannot be read back (robots of stages)
        for name, tree in kind.export(live.parts[kind.name]).items():
            _merge(trees.setdefault(name, {}), tree)
    said: list[str] = []
    for name in trees:
        def removed(key: str, what: str, file: str = name) -> None:
            said.append(f"warning: {file}: {printable(key)}: the portal's text holds {what}, "
                        "which a desired state refuses: written without it, so the next plan "
                        "shows the change")
        trees[name] = cleaned(trees[name], (), removed)
    docs = {name: HEADER.format(schema=SCHEMA_FILE) + tomlout.dumps(tree)
            for name, tree in sorted(trees.items())}
    if said or any(INVISIBLE.search(text) for text in docs.values()):
        said.extend(_not_loading(docs))
    for line in said:
        notice(line)
    return docs


def _not_loading(docs: dict[str, str]) -> list[str]:
    """Why the files do not load back, if they do not."""
    try:
        load_texts(docs)
    except ConfigError as exc:
        return [f"warning: the export does not load back as a desired state: "
                f"{printable(p.render())}" for p in exc.problems]
    return []


def _merge(dst: dict[str, Any], src: dict[str, Any]) -> None:
    for key, value in src.items():
        if isinstance(value, dict) and isinstance(dst.get(key), dict):
            _merge(dst[key], value)
        else:
            dst[key] = value


def export(live: LiveState, out_dir: str | Path, kinds: Sequence[AnyKind] = KINDS,
           notice: Callable[[str], None] = lambda _line: None) -> list[Path]:
    """Write the files (and the JSON Schema they point at); return the paths written."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in export_documents(live, kinds, notice).items():
        (out / name).write_text(text, encoding="utf-8")
        written.append(out / name)
    schema = out / SCHEMA_FILE
    schema.write_text(json.dumps(json_schema(kinds), ensure_ascii=False, indent=2) + "\n",
                      encoding="utf-8")
    return [*written, schema]
