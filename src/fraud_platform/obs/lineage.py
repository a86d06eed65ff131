"""OpenLineage run events for the jobs of the run lane, built with the `openlineage-python` client.

Why: a Marquez or DataHub user should see the lane (land → seal → sort → sr → wsp → ig → reconcile)
with its S3 prefixes and Kafka topics as datasets, with no adapter of ours. So the events are the
client's own models (`openlineage.client.event_v2`), serialised with the client's `Serde`, named by
the OpenLineage naming spec: an S3 dataset is namespace `s3://{bucket}`, name the key prefix; a Kafka
dataset is namespace `kafka://{host:port}` (the first bootstrap server), name the topic.

Identity is deterministic, so a rerun of the same platform run re-emits the same events rather than
new ones: the run id is `uuid5(LINEAGE_UUID_NAMESPACE, "{platform_run_id}/{job}")` and the event time
comes from the injected clock.

Validation: the client wheel ships no JSON Schema file (only models generated from the spec, with
schema URLs of spec 2-0-2), so :func:`validate_event` re-builds the serialised JSON through those
generated models, whose validators enforce the spec's rules (UUID run id, ISO-8601 event time with a
time part, the event-type enum), checks the spec's required fields and the `_producer`/`_schemaURL` of
every facet, and demands that the rebuilt event serialises to the same JSON. No installable package
ships `OpenLineage.json` either (checked: the openlineage-python 1.54.0 wheel and 1.39.0 sdist,
openlineage-integration-common 1.54.0, which ships only its own facet schemas, openlineage-airflow
1.41.0 and openlineage-dbt 1.54.0; the npm registry has no OpenLineage package).

Transport: :func:`send_events` posts through the client's HTTP transport when the profile names an
endpoint (`lineage.openlineage_url`); a refusal is `LINEAGE_SEND_FAILED` (transient).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import requests
from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.generated.error_message_run import ErrorMessageRunFacet
from openlineage.client.generated.job_type_job import JobTypeJobFacet
from openlineage.client.serde import Serde
from openlineage.client.transport.http import HttpConfig, HttpTransport

from fraud_platform.core.errors import FailClosed, TransientError
from fraud_platform.core.time import format_utc
from fraud_platform.obs._reasons import LINEAGE_EVENT_INVALID, LINEAGE_SEND_FAILED
from fraud_platform.obs.evidence import validate_platform_run_id

__all__ = [
    "LANE_JOBS",
    "LINEAGE_UUID_NAMESPACE",
    "PRODUCER",
    "KafkaDataset",
    "LineageState",
    "S3Dataset",
    "build_run_event",
    "event_json",
    "lineage_run_id",
    "send_events",
    "validate_event",
]

LANE_JOBS = ("land", "seal", "sort", "sr", "wsp", "ig", "reconcile")
PRODUCER = "urn:fraud-platform:obs.lineage:v1"
LINEAGE_UUID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, PRODUCER)

LineageState = Literal["START", "COMPLETE", "FAIL"]
_SCHEMA_BASE = "https://openlineage.io/spec/"
_REQUIRED_EVENT_KEYS = ("eventTime", "producer", "run", "job", "schemaURL")


@dataclass(frozen=True)
class S3Dataset:
    """An S3 prefix as an OpenLineage dataset: namespace `s3://{bucket}`, name the key prefix."""

    bucket: str
    key_prefix: str

    def namespace(self) -> str:
        """The dataset namespace."""
        return f"s3://{self.bucket}"

    def name(self) -> str:
        """The dataset name (no leading slash, as the naming spec asks)."""
        return self.key_prefix.lstrip("/")


@dataclass(frozen=True)
class KafkaDataset:
    """A topic as an OpenLineage dataset: namespace `kafka://{host:port}`, name the topic."""

    bootstrap: str
    topic: str

    def namespace(self) -> str:
        """The first bootstrap server names the cluster (OpenLineage naming spec)."""
        return f"kafka://{self.bootstrap.split(',')[0].strip()}"

    def name(self) -> str:
        """The topic."""
        return self.topic


Dataset = S3Dataset | KafkaDataset


def lineage_run_id(platform_run_id: str, job: str) -> str:
    """The OpenLineage run id of one lane job of one platform run (uuid5: same inputs, same id)."""
    return str(uuid.uuid5(LINEAGE_UUID_NAMESPACE, f"{platform_run_id}/{job}"))


def _check_dataset(dataset: Dataset) -> None:
    if not dataset.name() or not dataset.namespace().split("://", 1)[1]:
        raise FailClosed(
            LINEAGE_EVENT_INVALID, "a dataset has an empty namespace or name", {"dataset": str(dataset)}
        )


def build_run_event(
    *,
    platform_run_id: str,
    profile: str,
    job: str,
    state: LineageState,
    event_time: datetime,
    inputs: Sequence[Dataset] = (),
    outputs: Sequence[Dataset] = (),
    error: str | None = None,
) -> RunEvent:
    """One RunEvent of `job` (one of LANE_JOBS) for `platform_run_id`; pure, no I/O.

    The job namespace is `fraud-platform/{profile}`, the job name `lane.{job}`. A FAIL event carries
    `error` as the spec's ErrorMessageRunFacet. Raises FailClosed(LINEAGE_EVENT_INVALID) on an unknown
    job, a bad run id, an empty dataset, or an `error` on a non-FAIL event.
    """
    validate_platform_run_id(platform_run_id)
    if job not in LANE_JOBS:
        raise FailClosed(LINEAGE_EVENT_INVALID, f"unknown lane job {job!r}", {"jobs": list(LANE_JOBS)})
    if (error is not None) != (state == "FAIL"):
        raise FailClosed(LINEAGE_EVENT_INVALID, "an error message goes with a FAIL event and only with it")
    for dataset in (*inputs, *outputs):
        _check_dataset(dataset)
    run_facets: dict[str, Any] = {}
    if error is not None:
        run_facets["errorMessage"] = ErrorMessageRunFacet(
            message=error, programmingLanguage="python", producer=PRODUCER
        )
    job_type = JobTypeJobFacet(
        processingType="BATCH", integration="FRAUD_PLATFORM", jobType="LANE_STEP", producer=PRODUCER
    )
    return RunEvent(
        eventType=RunState(state),
        eventTime=format_utc(event_time),
        run=Run(runId=lineage_run_id(platform_run_id, job), facets=run_facets),
        job=Job(namespace=f"fraud-platform/{profile}", name=f"lane.{job}", facets={"jobType": job_type}),
        inputs=[InputDataset(namespace=d.namespace(), name=d.name()) for d in inputs],
        outputs=[OutputDataset(namespace=d.namespace(), name=d.name()) for d in outputs],
        producer=PRODUCER,
    )


def event_json(event: RunEvent) -> str:
    """The client's own serialisation (`Serde.to_json`: nulls dropped, enums as strings, keys sorted)."""
    return Serde.to_json(event)


def _invalid(detail: str, where: str) -> FailClosed:
    return FailClosed(LINEAGE_EVENT_INVALID, detail, {"where": where})


def _check_facets(facets: Any, where: str) -> None:
    if facets is None:
        return
    if not isinstance(facets, Mapping):
        raise _invalid("facets must be an object", where)
    for name, facet in facets.items():
        if not isinstance(facet, Mapping) or not isinstance(facet.get("_producer"), str):
            raise _invalid(f"facet {name} lacks _producer", f"{where}.{name}")
        schema_url = facet.get("_schemaURL")
        if not isinstance(schema_url, str) or not schema_url.startswith(_SCHEMA_BASE):
            raise _invalid(f"facet {name} lacks an OpenLineage _schemaURL", f"{where}.{name}")


def _datasets(payload: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    items = payload.get(key, [])
    if not isinstance(items, list) or not all(isinstance(i, Mapping) for i in items):
        raise _invalid(f"{key} must be a list of objects", key)
    for index, item in enumerate(items):
        if not isinstance(item.get("namespace"), str) or not isinstance(item.get("name"), str):
            raise _invalid("a dataset needs a string namespace and name", f"{key}[{index}]")
        _check_facets(item.get("facets"), f"{key}[{index}].facets")
    return items


def validate_event(payload: Mapping[str, Any]) -> None:
    """Check one serialised RunEvent against the OpenLineage model the client package ships.

    Raises FailClosed(LINEAGE_EVENT_INVALID) naming the first breach; returns None when valid.
    """
    for key in _REQUIRED_EVENT_KEYS:
        if key not in payload:
            raise _invalid(f"missing required field {key}", key)
    run, job = payload["run"], payload["job"]
    if not isinstance(run, Mapping) or not isinstance(job, Mapping):
        raise _invalid("run and job must be objects", "run/job")
    if not isinstance(job.get("namespace"), str) or not isinstance(job.get("name"), str):
        raise _invalid("job needs a string namespace and name", "job")
    _check_facets(run.get("facets"), "run.facets")
    _check_facets(job.get("facets"), "job.facets")
    inputs, outputs = _datasets(payload, "inputs"), _datasets(payload, "outputs")
    run_id = run.get("runId")
    if not isinstance(run_id, str):
        raise _invalid("run.runId must be a string", "run.runId")
    try:
        rebuilt = RunEvent(
            eventType=RunState(payload["eventType"]) if "eventType" in payload else None,
            eventTime=payload["eventTime"],
            run=Run(runId=run_id),
            job=Job(namespace=job["namespace"], name=job["name"]),
            inputs=[InputDataset(namespace=i["namespace"], name=i["name"]) for i in inputs],
            outputs=[OutputDataset(namespace=o["namespace"], name=o["name"]) for o in outputs],
            producer=payload["producer"],
        )
    except (ValueError, TypeError) as error:  # the generated models' validators raise these
        raise _invalid(f"the OpenLineage model refuses the event: {error}", "event") from error
    if _without_facets(Serde.to_dict(rebuilt)) != _without_facets(payload):
        raise _invalid("the event does not round-trip through the OpenLineage model", "event")


def _without_facets(payload: Mapping[str, Any]) -> dict[str, Any]:
    # Facets were checked apart (the rebuilt event has none), so compare everything else.
    clean: dict[str, Any] = json.loads(json.dumps(payload))
    for part in ("run", "job"):
        clean[part].pop("facets", None)
    for key in ("inputs", "outputs"):
        for item in clean.get(key, []):
            for facet_key in ("facets", "inputFacets", "outputFacets"):
                item.pop(facet_key, None)
    return clean


def send_events(events: Iterable[RunEvent], url: str, *, timeout_s: float = 5.0) -> int:
    """Post each event to the OpenLineage endpoint at `url` with the client's HTTP transport.

    Blocks until every event is acknowledged; returns how many were sent. Not idempotent on the
    receiver's side by itself, but the deterministic run ids let a receiver (Marquez) merge a re-send.
    Raises TransientError(LINEAGE_SEND_FAILED) when the endpoint refuses or does not answer.
    """
    transport = HttpTransport(HttpConfig(url=url, timeout=timeout_s, retry={"total": 0}))
    sent = 0
    try:
        for event in events:
            try:
                transport.emit(event)  # raises for a non-2xx answer (raise_for_status inside)
            except requests.RequestException as error:  # SDK-translation point: the transport's errors
                raise TransientError(
                    LINEAGE_SEND_FAILED,
                    f"the OpenLineage endpoint refused an event: {type(error).__name__}",
                    {"url": url, "sent_before": sent},
                ) from error
            sent += 1
    finally:
        transport.close()
    return sent
