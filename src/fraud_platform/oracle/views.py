"""Consumer-side checks of one stream view: committed, bound to the pack, self-consistent, parts intact.

The closure receipt (`_stream_sort_receipt.json`, model `closure.StreamSortReceipt`, owned by the
sort) is the commit object of a view. A reader trusts it only when:
- it parses and is bound to this pack: same oracle_pack_id, world key, output, pinned sort keys and
  a `stream_view_id` that recomputes (else STREAM_VIEW_UNBOUND), and its raw sources are exactly the
  landed files of the scenario partition with the SHA-256 the landing recorded;
- its proof holds (`closure.closure_problems`: equal counts, multiset digests and key ranges, keys
  non-decreasing, parts adding up), it names nothing outside its own attempt folder, and the
  attempt's view manifest has the recorded SHA-256 (else STREAM_VIEW_INCONSISTENT);
- every part it lists is still in the store with its size and SHA-256 (a HEAD each, in parallel, which
  trusts the SHA-256 the store kept; with `deep=True` every part is streamed and re-hashed instead;
  else STREAM_VIEW_PARTS_MISSING).

A passing view yields a :class:`ViewLocator`: the committed attempt, the receipt and the view
manifest by URI and SHA-256. READY hands these out, so a consumer reads exactly the attempt the
receipt committed and never globs a view folder that may also hold orphan attempts.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from fraud_platform.core.errors import PlatformError
from fraud_platform.core.reasons import ReasonCode
from fraud_platform.engine.catalogue import OutputSpec
from fraud_platform.oracle._parallel import run_bounded
from fraud_platform.oracle._reasons import (
    STREAM_VIEW_INCONSISTENT,
    STREAM_VIEW_MISSING,
    STREAM_VIEW_PARTS_MISSING,
    STREAM_VIEW_UNBOUND,
)
from fraud_platform.oracle._store import read_optional, stored_sha256
from fraud_platform.oracle.layout import STREAM_RECEIPT_NAME, PackRoot
from fraud_platform.oracle.sort.closure.receipt import (
    StreamSortReceipt,
    ViewPart,
    closure_problems,
    parse_receipt,
)
from fraud_platform.oracle.sort.pack import SealedPack
from fraud_platform.substrate.objectstore.hashing import HashingReader
from fraud_platform.substrate.objectstore.port import ObjectStore

__all__ = ["ViewLocator", "ViewProblem", "check_stream_view", "read_stream_receipt"]

ViewProblem = tuple[ReasonCode, str]


@dataclass(frozen=True)
class ViewLocator:
    """The committed attempt of one view: what READY names and what `bundle_hash` binds."""

    output_id: str
    stream_view_id: str
    attempt_id: str
    root: str
    view_dir: str
    receipt_sha256: str
    view_manifest_name: str
    view_manifest_sha256: str
    parts: int
    rows: int
    bytes: int

    @property
    def receipt_path(self) -> str:
        """The receipt's path relative to the pack root."""
        return self.view_dir + STREAM_RECEIPT_NAME

    @property
    def view_manifest_path(self) -> str:
        """The committed attempt's view manifest, relative to the pack root."""
        return self.view_dir + self.view_manifest_name

    def ready_ref(self) -> dict[str, Any]:
        """READY's `oracle_pack_ref.stream_views[output_id]`: absolute URIs plus their SHA-256."""
        return {
            "stream_view_id": self.stream_view_id,
            "attempt_id": self.attempt_id,
            "receipt_uri": self.root + self.receipt_path,
            "receipt_sha256": self.receipt_sha256,
            "view_manifest_uri": self.root + self.view_manifest_path,
            "view_manifest_sha256": self.view_manifest_sha256,
        }

    def bundle_locator(self) -> dict[str, Any]:
        """The location-free locator `bundle_hash` binds (paths relative to the pack root, no URI)."""
        return {
            "output_id": self.output_id,
            "stream_view_id": self.stream_view_id,
            "attempt_id": self.attempt_id,
            "receipt_path": self.receipt_path,
            "receipt_sha256": self.receipt_sha256,
            "view_manifest_path": self.view_manifest_path,
            "view_manifest_sha256": self.view_manifest_sha256,
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "output_id": self.output_id,
            **self.ready_ref(),
            "parts": self.parts,
            "rows": self.rows,
            "bytes": self.bytes,
        }


def read_stream_receipt(store: ObjectStore, root: PackRoot, output_id: str) -> StreamSortReceipt | None:
    """The committed closure receipt of an output's view, or None when the view is not committed.

    A receipt that does not parse raises FailClosed (the sort's STREAM_SORT_CONFLICT).
    """
    data = read_optional(store, root.stream_receipt(output_id))
    return parse_receipt(data) if data is not None else None


def check_stream_view(
    store: ObjectStore, pack: SealedPack, spec: OutputSpec, *, workers: int = 8, deep: bool = False
) -> tuple[list[ViewProblem], ViewLocator | None]:
    """Every problem with one output's view, and its locator when there is none. Read-only.

    `deep=True` streams every part (memory bounded by one chunk per worker) and re-hashes it against
    the receipt, instead of trusting the SHA-256 the store reports on a HEAD.
    """
    root, output_id = pack.root, spec.output_id
    try:
        data = read_optional(store, root.stream_receipt(output_id))
        receipt = parse_receipt(data) if data is not None else None
    except PlatformError as error:
        if error.transient:
            raise
        return [(STREAM_VIEW_INCONSISTENT, f"the closure receipt does not parse: {error.detail}")], None
    if receipt is None or data is None:
        return [(STREAM_VIEW_MISSING, f"no committed view at {root.stream_view_uri(output_id)}")], None
    unbound = receipt.binding_problems(pack.oracle_pack_id, output_id, list(spec.sort_keys))
    if receipt.world_key != pack.manifest.world_key:
        unbound.append("world_key differs from the pack's")
    landed = [(e.path, e.sha256) for e in pack.source_files(spec)]
    if [(source.path, source.sha256) for source in receipt.sources] != landed:
        unbound.append("its raw sources are not the landed files of the scenario partition")
    if unbound:
        return [(STREAM_VIEW_UNBOUND, "; ".join(unbound))], None
    inconsistent = closure_problems(receipt.raw, receipt.sorted, receipt.parts) + receipt.attempt_problems()
    view_dir = root.stream_view_dir(output_id)
    manifest = read_optional(store, root.child(view_dir + receipt.manifest.name))
    if manifest is None or hashlib.sha256(manifest).hexdigest() != receipt.manifest.sha256:
        inconsistent.append(f"the view manifest {receipt.manifest.name} is absent or not the one recorded")
    if inconsistent:
        return [(STREAM_VIEW_INCONSISTENT, "; ".join(inconsistent))], None
    problems = _parts(store, root, view_dir, receipt.parts, workers, deep)
    if problems:
        return problems, None
    return [], ViewLocator(
        output_id=output_id,
        stream_view_id=receipt.stream_view_id,
        attempt_id=receipt.attempt_id,
        root=root.uri,
        view_dir=view_dir,
        receipt_sha256=hashlib.sha256(data).hexdigest(),
        view_manifest_name=receipt.manifest.name,
        view_manifest_sha256=receipt.manifest.sha256,
        parts=len(receipt.parts),
        rows=receipt.sorted.row_count,
        bytes=sum(part.size for part in receipt.parts),
    )


def _parts(
    store: ObjectStore, root: PackRoot, folder: str, parts: list[ViewPart], workers: int, deep: bool
) -> list[ViewProblem]:
    def _head(part: ViewPart) -> ViewProblem | None:
        info = store.head(root.child(folder + part.name))
        if info is None:
            return (STREAM_VIEW_PARTS_MISSING, f"part {part.name} is absent")
        if info.size != part.size or stored_sha256(info) != part.sha256:
            return (STREAM_VIEW_PARTS_MISSING, f"part {part.name} differs from the receipt")
        return None

    def _rehash(part: ViewPart) -> ViewProblem | None:
        problem = _head(part)
        if problem is not None:
            return problem
        try:
            reader = HashingReader(store.get_stream(root.child(folder + part.name)))
        except PlatformError as error:
            if error.transient:
                raise
            return (STREAM_VIEW_PARTS_MISSING, f"part {part.name} is unreadable: {error.detail}")
        for _ in reader:
            pass
        if reader.bytes_read != part.size or reader.hexdigest() != part.sha256:
            return (STREAM_VIEW_PARTS_MISSING, f"part {part.name}: its bytes re-hash to another SHA-256")
        return None

    found = run_bounded(parts, _rehash if deep else _head, workers=workers, label=lambda part: part.name)
    return [problem for problem in found if problem is not None]
