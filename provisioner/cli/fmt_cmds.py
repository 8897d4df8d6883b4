"""`provision fmt [CONFIG] [--check] [--diff]`: rewrite the desired-state files in their
canonical layout (provisioner/engine/formatter.py), or, with `--check`, list the files that
would change and exit 1 (for CI), changing nothing.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import click

from provisioner.cli.output import Out, Outcome, command
from provisioner.errors import ConfigError, ProvisionError

MAX_FILE_BYTES = 64 * 1024 * 1024  # as the loader (engine/loader.py says why)


def config_files(config: str) -> list[Path]:
    """The files the loader reads: CONFIG itself, or a directory's own *.toml files."""
    path = Path(config)
    if path.is_dir():
        return sorted(p for p in path.glob("*.toml") if p.is_file())
    if path.is_file():
        return [path]
    from provisioner.engine.loader import missing_config  # loads the kinds: not at start-up

    raise missing_config(path)


def _read(path: Path) -> str:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ProvisionError(f"{path}: larger than {MAX_FILE_BYTES} bytes; not a desired "
                                 "state")
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ProvisionError(f"{path}: cannot read it ({exc})") from None


def _fmt(config: str, check: bool, show_diff: bool, out: Out) -> Outcome:
    from provisioner.engine.formatter import format_text
    from provisioner.files import write_atomically

    changed: list[str] = []
    problems = []
    files = config_files(config)
    for path in files:
        text = _read(path)
        try:
            new = format_text(text, str(path))
        except ConfigError as exc:
            problems.extend(exc.problems)
            continue
        if new == text:
            continue
        changed.append(str(path))
        if show_diff:
            out.echo("".join(difflib.unified_diff(
                text.splitlines(keepends=True), new.splitlines(keepends=True),
                fromfile=f"{path} (now)", tofile=f"{path} (formatted)")), nl=False)
        if not check and not show_diff:  # --diff alone previews, as --check does
            write_atomically(path, new)
    if problems:
        raise ConfigError(problems)
    if show_diff and not check:
        return _previewed(files, changed, out)
    return _report(files, changed, check, out)


def _previewed(files: list[Path], changed: list[str], out: Out) -> Outcome:
    """`--diff` without `--check`: the diffs shown, nothing written, exit 0."""
    for name in changed:
        out.echo(f"would reformat {name}")
    left = len(files) - len(changed)
    out.echo(f"{len(changed)} file{'s' if len(changed) != 1 else ''} would be reformatted "
             f"(nothing written: run `provision fmt` to write them), {left} unchanged.")
    return Outcome({"files": [str(p) for p in files], "changed": changed, "check": False,
                    "written": False})


def _report(files: list[Path], changed: list[str], check: bool, out: Out) -> Outcome:
    result = {"files": [str(p) for p in files], "changed": changed, "check": check}
    if check and changed:
        for name in changed:
            out.echo(f"would reformat {name}")
        out.echo("Run `provision fmt` to format them.")
        errors = [{"type": "unformatted", "message": "not in the canonical layout",
                   "file": name, "line": None, "key": None, "fix": "run `provision fmt`"}
                  for name in changed]
        return Outcome(result, 1, errors)
    verb = "formatted" if not check else "already formatted"
    for name in changed:
        out.echo(f"formatted {name}")
    left = len(files) - len(changed)
    out.echo(f"{len(changed)} file{'s' if len(changed) != 1 else ''} {verb}, {left} "
             "unchanged." if changed else f"{left} file{'s' if left != 1 else ''} already "
             "formatted.")
    return Outcome(result)


def register(group: click.Group) -> None:
    @group.command()
    @click.argument("config", default="portal-config", type=click.Path())
    @click.option("--check", is_flag=True,
                  help="Change nothing; list the files that would change and exit 1 if any "
                       "(for CI).")
    @click.option("--diff", "show_diff", is_flag=True,
                  help="Print what would change, as a unified diff; write nothing.")
    @command("fmt")
    def fmt(config: str, check: bool, show_diff: bool, out: Out) -> Outcome:
        """Rewrite CONFIG's *.toml files in the canonical layout, comments kept.

        Keys in the order of the format (the README's), `key = value`, one blank line before
        each table, a stage's robots and triggers indented, trailing comments kept in their
        column. The data is never changed: a file fmt cannot rewrite safely is left alone.
        """
        return _fmt(config, check, show_diff, out)
