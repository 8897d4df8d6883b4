"""A smart-process field's get that holds no field (the docs: `result` "may return null" when
the field is not found, api-reference/crm/universal/userfieldconfig/userfieldconfig-get.md) is
refused: read as a field without items, the plan would add to the portal the items it has.

Failed before (f0228dc): the field was read with no items, and the read went on."""

from __future__ import annotations

from typing import Any

import pytest
from bent import Bent, on_method

from bench.portal import Size, fill
from provisioner.client import BitrixClient
from provisioner.engine import live as lv
from provisioner.model.answers import UntrustedAnswer
from provisioner.sandbox import Sandbox
from provisioner.sandbox.portal import MemoryStores
from provisioner.sandbox.store import Store


def _client() -> BitrixClient:
    size = Size(pipelines=1, fields_per_entity=1, items=3, smart_processes=1, spa_fields=2)
    sandbox = Sandbox(MemoryStores(fill(Store.new(), size)))
    return BitrixClient.from_webhook(sandbox.webhook_url, session=sandbox.session())


@pytest.mark.parametrize("answer, shown", [(None, "null"),
                                           ({"field": None}, '{"field": null}')])
def test_a_get_without_its_field_is_refused_naming_the_field(answer: Any, shown: str) -> None:
    client = _client()
    honest = lv.read_live(client, languages={})
    field = next(f for spa in honest.parts["smart_processes"] for f in spa.fields
                 if f.items)  # an enumeration field, its items read by its get
    with pytest.raises(UntrustedAnswer) as err:
        lv.read_live(Bent(client, on_method("userfieldconfig.get", lambda _r: answer)),
                     languages={})
    assert str(err.value) == (
        f"userfieldconfig.get: MALFORMED_RESPONSE (provision's own code): the portal lists the "
        f"field UF_CRM_1_{field.field.name} (id {field.field.id}) but its get answered {shown}, "
        "no field: it may have been deleted between the two reads. Run again; if it stays, the "
        "portal's answers cannot be trusted")
