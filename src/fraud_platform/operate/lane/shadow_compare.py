"""Comparing what two lane runs admitted: the parity proof of `fp run shadow`, as pure functions.

Both runs run under one profile, so their events differ in `platform_run_id` (and `scenario_run_id`)
by design; everything else must match. Event ids are deterministic from (output, row keys, world
key), so they match across two landings of one world; the payload hash here is the SHA-256 of the
event's canonical `payload` (the row), not IG's receipt hash, which covers the whole envelope and so
differs between any two runs.

Compared, per output (outputs in sorted order, and within an output in this order):
1. `only_left` / `only_right`: an admitted event id found on one run's topic and not the other's;
2. `payload`: one event id with two payload hashes;
3. `order`: per partition key, the sequence of event ids as they sit on the topic (offset order in
   the key's partition), restricted to ids both runs admitted, so a missing event is reported once,
   as 1., and not again as a reordering; the first position that differs is reported;
4. `decisions`: per event id, the sorted list of IG's receipt decisions (`ADMIT`, `DUPLICATE`,
   `QUARANTINE:<reason>`), over every id either run's receipts name.
Within each kind, subjects are in sorted order, so the first difference is reproducible.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from fraud_platform.obs.shadow_record import ShadowDifference

__all__ = ["AdmittedEvent", "Comparison", "RunRecords", "compare_runs"]


@dataclass(frozen=True)
class AdmittedEvent:
    """One record of a run read back from the bus, at its place on the topic."""

    output_id: str
    event_id: str
    payload_hash: str
    partition_key: str
    partition: int
    offset: int


@dataclass(frozen=True)
class RunRecords:
    """One run's admitted events (any order; offsets give the topic order) and receipt decisions.

    `decisions` maps (output_id, event_id) to that event's decisions, one per receipt line.
    """

    events: Sequence[AdmittedEvent]
    decisions: Mapping[tuple[str, str], Sequence[str]] = field(default_factory=dict)

    def outputs(self) -> set[str]:
        return {event.output_id for event in self.events} | {output for output, _ in self.decisions}

    def admitted(self, output_id: str) -> dict[str, str]:
        """event_id → payload hash of the output's admitted events."""
        return {e.event_id: e.payload_hash for e in self.events if e.output_id == output_id}

    def key_sequences(self, output_id: str, keep: set[str]) -> dict[str, list[str]]:
        """partition key → event ids in topic order, for the ids in `keep`."""
        ordered = sorted(
            (e for e in self.events if e.output_id == output_id and e.event_id in keep),
            key=lambda e: (e.partition, e.offset),
        )
        sequences: dict[str, list[str]] = {}
        for event in ordered:
            sequences.setdefault(event.partition_key, []).append(event.event_id)
        return sequences

    def decisions_of(self, output_id: str) -> dict[str, list[str]]:
        return {
            event_id: sorted(found)
            for (output, event_id), found in self.decisions.items()
            if output == output_id
        }


@dataclass(frozen=True)
class Comparison:
    """Every difference found (in reporting order) and per-output counts of both sides."""

    differences: tuple[ShadowDifference, ...]
    compared: dict[str, dict[str, int]]

    @property
    def identical(self) -> bool:
        return not self.differences

    def first(self, limit: int) -> list[ShadowDifference]:
        return list(self.differences[:limit])


def _membership(output_id: str, left: dict[str, str], right: dict[str, str]) -> Iterator[ShadowDifference]:
    for event_id in sorted(set(left) - set(right)):
        yield ShadowDifference(
            kind="only_left", output_id=output_id, subject=event_id, left=left[event_id], right=None
        )
    for event_id in sorted(set(right) - set(left)):
        yield ShadowDifference(
            kind="only_right", output_id=output_id, subject=event_id, left=None, right=right[event_id]
        )


def _payloads(output_id: str, left: dict[str, str], right: dict[str, str]) -> Iterator[ShadowDifference]:
    for event_id in sorted(set(left) & set(right)):
        if left[event_id] != right[event_id]:
            yield ShadowDifference(
                kind="payload",
                output_id=output_id,
                subject=event_id,
                left=left[event_id],
                right=right[event_id],
            )


def _order(
    output_id: str, left: dict[str, list[str]], right: dict[str, list[str]]
) -> Iterator[ShadowDifference]:
    for key in sorted(set(left) | set(right)):
        one, other = left.get(key, []), right.get(key, [])
        if one == other:
            continue
        position = next((i for i, (a, b) in enumerate(zip(one, other, strict=False)) if a != b), None)
        if position is None:
            position = min(len(one), len(other))
        yield ShadowDifference(
            kind="order",
            output_id=output_id,
            subject=f"key {key} position {position}",
            left=one[position] if position < len(one) else None,
            right=other[position] if position < len(other) else None,
        )


def _decisions(
    output_id: str, left: dict[str, list[str]], right: dict[str, list[str]]
) -> Iterator[ShadowDifference]:
    for event_id in sorted(set(left) | set(right)):
        one, other = left.get(event_id, []), right.get(event_id, [])
        if one != other:
            yield ShadowDifference(
                kind="decisions",
                output_id=output_id,
                subject=event_id,
                left=",".join(one) or None,
                right=",".join(other) or None,
            )


def compare_runs(left: RunRecords, right: RunRecords) -> Comparison:
    """Every difference between the two runs (module docstring), in reporting order."""
    differences: list[ShadowDifference] = []
    compared: dict[str, dict[str, int]] = {}
    for output_id in sorted(left.outputs() | right.outputs()):
        left_admitted, right_admitted = left.admitted(output_id), right.admitted(output_id)
        both = set(left_admitted) & set(right_admitted)
        before = len(differences)
        differences.extend(_membership(output_id, left_admitted, right_admitted))
        differences.extend(_payloads(output_id, left_admitted, right_admitted))
        differences.extend(
            _order(output_id, left.key_sequences(output_id, both), right.key_sequences(output_id, both))
        )
        differences.extend(_decisions(output_id, left.decisions_of(output_id), right.decisions_of(output_id)))
        compared[output_id] = {
            "left_admitted": len(left_admitted),
            "right_admitted": len(right_admitted),
            "in_both": len(both),
            "differences": len(differences) - before,
        }
    return Comparison(tuple(differences), compared)
