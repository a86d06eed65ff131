"""Counter-based random numbers: value `i` of a named stream is splitmix64(key(stream) + i * gamma).

Counter-based rather than numpy's `Generator` on purpose: the bytes of a synthetic world must not
change when numpy changes a sampling algorithm, and every column can be drawn independently
(vectorised, in any order) without threading a generator state through the code.
"""

from __future__ import annotations

import hashlib

import numpy as np
import numpy.typing as npt

__all__ = ["Streams"]

_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)

U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]


def _splitmix(x: U64) -> U64:
    # Array arithmetic on uint64 wraps modulo 2**64 silently, which is exactly splitmix64.
    z = (x ^ (x >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


class Streams:
    """Named, independent streams of uint64 derived from a world's seed and scenario."""

    def __init__(self, seed: int, scenario_id: str) -> None:
        self._prefix = f"fp-synth|{seed}|{scenario_id}|"

    def _key(self, stream: str) -> np.uint64:
        digest = hashlib.sha256((self._prefix + stream).encode("utf-8")).digest()
        return np.uint64(int.from_bytes(digest[:8], "little"))

    def bits(self, stream: str, n: int) -> U64:
        """`n` uint64 values of `stream`."""
        counters = np.arange(n, dtype=np.uint64) * _GAMMA + self._key(stream)
        return _splitmix(counters)

    def integers(self, stream: str, n: int, high: int) -> I64:
        """`n` integers in [0, high) (modulo bias is irrelevant for synthetic data)."""
        return (self.bits(stream, n) % np.uint64(high)).astype(np.int64)

    def uniform(self, stream: str, n: int) -> F64:
        """`n` doubles in [0, 1) from the top 53 bits."""
        return (self.bits(stream, n) >> np.uint64(11)).astype(np.float64) * (1.0 / 9007199254740992.0)
