"""The JSON Schema of the desired-state format, generated from the shapes the loader checks."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from provisioner.engine.loader import root_shape
from provisioner.kinds import KINDS
from provisioner.model import AnyKind
from provisioner.model.shape import to_json_schema

SCHEMA_FILE = "provision.schema.json"
SCHEMA_ID = "https://provision.invalid/provision.schema.json"


def json_schema(kinds: Sequence[AnyKind] = KINDS) -> dict[str, Any]:
    body = to_json_schema(root_shape(kinds))
    return {"$schema": "http://json-schema.org/draft-07/schema#", "$id": SCHEMA_ID,
            "title": "provision desired state", **body}


def schema_text(kinds: Sequence[AnyKind] = KINDS) -> str:
    return json.dumps(json_schema(kinds), ensure_ascii=False, indent=2) + "\n"
