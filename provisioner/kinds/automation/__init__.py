"""The automation kind: robots and triggers of stages (manual changes) and the app's own robot
and trigger types.

`kind.py` is the kind; `stages.py` checks the stages' robots and triggers against the portal and
plans them as manual changes; `app.py` reconciles the app's robot and trigger types; `book.py`
builds the runbook and the sign-off (`provision runbook`, `provision attest`). The robots and
triggers themselves are parsed with their stages (`kinds/stage_automation.py`).
"""
