"""Landing against the real SeaweedFS: idempotent, resumable, write-once, never touching the source."""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest
from oracle_it import fp, fresh_root, tree_digest

from fraud_platform.core.errors import FailClosed, TransientError
from fraud_platform.engine.synth import WorldInfo
from fraud_platform.oracle import LandingOptions, LocalFolderSource, OracleRuntime, land_world, load_manifest
from fraud_platform.oracle.layout import PackRoot
from fraud_platform.oracle.sources import SourceFile
from fraud_platform.substrate import telemetry
from fraud_platform.substrate.local import LocalSubstrates
from fraud_platform.substrate.objectstore.port import ObjectStore, S3Location

pytestmark = pytest.mark.integration


def test_land_commits_a_manifest_of_every_file_and_leaves_the_source_untouched(
    oracle_runtime: OracleRuntime, small_world: WorldInfo
) -> None:
    before = tree_digest(small_world.root)
    root = fresh_root(oracle_runtime)
    telemetry.reset()
    report = land_world(LocalFolderSource(small_world.root), oracle_runtime.store, root)
    calls = telemetry.snapshot()["s3"]["operator"]
    # Every PUT is proven by its own response: no verifying HEAD, only the listing before and after.
    assert "HeadObject" not in calls and calls["ListObjectsV2"]["requests"] == 2
    assert tree_digest(small_world.root) == before
    manifest = load_manifest(oracle_runtime.store, root)
    assert manifest.file_count == small_world.files == report.files == report.uploaded_files
    assert manifest.total_bytes == small_world.bytes == report.bytes
    assert report.skipped == 0 and report.manifest == "created"
    assert [e.path for e in manifest.entries] == sorted(before)
    sample = manifest.entries[0]
    head = oracle_runtime.store.head(root.child(sample.path))
    assert head is not None and head.sha256 == sample.sha256 and head.size == sample.size


def test_an_identical_rerun_uploads_nothing_and_converges(
    oracle_runtime: OracleRuntime, small_world: WorldInfo
) -> None:
    root = fresh_root(oracle_runtime)
    source = LocalFolderSource(small_world.root)
    first = land_world(source, oracle_runtime.store, root)
    telemetry.reset()
    second = land_world(LocalFolderSource(small_world.root), oracle_runtime.store, root)
    assert second.skipped == second.files and second.uploaded_files == 0
    assert second.manifest == "already_present" and second.root_digest == first.root_digest
    puts = telemetry.snapshot()["s3"]["operator"].get("PutObject", {"requests": 0, "bytes_sent": 0})
    assert puts["requests"] <= 1 and puts["bytes_sent"] < 64 * 1024  # only the (idempotent) manifest put


class _DeletedBehindOurBack(LocalFolderSource):
    """A source whose landed copy of one file is deleted (by the operator) right after it was proven."""

    def __init__(self, root: Path, victim: str, store: ObjectStore, dest: PackRoot) -> None:
        super().__init__(root)
        self._victim, self._store, self._dest = victim, store, dest

    def confirm_unchanged(self, file: SourceFile) -> None:
        super().confirm_unchanged(file)
        if file.path == self._victim:
            self._store.delete(self._dest.child(file.path))


def test_an_object_lost_after_its_put_fails_the_final_listing_and_nothing_is_committed(
    oracle_runtime: OracleRuntime, small_world: WorldInfo
) -> None:
    root = fresh_root(oracle_runtime)
    source = _DeletedBehindOurBack(small_world.root, "run_receipt.json", oracle_runtime.store, root)
    with pytest.raises(FailClosed) as caught:
        land_world(source, oracle_runtime.store, root)
    assert caught.value.code == "LANDING_VERIFY_FAILED"
    assert caught.value.refs["problems"] == [{"path": "run_receipt.json", "problem": "missing"}]
    assert oracle_runtime.store.head(root.landing_manifest) is None


class _KilledAfter(LocalFolderSource):
    """A source whose reads stop after `budget` files, as if the landing process had been killed."""

    def __init__(self, root: Path, budget: int) -> None:
        super().__init__(root)
        self._budget = budget

    def read_all(self, file: SourceFile) -> bytes:
        if file.path != "run_receipt.json":
            self._budget -= 1
            if self._budget < 0:
                raise TransientError("OBJECT_STORE_UNAVAILABLE", "simulated kill")
        return super().read_all(file)


def test_a_killed_landing_resumes_without_re_uploading_what_is_there(
    oracle_runtime: OracleRuntime, small_world: WorldInfo
) -> None:
    root = fresh_root(oracle_runtime)
    with pytest.raises(TransientError):
        land_world(
            _KilledAfter(small_world.root, 30),
            oracle_runtime.store,
            root,
            options=LandingOptions(workers=2),
        )
    assert oracle_runtime.store.head(root.landing_manifest) is None  # nothing committed
    landed_before = sum(1 for _ in oracle_runtime.store.list(root.location))
    assert 0 < landed_before < small_world.files
    resumed = land_world(LocalFolderSource(small_world.root), oracle_runtime.store, root)
    assert resumed.skipped == landed_before
    assert resumed.uploaded_files == small_world.files - landed_before
    assert resumed.manifest == "created"


def test_a_destination_object_with_other_bytes_is_a_conflict_and_nothing_is_overwritten(
    oracle_runtime: OracleRuntime, world_copy: Path
) -> None:
    root = fresh_root(oracle_runtime)
    victim = "run_receipt.json"
    original = (world_copy / victim).read_bytes()
    forged = bytes(reversed(original))  # same size, other bytes: only the SHA-256 can tell
    oracle_runtime.store.put_if_absent(root.child(victim), forged)
    with pytest.raises(FailClosed) as caught:
        land_world(LocalFolderSource(world_copy), oracle_runtime.store, root)
    assert caught.value.code == "LANDING_CONFLICT"
    assert oracle_runtime.store.get(root.child(victim)) == forged
    assert oracle_runtime.store.head(root.landing_manifest) is None


def test_a_destination_holding_files_the_source_lacks_is_refused_before_any_upload(
    oracle_runtime: OracleRuntime, world_copy: Path
) -> None:
    root = fresh_root(oracle_runtime)
    oracle_runtime.store.put_if_absent(root.child("data/stray.bin"), b"stray")
    telemetry.reset()
    with pytest.raises(FailClosed) as caught:
        land_world(LocalFolderSource(world_copy), oracle_runtime.store, root)
    assert caught.value.code == "LANDING_CONFLICT"
    assert "data/stray.bin" in caught.value.refs["extra"]
    assert "PutObject" not in telemetry.snapshot()["s3"].get("operator", {})


class _ChangesUnderUs(LocalFolderSource):
    """A source where another writer appends to one file right after the lander read it."""

    def __init__(self, root: Path, victim: str) -> None:
        super().__init__(root)
        self._victim = victim

    def read_all(self, file: SourceFile) -> bytes:
        data = super().read_all(file)
        if file.path == self._victim:
            with open(os.path.join(self.uri, file.path), "ab") as handle:
                handle.write(b"late bytes")
        return data


def test_a_source_file_changing_during_landing_is_refused_and_nothing_is_committed(
    oracle_runtime: OracleRuntime, world_copy: Path
) -> None:
    root = fresh_root(oracle_runtime)
    victim = sorted(p.relative_to(world_copy).as_posix() for p in world_copy.rglob("*.parquet"))[0]
    with pytest.raises(FailClosed) as caught:
        land_world(_ChangesUnderUs(world_copy, victim), oracle_runtime.store, root)
    assert caught.value.code == "LANDING_SOURCE_CHANGED"
    assert oracle_runtime.store.head(root.landing_manifest) is None


def test_large_files_stream_through_a_small_memory_budget(
    oracle_runtime: OracleRuntime, small_world: WorldInfo, tmp_path: Path
) -> None:
    world = tmp_path / "w"
    (world / "data").mkdir(parents=True)
    shutil.copy(small_world.root / "run_receipt.json", world / "run_receipt.json")
    big = os.urandom(20 * 1024 * 1024 + 3)  # above the adapter's multipart threshold
    (world / "data" / "big.bin").write_bytes(big)
    root = fresh_root(oracle_runtime)
    report = land_world(
        LocalFolderSource(world),
        oracle_runtime.store,
        root,
        options=LandingOptions(workers=2, memory_budget=4 * 1024 * 1024),
    )
    assert report.files == 2 and report.bytes == len(big) + (world / "run_receipt.json").stat().st_size
    assert oracle_runtime.store.get(root.child("data/big.bin")) == big


def test_cli_land_defaults_to_the_profile_root_and_reports_counts(
    local_substrates: LocalSubstrates, oracle_runtime: OracleRuntime, small_world: WorldInfo
) -> None:
    code, line = fp(
        local_substrates, ["oracle", "land", "--source", str(small_world.root), "--role", "operator"]
    )
    assert code == 0 and line["ok"] is True
    assert (
        line["root"] == f"s3://{oracle_runtime.bucket}/oracle-store/local_parity/{small_world.engine_run_id}/"
    )
    assert line["files"] == small_world.files and line["bytes"] == small_world.bytes
    assert "skipped" in line and line["telemetry"]["totals"]["s3_requests"] > 0


def test_cli_land_refuses_a_world_without_a_run_receipt(
    local_substrates: LocalSubstrates, world_copy: Path
) -> None:
    (world_copy / "run_receipt.json").unlink()
    code, line = fp(local_substrates, ["oracle", "land", "--source", str(world_copy), "--role", "operator"])
    assert code == 2 and line["code"] == "RUN_RECEIPT_MISSING"


def test_cli_land_refuses_a_symlink_leaving_the_source(
    local_substrates: LocalSubstrates, oracle_runtime: OracleRuntime, world_copy: Path, tmp_path: Path
) -> None:
    secret = tmp_path / "outside.txt"
    secret.write_text("not engine output")
    os.symlink(secret, world_copy / "logs_escape.txt")
    dest = fresh_root(oracle_runtime)
    code, line = fp(
        local_substrates,
        ["oracle", "land", "--source", str(world_copy), "--dest", dest.uri, "--role", "operator"],
    )
    assert code == 2 and line["code"] == "LANDING_PATH_UNSAFE"
    assert list(oracle_runtime.store.list(dest.location)) == []


def test_an_s3_source_on_its_own_profile_lands_byte_for_byte(
    local_substrates: LocalSubstrates, oracle_runtime: OracleRuntime, small_world: WorldInfo
) -> None:
    staged = f"s3://{oracle_runtime.bucket}/_tmp/worlds/{uuid.uuid4().hex}/"
    prefix = S3Location.parse(staged)
    for path in sorted(small_world.root.rglob("*")):
        if path.is_file():
            oracle_runtime.store.put_if_absent(
                prefix.child(path.relative_to(small_world.root).as_posix()), path.read_bytes()
            )
    dest = fresh_root(oracle_runtime)
    code, line = fp(
        local_substrates,
        [
            "oracle",
            "land",
            "--source",
            staged,
            "--source-profile",
            "local_parity",
            "--dest",
            dest.uri,
            "--role",
            "operator",
        ],
    )
    assert code == 0 and line["files"] == small_world.files and line["bytes"] == small_world.bytes
    code, verified = fp(
        local_substrates, ["oracle", "verify", "--root", dest.uri, "--source", staged, "--role", "operator"]
    )
    assert code == 0 and verified["problems"] == [] and verified["bytes_read"] == 2 * small_world.bytes
