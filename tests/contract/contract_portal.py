"""Sandbox portals of the contract suite, and what a portal holds by natural keys.

`view(client)` reads the portal over REST, on its own (no kind, no engine): deal and
smart-process pipelines, stages, lead statuses, reference lists, custom fields with their labels
in every language the portal returns and their enumeration items, smart processes with their
relations. Objects are keyed by natural keys only (a pipeline by its stamp, else as the default,
else by name; a stage by its code without the portal's prefix; a field by its name without
`UF_CRM_[<id>_]`; an item by its XML_ID); portal ids are kept apart, per namespace, for the id
map check.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from provisioner.client import BitrixClient
from provisioner.sandbox import Sandbox
from provisioner.workspace import Connection, PortalIdentity

BUILT_IN = {1: "lead", 2: "deal", 3: "contact", 4: "company", 7: "quote", 31: "smart_invoice"}
CLASSIC = {"CRM_LEAD": "lead", "CRM_DEAL": "deal", "CRM_CONTACT": "contact",
           "CRM_COMPANY": "company", "CRM_QUOTE": "quote"}
ID_FIELDS = ("id", "status_id", "entity_type_id")  # the portal ids the view keeps
LABELS = ("editFormLabel", "listColumnLabel", "listFilterLabel", "errorMessage", "helpMessage")
FIELD_FLAGS = ("multiple", "mandatory", "showFilter", "showInList", "editInList", "isSearchable")
SPA_FLAGS = ("isCategoriesEnabled", "isStagesEnabled", "isBeginCloseDatesEnabled",
             "isClientEnabled", "isUseInUserfieldEnabled", "isLinkWithProductsEnabled",
             "isMycompanyEnabled", "isDocumentsEnabled", "isSourceEnabled", "isObserversEnabled",
             "isRecyclebinEnabled", "isAutomationEnabled", "isBizProcEnabled")


@dataclass
class Portal:
    """A sandbox in memory and a connection to it under an identity of its own."""

    sandbox: Sandbox
    connection: Connection

    @property
    def client(self) -> BitrixClient:
        client: BitrixClient = self.connection.client
        return client


def new_portal(name: str | None = None, app_token: bool = False) -> Portal:
    """A new sandbox, reached with its admin webhook or (`app_token`) its application's OAuth
    token, which the app-only methods (the companion's placement and event bindings, app
    robot and trigger types) answer."""
    sb = Sandbox.in_memory()
    clock = sb.clock  # the client paces on the portal's virtual time: no real sleep
    if app_token:
        creds = sb.oauth()
        client = BitrixClient.from_oauth(creds.client_endpoint, creds.access_token,
                                         creds.refresh_token, creds.client_id,
                                         creds.client_secret, session=sb.session(),
                                         clock=clock.time, sleep=clock.sleep, now=clock.time)
    else:
        client = BitrixClient.from_webhook(sb.webhook_url, session=sb.session(),
                                           clock=clock.time, sleep=clock.sleep, now=clock.time)
    return Portal(sb, Connection(client, PortalIdentity.sandbox(name)))


HISTORY = "smart_process[history]"  # what offset_ids leaves on the portal (its view keys)


def offset_ids(portal: Portal) -> str:
    """Make the portal's ids differ from a new portal's, as a portal with a history has them:
    pipelines, crm.status rows, custom fields and enumeration items are made and deleted; a
    smart process is kept (the portal gives a deleted one's entityTypeId to the next), and the
    prefix of its view keys returned, to leave it out of comparisons."""
    c = portal.client
    for n in range(2):
        cat = c.call("crm.category.add", {"entityTypeId": 2, "fields": {"name": f"Old {n}"}})
        c.call("crm.category.delete", {"entityTypeId": 2, "id": cat.result["category"]["id"]})
    c.call("crm.type.add", {"fields": {"title": "История", "code": "history",
                                       "isCategoriesEnabled": "Y", "isStagesEnabled": "Y"}})
    for n in range(3):
        row = c.call("crm.status.add", {"fields": {"ENTITY_ID": "SOURCE", "STATUS_ID": f"OLD{n}",
                                                   "NAME": "Old"}}).result
        c.call("crm.status.delete", {"id": row})
    uf = c.call("crm.deal.userfield.add", {"fields": {
        "FIELD_NAME": "OLD", "USER_TYPE_ID": "enumeration", "LABEL": "Old",
        "LIST": [{"VALUE": "a"}, {"VALUE": "b"}, {"VALUE": "c"}]}}).result
    c.call("crm.deal.userfield.delete", {"id": uf})
    return HISTORY


# ---- the view ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Obj:
    """One object: its namespace (the address's types, e.g. `deal.pipeline.stage`), what it
    holds (compared between portals) and its portal ids (never compared)."""

    ns: str
    attrs: dict[str, Any]
    ids: dict[str, Any] = field(default_factory=dict)


View = dict[str, Obj]


def view(client: BitrixClient) -> View:
    out: View = {}
    statuses = client.call("crm.status.list", {}).result
    by_list: dict[str, list[dict[str, Any]]] = {}
    for row in statuses:
        by_list.setdefault(str(row["ENTITY_ID"]), []).append(row)
    types = client.list_all("crm.type.list", {}, key="types")
    names = {**BUILT_IN, **{int(t["entityTypeId"]): f"smart_process[{t['code'] or t['title']}]"
                            for t in types}}
    _deal_pipelines(client, by_list, out)
    _stages(by_list.get("STATUS", []), "lead.status", "", out)
    for entity in client.call("crm.status.entity.types", {}).result:
        if "SEMANTIC_INFO" not in entity:  # a reference list, not a stage list
            _items(by_list.get(entity["ID"], []), f"list[{entity['ID']}]", out)
    for t in types:
        _smart_process(client, t, names, by_list, out)
    _fields(client, {f"CRM_{t['id']}": (names[int(t["entityTypeId"])], f"UF_CRM_{t['id']}_")
                     for t in types}, out)
    return out


def _pipeline_key(cat: dict[str, Any], stamp: str) -> str:
    if cat.get("isDefault") == "Y":
        return "(default)"
    return str(cat.get(stamp) or "") or f"(named {cat['name']})"


def _deal_pipelines(client: BitrixClient, by_list: dict[str, Any], out: View) -> None:
    cats = client.call("crm.category.list", {"entityTypeId": 2}).result["categories"]
    for order, cat in enumerate(sorted(cats, key=lambda c: (int(c["sort"]), int(c["id"])))):
        key = f"deal.pipeline[{_pipeline_key(cat, 'originId')}]"
        out[key] = Obj("deal.pipeline", {"name": cat["name"], "order": order},
                       {"id": int(cat["id"])})
        entity = "DEAL_STAGE" if int(cat["id"]) == 0 else f"DEAL_STAGE_{cat['id']}"
        _stages(by_list.get(entity, []), f"{key}.stage", "deal.pipeline.", out)


def _stages(rows: list[dict[str, Any]], prefix: str, ns: str, out: View) -> None:
    for order, row in enumerate(sorted(rows, key=lambda r: (int(r["SORT"]), int(r["ID"])))):
        code = str(row["STATUS_ID"]).split(":", 1)[-1]
        out[f"{prefix}[{code}]"] = Obj(
            f"{ns}{prefix.rsplit('.', 1)[-1]}" if ns else prefix,
            {"name": row["NAME"], "color": str(row.get("COLOR") or "").upper(),
             "semantics": str(row.get("SEMANTICS") or ""), "order": order},
            {"id": int(row["ID"]), "status_id": str(row["STATUS_ID"])})


def _items(rows: list[dict[str, Any]], prefix: str, out: View) -> None:
    for order, row in enumerate(sorted(rows, key=lambda r: (int(r["SORT"]), int(r["ID"])))):
        out[f"{prefix}.item[{row['STATUS_ID']}]"] = Obj(
            "list.item", {"name": row["NAME"], "order": order}, {"id": int(row["ID"])})


def _smart_process(client: BitrixClient, t: dict[str, Any], names: dict[int, str],
                   by_list: dict[str, Any], out: View) -> None:
    etid = int(t["entityTypeId"])
    key = names[etid]
    full = client.call("crm.type.get", {"id": t["id"]}).result["type"]
    relations = {side: sorted((names.get(int(r["entityTypeId"]), str(r["entityTypeId"])),
                               r.get("isPredefined") == "Y")
                              for r in full["relations"].get(side) or [])
                 for side in ("parent", "child")}
    out[key] = Obj("smart_process", {"title": t["title"], **{f: t[f] for f in SPA_FLAGS},
                                     "relations": relations},
                   {"id": int(t["id"]), "entity_type_id": etid})
    cats = client.call("crm.category.list", {"entityTypeId": etid}).result["categories"]
    for order, cat in enumerate(sorted(cats, key=lambda c: (int(c["sort"]), int(c["id"])))):
        pkey = f"{key}.pipeline[{_pipeline_key(cat, 'code')}]"
        out[pkey] = Obj("smart_process.pipeline", {"name": cat["name"], "order": order},
                        {"id": int(cat["id"])})
        _stages(by_list.get(f"DYNAMIC_{etid}_STAGE_{cat['id']}", []), f"{pkey}.stage",
                "smart_process.pipeline.", out)


def _fields(client: BitrixClient, spas: dict[str, tuple[str, str]], out: View) -> None:
    rows = client.list_all("userfieldconfig.list", {"moduleId": "crm"}, key="fields")
    for row in rows:
        entity = str(row["entityId"])
        if entity in CLASSIC:
            owner, prefix = CLASSIC[entity], "UF_CRM_"
        elif entity in spas:
            owner, prefix = spas[entity]
        else:
            continue
        full = client.call("userfieldconfig.get", {"moduleId": "crm", "id": row["id"]}).result
        _field(full["field"], owner, prefix, out)


def _field(f: dict[str, Any], owner: str, prefix: str, out: View) -> None:
    ns = "smart_process.field" if owner.startswith("smart_process[") else f"{owner}.field"
    key = f"{owner}.field[{str(f['fieldName']).removeprefix(prefix)}]"
    attrs: dict[str, Any] = {"type": f["userTypeId"], "sort": int(f["sort"]),
                             **{k: f[k] for k in FIELD_FLAGS},
                             "settings": _plain(f.get("settings") or {})}
    for label in LABELS:
        attrs[label] = {lang: text or "" for lang, text in (f.get(label) or {}).items()}
    out[key] = Obj(ns, attrs, {"id": int(f["id"])})
    items = sorted(f.get("enum") or [], key=lambda i: (int(i["sort"]), int(i["id"])))
    for order, item in enumerate(items):
        out[f"{key}.item[{item['xmlId']}]"] = Obj(
            f"{ns}.item", {"value": item["value"], "default": item["def"], "order": order},
            {"id": int(item["id"])})


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in sorted(value.items())}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return "" if value is None else str(value)


# ---- comparisons ---------------------------------------------------------------------------

def without(v: View, prefix: str) -> View:
    return {k: o for k, o in v.items() if not k.startswith(prefix)}


def differences(old: View, new: View) -> list[str]:
    """What differs between two portals by natural key (ids left out), one line each; a map
    (labels by language) value by value."""
    lines = [f"only on the first portal: {k}" for k in sorted(set(old) - set(new))]
    lines += [f"only on the second portal: {k}" for k in sorted(set(new) - set(old))]
    for key in sorted(set(old) & set(new)):
        lines += _differ(key, old[key].attrs, new[key].attrs)
    return lines


def _differ(path: str, a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    lines = []
    for name in sorted(set(a) | set(b)):
        x, y = a.get(name), b.get(name)
        if isinstance(x, dict) and isinstance(y, dict):
            lines += _differ(f"{path}.{name}", x, y)
        elif x != y:
            lines.append(f"{path}.{name}: {x!r} -> {y!r}")
    return lines


def id_map_problems(id_map: dict[str, Any], old: View, new: View) -> list[str]:
    """Every old id of `old` must map, in the table of its namespace, to the id of the object
    with the same natural key in `new`; no table may send an id anywhere else."""
    problems = []
    by_type: dict[str, dict[str, Any]] = id_map.get("by_type", {})
    for key, obj in sorted(old.items()):
        twin = new.get(key)
        for name, value in obj.ids.items():
            table = by_type.get(f"{obj.ns}.{name}", {})
            want = twin.ids.get(name) if twin else None
            got = table.get(str(value))
            if got is None or str(got) != str(want):
                problems.append(f"{key}: {obj.ns}.{name} {value!r} -> {got!r}, "
                                f"expected {want!r}")
    owners_old = _owners(old)
    owners_new = _owners(new)
    for table_name, table in sorted(by_type.items()):
        if table_name.rsplit(".", 1)[-1] not in ID_FIELDS or table_name == "user.id":
            continue  # not a portal id (a pipeline's stamp is a natural key), or a user's
        for old_id, new_id in table.items():
            a = owners_old.get((table_name, str(old_id)))
            b = owners_new.get((table_name, str(new_id)))
            if a is None or a != b:
                problems.append(f"{table_name}: {old_id} ({a}) -> {new_id} ({b})")
    return problems


def _owners(v: View) -> dict[tuple[str, str], str]:
    return {(f"{obj.ns}.{name}", str(value)): key for key, obj in v.items()
            for name, value in obj.ids.items()}


