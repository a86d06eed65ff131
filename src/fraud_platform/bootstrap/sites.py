"""Probe sites, canaries and deletable prefixes: where verify may write, and what nobody may delete.

A probe site stands for one grant prefix (each `*` replaced by the `_bootstrap_probe` segment, or
the segment appended to a literal prefix), so a probe object sits in exactly the regions real data
of that prefix would, yet never collides with real data: `_bootstrap_probe` and `_bootstrap_canary`
are reserved names that no namespace, run id or engine path may take. Sites are literal prefixes,
so lifecycle rules expire leftovers by prefix and the bucket policy lets the operator clean them up.

A canary is a small, permanent, write-once object inside a truth prefix. It exists so that verify
can try to delete truth under every role (the operator included) without risking real truth.
"""

from __future__ import annotations

from fraud_platform.bootstrap.roles import DELETABLE_PREFIXES, OBJECT_GRANTS, TRUTH_PREFIXES, BucketKind

__all__ = [
    "CANARY_SEGMENT",
    "PROBE_SEGMENT",
    "canary_key",
    "deletable_prefixes",
    "probe_sites",
    "site_for",
    "site_roots",
]

PROBE_SEGMENT = "_bootstrap_probe"
CANARY_SEGMENT = "_bootstrap_canary"


def site_for(prefix: str) -> str:
    """The probe site of a grant prefix (`""` → `_bootstrap_probe/`)."""
    if "*" in prefix:
        return prefix.replace("*", PROBE_SEGMENT)
    return f"{prefix}{PROBE_SEGMENT}/"


def probe_sites(kind: BucketKind) -> tuple[str, ...]:
    """Every probe site of a bucket: one per distinct grant prefix, plus the bucket root."""
    prefixes = {""} | {grant.prefix for grant in OBJECT_GRANTS if grant.bucket is kind}
    return tuple(sorted({site_for(prefix) for prefix in prefixes}))


def site_roots(kind: BucketKind) -> tuple[str, ...]:
    """The shortest literal prefixes that hold every site of a bucket (for lifecycle and sweeping)."""
    marker = f"{PROBE_SEGMENT}/"
    roots = {site[: site.index(marker) + len(marker)] for site in probe_sites(kind)}
    return tuple(sorted(roots))


def deletable_prefixes(kind: BucketKind) -> tuple[str, ...]:
    """Where the operator may delete: the bucket's deletable prefixes plus its probe-site roots.

    A root already inside another deletable prefix is dropped, so the list is minimal and sorted.
    """
    candidates = sorted({*DELETABLE_PREFIXES[kind], *site_roots(kind)})
    return tuple(
        prefix
        for prefix in candidates
        if not any(other != prefix and prefix.startswith(other) for other in candidates)
    )


def canary_key(kind: BucketKind) -> str:
    """The key of the bucket's truth canary: `<first truth prefix>_bootstrap_canary/canary.json`."""
    return f"{TRUTH_PREFIXES[kind][0]}{CANARY_SEGMENT}/canary.json"
