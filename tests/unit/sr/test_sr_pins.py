"""Oracle pin resolution: profile pins, the Oracle pointer, the request; every refusal before any write."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from fraud_platform.config import Profile, load_profile, profile_from_document
from fraud_platform.config.schema import OracleSection
from fraud_platform.config.shipped import raw_profile
from fraud_platform.core.errors import FailClosed
from fraud_platform.oracle.pointer import PointerEntry
from fraud_platform.sr.pins import resolve_pins

RUN = "0123456789abcdef0123456789abcdef"
ROOT = f"s3://fp-dev-min-object-store/oracle-store/dev_min/{RUN}/"
LOCAL_ROOT = f"s3://fp-object-store/oracle-store/local_parity/{RUN}/"
PACK_ID = "a" * 64

DEV_MIN_ENV: dict[str, str] = {
    "DEV_MIN_AWS_REGION": "eu-west-2",
    "DEV_MIN_OBJECT_STORE_BUCKET": "fp-dev-min-object-store",
    "DEV_MIN_EVIDENCE_BUCKET": "fp-dev-min-evidence",
    "DEV_MIN_KAFKA_BOOTSTRAP": "pkc-12345.eu-west-2.aws.confluent.cloud:9092",
    "DEV_MIN_KAFKA_API_KEY": "CKAPIKEY0123456789",
    "DEV_MIN_KAFKA_API_SECRET": "cfltSecret/with+base64=chars",
    "DEV_MIN_STATE_DSN": "postgresql+psycopg://fp_app:pg-Pa55word-xyz@db.dev-min.example.com:5432/fp",
    "DEV_MIN_IG_URL": "https://ig.dev-min.example.com",
    "DEV_MIN_ORACLE_ENGINE_RUN_ROOT": ROOT,
    "DEV_MIN_ORACLE_SCENARIO_ID": "baseline_v1",
}


def _dev_min(**overrides: str | None) -> Profile:
    env = dict(DEV_MIN_ENV)
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return load_profile("dev_min", env=env)


def _local(tmp_path: Path, **oracle: Any) -> Profile:
    document = raw_profile("local_parity")
    document["oracle"] = {**document["oracle"], **oracle}
    env = {
        "FP_LOCAL_S3_ENDPOINT": "http://127.0.0.1:18333",
        "FP_LOCAL_KAFKA_BOOTSTRAP": "127.0.0.1:19092",
        "FP_LOCAL_STATE_DSN": f"sqlite:///{tmp_path / 'authority.sqlite'}",
        "FP_LOCAL_IG_PORT": "18080",
    }
    return profile_from_document(document, name="local_parity", env=env, fp_home=tmp_path)


def _pointer(root: str, scenario: str = "baseline_v1", profile: str = "dev_min") -> PointerEntry:
    return PointerEntry(
        profile=profile,
        seq=3,
        action="set",
        pack_root=root,
        scenario_id=scenario,
        oracle_pack_id=PACK_ID,
        moved_at_utc="2026-01-01T00:00:00.000000Z",
    )


def _code(call: Any) -> str:
    with pytest.raises(FailClosed) as caught:
        call()
    return str(caught.value.code)


def test_dev_min_explicit_pins_resolve_without_a_pointer() -> None:
    pins = resolve_pins(_dev_min(), lambda: None)
    assert (pins.pack_root, pins.scenario_id, pins.stream_view_root, pins.source) == (
        ROOT,
        "baseline_v1",
        None,
        "profile",
    )


def test_dev_min_root_is_normalised_to_a_trailing_slash() -> None:
    pins = resolve_pins(_dev_min(DEV_MIN_ORACLE_ENGINE_RUN_ROOT=ROOT.rstrip("/")), lambda: None)
    assert pins.pack_root == ROOT


@pytest.mark.parametrize("missing", ["DEV_MIN_ORACLE_ENGINE_RUN_ROOT", "DEV_MIN_ORACLE_SCENARIO_ID"])
def test_dev_min_missing_pins_are_refused_and_named(missing: str) -> None:
    profile = _dev_min(**{missing: None})
    with pytest.raises(FailClosed) as caught:
        resolve_pins(profile, lambda: None)
    assert caught.value.code == "ORACLE_PIN_MISSING"
    assert caught.value.refs["missing"] == [missing]


def test_dev_min_never_falls_back_to_the_pointer_for_a_missing_pin() -> None:
    profile = _dev_min(DEV_MIN_ORACLE_ENGINE_RUN_ROOT=None)
    assert _code(lambda: resolve_pins(profile, lambda: _pointer(ROOT))) == "ORACLE_PIN_MISSING"


def test_dev_min_local_path_pin_is_refused_even_if_a_profile_slipped_past_config() -> None:
    # config already refuses this at load (DEV_MIN_LOCAL_PATH); SR does not rely on that alone.
    profile = _dev_min()
    tampered = profile.model_copy(
        update={
            "oracle": OracleSection(
                namespace="dev_min",
                engine_run_root="/data/world",
                scenario_id="baseline_v1",
                stream_view_root=None,
            )
        }
    )
    assert _code(lambda: resolve_pins(tampered, lambda: None)) == "ORACLE_PIN_NOT_MANAGED"


def test_config_itself_refuses_a_dev_min_local_pin() -> None:
    assert (
        _code(lambda: _dev_min(DEV_MIN_ORACLE_ENGINE_RUN_ROOT="file:///data/world")) == "DEV_MIN_LOCAL_PATH"
    )


def test_a_root_outside_the_object_store_bucket_is_not_managed() -> None:
    profile = _dev_min(
        DEV_MIN_ORACLE_ENGINE_RUN_ROOT=f"s3://someone-elses-bucket/oracle-store/dev_min/{RUN}/"
    )
    assert _code(lambda: resolve_pins(profile, lambda: None)) == "ORACLE_PIN_NOT_MANAGED"


def test_pin_and_pointer_that_agree_resolve() -> None:
    pins = resolve_pins(_dev_min(), lambda: _pointer(ROOT))
    assert pins.pack_root == ROOT and pins.source == "profile+pointer"


@pytest.mark.parametrize(
    ("root", "scenario"),
    [(ROOT.replace(RUN, "f" * 32), "baseline_v1"), (ROOT, "other_scenario")],
)
def test_pin_and_pointer_that_disagree_are_an_ambiguous_root(root: str, scenario: str) -> None:
    assert (
        _code(lambda: resolve_pins(_dev_min(), lambda: _pointer(root, scenario)))
        == "ORACLE_PIN_CONTRADICTS_POINTER"
    )


def test_local_parity_takes_root_and_scenario_from_the_pointer(tmp_path: Path) -> None:
    pins = resolve_pins(_local(tmp_path), lambda: _pointer(LOCAL_ROOT, profile="local_parity"))
    assert (pins.pack_root, pins.scenario_id, pins.source) == (LOCAL_ROOT, "baseline_v1", "pointer")


def test_local_parity_with_neither_pin_nor_pointer_is_refused(tmp_path: Path) -> None:
    assert _code(lambda: resolve_pins(_local(tmp_path), lambda: None)) == "ORACLE_PIN_MISSING"


def test_local_parity_pins_contradicting_its_pointer_are_refused(tmp_path: Path) -> None:
    profile = _local(tmp_path, engine_run_root=LOCAL_ROOT, scenario_id="baseline_v1")
    other = _pointer(LOCAL_ROOT.replace(RUN, "e" * 32), profile="local_parity")
    assert _code(lambda: resolve_pins(profile, lambda: other)) == "ORACLE_PIN_CONTRADICTS_POINTER"


def test_a_request_may_restate_the_pins_but_not_change_them() -> None:
    profile = _dev_min()
    same = resolve_pins(
        profile, lambda: None, requested_root=ROOT.rstrip("/"), requested_scenario="baseline_v1"
    )
    assert same.pack_root == ROOT
    other_root = ROOT.replace(RUN, "b" * 32)
    assert (
        _code(lambda: resolve_pins(profile, lambda: None, requested_root=other_root))
        == "ORACLE_ROOT_MISMATCH"
    )
    assert (
        _code(lambda: resolve_pins(profile, lambda: None, requested_scenario="fraud_v2"))
        == "ORACLE_SCENARIO_MISMATCH"
    )


def test_stream_view_root_must_sit_under_the_pack_root() -> None:
    inside = resolve_pins(_dev_min(DEV_MIN_ORACLE_STREAM_VIEW_ROOT=ROOT + "stream_view"), lambda: None)
    assert inside.stream_view_root == ROOT + "stream_view/"
    outside = _dev_min(DEV_MIN_ORACLE_STREAM_VIEW_ROOT="s3://fp-dev-min-object-store/views/")
    assert _code(lambda: resolve_pins(outside, lambda: None)) == "ORACLE_STREAM_VIEW_ROOT_INVALID"
    climbing = _dev_min(DEV_MIN_ORACLE_STREAM_VIEW_ROOT=ROOT + "../elsewhere/")
    assert _code(lambda: resolve_pins(climbing, lambda: None)) == "ORACLE_STREAM_VIEW_ROOT_INVALID"
