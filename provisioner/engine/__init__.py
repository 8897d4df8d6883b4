"""The engine: desired state -> plan -> apply, and export; kind-independent.

    desired = load_desired("portal-config")       # ConfigError with every problem
    live = read_live(client)                       # one batch
    plan = make_plan(desired, live, PlanOptions()) # pure
    print(render_text(plan))
    apply(plan, client, allow_destroy=False, progress=print)
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from provisioner.engine.applier import ApplyFailed, ApplyReport, DestroyRefused, apply
    from provisioner.engine.exporter import export, export_documents
    from provisioner.engine.live import LiveState, live_from_results, read_live
    from provisioner.engine.loader import DesiredState, load_desired, load_text
    from provisioner.engine.model import Action, Change, Note, Plan, PlanOptions
    from provisioner.engine.planner import make_plan
    from provisioner.engine.render import render_json, render_text
    from provisioner.engine.schema import json_schema, schema_text

# Imported lazily: the kinds import the engine's vocabulary (address, model, shape), and the
# engine's phases import the kinds.
_WHERE = {
    "applier": ("ApplyFailed", "ApplyReport", "DestroyRefused", "apply"),
    "exporter": ("export", "export_documents"),
    "live": ("LiveState", "live_from_results", "read_live"),
    "loader": ("DesiredState", "load_desired", "load_text"),
    "model": ("Action", "Change", "Note", "Plan", "PlanOptions"),
    "planner": ("make_plan",),
    "render": ("render_json", "render_text"),
    "schema": ("json_schema", "schema_text"),
}
_MODULE = {name: module for module, names in _WHERE.items() for name in names}
__all__ = [
    "Action",
    "ApplyFailed",
    "ApplyReport",
    "Change",
    "DesiredState",
    "DestroyRefused",
    "LiveState",
    "Note",
    "Plan",
    "PlanOptions",
    "apply",
    "export",
    "export_documents",
    "json_schema",
    "live_from_results",
    "load_desired",
    "load_text",
    "make_plan",
    "read_live",
    "render_json",
    "render_text",
    "schema_text",
]


def __getattr__(name: str) -> Any:
    if name not in _MODULE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"provisioner.engine.{_MODULE[name]}"), name)
