"""Consumer-side checks of one stream view: committed, bound to the pack, self-consistent, parts intact.

The closure receipt (`_stream_sort_receipt.json`, model `closure.StreamSortReceipt`, owned by the
sort) is the commit object of a view. A reader trusts it only when:
- it parses and is bound to this pack: same oracle_pack_id, world key, output, pinned sort keys and
  a `stream_view_id` that recomputes (else STREAM_VIEW_UNBOUND), and its raw sources are exactly the
  landed files of the scenario partition with the SHA-256 the landing recorded;
- its proof holds (`closure.closure_problems`: equal counts, multiset digests and key ranges, keys
  non-decreasing, parts adding up) and the view manifest it names has the recorded SHA-256
  (else STREAM_VIEW_INCONSISTENT);
- every part it lists is still in the store with its size and SHA-256 (a HEAD each, in parallel;
  else STREAM_VIEW_PARTS_MISSING).
"""

from __future__ import annotations

import hashlib

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
from fraud_platform.oracle.layout import PackRoot
from fraud_platform.oracle.sort.closure.receipt import (
    StreamSortReceipt,
    ViewPart,
    closure_problems,
    parse_receipt,
)
from fraud_platform.oracle.sort.pack import SealedPack
from fraud_platform.substrate.objectstore.port import ObjectStore

__all__ = ["ViewProblem", "check_stream_view", "read_stream_receipt"]

ViewProblem = tuple[ReasonCode, str]


def read_stream_receipt(store: ObjectStore, root: PackRoot, output_id: str) -> StreamSortReceipt | None:
    """The committed closure receipt of an output's view, or None when the view is not committed.

    A receipt that does not parse raises FailClosed (the sort's STREAM_SORT_CONFLICT).
    """
    data = read_optional(store, root.stream_receipt(output_id))
    return parse_receipt(data) if data is not None else None


def check_stream_view(
    store: ObjectStore, pack: SealedPack, spec: OutputSpec, *, workers: int = 8
) -> list[ViewProblem]:
    """Every problem with one output's view (empty list: a consumer may read it). Read-only."""
    root, output_id = pack.root, spec.output_id
    try:
        receipt = read_stream_receipt(store, root, output_id)
    except PlatformError as error:
        if error.transient:
            raise
        return [(STREAM_VIEW_INCONSISTENT, f"the closure receipt does not parse: {error.detail}")]
    if receipt is None:
        return [(STREAM_VIEW_MISSING, f"no committed view at {root.stream_view_uri(output_id)}")]
    unbound = receipt.binding_problems(pack.oracle_pack_id, output_id, list(spec.sort_keys))
    if receipt.world_key != pack.manifest.world_key:
        unbound.append("world_key differs from the pack's")
    landed = [(e.path, e.sha256) for e in pack.source_files(spec)]
    if [(source.path, source.sha256) for source in receipt.sources] != landed:
        unbound.append("its raw sources are not the landed files of the scenario partition")
    if unbound:
        return [(STREAM_VIEW_UNBOUND, "; ".join(unbound))]
    inconsistent = closure_problems(receipt.raw, receipt.sorted, receipt.parts)
    manifest = read_optional(store, root.child(root.stream_view_dir(output_id) + receipt.manifest.name))
    if manifest is None or hashlib.sha256(manifest).hexdigest() != receipt.manifest.sha256:
        inconsistent.append(f"the view manifest {receipt.manifest.name} is absent or not the one recorded")
    if inconsistent:
        return [(STREAM_VIEW_INCONSISTENT, "; ".join(inconsistent))]
    return _parts(store, root, output_id, receipt.parts, workers)


def _parts(
    store: ObjectStore, root: PackRoot, output_id: str, parts: list[ViewPart], workers: int
) -> list[ViewProblem]:
    folder = root.stream_view_dir(output_id)

    def _head(part: ViewPart) -> ViewProblem | None:
        info = store.head(root.child(folder + part.name))
        if info is None:
            return (STREAM_VIEW_PARTS_MISSING, f"part {part.name} is absent")
        if info.size != part.size or stored_sha256(info) != part.sha256:
            return (STREAM_VIEW_PARTS_MISSING, f"part {part.name} differs from the receipt")
        return None

    found = run_bounded(parts, _head, workers=workers, label=lambda part: part.name)
    return [problem for problem in found if problem is not None]
