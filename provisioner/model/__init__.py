"""The vocabulary every layer shares: addresses, shapes, changes and plans, nodes, and the types
of the kind contract. It imports nothing else of provisioner but `errors`.

    from provisioner.model import Address, Change, Action, Pairing, ReadCall, Call
"""

from __future__ import annotations

from provisioner.model.address import Address
from provisioner.model.attributes import (
    Attrs,
    Resource,
    attribute,
    attributes,
    immutable_names,
    live_only,
)
from provisioner.model.changes import (
    Action,
    Change,
    Cost,
    Note,
    Plan,
    PlanOptions,
    RecordQuery,
    Records,
)
from provisioner.model.kind import (
    Call,
    Children,
    Kind,
    Pairing,
    ReadCall,
    Report,
    Script,
    by_parent,
)
from provisioner.model.locate import LineIndex, render_path
from provisioner.model.nodes import Nodes
from provisioner.model.shape import Issue, Path, Shape

__all__ = [
    "Action",
    "Address",
    "Attrs",
    "Call",
    "Change",
    "Children",
    "Cost",
    "Issue",
    "Kind",
    "LineIndex",
    "Nodes",
    "Note",
    "Pairing",
    "Path",
    "Plan",
    "PlanOptions",
    "ReadCall",
    "RecordQuery",
    "Records",
    "Report",
    "Resource",
    "Script",
    "Shape",
    "attribute",
    "attributes",
    "by_parent",
    "immutable_names",
    "live_only",
    "render_path",
]
