"""What an apply did, rendered: the JSON document of its report and the summary line.

Counts say what they count: a *call* is one REST method call; a *request* is one HTTP request,
and a `batch` of up to 50 calls is one request. The plan's cost line ("apply needs ~N
requests") and the apply's summary ("26 calls in 2 requests") count requests alike.
"""

from __future__ import annotations

from typing import Any

from provisioner.engine.applier import ApplyReport
from provisioner.engine.render_style import PLAIN, Style


def report_document(report: ApplyReport, requests: int) -> dict[str, Any]:
    """The report as JSON-ready data (`apply --json`'s `result.applied`)."""
    return {"counts": dict(report.counts), "calls": len(report.done), "requests": requests,
            "done": list(report.done), "manual": list(report.manual),
            "failed": report.failed, "error": report.error,
            "uncertain": list(report.uncertain), "not_done": list(report.not_done)}


def summary_lines(doc: dict[str, Any], style: Style = PLAIN) -> list[str]:
    """`Apply complete: 19 added, 9 changed, 0 destroyed (26 calls in 2 requests).` and the
    manual changes left."""
    calls, requests = doc["calls"], doc["requests"]
    counted = (f"{calls} call{'s' if calls != 1 else ''} in {requests} "
               f"request{'s' if requests != 1 else ''}")
    counts = doc["counts"]
    text = (f"Apply complete: {counts['add']} added, {counts['change']} changed, "
            f"{counts['destroy']} destroyed ({counted})." if counts else
            f"Apply complete: {counted}.")
    manual = doc["manual"]
    if manual:
        text += (f" {len(manual)} manual change(s) left for an administrator, not applied: run "
                 "`provision runbook` for the steps, then `provision attest`.")
    return [style.paint("summary", text),
            *(style.paint("manual", f"  ! {address}: manual, not applied") for address in manual)]
