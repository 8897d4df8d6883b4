"""Read the companion's part of a desired state (CONFIG: a directory of *.toml or one file).

Until `[call_card]` and `[tasks]` are kinds of the engine (a later step), the app and the
`call-card check` command read them here: the same parse functions, located problems with file,
key path, line and fix, raised together as a ConfigError.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path as FsPath
from typing import Any

from provisioner.companion.config import (
    check_status_items,
    parse_call_card,
    parse_deadline_guard,
    status_items,
)
from provisioner.companion.model import CompanionConfig
from provisioner.model.locate import LineIndex, render_path
from provisioner.model.shape import Issue
from provisioner.errors import ConfigError, Problem, ProvisionError

PARTS: tuple[tuple[str, ...], ...] = (("call_card",), ("tasks", "deadline_guard"),
                                      ("company", "fields"))
MAX_BYTES = 5 * 1024 * 1024


def load_companion(path: str | FsPath) -> CompanionConfig:
    """The companion config of CONFIG; raises ConfigError listing every problem."""
    files = _files(FsPath(path))
    texts: dict[str, str] = {}
    found: dict[tuple[str, ...], tuple[str, Any]] = {}
    problems: list[Problem] = []
    for file in files:
        text = _read(file, problems)
        if text is None:
            continue
        texts[str(file)] = text
        _collect(str(file), text, found, problems)
    config, issues = parse_parts({k: v[1] for k, v in found.items()})
    for issue in issues:
        problems.append(_locate(issue, found, texts))
    if problems:
        raise ConfigError(problems)
    return config


def parse_parts(parts: Mapping[tuple[str, ...], Any]) -> tuple[CompanionConfig, list[Issue]]:
    """The config from the three subtrees (absent ones missing from `parts`)."""
    issues: list[Issue] = []
    card, guard = None, None
    if ("call_card",) in parts:
        card, found = parse_call_card(parts[("call_card",)])
        issues.extend(found)
    if ("tasks", "deadline_guard") in parts:
        guard, found = parse_deadline_guard(parts[("tasks", "deadline_guard")])
        issues.extend(found)
    items: tuple[tuple[str, str], ...] = ()
    default = None
    if card is not None and card.status_field and not issues:
        resolved = status_items(parts.get(("company", "fields")), card.status_field)
        issues.extend(check_status_items(card, resolved[0] if resolved else None))
        if resolved:
            items, default = tuple(resolved[0].items()), resolved[1]
    return CompanionConfig(card, guard, items, default), issues


def _files(base: FsPath) -> list[FsPath]:
    if base.is_dir():
        files = sorted(base.glob("*.toml"))
        if not files:
            raise ProvisionError(f"{base}: no *.toml files in this directory")
        return files
    if not base.exists():
        raise ProvisionError(f"{base}: no such file or directory")
    return [base]


def _read(file: FsPath, problems: list[Problem]) -> str | None:
    if file.stat().st_size > MAX_BYTES:
        problems.append(Problem(str(file), "(size)", "the file is larger than 5 MiB",
                                "check that this is the right file"))
        return None
    try:
        return file.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        problems.append(Problem(str(file), "(encoding)", "not UTF-8", "save the file as UTF-8"))
        return None


def _collect(name: str, text: str, found: dict[tuple[str, ...], tuple[str, Any]],
             problems: list[Problem]) -> None:
    try:
        tree = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        problems.append(Problem(name, "(syntax)", f"not valid TOML: {exc}",
                                "fix the TOML syntax at this line",
                                getattr(exc, "lineno", None)))
        return
    for part in PARTS:
        node = _get(tree, part)
        if node is None:
            continue
        if part in found and part != ("company", "fields"):
            problems.append(Problem(name, render_path(part), f"defined in both "
                                    f"{found[part][0]} and {name}", "keep one definition"))
            continue
        if part == ("company", "fields") and part in found and isinstance(node, dict):
            node = {**found[part][1], **node}  # fields spread over files merge by name
        found[part] = (name, node)


def _get(tree: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    node: Any = tree
    for step in path:
        if not isinstance(node, dict) or step not in node:
            return None
        node = node[step]
    return node


def _locate(issue: Issue, found: Mapping[tuple[str, ...], tuple[str, Any]],
            texts: Mapping[str, str]) -> Problem:
    part = next((p for p in PARTS if tuple(issue.path[:len(p)]) == p), PARTS[0])
    name = found[part][0] if part in found else next(iter(texts), "")
    line = LineIndex(texts.get(name, "")).find(issue.path)
    return Problem(name, render_path(issue.path), issue.message, issue.fix, line)
