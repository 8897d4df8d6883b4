"""--target / --exclude, protect, and moved_from, planned against a fresh sandbox."""

from __future__ import annotations

from helpers import client_of

from provisioner import engine
from provisioner.client import BitrixClient
from provisioner.errors import ProvisionError
from provisioner.sandbox import Sandbox

CONFIG = """\
[deal.pipelines.main]
name = "General"
default = true

[[deal.pipelines.main.stages]]
code = "{new}"
name = "Входящие"
{moved}
[[deal.pipelines.main.stages]]
code = "WON"
name = "Deal successful"
semantics = "success"

[[deal.pipelines.main.stages]]
code = "LOSE"
name = "Deal failed"
semantics = "failure"
"""


def _plan(text: str, **options: object) -> list[str]:
    client = client_of(Sandbox.in_memory())
    plan = engine.make_plan(engine.load_text(text), engine.read_live(client),
                            engine.PlanOptions(**options))  # type: ignore[arg-type]
    return [f"{c.action.symbol} {c.address}" for c in plan.changes] + \
        [f"# {n.address}: {n.reason}" for n in plan.notes]


def test_moved_from_keeps_the_live_stage_and_says_its_code_stays() -> None:
    text = CONFIG.format(new="INBOX", moved='moved_from = "NEW"\n')
    assert _plan(text) == [
        "~ deal.pipeline[main].stage[INBOX]",
        ("# deal.pipeline[main].stage[APOLOGY]: not in the desired state; would be deleted "
        "with --allow-destroy"),
        ("# deal.pipeline[main].stage[EXECUTING]: not in the desired state; would be deleted "
        "with --allow-destroy"),
        ("# deal.pipeline[main].stage[FINAL_INVOICE]: not in the desired state; would be "
        "deleted with --allow-destroy"),
        ("# deal.pipeline[main].stage[INBOX]: matched by moved_from: the portal keeps this "
        "stage under its code NEW (a STATUS_ID never changes); its records stay, its name, "
        "colour and order follow this config"),
        ("# deal.pipeline[main].stage[PREPARATION]: not in the desired state; would be "
        "deleted with --allow-destroy"),
        ("# deal.pipeline[main].stage[PREPAYMENT_INVOICE]: not in the desired state; would be "
        "deleted with --allow-destroy")]


def test_without_moved_from_a_new_code_is_create_and_delete() -> None:
    changes = _plan(CONFIG.format(new="INBOX", moved=""), allow_destroy=True)
    assert changes == ["+ deal.pipeline[main].stage[INBOX]",  # in the pipeline's order
                       "- deal.pipeline[main].stage[PREPARATION]",
                       "- deal.pipeline[main].stage[PREPAYMENT_INVOICE]",
                       "- deal.pipeline[main].stage[EXECUTING]",
                       "- deal.pipeline[main].stage[FINAL_INVOICE]",
                       "- deal.pipeline[main].stage[APOLOGY]",
                       ("# deal.pipeline[main].stage[NEW]: kept by the portal (system or "
                        "default), never deleted")]


def test_protect_keeps_deletions_out_and_targets_limit() -> None:
    text = CONFIG.format(new="NEW", moved="")
    protected = _plan(text, allow_destroy=True, protect=("deal.pipeline[main].stage[APOLOGY]",))
    assert "# deal.pipeline[main].stage[APOLOGY]: protected (protect = [...]): never deleted " \
           "or replaced" in protected
    assert "- deal.pipeline[main].stage[APOLOGY]" not in protected
    targeted = _plan(text, allow_destroy=True, targets=("deal.pipeline[main].stage[NEW]",))
    assert targeted == ["~ deal.pipeline[main].stage[NEW]"]
    excluded = _plan(text, allow_destroy=True, excludes=("deal.pipeline[main]",))
    assert excluded == []



def test_deletions_follow_the_pipelines_order_and_a_pipeline_takes_its_stages(
        client: BitrixClient) -> None:
    client.call("crm.category.add", {"entityTypeId": 2, "fields": {"name": "Old", "sort": 500}})
    plan = engine.make_plan(engine.load_text(CONFIG.format(new="NEW", moved="")),
                            engine.read_live(client), engine.PlanOptions(allow_destroy=True))
    # stages by SORT, not by code; the unmanaged pipeline is deleted whole (its stages with it)
    assert [f"{c.action.symbol} {c.address}" for c in plan.changes] == [
        "~ deal.pipeline[main].stage[NEW]", "- deal.pipeline[main].stage[PREPARATION]",
        "- deal.pipeline[main].stage[PREPAYMENT_INVOICE]",
        "- deal.pipeline[main].stage[EXECUTING]", "- deal.pipeline[main].stage[FINAL_INVOICE]",
        "- deal.pipeline[main].stage[APOLOGY]", "- deal.pipeline[old]"]


# ---- issue 13 item 10: patterns that match nothing; protect below a deletion -------------

def _error(text: str, **options: object) -> str:
    try:
        _plan(text, **options)
    except ProvisionError as exc:
        return str(exc)
    raise AssertionError("the plan was made")


def test_a_target_exclude_or_protect_that_matches_nothing_is_refused_with_the_closest() -> None:
    """Before: a typo or a wrong case selected or protected nothing, silently."""
    text = CONFIG.format(new="NEW", moved="")
    assert _error(text, targets=("deal.pipline[main]",)) == (
        '--target: "deal.pipline[main]" matches nothing in the desired state or on the portal; '
        'did you mean "deal.pipeline[main]"?')
    assert _error(text, excludes=("deal.pipeline[main].stage[new]",)) == (
        '--exclude: "deal.pipeline[main].stage[new]" matches nothing in the desired state or on '
        'the portal; did you mean "deal.pipeline[main].stage[NEW]"?')
    assert _error(text, protect=("deal.pipeline[main].stage[APOLOGI]", "list[SOURCE]",
                                 "zzz[q]")) == (
        'protect = [...] (portals.toml or [provision]): "deal.pipeline[main].stage[APOLOGI]" '
        'matches nothing in the desired state or on the portal; did you mean '
        '"deal.pipeline[main].stage[APOLOGY]"?\n'
        'protect = [...] (portals.toml or [provision]): "zzz[q]" matches nothing in the desired '
        'state or on the portal; check the address in `provision plan`')


def test_a_pattern_matching_a_live_object_only_is_accepted() -> None:
    text = CONFIG.format(new="NEW", moved="")
    assert _plan(text, protect=("list[SOURCE].item[CALL]", "deal.pipeline")) == _plan(text)


def test_protect_on_a_stage_keeps_its_pipeline_from_deletion() -> None:
    """Before: deleting the pipeline deleted the protected stage with it."""
    client = client_of(Sandbox.in_memory())
    engine.apply(engine.make_plan(engine.load_text(TWO), engine.read_live(client)), client)
    text = CONFIG.format(new="NEW", moved="")
    plan = engine.make_plan(engine.load_text(text), engine.read_live(client), engine.PlanOptions(
        allow_destroy=True, protect=("deal.pipeline[extra].stage[KEEP]",)))
    lines = [f"{c.action.symbol} {c.address}" for c in plan.changes
             if "extra" in str(c.address)]
    notes = {str(n.address): n.reason for n in plan.notes if "extra" in str(n.address)}
    assert "- deal.pipeline[extra]" not in lines
    assert notes == {
        "deal.pipeline[extra]": "holds deal.pipeline[extra].stage[KEEP], which is protected "
                                "(protect = [...]): never deleted or replaced"}


TWO = CONFIG.format(new="NEW", moved="") + """
[deal.pipelines.extra]
name = "Extra"

[[deal.pipelines.extra.stages]]
code = "KEEP"
name = "Keep"

[[deal.pipelines.extra.stages]]
code = "WON"
name = "Won"
semantics = "success"

[[deal.pipelines.extra.stages]]
code = "LOSE"
name = "Lost"
semantics = "failure"
"""
