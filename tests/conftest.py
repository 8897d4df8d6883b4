"""Shared pytest set-up: the golden-file plugin (`golden` fixture, `--update-golden`)."""

from __future__ import annotations

pytest_plugins = ["golden"]
