"""Load the desired state: read *.toml files, merge them, check shapes, let each kind parse."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import Any

from provisioner.engine.scope import parse_pattern
from provisioner.errors import ConfigError, Problem, ProvisionError
from provisioner.kinds import KINDS
from provisioner.model import AnyKind, Report
from provisioner.model.kind import Links
from provisioner.model.locate import LineIndex, render_path
from provisioner.model.shape import Issue, Opaque, Path, Prop, Scalar, Table, check

MAX_FILE_BYTES = 5 * 1024 * 1024  # a desired state is kilobytes; refuse anything absurd
EDITOR_KEYS = ("schema", "$schema")  # allowed at the top for editors, ignored otherwise
SETTINGS = "provision"  # `[provision]`: settings of the tool, not of the portal


@dataclass(frozen=True)
class DesiredState:
    """Desired parts by kind name; a kind absent from the mapping was not declared."""

    parts: Mapping[str, Any]
    files: tuple[str, ...] = ()
    protect: tuple[str, ...] = ()  # `[provision] protect = [...]`: address patterns
    texts: Mapping[str, str] = field(default_factory=dict)  # file -> TOML (for plan files)


@dataclass
class _Sources:
    texts: dict[str, str] = field(default_factory=dict)
    origins: dict[Path, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    _index: dict[str, LineIndex] = field(default_factory=dict)

    def file_of(self, path: Path) -> str:
        for end in range(len(path), 0, -1):
            if path[:end] in self.origins:
                return self.origins[path[:end]]
        return next(iter(self.texts), "")

    def problem(self, issue: Issue) -> Problem:
        name = self.file_of(issue.path)
        index = self._index.setdefault(name, LineIndex(self.texts.get(name, "")))
        return Problem(name, render_path(issue.path), issue.message, issue.fix,
                       index.find(issue.path))

    def locate(self, path: Path) -> tuple[str, int | None]:
        found = self.problem(Issue(path, ""))
        return found.file, found.line


def root_shape(kinds: Sequence[AnyKind] = KINDS) -> Table:
    """The shape of a whole desired-state file, assembled from the kinds' paths."""
    root: dict[str, Any] = {}
    for kind in kinds:
        node = root
        for step in kind.path[:-1]:
            node = node.setdefault(step, {})
        node[kind.path[-1]] = kind.shape
    props = {k: Prop(_table(v)) for k, v in root.items()}
    for key in EDITOR_KEYS:
        props[key] = Prop(Scalar("string", "JSON Schema of this format, for editors."))
    props[SETTINGS] = Prop(Table({"protect": Prop(Opaque({
        "type": "array", "items": {"type": "string"},
        "description": "Addresses never deleted or replaced, e.g. \"deal.pipeline[sales]\" "
                       "(covers its stages too)."}))},
        "Settings of provision itself."))
    return Table(props, "provision desired state (Bitrix24 configuration as code).")


def _table(node: Any) -> Any:
    if isinstance(node, dict):
        return Table({k: Prop(_table(v)) for k, v in node.items()})
    return node


def find_files(path: str | FsPath) -> list[FsPath]:
    base = FsPath(path)
    if base.is_dir():
        files = sorted(base.glob("*.toml"))
        if not files:
            raise ProvisionError(f"{base}: no *.toml files in this directory")
        return files
    if not base.exists():
        raise ProvisionError(f"{base}: no such file or directory")
    return [base]


def load_desired(path: str | FsPath, kinds: Sequence[AnyKind] = KINDS) -> DesiredState:
    """Read CONFIG (a directory of *.toml or one file); raise ConfigError with every problem."""
    sources = _Sources()
    tree: dict[str, Any] = {}
    for file in find_files(path):
        name = str(file)
        text = _read_file(file, sources.problems)
        if text is None:
            continue
        sources.texts[name] = text
        _merge(tree, _parse_toml(name, sources), (), name, sources)
    return parse_tree(tree, sources, kinds)


def _read_file(file: FsPath, problems: list[Problem]) -> str | None:
    """The exact text of a file (no newline translation: tomllib must see what is there), or
    None with a located problem when it is too big or not UTF-8."""
    size = file.stat().st_size
    if size > MAX_FILE_BYTES:
        problems.append(Problem(str(file), "(size)", f"the file is {size / 2**20:.1f} MiB; a "
                                f"desired-state file may be at most {MAX_FILE_BYTES // 2**20} MiB",
                                "split it into several *.toml files in one directory, or check "
                                "that this is the right file"))
        return None
    data = file.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        problems.append(Problem(str(file), "(encoding)", f"not UTF-8: byte 0x{data[exc.start]:02x} "
                                f"at offset {exc.start} cannot be decoded",
                                "save the file as UTF-8 (TOML files must be UTF-8)", line))
        return None


def load_text(text: str, name: str = "desired.toml", kinds: Sequence[AnyKind] = KINDS) -> DesiredState:
    """The desired state from one TOML text (for tests and tools)."""
    sources = _Sources(texts={name: text})
    tree: dict[str, Any] = {}
    _merge(tree, _parse_toml(name, sources), (), name, sources)
    return parse_tree(tree, sources, kinds)


def _parse_toml(name: str, sources: _Sources) -> dict[str, Any]:
    try:
        data = tomllib.loads(sources.texts[name])
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None) or _line_of(str(exc))
        sources.problems.append(Problem(name, "(syntax)", f"not valid TOML: {exc}",
                                        "fix the TOML syntax at this line", line))
        return {}
    except RecursionError:  # tomllib recurses once per level of nested arrays and tables
        sources.problems.append(Problem(name, "(syntax)", "arrays or tables nested too deep "
                                        "to read", "nest arrays and tables a few levels deep "
                                        "at most"))
        return {}
    for key in EDITOR_KEYS:
        data.pop(key, None)
    return data


def _line_of(message: str) -> int | None:
    marker = "at line "
    if marker not in message:
        return None
    digits = message.split(marker, 1)[1].split(",", 1)[0].split(")", 1)[0]
    return int(digits) if digits.isdigit() else None


def _merge(dst: dict[str, Any], src: dict[str, Any], path: Path, name: str,
           sources: _Sources) -> None:
    for key, value in src.items():
        here = (*path, key)
        if key not in dst:
            dst[key] = value
            sources.origins[here] = name
        elif isinstance(dst[key], dict) and isinstance(value, dict):
            _merge(dst[key], value, here, name, sources)
        else:
            first = sources.file_of(here)
            line = LineIndex(sources.texts[name]).find(here)
            sources.problems.append(Problem(name, render_path(here),
                                            f"defined in both {first} and {name}",
                                            "keep one definition (merge them into one file)",
                                            line))


def parse_tree(tree: dict[str, Any], sources: _Sources, kinds: Sequence[AnyKind]) -> DesiredState:
    issues = check(root_shape(kinds), tree)
    report = Report(locate=sources.locate)  # locate: kinds/base.py Report
    parts: dict[str, Any] = {}
    for kind in kinds:
        subtree = _get(tree, kind.path)
        if subtree is None or _blocked(issues, kind.path):
            continue
        parts[kind.name] = kind.parse(subtree, kind.path, report)
    _link(kinds, parts, report)
    protect = _protect(tree, report)
    problems = sources.problems + [sources.problem(i) for i in [*issues, *report.issues]]
    if problems:
        raise ConfigError(problems)
    return DesiredState(parts, tuple(sources.texts), protect, dict(sources.texts))


def _link(kinds: Sequence[AnyKind], parts: dict[str, Any], report: Report) -> None:
    """Let kinds check and resolve references into other kinds' desired parts (`Links`)."""
    for kind in kinds:
        if isinstance(kind, Links):
            linked = kind.link(parts.get(kind.name), parts, report)
            if linked is not None:
                parts[kind.name] = linked


def _protect(tree: Mapping[str, Any], report: Report) -> tuple[str, ...]:
    value = _get(tree, (SETTINGS, "protect"))
    out: list[str] = []
    if value is not None and not isinstance(value, list):
        report.add((SETTINGS, "protect"), "protect must be an array of addresses",
                   'write protect = ["deal.pipeline[sales]"]')
    for index, item in enumerate(value if isinstance(value, list) else []):
        try:
            out.append(parse_pattern(str(item)).text)
        except ProvisionError as exc:
            report.add((SETTINGS, "protect", index), str(exc), "write an address such as "
                       "deal.pipeline[sales] or deal.pipeline[sales].stage[NEW]")
    return tuple(out)


def load_texts(texts: Mapping[str, str], kinds: Sequence[AnyKind] = KINDS) -> DesiredState:
    """The desired state from file texts kept in a plan file (names as they were loaded)."""
    sources = _Sources(texts=dict(texts))
    tree: dict[str, Any] = {}
    for name in texts:
        _merge(tree, _parse_toml(name, sources), (), name, sources)
    return parse_tree(tree, sources, kinds)


def source_tree(texts: Mapping[str, str]) -> tuple[dict[str, Any], dict[Path, str]]:
    """The merged TOML tree of a loaded desired state, and the file each part of it came
    from (the shallowest key path a file added): export over a config keeps its layout."""
    sources = _Sources(texts=dict(texts))
    tree: dict[str, Any] = {}
    for name in texts:
        _merge(tree, _parse_toml(name, sources), (), name, sources)
    return tree, dict(sources.origins)


def _get(tree: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    node: Any = tree
    for step in path:
        if not isinstance(node, dict) or step not in node:
            return None
        node = node[step]
    return node


def _blocked(issues: Sequence[Issue], path: tuple[str, ...]) -> bool:
    """A kind parses its subtree despite problems inside it (to report them all in one run),
    but not when the subtree itself or a table above it has the wrong type."""
    return any(tuple(path[:len(i.path)]) == i.path for i in issues)
