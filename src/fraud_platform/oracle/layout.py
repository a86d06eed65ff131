"""Names inside an Oracle pack root, and how a root is spelled.

A pack root is `s3://{bucket}/oracle-store/{namespace}/{engine_run_id}/`: the engine tree byte for
byte, plus the Oracle's own objects, which live under names an engine world never uses (a landing
source holding one of them is refused, so the Oracle can never shadow engine truth).

Commit order: the only fixed names written are commit objects (`_oracle/landing_manifest.json`,
`_SEALED.json`, each view's `_stream_sort_receipt.json`). Everything written before them is
content-addressed (the pack manifest, `_oracle/pack_manifest/{sha256}.json`) or attempt-scoped (a
view's parts and manifest under `attempt={attempt_id}/`), and the commit object names it with its
SHA-256, so a crash before the commit leaves only orphans that no reader follows and a rerun (with
the same or other inputs) never collides with them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from fraud_platform.core.errors import FailClosed
from fraud_platform.oracle._reasons import ORACLE_ROOT_INVALID
from fraud_platform.substrate.objectstore.port import S3Location

__all__ = [
    "LANDING_MANIFEST_NAME",
    "LEGACY_PACK_MANIFEST_NAME",
    "PACK_MANIFEST_PREFIX",
    "RESERVED_TOP_LEVEL",
    "RUN_RECEIPT_NAME",
    "SEAL_NAME",
    "STREAM_RECEIPT_NAME",
    "STREAM_VIEW_MANIFEST_NAME",
    "PackRoot",
    "default_root_uri",
    "is_reserved",
    "view_manifest_name",
]

RUN_RECEIPT_NAME = "run_receipt.json"
LANDING_MANIFEST_NAME = "_oracle/landing_manifest.json"
# Pack manifests are content-addressed: `_oracle/pack_manifest/{sha256}.json`, named by `_SEALED.json`.
PACK_MANIFEST_PREFIX = "_oracle/pack_manifest/"
# The fixed name the first layout wrote before its seal; still reserved so no engine file can take it.
LEGACY_PACK_MANIFEST_NAME = "_oracle_pack_manifest.json"
SEAL_NAME = "_SEALED.json"
STREAM_VIEW_PREFIX = "stream_view/"
STREAM_RECEIPT_NAME = "_stream_sort_receipt.json"
STREAM_VIEW_MANIFEST_NAME = "_stream_view_manifest.json"

# Top-level names of a pack root that belong to the Oracle, never to the engine tree.
RESERVED_TOP_LEVEL = frozenset({"_oracle", LEGACY_PACK_MANIFEST_NAME, SEAL_NAME, "stream_view"})

_SEGMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.=-]*$")


def is_reserved(relative_path: str) -> bool:
    """Whether a path relative to a pack root names an Oracle object rather than an engine file."""
    return relative_path.split("/", 1)[0] in RESERVED_TOP_LEVEL


def view_manifest_name(attempt_id: str) -> str:
    """The view manifest of one sort attempt, relative to the view folder (beside its parts)."""
    return f"attempt={attempt_id}/{STREAM_VIEW_MANIFEST_NAME}"


def default_root_uri(bucket: str, namespace: str, engine_run_id: str) -> str:
    """`s3://{bucket}/oracle-store/{namespace}/{engine_run_id}/`, the profile's root for one world."""
    for name, value in (("namespace", namespace), ("engine_run_id", engine_run_id)):
        if not _SEGMENT.match(value):
            raise FailClosed(ORACLE_ROOT_INVALID, f"{name} {value!r} is not a plain path segment")
    return f"s3://{bucket}/oracle-store/{namespace}/{engine_run_id}/"


@dataclass(frozen=True)
class PackRoot:
    """A pack root prefix (always ending in `/`) and the Oracle object names under it."""

    location: S3Location

    @classmethod
    def parse(cls, uri: str) -> PackRoot:
        """Parse `s3://bucket/prefix/`; a bucket root or a path with `..` is refused."""
        try:
            location = S3Location.parse(uri)
        except ValueError as error:
            raise FailClosed(ORACLE_ROOT_INVALID, str(error), {"root": uri}) from error
        key = location.key.strip("/")
        if not key or any(part in ("", ".", "..") for part in key.split("/")):
            raise FailClosed(
                ORACLE_ROOT_INVALID, "a pack root needs a plain, non-empty prefix", {"root": uri}
            )
        return cls(S3Location(location.bucket, key + "/"))

    @property
    def uri(self) -> str:
        return self.location.uri

    @property
    def prefix(self) -> str:
        """The key prefix, ending in `/`."""
        return self.location.key

    def child(self, relative_path: str) -> S3Location:
        """The location of a path relative to the root."""
        return S3Location(self.location.bucket, self.prefix + relative_path)

    def relative(self, key: str) -> str:
        """The path of a full key relative to the root (the key must lie under it)."""
        if not key.startswith(self.prefix):
            raise ValueError(f"{key!r} is not under {self.prefix!r}")
        return key[len(self.prefix) :]

    @property
    def landing_manifest(self) -> S3Location:
        return self.child(LANDING_MANIFEST_NAME)

    def pack_manifest(self, sha256: str) -> S3Location:
        """The content-addressed pack manifest whose bytes have this SHA-256 (as `_SEALED.json` names it)."""
        if not re.fullmatch(r"[0-9a-f]{64}", sha256):
            raise ValueError(f"{sha256!r} is not a lowercase SHA-256 hex digest")
        return self.child(f"{PACK_MANIFEST_PREFIX}{sha256}.json")

    @property
    def seal(self) -> S3Location:
        return self.child(SEAL_NAME)

    @property
    def run_receipt(self) -> S3Location:
        return self.child(RUN_RECEIPT_NAME)

    def stream_view_dir(self, output_id: str) -> str:
        """Relative folder of one output's stream view (sorted by `ts_utc` or its pinned key)."""
        return f"{STREAM_VIEW_PREFIX}ts_utc/output_id={output_id}/"

    def stream_receipt(self, output_id: str) -> S3Location:
        """The closure receipt: the commit object of a stream view."""
        return self.child(self.stream_view_dir(output_id) + STREAM_RECEIPT_NAME)

    def stream_view_uri(self, output_id: str) -> str:
        return self.child(self.stream_view_dir(output_id)).uri
