"""apply and verify refuse early, before any network call, when they cannot do what is asked."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from fraud_platform.bootstrap import BootstrapPorts, apply_bootstrap, verify_bootstrap
from fraud_platform.bootstrap.roles import ROLES
from fraud_platform.config import load_profile
from fraud_platform.config.schema import Profile
from fraud_platform.core.errors import FailClosed
from fraud_platform.core.time import FixedClock

CLOCK = FixedClock(datetime(2026, 1, 1, tzinfo=UTC))


def test_verify_before_apply_names_every_role_without_credentials(
    local_profile: Profile, bs_home: Path
) -> None:
    with pytest.raises(FailClosed) as caught:
        verify_bootstrap(local_profile, ports=BootstrapPorts(local_profile), fp_home=bs_home, clock=CLOCK)
    assert caught.value.code == "BOOTSTRAP_NOT_APPLIED"
    assert len(caught.value.refs["roles"]) == 8
    assert not (bs_home / "bootstrap").exists()


@pytest.mark.parametrize("kwargs", [{"rotate": True}, {"extras": [("wsp", "Write:b/x*")]}])
def test_key_rotation_and_test_grants_are_local_parity_only(
    dev_min_profile: Profile, tmp_path: Path, kwargs: dict[str, object]
) -> None:
    with pytest.raises(FailClosed) as caught:
        apply_bootstrap(
            dev_min_profile,
            ports=BootstrapPorts(dev_min_profile),
            fp_home=tmp_path,
            clock=CLOCK,
            **kwargs,  # type: ignore[arg-type]
        )
    assert caught.value.code == "BOOTSTRAP_PROFILE_UNSUPPORTED"


def test_a_role_on_the_operator_s_kafka_key_is_flagged(
    dev_min_profile: Profile, local_profile: Profile, bs_dev_min_env: dict[str, str]
) -> None:
    # Each role has its own key: no role shares the operator's principal.
    ports = BootstrapPorts(dev_min_profile)
    assert not any(ports.shares_operator_kafka_identity(role) for role in ROLES)
    # A role pinned to the operator's key is the one misconfiguration no ACL can catch: flagged.
    shared = dict(bs_dev_min_env, DEV_MIN_KAFKA_API_KEY_SR=bs_dev_min_env["DEV_MIN_KAFKA_API_KEY"])
    shared_profile = load_profile("dev_min", env=shared)
    assert BootstrapPorts(shared_profile).shares_operator_kafka_identity("sr") is True
    assert BootstrapPorts(shared_profile).shares_operator_kafka_identity("ig") is False
    assert BootstrapPorts(local_profile).shares_operator_kafka_identity("sr") is False
