"""`fp run teardown`: remove a finished run's transient data, keep truth and evidence, prove it."""

from fraud_platform.operate.teardown.execute import (
    PLAN,
    PROOF,
    TABLE_COLUMNS,
    TeardownOutcome,
    TeardownSite,
    teardown_run,
)
from fraud_platform.operate.teardown.guard import check_deletable
from fraud_platform.operate.teardown.site import open_site
from fraud_platform.operate.teardown.sweep import SweepOutcome, sweep

__all__ = [
    "PLAN",
    "PROOF",
    "TABLE_COLUMNS",
    "SweepOutcome",
    "TeardownOutcome",
    "TeardownSite",
    "check_deletable",
    "open_site",
    "sweep",
    "teardown_run",
]
