"""The substrate side of apply and verify, behind one small interface built from the profile.

Everything goes through the substrate factory with each role's own credentials from `config`, so
dev_min (AWS + Confluent) and local_parity (SeaweedFS + tansu) share one code path; only the local
identity plumbing (`local_identities`) is SeaweedFS-specific. Tests of apply/verify use the real
local substrates through this same class.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from fraud_platform.bootstrap.roles import OPERATOR
from fraud_platform.config import kafka_settings, role_credentials
from fraud_platform.config.schema import Profile
from fraud_platform.substrate.bus.port import BusAdmin, BusConsumer, BusProducer
from fraud_platform.substrate.factory import (
    open_admin,
    open_consumer,
    open_object_store,
    open_producer,
    open_s3_admin,
)
from fraud_platform.substrate.objectstore.admin import S3Admin
from fraud_platform.substrate.objectstore.port import ObjectStore, S3Credentials

__all__ = ["BootstrapPorts"]


@dataclass
class BootstrapPorts:
    """Opens adapters for a profile, one per role, cached for the life of a command.

    Role credentials are read when first needed, so `apply` can issue keys before anyone asks for
    them; `forget_credentials` drops the cache after keys are rotated.
    """

    profile: Profile
    env: Mapping[str, str] | None = None
    fp_home: Path | None = None
    _stores: dict[str, ObjectStore] = field(default_factory=dict, repr=False)
    _admin: S3Admin | None = field(default=None, repr=False)

    def credentials(self, role: str) -> S3Credentials:
        """The role's S3 key pair (secret registered for redaction by `config`)."""
        return role_credentials(self.profile, role, env=self.env, fp_home=self.fp_home)

    def store(self, role: str) -> ObjectStore:
        """An object store bound to `role`'s own credentials."""
        if role not in self._stores:
            self._stores[role] = open_object_store(self.credentials(role))
        return self._stores[role]

    def s3_admin(self) -> S3Admin:
        """Bucket administration as the operator."""
        if self._admin is None:
            self._admin = open_s3_admin(self.credentials(OPERATOR))
        return self._admin

    def bus_admin(self) -> BusAdmin:
        """Topic administration as the operator."""
        return open_admin(kafka_settings(self.profile, OPERATOR, env=self.env))

    def producer(self, role: str) -> BusProducer:
        """A producer with `role`'s own Kafka key; the caller closes it."""
        return open_producer(kafka_settings(self.profile, role, env=self.env))

    def consumer(self, role: str, group_id: str, topics: Sequence[str]) -> BusConsumer:
        """A consumer with `role`'s own Kafka key in `group_id`; the caller closes it."""
        return open_consumer(kafka_settings(self.profile, role, env=self.env), group_id, topics)

    def shares_operator_kafka_identity(self, role: str) -> bool:
        """Whether `role` reaches Kafka under the operator's SASL principal (so no ACL can single it out).

        PLAINTEXT (no principal at all) is not "shared": that is the local gap, reported as such.
        """
        mine = kafka_settings(self.profile, role, env=self.env).sasl_username
        return (
            role != OPERATOR
            and mine is not None
            and mine == kafka_settings(self.profile, OPERATOR, env=self.env).sasl_username
        )

    def forget_credentials(self) -> None:
        """Drop cached adapters so the next call re-reads credentials (after issuing or rotating keys)."""
        self._stores.clear()
        self._admin = None
