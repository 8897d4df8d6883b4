"""Colour: on a terminal only; none with NO_COLOR, --no-color or when piped. The coloured text
is the plain text with colour codes added, never a different word (the goldens stay plain)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from golden import CASES
from helpers import CONFIG, cli, run
from terminal import ANSI, run_with_terminal

from provisioner.engine.render import text_from_document
from provisioner.engine.render_style import ANSI as COLOURS
from provisioner.engine.render_style import PLAIN

CODES = re.compile(r"\x1b\[[0-9;]*m")
SEED = CASES / "seed-applied-leaves-only-manual-changes"


@pytest.mark.parametrize("case", sorted(p.parent.name for p in CASES.glob("*/plan.json")))
def test_coloured_plan_is_the_plain_plan_with_codes(case: str) -> None:
    doc = json.loads((CASES / case / "plan.json").read_text(encoding="utf-8"))
    plain = text_from_document(doc, PLAIN)
    coloured = text_from_document(doc, COLOURS)
    assert plain == (CASES / case / "plan.txt").read_bytes().decode("utf-8")
    assert CODES.sub("", coloured) == plain
    for change in doc["changes"]:  # every change's first line in its action's colour
        code = COLOURS.codes[change["action"]]
        assert f"\x1b[{code}m" in coloured


def test_destructive_section_is_painted_apart() -> None:
    doc = json.loads((CASES / "field-type-change-replaces" / "plan.json").read_text("utf-8"))
    coloured = text_from_document(doc, COLOURS)
    assert "\x1b[1;31mDestructive changes:\x1b[0m" in coloured
    assert "\x1b[35m-/+ deal.field[UNITS]\x1b[0m\x1b[1;31m (destructive)\x1b[0m" in coloured


def test_piped_output_has_no_colour_and_no_progress(state: Path) -> None:
    planned = run(state, "plan", str(CONFIG))
    assert ANSI not in planned.stdout and ANSI not in planned.stderr
    assert "\r" not in planned.stderr  # no progress line when stderr is not a terminal
    applied = run(state, "apply", str(CONFIG), "--auto-approve")
    assert ANSI not in applied.output and "\r" not in applied.stderr


@pytest.mark.slow
def test_plan_on_a_terminal_is_coloured(tmp_path: Path) -> None:
    args = ["plan", str(CONFIG), "--sandbox-state", str(tmp_path / "s.json")]
    shown = run_with_terminal(args)
    assert shown.code == 0, shown.stderr
    assert "\x1b[32m  + deal.pipeline[sales].stage[DATA_COLLECTION]\x1b[0m" in shown.stdout
    assert "\x1b[36m  ! deal.pipeline[sales].stage[NEW].robot[1]\x1b[0m" in shown.stdout
    assert CODES.sub("", shown.stdout) == (SEED / "plan.txt").read_text(encoding="utf-8")


@pytest.mark.slow
@pytest.mark.parametrize("switch", ["NO_COLOR", "--no-color", "provision --no-color"])
def test_no_colour_on_a_terminal_when_told(switch: str, tmp_path: Path) -> None:
    args = ["plan", str(CONFIG), "--sandbox-state", str(tmp_path / "s.json")]
    env = {"NO_COLOR": "1"} if switch == "NO_COLOR" else {}
    if switch == "--no-color":
        args.append("--no-color")
    elif switch.startswith("provision"):
        args.insert(0, "--no-color")
    shown = run_with_terminal(args, **env)
    assert shown.code == 0, shown.stderr
    assert ANSI not in shown.stdout
    assert shown.stdout == (SEED / "plan.txt").read_text(encoding="utf-8")


@pytest.mark.slow
def test_progress_on_a_terminal_stderr_only(tmp_path: Path) -> None:
    args = ["apply", str(CONFIG), "--auto-approve", "--sandbox-state", str(tmp_path / "s.json")]
    shown = run_with_terminal(args, on="stderr")
    assert shown.code == 0, shown.stderr
    assert "\r\x1b[Kreading the portal: " in shown.stderr
    assert re.search(r"\r\x1b\[Kapply: 26 calls, request 2 of ~2", shown.stderr)
    assert shown.stderr.endswith("\r\x1b[K")  # the line is cleared when done
    assert ANSI not in shown.stdout and "\r" not in shown.stdout  # stdout piped: plain


def test_enum_misspelt_suggests_the_closest_value(tmp_path: Path) -> None:
    bad = tmp_path / "f.toml"
    bad.write_text('[deal.fields.X]\ntype = "enum"\nlabel = "X"\n', encoding="utf-8")
    result = cli("validate", str(bad))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1].startswith(
        '    fix: did you mean "enumeration"? Write one of "string", "integer"')
