"""JSON Schemas of the obs evidence documents, generated from their pydantic models, kept beside them.

Every document another process reads is a contract (CONTRACTS.md); its schema file under
`obs/schemas/` is the published form, and a unit test fails when a model and its file drift apart.
Regenerate after a deliberate (versioned) change with `python -m fraud_platform.obs.contracts`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel

from fraud_platform.obs.facts import Fact
from fraud_platform.obs.telemetry import TelemetryPart, TelemetryRollup

__all__ = ["SCHEMAS", "SCHEMA_DIR", "render_schema", "stale_schemas", "write_schemas"]

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
SCHEMAS: Mapping[str, type[BaseModel]] = {
    "governance_fact.v1.schema.json": Fact,
    "telemetry_part.v1.schema.json": TelemetryPart,
    "telemetry.v1.schema.json": TelemetryRollup,
}


def render_schema(model: type[BaseModel]) -> str:
    """The schema file text of `model`: its JSON Schema, keys sorted, two-space indent, one newline."""
    return json.dumps(model.model_json_schema(), indent=2, sort_keys=True) + "\n"


def stale_schemas(directory: Path, schemas: Mapping[str, type[BaseModel]]) -> list[str]:
    """Names of the schema files that are missing or differ from their model."""
    stale = []
    for name, model in schemas.items():
        path = directory / name
        if not path.is_file() or path.read_text(encoding="utf-8") != render_schema(model):
            stale.append(name)
    return stale


def write_schemas(directory: Path, schemas: Mapping[str, type[BaseModel]]) -> list[Path]:
    """(Re)write every schema file; returns the paths written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, model in schemas.items():
        path = directory / name
        path.write_text(render_schema(model), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for written_path in write_schemas(SCHEMA_DIR, SCHEMAS):
        print(written_path)
