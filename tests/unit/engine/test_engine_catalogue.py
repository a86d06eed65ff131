"""The packaged engine catalogue and gate map: contents as specified, and malformed entries refused."""

from __future__ import annotations

from importlib import resources

import pytest

import fraud_platform.engine as engine
import fraud_platform.engine._reasons as engine_reasons
from fraud_platform.core.errors import FailClosed
from fraud_platform.core.reasons import lookup
from fraud_platform.eb.topics import TRAFFIC_AND_CONTEXT_TOPICS
from fraud_platform.engine import PARTITION_TOKENS, load_catalogue, parse_catalogue

MF = "a" * 64
PH = "b" * 64

EXPECTED_TOPICS = {
    "s3_event_stream_with_fraud_6B": "fp.bus.traffic.fraud.v1",
    "s2_event_stream_baseline_6B": "fp.bus.traffic.baseline.v1",
    "arrival_events_5B": "fp.bus.context.arrival_events.v1",
    "s1_arrival_entities_6B": "fp.bus.context.arrival_entities.v1",
    "s3_flow_anchor_with_fraud_6B": "fp.bus.context.flow_anchor.fraud.v1",
    "s2_flow_anchor_baseline_6B": "fp.bus.context.flow_anchor.baseline.v1",
}


def _packaged_texts() -> tuple[str, str]:
    package = resources.files("fraud_platform.engine")
    return (
        package.joinpath("catalogue.yaml").read_text(encoding="utf-8"),
        package.joinpath("gates.yaml").read_text(encoding="utf-8"),
    )


def _refused(catalogue_text: str, gates_text: str) -> FailClosed:
    with pytest.raises(FailClosed) as caught:
        parse_catalogue(catalogue_text, gates_text)
    assert caught.value.code == "ENGINE_CATALOGUE_INVALID"
    return caught.value


def test_eleven_outputs_with_their_roles_and_topics() -> None:
    cat = load_catalogue()
    assert len(cat.outputs) == 11
    assert {s.output_id: s.topic for s in cat.outputs if s.topic} == EXPECTED_TOPICS
    assert cat.default_stream_outputs == tuple(EXPECTED_TOPICS)
    roles = {s.output_id: s.role for s in cat.outputs}
    assert roles["s1_session_index_6B"] == "batch"
    assert {o for o, r in roles.items() if r == "truth"} == {
        "s4_event_labels_6B",
        "s4_flow_truth_labels_6B",
        "s4_flow_bank_view_6B",
        "s4_case_timeline_6B",
    }
    assert roles["s3_event_stream_with_fraud_6B"] == "traffic"
    assert roles["arrival_events_5B"] == "context"


def test_catalogue_topics_are_in_the_bus_catalogue() -> None:
    bus_topics = {spec.name for spec in TRAFFIC_AND_CONTEXT_TOPICS}
    assert set(EXPECTED_TOPICS.values()) == bus_topics


def test_keys_sort_keys_and_gates_as_specified() -> None:
    cat = load_catalogue()
    assert cat.output("s3_event_stream_with_fraud_6B").primary_key == ("flow_id", "event_seq")
    assert cat.output("arrival_events_5B").primary_key == ("merchant_id", "arrival_seq")
    assert cat.output("s4_case_timeline_6B").primary_key == ("case_id", "case_event_seq")
    assert cat.output("s1_session_index_6B").sort_keys == ("session_start_utc",)
    assert cat.output("s4_event_labels_6B").sort_keys == ("flow_id", "event_seq")
    assert cat.output("s4_flow_truth_labels_6B").sort_keys == ("flow_id",)
    assert cat.output("s4_flow_bank_view_6B").sort_keys == ("flow_id",)
    for output_id in EXPECTED_TOPICS:
        assert cat.output(output_id).sort_keys == ("ts_utc",)
    assert cat.output("arrival_events_5B").required_gates == ("gate.layer2.5B.validation",)
    six_b = [s for s in cat.outputs if s.output_id.endswith("_6B")]
    assert len(six_b) == 10
    assert all(s.required_gates == ("gate.layer3.6B.validation",) for s in six_b)


def test_partition_templates_use_canonical_token_order() -> None:
    cat = load_catalogue()
    assert cat.output("arrival_events_5B").partition_tokens == ("seed", "manifest_fingerprint", "scenario_id")
    assert cat.output("arrival_events_5B").dataset_root == "data/layer2/5B/arrival_events"
    for spec in cat.outputs:
        positions = [PARTITION_TOKENS.index(token) for token in spec.partition_tokens]
        assert positions == sorted(positions)
    path = cat.output("s3_event_stream_with_fraud_6B").partition_path(
        {"seed": 42, "parameter_hash": PH, "manifest_fingerprint": MF, "scenario_id": "baseline_v1"}
    )
    assert path == (
        f"data/layer3/6B/s3_event_stream_with_fraud_6B/seed=42/parameter_hash={PH}/manifest_fingerprint={MF}/scenario_id=baseline_v1"
    )


@pytest.mark.parametrize(
    ("values", "name"),
    [
        ({"seed": 1, "manifest_fingerprint": MF, "scenario_id": "a/b"}, "scenario_id"),
        ({"seed": 1, "manifest_fingerprint": "XYZ", "scenario_id": "s"}, "manifest_fingerprint"),
        ({"seed": -1, "manifest_fingerprint": MF, "scenario_id": "s"}, "seed"),
        ({"seed": "1", "manifest_fingerprint": MF, "scenario_id": "s"}, "seed"),
    ],
)
def test_partition_values_are_validated(values: dict[str, object], name: str) -> None:
    with pytest.raises(FailClosed) as caught:
        load_catalogue().output("arrival_events_5B").partition_path(values)
    assert caught.value.code == "WORLD_KEY_INVALID"
    assert caught.value.refs["name"] == name


def test_gate_map_as_specified() -> None:
    cat = load_catalogue()
    assert [g.segment for g in cat.gates] == ["1A", "1B", "2A", "2B", "3A", "3B", "5A", "5B", "6A", "6B"]
    gates = {g.segment: g for g in cat.gates}
    assert {s: g.method for s, g in gates.items()} == {
        "1A": "bundle_digest",
        "1B": "bundle_digest",
        "2A": "index_digest",
        "2B": "index_digest",
        "3A": "member_digest_concat",
        "3B": "index_digest",
        "5A": "index_digest",
        "5B": "index_digest",
        "6A": "index_digest",
        "6B": "index_digest",
    }
    assert {s for s, g in gates.items() if g.flag_format == "json"} == {"5A", "5B"}
    assert gates["5A"].index_file == "validation_bundle_index_5A.json"
    assert gates["6A"].index_file == "validation_bundle_index_6A.json"
    assert {gates[s].index_file for s in ("2A", "2B", "3A", "3B", "5B", "6B")} == {"index.json"}
    assert gates["6A"].index_order == "index"
    assert "index.json" in gates["6B"].exclusions
    assert gates["2B"].path_base == "run_root"
    assert {s for s, g in gates.items() if g.path_base == "run_root"} == {"2B", "3A"}
    assert [g.layer for g in cat.gates] == [1, 1, 1, 1, 1, 1, 2, 2, 3, 3]
    assert gates["2B"].upstream == ("gate.layer1.1B.validation", "gate.layer1.2A.validation")
    assert gates["1A"].bundle_root(MF) == f"data/layer1/1A/validation/manifest_fingerprint={MF}"
    assert gates["6B"].flag_path(MF) == f"data/layer3/6B/validation/manifest_fingerprint={MF}/_passed.flag"


def test_gate_closure_is_transitive_and_ordered() -> None:
    cat = load_catalogue()
    assert [g.segment for g in cat.gates_for_outputs(["s3_event_stream_with_fraud_6B"])] == [
        "1A",
        "1B",
        "2A",
        "2B",
        "3A",
        "3B",
        "5A",
        "5B",
        "6A",
        "6B",
    ]
    assert [g.segment for g in cat.gates_for_outputs(["arrival_events_5B"])] == [
        "1A",
        "1B",
        "2A",
        "2B",
        "3A",
        "3B",
        "5A",
        "5B",
    ]
    assert [g.segment for g in cat.gate_closure(["gate.layer1.2B.validation"])] == ["1A", "1B", "2A", "2B"]


def test_unknown_output_and_gate_fail_closed() -> None:
    cat = load_catalogue()
    with pytest.raises(FailClosed) as output_error:
        cat.output("s9_nope")
    assert output_error.value.code == "OUTPUT_UNKNOWN"
    with pytest.raises(FailClosed) as gate_error:
        cat.gate("gate.layer9.9Z.validation")
    assert gate_error.value.code == "GATE_UNKNOWN"
    with pytest.raises(FailClosed) as closure_error:
        cat.gates_for_outputs(["arrival_events_5B", "s9_nope"])
    assert closure_error.value.code == "OUTPUT_UNKNOWN"


def test_packaged_texts_parse_to_the_loaded_catalogue() -> None:
    assert parse_catalogue(*_packaged_texts()) == load_catalogue()


def test_trailing_newline_in_a_template_is_refused() -> None:
    catalogue_text, gates_text = _packaged_texts()
    line = "    path_template: data/layer2/5B/arrival_events/seed={seed}/manifest_fingerprint={manifest_fingerprint}/scenario_id={scenario_id}\n"
    assert line in catalogue_text
    # A YAML block scalar keeps the newline: the bug the first generation shipped.
    block = "    path_template: |\n      data/layer2/5B/arrival_events/seed={seed}/manifest_fingerprint={manifest_fingerprint}/scenario_id={scenario_id}\n"
    error = _refused(catalogue_text.replace(line, block), gates_text)
    assert "whitespace" in error.detail


@pytest.mark.parametrize(
    ("bad", "why"),
    [
        ('" data/layer2/5B/arrival_events/seed={seed}"', "whitespace"),
        ('"data/layer2/5B/arrival_events/seed={seed}\\n"', "whitespace"),
        ('"data/layer2/5B/arrival_events/seed={seed} "', "whitespace"),
        ("/data/layer2/5B/arrival_events/seed={seed}", "absolute"),
        ("data/layer2/../5B/arrival_events/seed={seed}", "'..'"),
        ("data/layer2//5B/seed={seed}", "empty"),
        ("layer2/5B/arrival_events/seed={seed}", "must start with 'data/'"),
        ("data/layer2/5B/arrival_events/seed={seed}/", "end with '/'"),
        ("data/layer2/5B/arrival_events/shard={shard}", "unknown partition token"),
        ("data/layer2/5B/arrival_events/scenario_id={scenario_id}/seed={seed}", "canonical order"),
        ("data/layer2/5B/arrival_events/seed={seed}/seed={seed}", "repeated"),
        ("data/layer2/5B/arrival_events/seed={scenario_id}", "name and token differ"),
        ("data/layer2/5B/seed={seed}/arrival_events", "static segment"),
        ("data/layer2/5B/arrival_events/seed=42", "outside"),
        ("s3://bucket/data/layer2/seed={seed}", "absolute"),
    ],
)
def test_malformed_templates_are_refused(bad: str, why: str) -> None:
    catalogue_text, gates_text = _packaged_texts()
    good = "data/layer2/5B/arrival_events/seed={seed}/manifest_fingerprint={manifest_fingerprint}/scenario_id={scenario_id}"
    error = _refused(
        catalogue_text.replace(f"path_template: {good}\n", f"path_template: {bad}\n"), gates_text
    )
    assert why in error.detail


def test_gate_map_inconsistencies_are_refused() -> None:
    catalogue_text, gates_text = _packaged_texts()
    # An output naming a gate that does not exist.
    _refused(catalogue_text.replace("[gate.layer2.5B.validation]", "[gate.layer2.5C.validation]"), gates_text)
    # An upstream gate listed after its dependant (the map must be topologically ordered, hence acyclic).
    _refused(
        catalogue_text,
        gates_text.replace(
            "upstream: [gate.layer1.1A.validation]\n",
            "upstream: [gate.layer1.1A.validation, gate.layer1.2A.validation]\n",
        ),
    )
    # bundle_digest with an index, index_digest without one.
    _refused(
        catalogue_text,
        gates_text.replace(
            "method: bundle_digest\n    index_file: null",
            "method: bundle_digest\n    index_file: index.json",
            1,
        ),
    )
    _refused(
        catalogue_text, gates_text.replace("index_file: validation_bundle_index_5A.json", "index_file: null")
    )
    # A bundle path that does not match the gate's layer and segment.
    _refused(catalogue_text, gates_text.replace("data/layer1/1B/validation", "data/layer1/1A/validation"))
    # An unknown field (typos never fall back to defaults).
    _refused(
        catalogue_text, gates_text.replace("path_base: run_root", "path_base: run_root\n    colour: blue")
    )
    # Not YAML at all, or the wrong version.
    _refused("outputs: [", gates_text)
    _refused(catalogue_text.replace("version: 1", "version: 2"), gates_text)


def test_reason_codes_are_registered_by_engine() -> None:
    # Looked up one by one (not via all_reasons()), so this test depends on no other package.
    infos = [lookup(code) for code in engine_reasons.__all__]
    assert {info.code for info in infos} == {
        "ENGINE_CATALOGUE_INVALID",
        "OUTPUT_UNKNOWN",
        "OUTPUT_SCHEMA_MISMATCH",
        "GATE_UNKNOWN",
        "GATE_MISSING",
        "GATE_FAILED",
        "GATE_CONFLICT",
        "GATE_MEMBER_MISMATCH",
        "WORLD_PATH_INVALID",
        "WORLD_OBJECT_MISSING",
        "WORLD_KEY_INVALID",
        "RUN_RECEIPT_MISSING",
        "RUN_RECEIPT_INVALID",
        "SYNTH_ARGS_INVALID",
        "SYNTH_TARGET_CONFLICT",
    }
    assert {info.owner for info in infos} == {"engine"}
    assert {info.code for info in infos if info.transient} == {"GATE_MISSING"}


def test_public_api_is_explicit() -> None:
    for name in engine.__all__:
        assert not name.startswith("_")
        assert hasattr(engine, name)
    assert sorted(engine.__all__) == sorted(set(engine.__all__))
