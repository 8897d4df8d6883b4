"""Shares tests/safety/safety_helpers.py with this folder."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "safety"))
