"""Hostile files, issue 14 item 8: a config that is not what it says is refused with a located
problem (file, what it is, the fix), quickly and without a traceback (engine/sources.py).

Failed before (main 5c1f354): a link to /dev/zero passed the size check (`stat` says 0 bytes)
and was read for ever (5.9 GB); a FIFO named *.toml hung; a directory named *.toml raised
IsADirectoryError, a link loop and a dangling link OSError / FileNotFoundError tracebacks; 80 KB
of one dotted key 40,000 levels deep took 5.9 GB inside tomllib; files over 5 MiB were refused
although a 10,000-field portal exports a 29.6 MB fields.toml.
"""

from __future__ import annotations

import os
import threading
import time
import tracemalloc
from pathlib import Path

import pytest
from helpers import cli, write

from provisioner import engine
from provisioner.engine.sources import Limits
from provisioner.errors import ConfigError

GOOD = '[lists.SOURCE]\nitems = [{ code = "FAIR", name = "Выставка" }]\n'
FIX = "fix: point the config at a directory of *.toml files or at one regular file"


def _validate(path: Path) -> tuple[int, str]:
    started = time.perf_counter()
    done = cli("validate", str(path))
    assert time.perf_counter() - started < 5
    assert done.exception is None or isinstance(done.exception, SystemExit)
    assert "Traceback" not in done.output
    return done.exit_code, done.stderr


def _config(tmp_path: Path) -> Path:
    config = tmp_path / "config"
    write(config / "lists.toml", GOOD)
    return config


def _refused(path: Path, problem: str) -> None:
    code, err = _validate(path.parent if path.parent.name == "config" else path)
    assert code == 1, err
    assert f"{path}: (file): {problem}\n    {FIX}" in err, err


def test_a_link_to_dev_zero(tmp_path: Path) -> None:
    config = _config(tmp_path)
    (config / "zero.toml").symlink_to("/dev/zero")
    _refused(config / "zero.toml", "a character device, not a regular file (links are "
             "followed)")
    (tmp_path / "alone.toml").symlink_to("/dev/zero")  # the config itself
    code, err = _validate(tmp_path / "alone.toml")
    assert code == 1 and f"{tmp_path / 'alone.toml'}: (file): a character device" in err


def test_a_fifo_does_not_hang(tmp_path: Path) -> None:
    config = _config(tmp_path)
    os.mkfifo(config / "pipe.toml")
    done: list[tuple[int, str]] = []
    run = threading.Thread(target=lambda: done.append(_validate(config)), daemon=True)
    run.start()
    run.join(10)
    assert done, "validate hung on a FIFO"
    assert done[0][0] == 1 and f"{config / 'pipe.toml'}: (file): a named pipe (FIFO), not a " \
        "regular file" in done[0][1]


def test_a_directory_named_toml(tmp_path: Path) -> None:
    config = _config(tmp_path)
    (config / "more.toml").mkdir()
    _refused(config / "more.toml", "a directory, not a regular file (links are followed)")


def test_a_link_loop_and_a_dangling_link(tmp_path: Path) -> None:
    config = _config(tmp_path)
    (config / "a.toml").symlink_to(config / "b.toml")
    (config / "b.toml").symlink_to(config / "a.toml")
    (config / "c.toml").symlink_to("missing.toml")
    code, err = _validate(config)
    assert code == 1
    for name in ("a.toml", "b.toml"):
        assert f"{config / name}: (file): a symbolic link that loops (it leads back to itself)" \
            f"\n    {FIX}; fix or remove the link" in err, err
    assert f"{config / 'c.toml'}: (file): a symbolic link to missing.toml, which does not " \
        f"exist\n    {FIX}; fix or remove the link" in err, err


def test_a_link_to_a_regular_file_elsewhere_is_read(tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.mkdir()
    (config / "lists.toml").symlink_to(write(tmp_path / "shared" / "lists.toml", GOOD))
    assert _validate(config) == (0, "")


def test_bytes_read_are_bounded_per_file_and_in_all(tmp_path: Path) -> None:
    config = _config(tmp_path)
    write(config / "more.toml", "# " + "x" * 2000 + "\n")
    with pytest.raises(ConfigError) as err:
        engine.load_desired(config, limits=Limits(file=1000))
    assert [(p.file, p.key, p.message) for p in err.value.problems] == [
        (str(config / "more.toml"), "(size)", "the file is larger than 1000 bytes, the most "
         "provision reads from one desired-state file")]
    with pytest.raises(ConfigError) as err:
        engine.load_desired(config, limits=Limits(file=5000, total=2000))
    assert [(p.key, p.fix) for p in err.value.problems] == [
        ("(size)", "check that the config holds only desired-state files, or raise the limit: "
                   "PROVISION_MAX_CONFIG_TOTAL_BYTES=<bytes>")]
    assert engine.load_desired(config, limits=Limits(file=5000, total=5000)).files


def test_the_limit_is_set_from_the_environment(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    config = _config(tmp_path)
    monkeypatch.setenv("PROVISION_MAX_CONFIG_BYTES", "10")
    code, err = _validate(config)
    assert code == 1 and "(size): the file is larger than 10 bytes" in err
    monkeypatch.setenv("PROVISION_MAX_CONFIG_BYTES", "ten")
    code, err = _validate(config)
    assert (code, err) == (1, "Error: PROVISION_MAX_CONFIG_BYTES='ten' is not a number of "
                              "bytes: write e.g. PROVISION_MAX_CONFIG_BYTES=67108864 (64 MiB)\n")


def test_a_dotted_key_40000_levels_deep_costs_nothing(tmp_path: Path) -> None:
    path = write(tmp_path / "deep.toml", GOOD + "a." * 40_000 + "a = 1\n")
    tracemalloc.start()
    try:
        with pytest.raises(ConfigError) as err:
            engine.load_desired(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20 * 2**20, f"{peak / 2**20:.0f} MiB"
    assert [(p.key, p.line, p.message) for p in err.value.problems] == [
        ("(nesting)", 3, "a dotted key of more than 100 levels; provision reads at most 100 (a "
                         "desired state needs about 10), so the file is not parsed")]


def test_brackets_and_dots_inside_strings_and_comments_do_not_count(tmp_path: Path) -> None:
    text = ('# ' + "[" * 300 + "." * 300 + "\n[deal.fields.NOTE]\ntype = \"string\"\n"
            'label = "' + "[{." * 80 + '"\nhelp = """\n' + "[[[ ... ]]]\n" * 200 + '"""\n'
            "error_message = '" + "." * 500 + "'\n")
    state = engine.load_desired(write(tmp_path / "fields.toml", text))
    assert state.parts["deal.fields"][0].field.name == "NOTE"
