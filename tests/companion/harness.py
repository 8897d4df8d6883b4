"""A sandbox portal on loopback, the companion app under waitress, and the seed's CRM data."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from waitress import create_server, wasyncore

from provisioner.client import BitrixClient, RateLimit
from provisioner.companion.config import load_config
from provisioner.companion.config import CompanionConfig
from provisioner.companion.portal import AppSettings, Portals
from provisioner.companion.storage import MemoryStorage
from provisioner.companion.web import CompanionApp
from provisioner.sandbox import Sandbox, events, server

FIXTURE = Path(__file__).parent / "fixtures" / "companion.toml"
SCOPES = ["crm", "task", "placement", "telephony", "user", "department", "im"]
ADMIN, IRINA, IVAN = 1, 2, 3
PHONES = {"red": "+7 916 000-00-01", "processing_contact": "+7 916 000-00-02",
          "lone_contact": "+7 916 000-00-03", "lead": "+7 916 000-00-04",
          "own": "+7 916 000-00-05"}


@dataclass
class World:
    sandbox: Sandbox
    portal_url: str
    client_id: str
    companion_url: str
    storage: MemoryStorage
    admin: Any
    ids: dict[str, int] = field(default_factory=dict)

    def as_user(self, user_id: int) -> Any:
        url = self.sandbox.add_webhook(SCOPES, user_id=user_id)
        return BitrixClient.from_webhook(url, session=self.sandbox.session(),
                                         rate=RateLimit.unlimited())

    def open_card(self, user_id: int, options: dict[str, Any] | str,
                  **override: str) -> requests.Response:
        """The portal opens the call card's tab for `user_id` (a browser POST to the app)."""
        store = self.sandbox.store
        with store.lock:
            url, form = events.placement_form(store, self.client_id, "CALL_CARD", user_id,
                                              options)
        form.update(override)
        return requests.post(url, data=form, timeout=10)

    def call_options(self, phone: str) -> dict[str, Any]:
        return {"CALL_ID": "externalCall.1", "PHONE_NUMBER": phone, "CALL_DIRECTION": "outgoing",
                "CALL_STATE": "connecting", "CRM_ENTITY_TYPE": "", "CRM_ENTITY_ID": "0",
                "CRM_ACTIVITY_ID": "undefined", "CALL_LIST_MODE": "false"}


def _status_field(admin: Any) -> dict[str, int]:
    admin.call("crm.company.userfield.add", {"fields": {
        "FIELD_NAME": "COMPANY_STATUS", "USER_TYPE_ID": "enumeration", "LIST": [
            {"VALUE": "В ожидании", "XML_ID": "waiting", "DEF": "Y"},
            {"VALUE": "В обработке", "XML_ID": "processing"},
            {"VALUE": "В работе", "XML_ID": "in_work"}]}})
    rows = admin.call("crm.company.userfield.list",
                      {"filter": {"FIELD_NAME": "UF_CRM_COMPANY_STATUS"}}).result
    return {i["XML_ID"]: int(i["ID"]) for i in rows[0]["LIST"]}


def seed_crm(admin: Any) -> dict[str, int]:
    """The four steps of seed 001 and the caller's own company."""
    status = _status_field(admin)

    def company(title: str, owner: int, state: str, phone: str | None) -> int:
        fields: dict[str, Any] = {"TITLE": title, "ASSIGNED_BY_ID": owner,
                                  "UF_CRM_COMPANY_STATUS": status[state]}
        if phone:
            fields["PHONE"] = [{"VALUE": phone, "VALUE_TYPE": "WORK"}]
        return int(admin.call("crm.company.add", {"fields": fields}).result)

    ids = {"red": company("Ромашка", IRINA, "in_work", PHONES["red"]),
           "processing": company("Лютик", IRINA, "processing", None),
           "own": company("Своя компания", IVAN, "in_work", PHONES["own"])}
    ids["contact"] = int(admin.call("crm.contact.add", {"fields": {
        "NAME": "Пётр", "LAST_NAME": "Лютиков", "ASSIGNED_BY_ID": IVAN,
        "COMPANY_IDS": [ids["processing"]],
        "PHONE": [{"VALUE": PHONES["processing_contact"]}]}}).result)
    ids["lone"] = int(admin.call("crm.contact.add", {"fields": {
        "NAME": "Анна", "ASSIGNED_BY_ID": IRINA,
        "PHONE": [{"VALUE": PHONES["lone_contact"]}]}}).result)
    ids["lead"] = int(admin.call("crm.lead.add", {"fields": {
        "TITLE": "Заявка с сайта", "ASSIGNED_BY_ID": IRINA,
        "PHONE": [{"VALUE": PHONES["lead"]}]}}).result)
    return ids


def _run(wsgi: Any) -> None:
    # close() from the test thread interrupts the select: the server is done
    with contextlib.suppress(OSError):
        wsgi.run()


@contextmanager
def world(config: CompanionConfig | None = None, install: bool = True,
          bind_at_install: bool = True, scopes: tuple[str, ...] = ()) -> Iterator[World]:
    """`bind_at_install=False`: the app is started without a public URL, so its installer binds
    nothing (plan and apply do it); `scopes`: the local app's, besides the app's own."""
    sandbox = Sandbox.in_memory()
    running = server.start(sandbox)
    admin = BitrixClient.from_webhook(sandbox.webhook_url, session=sandbox.session(),
                                      rate=RateLimit.unlimited())
    ids = seed_crm(admin)
    store = sandbox.store
    with store.lock:
        app = events.create_local_app(store, running.url, [*SCOPES, *scopes])
    holder: dict[str, Any] = {}
    wsgi = create_server(lambda env, start: holder["app"](env, start), host="127.0.0.1",
                         port=0, threads=4)
    url = f"http://127.0.0.1:{wsgi.effective_port}"  # type: ignore[union-attr]
    storage = MemoryStorage()
    settings = AppSettings((running.url,), app.client_id, app.client_secret,
                           public_url=url if bind_at_install else "")
    holder["app"] = CompanionApp(config or load_config(FIXTURE),
                                 Portals(settings, storage, session=sandbox.session))
    thread = threading.Thread(target=_run, args=(wsgi,), daemon=True)
    thread.start()
    w = World(sandbox, running.url, app.client_id, url, storage, admin, ids)
    try:
        if install:
            with store.lock:
                events.install_app(store, app.client_id, f"{url}/install")
            events.drain()
        yield w
    finally:
        events.drain()
        wsgi.close()
        # A client's keep-alive connection would keep waitress's loop polling until it times
        # out: close the open channels too, so the loop ends at once.
        wasyncore.close_all(wsgi._map)  # type: ignore[union-attr]
        thread.join(5)
        running.stop()
