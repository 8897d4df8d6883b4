"""The vocabulary every layer shares: addresses, shapes, changes, reasons and plans, nodes, and
the kind contract with the helpers every kind uses. It imports nothing else of provisioner.

    from provisioner.model import Address, Change, Action, Kind, Pairs, ReadCall, Call
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
    HELD,
    AnyKind,
    Call,
    Children,
    CountsRecords,
    Explains,
    Exports,
    Files,
    FoldsReads,
    KeepsKeys,
    KeepsLocal,
    Kind,
    Links,
    NeedsLive,
    Pairing,
    Parts,
    ReadCall,
    RowKeys,
    ReadsEarly,
    ReadsLanguages,
    ReadsMore,
    Report,
    Results,
    Script,
    by_parent,
    held,
    tuple_part,
)
from provisioner.model.locate import LineIndex, render_path
from provisioner.model.nodes import Nodes
from provisioner.model.pairing import Pairs
from provisioner.model.shape import Issue, Path, Shape

__all__ = [
    "HELD",
    "Action",
    "Address",
    "AnyKind",
    "Attrs",
    "Call",
    "Change",
    "Children",
    "Cost",
    "CountsRecords",
    "Explains",
    "Exports",
    "Files",
    "FoldsReads",
    "Issue",
    "KeepsKeys",
    "KeepsLocal",
    "Kind",
    "LineIndex",
    "Links",
    "NeedsLive",
    "Nodes",
    "Note",
    "Pairing",
    "Pairs",
    "Parts",
    "Path",
    "Plan",
    "PlanOptions",
    "ReadCall",
    "ReadsEarly",
    "ReadsLanguages",
    "ReadsMore",
    "RecordQuery",
    "Records",
    "Report",
    "Resource",
    "Results",
    "RowKeys",
    "Script",
    "Shape",
    "attribute",
    "attributes",
    "by_parent",
    "held",
    "immutable_names",
    "live_only",
    "render_path",
    "tuple_part",
]
