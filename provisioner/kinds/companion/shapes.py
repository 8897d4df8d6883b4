"""TOML shapes of `[call_card]` and `[tasks]` (`[tasks.deadline_guard]`): the shapes of the
`call_card` and `tasks` kinds, which the loader checks and the JSON Schema is generated from."""

from __future__ import annotations

from provisioner.kinds.companion.model import COLORS, HEAD, OWNERS, RESPONSIBLE, TASK_SETS
from provisioner.model.shape import ArrayOf, Prop, Scalar, Table

EMAIL = r"[^@\s]+@[^@\s]+\.[^@\s]+"
FIELD_NAME = r"[A-Z0-9_]{1,36}"
XML_ID = r"[^\s].{0,99}"
URL = r"https?://\S+"
PUBLIC_URL = Prop(Scalar(
    "string", "Where the portal reaches the companion app (`provision app serve`), e.g. "
    "https://app.example.com: the call-card tab is bound at <public_url>/call-card, the "
    "deadline guard at <public_url>/event. https (http only to 127.0.0.1); written in "
    "[call_card] or [tasks.deadline_guard], once is enough.", pattern=URL,
    max_length=1000, fix="write the app's https:// address, e.g. https://app.example.com"))

RULE = Table({
    "owner": Prop(Scalar("string", "Who holds the number: a company, a contact linked to a "
                         "company (judged by that company), a contact without a company, a lead.",
                         enum=OWNERS), required=True),
    "responsible": Prop(Scalar("string", "The owner's responsible person compared with the "
                               "caller: other (not the caller), caller, any (default).",
                               enum=RESPONSIBLE, default="any")),
    "status": Prop(ArrayOf(Scalar("string", "xml_id of an item of the status field.",
                                  pattern=XML_ID), "The company's status is one of these items "
                                  "(xml_id of `status_field`'s items); absent: any status.")),
    "color": Prop(Scalar("string", "The tab's colour; \"none\": no warning (the rule still wins "
                         "and stops the search).", enum=COLORS), required=True),
    "message": Prop(Scalar("string", "What the tab says, e.g. \"Клиент в работе у другого "
                           "менеджера\".", non_blank=True, max_length=500), required=True),
}, "One rule; the first that matches wins.")

CALL_CARD = Table({
    "public_url": PUBLIC_URL,
    "status_field": Prop(Scalar("string", "The company enumeration field that holds the status "
                                "(FIELD_NAME without UF_CRM_, declared under company.fields).",
                                pattern=FIELD_NAME, fix="write the field's name without UF_CRM_, "
                                "e.g. COMPANY_STATUS")),
    "title": Prop(Scalar("string", "The tab's name in the call card.", non_blank=True,
                         max_length=255, default="Чей клиент")),
    "rules": Prop(ArrayOf(RULE, "Rules in priority order; the first match decides."),
                  required=True),
}, "The call card's warning tab (companion app, CALL_CARD placement).")

DEADLINE_GUARD = Table({
    "public_url": PUBLIC_URL,
    "enabled": Prop(Scalar("boolean", "Switch the guard off without deleting it (the app's "
                           "ONTASKUPDATE handler is then unbound).", default=True)),
    "reason_required": Prop(Scalar("boolean", "true: a move with a reason (a comment) stays; "
                                   "false: every move by a non-exempt person is put back.",
                                   default=True)),
    "reason_window_minutes": Prop(Scalar("integer", "A comment by the same person this many "
                                         "minutes before the move is its reason.", default=15)),
    "notify": Prop(ArrayOf(Scalar("string", "\"head\" (the head of the mover's department) or "
                                  "an e-mail.", pattern=f"{HEAD}|{EMAIL}",
                                  fix='write "head" or an e-mail address'),
                           "Who is told when a move is put back.")),
    "exempt": Prop(ArrayOf(Scalar("string", "E-mail of a person whose moves always stay.",
                                  pattern=EMAIL, fix="write an e-mail address"),
                           "People whose moves always stay.")),
    "tasks": Prop(Scalar("string", "Which tasks: all, or robots (tasks a robot made: bound to "
                         "a CRM item, made by someone other than their responsible).",
                         enum=TASK_SETS, default="robots")),
}, "Put back task deadlines moved without a reason (companion app, ONTASKUPDATE).")

TASKS = Table({"deadline_guard": Prop(DEADLINE_GUARD)}, "Task settings of the companion app.")

