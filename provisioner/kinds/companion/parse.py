"""Parse `[call_card]` and `[tasks.deadline_guard]`: pure functions, subtree in, model and
located issues out (what the kinds' `parse` calls), the app's URL checked, and the link to the
company status field the config declares (`status_items`, `check_status_items`)."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from provisioner.kinds.companion.model import HEAD, CallCardConfig, CallCardRule, DeadlineGuard
from provisioner.kinds.companion.shapes import CALL_CARD, DEADLINE_GUARD, URL
from provisioner.kinds.fields.model import FieldSpec
from provisioner.model.shape import Issue, Path, check, closest

STATUS_OWNERS = ("company", "company_contact")
MAX_WINDOW = 24 * 60
PREFIX = "UF_CRM_"


def parse_call_card(tree: Any, path: Path = ("call_card",), shape: bool = True
                    ) -> tuple[CallCardConfig | None, list[Issue]]:
    """The call-card config and every problem in it; None when the shape itself is wrong.
    `shape=False`: the shape's problems are left out (the loader reports them); the rules are
    checked only when the shape holds."""
    found = check(CALL_CARD, tree, path)
    issues = list(found) if shape else []
    if any(i.path in (path, (*path, "rules")) for i in found):
        return None, issues
    rules = [_rule(row) for row in tree.get("rules", []) if isinstance(row, dict)]
    card = CallCardConfig(tuple(rules), tree.get("status_field"),
                          str(tree.get("title", "Чей клиент")))
    if not found:
        issues.extend(_rule_issues(card, path))
    return card, issues


def public_url(tree: Any, path: Path) -> tuple[str | None, list[Issue]]:
    """`public_url` of a shape-checked table, without its trailing `/`, and its problems: the
    portal calls it from the internet over https; plain http only to this machine (the
    sandbox). The portal refuses a handler whose host has no dot (ERROR_WRONG_HANDLER_URL,
    docs/portal-rules.md#eventbind)."""
    raw = tree.get("public_url") if isinstance(tree, dict) else None
    if not isinstance(raw, str) or not re.fullmatch(URL, raw):  # else the shape says so
        return None, []
    here = (*path, "public_url")
    problem = _url_problem(raw)
    if problem:
        return None, [Issue(here, problem[0], problem[1])]
    return raw.rstrip("/"), []


def _url_problem(raw: str) -> tuple[str, str] | None:
    try:
        parts = urlsplit(raw)
        host = parts.hostname or ""
        _ = parts.port  # a port that is not a number raises here
    except ValueError:
        return "is not a URL", "write the app's address, e.g. https://app.example.com"
    if parts.username is not None or parts.password is not None:
        return "holds a user or password", "write the address without `user:password@`"
    if parts.query or parts.fragment or raw.endswith(("?", "#")):
        return "has a query or fragment", "write the address without `?...` and `#...`"
    if "." not in host or host.endswith("."):
        return (f'the portal refuses a handler on the host "{host}" (no dot in it)',
                "write the app's public host name (127.0.0.1 for a sandbox)")
    if parts.scheme == "http" and not _loopback(host):
        return ("is plain http: the portal sends the app's tokens to it",
                "use https (plain http only to 127.0.0.1, for a sandbox)")
    return None


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _rule(row: Mapping[str, Any]) -> CallCardRule:
    return CallCardRule(owner=str(row.get("owner", "")), color=str(row.get("color", "")),
                        message=str(row.get("message", "")).strip(),
                        responsible=str(row.get("responsible", "any")),
                        statuses=tuple(str(s) for s in row.get("status", ())))


def _rule_issues(card: CallCardConfig, path: Path) -> list[Issue]:
    issues: list[Issue] = []
    if not card.rules:
        issues.append(Issue((*path, "rules"), "there are no rules",
                            "add [[call_card.rules]] tables, the first match wins"))
    for index, rule in enumerate(card.rules):
        here = (*path, "rules", index)
        if rule.statuses and rule.owner not in STATUS_OWNERS:
            issues.append(Issue((*here, "status"), f"a {rule.owner} has no company status",
                                "remove `status`, or use owner = \"company\" or "
                                "\"company_contact\""))
        elif rule.statuses and card.status_field is None:
            issues.append(Issue((*here, "status"), "no status field is named",
                                'add status_field = "COMPANY_STATUS" (the company enumeration '
                                "field) to [call_card]"))
        if len(set(rule.statuses)) != len(rule.statuses):
            issues.append(Issue((*here, "status"), "an item is listed twice",
                                "list each xml_id once"))
        issues.extend(_shadowed(card.rules, index, here))
    return issues


def _shadowed(rules: Sequence[CallCardRule], index: int, here: Path) -> list[Issue]:
    """A rule that an earlier rule always beats can never decide anything: a mistake."""
    rule = rules[index]
    for earlier, other in enumerate(rules[:index]):
        if covers(other, rule):
            return [Issue(here, f"can never match: rule {earlier} matches every call it matches "
                          "and comes first", "move this rule above that one, or narrow that "
                          "rule (responsible, status)")]
    return []


def covers(first: CallCardRule, second: CallCardRule) -> bool:
    """Every candidate `second` matches is matched by `first` too."""
    if first.owner != second.owner:
        return False
    if first.responsible not in ("any", second.responsible):
        return False
    if not first.statuses:
        return True
    return bool(second.statuses) and set(second.statuses) <= set(first.statuses)


def check_status_items(card: CallCardConfig, items: Mapping[str, str] | None,
                       path: Path = ("call_card",)) -> list[Issue]:
    """Statuses must be xml_ids of the status field's items; `items` (xml_id -> value) is None
    when the config does not declare `company.fields.<status_field>` as an enumeration."""
    if card.status_field is None:
        return []
    if items is None:
        return [Issue((*path, "status_field"), f"company.fields.{card.status_field} is not "
                      "declared as an enumeration field", f"declare [company.fields."
                      f"{card.status_field}] with type = \"enumeration\" and its items")]
    issues = []
    for index, rule in enumerate(card.rules):
        for n, xml_id in enumerate(rule.statuses):
            if xml_id not in items:
                near = closest(xml_id, list(items))
                known = ", ".join(items) or "none"
                issues.append(Issue((*path, "rules", index, "status", n),
                                    f'"{xml_id}" is not an item of {card.status_field}',
                                    f'did you mean "{near}"?' if near else
                                    f"write one of its xml_ids: {known}"))
    return issues


def status_items(fields: Sequence[FieldSpec], name: str
                 ) -> tuple[dict[str, str], str | None] | None:
    """xml_id -> value of the items of the company field `name` as the field kind parsed it
    (ids it generated for items written without one included) and the default item's xml_id;
    None when the config does not declare it as an enumeration."""
    wanted = name.removeprefix(PREFIX)
    spec = next((s for s in fields if s.field.name.removeprefix(PREFIX) == wanted), None)
    if spec is None or spec.field.type != "enumeration":
        return None
    items = {item.xml_id: item.value for item in spec.items}
    default = next((item.xml_id for item in spec.items if item.default), None)
    return items, default


def parse_deadline_guard(tree: Any, path: Path = ("tasks", "deadline_guard"),
                         shape: bool = True) -> tuple[DeadlineGuard | None, list[Issue]]:
    """The guard and its problems (`shape` as for `parse_call_card`)."""
    found = check(DEADLINE_GUARD, tree, path)
    issues = list(found) if shape else []
    if any(i.path == path for i in found):
        return None, issues
    guard = DeadlineGuard(reason_required=tree.get("reason_required", True) is True,
                          reason_window_minutes=_int(tree.get("reason_window_minutes"), 15),
                          notify=tuple(str(x).lower() for x in tree.get("notify", [HEAD])),
                          exempt=tuple(str(x).lower() for x in tree.get("exempt", [])),
                          tasks=str(tree.get("tasks", "robots")),
                          enabled=tree.get("enabled", True) is True)
    if not found:
        issues.extend(_guard_issues(guard, path))
    return guard, issues


def _int(value: Any, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _guard_issues(guard: DeadlineGuard, path: Path) -> list[Issue]:
    issues = []
    if not 0 < guard.reason_window_minutes <= MAX_WINDOW:
        issues.append(Issue((*path, "reason_window_minutes"), f"must be 1 to {MAX_WINDOW} "
                            f"minutes, not {guard.reason_window_minutes}",
                            "write a number of minutes, e.g. 15"))
    if not guard.notify:
        issues.append(Issue((*path, "notify"), "nobody would be told",
                            'write notify = ["head"] or e-mails of the people to tell'))
    for key, values in (("notify", guard.notify), ("exempt", guard.exempt)):
        seen: set[str] = set()
        for n, value in enumerate(values):
            if value in seen:
                issues.append(Issue((*path, key, n), f'"{value}" is listed twice',
                                    "list each person once"))
            seen.add(value)
    return issues
