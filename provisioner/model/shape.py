"""Declarative shapes of the TOML tree: one definition drives validation and the JSON Schema.

Kinds describe their part of the tree with `Scalar`, `Table`, `MapOf` and `ArrayOf`; `check()`
walks a parsed tree and reports every mismatch, `to_json_schema()` turns the same shapes into the
schema editors use, so the two cannot drift apart.
"""

from __future__ import annotations

import builtins
import difflib
import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Union

Path = tuple[str | int, ...]

MAX_TEXT = 65_535  # no string the portal stores is longer (a TEXT column); names say their own
# C0, DEL and C1 controls (ESC starts ANSI sequences that repaint a terminal showing a plan), and
# the bidi embeddings, overrides and isolates that make a name read differently than it is.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_MULTILINE_OK = "\t\n"

_TOML_TYPES = {"string": str, "integer": int, "boolean": bool, "number": float}
_TYPE_WORDS = {str: "a string", int: "an integer", bool: "a boolean", dict: "a table",
               list: "an array", float: "a number"}


@dataclass(frozen=True)
class Issue:
    """A problem found in the tree, before a file and line are attached."""

    path: Path
    message: str
    fix: str = ""
    key: bool = False  # about the key at `path`, not its value (which is checked on its own)


@dataclass(frozen=True)
class Scalar:
    type: str
    doc: str = ""
    pattern: str | None = None
    enum: tuple[str, ...] | None = None
    default: Any = None
    fix: str = ""  # how to write a valid value when the pattern does not match
    non_blank: bool = False
    max_length: int = MAX_TEXT  # characters the portal stores (names: 255)
    multiline: bool = False  # a text of several lines: tab and newline allowed
    # made once: a config has tens of thousands of values of a few shapes
    _type: builtins.type = field(init=False, repr=False, compare=False)
    _regex: re.Pattern[str] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_type", _TOML_TYPES[self.type])
        object.__setattr__(self, "_regex", re.compile(self.pattern) if self.pattern else None)


@dataclass(frozen=True)
class Prop:
    shape: Shape
    required: bool = False
    # What the portal cannot give back for this key (no REST method reads it), in a few words
    # ("robots of a stage"): `export` carries it over from an existing config, and says so.
    unread: str = ""


@dataclass(frozen=True)
class Table:
    props: Mapping[str, Prop]
    doc: str = ""


@dataclass(frozen=True)
class MapOf:
    """A table whose keys are names chosen by the user (pipeline keys, list ids)."""

    value: Shape
    key_pattern: str
    doc: str = ""
    key_fix: str = ""
    known_keys: tuple[str, ...] = field(default=())
    _key_regex: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_key_regex", re.compile(self.key_pattern))


@dataclass(frozen=True)
class ArrayOf:
    """An array of tables (`[[...]]`); `key`: the item's key that names it (a stage's `code`),
    by which `export` matches an existing config's items to the portal's."""

    item: Shape
    doc: str = ""
    key: str | None = None


@dataclass(frozen=True)
class OneOf:
    """Any one of several shapes, e.g. a label: a string or a table of languages.
    (Added for the custom-field kind: kinds/fields/.)"""

    options: tuple[Shape, ...]
    doc: str = ""


@dataclass(frozen=True)
class Opaque:
    """A subtree its kind checks itself (every problem located by the kind's parser), with the
    JSON Schema editors get. (Hook for the automation kind: a stage's robots and triggers.)"""

    schema: Mapping[str, Any]


Shape = Union[Scalar, Table, MapOf, ArrayOf, OneOf, Opaque]  # noqa: UP007


def type_word(value: Any) -> str:
    return _TYPE_WORDS.get(type(value), type(value).__name__)


def closest(word: str, candidates: list[str] | tuple[str, ...]) -> str | None:
    found = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return found[0] if found else None


def closest_value(value: str, choices: tuple[str, ...] | list[str]) -> str | None:
    """The allowed value a misspelt one most likely meant: the same but for case, the only
    one it begins (`enum` -> `enumeration`, `bool` -> `boolean`), else the nearest spelling."""
    word = value.strip().lower()
    same = [c for c in choices if c.lower() == word]
    begun = [c for c in choices if word and c.lower().startswith(word)]
    if same or len(begun) == 1:
        return (same or begun)[0]
    found = difflib.get_close_matches(word, [c.lower() for c in choices], n=1, cutoff=0.6)
    return next((c for c in choices if found and c.lower() == found[0]), None)


def enum_fix(value: Any, choices: tuple[str, ...] | list[str]) -> str:
    """The fix of a value that is not one of `choices`: the closest one first, when any."""
    listed = ", ".join(f'"{c}"' for c in choices)
    near = closest_value(str(value), choices)
    return f'did you mean "{near}"? Write one of {listed}' if near else f"write one of {listed}"


def check(shape: Shape, value: Any, path: Path = ()) -> list[Issue]:
    """Every mismatch between `value` and `shape`, in tree order."""
    found: list[Issue] = _CHECKS[type(shape)](shape, value, path)
    return found


def _check_opaque(_shape: Opaque, _value: Any, _path: Path) -> list[Issue]:
    return []  # the kind's parser reports (see Opaque)


def _check_one_of(shape: OneOf, value: Any, path: Path) -> list[Issue]:
    """Fine if one option fits; else the issues of the first option of the value's type."""
    found = []
    for option in shape.options:
        if not _may_fit(option, value):
            continue  # its only issue would be the wrong type, which says nothing here
        issues = check(option, value, path)
        if not issues:
            return []
        found.append(issues)
    for issues in found:
        if not any(i.path == path and i.message.startswith("must be ") for i in issues):
            return issues
    words = " or ".join(dict.fromkeys(_shape_word(o) for o in shape.options))
    return _wrong_type(path, words, value)


def _may_fit(shape: Shape, value: Any) -> bool:
    if isinstance(shape, Scalar):
        return type(value) is shape._type
    if isinstance(shape, Table | MapOf):
        return isinstance(value, dict)
    return isinstance(value, list) if isinstance(shape, ArrayOf) else True


def _shape_word(shape: Shape) -> str:
    if isinstance(shape, Scalar):
        return _TYPE_WORDS[_TOML_TYPES[shape.type]]
    return "an array" if isinstance(shape, ArrayOf) else "a table"


def _wrong_type(path: Path, want: str, value: Any) -> list[Issue]:
    return [Issue(path, f"must be {want}, not {type_word(value)}",
                  f"write {want} here")]


def _check_scalar(shape: Scalar, value: Any, path: Path) -> list[Issue]:
    want: Any = shape._type
    if type(value) is not want:
        return _wrong_type(path, _TYPE_WORDS[want], value)
    if want is not str:
        if shape.enum is not None and value not in shape.enum:
            return _not_one_of(shape.enum, value, path)
        return []
    if (len(value) > shape.max_length or _CONTROL.search(value)) and (
            text_issue := _check_text(shape, value, path)):
        return [text_issue]
    if shape.non_blank and not value.strip():
        return [Issue(path, "must not be empty", "write a non-empty text")]
    if shape.enum is not None and value not in shape.enum:
        return _not_one_of(shape.enum, value, path)
    if shape._regex is not None and not shape._regex.fullmatch(value):
        return [Issue(path, f'"{value}" is not valid', shape.fix or f"match {shape.pattern}")]
    return []


def _not_one_of(enum: tuple[str, ...], value: Any, path: Path) -> list[Issue]:
    choices = ", ".join(f'"{e}"' for e in enum)
    return [Issue(path, f'"{value}" is not one of {choices}', enum_fix(value, enum))]


def _check_text(shape: Scalar, value: str, path: Path) -> Issue | None:
    """Control and bidi characters, and length. The value is never echoed: it may be huge, or
    hold the very sequences that would repaint the terminal."""
    for found in _CONTROL.finditer(value):
        char = found.group()
        if shape.multiline and char in _MULTILINE_OK:
            continue
        allowed = " (tab and line breaks are fine here)" if shape.multiline else ""
        return Issue(path, f"contains the invisible character {_char_name(char)} at position "
                     f"{found.start() + 1}", f"remove it{allowed}; write plain text")
    if len(value) > shape.max_length:
        return Issue(path, f"is {len(value)} characters long; the portal stores at most "
                     f"{shape.max_length}", f"shorten it to {shape.max_length} characters or "
                     "fewer")
    return None


_C0_NAMES = {"\0": "NUL", "\a": "BEL", "\b": "BS", "\t": "TAB", "\n": "LF (line break)",
             "\v": "VT", "\f": "FF", "\r": "CR (line break)", "\x1b": "ESC",
             "\x7f": "DEL"}


def _char_name(char: str) -> str:
    name = _C0_NAMES.get(char) or unicodedata.name(char, "a control character")
    return f"U+{ord(char):04X} ({name})"


def _check_table(shape: Table, value: Any, path: Path) -> list[Issue]:
    if not isinstance(value, dict):
        return _wrong_type(path, "a table", value)
    issues: list[Issue] = []
    props = shape.props
    for key, item in value.items():
        prop = props.get(key)
        if prop is None:
            issues.append(_unknown_key(path, key, tuple(props)))
        elif found := check(prop.shape, item, (*path, key)):
            issues.extend(found)
    if len(value) < len(props) or issues:  # else every key is known and present
        for key, prop in props.items():
            if prop.required and key not in value:
                issues.append(Issue((*path, key), "is required", f"add `{key} = ...`"))
    return issues


def _unknown_key(path: Path, key: str, known: tuple[str, ...]) -> Issue:
    if not path and key == "portals":  # portals.toml put inside the config directory
        return Issue((key,), "unknown key `portals`: a portals file is not desired state",
                     "move portals.toml out of the config directory, beside it (it is read "
                     "from there), or pass it with --portals FILE")
    near = closest(key, known)
    fix = f"did you mean `{near}`?" if near else f"known keys: {', '.join(known) or 'none'}"
    return Issue((*path, key), f"unknown key `{key}`", fix)


def _check_map(shape: MapOf, value: Any, path: Path) -> list[Issue]:
    if not isinstance(value, dict):
        return _wrong_type(path, "a table", value)
    issues: list[Issue] = []
    item_shape, fullmatch = shape.value, shape._key_regex.fullmatch
    for key, item in value.items():
        if _CONTROL.search(key):
            issues.append(Issue((*path, key), "the key holds an invisible character",
                                "write the key in plain text", key=True))
            continue
        if not fullmatch(key):
            issues.append(Issue((*path, key), f"`{key}` is not a valid name here",
                                shape.key_fix or f"use a name matching {shape.key_pattern}",
                                key=True))
            continue
        if found := check(item_shape, item, (*path, key)):
            issues.extend(found)
    return issues


def _check_array(shape: ArrayOf, value: Any, path: Path) -> list[Issue]:
    if not isinstance(value, list):
        return _not_array(shape, value, path)
    issues: list[Issue] = []
    item_shape = shape.item
    for index, item in enumerate(value):
        if found := check(item_shape, item, (*path, index)):
            issues.extend(found)
    return issues


_PLURALS = {str: "strings", int: "integers", bool: "booleans", float: "numbers"}


def _not_array(shape: ArrayOf, value: Any, path: Path) -> list[Issue]:
    """Says what the array holds (`parents = "deal"`: an array of strings, not of tables) and,
    when the value would fit as its one item, the line to write."""
    item = shape.item
    options = item.options if isinstance(item, OneOf) else (item,)
    words = [f"{_PLURALS[o._type]}" if isinstance(o, Scalar) else "tables"
             for o in options if not isinstance(o, Opaque)]
    want = f"an array of {' or '.join(dict.fromkeys(words))}" if words else "an array"
    fix = f"write {want} here"
    if isinstance(value, str | int | float) and path and isinstance(path[-1], str) and \
            not check(item, value, (*path, 0)):
        fix += f", e.g. `{path[-1]} = [{json.dumps(value, ensure_ascii=False)}]`"
    return [Issue(path, f"must be {want}, not {type_word(value)}", fix)]


_CHECKS: dict[type, Any] = {Scalar: _check_scalar, Table: _check_table, MapOf: _check_map,
                            ArrayOf: _check_array, OneOf: _check_one_of, Opaque: _check_opaque}


def to_json_schema(shape: Shape) -> dict[str, Any]:
    """The JSON Schema (draft-07) fragment for a shape."""
    if isinstance(shape, Scalar):
        return _scalar_schema(shape)
    if isinstance(shape, Table):
        return _table_schema(shape)
    if isinstance(shape, OneOf):
        return _drop_empty({"description": shape.doc,
                            "anyOf": [to_json_schema(o) for o in shape.options]})
    if isinstance(shape, Opaque):
        return dict(shape.schema)
    if isinstance(shape, MapOf):
        value = to_json_schema(shape.value)
        out: dict[str, Any] = {"type": "object", "description": shape.doc,
                               "patternProperties": {f"^(?:{shape.key_pattern})$": value},
                               "additionalProperties": False}
        if shape.known_keys:
            out["properties"] = {k: value for k in shape.known_keys}
        return _drop_empty(out)
    return _drop_empty({"type": "array", "description": shape.doc,
                        "items": to_json_schema(shape.item)})


def _scalar_schema(shape: Scalar) -> dict[str, Any]:
    out: dict[str, Any] = {"type": shape.type, "description": shape.doc}
    if shape.pattern:
        out["pattern"] = f"^(?:{shape.pattern})$"
    if shape.enum is not None:
        out["enum"] = list(shape.enum)
    if shape.default is not None:
        out["default"] = shape.default
    if shape.non_blank:
        out["minLength"] = 1
    if shape.max_length != MAX_TEXT:
        out["maxLength"] = shape.max_length
    return _drop_empty(out)


def _table_schema(shape: Table) -> dict[str, Any]:
    out: dict[str, Any] = {
        "type": "object", "description": shape.doc,
        "properties": {k: to_json_schema(p.shape) for k, p in shape.props.items()},
        "additionalProperties": False,
    }
    required = [k for k, p in shape.props.items() if p.required]
    if required:
        out["required"] = required
    return _drop_empty(out)


def _drop_empty(out: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in out.items() if v != ""}
