"""`provision fmt` over generated desired states (the contract suite's generators), laid out
messily (keys shuffled, spacing changed, comments added): formatting twice gives what
formatting once does, the TOML data and the loaded desired state are unchanged, and every
comment is kept: one above a key moves with it, one after a value stays on its line."""

from __future__ import annotations

import random
import re
import tomllib
from typing import Any

import tomli_w
from contract_configs import configs
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from provisioner.engine.formatter import format_text
from provisioner.engine.loader import load_text
from provisioner.errors import ConfigError

COMMENT = re.compile(r"#.*$")
KEY_LINE = re.compile(r"^([A-Za-z0-9_\"-]+) = (.*)$")


def shuffled(tree: Any, rng: random.Random) -> Any:
    """The same data with every table's keys in another order (arrays keep theirs)."""
    if isinstance(tree, dict):
        keys = list(tree)
        rng.shuffle(keys)
        return {k: shuffled(tree[k], rng) for k in keys}
    if isinstance(tree, list):
        return [shuffled(v, rng) for v in tree]
    return tree


def messy(text: str, rng: random.Random) -> str:
    """Spacing around `=` changed, blank lines added or removed, comments added above lines
    and after single-line values."""
    out: list[str] = []
    lines = text.splitlines()
    for number, line in enumerate(lines):
        key = KEY_LINE.match(line)
        closed = not line.rstrip().endswith(("[", ","))
        if (key or line.startswith("[")) and rng.random() < 0.3:
            out.append(f"# above {number}")
        if key and rng.random() < 0.5:
            line = f"{key.group(1)}{' ' * rng.randint(0, 3)}={' ' * rng.randint(0, 3)}" \
                   f"{key.group(2)}"
        if (key or line.startswith("[")) and closed and rng.random() < 0.3:
            line += f"{' ' * rng.randint(1, 8)}# after {number}"
        if not line and rng.random() < 0.5:
            continue
        out.append(line)
        if rng.random() < 0.1:
            out.append("")
    return "\n".join(out) + "\n"


def _loaded(text: str) -> Any:
    try:
        return load_text(text).parts
    except ConfigError as exc:
        return sorted((p.key, p.message) for p in exc.problems)


def _comments(text: str) -> list[tuple[str, str]]:
    """Each comment with the line it belongs to: the code before it on its line, else the next
    line that is not a comment (what it is written above)."""
    lines = text.splitlines()
    out = []
    for number, line in enumerate(lines):
        found = COMMENT.search(line)
        if found is None or '"' in line[: found.start()]:
            continue
        code = line[: found.start()].strip()
        if not code:
            code = next((COMMENT.sub("", n).strip() for n in lines[number + 1:]
                         if n.strip() and not n.strip().startswith("#")), "")
        out.append((found.group().strip(), re.sub(r"\s*=\s*", " = ", code)))
    return sorted(out)


@settings(deadline=None)
@given(tree=configs(), seed=st.integers(0, 2**32 - 1))
def test_fmt_is_idempotent_keeps_data_and_comments(tree: dict[str, Any], seed: int) -> None:
    rng = random.Random(seed)
    text = messy(tomli_w.dumps(shuffled(tree, rng)), rng)
    assume(tomllib.loads(text) == tomllib.loads(tomli_w.dumps(tree)))  # a comment placed well
    once = format_text(text)
    assert format_text(once) == once
    assert tomllib.loads(once) == tomllib.loads(text)
    assert _loaded(once) == _loaded(text)
    assert _comments(once) == _comments(text)
