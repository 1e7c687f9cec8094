"""Pseudonymous identifiers: 'p' or 's' + 16 hex digits from a hash, never an NHS number."""

from __future__ import annotations

import hashlib

import numpy as np
import pyarrow as pa

_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser: a fast, well-spread 64-bit hash of each element."""
    x = x.astype(np.uint64)
    x = (x ^ (x >> np.uint64(30))) * _M1
    x = (x ^ (x >> np.uint64(27))) * _M2
    return x ^ (x >> np.uint64(31))


def key(*parts: object) -> int:
    """A stable 64-bit key from strings and numbers (independent of Python's hash seed)."""
    digest = hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little")


def pseudonyms(prefix: str, base: int, n: int) -> pa.Array:
    """n identifiers `prefix` + 16 lowercase hex digits, hashed from `base` and the index."""
    values = _mix(np.arange(n, dtype=np.uint64) * _GOLDEN + np.uint64(base))
    shifts = np.arange(60, -4, -4, dtype=np.uint64)
    nibbles = ((values[:, None] >> shifts[None, :]) & np.uint64(0xF)).astype(np.intp)
    chars = np.empty((n, 17), dtype=np.uint8)
    chars[:, 0] = ord(prefix)
    chars[:, 1:] = _HEX[nibbles]
    raw = np.ascontiguousarray(chars).view("S17").ravel()
    return pa.array(raw, type=pa.binary(17)).cast(pa.string())
