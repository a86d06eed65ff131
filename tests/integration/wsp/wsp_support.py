"""Helpers of the WSP integration tests shared by `conftest.py` and the test modules.

A WSP test site is the shipped local_parity profile pointed at its own state store and pack root
(`profile_document`), over a small synthetic world landed, sealed and sorted on the substrates at
hand (`build_pack`), so a test on a dedicated substrate instance builds the same site as the shared one.
"""

from __future__ import annotations

from typing import Any

from fraud_platform.config.shipped import raw_profile
from fraud_platform.engine.synth import WorldInfo
from fraud_platform.oracle import LocalFolderSource, PackRoot, land_world, seal_pack
from fraud_platform.oracle.parquet import ArrowS3TailReader
from fraud_platform.oracle.sort import sort_stream_views
from fraud_platform.substrate.local import LocalSubstrates
from fraud_platform.substrate.objectstore.port import ObjectStore

SCENARIO = "baseline_v1"
OUTPUTS = ["s2_event_stream_baseline_6B", "s3_event_stream_with_fraud_6B"]


def profile_document(site_bits: dict[str, str]) -> dict[str, Any]:
    """The local_parity profile document on the WSP buckets and state store."""
    document = raw_profile("local_parity")
    document["object_store"] = {
        **document["object_store"],
        "object_store_bucket": site_bits["os"],
        "evidence_bucket": site_bits["ev"],
    }
    document["oracle"] = {
        **document["oracle"],
        "engine_run_root": site_bits.get("root"),
        "scenario_id": SCENARIO,
    }
    document["state"] = {"dsn": site_bits["dsn"]}
    document["ig"] = {"url": "http://127.0.0.1:9"}
    document["budgets"] = {**document["budgets"], "sr_evidence_deadline_s": 60}
    return document


def build_pack(
    substrates: LocalSubstrates, store: ObjectStore, world: WorldInfo, bucket: str, namespace: str
) -> PackRoot:
    """Land, seal and sort (OUTPUTS only) the world under `s3://{bucket}/oracle-store/{namespace}/`."""
    root = PackRoot.parse(f"s3://{bucket}/oracle-store/{namespace}/{world.engine_run_id}/")
    land_world(LocalFolderSource(world.root), store, root)
    report = seal_pack(store, root, SCENARIO, ArrowS3TailReader(substrates.operator))
    assert report.ok, report.to_json()
    sort_stream_views(store, substrates.operator, root, SCENARIO, outputs=OUTPUTS)
    return root
