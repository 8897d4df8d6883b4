"""engine/differences.py: which nested values differ, by path, compared as JSON documents."""

from __future__ import annotations

import subprocess
import sys

from provisioner.engine.differences import ABSENT, Difference, differences


def test_tables_are_walked_and_lists_shown_whole() -> None:
    before = {"name": "A", "label": {"ru": "а", "en": "a"}, "items": ["x", "y"], "gone": 1}
    after = {"name": "A", "label": {"ru": "а", "en": "b", "de": "c"}, "items": ["x", "z", "w"],
             "new": {"deep": True}}
    assert differences(before, after) == [
        Difference(("label", "en"), "a", "b"), Difference(("label", "de"), ABSENT, "c"),
        Difference(("items",), ["x", "y"], ["x", "z", "w"]), Difference(("gone",), 1, ABSENT),
        Difference(("new",), ABSENT, {"deep": True})]
    assert differences(before, after)[0].name == "label.en"


def test_types_count_as_json_sees_them() -> None:
    """`1 == True == 1.0` in Python; in a JSON document they are three values."""
    assert [d.name for d in differences({"a": 1}, {"a": True})] == ["a"]
    assert [d.name for d in differences({"a": 1}, {"a": 1.0})] == ["a"]
    assert differences({"a": (1, 2), "b": {1: "x"}}, {"a": [1, 2], "b": {"1": "x"}}) == []


def test_deepdiff_is_not_imported_to_start_the_command_line() -> None:
    """deepdiff takes about 0.25 s to import: only a difference to explain pays for it."""
    code = "import sys, provisioner.cli; print('deepdiff' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout == "False\n"
