"""The JSON plan survives a round trip exactly: for every kind's changes (create, update,
replace, delete, manual), `load(save(plan))` equals the fresh plan it was saved from, and a
saved plan is not stale on the unchanged portal. Before, a tuple in the fresh plan against the
list JSON reads back made every plan of a smart process stale."""

from __future__ import annotations

import shutil
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from provisioner.client import BitrixClient
from provisioner.engine import Action, Change, Plan, load_text, planfile
from provisioner.model import Address
from provisioner.model.reasons import ManualSteps
from provisioner.engine.differences import canonical_text
from provisioner.engine.render import plan_document
from provisioner.kinds import KINDS
from provisioner.sandbox import Sandbox
from provisioner.workspace import Connection, Consent, PortalIdentity, Workspace
from helpers import CONFIG as SEED

ROOT = Path(__file__).resolve().parents[2]
EXTRA = """\
[[lead.statuses]]
code = "NEW"
name = "Не разобран"

[[lead.statuses]]
code = "IN_PROCESS"
name = "В работе"

[[lead.statuses]]
code = "CONVERTED"
name = "Качественный лид"
semantics = "success"

[[lead.statuses]]
code = "JUNK"
name = "Некачественный лид"
semantics = "failure"

[lists.SOURCE]
items = [
  { code = "WEB", name = "Сайт" },
  { code = "PARTNER", name = "Партнёр" },
]

[lead.fields.CHANNEL]
type = "string"
label = "Канал"

[quote.fields.DISCOUNT]
type = "double"
label = { ru = "Скидка", en = "Discount" }
"""
# A -> B: an update, a replace or a delete of every kind, and a changed robot (manual).
EDITS = [
    ("extra.toml", 'name = "В работе"', 'name = "В обработке"'),
    ("extra.toml", '  { code = "PARTNER", name = "Партнёр" },\n', ""),
    ("extra.toml", 'name = "Сайт"', 'name = "Веб-сайт"'),
    ("extra.toml", 'label = "Канал"', 'label = "Источник"'),
    ("extra.toml", 'en = "Discount"', 'en = "Rebate"'),
    ("deal-pipelines.toml", 'name = "Оплата"', 'name = "Ожидание оплаты"'),
    ("deal-pipelines.toml", 'after = "10m"', 'after = "15m"'),
    ("fields.toml", '"крупное"', '"большое"'),
    ("fields.toml", '[contact.fields.VIP]\ntype = "boolean"', '[contact.fields.VIP]\ntype = "string"'),
    ("fields.toml", 'en = "Company status"', 'en = "Status"'),
    ("smart-processes.toml", 'title = "Кандидаты"', 'title = "Соискатели"'),
    ("smart-processes.toml", 'name = "Отказ"', 'name = "Отклонён"'),
]


def _config(tmp_path: Path) -> Path:
    config = tmp_path / "config"
    shutil.copytree(SEED, config, ignore=shutil.ignore_patterns("*.json"))
    (config / "extra.toml").write_text(EXTRA, encoding="utf-8")
    return config


def _edit(config: Path) -> None:
    for name, old, new in EDITS:
        text = (config / name).read_text(encoding="utf-8")
        assert old in text, (name, old)
        (config / name).write_text(text.replace(old, new, 1), encoding="utf-8")


def _round_trip(ws: Workspace, plan: Plan, path: Path) -> None:
    ws.save_plan(plan, path)
    saved = planfile.load(path)
    assert canonical_text(saved.changes) == canonical_text(plan_document(plan)["changes"])
    assert saved.snapshot == planfile.snapshot(plan)
    assert saved.portal == str(ws.identity)
    planfile.check_fresh(saved, plan)  # the same plan: not stale


def test_every_kind_round_trips_and_applies_saved(tmp_path: Path) -> None:
    sb = Sandbox.in_memory()
    portal = Connection(BitrixClient.from_webhook(sb.webhook_url, session=sb.session()),
                        PortalIdentity.sandbox())
    config = _config(tmp_path)
    seen: set[tuple[str, Action]] = set()
    for step, consent in enumerate([Consent(), Consent(allow_destroy=True)]):
        ws = Workspace(config, portal)
        plan = ws.plan(consent)
        seen |= {(c.kind, c.action) for c in plan.changes}
        _round_trip(ws, plan, tmp_path / f"plan-{step}.json")
        done = Workspace(None, portal).apply_saved(tmp_path / f"plan-{step}.json")
        assert done.report is not None and done.report.failed is None
        after = Workspace(config, portal).plan(consent)
        assert [c for c in after.changes if c.action is not Action.MANUAL] == []
        if step == 0:
            _edit(config)
    assert {k for k, _ in seen} == {k.name for k in KINDS}
    assert {a for _, a in seen} == set(Action)


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8)
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda inner: st.lists(inner, max_size=3) | st.tuples(inner, inner)
    | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=12)
ATTRS = st.none() | st.dictionaries(st.text(min_size=1, max_size=6), JSONISH, max_size=4)
WHY = ManualSteps("why", ("click", "save"))
CHANGES = st.lists(st.builds(
    lambda key, kind, action, before, after: Change(Address.of("object", key), kind, action,
                                                    before, after, WHY),
    st.text(min_size=1, max_size=6), st.sampled_from([k.name for k in KINDS]),
    st.sampled_from(list(Action)), ATTRS, ATTRS), max_size=4)


@settings(max_examples=60, deadline=None)
@given(CHANGES)
def test_any_plan_reads_back_equal(changes: list[Change]) -> None:
    """Whatever values a kind puts in a change (tuples, nested tables, numbers, text),
    what a plan file reads back compares equal to the plan it was saved from."""
    import tempfile

    plan = Plan(tuple(changes))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "plan.json"
        planfile.save(path, plan, load_text(""), "sandbox")
        saved = planfile.load(path)
    assert canonical_text(saved.changes) == canonical_text(plan_document(plan)["changes"])
    planfile.check_fresh(saved, plan)
