"""Paged lists render their rows once per request (CallContext.rows_once), and what they answer
is what page-by-page requests answer, writes in the same batch included."""

from __future__ import annotations

from typing import Any

import pytest

from provisioner.client import BitrixClient
from provisioner.sandbox import Sandbox
from provisioner.sandbox.crm import userfields as uf
from provisioner.sandbox.handlers import userfieldconfig

FIELDS = 120  # three pages
LIST = ("userfieldconfig.list", {"moduleId": "crm", "select": {"0": "*", "language": "en"}})


@pytest.fixture
def portal() -> tuple[Sandbox, BitrixClient]:
    sb = Sandbox.in_memory()
    with sb.stores.transaction() as store, store.lock:
        for n in range(FIELDS):
            uf.create_field(store, "CRM_DEAL", f"UF_CRM_P{n:03d}", "string", {"LABEL": f"F{n}"})
        sb.stores.commit(store)
    return sb, BitrixClient.from_webhook(sb.webhook_url, session=sb.session())


def page(start: int) -> tuple[str, dict[str, Any]]:
    return LIST[0], {**LIST[1], "start": start}


def names(rows: dict[str, Any]) -> list[str]:
    return [f["fieldName"] for f in rows["fields"]]


def test_pages_in_one_batch_equal_pages_read_one_by_one(
        portal: tuple[Sandbox, BitrixClient]) -> None:
    _, client = portal
    alone = [client.call(*page(start)) for start in (0, 50, 100)]
    together = client.batch({str(s): page(s) for s in (0, 50, 100)})
    assert [together.results[str(s)] for s in (0, 50, 100)] == [r.result for r in alone]
    assert [together.totals[str(s)] for s in (0, 50, 100)] == [FIELDS] * 3
    assert [names(r.result)[0] for r in alone] == ["UF_CRM_P000", "UF_CRM_P050", "UF_CRM_P100"]


def test_each_row_is_rendered_once_per_request(portal: tuple[Sandbox, BitrixClient],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    _, client = portal
    rendered: list[int] = []
    real = userfieldconfig._base  # each row of a list is rendered from its base

    def counting(field: dict[str, Any]) -> dict[str, Any]:
        rendered.append(int(field["ID"]))
        return real(field)

    monkeypatch.setattr(userfieldconfig, "_base", counting)
    client.batch({str(s): page(s) for s in (0, 50, 100)})
    assert len(rendered) == FIELDS  # not once per page (360)
    client.batch({str(s): page(s) for s in (0, 50, 100)})
    assert len(rendered) == 2 * FIELDS  # a new request renders again: the state may have moved


def test_a_write_between_pages_of_one_batch_shows_on_the_later_pages(
        portal: tuple[Sandbox, BitrixClient]) -> None:
    _, client = portal
    out = client.batch({
        "first": page(0),
        "add": ("crm.deal.userfield.add", {"fields": {"FIELD_NAME": "P000A",
                                                      "USER_TYPE_ID": "string"}}),
        "last": page(100)})
    assert out.totals["first"] == FIELDS and out.totals["last"] == FIELDS + 1
    assert names(out.results["last"])[-1] == "UF_CRM_P000A"
