"""Stream-view locators as READY names them: the committed attempt, by URI and SHA-256.

READY's `oracle_pack_ref.stream_views[output_id]` binds one committed attempt of a view:
`{stream_view_id, attempt_id, receipt_uri, receipt_sha256, view_manifest_uri, view_manifest_sha256}`.
WSP reads exactly that attempt: the view manifest at that URI (its bytes must hash to the recorded
SHA-256), then exactly the parts it lists, under the same attempt folder. A bare folder URI (the
pre-attempt form) is refused: reading it would mean listing the folder, which may also hold orphan
attempts of a sort that never committed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fraud_platform.core.errors import FailClosed
from fraud_platform.oracle.check import ViewLocator
from fraud_platform.wsp._reasons import WSP_VIEW_LOCATOR_INVALID

__all__ = ["VIEW_MANIFEST_FILE", "VIEW_REF_FIELDS", "ViewRef", "parse_view_ref"]

VIEW_MANIFEST_FILE = "_stream_view_manifest.json"
RECEIPT_FILE = "_stream_sort_receipt.json"
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_ATTEMPT = re.compile(r"^[0-9a-f]{16,64}$")
VIEW_REF_FIELDS = (
    "stream_view_id",
    "attempt_id",
    "receipt_uri",
    "receipt_sha256",
    "view_manifest_uri",
    "view_manifest_sha256",
)


@dataclass(frozen=True)
class ViewRef:
    """One output's committed view attempt, as READY names it."""

    output_id: str
    stream_view_id: str
    attempt_id: str
    receipt_uri: str
    receipt_sha256: str
    view_manifest_uri: str
    view_manifest_sha256: str

    @property
    def view_dir_uri(self) -> str:
        """The view folder (parts are named relative to it, under `attempt={attempt_id}/`)."""
        return self.receipt_uri[: -len(RECEIPT_FILE)]

    @property
    def attempt_prefix(self) -> str:
        return f"attempt={self.attempt_id}/"

    def to_json(self) -> dict[str, str]:
        return {name: str(getattr(self, name)) for name in ("output_id", *VIEW_REF_FIELDS)}

    def matches_check(self, checked: ViewLocator | None) -> bool:
        """Whether the view the Oracle check just committed to for this output is exactly this one."""
        if checked is None:
            return False
        found = checked.ready_ref()
        return all(found.get(name) == getattr(self, name) for name in VIEW_REF_FIELDS)


def parse_view_ref(pack_root: str, output_id: str, raw: Any) -> ViewRef:
    """A READY locator as a `ViewRef`; FailClosed(WSP_VIEW_LOCATOR_INVALID) unless it is well formed.

    Well formed: every field present; ids and digests in shape; the receipt and the manifest inside
    this output's view folder under the pack root, the manifest in the attempt's own folder.
    """
    value = raw.model_dump(mode="json") if hasattr(raw, "model_dump") else raw
    if not isinstance(value, Mapping):
        raise FailClosed(
            WSP_VIEW_LOCATOR_INVALID,
            f"READY names the view of {output_id} by folder, not by its committed attempt",
            {"output_id": output_id, "locator": str(value)[:300]},
        )
    missing = [name for name in VIEW_REF_FIELDS if not isinstance(value.get(name), str)]
    if missing:
        raise FailClosed(
            WSP_VIEW_LOCATOR_INVALID, f"the locator of {output_id} lacks {missing}", {"output_id": output_id}
        )
    ref = ViewRef(output_id=output_id, **{name: str(value[name]) for name in VIEW_REF_FIELDS})
    folder = f"{pack_root.rstrip('/')}/stream_view/ts_utc/output_id={output_id}/"
    problems = [
        name
        for name, ok in (
            ("stream_view_id", bool(_HEX64.match(ref.stream_view_id))),
            ("attempt_id", bool(_ATTEMPT.match(ref.attempt_id))),
            ("receipt_sha256", bool(_HEX64.match(ref.receipt_sha256))),
            ("view_manifest_sha256", bool(_HEX64.match(ref.view_manifest_sha256))),
            ("receipt_uri", ref.receipt_uri == folder + RECEIPT_FILE),
            ("view_manifest_uri", ref.view_manifest_uri == folder + ref.attempt_prefix + VIEW_MANIFEST_FILE),
        )
        if not ok
    ]
    if problems:
        raise FailClosed(
            WSP_VIEW_LOCATOR_INVALID,
            f"the locator of {output_id} is malformed or outside its view folder: {problems}",
            {"output_id": output_id, "fields": problems},
        )
    return ref
