"""The engine catalogue and gate map: the platform's own machine-readable copy of the engine interface.

Both ship as package data (`catalogue.yaml`, `gates.yaml`) and are validated as a whole when loaded:
every path template is checked (relative, under `data/`, known partition tokens in canonical order, no
stray whitespace), every gate an output names must exist, upstream gates must be listed before their
dependants (so the map is acyclic), and the default stream set must be streamed outputs. A malformed
entry is a packaging bug and fails closed with `ENGINE_CATALOGUE_INVALID`, never a guess.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from importlib import resources
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from fraud_platform.core.errors import FailClosed
from fraud_platform.engine._paths import parse_template, render_template
from fraud_platform.engine._reasons import ENGINE_CATALOGUE_INVALID, GATE_UNKNOWN, OUTPUT_UNKNOWN

__all__ = [
    "FLAG_NAME",
    "WORLD_KEY_NAMES",
    "ColumnSpec",
    "EngineCatalogue",
    "GateSpec",
    "OutputSpec",
    "load_catalogue",
    "parse_catalogue",
]

FLAG_NAME = "_passed.flag"

ColumnType = Literal["int32", "int64", "uint64", "float64", "bool", "string", "large_string"]
WORLD_KEY_NAMES = ("seed", "manifest_fingerprint", "parameter_hash", "scenario_id")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ColumnSpec(_Frozen):
    """A column the platform relies on (the engine may write more)."""

    name: str
    type: ColumnType
    nullable: bool = False


class OutputSpec(_Frozen):
    """One engine output: where it lives, its keys, the gates that authorise it and its topic."""

    output_id: str
    role: Literal["traffic", "context", "batch", "truth"]
    variant: Literal["fraud", "baseline"] | None
    path_template: str
    primary_key: tuple[str, ...]
    sort_keys: tuple[str, ...]
    required_gates: tuple[str, ...]
    topic: str | None
    columns: tuple[ColumnSpec, ...]
    world_key_columns: tuple[ColumnSpec, ...] | None = None
    statistics: bool = True

    @field_validator("path_template")
    @classmethod
    def _template_is_valid(cls, value: str) -> str:
        parse_template(value)
        return value

    @model_validator(mode="after")
    def _keys_are_columns(self) -> OutputSpec:
        names = [column.name for column in self.columns]
        if len(set(names)) != len(names):
            raise ValueError(f"{self.output_id}: duplicate column names")
        if self.world_key_columns is not None:
            key_names = [column.name for column in self.world_key_columns]
            if key_names != [name for name in WORLD_KEY_NAMES if name in key_names]:
                raise ValueError(
                    f"{self.output_id}: world_key_columns must be world-key names in canonical order"
                )
            if "seed" not in key_names or "scenario_id" not in key_names or set(key_names) & set(names):
                raise ValueError(
                    f"{self.output_id}: world_key_columns need seed and scenario_id, apart from columns"
                )
            if any(column.nullable for column in self.world_key_columns):
                raise ValueError(f"{self.output_id}: world-key columns are never nullable")
        for key in (*self.primary_key, *self.sort_keys):
            if key not in names:
                raise ValueError(f"{self.output_id}: key column {key!r} is not among its columns")
        if not self.primary_key or not self.sort_keys or not self.required_gates:
            raise ValueError(f"{self.output_id}: primary_key, sort_keys and required_gates must be non-empty")
        if (self.topic is not None) != (self.role in ("traffic", "context")):
            raise ValueError(f"{self.output_id}: exactly the traffic and context outputs map to a topic")
        return self

    @property
    def dataset_root(self) -> str:
        """The static part of the template (before the first partition segment), relative to the run root."""
        return parse_template(self.path_template)[0]

    @property
    def partition_tokens(self) -> tuple[str, ...]:
        """The partition tokens this output uses, in canonical order."""
        return parse_template(self.path_template)[1]

    @property
    def streamed(self) -> bool:
        """Whether the output maps to a Kafka topic (traffic and context outputs)."""
        return self.topic is not None

    @property
    def column_names(self) -> tuple[str, ...]:
        """The relied-on column names, in catalogue order (world-key columns not included)."""
        return tuple(column.name for column in self.columns)

    def world_key_columns_or(self, default: tuple[ColumnSpec, ...]) -> tuple[ColumnSpec, ...]:
        """The world-key columns this output's rows carry (its own list, else `default`)."""
        return self.world_key_columns if self.world_key_columns is not None else default

    def partition_path(self, values: Mapping[str, object]) -> str:
        """The partition folder for these world-key values, relative to the run root (no trailing `/`).

        Raises FailClosed(WORLD_KEY_INVALID) for a missing or malformed value.
        """
        return render_template(self.path_template, values)


class GateSpec(_Frozen):
    """One validation gate: where its bundle lives and how its `_passed.flag` digest is recomputed."""

    gate_id: str
    segment: str
    layer: int
    upstream: tuple[str, ...]
    bundle_path: str
    flag_format: Literal["text", "json"]
    method: Literal["bundle_digest", "index_digest", "member_digest_concat"]
    index_file: str | None
    index_order: Literal["sorted", "index"]
    exclusions: tuple[str, ...]
    path_base: Literal["bundle", "run_root"]

    @model_validator(mode="after")
    def _consistent(self) -> GateSpec:
        if self.gate_id != f"gate.layer{self.layer}.{self.segment}.validation":
            raise ValueError(f"{self.gate_id}: id must be gate.layer{{layer}}.{{segment}}.validation")
        expected = (
            f"data/layer{self.layer}/{self.segment}/validation/manifest_fingerprint={{manifest_fingerprint}}"
        )
        if self.bundle_path != expected:
            raise ValueError(f"{self.gate_id}: bundle_path must be {expected!r}, got {self.bundle_path!r}")
        parse_template(self.bundle_path)
        if (self.method == "bundle_digest") != (self.index_file is None):
            raise ValueError(f"{self.gate_id}: an index file is needed exactly by the index-based methods")
        if self.index_file is not None and (
            "/" in self.index_file or self.index_file != self.index_file.strip()
        ):
            raise ValueError(f"{self.gate_id}: index_file must be a bare file name")
        if FLAG_NAME not in self.exclusions:
            raise ValueError(f"{self.gate_id}: exclusions must include {FLAG_NAME}")
        return self

    def bundle_root(self, manifest_fingerprint: str) -> str:
        """The bundle folder relative to the run root (no trailing `/`)."""
        return render_template(self.bundle_path, {"manifest_fingerprint": manifest_fingerprint})

    def flag_path(self, manifest_fingerprint: str) -> str:
        """The `_passed.flag` path relative to the run root."""
        return f"{self.bundle_root(manifest_fingerprint)}/{FLAG_NAME}"

    @property
    def published_marker(self) -> str:
        """The bundle file whose presence means the engine published the bundle (its index).

        The engine publishes a bundle folder atomically, index included, and adds `_passed.flag` only
        on PASS; so an index without a flag is a published FAIL, not a bundle still being written.
        1A/1B (bundle digest) carry an `index.json` too, listing itself.
        """
        return self.index_file or "index.json"


class EngineCatalogue(_Frozen):
    """Outputs, gates, the world-key columns and the default stream set, cross-validated."""

    outputs: tuple[OutputSpec, ...]
    gates: tuple[GateSpec, ...]
    world_key_columns: tuple[ColumnSpec, ...]
    default_stream_outputs: tuple[str, ...]

    @model_validator(mode="after")
    def _cross_references(self) -> EngineCatalogue:
        output_ids = [spec.output_id for spec in self.outputs]
        if len(set(output_ids)) != len(output_ids):
            raise ValueError("duplicate output ids")
        seen: list[str] = []
        for gate in self.gates:
            if gate.gate_id in seen:
                raise ValueError(f"duplicate gate id {gate.gate_id}")
            unknown = [up for up in gate.upstream if up not in seen]
            if unknown:
                # Upstream gates must be listed first: this also proves the map has no cycle.
                raise ValueError(f"{gate.gate_id}: upstream {unknown} unknown or listed after it")
            seen.append(gate.gate_id)
        for spec in self.outputs:
            missing = [gate for gate in spec.required_gates if gate not in seen]
            if missing:
                raise ValueError(f"{spec.output_id}: required gates {missing} are not in the gate map")
        topics = [spec.topic for spec in self.outputs if spec.topic is not None]
        if len(set(topics)) != len(topics):
            raise ValueError("two outputs map to the same topic")
        for output_id in self.default_stream_outputs:
            if output_id not in output_ids or not self.output(output_id).streamed:
                raise ValueError(f"default stream output {output_id!r} is not a streamed catalogue output")
        if tuple(column.name for column in self.world_key_columns) != WORLD_KEY_NAMES:
            raise ValueError(
                "world_key_columns must be seed, manifest_fingerprint, parameter_hash, scenario_id"
            )
        return self

    @property
    def output_ids(self) -> tuple[str, ...]:
        """Every output id, in catalogue order."""
        return tuple(spec.output_id for spec in self.outputs)

    @property
    def gate_ids(self) -> tuple[str, ...]:
        """Every gate id, in gate-map (topological) order."""
        return tuple(gate.gate_id for gate in self.gates)

    def output(self, output_id: str) -> OutputSpec:
        """The spec of `output_id`; raises FailClosed(OUTPUT_UNKNOWN) for an id not in the catalogue."""
        for spec in self.outputs:
            if spec.output_id == output_id:
                return spec
        raise FailClosed(
            OUTPUT_UNKNOWN, f"output {output_id!r} is not in the engine catalogue", {"output_id": output_id}
        )

    def gate(self, gate_id: str) -> GateSpec:
        """The spec of `gate_id`; raises FailClosed(GATE_UNKNOWN) for an id not in the gate map."""
        for gate in self.gates:
            if gate.gate_id == gate_id:
                return gate
        raise FailClosed(
            GATE_UNKNOWN, f"gate {gate_id!r} is not in the engine gate map", {"gate_id": gate_id}
        )

    def output_world_key_columns(self, output_id: str) -> tuple[ColumnSpec, ...]:
        """The world-key columns (with the engine's types) that rows of `output_id` carry."""
        return self.output(output_id).world_key_columns_or(self.world_key_columns)

    def output_columns(self, output_id: str) -> tuple[ColumnSpec, ...]:
        """Every relied-on column of `output_id`: its own columns, then its world-key columns."""
        return (*self.output(output_id).columns, *self.output_world_key_columns(output_id))

    def topic_for(self, output_id: str) -> str | None:
        """The Kafka topic of a streamed output (None for batch and truth outputs)."""
        return self.output(output_id).topic

    def gate_closure(self, gate_ids: Iterable[str]) -> tuple[GateSpec, ...]:
        """The gates named plus all their upstream gates, transitively, each once, in gate-map order."""
        wanted: set[str] = set()
        stack = list(gate_ids)
        while stack:
            gate = self.gate(stack.pop())
            if gate.gate_id not in wanted:
                wanted.add(gate.gate_id)
                stack.extend(gate.upstream)
        return tuple(gate for gate in self.gates if gate.gate_id in wanted)

    def gates_for_outputs(self, output_ids: Iterable[str]) -> tuple[GateSpec, ...]:
        """The transitive gate closure that authorises reading all of `output_ids`."""
        required: list[str] = []
        for output_id in output_ids:
            required.extend(self.output(output_id).required_gates)
        return self.gate_closure(required)


_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader (same documents, ~7x faster here: 9 vs 63 ms for the catalogue) where PyYAML
was built with it, as its wheels are; the pure-Python one otherwise."""


def _load_yaml(text: str, name: str) -> dict[str, Any]:
    try:
        document = yaml.load(text, Loader=_SAFE_LOADER)  # a safe loader (libyaml or pure Python)
    except yaml.YAMLError as error:
        raise FailClosed(
            ENGINE_CATALOGUE_INVALID, f"{name} is not valid YAML: {error}", {"file": name}
        ) from error
    if not isinstance(document, dict) or document.get("version") != 1:
        raise FailClosed(
            ENGINE_CATALOGUE_INVALID, f"{name} must be a mapping with version: 1", {"file": name}
        )
    return document


def parse_catalogue(catalogue_text: str, gates_text: str) -> EngineCatalogue:
    """Build and validate a catalogue from the two YAML documents; raises ENGINE_CATALOGUE_INVALID."""
    outputs_doc = _load_yaml(catalogue_text, "catalogue.yaml")
    gates_doc = _load_yaml(gates_text, "gates.yaml")
    try:
        return EngineCatalogue.model_validate(
            {
                "outputs": outputs_doc.get("outputs"),
                "gates": gates_doc.get("gates"),
                "world_key_columns": outputs_doc.get("world_key_columns"),
                "default_stream_outputs": outputs_doc.get("default_stream_outputs"),
            }
        )
    except ValidationError as error:
        raise FailClosed(ENGINE_CATALOGUE_INVALID, f"engine catalogue is invalid: {error}") from error


@functools.cache
def load_catalogue() -> EngineCatalogue:
    """The packaged catalogue and gate map (parsed once per process); raises ENGINE_CATALOGUE_INVALID."""
    package = resources.files("fraud_platform.engine")
    return parse_catalogue(
        package.joinpath("catalogue.yaml").read_text(encoding="utf-8"),
        package.joinpath("gates.yaml").read_text(encoding="utf-8"),
    )
