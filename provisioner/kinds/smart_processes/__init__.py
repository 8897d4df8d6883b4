"""The smart-process kind: types (crm.type), their pipelines, stages and fields.

`kind.py` is the kind; `model.py` its model classes, TOML shape and parsing; `live.py` what it
reads and how the answers become model objects; `match.py` how live types and pipelines are
matched to the desired ones; `apply.py` its writes.
"""
