"""The benchmark's CLI runner (bench/waiting.py `Cli`): the command's own CPU beside the whole
process's, and the issue's build let past its 5 MB file limit only when asked."""

from __future__ import annotations

from pathlib import Path

from bench.waiting import Cli

ROOT = Path(__file__).resolve().parents[2]

# A checkout as old as the build: `provisioner.cli.main` and the loader's file limit
OLD_CLI = '''import sys, time
from provisioner.engine import loader

def main():
    end = time.process_time() + 0.2
    while time.process_time() < end:  # CPU the command spends
        pass
    print(loader.MAX_FILE_BYTES)
    sys.exit(0)
'''


def _old_checkout(root: Path) -> Path:
    for package in ("provisioner", "provisioner/cli", "provisioner/engine"):
        (root / package).mkdir(parents=True)
        (root / package / "__init__.py").write_text("")
    (root / "provisioner/cli/__init__.py").write_text(OLD_CLI)
    (root / "provisioner/engine/loader.py").write_text("MAX_FILE_BYTES = 5 * 1024 * 1024\n")
    return root


def test_the_file_limit_is_lifted_only_when_asked(tmp_path: Path) -> None:
    old = _old_checkout(tmp_path / "old")
    assert Cli(old, tmp_path).run().stdout.strip() == str(5 * 1024 * 1024)
    assert Cli(old, tmp_path, lift_file_limit=True).run().stdout.strip() == str(1 << 30)


def test_the_command_cpu_is_the_command_s_alone(tmp_path: Path) -> None:
    run = Cli(_old_checkout(tmp_path / "old"), tmp_path).run()
    assert run.code == 0
    assert run.command_cpu is not None
    assert 0.2 <= run.command_cpu < run.cpu  # the start-up is the process's, not the command's
    assert run.peak_mb > 0


def test_this_checkout_reports_its_command_cpu(tmp_path: Path) -> None:
    run = Cli(ROOT, tmp_path).run("validate", str(ROOT / "portal-config"))
    assert run.code == 0, run.stderr
    assert run.command_cpu is not None and 0 < run.command_cpu < run.cpu
