"""What transient data a run still has: objects under its working prefix, state rows, consumer groups.

The inventory is read from the substrates each time (never remembered), so a rerun after a crash
sees exactly what is left. Objects under the run's `ig/receipts/` are listed apart as *kept*: `fp run
verify` re-reads them (operate/lane/recheck.py: the sampled event ids are looked up among IG's
admitted receipts), and teardown must leave a run that still verifies.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from fraud_platform.operate.teardown.guard import check_deletable
from fraud_platform.substrate.bus.groups import KafkaGroupAdmin
from fraud_platform.substrate.objectstore.port import ObjectStore, S3Location
from fraud_platform.substrate.state.run_rows import count_run_rows
from fraud_platform.substrate.state.tables import StateEngine
from fraud_platform.wsp.consume import legacy_group_id_for, served_run_of

__all__ = [
    "KEPT_FOR_VERIFY",
    "ObjectSet",
    "RunSurfaces",
    "list_objects",
    "run_groups",
    "run_prefix",
    "run_surfaces",
]

KEPT_FOR_VERIFY: tuple[str, ...] = ("ig/receipts/",)
"""Folders under a run's working prefix that `fp run verify` re-reads (module docstring)."""

_GROUP_DEPTH = 2


def run_prefix(bucket: str, platform_run_id: str) -> S3Location:
    """`fraud-platform/{platform_run_id}/` in the object-store bucket: the run's working prefix."""
    return S3Location(bucket, f"fraud-platform/{platform_run_id}/")


@dataclass(frozen=True)
class ObjectSet:
    """Objects of one bucket, with their sizes, grouped for display by the folder under `base`."""

    bucket: str
    base: str
    objects: tuple[tuple[str, int], ...] = ()

    @property
    def count(self) -> int:
        return len(self.objects)

    @property
    def bytes(self) -> int:
        return sum(size for _, size in self.objects)

    def locations(self) -> list[S3Location]:
        return [S3Location(self.bucket, key) for key, _ in self.objects]

    def folders(self) -> list[dict[str, Any]]:
        """Per folder (up to two levels under `base`): its URI, object count and bytes, sorted."""
        totals: dict[str, list[int]] = {}
        for key, size in self.objects:
            parts = key[len(self.base) :].split("/")[:-1][:_GROUP_DEPTH]
            folder = self.base + "".join(f"{part}/" for part in parts)
            entry = totals.setdefault(folder, [0, 0])
            entry[0], entry[1] = entry[0] + 1, entry[1] + size
        return [
            {"prefix": S3Location(self.bucket, folder).uri, "objects": count, "bytes": size}
            for folder, (count, size) in sorted(totals.items())
        ]


def list_objects(store: ObjectStore, prefix: S3Location) -> ObjectSet:
    """Every object under `prefix`, each checked by the delete guard (a wrong prefix fails here)."""
    found: list[tuple[str, int]] = []
    for info in store.list(prefix):
        check_deletable(S3Location(prefix.bucket, info.key))
        found.append((info.key, info.size))
    return ObjectSet(prefix.bucket, prefix.key, tuple(found))


@dataclass(frozen=True)
class RunSurfaces:
    """A run's transient data as found now: objects to remove, objects kept for verify, rows, groups."""

    platform_run_id: str
    objects: ObjectSet
    kept: ObjectSet
    state_rows: dict[str, int] = field(default_factory=dict)
    groups: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        """Nothing left to remove (kept objects are not to remove)."""
        return not self.objects.count and not any(self.state_rows.values()) and not self.groups

    def to_plan(self) -> dict[str, Any]:
        """The plan document: every object key and size, rows per table, groups (sorted, no times)."""
        return {
            "platform_run_id": self.platform_run_id,
            "bucket": self.objects.bucket,
            "objects": [{"key": key, "bytes": size} for key, size in sorted(self.objects.objects)],
            "state_rows": dict(sorted(self.state_rows.items())),
            "consumer_groups": sorted(self.groups),
        }


def _split(objects: ObjectSet, prefix: S3Location) -> tuple[ObjectSet, ObjectSet]:
    kept_keys = tuple(prefix.key + folder for folder in KEPT_FOR_VERIFY)
    remove = tuple(item for item in objects.objects if not item[0].startswith(kept_keys))
    kept = tuple(item for item in objects.objects if item[0].startswith(kept_keys))
    return ObjectSet(objects.bucket, objects.base, remove), ObjectSet(objects.bucket, objects.base, kept)


def run_groups(listed: Sequence[str], platform_run_id: str) -> tuple[str, ...]:
    """The listed groups that belong to the run: WSP's group and any group named with the run id.

    WSP's group is `fp.{role}.run.{run}` under whichever role streamed it, or the legacy `fp-wsp-{run}`
    of a run streamed before the rename (`wsp.consume.LEGACY_GROUP_PREFIX`), so an old run's teardown
    still finds and deletes it.
    """
    legacy = legacy_group_id_for(platform_run_id)
    return tuple(
        sorted(
            group
            for group in listed
            if served_run_of(group) == platform_run_id or group == legacy or platform_run_id in group
        )
    )


def run_surfaces(
    store: ObjectStore,
    bucket: str,
    engine: StateEngine,
    groups: KafkaGroupAdmin,
    platform_run_id: str,
    *,
    listed_groups: Sequence[str] | None = None,
) -> RunSurfaces:
    """Read what the run still has on every substrate (`listed_groups` saves a ListGroups per run)."""
    prefix = run_prefix(bucket, platform_run_id)
    remove, kept = _split(list_objects(store, prefix), prefix)
    listed = groups.list_groups() if listed_groups is None else listed_groups
    return RunSurfaces(
        platform_run_id=platform_run_id,
        objects=remove,
        kept=kept,
        state_rows=count_run_rows(engine, platform_run_id),
        groups=run_groups(listed, platform_run_id),
    )
