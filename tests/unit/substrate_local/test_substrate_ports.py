"""Free-port finding: distinct, free, in range, loopback only; exhaustion fails closed."""

from __future__ import annotations

import random
import socket

import pytest

from fraud_platform.core.errors import TransientError
from fraud_platform.substrate.local.ports import (
    PORT_RANGE,
    find_free_ports,
    port_is_free,
    port_is_listening,
)


def test_substrate_ports_are_distinct_free_and_in_range() -> None:
    ports = find_free_ports(12, rng=random.Random(7))
    assert len(set(ports)) == 12
    assert all(PORT_RANGE[0] <= port <= PORT_RANGE[1] for port in ports)
    assert all(port_is_free(port) for port in ports)


def test_substrate_ports_offset_pair_is_free_too() -> None:
    first, *_ = find_free_ports(3, offset_pairs=1, rng=random.Random(11))
    assert first + 10000 <= PORT_RANGE[1]
    assert port_is_free(first + 10000)


def test_substrate_ports_listening_port_is_not_free() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        assert port_is_listening(port)
        assert not port_is_free(port)
    assert not port_is_listening(port)


def test_substrate_ports_avoid_and_exhaustion() -> None:
    low, high = PORT_RANGE
    keep = find_free_ports(1, rng=random.Random(3))[0]
    avoid = set(range(low, high + 1)) - {keep}
    assert find_free_ports(1, avoid=avoid) == [keep]
    with pytest.raises(TransientError) as raised:
        find_free_ports(2, avoid=avoid)
    assert raised.value.code == "SUBSTRATE_NO_FREE_PORT"
