"""Default rows of a new portal's reference lists and the default stage sets of new pipelines.

Sources: docs/portal-rules.md#default-stages and #reference-lists (CCrmStatus::GetDefault*, docs examples; English names as a
portal with language `en` shows them). Lists the notes mark as portal-specific (INDUSTRY,
DEAL_TYPE, HONORIFIC) carry plausible defaults: they are sandbox data, not the real installer's.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DefaultRow:
    """One row of a default list: code without prefix, name, sort, flags."""

    code: str
    name: str
    sort: int
    system: bool = False
    color: str | None = None
    semantics: str | None = None  # None = in progress, "S" success, "F" failure


def _rows(*spec: tuple[str, str, int, bool]) -> tuple[DefaultRow, ...]:
    return tuple(DefaultRow(code, name, sort, system) for code, name, sort, system in spec)


# Lead stages: docs/portal-rules.md#reference-lists (STATUS).
LEAD_STAGES = (
    DefaultRow("NEW", "Unassigned", 10, True, "#39A8EF"),
    DefaultRow("IN_PROCESS", "In progress", 20, False, "#2FC6F6"),
    DefaultRow("PROCESSED", "Processed", 30, False, "#55D0E0"),
    DefaultRow("CONVERTED", "Good lead", 40, True, "#7BD500", "S"),
    DefaultRow("JUNK", "Junk lead", 50, True, "#FF5752", "F"),
)

# Quote stages: docs/portal-rules.md#reference-lists (QUOTE_STATUS).
QUOTE_STAGES = (
    DefaultRow("DRAFT", "New", 10, True, "#39A8EF"),
    DefaultRow("SENT", "Sent to client", 20, False, "#2FC6F6"),
    DefaultRow("APPROVED", "Approved", 30, True, "#7BD500", "S"),
    DefaultRow("DECLAINED", "Declined", 40, True, "#FF5752", "F"),
    DefaultRow("APOLOGY", "Failure reason analysis", 50, False, "#FF5752", "F"),
)

# Deal pipeline stages: docs/portal-rules.md#default-stages (CCrmStatus::GetDefaultDealStages, docs' English names).
DEAL_STAGES = (
    DefaultRow("NEW", "New", 10, True, "#39A8EF"),
    DefaultRow("PREPARATION", "Document preparation", 20, False, "#2FC6F6"),
    DefaultRow("PREPAYMENT_INVOICE", "Prepayment invoice", 30, False, "#55D0E0"),
    DefaultRow("EXECUTING", "In progress", 40, False, "#47E4C2"),
    DefaultRow("FINAL_INVOICE", "Final invoice", 50, False, "#FFA900"),
    DefaultRow("WON", "Deal successful", 60, True, "#7BD500", "S"),
    DefaultRow("LOSE", "Deal failed", 70, True, "#FF5752", "F"),
    DefaultRow("APOLOGY", "Failure reason analysis", 80, False, "#FF5752", "F"),
)

# Smart-process pipeline stages: docs/portal-rules.md#default-stages (docs tutorial tutorials/crm/how-to-add-crm-objects/how-to-add-category-to-spa.md).
SPA_STAGES = (
    DefaultRow("NEW", "Start", 10, True, "#22B9FF"),
    DefaultRow("PREPARATION", "Preparation", 20, False, "#88B9FF"),
    DefaultRow("CLIENT", "Approval", 30, False, "#10e5fc"),
    DefaultRow("SUCCESS", "Success", 40, True, "#00ff00", "S"),
    DefaultRow("FAIL", "Failure", 50, True, "#ff0000", "F"),
)

# Final failure stage of each kind of stage list (SEMANTIC_INFO.FINAL_UNSUCCESS_FIELD, docs/portal-rules.md#semantics).
FINAL_FAILURE = {"STATUS": "JUNK", "QUOTE_STATUS": "DECLAINED", "DEAL": "LOSE", "SPA": "FAIL"}
FINAL_SUCCESS = {"STATUS": "CONVERTED", "QUOTE_STATUS": "APPROVED", "DEAL": "WON", "SPA": "SUCCESS"}
START_STAGE = {"STATUS": "NEW", "QUOTE_STATUS": "DRAFT", "DEAL": "NEW", "SPA": "NEW"}

# Reference lists in the order crm.status.entity.types shows them (docs example), with names.
REFERENCE_LISTS: dict[str, tuple[str, tuple[DefaultRow, ...]]] = {
    "SOURCE": ("Sources", _rows(
        ("CALL", "Call", 10, True), ("EMAIL", "E-mail", 20, False),
        ("WEB", "Website", 30, False), ("ADVERTISING", "Advertising", 40, False),
        ("PARTNER", "Existing client", 50, False),
        ("RECOMMENDATION", "By recommendation", 60, False),
        ("TRADE_SHOW", "Show/Exhibition", 70, False), ("WEBFORM", "CRM form", 75, True),
        ("CALLBACK", "Callback", 77, True), ("RC_GENERATOR", "Sales boost", 78, True),
        ("STORE", "Online store", 79, True), ("OTHER", "Other", 80, False))),
    "CONTACT_TYPE": ("Contact type", _rows(
        ("CLIENT", "Clients", 10, False), ("SUPPLIER", "Suppliers", 20, False),
        ("PARTNER", "Partners", 30, False), ("OTHER", "Other", 40, False))),
    "COMPANY_TYPE": ("Company type", _rows(
        ("CUSTOMER", "Client", 10, False), ("SUPPLIER", "Supplier", 20, False),
        ("COMPETITOR", "Competitor", 30, False), ("PARTNER", "Partner", 40, False),
        ("OTHER", "Other", 50, False))),
    "EMPLOYEES": ("Number of employees", _rows(
        ("EMPLOYEES_1", "less than 50", 10, True), ("EMPLOYEES_2", "50-250", 20, False),
        ("EMPLOYEES_3", "250-500", 30, False), ("EMPLOYEES_4", "over 500", 40, False))),
    # Sandbox data (docs/portal-rules.md#open-questions item 14): installer defaults not read.
    "INDUSTRY": ("Industry", _rows(
        ("IT", "Information Technology", 10, False), ("TELECOM", "Telecommunications", 20, False),
        ("MANUFACTURING", "Manufacturing", 30, False), ("BANKING", "Banking Services", 40, False),
        ("CONSULTING", "Consulting", 50, False), ("FINANCE", "Finance", 60, False),
        ("GOVERNMENT", "Government", 70, False), ("DELIVERY", "Delivery", 80, False),
        ("ENTERTAINMENT", "Entertainment", 90, False), ("NOTPROFIT", "Non-profit", 100, False),
        ("OTHER", "Other", 110, False))),
    "DEAL_TYPE": ("Deal type", _rows(
        ("SALE", "Sales", 10, True), ("COMPLEX", "Integrated sale", 20, False),
        ("GOODS", "Merchandise sales", 30, False), ("SERVICES", "Service sales", 40, False),
        ("SERVICE", "After-sales service", 50, False))),
}

# Listed after DEAL_STAGE / QUOTE_STATUS in crm.status.entity.types.
TRAILING_LISTS: dict[str, tuple[str, tuple[DefaultRow, ...]]] = {
    "HONORIFIC": ("Inquiries", _rows(  # sandbox data (docs/portal-rules.md#open-questions item 14)
        ("HNR_EN_1", "Mr.", 10, False), ("HNR_EN_2", "Mrs.", 20, False),
        ("HNR_EN_3", "Ms.", 30, False), ("HNR_EN_4", "Dr.", 40, False))),
    "CALL_LIST": ("Call statuses", _rows(
        ("IN_WORK", "In progress", 10, True), ("SUCCESS", "Successful", 20, True),
        ("WRONG_NUMBER", "Wrong number", 30, True), ("STOP_CALLING", "Stop calling", 40, True))),
}

DEFAULT_DEAL_PIPELINE_NAME = "General"  # crm.category.list docs example
DEFAULT_DEAL_PIPELINE_SORT = 300
