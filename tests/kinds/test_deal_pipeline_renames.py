"""Deal pipelines made on the portal (no stamp of ours), renamed in the config: `moved_from`
names them by their key as read (as export writes it), and a new pipeline beside one says how
(user trial; deal_match.py). A pipeline this tool made is stamped: tests/safety."""

from __future__ import annotations

import pytest
from kinds_support import converge, plan

from provisioner import engine
from provisioner.client import BitrixClient

STAGES = """
[[deal.pipelines.{key}.stages]]
code = "NEW"
name = "Новая"
[[deal.pipelines.{key}.stages]]
code = "WON"
name = "Успех"
semantics = "success"
[[deal.pipelines.{key}.stages]]
code = "LOSE"
name = "Провал"
semantics = "failure"
"""


def _config(*rows: tuple[str, str, str]) -> engine.DesiredState:
    return engine.load_text("".join(f'[deal.pipelines.{k}]\nname = "{n}"\n{e}\n' +
                                    STAGES.format(key=k) for k, n, e in rows))


def _pipelines(client: BitrixClient) -> list[tuple[int, str, str]]:
    rows = client.call("crm.category.list", {"entityTypeId": 2}).result["categories"]
    return sorted((int(r["id"]), r["name"], r.get("originId") or "") for r in rows
                  if int(r["id"]) > 0)


def _changes(p: engine.Plan) -> list[str]:
    return [f"{c.action.symbol} {c.address}" for c in p.changes if c.address.depth == 1] + \
        [f"# {n.address}: {n.reason}" for n in p.notes
         if n.address.depth == 1 and n.address.key != "default"]  # kept by the portal


@pytest.fixture
def adopted(client: BitrixClient) -> int:
    """A pipeline made by hand on the portal, then written in the config (matched by name,
    so never stamped); its id."""
    made = client.call("crm.category.add", {"entityTypeId": 2, "fields": {"name": "Опт"}})
    assert converge(client, _config(("wholesale", "Опт", ""))).changes == ()
    assert _pipelines(client) == [(made.result["category"]["id"], "Опт", "")]
    return int(made.result["category"]["id"])


HINT = ("a new pipeline; if it is a pipeline made on the portal (\"Опт\", read as `opt`) renamed "
        'here, write `moved_from = "opt"` to keep it and its deals (else that pipeline is '
        "deleted with --allow-destroy)")


def test_a_renamed_pipeline_made_on_the_portal_says_how_to_keep_it(
        client: BitrixClient, adopted: int) -> None:
    """Before: `+ deal.pipeline[wholesale]` and `- deal.pipeline[opt]` (its deals with it),
    with no way to say they are one pipeline (moved_from named stamps only)."""
    renamed = _config(("wholesale", "Оптовые", ""))
    p = plan(client, renamed, allow=True)
    # in the portal's order: the new pipeline at the SORT the portal will give it (500, as
    # "Опт" has), so after "opt" by key
    assert [(f"{c.action.symbol} {c.address}", c.reason) for c in p.changes
            if c.address.depth == 1] == [("- deal.pipeline[opt]", ""),
                                         ("+ deal.pipeline[wholesale]", HINT)]
    moved = _config(("wholesale", "Оптовые", 'moved_from = "opt"'))
    assert _changes(plan(client, moved, allow=True)) == [
        "~ deal.pipeline[wholesale]",
        '# deal.pipeline[wholesale]: the portal\'s pipeline "Опт", made there (no stamp), '
        "matched by moved_from: renamed and stamped, its deals stay"]
    assert converge(client, moved).changes == ()
    assert _pipelines(client) == [(adopted, "Оптовые", "wholesale")]
    assert converge(client, renamed).changes == ()  # stamped: moved_from may go


def test_a_new_pipeline_beside_a_renamed_one_made_on_the_portal(client: BitrixClient,
                                                              adopted: int) -> None:
    moved = _config(("wholesale", "Оптовые", 'moved_from = "opt"'), ("retail", "Розница", ""))
    assert [c for c in _changes(plan(client, moved, allow=True)) if c[0] in "+-~"] == [
        "+ deal.pipeline[retail]", "~ deal.pipeline[wholesale]"]
    assert converge(client, moved).changes == ()
    assert _pipelines(client)[0] == (adopted, "Оптовые", "wholesale")
    assert [p[1:] for p in _pipelines(client)] == [("Оптовые", "wholesale"),
                                                   ("Розница", "retail")]
