"""Which scope a REST method needs, and where a person grants it, for `insufficient_scope`.

Scope codes: b24restdocs `api-reference/scopes/permissions.md` ("Available Scopes in
Bitrix24"); `userfieldconfig.*` needs its own scope plus the scope of the module it is called
for (crm here; docs/portal-rules.md#dialects); `batch`, `scope`, `methods`, `event.*` are basic
(docs/portal-rules.md#scopes).
"""

from __future__ import annotations

# Longest prefix first: `user.userfield.` before `user.`, `voximplant.infocall.` before
# `voximplant.`.
_BY_PREFIX: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("crm.documentgenerator.", ("crm.documentgenerator",)),
    ("crm.", ("crm",)),
    ("userfieldconfig.", ("userfieldconfig", "crm")),
    ("user.userfield.", ("user.userfield",)),
    ("user.", ("user",)),
    ("department.", ("department",)),
    ("bizproc.", ("bizproc",)),
    ("placement.", ("placement",)),
    ("lists.", ("lists",)),
    ("tasks.", ("task",)),
    ("task.", ("task",)),
    ("entity.", ("entity",)),
    ("disk.", ("disk",)),
    ("calendar.", ("calendar",)),
    ("catalog.", ("catalog",)),
    ("sale.", ("sale",)),
    ("im.", ("im",)),
    ("imbot.", ("imbot",)),
    ("imopenlines.", ("imopenlines",)),
    ("telephony.", ("telephony",)),
    # `call`, not `telephony`: the scope table names the two infocall methods under `call`
    # (api-reference/scopes/permissions.md); their pages list both scopes
    # (api-reference/telephony/voximplant/voximplant-infocall-start-with-text.md).
    ("voximplant.infocall.", ("call",)),
    ("voximplant.", ("telephony",)),
    # REST 3.0 call follow-ups (api-reference/telephony/follow-up/call-followup-list.md).
    ("call.", ("call",)),
    ("timeman.", ("timeman",)),
    ("landing.", ("landing",)),
    ("log.", ("log",)),
    ("sonet_group.", ("sonet_group",)),
    ("documentgenerator.", ("documentgenerator",)),
    ("messageservice.", ("messageservice",)),
    ("biconnector.", ("biconnector",)),
    ("booking.", ("booking",)),
    ("userconsent.", ("userconsent",)),
)

WEBHOOK_WHERE = ("in Bitrix24 open Developer resources → Other → Incoming webhook, edit this "
                 "webhook, tick {ticks} under scopes (permissions) and save")
APP_WHERE = ("add {ticks} to the application's scopes in its settings (Developer resources → "
             "your local application → edit), save, then reinstall it so that its tokens carry "
             "the new scope")


def scopes_for(method: str) -> tuple[str, ...]:
    """The scopes `method` needs; () when the table does not know it."""
    name = method.lower()
    for prefix, scopes in _BY_PREFIX:
        if name.startswith(prefix):
            return scopes
    return ()


def scope_hint(method: str, credential: str) -> str:
    """One line: the scope the method needs and where to add it (`credential`: webhook or app).

    Never names a token: only the method, the scope codes and places in the portal's UI.
    """
    scopes = scopes_for(method)
    holder = "the webhook" if credential == "webhook" else "the application"
    if scopes:
        need = " and ".join(f'"{s}"' for s in scopes)
        what = f"{holder} lacks the scope {need} that {method} needs"
        ticks = need
    else:
        what = f"{holder} lacks the scope that {method} needs (see the method's page in the " \
               "REST documentation)"
        ticks = "that scope"
    where = (WEBHOOK_WHERE if credential == "webhook" else APP_WHERE).format(ticks=ticks)
    return f"{what}: {where}, then run the command again"
