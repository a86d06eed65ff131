"""The published JSON Schemas of obs and operate documents match their models, and accept real documents."""

from __future__ import annotations

import json

import jsonschema

from fraud_platform.obs import contracts as obs_contracts
from fraud_platform.obs.facts import build_fact, fact_file_bytes, run_pins
from fraud_platform.operate import contracts as operate_contracts


def test_schema_files_are_generated_from_the_models() -> None:
    for module in (obs_contracts, operate_contracts):
        stale = obs_contracts.stale_schemas(module.SCHEMA_DIR, module.SCHEMAS)
        assert stale == [], f"run: python -m {module.__name__}"


def test_a_stored_fact_validates_against_its_published_schema() -> None:
    schema = json.loads((obs_contracts.SCHEMA_DIR / "governance_fact.v1.schema.json").read_text())
    fact = build_fact(
        "COMPONENT_STARTED",
        run_pins("platform_20250102T030405Z", "dev_min", True, x=1),
        {"component": "ig"},
        "ig",
    )
    jsonschema.validate(json.loads(fact_file_bytes(fact)), schema)
