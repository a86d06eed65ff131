"""Free loopback ports for the local substrates.

Ports are drawn at random from 20000-32767, below Linux's ephemeral range (32768-60999), so a
port we pick is not also handed out by the kernel to some client's outgoing connection in the
seconds between our check and the server's bind. A port counts as free when nothing listens on it
and a `SO_REUSEADDR` bind on 127.0.0.1 succeeds (the same bind the Go and Rust servers make).
"""

from __future__ import annotations

import random
import socket
from collections.abc import Iterable

from fraud_platform.core.errors import TransientError
from fraud_platform.substrate.local._reasons import SUBSTRATE_NO_FREE_PORT

__all__ = ["LOOPBACK", "PORT_RANGE", "find_free_ports", "port_is_free", "port_is_listening"]

LOOPBACK = "127.0.0.1"
PORT_RANGE = (20000, 32767)
_MAX_ATTEMPTS = 500


def port_is_listening(port: int, host: str = LOOPBACK) -> bool:
    """Whether something accepts TCP connections on `host:port` right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        return probe.connect_ex((host, port)) == 0


def port_is_free(port: int, host: str = LOOPBACK) -> bool:
    """Whether a server could bind `host:port` now (nothing listening, bind succeeds)."""
    if port_is_listening(port, host):
        return False
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as candidate:
        candidate.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            candidate.bind((host, port))
        except OSError:
            return False
    return True


def find_free_ports(
    count: int,
    *,
    avoid: Iterable[int] = (),
    offset_pairs: int = 0,
    rng: random.Random | None = None,
) -> list[int]:
    """`count` distinct free loopback ports not in `avoid`.

    With `offset_pairs=N`, the first N ports returned are each followed by a hidden requirement:
    `port + 10000` must be free too (SeaweedFS's mini worker dials the admin gRPC port at http+10000
    whatever `-admin.port.grpc` says). Raises TransientError(SUBSTRATE_NO_FREE_PORT) when the range
    is exhausted.
    """
    chooser = rng or random.SystemRandom()
    taken = set(avoid)
    low, high = PORT_RANGE
    candidates = [port for port in range(low, high + 1) if port not in taken]
    chooser.shuffle(candidates)
    chosen: list[int] = []
    for port in candidates[:_MAX_ATTEMPTS]:
        if len(chosen) == count:
            break
        related = [port, port + 10000] if len(chosen) < offset_pairs else [port]
        if any(p in taken or p > high for p in related) or not all(port_is_free(p) for p in related):
            continue
        chosen.append(port)
        taken.update(related)
    if len(chosen) == count:
        return chosen
    raise TransientError(SUBSTRATE_NO_FREE_PORT, f"found {len(chosen)} of {count} free ports in {PORT_RANGE}")
