"""The engine: desired state -> plan -> apply, and export; kind-independent.

    desired = load_desired("portal-config")       # ConfigError with every problem
    live = read_live(client)                       # one batch
    plan = make_plan(desired, live, PlanOptions()) # pure
    print(render_text(plan))
    apply(plan, client, allow_destroy=False, progress=print)
"""

from __future__ import annotations

from provisioner.engine.applier import ApplyFailed, ApplyInterrupted, ApplyReport, apply
from provisioner.engine.exporter import export, export_documents
from provisioner.engine.live import LiveState, live_from_results, read_live, with_local_records
from provisioner.engine.loader import DesiredState, load_desired, load_text
from provisioner.engine.planner import make_plan
from provisioner.engine.records import DestroyRefused
from provisioner.engine.render import render_json, render_text
from provisioner.engine.schema import json_schema, schema_text
from provisioner.model import Action, Change, Note, Plan, PlanOptions

__all__ = [
    "Action",
    "ApplyFailed",
    "ApplyInterrupted",
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
    "with_local_records",
]
