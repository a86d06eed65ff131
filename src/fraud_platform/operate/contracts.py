"""JSON Schemas of the operate evidence documents (run.json, preflight), kept in `operate/schemas/`.

Regenerate after a deliberate (versioned) change with `python -m fraud_platform.operate.contracts`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel

from fraud_platform.obs.contracts import write_schemas
from fraud_platform.operate.manifest import RunManifest
from fraud_platform.operate.preflight import PreflightDocument

__all__ = ["SCHEMAS", "SCHEMA_DIR"]

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
SCHEMAS: Mapping[str, type[BaseModel]] = {
    "run_manifest.v1.schema.json": RunManifest,
    "preflight.v1.schema.json": PreflightDocument,
}


if __name__ == "__main__":
    for written_path in write_schemas(SCHEMA_DIR, SCHEMAS):
        print(written_path)
