"""The `provision` program ends without the interpreter's teardown (cli/leave.py), and loses
nothing a normal exit keeps: the status, every byte of stdout, the atexit functions, a thread
still at work. Each case runs in a fresh interpreter: `leave` ends the process it runs in."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import tomllib
import weakref
from pathlib import Path

import pytest
from helpers import CONFIG

from provisioner import __version__
from provisioner.cli.leave import FLUSH_FAILED, exit_code

ROOT = Path(__file__).resolve().parents[2]
leave_module = importlib.import_module("provisioner.cli.leave")  # the package's `leave` is
# the function of that name


def _python(code: str, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """`code` in a fresh interpreter whose stdout is buffered, as a program's is into a pipe
    (PYTHONUNBUFFERED, if set here, would write each line at once and hide a lost flush)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          timeout=60, cwd=cwd, env=env)


def test_the_installed_program_is_run() -> None:
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["scripts"]
    assert scripts == {"provision": "provisioner.cli:run"}


def test_run_keeps_the_status_the_output_and_the_atexit_functions(tmp_path: Path) -> None:
    mark = tmp_path / "atexit-ran"
    code = (f"import atexit, pathlib; atexit.register(pathlib.Path({str(mark)!r}).write_text, "
            "'yes'); from provisioner.cli import run; run()")
    done = _python(code, "--version")
    assert (done.returncode, done.stdout, done.stderr) == (
        0, f"provision, version {__version__}\n", "")
    assert mark.read_text() == "yes"
    refused = _python(code, "no-such-command")
    assert refused.returncode == 1
    assert "No such command 'no-such-command'" in refused.stderr


def test_run_keeps_a_commands_status(tmp_path: Path) -> None:
    (tmp_path / "bad.toml").write_text("[deal\n", "utf-8")
    done = _python("from provisioner.cli import run; run()", "validate", "bad.toml",
                   cwd=tmp_path)
    assert done.returncode == 1
    assert "bad.toml" in done.stderr


def test_leave_flushes_everything_written() -> None:
    code = ("import sys; from provisioner.cli.leave import leave; "
            "[sys.stdout.write('x' * 9 + '\\n') for _ in range(100_000)]; "
            "[sys.stderr.write('e' * 10) for _ in range(7_000)]; leave(3)")
    done = _python(code)
    assert (done.returncode, len(done.stdout), len(done.stderr)) == (3, 1_000_000, 70_000)


def test_leave_waits_for_a_thread_that_is_not_a_daemon(tmp_path: Path) -> None:
    mark = tmp_path / "thread-done"
    code = ("import threading, time, pathlib; from provisioner.cli.leave import leave\n"
            "def work():\n"
            f"    time.sleep(0.3); pathlib.Path({str(mark)!r}).write_text('done')\n"
            "threading.Thread(target=work).start()\n"
            "leave(4)")
    done = _python(code)
    assert done.returncode == 4
    assert mark.read_text() == "done"


def test_a_stdout_that_cannot_be_flushed_is_pythons_status() -> None:
    code = ("import os, sys; from provisioner.cli.leave import leave; "
            "sys.stdout.write('lost'); os.close(1); leave(0)")
    assert _python(code).returncode == FLUSH_FAILED
    failing = ("import os, sys; from provisioner.cli.leave import leave; "
               "sys.stdout.write('lost'); os.close(1); leave(5)")
    assert _python(failing).returncode == 5  # a failure's own status is kept


@pytest.mark.parametrize(("code", "status", "printed"), [
    (None, 0, ""), (0, 0, ""), (2, 2, ""), (True, 1, ""), (256 + 3, 3, ""),
    ("the message", 1, "the message\n"),
])
def test_exit_code_is_pythons(code: object, status: int, printed: str,
                              capsys: pytest.CaptureFixture[str]) -> None:
    assert exit_code(SystemExit(code)) == status
    assert capsys.readouterr().err == printed


def test_what_a_command_is_done_with_is_kept_only_by_the_program(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """`keep` leaves objects to the process's end only once the program (`run`) said
    `keeping`: in library use (click's runner, these tests) they are freed as before."""
    class Plan:
        pass

    monkeypatch.setattr(leave_module, "_KEPT", None)
    freed = Plan()
    seen = weakref.ref(freed)
    leave_module.keep(freed)
    del freed
    assert seen() is None
    leave_module.keeping()
    kept = Plan()
    seen = weakref.ref(kept)
    leave_module.keep(kept)
    del kept
    assert seen() is not None


def test_the_program_keeps_a_plans_objects_to_its_end(tmp_path: Path) -> None:
    """`provision plan` as the program: its workspace is alive when the process leaves (the
    `atexit` function sees it), and the output is the command's."""
    code = ("import atexit, gc, sys\n"
            "import importlib\n"
            "from provisioner.cli import run\n"
            "leave = importlib.import_module('provisioner.cli.leave')\n"
            "from provisioner.workspace import Workspace\n"
            "def seen():\n"
            "    alive = [o for o in leave._KEPT if isinstance(o, Workspace)]\n"
            "    sys.stderr.write(f'kept {len(alive)}\\n')\n"
            "atexit.register(seen)\n"
            f"sys.argv = ['provision', 'plan', {str(CONFIG)!r}, '--sandbox-state', "
            f"{str(tmp_path / 'sb.json')!r}]\n"
            "run()")
    done = _python(code)
    assert done.returncode == 0, done.stderr
    assert "kept 1" in done.stderr
    assert "to add" in done.stdout or "No changes" in done.stdout
