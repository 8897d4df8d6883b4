"""The engine: desired state -> plan -> apply, and export; kind-independent.

    desired = load_desired("portal-config")       # ConfigError with every problem
    live = read_live(client)                       # one batch
    plan = make_plan(desired, live, PlanOptions()) # pure
    print(render_text(plan))
    apply(plan, client, allow_destroy=False, progress=print)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from provisioner.lazy import attributes

if TYPE_CHECKING:
    from provisioner.engine.applier import ApplyFailed, ApplyInterrupted, ApplyReport, apply
    from provisioner.engine.exporter import export, export_documents
    from provisioner.engine.live import LiveState, live_from_results, read_live, with_local_records
    from provisioner.engine.loader import DesiredState, load_desired, load_text
    from provisioner.engine.planner import make_plan
    from provisioner.engine.records import DestroyRefused
    from provisioner.engine.render import render_json, render_text
    from provisioner.engine.schema import json_schema, schema_text
    from provisioner.model import Action, Change, Note, Plan, PlanOptions

# Each name is imported from its module when first used (PEP 562): `provision validate` needs
# the loader only, not the applier, the exporter, the renderers and the REST reads.
_WHERE = {
    "ApplyFailed": "provisioner.engine.applier",
    "ApplyInterrupted": "provisioner.engine.applier",
    "ApplyReport": "provisioner.engine.applier",
    "apply": "provisioner.engine.applier",
    "export": "provisioner.engine.exporter",
    "export_documents": "provisioner.engine.exporter",
    "LiveState": "provisioner.engine.live",
    "live_from_results": "provisioner.engine.live",
    "read_live": "provisioner.engine.live",
    "with_local_records": "provisioner.engine.live",
    "DesiredState": "provisioner.engine.loader",
    "load_desired": "provisioner.engine.loader",
    "load_text": "provisioner.engine.loader",
    "make_plan": "provisioner.engine.planner",
    "DestroyRefused": "provisioner.engine.records",
    "render_json": "provisioner.engine.render",
    "render_text": "provisioner.engine.render",
    "json_schema": "provisioner.engine.schema",
    "schema_text": "provisioner.engine.schema",
    "Action": "provisioner.model",
    "Change": "provisioner.model",
    "Note": "provisioner.model",
    "Plan": "provisioner.model",
    "PlanOptions": "provisioner.model",
}


__getattr__ = attributes(__name__, _WHERE, globals())


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
