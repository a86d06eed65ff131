"""Stream views (`fp oracle sort`): the sort of a sealed pack's outputs and its closure proof.

Layout (one job per module):

- `run`: the driver (`sort_stream_views`): per output, confirm a committed view or build a fresh attempt and commit it;
- `pack`: the sealed-pack preconditions the sort (and the consumer check) start from;
- `source`: the landed Parquet sources of one output, their schema and the `--window-days` windows;
- `engine`: the DuckDB sort and the raw-side scan;
- `partition`: per-window spill files, so that windows over unclustered sources decode them once;
- `writer` / `readback`: the view parts as they are written and the proof read back from their bytes;
- `pipeline`: the bounded background hand-off between the sort and the proof threads;
- `closure/`: the proof itself (`receipt`: receipt/manifest documents and the closure check;
  `digest`, `encoding`, `keys`: row digests, the canonical row encoding, key order and ranges).

The driver's API is re-exported here so callers import `fraud_platform.oracle.sort`; it is imported
on first use (PEP 562) so that the consumer check, which needs only `pack`, does not pay for DuckDB.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fraud_platform.oracle.sort.run import SortOptions, SortProgress, ViewResult, sort_stream_views

__all__ = ["SortOptions", "SortProgress", "ViewResult", "sort_stream_views"]


def __getattr__(name: str) -> Any:
    """Import a public name of the driver on first use."""
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module("fraud_platform.oracle.sort.run"), name)
    globals()[name] = value
    return value
