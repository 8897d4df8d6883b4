"""Response bodies of the sandbox: the success envelope with `time`, errors, JSON and XML.

docs: api-reference/data-types.md#time (docs/portal-rules.md#success-envelope); error bodies per
api-reference/error-codes.md (docs/portal-rules.md#errors). Serialisation follows PHP's json_encode (phpform.to_php).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from xml.sax.saxutils import escape

from provisioner.sandbox import phpform
from provisioner.sandbox.core import Result

OPERATING_WINDOW = 600  # docs: settings/performance/limits.md — 10 one-minute buckets
JSON_TYPE = "application/json; charset=utf-8"
XML_TYPE = "text/xml; charset=utf-8"
_XML_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds")


def time_info(start: float, finish: float, processing: float, *,
              operating: bool = True) -> dict[str, Any]:
    """The `time` object; `operating*` keys appear on the outer envelope only (cloud portals)."""
    info: dict[str, Any] = {"start": start, "finish": finish, "duration": finish - start,
                            "processing": processing, "date_start": iso(start),
                            "date_finish": iso(finish)}
    if operating:
        # Operating time is not simulated: always 0, window reset 10 minutes after start.
        info["operating_reset_at"] = int(start) + OPERATING_WINDOW
        info["operating"] = 0
    return info


def success(result: Result, time: dict[str, Any]) -> dict[str, Any]:
    """`result`, then `total` / `next` when the handler set them, then `time`."""
    body: dict[str, Any] = {"result": result.value}
    if result.total is not None:
        body["total"] = result.total
    if result.next is not None:
        body["next"] = result.next
    body["time"] = time
    return body


def render(body: dict[str, Any], fmt: str) -> tuple[str, bytes]:
    """Content type and bytes for the `.json` (default) or `.xml` transport."""
    if fmt == "xml":
        xml = f'<?xml version="1.0" encoding="utf-8"?><response>{_xml(phpform.to_php(body))}' \
              "</response>"
        return XML_TYPE, xml.encode("utf-8")
    return JSON_TYPE, phpform.dumps(body)


def _xml(value: Any) -> str:
    """Minimal XML: objects as elements named by key (`item` when not a name), lists as items."""
    if isinstance(value, dict):
        return "".join(_element(str(k), v) for k, v in value.items())
    if isinstance(value, list):
        return "".join(_element("item", v) for v in value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return escape(str(value))


def _element(name: str, value: Any) -> str:
    tag = name if _XML_NAME.match(name) and not name.lower().startswith("xml") else "item"
    return f"<{tag}>{_xml(value)}</{tag}>"
