"""export: the live portal as desired-state TOML files, laid out as a person would write them.

Over an existing config (`over`), nothing of it is lost without a word: the kinds key the live
objects as the config does (`KeepsKeys`: pipeline keys, moved stages), what no REST method reads
is carried over from it (`engine/carry.py`: robots, triggers, `required_from`, `[app]`,
`[provision]`), each object goes to the file that declared it, and the config's objects the
portal lacks are named. Every file says at the top, and beside each place, what the portal
could not give back, and what was carried over from where.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from provisioner.engine import tomlout
from provisioner.engine.carry import Carried, LeftOut, carry, mark, places, unread_words
from provisioner.engine.live import LiveState
from provisioner.engine.loader import SETTINGS, DesiredState, load_texts, root_shape, source_tree
from provisioner.engine.schema import SCHEMA_FILE, json_schema
from provisioner.errors import ConfigError
from provisioner.kinds import KINDS
from provisioner.model import AnyKind
from provisioner.model.kind import Exports, KeepsKeys
from provisioner.model.printable import INVISIBLE, cleaned, printable
from provisioner.model.shape import Path as KeyPath
from provisioner.model.shape import Table

SCHEMA_LINE = "#:schema ./{schema}\n"
EXPORTED = "Exported from the portal by `provision export`."
UNREAD = "Not read from the portal (no REST method reads them back): {words}."
NO_SOURCE = ("Nothing was carried over (no config to take them from: export over it, or pass "
             "--from CONFIG); if the portal has any of them, this export lacks them.")
CARRIED = "Carried over from {source}: {n}, each marked below; the portal cannot confirm them."
NONE_CARRIED = "{source} had none of them to carry over."
MARK = "Carried over from {source}: not read from the portal."
HERE = "Not read from the portal: {words}."
EMPTY = "Nothing this file declared is on the portal now (left out: {left})."
SETTINGS_WORDS = "the [provision] settings (not on the portal)"
FALLBACK_FILE = "portal.toml"
WIDTH = 96


@dataclass(frozen=True)
class Documents:
    """The export's files (name -> TOML text), what no kind could read, and, over a config,
    what was carried over from it and which of its objects the portal lacks."""

    files: Mapping[str, str]
    unread: tuple[str, ...]
    carried: tuple[Carried, ...] = ()
    left_out: tuple[LeftOut, ...] = ()
    source: str | None = None


def carry_shape(kinds: Sequence[AnyKind] = KINDS) -> Table:
    """The desired-state shape with what export cannot read marked: the unread keys of the
    kinds' shapes, the subtrees of kinds that export nothing, and `[provision]`."""
    shape = root_shape(kinds)
    for kind in kinds:
        if not isinstance(kind, Exports):
            words = getattr(kind, "unread", "") or f"[{'.'.join(kind.path)}]"
            shape = mark(shape, kind.path, str(words))
    return mark(shape, (SETTINGS,), SETTINGS_WORDS)


def export_documents(live: LiveState, over: DesiredState | None = None,
                     kinds: Sequence[AnyKind] = KINDS, source: str | None = None,
                     every_file: bool = False,
                     notice: Callable[[str], None] = lambda _line: None) -> Documents:
    """The files of the export. `over`: the config to keep keys, unread parts and layout of
    (`source` names it in the files); `every_file`: also write the config's files that end up
    empty (export into the config's own directory), saying what they lost. Texts from the
    portal that a desired state refuses (controls, bidi overrides, lone surrogates) are written
    without those characters, each said through `notice`, so the files load back; what still
    does not (a code or key holding them) is said too."""
    whole, defaults = _export_trees(live, over, kinds)
    shape = carry_shape(kinds)
    origins: dict[KeyPath, str] = {}
    carried: tuple[Carried, ...] = ()
    left: tuple[LeftOut, ...] = ()
    if over is not None:
        old, found = source_tree(over.texts)
        origins = {path: Path(name).name for path, name in found.items()}
        overlay = carry(shape, old, whole, lambda p: _file(p, found, {}, ""))
        carried, left = tuple(overlay.carried), tuple(overlay.left_out)
    comments = {path: [HERE.format(words=", ".join(words))]
                for path, words in places(shape, whole).items()}
    for c in carried:
        comments.setdefault(c.where.path, []).append(MARK.format(source=c.source))
    head = _header(unread_words(shape), source if over is not None else None, len(carried))
    said: list[str] = []
    trees = {name: _cleaned(name, tree, said)
             for name, tree in sorted(_split(whole, origins, defaults).items())}
    files = {name: head + tomlout.dumps(tree, comments) for name, tree in trees.items()}
    if said or any(INVISIBLE.search(text) for text in files.values()):
        said.extend(_not_loading(files))
    for line in said:
        notice(line)
    if every_file:
        files.update(_emptied(origins, files, left, head))
    return Documents(dict(sorted(files.items())), tuple(unread_words(shape)), carried, left,
                     source if over is not None else None)


def _export_trees(live: LiveState, over: DesiredState | None, kinds: Sequence[AnyKind]
                  ) -> tuple[dict[str, Any], dict[KeyPath, str]]:
    """The whole exported tree, and the file each kind puts its part in (by key path)."""
    whole: dict[str, Any] = {}
    defaults: dict[KeyPath, str] = {}
    for kind in kinds:
        if not isinstance(kind, Exports):
            continue  # its objects cannot be read back (robots of stages)
        part = live.parts[kind.name]
        if over is not None and isinstance(kind, KeepsKeys) and kind.name in over.parts:
            part = kind.keyed_as(part, over.parts[kind.name])
        for name, tree in kind.export(part).items():
            defaults.setdefault(kind.path, name)
            below = _get(tree, kind.path)
            for key in below if isinstance(below, dict) else ():
                defaults.setdefault((*kind.path, key), name)
            _merge(whole, tree)
    return whole, defaults


def _cleaned(name: str, tree: dict[str, Any], said: list[str]) -> dict[str, Any]:
    def removed(key: str, what: str) -> None:
        said.append(f"warning: {name}: {printable(key)}: the portal's text holds {what}, which "
                    "a desired state refuses: written without it, so the next plan shows the "
                    "change")
    out: dict[str, Any] = cleaned(tree, (), removed)
    return out


def _not_loading(docs: Mapping[str, str]) -> list[str]:
    """Why the files do not load back, if they do not."""
    try:
        load_texts(dict(docs))
    except ConfigError as exc:
        return [f"warning: the export does not load back as a desired state: "
                f"{printable(p.render())}" for p in exc.problems]
    return []


def _get(tree: Mapping[str, Any], path: Sequence[str]) -> Any:
    node: Any = tree
    for step in path:
        node = node.get(step) if isinstance(node, dict) else None
    return node


def _merge(dst: dict[str, Any], src: Mapping[str, Any]) -> None:
    for key, value in src.items():
        if isinstance(value, dict) and isinstance(dst.get(key), dict):
            _merge(dst[key], value)
        else:
            dst[key] = value


def _file(path: KeyPath, origins: Mapping[KeyPath, str], defaults: Mapping[KeyPath, str],
          fallback: str) -> str:
    """The config's file of the nearest part above `path`, else the kind's, else `fallback`."""
    for table in (origins, defaults):
        for end in range(len(path), 0, -1):
            if path[:end] in table:
                return table[path[:end]]
    return fallback


def _split(whole: Mapping[str, Any], origins: Mapping[KeyPath, str],
           defaults: Mapping[KeyPath, str]) -> dict[str, dict[str, Any]]:
    """The tree cut into files: each part in the file the config (else the kind) gives it."""
    # the paths a file boundary lies below (a set: one lookup per node, not a scan of every
    # boundary, which was quadratic at L100's 75,000 fields)
    above = {b[:end] for b in (*origins, *defaults) for end in range(1, len(b))}
    out: dict[str, dict[str, Any]] = {}

    def place(path: KeyPath, value: Any) -> None:
        node = out.setdefault(_file(path, origins, defaults, FALLBACK_FILE), {})
        for step in path[:-1]:
            node = node.setdefault(str(step), {})
        node[str(path[-1])] = value

    def walk(node: Mapping[str, Any], path: KeyPath) -> None:
        for key, value in node.items():
            here = (*path, key)
            if isinstance(value, dict) and here in above:
                walk(value, here)
            else:
                place(here, value)

    walk(whole, ())
    return out


def _header(words: Sequence[str], source: str | None, carried: int) -> str:
    lines = [EXPORTED, UNREAD.format(words=", ".join(words))]
    if source is None:
        lines.append(NO_SOURCE)
    elif carried:
        lines.append(CARRIED.format(source=source, n=carried))
    else:
        lines.append(NONE_CARRIED.format(source=source))
    return SCHEMA_LINE.format(schema=SCHEMA_FILE) + comment_lines(lines) + "\n"


def comment_lines(paragraphs: Sequence[str]) -> str:
    return "".join(f"# {line}\n" for text in paragraphs
                   for line in textwrap.wrap(text, WIDTH - 2, break_on_hyphens=False))


def _emptied(origins: Mapping[KeyPath, str], files: Mapping[str, str],
             left: Sequence[LeftOut], head: str) -> dict[str, str]:
    """The config's files that keep nothing, rewritten to say what they lost."""
    out = {}
    for name in sorted(set(origins.values()) - set(files)):
        lost = ", ".join(x.where.text for x in left if Path(x.source).name == name)
        out[name] = head + comment_lines([EMPTY.format(left=lost or "nothing")])
    return out


def export(live: LiveState, out_dir: str | Path, kinds: Sequence[AnyKind] = KINDS,
           notice: Callable[[str], None] = lambda _line: None) -> list[Path]:
    """Write a fresh export (and the JSON Schema it points at); return the paths written."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in export_documents(live, kinds=kinds, notice=notice).files.items():
        (out / name).write_text(text, encoding="utf-8")
        written.append(out / name)
    schema = out / SCHEMA_FILE
    schema.write_text(schema_text_of(kinds), encoding="utf-8")
    return [*written, schema]


def schema_text_of(kinds: Sequence[AnyKind] = KINDS) -> str:
    return json.dumps(json_schema(kinds), ensure_ascii=False, indent=2) + "\n"
