"""The custom-field kinds: one per classic entity (`Fields("deal")` at `[deal.fields.<NAME>]`).

- `kind.py`: the kind (reads, pairing, apply, export) and `add_fields`, which the smart-process
  kind shares for the fields of its types;
- `model.py`: fields and enumeration items, their TOML shape, parsing, live rows, export;
- `types.py`: the field types (USER_TYPE_ID) and their settings;
- `apply.py`: the writes, in the legacy and the `userfieldconfig` dialects;
- `manual.py`: `required_from`, resolved against the pipelines (the automation kind plans it
  as a manual change, `kinds/automation/required.py`).
"""
