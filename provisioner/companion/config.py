"""Parse `[call_card]` and `[tasks.deadline_guard]`: pure functions, subtree in, model and
located issues out (the contract a kind's `parse` needs), plus `status_items` for the link to
the company field the config declares."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from provisioner.companion.model import (
    HEAD,
    CallCardConfig,
    CallCardRule,
    DeadlineGuard,
)
from provisioner.companion.shapes import CALL_CARD, DEADLINE_GUARD
from provisioner.model.shape import Issue, Path, check, closest

STATUS_OWNERS = ("company", "company_contact")
MAX_WINDOW = 24 * 60


def parse_call_card(tree: Any, path: Path = ("call_card",)
                    ) -> tuple[CallCardConfig | None, list[Issue]]:
    """The call-card config and every problem in it; None when the shape itself is wrong."""
    issues = check(CALL_CARD, tree, path)
    if any(i.path in (path, (*path, "rules")) for i in issues):
        return None, issues
    rules = [_rule(row) for row in tree.get("rules", []) if isinstance(row, dict)]
    card = CallCardConfig(tuple(rules), tree.get("status_field"),
                          str(tree.get("title", "Чей клиент")))
    if not issues:
        issues.extend(_rule_issues(card, path))
    return card, issues


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


def status_items(fields_tree: Any, name: str) -> tuple[dict[str, str], str | None] | None:
    """xml_id -> value of `company.fields.<name>` items (ids generated as the field kind
    generates them) and the default item's xml_id; None if it is not an enumeration."""
    from provisioner.kinds.fields.model import xml_id_for  # the field kind's own ids

    table = fields_tree.get(name) if isinstance(fields_tree, dict) else None
    if not isinstance(table, dict) or table.get("type") != "enumeration":
        return None
    rows = [r if isinstance(r, dict) else {"value": r} for r in table.get("items", [])
            if isinstance(r, (dict, str))]
    explicit = {str(r["xml_id"]) for r in rows if "xml_id" in r}
    out: dict[str, str] = {}
    default = None
    for row in rows:
        value = str(row.get("value", "")).strip()
        xml_id = str(row["xml_id"]) if "xml_id" in row else xml_id_for(value, explicit | set(out))
        out.setdefault(xml_id, value)
        if row.get("default") is True and default is None:
            default = xml_id
    return out, default


def parse_deadline_guard(tree: Any, path: Path = ("tasks", "deadline_guard")
                         ) -> tuple[DeadlineGuard | None, list[Issue]]:
    issues = check(DEADLINE_GUARD, tree, path)
    if any(i.path == path for i in issues):
        return None, issues
    guard = DeadlineGuard(reason_required=tree.get("reason_required", True) is True,
                          reason_window_minutes=_int(tree.get("reason_window_minutes"), 15),
                          notify=tuple(str(x).lower() for x in tree.get("notify", [HEAD])),
                          exempt=tuple(str(x).lower() for x in tree.get("exempt", [])),
                          tasks=str(tree.get("tasks", "robots")),
                          enabled=tree.get("enabled", True) is True)
    if not issues:
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
