"""`provision fmt`: --check lists the files that would change and exits 1 without writing;
fmt writes the canonical layout (comments kept), after which --check exits 0."""

from __future__ import annotations

from pathlib import Path

from helpers import CONFIG, cli, write

MESSY = """\
# The sales pipeline.
[deal.pipelines.sales]
default=true      # the portal's default
name =  "Продажи"
[[deal.pipelines.sales.stages]]
name = "Новая"
code = "NEW"
    [[deal.pipelines.sales.stages.robots]]
    type = "control"
    title = "Контроль"
    after = "10m"
[deal.fields.VIP]
label={ru="VIP",en="VIP"}
type = "boolean"
"""
CANONICAL = """\
# The sales pipeline.
[deal.pipelines.sales]
name = "Продажи"
default = true    # the portal's default

[[deal.pipelines.sales.stages]]
code = "NEW"
name = "Новая"

  [[deal.pipelines.sales.stages.robots]]
  type = "control"
  title = "Контроль"
  after = "10m"

[deal.fields.VIP]
type = "boolean"
label = { ru = "VIP", en = "VIP" }
"""


def test_check_lists_the_files_and_changes_nothing(tmp_path: Path) -> None:
    messy = write(tmp_path / "cfg" / "a.toml", MESSY)
    tidy = write(tmp_path / "cfg" / "b.toml", CANONICAL.replace("sales", "other"))
    result = cli("fmt", str(tmp_path / "cfg"), "--check")
    assert (result.exit_code, result.stdout) == (1, f"would reformat {messy}\n"
                                                    "Run `provision fmt` to format them.\n")
    assert messy.read_text(encoding="utf-8") == MESSY
    done = cli("fmt", str(tmp_path / "cfg"))
    assert (done.exit_code, done.stdout) == (0, f"formatted {messy}\n"
                                                "1 file formatted, 1 unchanged.\n")
    assert messy.read_text(encoding="utf-8") == CANONICAL
    assert tidy.read_text(encoding="utf-8") == CANONICAL.replace("sales", "other")
    again = cli("fmt", str(tmp_path / "cfg"), "--check")
    assert (again.exit_code, again.stdout) == (0, "2 files already formatted.\n")


def test_diff_shows_what_would_change(tmp_path: Path) -> None:
    messy = write(tmp_path / "a.toml", MESSY)
    result = cli("fmt", str(messy), "--check", "--diff")
    assert result.exit_code == 1
    assert f"--- {messy} (now)\n+++ {messy} (formatted)\n" in result.stdout
    assert '-label={ru="VIP",en="VIP"}\n' in result.stdout
    assert '+label = { ru = "VIP", en = "VIP" }\n' in result.stdout


def test_diff_alone_previews_and_writes_nothing(tmp_path: Path) -> None:
    """Before: `fmt --diff` printed the diff and then rewrote the file."""
    messy = write(tmp_path / "a.toml", MESSY)
    result = cli("fmt", str(messy), "--diff")
    assert result.exit_code == 0
    assert '+label = { ru = "VIP", en = "VIP" }\n' in result.stdout
    assert result.stdout.endswith(
        f"would reformat {messy}\n1 file would be reformatted (nothing written: run "
        "`provision fmt` to write them), 0 unchanged.\n")
    assert messy.read_text(encoding="utf-8") == MESSY


def test_the_repository_config_is_formatted() -> None:
    result = cli("fmt", str(CONFIG), "--check")
    assert (result.exit_code, result.stdout) == (0, "4 files already formatted.\n")


def test_broken_toml_is_named_and_left_alone(tmp_path: Path) -> None:
    broken = write(tmp_path / "a.toml", "[deal.pipelines.x\nname = 1\n")
    result = cli("fmt", str(broken))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"1 problem in the desired state:\n{broken}:1: (syntax): "
                                    "not valid TOML: Expected ']' at the end of a table "
                                    "declaration (at line 1, column 18)\n"
                                    "    fix: fix the TOML syntax at this line")
    assert broken.read_text(encoding="utf-8") == "[deal.pipelines.x\nname = 1\n"


def test_a_layout_fmt_cannot_rewrite_is_refused_not_changed(tmp_path: Path) -> None:
    dotted = write(tmp_path / "a.toml", '[deal.pipelines.x]\nname = "X"\nsettings.a = 1\n')
    result = cli("fmt", str(dotted))
    assert result.exit_code == 1
    assert "cannot be formatted without changing its data" in result.stderr
    assert dotted.read_text(encoding="utf-8") == '[deal.pipelines.x]\nname = "X"\nsettings.a = 1\n'


def test_an_export_is_already_formatted(tmp_path: Path) -> None:
    """Before: export wrote a pipeline's `default` before its `sort`, and `fmt --check` (the
    README's CI step) failed on a fresh export."""
    state = str(tmp_path / "sandbox.json")
    assert cli("apply", str(CONFIG), "--auto-approve", "--sandbox-state", state).exit_code == 0
    out = tmp_path / "export"
    assert cli("export", "--out", str(out), "--sandbox-state", state).exit_code == 0
    result = cli("fmt", str(out), "--check")
    assert (result.exit_code, result.stdout) == (0, "5 files already formatted.\n")
