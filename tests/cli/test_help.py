"""`provision --help` and every subcommand's: each option explained, usage lines true, bad values
refused as usage errors, and the README's command table naming every command and option."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from provisioner.cli import main

README = Path(__file__).resolve().parents[2] / "README.md"
# Explained once for all in the README (the portal options' table, "Colour, progress and JSON").
SHARED = frozenset({"--portal", "--portals", "--webhook-url", "--sandbox-state", "--insecure",
                    "--json", "--no-color", "--help"})


def _commands(group: click.Group = main, path: tuple[str, ...] = ()) -> Iterator[
        tuple[str, click.Command]]:
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            yield from _commands(command, (*path, name))
        else:
            yield " ".join((*path, name)), command


def _options(command: click.Command) -> list[click.Option]:
    return [p for p in command.params if isinstance(p, click.Option) and not p.hidden]


COMMANDS = dict(_commands())


def test_every_command_is_walked() -> None:
    assert sorted(COMMANDS) == ["app serve", "apply", "attest", "call-card check", "drift",
                                "export", "fmt", "plan", "runbook", "sandbox reset",
                                "sandbox serve", "sandbox show", "schema", "validate"]


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_option_says_what_it_does(name: str) -> None:
    """`provision app serve --help` listed --host, --port and --threads with no text at all."""
    bare = [o.opts[0] for o in _options(COMMANDS[name]) if not (o.help or "").strip()]
    assert bare == []


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_the_readme_table_names_the_command_and_its_options(name: str) -> None:
    """The README's table lacked apply's --target/--exclude and four options of app serve."""
    rows = [line for line in README.read_text(encoding="utf-8").splitlines()
            if line.startswith(f"| `provision {name} ") or f"/ `provision {name} " in line]
    assert rows, f"no row for `provision {name}` in the README's command table"
    written = set(re.findall(r"--[a-z][a-z-]*", rows[0].split("` |")[0]))
    wanted = {opt for o in _options(COMMANDS[name]) for opt in o.opts if opt.startswith("--")}
    assert sorted(wanted - SHARED - written) == []


def test_apply_usage_says_config_is_optional() -> None:
    """`apply` with no argument applies portal-config, as the README's quick start shows; its
    usage line said CONFIG|PLAN, as though one were required."""
    result = CliRunner().invoke(main, ["apply", "--help"], prog_name="provision")
    assert result.exit_code == 0
    assert result.output.splitlines()[0] == "Usage: provision apply [OPTIONS] [CONFIG|PLAN]"


@pytest.mark.parametrize(("option", "value", "message"), [
    ("--port", "99999", "Error: Invalid value for '--port': 99999 is not in the range "
                        "1<=x<=65535."),
    ("--threads", "0", "Error: Invalid value for '--threads': 0 is not in the range x>=1."),
])
def test_app_serve_refuses_an_impossible_port_or_thread_count(option: str, value: str,
                                                             message: str) -> None:
    """Before, `--port 99999` announced "companion app on http://127.0.0.1:99999" and hung."""
    result = CliRunner().invoke(main, ["app", "serve", "--portal-url",
                                       "https://example.bitrix24.ru", option, value])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines()[-1] == message


@pytest.mark.parametrize("date", ["2026-13-01", "2026-1-5", "20261201", "yesterday"])
def test_attest_refuses_a_date_that_is_not_one(tmp_path: Path, date: str) -> None:
    """`--date 2026-13-01` was recorded in the attestations as given."""
    config = tmp_path / "config"
    config.mkdir()
    (config / "crm.toml").write_text('[lists.SOURCE]\nitems = [{ code = "WEB", name = "Сайт" }]\n',
                                     encoding="utf-8")
    result = CliRunner().invoke(main, ["attest", str(config), "--by", "me", "--date", date,
                                       "--sandbox-state", str(tmp_path / "sandbox.json")])
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr.splitlines()[-1] == (
        f"Error: Invalid value for '--date': '{date}' is not a date: write YYYY-MM-DD, "
        "e.g. 2026-12-02")
    assert sorted(p.name for p in config.iterdir()) == ["crm.toml"]


def test_every_config_argument_defaults_to_portal_config_as_the_help_says() -> None:
    assert "without it, portal-config." in " ".join(
        CliRunner().invoke(main, ["--help"]).output.split())
    defaults = {name: p.default for name, c in COMMANDS.items() for p in c.params
                if isinstance(p, click.Argument) and p.name == "config"}
    assert defaults and set(defaults.values()) == {"portal-config"}
    check = {p.name: p.default for p in COMMANDS["call-card check"].params}
    assert check["config"] == "portal-config"  # --config, an option there


@pytest.mark.parametrize(("env", "args", "where"), [
    ({"B24_WEBHOOK_URL": "example.bitrix24.ru/rest/1/s3cr3tt0ken/"}, [], "B24_WEBHOOK_URL"),
    ({}, ["--webhook-url", "example.bitrix24.ru/rest/1/s3cr3tt0ken/"], "--webhook-url"),
])
def test_a_webhook_url_that_names_no_portal_says_where_it_came_from(
        tmp_path: Path, env: dict[str, str], args: list[str], where: str) -> None:
    """It said only "the portal address must look like https://<portal>/rest/..." (a URL left in
    the environment is easy to forget); the token is never echoed."""
    result = CliRunner(env=env).invoke(main, ["plan", str(tmp_path), *args])
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr.splitlines()[-1] == (
        f"Error: {where} is not a webhook URL: write https://<portal>/rest/<user>/<token>/, as "
        "Bitrix24 shows it (Developer resources → Other → Incoming webhook)")
    assert "s3cr3tt0ken" not in result.stderr
