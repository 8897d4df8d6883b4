"""Resource kinds: one module per kind, one registry (`KINDS`), one contract.

A kind owns one part of the desired-state tree (`path`, e.g. ("deal", "pipelines")) and
everything about its objects; the engine (loader, planner, applier, exporter, schema) only loops
over `KINDS` and never asks which kind it holds. A kind provides:

- `name`, `path`, `shape`: its name (also the `kind` of its changes), where it lives in the TOML
  tree and the shape of that subtree (`provisioner.model.shape`); the loader checks the shape
  and the JSON Schema is generated from it.
- `parse(tree, path, report)`: the shape-checked subtree -> its desired part (model objects);
  semantic problems (duplicates, order, limits) go to `report` with their key path.
- `read_calls()`: the batched reads it needs, `{key: ReadCall(method, params)}`; kinds that need
  the same list use the same key, and the engine reads everything in one `batch`.
  `from_live(results)`: those results -> its live part (the same model classes).
- `pair(desired_part | None, live_part)`: both sides as `{address: object}` plus the scopes it
  manages (whose live objects absent from desired may be deleted) and notes. Matching by natural
  keys and derived values (e.g. SORT) are settled here, so the planner compares like with like.
  `children` (optional) gives the desired objects under each parent address as the kind built
  them, so the plan needs no pass over every object to index them; each kind owns the first
  step type of its addresses (`deal.pipeline`, `lead.field`, ...), no other kind uses it.
- `explain(change)`: an optional reason for people; `is_destructive(change)`.
- `apply(changes, desired_nodes, live_nodes)`: a generator yielding rounds of REST `Call`s and
  receiving their results; calls may chain with `$result[key]` inside one round (`key`,
  `with_previous`). Apply never sends a change whose action is manual.
- `export(live_part)`: `{file name: TOML tree}` as a person would write it.

Adding a kind (custom fields, smart processes, robots) = a new module + a line in `KINDS`.
"""

from __future__ import annotations

from provisioner.kinds.automation import Automation
from provisioner.kinds.deal_pipelines import DealPipelines
from provisioner.kinds.fields import ENTITIES, Fields
from provisioner.kinds.lead_statuses import LeadStatuses
from provisioner.kinds.reference_lists import ReferenceLists
from provisioner.kinds.smart_processes import SmartProcesses
from provisioner.model import Kind

KINDS: tuple[Kind, ...] = (DealPipelines(), LeadStatuses(), ReferenceLists(),
                           *(Fields(e) for e in ENTITIES), SmartProcesses(), Automation())

__all__ = ["KINDS"]
