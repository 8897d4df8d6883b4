"""A missing scope names the scope the method needs and where to add it, in one line, for a
webhook and for an application; never a token (issue 16)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import responses
from client_helpers import OAUTH_ENDPOINT, TOKEN, ok, url

from provisioner.client import BitrixClient, InsufficientScope
from provisioner.client.scopes import scopes_for

SCOPE = {"error": "insufficient_scope",
         "error_description": "The request requires higher privileges than provided by the "
                              "webhook token"}
WEBHOOK_WHERE = ("in Bitrix24 open Developer resources → Other → Incoming webhook, edit this "
                 "webhook, tick {ticks} under scopes (permissions) and save, then run the "
                 "command again")


@pytest.mark.parametrize(("method", "scopes"), [
    ("crm.category.add", ("crm",)), ("crm.status.list", ("crm",)),
    ("userfieldconfig.add", ("userfieldconfig", "crm")), ("user.get", ("user",)),
    ("user.userfield.add", ("user.userfield",)), ("department.get", ("department",)),
    ("bizproc.robot.add", ("bizproc",)), ("placement.bind", ("placement",)),
    ("crm.automation.trigger.add", ("crm",)), ("something.new", ()),
    # api-reference/scopes/permissions.md lists both infocall methods under `call`.
    ("voximplant.infocall.startwithtext", ("call",)),
    ("voximplant.infocall.startWithSound", ("call",)),
    ("voximplant.line.get", ("telephony",)), ("call.followup.list", ("call",)),
    ("calendar.event.get", ("calendar",)),
])
def test_the_table_of_scopes(method: str, scopes: tuple[str, ...]) -> None:
    assert scopes_for(method) == scopes


def test_a_webhook_without_the_scope_is_told_where_to_add_it(
        mocked: responses.RequestsMock, webhook: Callable[..., BitrixClient]) -> None:
    """Before: `crm.category.add: insufficient_scope: The request requires ... (HTTP 401)`."""
    mocked.post(url("crm.category.add"), status=401, json=SCOPE)
    with pytest.raises(InsufficientScope) as info:
        webhook().call("crm.category.add", {"entityTypeId": 2})
    text = str(info.value)
    assert text == (
        "crm.category.add: insufficient_scope: The request requires higher privileges than "
        'provided by the webhook token (HTTP 401); the webhook lacks the scope "crm" that '
        "crm.category.add needs: " + WEBHOOK_WHERE.format(ticks='"crm"'))
    assert "\n" not in text and TOKEN not in text


def test_an_application_without_the_scope_is_told_to_add_it_and_reinstall(
        mocked: responses.RequestsMock) -> None:
    mocked.post(f"{OAUTH_ENDPOINT}batch.json", json=ok({
        "result": [], "result_error": {"f": {"error": "insufficient_scope",
                                             "error_description": ""}},
        "result_total": [], "result_next": [], "result_time": []}))
    client = BitrixClient.from_oauth(OAUTH_ENDPOINT, "acc3ssT0ken", "refr3shT0ken", "app.1",
                                     "s3cret")
    out = client.batch({"f": ("userfieldconfig.add", {"moduleId": "crm"})})
    assert str(out.errors["f"]) == (
        "batch command 'f' (userfieldconfig.add): insufficient_scope; the application lacks "
        'the scope "userfieldconfig" and "crm" that userfieldconfig.add needs: add '
        '"userfieldconfig" and "crm" to the application\'s scopes in its settings (Developer resources → your '
        "local application → edit), save, then reinstall it so that its tokens carry the new "
        "scope, then run the command again")
    assert "acc3ssT0ken" not in str(out.errors["f"])


def test_an_unknown_method_points_at_its_page(mocked: responses.RequestsMock,
                                              webhook: Callable[..., BitrixClient]) -> None:
    mocked.post(url("vendor.thing.add"), status=401, json=SCOPE)
    with pytest.raises(InsufficientScope, match="the webhook lacks the scope that "
                                                r"vendor\.thing\.add needs \(see the method's "
                                                r"page in the REST documentation\): in Bitrix24"):
        webhook().call("vendor.thing.add")
