"""The companion app: call-card warnings by phone owner and the deadline guard (issue 17).

A Bitrix24 local application that the portal calls: `config` takes `[call_card]` and
`[tasks.deadline_guard]` as the kinds in `provisioner.kinds.companion` made them of the desired
state, `rules` decides a call card's colour (pure), `reader` reads the facts it needs in
batches, `guard` decides whether a moved deadline stays, `web` serves both to the portal over
WSGI, `storage` keeps the installed portals' tokens.
"""
