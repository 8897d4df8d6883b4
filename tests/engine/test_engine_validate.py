"""Validation of the desired state: every problem in one run, with file, key, line and fix."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from provisioner.cli import main
from provisioner.engine import load_desired, load_text
from provisioner.errors import ConfigError
from helpers import CONFIG as SEED

STAGES = """
[[deal.pipelines.sales.stages]]
code = "NEW"
name = "Новая"

[[deal.pipelines.sales.stages]]
code = "WON"
name = "Успех"
semantics = "success"

[[deal.pipelines.sales.stages]]
code = "LOSE"
name = "Провал"
semantics = "failure"
"""


def problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as err:
        load_text(text, "d.toml")
    return [p.render() for p in err.value.problems]


def test_valid_file_parses_with_derived_sort() -> None:
    desired = load_text('"$schema" = "./provision.schema.json"\n[deal.pipelines.sales]\n'
                        'name = "Продажи"\ndefault = true\n' + STAGES)
    specs = desired.parts["deal.pipelines"]
    assert [(s.code, s.sort) for s in specs[0].stages] == [("NEW", 10), ("WON", 20), ("LOSE", 30)]


def test_unknown_key_suggests_the_closest() -> None:
    text = '[deal.pipelines.sales]\nname = "x"\ndefualt = true\n' + STAGES
    assert problems(text) == [
        ("d.toml:3: deal.pipelines.sales.defualt: unknown key `defualt`\n"
        "    fix: did you mean `default`?")]


def test_wrong_type_bad_colour_empty_name() -> None:
    text = ('[deal.pipelines.sales]\nname = ""\nsort = "10"\n'
            + STAGES.replace('name = "Новая"', 'name = "Новая"\ncolor = "blue"'))
    assert problems(text) == [
        "d.toml:2: deal.pipelines.sales.name: must not be empty\n    fix: write a non-empty text",
        ("d.toml:3: deal.pipelines.sales.sort: must be an integer, not a string\n"
        "    fix: write an integer here"),
        ('d.toml:8: deal.pipelines.sales.stages[0].color: "blue" is not valid\n'
        "    fix: write #RRGGBB, e.g. #39A8EF")]


def test_a_scalar_for_an_array_names_what_the_array_holds() -> None:
    """Before (user trial): `parents = "deal"` was told "write an array of tables"."""
    text = ('[smart_processes.hr]\ntitle = "HR"\nparents = "deal"\nchildren = 3\n'
            '[deal.fields.KIND]\ntype = "enumeration"\nlabel = "K"\nitems = "a"\n'
            '[deal.pipelines.sales]\nname = "S"\nstages = "NEW"\n')
    assert problems(text) == [
        "d.toml:3: smart_processes.hr.parents: must be an array of strings, not a string\n"
        '    fix: write an array of strings here, e.g. `parents = ["deal"]`',
        "d.toml:4: smart_processes.hr.children: must be an array of strings, not an integer\n"
        "    fix: write an array of strings here",
        "d.toml:8: deal.fields.KIND.items: must be an array of strings or tables, not a string\n"
        '    fix: write an array of strings or tables here, e.g. `items = ["a"]`',
        "d.toml:11: deal.pipelines.sales.stages: must be an array of tables, not a string\n"
        "    fix: write an array of tables here"]


def test_duplicate_codes_and_semantics_order() -> None:
    text = ('[deal.pipelines.sales]\nname = "x"\n' + STAGES
            + '\n[[deal.pipelines.sales.stages]]\ncode = "NEW"\nname = "Снова"\n')
    assert problems(text) == [
        ('d.toml:18: deal.pipelines.sales.stages[3].semantics: "process" stage after a '
        '"failure" stage\n    fix: order stages: process stages, one success, then failures'),
        ('d.toml:19: deal.pipelines.sales.stages[3].code: duplicate code "NEW" (first at [0])\n'
        "    fix: give every entry its own code")]


def test_missing_failure_stage_and_two_defaults() -> None:
    only = STAGES.split("\n[[deal.pipelines.sales.stages]]\ncode = \"LOSE\"")[0]
    text = ('[deal.pipelines.sales]\nname = "x"\ndefault = true\n' + only
            + '[deal.pipelines.b]\nname = "y"\ndefault = true\n'
            + STAGES.replace("sales", "b"))
    assert problems(text) == [
        ('d.toml:5: deal.pipelines.sales.stages: 0 "failure" stages; a stage list needs at '
        'least one\n    fix: add or remove stages with semantics = "failure"'),
        ("d.toml:15: deal.pipelines.b.default: more than one default pipeline (sales, b)\n"
        "    fix: keep `default = true` on one pipeline only")]


def test_code_limits_per_list() -> None:
    long18 = "A" * 18
    text = ('[deal.pipelines.sales]\nname = "x"\n' + STAGES.replace('"NEW"', f'"{long18}"')
            + '\n[[lead.statuses]]\ncode = "N%s"\nname = "x"\n' % ("B" * 21)
            + '[[lead.statuses]]\ncode = "bad code"\nname = "x"\n')
    out = problems(text)
    assert out[0] == (
        f'd.toml:5: deal.pipelines.sales.stages[0].code: code "{long18}" is 18 characters; the '
        "portal accepts at most 17 here\n    fix: shorten it to 17 (22 minus the `C<id>:` "
        "prefix, safe for pipeline ids up to 999)")
    assert any('lead.statuses[0].code: code "N' + "B" * 21 + '" is 22 characters; the portal '
               "accepts at most 21" in p for p in out)
    assert any('lead.statuses[1].code: "bad code" is not valid' in p for p in out)


def test_success_stage_must_be_the_portals_own() -> None:
    text = '[deal.pipelines.sales]\nname = "x"\n' + STAGES.replace('"WON"', '"PAID"')
    assert problems(text) == [
        ('d.toml:9: deal.pipelines.sales.stages[1].code: the success stage has code "PAID"\n'
        '    fix: write code = "WON" (any name): the portal keeps its system success stage WON '
        "in every list and allows only one success stage")]


def test_reference_list_names() -> None:
    text = ('[lists.SOURSE]\nitems = [{code = "A", name = "B"}]\n'
            '[lists.DEAL_STAGE_3]\nitems = []\n')
    assert problems(text) == [
        "d.toml:1: lists.SOURSE: unknown reference list `SOURSE`\n    fix: did you mean `SOURCE`?",
        ("d.toml:3: lists.DEAL_STAGE_3: `DEAL_STAGE_3` is a stage list, not a reference list\n"
        "    fix: declare lead stages under [[lead.statuses]] and deal stages under "
        "[[deal.pipelines.<key>.stages]]")]


def test_duplicate_across_files_names_both(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text('[lists.SOURCE]\nitems = [{code = "A", name = "B"}]\n',
                                     encoding="utf-8")
    (tmp_path / "b.toml").write_text('\n[lists.SOURCE]\nitems = []\n', encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_desired(tmp_path)
    a, b = tmp_path / "a.toml", tmp_path / "b.toml"
    assert err.value.render() == (
        f"1 problem in the desired state:\n{b}:3: lists.SOURCE.items: defined in both {a} and "
        f"{b}\n    fix: keep one definition (merge them into one file)")


def test_syntax_error_has_a_line() -> None:
    out = problems('[deal]\nname = "x\n')
    assert out[0].startswith("d.toml:2: (syntax): not valid TOML:")


def test_validate_command_reports_all_and_exits_1(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[deals.pipelines.x]\nname = "y"\n[lead]\nstatus = []\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", str(bad)])
    assert result.exit_code == 1
    assert result.stderr == (
        f"2 problems in the desired state:\n{bad}:1: deals: unknown key `deals`\n"
        f"    fix: did you mean `deal`?\n{bad}:4: lead.status: unknown key `status`\n"
        "    fix: did you mean `statuses`?\n")
    assert result.stdout == ""


def test_validate_command_accepts_portal_config() -> None:
    config = SEED
    result = CliRunner().invoke(main, ["validate", str(config)])
    assert (result.exit_code, result.stdout) == (0, f"Valid: {config} (4 files).\n")


def test_a_portals_file_inside_the_config_directory_is_told_to_move(tmp_path: Path) -> None:
    (tmp_path / "lists.toml").write_text('[lists.SOURCE]\nitems = []\n', encoding="utf-8")
    inside = tmp_path / "portals.toml"
    inside.write_text('[portals.staging]\nwebhook_url_env = "B24_STAGING"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", str(tmp_path)])
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        f"1 problem in the desired state:\n{inside}:1: portals: unknown key `portals`: a "
        "portals file is not desired state\n    fix: move portals.toml out of the config "
        "directory, beside it (it is read from there), or pass it with --portals FILE\n")
