"""Opening teardown's handles for a profile, all under the `operator` role, and closing them.

Why the operator: it is the only role the bucket policy lets delete, and only outside the truth
prefixes; teardown adds no grant of its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fraud_platform.config import Profile, kafka_settings, role_credentials
from fraud_platform.core.time import Clock, SystemClock
from fraud_platform.operate.context import OPERATE_ROLE
from fraud_platform.operate.teardown.execute import TeardownSite
from fraud_platform.substrate import factory
from fraud_platform.substrate.bus.groups import KafkaGroupAdmin

__all__ = ["open_site"]


@contextmanager
def open_site(profile: Profile, *, clock: Clock | None = None) -> Iterator[TeardownSite]:
    """The operator's store, group admin and the state store (disposed on exit) for `profile`."""
    creds = role_credentials(profile, OPERATE_ROLE)
    bucket = profile.object_store.object_store_bucket
    engine = factory.open_state_engine(profile.state.dsn.get_secret_value())
    try:
        yield TeardownSite(
            store=factory.open_object_store(creds),
            object_bucket=bucket,
            evidence_bucket=profile.object_store.evidence_bucket,
            engine=engine,
            groups=KafkaGroupAdmin(kafka_settings(profile, OPERATE_ROLE)),
            pricing=profile.pricing,
            versioning=factory.open_s3_admin(creds).get_versioning(bucket),
            clock=clock or SystemClock(),
        )
    finally:
        engine.dispose()
