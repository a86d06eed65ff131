"""The ten validation bundles of a synthetic world, each sealed by its gate's law and flag format.

The digests here are computed independently of `engine.gates` (plain hashlib over the bytes just
written), so a bug in the verifier cannot hide behind the same bug in the generator. The bundles
exercise every variant the verifier must handle: text and JSON flags, index lists bare and under
`files`/`members`/`entries`/`items`, an unsorted 6A index hashed in index order, a 6B index listing
itself, and a 2B index whose paths are relative to the run root and point at a data file.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa

from fraud_platform.core.canonical import canonical_file_bytes
from fraud_platform.engine.catalogue import FLAG_NAME, EngineCatalogue, GateSpec
from fraud_platform.engine.synth._parquet import write_parquet

__all__ = ["write_bundles"]

_INDEX_SHAPE = {
    "2A": "files",
    "3A": "members",
    "3B": "members",
    "5A": "entries",
    "5B": "entries",
    "6A": "items",
    "6B": "items",
}


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


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


def _member_files(
    writer: _BundleWriter,
    pins: Mapping[str, Any],
    upstream_flags: Mapping[str, str],
    counts: Mapping[str, Any],
) -> None:
    seg = writer.gate.segment
    writer.put_json(
        f"validation_report_{seg}.json",
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
        f"sealed_inputs_{seg}.json",
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
    writer.put(f"checks/issues_{seg}.jsonl", issues)


def _write_2b_data(root: Path, pins: Mapping[str, Any]) -> list[str]:
    """Run-root-relative files the 2B index points at (one Parquet data file, one JSON receipt)."""
    mf = pins["manifest_fingerprint"]
    data_path = (
        f"data/layer1/2B/s1_site_weights_2B/seed={pins['seed']}/manifest_fingerprint={mf}/part-00000.parquet"
    )
    table = pa.table({"site_id": pa.array(range(1, 9), type=pa.int64()), "weight": pa.array([0.125] * 8)})
    write_parquet(table, root / data_path)
    receipt_path = f"data/layer1/2B/s0_gate_receipt_2B/manifest_fingerprint={mf}/s0_gate_receipt_2B.json"
    (root / receipt_path).parent.mkdir(parents=True, exist_ok=True)
    (root / receipt_path).write_bytes(canonical_file_bytes({"segment": "2B", "status": "PASS", **pins}))
    return [data_path, receipt_path]


def _seal(root: Path, writer: _BundleWriter, pins: Mapping[str, Any]) -> str:
    """Write the index (if any) and the flag by the gate's law; returns the flag's digest."""
    gate = writer.gate
    seg = gate.segment
    members = sorted(writer.members)
    if gate.method == "bundle_digest":
        writer.put_json("MANIFEST.json", {"segment": seg, "files": members, **pins})
        names = sorted(writer.members)
        digest = _sha(b"".join(writer.members[name] for name in names))
    elif gate.method == "member_digest_concat":
        listed = list(reversed(members))  # array order is the law, not path order
        members_index = [
            {"logical_id": f"{seg}.{n}", "path": n, "sha256_hex": _sha(writer.members[n])} for n in listed
        ]
        writer.put_json(gate.index_file or "index.json", {"members": members_index})
        digest = _sha("".join(entry["sha256_hex"] for entry in members_index).encode("utf-8"))
    elif gate.path_base == "run_root":
        run_root_paths = [f"{writer.bundle_root}/{n}" for n in members] + _write_2b_data(root, pins)
        listed = list(reversed(run_root_paths))  # the index is unsorted; the law sorts
        writer.put_json(
            "index.json", [{"path": p, "sha256_hex": _sha((root / p).read_bytes())} for p in listed]
        )
        digest = _sha(b"".join((root / p).read_bytes() for p in sorted(run_root_paths)))
    else:
        index_name = gate.index_file or "index.json"
        in_index_order = gate.index_order == "index"
        listed = list(reversed(members)) if in_index_order else members
        entries: list[dict[str, str]] = [{"path": n, "sha256_hex": _sha(writer.members[n])} for n in listed]
        if "index.json" in gate.exclusions and index_name == "index.json":
            entries.append({"path": "index.json"})  # 6B lists its own index; the law excludes it
        writer.put_json(index_name, {_INDEX_SHAPE[seg]: entries})
        ordered = listed if in_index_order else sorted(listed)
        digest = _sha(b"".join(writer.members[n] for n in ordered))
    if gate.flag_format == "json":
        flag = canonical_file_bytes(
            {"manifest_fingerprint": pins["manifest_fingerprint"], "bundle_digest_sha256": digest}
        )
    else:
        flag = f"sha256_hex = {digest}\n".encode("ascii")
    (root / writer.bundle_root / FLAG_NAME).write_bytes(flag)
    return _sha(flag)


def write_bundles(
    root: Path, catalogue: EngineCatalogue, pins: Mapping[str, Any], counts: Mapping[str, Mapping[str, Any]]
) -> int:
    """Write every gate's bundle and flag in gate-map order; returns the number of files written."""
    upstream_flags: dict[str, str] = {}
    before = sum(1 for path in root.rglob("*") if path.is_file())
    for gate in catalogue.gates:
        writer = _BundleWriter(root, gate, pins["manifest_fingerprint"])
        _member_files(writer, pins, upstream_flags, counts.get(gate.segment, {}))
        upstream_flags[gate.gate_id] = _seal(root, writer, pins)
    return sum(1 for path in root.rglob("*") if path.is_file()) - before
