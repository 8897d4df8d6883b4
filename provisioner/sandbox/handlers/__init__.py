"""Method handlers of the sandbox; importing this package registers every method in REGISTRY."""

from __future__ import annotations

import importlib

# One module per method family. `system` belongs to the protocol layer and may not exist yet.
_MODULES = ("status", "category", "userfield", "userfieldconfig", "crmtype", "users", "items",
            "automation", "clients", "apps", "tasks")
_OPTIONAL = ("system",)

for _name in _MODULES:
    importlib.import_module(f"{__name__}.{_name}")

for _name in _OPTIONAL:
    try:
        importlib.import_module(f"{__name__}.{_name}")
    except ImportError as exc:  # only its own absence is tolerated, not a broken import inside
        if exc.name != f"{__name__}.{_name}":
            raise
