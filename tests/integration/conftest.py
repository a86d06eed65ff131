"""Integration fixtures shared across areas: a bootstrapped substrate, with credentials for every role.

`bootstrapped` runs `fp bootstrap apply` (the Python API) once per session and yields a
`BootstrappedSubstrates`: each role's S3 credentials (`.credentials["sr"]`, …) plus the attributes
of `LocalSubstrates` (fp_home, s3_endpoint, kafka_bootstrap, operator, env), so a test can act as
any role and meet the same denials production would. It brings its own SeaweedFS + tansu pair
(same API as `local_substrates`, another FP_HOME) because the posture it applies makes truth
undeletable even for the operator and narrows every identity, which would break tests on the shared
`local_substrates` that clean up with deletes.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from fraud_platform.bootstrap.local_session import BootstrappedSubstrates, bootstrap_local_substrates
from fraud_platform.substrate.local import down, up


@pytest.fixture(scope="session")
def bootstrapped(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BootstrappedSubstrates]:
    """SeaweedFS + tansu (memory) in their own FP_HOME, with `apply` run once (session)."""
    home = tmp_path_factory.mktemp("fp_home_bootstrapped")
    up(home, kafka_storage="memory", die_with_parent=True)
    try:
        yield bootstrap_local_substrates(home)
    finally:
        down(home)
