"""The companion app's desired configuration: call-card rules and the deadline guard (frozen),
and the parts the `call_card` and `tasks` kinds make of them."""

from __future__ import annotations

from dataclasses import dataclass

# Who holds the number, in the seed's priority order (seed 001: company, contact in a company,
# contact, lead). For `company_contact` the company's responsible and status are the facts.
OWNERS = ("company", "company_contact", "contact", "lead")
RESPONSIBLE = ("any", "other", "caller")  # the entity's responsible vs the calling user
# `none` means "no warning": a rule with it still wins and stops the search (seed 001 step 1:
# "Дальнейшие проверки уже не проводим").
COLORS = ("red", "yellow", "blue", "green", "grey", "none")
TASK_SETS = ("all", "robots")
HEAD = "head"  # in `notify`: the head of the department of whoever moved the deadline


@dataclass(frozen=True)
class CallCardRule:
    """One rule: first match wins, in the order written."""

    owner: str
    color: str
    message: str
    responsible: str = "any"
    statuses: tuple[str, ...] = ()  # xml_ids of the status field's items; empty: any status


@dataclass(frozen=True)
class CallCardConfig:
    """`[call_card]`: the status field (a company enumeration field) and the rules."""

    rules: tuple[CallCardRule, ...]
    status_field: str | None = None  # FIELD_NAME without UF_CRM_, e.g. COMPANY_STATUS
    title: str = "Чей клиент"  # the tab's name in the call card (placement.bind TITLE)

    @property
    def uf_name(self) -> str | None:
        return f"UF_CRM_{self.status_field}" if self.status_field else None


@dataclass(frozen=True)
class DeadlineGuard:
    """`[tasks.deadline_guard]`: a moved deadline needs a reason, else it is put back."""

    reason_required: bool = True  # False: every move by a non-exempt person is put back
    reason_window_minutes: int = 15  # a comment this long before the move counts as its reason
    notify: tuple[str, ...] = (HEAD,)  # "head" and/or e-mails
    exempt: tuple[str, ...] = ()  # e-mails of people whose moves always stay
    tasks: str = "robots"  # "all", or only tasks made by robots (see docs/companion.md)
    enabled: bool = True


@dataclass(frozen=True)
class CallCardPart:
    """The `call_card` kind's desired part: the rules, the app's URL and (from `link`) the items
    of the status field the config declares (xml_id -> value) and its default item."""

    card: CallCardConfig
    public_url: str | None = None  # where the portal reaches the app; `link` settles it
    status_items: tuple[tuple[str, str], ...] = ()
    default_status: str | None = None
    sound: bool = True  # no problem in the table: `link` checks the statuses against the field


@dataclass(frozen=True)
class TasksPart:
    """The `tasks` kind's desired part: the deadline guard and the app's URL."""

    guard: DeadlineGuard | None = None
    public_url: str | None = None
