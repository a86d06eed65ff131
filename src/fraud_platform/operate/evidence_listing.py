"""Listing a run's evidence: what `fp run evidence` and the demo print, and the aws-cli equivalent."""

from __future__ import annotations

from dataclasses import dataclass

from fraud_platform.operate.context import OperateContext
from fraud_platform.substrate.objectstore.port import S3Location

__all__ = ["EvidenceObject", "aws_cli_hint", "list_run_evidence"]


@dataclass(frozen=True)
class EvidenceObject:
    """One object under `evidence/runs/{platform_run_id}/`."""

    uri: str
    key: str
    size: int


def list_run_evidence(ctx: OperateContext, platform_run_id: str) -> list[EvidenceObject]:
    """Every evidence object of the run, in key order."""
    run = ctx.run(platform_run_id)
    return [
        EvidenceObject(S3Location(run.bucket, info.key).uri, info.key, info.size)
        for info in ctx.store.list(run.prefix)
    ]


def aws_cli_hint(ctx: OperateContext, platform_run_id: str) -> str:
    """The aws-cli command that lists the same objects (endpoint included for a local S3 API)."""
    endpoint = ctx.profile.object_store.endpoint_url
    flag = f"--endpoint-url {endpoint} " if endpoint else ""
    return f"aws {flag}s3 ls --recursive {ctx.run(platform_run_id).prefix.uri}"
