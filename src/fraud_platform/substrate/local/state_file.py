"""The files `fp substrate up` owns in FP_HOME, and their atomic reads and writes.

    FP_HOME/substrate/state.json   endpoints, ports, PIDs, data dirs, start times (no secrets)
    FP_HOME/local_pins.json        the FP_LOCAL_* pins the local_parity profile resolves
    FP_HOME/logs/<name>.log        stdout+stderr of each substrate process

Writes go to a temporary file in the same directory and are renamed into place, so a reader never
sees half a file; a crash leaves either the old state or the new one.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from fraud_platform.core.atomic_file import write_atomic
from fraud_platform.core.errors import FailClosed
from fraud_platform.substrate.local._reasons import SUBSTRATE_STATE_INVALID

__all__ = [
    "ProcessRecord",
    "SubstratePaths",
    "SubstrateState",
    "read_json_file",
    "read_state",
    "write_json_file",
    "write_pins",
    "write_state",
]

_STATE_VERSION = 1


@dataclass(frozen=True)
class SubstratePaths:
    """Every path under FP_HOME that the local substrates use."""

    fp_home: Path

    @property
    def state_file(self) -> Path:
        return self.fp_home / "substrate" / "state.json"

    @property
    def lock_file(self) -> Path:
        return self.fp_home / "substrate" / "lock"

    @property
    def pins_file(self) -> Path:
        return self.fp_home / "local_pins.json"

    @property
    def roles_file(self) -> Path:
        return self.fp_home / "credentials" / "roles.json"

    @property
    def identities_file(self) -> Path:
        return self.fp_home / "seaweedfs" / "identities.json"

    @property
    def seaweedfs_data(self) -> Path:
        return self.fp_home / "seaweedfs" / "data"

    @property
    def tansu_dir(self) -> Path:
        return self.fp_home / "tansu"

    @property
    def logs_dir(self) -> Path:
        return self.fp_home / "logs"

    @property
    def state_dsn(self) -> str:
        """The authority state store DSN pinned for local_parity (SQLite file under FP_HOME/state)."""
        return f"sqlite:///{self.fp_home / 'state' / 'authority.sqlite'}"


@dataclass(frozen=True)
class ProcessRecord:
    """One running substrate process as `up` started it."""

    name: str
    pid: int
    executable: str
    argv: tuple[str, ...]
    ports: Mapping[str, int]
    log_path: str
    data_dir: str | None
    started_at: str

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> ProcessRecord:
        return cls(
            name=str(raw["name"]),
            pid=int(raw["pid"]),
            executable=str(raw["executable"]),
            argv=tuple(str(arg) for arg in raw["argv"]),
            ports={str(key): int(value) for key, value in raw["ports"].items()},
            log_path=str(raw["log_path"]),
            data_dir=None if raw["data_dir"] is None else str(raw["data_dir"]),
            started_at=str(raw["started_at"]),
        )


@dataclass(frozen=True)
class SubstrateState:
    """What runs where.

    `processes` holds only what is running; `ports` keeps every listener's port after `down` too,
    so the next `up` can reuse them and the pins stay valid. `owner_pid` is set when the processes
    die with the process that started them (test sessions).
    """

    fp_home: str
    s3_endpoint: str
    kafka_bootstrap: str
    kafka_storage: str
    tansu_bucket: str | None
    ig_port: int
    state_dsn: str
    processes: Mapping[str, ProcessRecord] = field(default_factory=dict)
    ports: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    owner_pid: int | None = None
    version: int = _STATE_VERSION

    def to_json(self) -> dict[str, Any]:
        body = asdict(self)
        body["processes"] = {name: asdict(record) for name, record in self.processes.items()}
        body["ports"] = {name: dict(group) for name, group in self.ports.items()}
        return body

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> SubstrateState:
        if raw.get("version") != _STATE_VERSION:
            raise ValueError(f"unknown state version {raw.get('version')!r}")
        return cls(
            fp_home=str(raw["fp_home"]),
            s3_endpoint=str(raw["s3_endpoint"]),
            kafka_bootstrap=str(raw["kafka_bootstrap"]),
            kafka_storage=str(raw["kafka_storage"]),
            tansu_bucket=None if raw["tansu_bucket"] is None else str(raw["tansu_bucket"]),
            ig_port=int(raw["ig_port"]),
            state_dsn=str(raw["state_dsn"]),
            processes={
                str(name): ProcessRecord.from_json(record) for name, record in raw["processes"].items()
            },
            ports={
                str(name): {str(key): int(value) for key, value in group.items()}
                for name, group in raw["ports"].items()
            },
            owner_pid=None if raw.get("owner_pid") is None else int(raw["owner_pid"]),
        )

    def pins(self) -> dict[str, str]:
        """The FP_LOCAL_* pins of this state (the content of local_pins.json)."""
        return {
            "FP_LOCAL_S3_ENDPOINT": self.s3_endpoint,
            "FP_LOCAL_KAFKA_BOOTSTRAP": self.kafka_bootstrap,
            "FP_LOCAL_STATE_DSN": self.state_dsn,
            "FP_LOCAL_IG_PORT": str(self.ig_port),
        }


def write_json_file(path: Path, value: Any, *, mode: int = 0o644) -> None:
    """Atomically replace `path` with `value` as pretty JSON, with exactly `mode` (no umask widening).

    Secrets (roles.json, identities.json) are written with `mode=0o600` by their writers; the
    guarantees are those of `fraud_platform.core.atomic_file.write_atomic`.
    """
    text = json.dumps(value, indent=2, sort_keys=True) + "\n"
    write_atomic(path, text.encode("utf-8"), mode=mode)


def read_json_file(path: Path) -> Any | None:
    """The parsed JSON at `path`, None if absent; unreadable JSON fails closed (never guessed around)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise FailClosed(SUBSTRATE_STATE_INVALID, f"{path} is not valid JSON", {"path": str(path)}) from error


def read_state(paths: SubstratePaths) -> SubstrateState | None:
    """The recorded state, None if `up` never ran here."""
    raw = read_json_file(paths.state_file)
    if raw is None:
        return None
    try:
        return SubstrateState.from_json(raw)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise FailClosed(
            SUBSTRATE_STATE_INVALID, f"{paths.state_file} does not match the state schema: {error}", {}
        ) from error


def write_state(paths: SubstratePaths, state: SubstrateState) -> None:
    """Record `state` atomically."""
    write_json_file(paths.state_file, state.to_json())


def write_pins(paths: SubstratePaths, state: SubstrateState) -> None:
    """Write local_pins.json, the flat pin object the local_parity profile resolves."""
    write_json_file(paths.pins_file, state.pins())
