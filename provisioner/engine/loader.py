"""Load the desired state: read *.toml files, merge them, check shapes, let each kind parse."""

from __future__ import annotations

import re
import tomllib
import zlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import Any

import rtoml

from provisioner.engine.gcpause import gc_paused
from provisioner.engine.scope import parse_pattern
from provisioner.engine.sources import Budget, Limits, nesting_problem
from provisioner.engine.tomlpieces import LARGE, loads_in_pieces
from provisioner.errors import ConfigError, Problem, ProvisionError
from provisioner.kinds import KINDS
from provisioner.model import AnyKind, Report
from provisioner.model.kind import Links, issue_index
from provisioner.model.fits import fits
from provisioner.model.locate import LineIndex, render_path
from provisioner.model.shape import Issue, Opaque, Path, Prop, Scalar, Table, check

EDITOR_KEYS = ("schema", "$schema")  # allowed at the top for editors, ignored otherwise
SETTINGS = "provision"  # `[provision]`: settings of the tool, not of the portal


@dataclass(frozen=True)
class DesiredState:
    """Desired parts by kind name; a kind absent from the mapping was not declared."""

    parts: Mapping[str, Any]
    files: tuple[str, ...] = ()
    protect: tuple[str, ...] = ()  # `[provision] protect = [...]`: address patterns
    texts: Mapping[str, str] = field(default_factory=dict)  # file -> TOML (for plan files)


class Texts(Mapping[str, str]):
    """The files' texts as loaded, kept compressed (zlib, its fastest level: about a twelfth
    of the text): a saved plan and an export over the config read them, a plan never does,
    and they were a seventh of what a loaded L10 state held (48 MB of TOML at L100). Each
    text is the same string again when asked, lone surrogates included."""

    __slots__ = ("_packed",)

    def __init__(self, texts: Mapping[str, str]) -> None:
        self._packed: dict[str, bytes] = {}
        for name, text in texts.items():
            self._put(name, text)

    def _put(self, name: str, text: str) -> None:
        """The loader's, as it reads each file: the text is let go before the next is read."""
        self._packed[name] = zlib.compress(text.encode("utf-8", "surrogatepass"), 1)

    def __getitem__(self, name: str) -> str:
        return zlib.decompress(self._packed[name]).decode("utf-8", "surrogatepass")

    def __iter__(self) -> Iterator[str]:
        return iter(self._packed)

    def __len__(self) -> int:
        return len(self._packed)

    def __repr__(self) -> str:
        return f"Texts({list(self._packed)!r})"


@dataclass
class _Sources:
    texts: Mapping[str, str] = field(default_factory=dict)  # a dict while loading, then Texts
    origins: dict[Path, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    _index: dict[str, LineIndex] = field(default_factory=dict)

    def file_of(self, path: Path) -> str:
        for end in range(len(path), 0, -1):
            if path[:end] in self.origins:
                return self.origins[path[:end]]
        return next(iter(self.texts), "")

    def index(self, name: str) -> LineIndex:
        """The lines of one file's keys, scanned once however many problems it has."""
        if name not in self._index:
            self._index[name] = LineIndex(self.texts.get(name, ""))
        return self._index[name]

    def problem(self, issue: Issue) -> Problem:
        name = self.file_of(issue.path)
        return Problem(name, render_path(issue.path), issue.message, issue.fix,
                       self.index(name).find(issue.path))

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
    """The *.toml files of a directory (whatever they turn out to be: `_read_file` refuses
    what is not a regular file), or the one file named."""
    base = FsPath(path)
    if base.is_dir():
        files = sorted(base.glob("*.toml"))
        if not files:
            raise ProvisionError(f"{base}: no *.toml files in this directory")
        return files
    if not base.exists() and not base.is_symlink():
        raise missing_config(base)
    return [base]


def missing_config(path: FsPath) -> ProvisionError:
    """CONFIG not found: where it was looked for (the default is relative to the directory the
    command runs in, which a bare "no such file" does not say) and how to give one."""
    return ProvisionError(
        f"{path}: no such file or directory (looked for {path.absolute()})\n"
        "fix: give the config as CONFIG, a directory of *.toml files or one file, e.g. "
        "`provision plan path/to/portal-config`; without CONFIG, ./portal-config is read")


def load_desired(path: str | FsPath, kinds: Sequence[AnyKind] = KINDS,
                 limits: Limits | None = None) -> DesiredState:
    """Read CONFIG (a directory of *.toml or one file); raise ConfigError with every problem.
    `limits`: bytes and nesting read at most (default from the environment, engine/sources.py)."""
    with gc_paused():
        texts = Texts({})
        sources = _Sources(texts)
        tree: dict[str, Any] = {}
        budget = Budget(limits or Limits.from_env())
        for file in find_files(path):
            _read_into(tree, file, texts, sources, budget)
        return parse_tree(tree, sources, kinds)


def _read_into(tree: dict[str, Any], file: FsPath, texts: Texts, sources: _Sources,
               budget: Budget) -> None:
    """One file read, kept compressed and merged into `tree`; its text is let go on return
    (an L100 config's texts are 48 MB: not held while the kinds parse)."""
    name = str(file)
    text = _read_file(file, sources.problems, budget)
    if text is None:
        return
    texts._put(name, text)
    _merge(tree, _parse_toml(name, text, sources), (), name, sources)


def _read_file(file: FsPath, problems: list[Problem], budget: Budget) -> str | None:
    """The exact text of a file (no newline translation: tomllib must see what is there), or
    None with a located problem when it is not a regular file, too big or not UTF-8."""
    data = budget.read(file)
    if isinstance(data, Problem):
        problems.append(data)
        return None
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
    return parse_tree(_merged(sources.texts, sources), sources, kinds)


def _merged(texts: Mapping[str, str], sources: _Sources) -> dict[str, Any]:
    """The trees of `texts` merged into one, in their order (problems into `sources`)."""
    tree: dict[str, Any] = {}
    for name, text in texts.items():
        _merge(tree, _parse_toml(name, text, sources), (), name, sources)
    return tree


def _rtoml(text: str) -> dict[str, Any] | None:
    """The TOML tree of `text` read by rtoml, or None where tomllib must read it. rtoml (Rust)
    reads a large desired state about seven times faster than tomllib, into the same values
    (the TOML test suite agrees). It reads TOML 1.1 as well, which tomllib, editors and
    `provision fmt` refuse: a text that may use what 1.1 added, and whatever rtoml refuses,
    tomllib reads, so that every refusal, and its message and line, is tomllib's."""
    if _rtoml_may_differ(text):
        return None
    try:
        if len(text) >= LARGE:  # read in pieces where they make the same tree: less memory
            tree = loads_in_pieces(text)
            if tree is not None:
                return tree
        return rtoml.loads(text)
    except Exception:  # rtoml.TomlParsingError, or its recursion limit: tomllib decides
        return None


# What TOML 1.1 added (toml.io/en/v1.1.0, changelog) and rtoml reads: the \e and \xHH
# escapes, a trailing comma in an inline table, times without seconds; and newlines (and so
# comments) inside an inline table, found as a line whose braces do not pair. Each pattern
# starts with a literal, so it scans 30 MB in a few hundredths of a second; it may also match
# inside a string, which only sends that file to the slower tomllib. rtoml also skips a
# byte-order mark, which tomllib refuses.
_TOML_1_1 = (re.compile(r"\\[ex]"), re.compile(r",[ \t\r\n]*\}"),
             re.compile(r":\d\d(?<=\d\d:\d\d)(?<![\d:]\d\d:\d\d)(?!:)"))


def _rtoml_may_differ(text: str) -> bool:
    if text.startswith("\ufeff") or any(pattern.search(text) for pattern in _TOML_1_1):
        return True
    at = 0
    while (found := _brace(text, at)) >= 0:
        start = text.rfind("\n", 0, found) + 1
        at = text.find("\n", found)
        at = len(text) if at < 0 else at
        if text.count("{", start, at) != text.count("}", start, at):
            return True
    return False


def _brace(text: str, at: int) -> int:
    """Where the next brace from `at` is, or -1: two `str.find`s (a pattern of a character
    class, `[{}]`, is tried at every character: 0.22 s over an L100 config holding none)."""
    opening, closing = text.find("{", at), text.find("}", at)
    return closing if opening < 0 else opening if closing < 0 else min(opening, closing)


def _parse_toml(name: str, text: str, sources: _Sources) -> dict[str, Any]:
    """The file's tree; the nesting scan (0.1 s on an L10 config) runs only before tomllib:
    a text rtoml reads is nested 80 levels at most (its recursion limit; a contract test holds
    it under the scan's 100), so the scan would find nothing in it."""
    read = _rtoml(text)
    if read is not None:
        return _without_editor_keys(read)
    deep = nesting_problem(name, text)
    if deep is not None:  # before tomllib, which spends gigabytes on 40,000 dotted levels
        sources.problems.append(deep)
        return {}
    try:
        data = tomllib.loads(text)
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
    return _without_editor_keys(data)


def _without_editor_keys(data: dict[str, Any]) -> dict[str, Any]:
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
            line = sources.index(name).find(here)
            sources.problems.append(Problem(name, render_path(here),
                                            f"defined in both {first} and {name}",
                                            "keep one definition (merge them into one file)",
                                            line))


def parse_tree(tree: dict[str, Any], sources: _Sources, kinds: Sequence[AnyKind]) -> DesiredState:
    root = root_shape(kinds)
    issues = [] if fits(root)(tree) else check(root, tree)  # issues only of a tree that does not fit
    report = Report(locate=sources.locate, checked=issue_index(issues))
    parts: dict[str, Any] = {}
    for kind in kinds:
        subtree = _get(tree, kind.path)
        if subtree is None or _blocked(issues, kind.path):
            continue
        parts[kind.name] = kind.parse(subtree, kind.path, report)
        _let_go(tree, kind.path, kinds)
    _link(kinds, parts, report)
    protect = _protect(tree, report)
    problems = sources.problems + [sources.problem(i) for i in [*issues, *report.issues]]
    if problems:
        raise ConfigError(problems)
    # Compressed once, for the state and for the sources, whose `locate` kinds keep (a
    # problem found during plan reads its file's text again)
    texts = sources.texts if isinstance(sources.texts, Texts) else Texts(sources.texts)
    sources.texts = texts
    return DesiredState(parts, tuple(texts), protect, texts)


def _let_go(tree: dict[str, Any], path: tuple[str, ...], kinds: Sequence[AnyKind]) -> None:
    """A parsed kind's subtree leaves the tree, so that its tables are freed while the next
    kinds parse (the trees of an L100 config's files, 48 MB of TOML, hold about 300 MB; the
    model made of them much less), unless another kind's subtree lies inside it."""
    if any(k.path[:len(path)] == path and k.path != path for k in kinds):
        return
    parent = _get(tree, path[:-1])
    if isinstance(parent, dict):
        parent.pop(path[-1], None)


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
    with gc_paused():
        sources = _Sources(texts=dict(texts))
        return parse_tree(_merged(texts, sources), sources, kinds)


def source_tree(texts: Mapping[str, str]) -> tuple[dict[str, Any], dict[Path, str]]:
    """The merged TOML tree of a loaded desired state, and the file each part of it came
    from (the shallowest key path a file added): export over a config keeps its layout."""
    sources = _Sources(texts=dict(texts))
    return _merged(texts, sources), dict(sources.origins)


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
