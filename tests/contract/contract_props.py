"""The contract's properties, each a function of a desired state (and, where it draws more, of
Hypothesis' `data` and the generator's `Features`): the test modules run them on generated
configs, test_contract_known.py on the minimal counterexamples of known bugs."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from contract_configs import ALL, Features, Tree, write_config
from contract_flow import (
    Case,
    actionable,
    applied,
    assert_converged,
    case,
    export_fresh,
    export_over,
    manual,
    xml_ids,
)
from contract_portal import (
    Portal,
    differences,
    id_map_problems,
    new_portal,
    offset_ids,
    view,
    without,
)
from contract_renames import edited, new_names, renamed
from hypothesis import strategies as st

from provisioner.engine import Action, planfile, render_text
from provisioner.engine.differences import canonical_text
from provisioner.engine.render import plan_document
from provisioner.workspace import Consent, Workspace

Data = st.DataObject | None  # None: a fixed example (new names are the old + " (new)")


def apply_then_plan(tree: Tree) -> None:
    """1. apply, then plan: no change besides manual ones; every pipeline's stages stand on
    the portal in the config's order."""
    with case(tree) as c:
        applied(c)
        assert_converged(c.workspace())
        assert stage_order_problems(tree, view(c.portal.client)) == []


def estimate_is_exact(tree: Tree) -> None:
    """1''. the plan's estimate of apply's requests is what apply sends (issue 18: stages made
    as wanted send nothing; the read-backs go once a batch or one a pipeline)."""
    with case(tree) as c:
        ws = c.workspace()
        plan = ws.plan()
        done = ws.apply()
        assert done.report is None or done.report.failed is None, done.report
        assert plan.cost is not None
        assert plan.cost.apply_requests == done.requests, render_text(plan)


def stage_order_problems(tree: Tree, v: Any) -> list[str]:
    """The pipelines (deal and smart-process) whose stages the portal orders (SORT, then id)
    otherwise than the config writes them, with both orders."""
    lists: list[tuple[str, list[str]]] = []
    for key, pipe in tree.get("deal", {}).get("pipelines", {}).items():
        at = "(default)" if pipe.get("default") else key
        lists.append((f"deal.pipeline[{at}]", [s["code"] for s in pipe["stages"]]))
    for code, spa in tree.get("smart_processes", {}).items():
        for pipe in spa.get("pipelines", {}).values():
            at = "(default)" if pipe.get("default") else f"(named {pipe['name'].strip()})"
            lists.append((f"smart_process[{code}].pipeline[{at}]",
                          [s["code"] for s in pipe["stages"]]))
    out = []
    for address, codes in lists:
        order = {c: v[f"{address}.stage[{c}]"].attrs["order"] for c in codes
                 if f"{address}.stage[{c}]" in v}
        have = sorted(order, key=order.__getitem__)
        if have != codes:
            out.append(f"{address}: portal {have}, config {codes}")
    return out


def drift_after_apply(tree: Tree) -> None:
    """6. drift right after apply: in sync (the CLI's exit 0)."""
    with case(tree) as c:
        applied(c)
        report = c.workspace().drift()
        assert report["in_sync"], json.dumps(report, ensure_ascii=False, indent=1)[:3000]


def saved_plan(tree: Tree, data: Data = None, features: Features = ALL) -> None:
    """2. `plan --out` then `apply FILE`, the file kept away from the config: the plan reads
    back equal, is accepted and converges; again after every name changed (updates)."""
    with case(tree) as c:
        _save_and_apply(c, "first.json")
        new_tree, _ = renamed(new_names(data), tree, xml_ids(view(c.portal.client)), features)
        write_config(new_tree, c.config)
        _save_and_apply(c, "second.json")


def _save_and_apply(c: Case, name: str) -> None:
    ws = c.workspace()
    plan = ws.plan()
    path = ws.save_plan(plan, c.scratch / name)
    saved = planfile.load(path)
    assert canonical_text(saved.changes) == canonical_text(plan_document(plan)["changes"])
    assert saved.snapshot == planfile.snapshot(plan)
    assert saved.options == plan.options
    assert saved.portal == str(ws.identity)
    done = Workspace(None, c.portal.connection).apply_saved(path)
    assert done.report is None or done.report.failed is None, done.report
    assert_converged(c.workspace())


def export_then_plan(tree: Tree) -> None:
    """3a. export (a new directory), then plan the export against the same portal: empty."""
    with case(tree) as c:
        applied(c)
        out = export_fresh(c)
        plan = Workspace(out, c.portal.connection).plan()
        assert plan.changes == (), render_text(plan)


def export_over_config(tree: Tree) -> None:
    """3b. export over an existing config keeps its keys (pipelines of deals and smart
    processes) and its manual items (robots, triggers, required_from); it plans as the config
    did."""
    with case(tree) as c:
        applied(c)
        before = manual(c.workspace().plan())
        export_over(c)
        after = c.workspace().plan()
        assert actionable(after) == [], render_text(after)
        assert _keys(_read(c.config)) >= _keys(tree), (_keys(tree), _keys(_read(c.config)))
        assert manual(after) == before
        assert manual_items(_read(c.config)) == manual_items(tree)


def manual_items(tree: Tree) -> dict[str, Any]:
    """What no REST method reads back, by where the config puts it: robots and triggers per
    stage (deal and smart-process pipelines), `required_from` per field, the `[app]` table."""
    out: dict[str, Any] = {}
    deal = tree.get("deal", {})
    places = [("deal", deal.get("pipelines", {}), deal.get("fields", {}))]
    places += [(f"smart_process[{code}]", spa.get("pipelines", {}), spa.get("fields", {}))
               for code, spa in tree.get("smart_processes", {}).items()]
    for entity in ("lead", "contact", "company", "quote"):
        places.append((entity, {}, tree.get(entity, {}).get("fields", {})))
    for where, pipelines, fields in places:
        for key, pipe in pipelines.items():
            for stage in pipe.get("stages", []):
                for item in ("robots", "triggers"):
                    if stage.get(item):
                        out[f"{where}.pipeline[{key}].stage[{stage['code']}].{item}"] = \
                            stage[item]
        for name, spec in fields.items():
            if "required_from" in spec:
                out[f"{where}.field[{name}].required_from"] = spec["required_from"]
    if tree.get("app"):
        out["app"] = tree["app"]
    return out


def _read(config: Path) -> Tree:
    tree: Tree = {}
    for file in sorted(config.glob("*.toml")):
        _merge(tree, tomllib.loads(file.read_text(encoding="utf-8")))
    return tree


def _merge(dst: Tree, src: Tree) -> None:
    for key, value in src.items():
        if isinstance(value, dict) and isinstance(dst.get(key), dict):
            _merge(dst[key], value)
        else:
            dst[key] = value


def _keys(tree: Tree) -> set[str]:
    """The keys a config gave its pipelines (deal and smart-process ones)."""
    out = {f"deal.pipeline[{k}]" for k in tree.get("deal", {}).get("pipelines", {})}
    for code, spa in tree.get("smart_processes", {}).items():
        out |= {f"smart_process[{code}].pipeline[{k}]" for k in spa.get("pipelines", {})}
    return out


def migrate(tree: Tree, by_hand: Callable[[Portal], None] | None = None,
            carry: bool = False) -> None:
    """4. export, then apply to a second portal whose ids differ: the portals are equal by
    natural keys (labels in every language too), and the id map sends each old id to the id
    of the same object on the second portal, in the table of its namespace. `by_hand`: what
    an administrator changed on the first portal after the apply. `carry`: exported with
    `--from` the config, whose manual items (robots naming fields by config key included) the
    export keeps, and the second portal's plan lists as the first's did."""
    with case(tree, new_portal("first")) as c:
        applied(c)
        if by_hand is not None:
            by_hand(c.portal)
        out = c.scratch / "export"
        Workspace(c.config if carry else None, c.portal.connection).export(out)
        second = new_portal("second")
        history = offset_ids(second)
        done = Workspace(out, second.connection).apply()
        assert done.report is None or done.report.failed is None, done.report
        assert_converged(Workspace(out, second.connection))
        old, new = view(c.portal.client), without(view(second.client), history)
        diffs = differences(old, new)
        assert diffs == [], diffs
        assert done.id_map == out / "id-map.json"
        id_map: dict[str, Any] = json.loads(done.id_map.read_text(encoding="utf-8"))
        problems = id_map_problems(id_map, old, new)
        assert problems == [], problems
        if carry:
            assert manual_items(_read(out)) == manual_items(tree)
            there = manual(Workspace(out, second.connection).plan())
            assert there == manual(c.workspace().plan())


def rename(tree: Tree, data: Data = None, features: Features = ALL) -> None:
    """5. rename every object that has a name: an update (`~`) of each, never a replace or a
    delete and create; applied, it converges."""
    with case(tree) as c:
        applied(c)
        new_tree, addresses = renamed(new_names(data), tree, xml_ids(view(c.portal.client)),
                                      features)
        write_config(new_tree, c.config)
        plan = c.workspace().plan()
        actions = {str(ch.address): ch.action for ch in plan.changes}
        wrong = [f"{a.symbol} {address}" for address, a in actions.items()
                 if a not in (Action.UPDATE, Action.MANUAL)]
        missed = [a for a in addresses if actions.get(a) is not Action.UPDATE]
        assert (wrong, missed) == ([], []), render_text(plan)
        applied(c)
        assert_converged(c.workspace())


def apply_edited(tree: Tree, data: Data = None, features: Features = ALL) -> None:
    """1'. apply, edit the config (a week of edits: fields retyped, stages inserted, removed
    and reordered, objects removed; deletions allowed), apply again, then plan: no change
    besides manual ones."""
    assert data is not None
    reapply(tree, edited(data.draw, tree, features))


def reapply(before: Tree, after: Tree) -> None:
    with case(before) as c:
        applied(c)
        write_config(after, c.config, fresh=True)
        done = c.workspace().apply(Consent(allow_destroy=True, allow_data_loss=True))
        assert done.report is None or done.report.failed is None, done.report
        assert_converged(c.workspace())
        assert stage_order_problems(after, view(c.portal.client)) == []
