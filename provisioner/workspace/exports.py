"""Where `export` writes and what it may write over: never a config or an earlier export without
`force`, never two configs mixed in one directory; files written one by one, atomically, and
files export does not write (a README, a `.git`, `attestations/`) left alone."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from provisioner.engine.exporter import schema_text_of
from provisioner.engine.idmap import SIDE_FILE
from provisioner.engine.schema import SCHEMA_FILE
from provisioner.errors import ProvisionError
from provisioner.files import write_atomically

SHOWN = 5  # names listed in a refusal
NEW_FILE_MODE = 0o644  # a config is shared and versioned: readable like the files it replaces


def export_source(config: Path | None, target: Path, force: bool) -> Path | None:
    """The config an export keeps keys and unread parts of: `config` (`--from`), else the
    config in `target`; ProvisionError when `target` may not be written."""
    if target.exists() and not target.is_dir():
        raise ProvisionError(f"{target} is a file: export writes a directory of TOML files; "
                             "name a directory")
    held = _held(target)
    if held and not force:
        raise ProvisionError(
            f"{target} already holds {_names(held)}: export would write over "
            f"{'them' if len(held) > 1 else 'it'}. Pass --force to export over it (the config's "
            "keys are kept, what the portal cannot give back — robots, triggers, required_from "
            "rules — is carried over from it, and files export does not write are left alone), "
            "or export into a new directory.")
    tomls = sorted(target.glob("*.toml")) if target.is_dir() else []
    if config is None:
        return target if tomls else None
    if tomls and {p.resolve() for p in tomls} != {p.resolve() for p in _config_files(config)}:
        raise ProvisionError(
            f"{target} holds a config of its own ({_names([p.name for p in tomls])}), not "
            f"{config}: exporting into it with --from {config} would mix the two. Export into "
            f"a new directory, or over {target} without --from.")
    return config


def same_dir(config: Path, target: Path) -> bool:
    """Whether an export into `target` goes over `config` itself (its directory)."""
    base = config if config.is_dir() else config.parent
    return base.resolve() == target.resolve()


def write_export(target: Path, files: Mapping[str, str]) -> tuple[Path, ...]:
    """Each file replaced in one step (a reader sees the old or the new), then the schema."""
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in [*files.items(), (SCHEMA_FILE, schema_text_of())]:
        path = target / name
        mode = path.stat().st_mode & 0o777 if path.exists() else NEW_FILE_MODE
        write_atomically(path, text, mode)
        written.append(path)
    return tuple(written)


def _held(target: Path) -> list[str]:
    """The files of `target` an export writes or reads: a config's *.toml, its schema, ids."""
    if not target.is_dir():
        return []
    names = sorted(p.name for p in target.glob("*.toml"))
    return names + [n for n in (SCHEMA_FILE, SIDE_FILE) if (target / n).exists()]


def _config_files(config: Path) -> list[Path]:
    return sorted(config.glob("*.toml")) if config.is_dir() else [config]


def _names(names: list[str]) -> str:
    shown = ", ".join(names[:SHOWN])
    return shown + (f" and {len(names) - SHOWN} more" if len(names) > SHOWN else "")
