"""Small-number disclosure control for aggregates shown without patient-level rights.

OpenSAFELY's rule (https://docs.opensafely.org/sdc/ : redact counts <= 7; "Updated disclosure
control guidance", https://www.opensafely.org/updated-output-checking-processes/ : round all
counts after suppression, to the nearest 5 as ehrQL's measures do): redact any count from 1 to 7,
round every other count to the nearest 5, and recompute totals from what is shown, so no hidden
count can be derived by subtracting shown ones from an exact total. Zero is shown as zero: it
discloses no person.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from typing import TypeVar

REDACT_AT_MOST = 7
ROUND_TO = 5
REDACTED_LABEL = "[REDACTED]"

K = TypeVar("K", bound=Hashable)


def disclose(count: int | None) -> int | None:
    """One count as it may be shown: None (redacted) for 1-7, else the nearest multiple of 5."""
    if count is None:
        return None
    if count < 0:
        raise ValueError("a count cannot be negative")
    if count == 0:
        return 0
    if count <= REDACT_AT_MOST:
        return None
    # The nearest multiple of 5 (12 -> 10, 13 -> 15): counts are whole, so none is half-way;
    # every count shown is at least 8, so it never rounds to 0.
    return int((count + ROUND_TO // 2) // ROUND_TO * ROUND_TO)


def disclose_counts(counts: Mapping[K, int | None]) -> dict[K, int | None]:
    """Each count of a table disclosed on its own."""
    return {key: disclose(value) for key, value in counts.items()}


def total_of(disclosed: Iterable[int | None]) -> int:
    """A total recomputed from disclosed values (redacted cells count as nothing)."""
    return sum(value for value in disclosed if value is not None)


def label(value: int | None) -> str:
    """How a disclosed value reads in a table or CSV."""
    return REDACTED_LABEL if value is None else f"{value:,}"
