"""Control records and locators are claims: shape, ids and places are checked before anything is read."""

from __future__ import annotations

import json
from typing import Any

import pytest

from fraud_platform.core.errors import FailClosed
from fraud_platform.substrate.bus.port import BusMessage
from fraud_platform.wsp.locator import parse_view_ref
from fraud_platform.wsp.ready import claims_of, parse_control_record, ready_message_id
from fraud_platform.wsp.state import ConsumedEntry, Outcome, WspState

_BUNDLE = "1" * 64


def _ready(kit: Any, **changes: Any) -> dict[str, Any]:
    message_id = ready_message_id(kit.platform_run, kit.scenario_run, _BUNDLE)
    document: dict[str, Any] = {
        "topic": "fp.bus.control.v1",
        "message_id": message_id,
        "published_at_utc": "2026-01-01T00:00:00.000000Z",
        "kind": "READY",
        "payload": {
            "platform_run_id": kit.platform_run,
            "scenario_run_id": kit.scenario_run,
            "run_config_digest": "2" * 64,
            "bundle_hash": _BUNDLE,
            "facts_view_ref": "s3://b/fv.json",
            "world_key": kit.world.model_dump(),
            "oracle_pack_ref": {"oracle_pack_id": "3" * 64, "pack_root": kit.pack_root, "stream_views": {}},
            "intended_outputs": [kit.output],
            "emitted_at_utc": "2026-01-01T00:00:00.000000Z",
        },
    }
    document.update(changes)
    return document


def _message(document: dict[str, Any] | bytes, *, key: str, header: str) -> BusMessage:
    value = document if isinstance(document, bytes) else json.dumps(document).encode()
    return BusMessage("fp.bus.control.v1", 0, 5, key.encode(), value, {"message_id": header.encode()})


def test_a_well_formed_ready_parses_and_its_message_id_recomputes(kit: Any) -> None:
    document = _ready(kit)
    control = parse_control_record(
        claims_of(_message(document, key=kit.platform_run, header=document["message_id"]))
    )
    assert control.message_id == ready_message_id(kit.platform_run, kit.scenario_run, _BUNDLE)


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("garbage", "WSP_READY_INVALID"),
        ("extra_field", "WSP_READY_INVALID"),
        ("key_of_another_run", "WSP_READY_INVALID"),
        ("forged_message_id", "WSP_MESSAGE_ID_MISMATCH"),
        ("header_differs", "WSP_MESSAGE_ID_MISMATCH"),
    ],
)
def test_records_that_are_not_the_contract_are_refused_with_their_code(
    kit: Any, case: str, code: str
) -> None:
    document = _ready(kit)
    key, header = kit.platform_run, document["message_id"]
    value: dict[str, Any] | bytes = document
    if case == "garbage":
        value = b"{not json"
    elif case == "extra_field":
        document["payload"]["surprise"] = 1
    elif case == "key_of_another_run":
        key = "platform_20990101T000000Z"
    elif case == "forged_message_id":
        document["message_id"] = header = "9" * 64
    elif case == "header_differs":
        header = "8" * 64
    with pytest.raises(FailClosed) as raised:
        parse_control_record(claims_of(_message(value, key=key, header=header)))
    assert raised.value.code == code


def _locator(kit: Any, **changes: str) -> dict[str, str]:
    folder = f"{kit.pack_root}stream_view/ts_utc/output_id={kit.output}/"
    locator = {
        "stream_view_id": "e" * 64,
        "attempt_id": "a" * 16,
        "receipt_uri": folder + "_stream_sort_receipt.json",
        "receipt_sha256": "0" * 64,
        "view_manifest_uri": folder + "attempt=" + "a" * 16 + "/_stream_view_manifest.json",
        "view_manifest_sha256": "0" * 64,
    }
    locator.update(changes)
    return locator


def test_locators_must_name_the_committed_attempt_inside_the_view_folder(kit: Any) -> None:
    assert parse_view_ref(kit.pack_root, kit.output, _locator(kit)).attempt_id == "a" * 16
    folder = f"{kit.pack_root}stream_view/ts_utc/output_id={kit.output}/"
    refused = [
        folder,  # a bare folder: reading it would need a listing
        _locator(kit, view_manifest_uri=folder + "attempt=" + "b" * 16 + "/_stream_view_manifest.json"),
        _locator(kit, receipt_uri="s3://elsewhere/_stream_sort_receipt.json"),
        _locator(kit, view_manifest_sha256="xyz"),
        {"attempt_id": "a" * 16},
    ]
    for raw in refused:
        with pytest.raises(FailClosed) as raised:
            parse_view_ref(kit.pack_root, kit.output, raw)
        assert raised.value.code == "WSP_VIEW_LOCATOR_INVALID"


def test_consumed_set_first_outcome_wins_but_a_rejected_forgery_yields_to_the_streamed_ready(
    kit: Any, state: WspState
) -> None:
    mid = "4" * 64
    rejected = ConsumedEntry(mid, kit.platform_run, kit.scenario_run, Outcome.REJECTED, "WSP_X", "5" * 64)
    assert state.record_consumed(rejected, "forged").outcome is Outcome.REJECTED
    streamed = ConsumedEntry(mid, kit.platform_run, kit.scenario_run, Outcome.STREAMED, None, "6" * 64)
    assert state.record_consumed(streamed).outcome is Outcome.STREAMED
    # A later forgery cannot turn a STREAMED message back into REJECTED.
    assert state.record_consumed(rejected, "again").outcome is Outcome.STREAMED
    found = state.consumed(mid)
    assert found is not None and found.value_sha256 == "6" * 64


def test_a_checkpoint_moved_by_someone_else_is_a_conflict(kit: Any, state: WspState) -> None:
    from fraud_platform.wsp.state import Checkpoint

    ids = (kit.platform_run, kit.scenario_run, kit.output)
    state.save_checkpoint(*ids, Checkpoint(), Checkpoint(5, 5, 5))
    state.save_checkpoint(*ids, Checkpoint(5, 5, 5), Checkpoint(9, 9, 9))
    with pytest.raises(FailClosed) as raised:
        state.save_checkpoint(*ids, Checkpoint(5, 5, 5), Checkpoint(9, 9, 9))
    assert raised.value.code == "WSP_CHECKPOINT_CONFLICT"
    with pytest.raises(FailClosed):
        state.save_checkpoint(*ids, Checkpoint(), Checkpoint(3, 3, 3))
    assert state.checkpoint(*ids) == Checkpoint(9, 9, 9)
