"""Gate verification on a small synthetic world: every law, every refusal, never a PASS on a flag alone."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pytest

from fraud_platform.core.canonical import canonical_file_bytes, sha256_hex
from fraud_platform.core.errors import FailClosed, TransientError
from fraud_platform.engine import (
    GateReceipt,
    GateStatus,
    LocalWorldReader,
    load_catalogue,
    parse_catalogue,
    verify_gate,
    verify_gates_for_outputs,
)
from fraud_platform.engine.gates import packaged_gate_receipt_schema
from fraud_platform.engine.synth import WorldInfo, synthesize_world

ALL_GATES = load_catalogue().gate_ids


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> WorldInfo:
    return synthesize_world(
        tmp_path_factory.mktemp("gates_world"), 11, "gates_test", 200, files_per_output=2, days=1
    )


class World:
    """A private copy of the pristine world that a test may tamper with."""

    def __init__(self, root: Path, mf: str) -> None:
        self.root = root
        self.mf = mf
        self.reader = LocalWorldReader(root)

    def bundle(self, segment: str) -> Path:
        gate = load_catalogue().gate(_gate_id(segment))
        return self.root / gate.bundle_root(self.mf)

    def flag(self, segment: str) -> Path:
        return self.bundle(segment) / "_passed.flag"

    def verify(self, segment: str) -> GateStatus:
        return verify_gate(self.reader, _gate_id(segment), self.mf).status

    def index(self, segment: str) -> Path:
        gate = load_catalogue().gate(_gate_id(segment))
        assert gate.index_file is not None
        return self.bundle(segment) / gate.index_file


def _gate_id(segment: str) -> str:
    return next(g for g in ALL_GATES if f".{segment}." in g)


@pytest.fixture
def world(pristine: WorldInfo, tmp_path: Path) -> World:
    root = tmp_path / pristine.engine_run_id
    shutil.copytree(pristine.root, root)
    return World(root, pristine.manifest_fingerprint)


def test_a_synthetic_world_passes_every_gate(world: World) -> None:
    verdict = verify_gates_for_outputs(world.reader, world.mf, load_catalogue().output_ids)
    assert verdict.ok
    assert [r.gate_id for r in verdict.results] == list(ALL_GATES)  # each gate once, in gate-map order
    for result in verdict.results:
        flag = (world.root / result.receipt.flag_path).read_bytes()
        assert result.receipt.digest is not None
        assert result.receipt.digest.hex in flag.decode("ascii")  # PASS means recomputed == flag
    receipts = verdict.require_pass()
    assert [r.gate_id for r in receipts] == sorted(ALL_GATES)


def test_receipts_are_portable_and_match_their_schema(world: World) -> None:
    verdict = verify_gates_for_outputs(world.reader, world.mf, ["arrival_events_5B"])
    schema = packaged_gate_receipt_schema()
    assert schema == GateReceipt.model_json_schema()  # the shipped schema file is in sync with the model
    for receipt in verdict.receipts:
        document = receipt.to_json()
        jsonschema.validate(document, schema)
        assert set(document) == {"gate_id", "status", "digest", "flag_path", "bundle_root"}
        text = json.dumps(document)
        assert str(world.root) not in text and "://" not in text
        assert document["flag_path"].startswith("data/") and document["bundle_root"].startswith("data/")


@pytest.mark.parametrize("segment", ["1A", "1B", "2A", "2B", "3A", "3B", "5A", "5B", "6A", "6B"])
def test_a_flag_with_the_wrong_digest_is_never_a_pass(world: World, segment: str) -> None:
    wrong = sha256_hex(b"not the bundle")
    gate = load_catalogue().gate(_gate_id(segment))
    if gate.flag_format == "json":
        flag = canonical_file_bytes({"manifest_fingerprint": world.mf, "bundle_digest_sha256": wrong})
    else:
        flag = f"sha256_hex = {wrong}\n".encode()
    world.flag(segment).write_bytes(flag)
    result = verify_gate(world.reader, gate.gate_id, world.mf)
    assert result.status is GateStatus.CONFLICT
    assert result.receipt.digest is not None and result.receipt.digest.hex != wrong
    assert "differs" in result.detail


@pytest.mark.parametrize("segment", ["1A", "2A", "2B", "3A", "5A", "6A", "6B"])
def test_a_flag_alone_is_never_a_pass(world: World, segment: str) -> None:
    flag = world.flag(segment).read_bytes()
    shutil.rmtree(world.bundle(segment))
    world.bundle(segment).mkdir(parents=True)
    world.flag(segment).write_bytes(flag)
    assert world.verify(segment) is GateStatus.MISSING


@pytest.mark.parametrize(
    "flag",
    [
        b"",
        b"sha256_hex = 1234\n",
        b"sha256_hex: " + b"a" * 64 + b"\n",
        b"sha256_hex = " + b"a" * 64 + b"\nsecond line\n",
        b"sha256_hex = " + b"g" * 64 + b"\n",
        "sha256_hex = \u00e9".encode(),
    ],
)
def test_tampered_text_flag_is_a_conflict(world: World, flag: bytes) -> None:
    world.flag("6B").write_bytes(flag)
    result = verify_gate(world.reader, _gate_id("6B"), world.mf)
    assert result.status is GateStatus.CONFLICT
    assert "unparseable" in result.detail


def test_text_flag_tolerates_crlf_and_uppercase_hex(world: World) -> None:
    digest = world.flag("1A").read_text().split("=")[1].strip()
    world.flag("1A").write_bytes(f"sha256_hex = {digest.upper()}\r\n".encode())
    assert world.verify("1A") is GateStatus.PASS
    world.flag("1A").write_bytes(f"sha256_hex={digest}".encode())
    assert world.verify("1A") is GateStatus.PASS


def test_json_flag_variants(world: World) -> None:
    original = json.loads(world.flag("5A").read_bytes())
    digest = original["bundle_digest_sha256"]
    assert world.verify("5A") is GateStatus.PASS
    # Key order and whitespace do not matter; the values do.
    world.flag("5A").write_text(
        json.dumps({"bundle_digest_sha256": digest, "manifest_fingerprint": world.mf}, indent=2)
    )
    assert world.verify("5A") is GateStatus.PASS
    refused = [
        {"manifest_fingerprint": "f" * 64, "bundle_digest_sha256": digest},  # another world's flag
        {"bundle_digest_sha256": digest},
        {"manifest_fingerprint": world.mf},
        {"manifest_fingerprint": world.mf, "bundle_digest_sha256": digest[:-1]},
        {"manifest_fingerprint": world.mf, "bundle_digest_sha256": None},
        [digest],
    ]
    for document in refused:
        world.flag("5A").write_text(json.dumps(document))
        assert world.verify("5A") is GateStatus.CONFLICT, document
    # A text flag where the gate map says JSON is unparseable, and the reverse too.
    world.flag("5A").write_text(f"sha256_hex = {digest}\n")
    assert world.verify("5A") is GateStatus.CONFLICT
    text_digest = world.flag("6A").read_text().split("=")[1].strip()
    world.flag("6A").write_text(
        json.dumps({"manifest_fingerprint": world.mf, "bundle_digest_sha256": text_digest})
    )
    assert world.verify("6A") is GateStatus.CONFLICT


@pytest.mark.parametrize(
    ("segment", "member"), [("2A", "evidence/sealed_inputs_2A.json"), ("5B", "checks/issues_5B.jsonl")]
)
def test_a_missing_bundle_file_is_missing(world: World, segment: str, member: str) -> None:
    (world.bundle(segment) / member).unlink()
    result = verify_gate(world.reader, _gate_id(segment), world.mf)
    assert result.status is GateStatus.MISSING
    assert result.missing_paths == (f"{result.receipt.bundle_root}/{member}",)
    assert result.receipt.digest is None


def test_a_missing_file_under_the_bundle_digest_law_is_a_conflict(world: World) -> None:
    # 1A/1B hash whatever the folder holds: they cannot know a file is gone, only that bytes differ.
    (world.bundle("1A") / "sealed_inputs_1A.json").unlink()
    assert world.verify("1A") is GateStatus.CONFLICT


@pytest.mark.parametrize(
    ("segment", "member"),
    [
        ("1A", "validation_report_1A.json"),
        ("1B", "checks/issues_1B.jsonl"),
        ("2A", "evidence/validation_report_2A.json"),
        ("3B", "sealed_inputs_3B.json"),
        ("5A", "validation_report_5A.json"),
        ("5B", "validation_report_5B.json"),
        ("6A", "sealed_inputs_6A.json"),
        ("6B", "validation_report_6B.json"),
    ],
)
def test_an_altered_bundle_file_is_a_conflict(world: World, segment: str, member: str) -> None:
    path = world.bundle(segment) / member
    data = path.read_bytes()
    path.write_bytes(data[:1] + bytes([data[1] ^ 0x01]) + data[2:])  # one bit, same size
    assert world.verify(segment) is GateStatus.CONFLICT


def test_an_extra_file_changes_a_bundle_digest_but_not_an_index_digest(world: World) -> None:
    (world.bundle("1B") / "zz_extra.json").write_bytes(b"{}\n")
    assert world.verify("1B") is GateStatus.CONFLICT
    (world.bundle("2A") / "zz_extra.json").write_bytes(b"{}\n")
    assert world.verify("2A") is GateStatus.PASS


def test_member_digest_concat_follows_the_member_hashes(world: World) -> None:
    index = json.loads(world.index("3A").read_bytes())
    assert world.verify("3A") is GateStatus.PASS
    # Array order is the law: reversing the members changes the digest.
    world.index("3A").write_bytes(canonical_file_bytes({"members": list(reversed(index["members"]))}))
    assert world.verify("3A") is GateStatus.CONFLICT
    index["members"][0]["sha256_hex"] = "0" * 64
    world.index("3A").write_bytes(canonical_file_bytes(index))
    assert world.verify("3A") is GateStatus.CONFLICT
    del index["members"][0]["sha256_hex"]
    world.index("3A").write_bytes(canonical_file_bytes(index))
    assert world.verify("3A") is GateStatus.CONFLICT


def test_an_index_listing_an_absent_file_is_missing(world: World) -> None:
    index = json.loads(world.index("2A").read_bytes())
    index["files"].append({"path": "checks/not_written_yet.jsonl"})
    world.index("2A").write_bytes(canonical_file_bytes(index))
    result = verify_gate(world.reader, _gate_id("2A"), world.mf)
    assert result.status is GateStatus.MISSING
    assert result.missing_paths[0].endswith("checks/not_written_yet.jsonl")


@pytest.mark.parametrize("segment", ["2A", "3A", "5A", "6A"])
def test_an_absent_index_is_missing(world: World, segment: str) -> None:
    world.index(segment).unlink()
    assert world.verify(segment) is GateStatus.MISSING


@pytest.mark.parametrize(
    "document",
    [
        "not json",
        {"files": [], "items": []},
        {"files": []},
        {"rows": [{"path": "a"}]},
        {"files": [{"name": "validation_report_2A.json"}]},
        {"files": ["validation_report_2A.json"]},
        {"files": [{"path": "../../../../run_receipt.json"}]},
        {"files": [{"path": "/etc/hostname"}]},
        {"files": [{"path": "sealed_inputs_2A.json"}, {"path": "sealed_inputs_2A.json"}]},
    ],
)
def test_an_invalid_index_is_a_conflict(world: World, document: object) -> None:
    data = document.encode() if isinstance(document, str) else canonical_file_bytes(document)
    world.index("2A").write_bytes(data)
    assert world.verify("2A") is GateStatus.CONFLICT


def test_index_shapes_list_files_members_entries_items(world: World) -> None:
    shapes = {seg: json.loads(world.index(seg).read_bytes()) for seg in ("2A", "2B", "3B", "5A", "6A")}
    assert isinstance(shapes["2B"], list)
    assert set(shapes["2A"]) == {"files"}
    assert set(shapes["3B"]) == {"members"}
    assert set(shapes["5A"]) == {"entries"}
    assert set(shapes["6A"]) == {"items"}
    # The same entries under another accepted key hash the same.
    world.index("2A").write_bytes(canonical_file_bytes({"entries": shapes["2A"]["files"]}))
    assert world.verify("2A") is GateStatus.PASS
    world.index("2A").write_bytes(canonical_file_bytes(shapes["2A"]["files"]))
    assert world.verify("2A") is GateStatus.PASS


def test_6a_index_order_matters(world: World) -> None:
    index = json.loads(world.index("6A").read_bytes())
    paths = [item["path"] for item in index["items"]]
    assert paths != sorted(paths)  # the synthetic engine writes it unsorted, like the real one
    assert world.verify("6A") is GateStatus.PASS
    index["items"].sort(key=lambda item: item["path"])
    world.index("6A").write_bytes(canonical_file_bytes(index))
    assert world.verify("6A") is GateStatus.CONFLICT


def test_sorted_gates_ignore_index_order(world: World) -> None:
    index = json.loads(world.index("5A").read_bytes())
    index["entries"].reverse()
    world.index("5A").write_bytes(canonical_file_bytes(index))
    assert world.verify("5A") is GateStatus.PASS


def test_6b_excludes_its_own_index(world: World) -> None:
    index = json.loads(world.index("6B").read_bytes())
    assert all(item["path"] != "index.json" for item in index["items"])  # the engine never lists it
    assert world.verify("6B") is GateStatus.PASS
    # An index that did list itself still passes: the law excludes index.json by name...
    index["items"].append({"path": "index.json"})
    world.index("6B").write_text(json.dumps(index, indent=4))
    assert world.verify("6B") is GateStatus.PASS
    # ...and without the exclusion the digest would include index.json and differ.
    catalogue_text = _packaged_text("catalogue.yaml")
    gates_text = _packaged_text("gates.yaml").replace(
        "exclusions: [_passed.flag, index.json]", "exclusions: [_passed.flag]"
    )
    strict = parse_catalogue(catalogue_text, gates_text)
    assert verify_gate(world.reader, _gate_id("6B"), world.mf, catalogue=strict).status is GateStatus.CONFLICT


def test_2b_index_paths_are_relative_to_the_run_root(world: World) -> None:
    entries = json.loads(world.index("2B").read_bytes())
    paths = [entry["path"] for entry in entries]
    assert all(path.startswith("data/") for path in paths)
    data_file = next(path for path in paths if path.endswith(".parquet"))
    assert "/validation/" not in data_file  # it points outside the bundle, at a data file
    assert world.verify("2B") is GateStatus.PASS
    # Resolved against the bundle folder instead, nothing would be found.
    gates_text = _packaged_text("gates.yaml").replace("path_base: run_root", "path_base: bundle")
    bundle_based = parse_catalogue(_packaged_text("catalogue.yaml"), gates_text)
    assert (
        verify_gate(world.reader, _gate_id("2B"), world.mf, catalogue=bundle_based).status
        is GateStatus.MISSING
    )
    # The data file is part of the evidence: altered → CONFLICT, removed → MISSING.
    target = world.root / data_file
    original = target.read_bytes()
    target.write_bytes(original + b"\x00")
    assert world.verify("2B") is GateStatus.CONFLICT
    target.unlink()
    assert world.verify("2B") is GateStatus.MISSING


def test_an_absent_bundle_is_missing_and_waits(world: World) -> None:
    shutil.rmtree(world.bundle("6B"))
    result = verify_gate(world.reader, _gate_id("6B"), world.mf)
    assert (result.status, result.code, result.receipt.digest) == (GateStatus.MISSING, "GATE_MISSING", None)
    # A folder holding neither index nor flag is not published yet either (still a wait).
    world.flag("5B").unlink()
    world.index("5B").unlink()
    assert world.verify("5B") is GateStatus.MISSING


def test_a_failing_upstream_gate_fails_the_downstream_outputs(world: World) -> None:
    world.flag("1A").write_text("sha256_hex = " + "0" * 64 + "\n")
    (world.bundle("6A") / "sealed_inputs_6A.json").unlink()
    verdict = verify_gates_for_outputs(
        world.reader, world.mf, ["arrival_events_5B", "s3_event_stream_with_fraud_6B"]
    )
    statuses = {r.gate_id: r.status for r in verdict.results}
    assert statuses[_gate_id("1A")] is GateStatus.CONFLICT
    assert statuses[_gate_id("6A")] is GateStatus.MISSING
    assert statuses[_gate_id("5B")] is GateStatus.PASS and statuses[_gate_id("6B")] is GateStatus.PASS
    assert verdict.output_status("arrival_events_5B") is GateStatus.CONFLICT
    assert verdict.output_status("s3_event_stream_with_fraud_6B") is GateStatus.CONFLICT
    assert verdict.status is GateStatus.CONFLICT and not verdict.ok
    with pytest.raises(FailClosed) as caught:
        verdict.require_pass()
    assert caught.value.code == "GATE_CONFLICT"
    assert {g["gate_id"] for g in caught.value.refs["gates"]} == {_gate_id("1A"), _gate_id("6A")}


def test_an_upstream_gate_only_affects_its_dependants(world: World) -> None:
    (world.bundle("6A") / "sealed_inputs_6A.json").unlink()
    verdict = verify_gates_for_outputs(
        world.reader, world.mf, ["arrival_events_5B", "s1_arrival_entities_6B"]
    )
    assert verdict.output_status("arrival_events_5B") is GateStatus.PASS  # 6A is not upstream of 5B
    assert verdict.output_status("s1_arrival_entities_6B") is GateStatus.MISSING
    with pytest.raises(TransientError) as caught:
        verdict.require_pass()
    assert caught.value.code == "GATE_MISSING"
    only_5b = verify_gates_for_outputs(world.reader, world.mf, ["arrival_events_5B"])
    assert only_5b.ok and len(only_5b.results) == 8


def test_bad_arguments_fail_closed(world: World) -> None:
    cases: list[tuple[Callable[[], object], str]] = [
        (lambda: verify_gates_for_outputs(world.reader, world.mf, []), "OUTPUT_UNKNOWN"),
        (lambda: verify_gates_for_outputs(world.reader, world.mf, ["s9_unknown"]), "OUTPUT_UNKNOWN"),
        (
            lambda: verify_gates_for_outputs(world.reader, "../" + world.mf, ["arrival_events_5B"]),
            "WORLD_KEY_INVALID",
        ),
        (lambda: verify_gate(world.reader, "gate.layer9.9Z.validation", world.mf), "GATE_UNKNOWN"),
    ]
    for call, code in cases:
        with pytest.raises(FailClosed) as caught:
            call()
        assert caught.value.code == code


def test_another_manifest_fingerprint_finds_nothing(world: World) -> None:
    verdict = verify_gates_for_outputs(world.reader, "e" * 64, ["arrival_events_5B"])
    assert verdict.status is GateStatus.MISSING


def _packaged_text(name: str) -> str:
    from importlib import resources

    return resources.files("fraud_platform.engine").joinpath(name).read_text(encoding="utf-8")
