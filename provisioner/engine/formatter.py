"""`provision fmt`: the canonical layout of a desired-state file, comments kept.

The layout is the README's and `portal-config/`'s: in each table, its keys in the order of the
kind's shape (unknown keys after them, as written), `key = value`, no blank line between keys,
one blank line before each table header (comments written right above a header stay attached
to it), sub-tables of an array-of-tables element indented by two spaces (a stage's robots),
inline tables spaced `{ ru = "…", en = "…" }`. Values are kept as written otherwise (strings
in their quotes, arrays on their lines). A trailing comment keeps its column while the code
before it fits, so aligned comments stay aligned. Formatting twice gives what formatting once
does, and the file's data is unchanged: the result is parsed again and compared with the
original, and a file that would not compare equal is refused, never rewritten.

tomlkit parses the file with its comments and whitespace (tomllib drops them); this module
writes the text itself from tomlkit's items, so the layout is ours, not the library's.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from provisioner.errors import ConfigError, Problem
from provisioner.model.shape import ArrayOf, MapOf, OneOf, Opaque, Shape, Table

INDENT = "  "
FIX = "fix the TOML syntax at this line"


@dataclass
class _Unit:
    """A key-value line and the comment lines written right above it."""

    comments: list[str]
    key: str
    line: str


def format_text(text: str, name: str = "desired.toml", shape: Shape | None = None) -> str:
    """The canonical text of one desired-state file; ConfigError when it is not TOML, or when
    its layout cannot be rewritten without changing its data (then it is left alone)."""
    import tomlkit
    from tomlkit.exceptions import ParseError

    if shape is None:
        from provisioner.engine.loader import root_shape

        shape = root_shape()
    try:
        tomllib.loads(text)  # the loader's reading: the same message as `validate`
        doc = tomlkit.parse(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"at line (\d+)", str(exc))
        raise ConfigError([Problem(name, "(syntax)", f"not valid TOML: {exc}", FIX,
                                   int(found.group(1)) if found else None)]) from None
    except ParseError as exc:
        raise ConfigError([Problem(name, "(syntax)", f"not valid TOML: {exc}", FIX,
                                   exc.line)]) from None
    lines: list[str] = []
    _body(doc.body, shape, [], "", lines, root=True)
    out = "\n".join(_squeeze(lines)).strip("\n") + "\n"
    _same_data(text, out, name)
    return out


def _same_data(before: str, after: str, name: str) -> None:
    try:
        same = tomllib.loads(before) == tomllib.loads(after)
    except tomllib.TOMLDecodeError:
        same = False
    if not same:
        raise ConfigError([Problem(name, "(layout)", "cannot be formatted without changing its data "
                                   "(a layout fmt does not rewrite, such as dotted keys "
                                   "`a.b = 1`); left as it is",
                                   "write such keys as tables ([a] b = 1), then run fmt again")])


def _body(body: list[tuple[Any, Any]], shape: Shape | None, path: list[str], indent: str,
          lines: list[str], root: bool = False, inner: str | None = None) -> None:
    """A table's body: its keys in the shape's order (at `indent`), then its sub-tables (at
    `inner`: deeper under an element of an array of tables)."""
    from tomlkit.items import AoT, Comment, Whitespace
    from tomlkit.items import Table as TomlTable

    units: list[_Unit] = []
    pending: list[tuple[str, str]] = []  # (the comment's own indent, its text); "" blank
    split = next((i for i, (_, item) in enumerate(body)
                  if isinstance(item, (TomlTable, AoT))), len(body))
    for key, item in body[:split]:
        if isinstance(item, Whitespace):
            pending.extend([("", "")] * max(1, item.s.count("\n")))
        elif isinstance(item, Comment):
            pending.append((item.trivia.indent, item.trivia.comment))
        elif key is not None:
            units.append(_Unit([indent + text for _, text in pending if text], _key_text(key),
                               _key_line(key, item, indent)))
            pending = []
    lines.extend(line for unit in _ordered(units, shape) for line in [*unit.comments,
                                                                      unit.line])
    if units or not root:
        lines.append("")
    # Comments after the keys belong to the header below them: its indent when it is one of
    # ours, else (a parent's next header) as written.
    sub = indent if inner is None else inner
    lines.extend((sub if split < len(body) else own) + text if text else ""
                 for own, text in pending)
    for key, item in body[split:]:
        _section(key, item, shape, path, indent if inner is None else inner, lines)


def _section(key: Any, item: Any, shape: Shape | None, path: list[str], indent: str,
             lines: list[str]) -> None:
    from tomlkit.items import AoT, Comment, Whitespace

    if isinstance(item, Whitespace):
        lines.extend([""] * item.s.count("\n"))
        return
    if isinstance(item, Comment):
        lines.append(indent + item.trivia.comment)
        return
    name = _key_text(key)
    child, here = _child(shape, name), [*path, name]
    if isinstance(item, AoT):
        element = _item(child)
        for table in item.body:
            lines.append(_header(f"[[{'.'.join(here)}]]", table, indent))
            _body(table.value.body, element, here, indent, lines, inner=indent + INDENT)
        return
    if item.is_super_table():
        _body(item.value.body, child, here, indent, lines, root=True)
        return
    lines.append(_header(f"[{'.'.join(here)}]", item, indent))
    _body(item.value.body, child, here, indent, lines)


def _header(text: str, table: Any, indent: str) -> str:
    trivia = table.trivia
    comment = f"{trivia.comment_ws or ' '}{trivia.comment}" if trivia.comment else ""
    return f"{indent}{text}{comment}"


def _key_text(key: Any) -> str:
    return str(key.as_string()).strip()


def _key_line(key: Any, item: Any, indent: str) -> str:
    """`key = value  # comment`, the comment at its old column while the code fits."""
    trivia = item.trivia
    code = f"{indent}{_key_text(key)} = {_value(item)}"
    if not trivia.comment:
        return code
    column = len(trivia.indent + key.as_string() + key.sep + item.as_string()
                 + trivia.comment_ws)
    gap = column - len(code) if column - len(code) >= 1 else 2
    return f"{code}{' ' * gap}{trivia.comment}"


def _value(item: Any) -> str:
    from tomlkit.items import InlineTable

    if isinstance(item, InlineTable):
        pairs = [f"{_key_text(k)} = {_value(v)}" for k, v in item.value.body if k is not None]
        return "{ " + ", ".join(pairs) + " }" if pairs else "{}"
    return str(item.as_string()).strip()


def _ordered(units: list[_Unit], shape: Shape | None) -> list[_Unit]:
    order = _props(shape)
    if not order:
        return units
    rank = {key: i for i, key in enumerate(order)}
    return sorted(units, key=lambda u: rank.get(u.key.strip('"\''), len(rank)))


def _squeeze(lines: list[str]) -> list[str]:
    """Blank lines never two in a row, none first. Each entry is one line of the file, or a
    key-value whose value spans lines (a multi-line string keeps its blank lines)."""
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return out


def _props(shape: Any) -> list[str]:
    """The keys of a table, in its shape's order (a JSON Schema's for an opaque subtree)."""
    if isinstance(shape, Table):
        return list(shape.props)
    if isinstance(shape, OneOf):
        return next((_props(o) for o in shape.options if isinstance(o, Table)), [])
    # An opaque subtree (a stage's robots and triggers) has no order of its own: its JSON
    # Schema lists keys alphabetically, so its keys stay as written.
    return []


def _child(shape: Any, key: str) -> Any:
    """The shape under `key` of a table's shape (None: unknown, kept as written)."""
    if isinstance(shape, Table):
        prop = shape.props.get(key)
        return prop.shape if prop is not None else None
    if isinstance(shape, MapOf):
        return shape.value
    if isinstance(shape, OneOf):
        found = [_child(o, key) for o in shape.options if isinstance(o, (Table, MapOf))]
        return next((f for f in found if f is not None), None)
    if isinstance(shape, Opaque):
        return _child(dict(shape.schema), key)
    if isinstance(shape, Mapping):
        props = shape.get("properties")
        if isinstance(props, Mapping) and key in props:
            return props[key]
        if isinstance(shape.get("items"), Mapping):
            return _child(shape["items"], key)
    return None


def _item(shape: Any) -> Any:
    """The shape of an array's elements."""
    if isinstance(shape, ArrayOf):
        return shape.item
    if isinstance(shape, OneOf):
        return next((o.item for o in shape.options if isinstance(o, ArrayOf)), None)
    if isinstance(shape, Opaque):
        return _item(dict(shape.schema))
    if isinstance(shape, Mapping) and isinstance(shape.get("items"), Mapping):
        return shape["items"]
    return None
