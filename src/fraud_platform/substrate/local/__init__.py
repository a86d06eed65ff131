"""The local substrates the project starts itself: SeaweedFS (S3 API) and tansu (Kafka API).

Public API: :func:`up`, :func:`down`, :func:`status`, :func:`reload_identities` and
:func:`substrates` (the connection handle the test fixture yields). See docs/substrates.md.
"""

from fraud_platform.substrate.local.supervisor import (
    DownResult,
    LocalSubstrates,
    ProcessHealth,
    SubstrateStatus,
    UpResult,
    down,
    reload_identities,
    status,
    stop_leftovers,
    substrates,
    up,
)

__all__ = [
    "DownResult",
    "LocalSubstrates",
    "ProcessHealth",
    "SubstrateStatus",
    "UpResult",
    "down",
    "reload_identities",
    "status",
    "stop_leftovers",
    "substrates",
    "up",
]
