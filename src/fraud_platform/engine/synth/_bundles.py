"""The ten validation bundles of a synthetic world, in the shapes the real engine writes them.

The digests here are computed independently of `engine.gates` (plain hashlib over the bytes just
written), so a bug in the verifier cannot hide behind the same bug in the generator. The shapes are
the engine's own (upstream writers, checked at HEAD), one per law:

    1A, 1B  bundle digest; an `index.json` (a bare list of artifacts) that lists itself
    2A      index `{"files": [...]}` whose members sit under `evidence/…`, plus a top-level checks file
    2B      index paths relative to the run root, pointing at data files outside the bundle
    3A      index-only bundle (`index.json` + flag); members are run-root datasets (a JSON document
            hashed re-serialised, a Parquet folder, a JSONL glob), sorted by logical_id
    3B, 5A, 5B  index under `members` / `entries`
    6A      `validation_bundle_index_6A.json`, hashed in index order (unsorted on purpose)
    6B      `{"items": [...]}` sorted by path, never listing `index.json` itself
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa

from fraud_platform.core.canonical import canonical_file_bytes
from fraud_platform.engine.catalogue import FLAG_NAME, EngineCatalogue, GateSpec
from fraud_platform.engine.synth._parquet import part_name, write_parquet

__all__ = ["write_bundles"]

_INDEX_SHAPE = {
    "2A": "files",
    "3B": "members",
    "5A": "entries",
    "5B": "entries",
    "6A": "items",
    "6B": "items",
}


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _json_law(value: Any) -> str:
    """3A S7's digest of a JSON member: the document re-serialised, not the file's bytes."""
    return _sha(json.dumps(value, ensure_ascii=True, sort_keys=True, separators=(",", ":")).encode("utf-8"))


class _BundleWriter:
    def __init__(self, root: Path, gate: GateSpec, mf: str) -> None:
        self.root = root
        self.gate = gate
        self.bundle_root = gate.bundle_root(mf)
        self.members: dict[str, bytes] = {}  # bundle-relative path -> bytes

    def put(self, relative: str, data: bytes) -> None:
        self.members[relative] = data
        target = self.root / self.bundle_root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)

    def put_json(self, relative: str, value: Any) -> None:
        self.put(relative, canonical_file_bytes(value))

    def flag(self, digest: str, mf: str) -> str:
        if self.gate.flag_format == "json":
            flag = canonical_file_bytes({"manifest_fingerprint": mf, "bundle_digest_sha256": digest})
        else:
            flag = f"sha256_hex = {digest}\n".encode("ascii")
        (self.root / self.bundle_root / FLAG_NAME).write_bytes(flag)
        return _sha(flag)


def _member_files(
    writer: _BundleWriter,
    pins: Mapping[str, Any],
    upstream_flags: Mapping[str, str],
    counts: Mapping[str, Any],
    prefix: str = "",
) -> None:
    seg = writer.gate.segment
    writer.put_json(
        f"{prefix}validation_report_{seg}.json",
        {
            "gate_id": writer.gate.gate_id,
            "segment": seg,
            "status": "PASS",
            "checks": [{"check_id": f"{seg}_V{k:02d}", "result": "PASS"} for k in range(1, 6)],
            "counts": dict(counts),
            **pins,
        },
    )
    writer.put_json(
        f"{prefix}sealed_inputs_{seg}.json",
        {
            "sealed_upstream_flags": [
                {"gate_id": g, "sha256_hex": upstream_flags[g]} for g in writer.gate.upstream
            ]
        },
    )
    issues = b"".join(
        canonical_file_bytes(
            {"segment": seg, "issue_seq": k, "severity": "INFO", "message": "synthetic check note"}
        )
        for k in range(3)
    )
    writer.put(f"{prefix}checks/issues_{seg}.jsonl", issues)


def _write_file(root: Path, relative: str, data: bytes) -> bytes:
    (root / relative).parent.mkdir(parents=True, exist_ok=True)
    (root / relative).write_bytes(data)
    return data


def _write_2b_data(root: Path, pins: Mapping[str, Any]) -> list[str]:
    """Run-root-relative files the 2B index points at (one Parquet data file, one JSON receipt)."""
    mf = pins["manifest_fingerprint"]
    data_path = (
        f"data/layer1/2B/s1_site_weights_2B/seed={pins['seed']}/manifest_fingerprint={mf}/part-00000.parquet"
    )
    table = pa.table({"site_id": pa.array(range(1, 9), type=pa.int64()), "weight": pa.array([0.125] * 8)})
    write_parquet(table, root / data_path)
    receipt_path = f"data/layer1/2B/s0_gate_receipt_2B/manifest_fingerprint={mf}/s0_gate_receipt_2B.json"
    _write_file(root, receipt_path, canonical_file_bytes({"segment": "2B", "status": "PASS", **pins}))
    return [data_path, receipt_path]


def _seal_bundle_digest(writer: _BundleWriter, pins: Mapping[str, Any]) -> str:
    seg = writer.gate.segment
    writer.put_json("MANIFEST.json", {"segment": seg, "files": sorted(writer.members), **pins})
    names = [*sorted(writer.members), "index.json"]
    artifacts = [
        {"artifact_id": name.rsplit(".", 1)[0], "kind": "table", "path": name, "mime": "application/json"}
        for name in names
    ]
    writer.put_json("index.json", artifacts)  # the 1A/1B index lists itself; the law hashes it too
    return _sha(b"".join(writer.members[name] for name in sorted(writer.members)))


def _seal_2b(root: Path, writer: _BundleWriter, pins: Mapping[str, Any]) -> str:
    run_root_paths = [f"{writer.bundle_root}/{n}" for n in sorted(writer.members)] + _write_2b_data(
        root, pins
    )
    listed = list(reversed(run_root_paths))  # the index is unsorted; the law sorts
    writer.put_json("index.json", [{"path": p, "sha256_hex": _sha((root / p).read_bytes())} for p in listed])
    return _sha(b"".join((root / p).read_bytes() for p in sorted(run_root_paths)))


def _seal_3a(root: Path, writer: _BundleWriter, pins: Mapping[str, Any]) -> str:
    """An index-only bundle whose members are datasets elsewhere in the run root."""
    mf, seed, ph, run_id = pins["manifest_fingerprint"], pins["seed"], pins["parameter_hash"], pins["run_id"]
    members: list[dict[str, Any]] = []
    receipt = {"segment": "3A", "status": "PASS", "manifest_fingerprint": mf, "parameter_hash": ph}
    receipt_path = f"data/layer1/3A/s0_gate_receipt/manifest_fingerprint={mf}/s0_gate_receipt_3A.json"
    # Written indented: the member digest is of the re-serialised document, not of these bytes.
    _write_file(root, receipt_path, json.dumps(receipt, indent=2).encode("utf-8"))
    members.append(
        {"logical_id": "s0_gate_receipt_3A", "path": receipt_path, "sha256_hex": _json_law(receipt)}
    )
    queue = f"data/layer1/3A/s1_escalation_queue/seed={seed}/manifest_fingerprint={mf}/"
    parquet = b""
    for index in range(2):
        table = pa.table({"merchant_id": pa.array([index * 4 + k for k in range(4)], type=pa.uint64())})
        write_parquet(table, root / queue / part_name(index))
        parquet += (root / queue / part_name(index)).read_bytes()
    members.append({"logical_id": "s1_escalation_queue", "path": queue, "sha256_hex": _sha(parquet)})
    logs = f"logs/layer1/3A/rng/events/zone_dirichlet/seed={seed}/parameter_hash={ph}/run_id={run_id}"
    lines = b""
    for index in range(2):
        line = canonical_file_bytes({"event": "zone_dirichlet", "draw": index})
        lines += _write_file(root, f"{logs}/part-{index:05d}.jsonl", line)
    members.append(
        {"logical_id": "rng_event_zone_dirichlet", "path": f"{logs}/part-*.jsonl", "sha256_hex": _sha(lines)}
    )
    members.sort(key=lambda member: str(member["logical_id"]))
    writer.put_json("index.json", {"manifest_fingerprint": mf, "parameter_hash": ph, "members": members})
    return _sha("".join(member["sha256_hex"] for member in members).encode("ascii"))


def _seal_index(writer: _BundleWriter, pins: Mapping[str, Any]) -> str:
    gate = writer.gate
    members = sorted(writer.members)
    in_index_order = gate.index_order == "index"
    listed = list(reversed(members)) if in_index_order else members
    entries = [{"path": n, "sha256_hex": _sha(writer.members[n])} for n in listed]
    document: dict[str, Any] = {_INDEX_SHAPE[gate.segment]: entries}
    if gate.segment == "6B":  # the 6B index carries the world key and never lists itself
        document = {
            "manifest_fingerprint": pins["manifest_fingerprint"],
            "parameter_hash": pins["parameter_hash"],
            **document,
        }
    writer.put_json(gate.index_file or "index.json", document)
    ordered = listed if in_index_order else sorted(listed)
    return _sha(b"".join(writer.members[n] for n in ordered))


def write_bundles(
    root: Path, catalogue: EngineCatalogue, pins: Mapping[str, Any], counts: Mapping[str, Mapping[str, Any]]
) -> int:
    """Write every gate's bundle and flag in gate-map order; returns the number of files written."""
    upstream_flags: dict[str, str] = {}
    before = sum(1 for path in root.rglob("*") if path.is_file())
    mf = pins["manifest_fingerprint"]
    for gate in catalogue.gates:
        writer = _BundleWriter(root, gate, mf)
        seg_counts = counts.get(gate.segment, {})
        if gate.method == "member_digest_concat":
            digest = _seal_3a(root, writer, pins)
        else:
            prefix = "evidence/" if gate.segment == "2A" else ""
            _member_files(writer, pins, upstream_flags, seg_counts, prefix)
            if gate.segment == "2A":
                writer.put_json("s5_validation_checks_2A.json", {"segment": "2A", "status": "PASS"})
            if gate.method == "bundle_digest":
                digest = _seal_bundle_digest(writer, pins)
            elif gate.path_base == "run_root":
                digest = _seal_2b(root, writer, pins)
            else:
                digest = _seal_index(writer, pins)
        upstream_flags[gate.gate_id] = writer.flag(digest, mf)
    return sum(1 for path in root.rglob("*") if path.is_file()) - before
