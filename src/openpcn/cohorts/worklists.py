"""Worklists a practice can work through: a service specification's cohorts combined into one
row per person (every cohort they are in, with its reason), and the server-side order and pages
the worklist pages, CSV and API share (a page of a list sorted in the browser would mislead)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

PAGE_SIZE = 100
#: the orders a worklist can be shown in: a column, `-` before it for descending
SORT_KEYS = ("patient", "practice", "reason")
SORTS = (*SORT_KEYS, *(f"-{k}" for k in SORT_KEYS))
DEFAULT_SORT = "practice"


def combined(frame: pd.DataFrame, order: Sequence[str]) -> list[dict[str, Any]]:
    """One row per person from `engine.run` rows of several cohorts: the cohorts they are in
    (in `order`, the specification's) and each one's reason, so nobody is called twice."""
    rank = {cohort: i for i, cohort in enumerate(order)}
    people: dict[tuple[str, str], list[tuple[int, str, str]]] = {}
    for r in frame.itertuples(index=False):
        key = (str(r.patient_id), str(r.practice_code))
        people.setdefault(key, []).append((rank.get(str(r.cohort), len(rank)), str(r.cohort),
                                           str(r.reason)))  # fmt: skip
    rows = []
    for (patient, practice), found in people.items():
        found.sort()
        rows.append(
            {
                "patient_id": patient,
                "practice_code": practice,
                "cohorts": [c for _, c, _ in found],
                "reasons": [{"cohort": c, "reason": why} for _, c, why in found],
            }
        )
    return rows


def reason_text(row: dict[str, Any]) -> str:
    """A row's reason as one line: a cohort's reason, or each cohort's `id: reason`."""
    if "reason" in row:
        return str(row["reason"])
    return "; ".join(f"{r['cohort']}: {r['reason']}" for r in row["reasons"])


def ordered(rows: list[dict[str, Any]], sort: str) -> list[dict[str, Any]]:
    """The rows in the order asked for (ties by practice, then patient, so it is stable)."""
    key = sort.removeprefix("-")
    if key not in SORT_KEYS:
        raise ValueError(f"sort must be one of {', '.join(SORTS)}")

    def value(row: dict[str, Any]) -> tuple[str, ...]:
        tie = (str(row["practice_code"]), str(row["patient_id"]))
        if key == "patient":
            return (str(row["patient_id"]),)
        if key == "practice":
            return tie
        return (reason_text(row), *tie)

    return sorted(rows, key=value, reverse=sort.startswith("-"))


@dataclass(frozen=True)
class Page:
    """Which page of how many: `number` counts from 1; an empty list has one, empty, page."""

    number: int
    total: int
    size: int = PAGE_SIZE

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    @property
    def exists(self) -> bool:
        return 1 <= self.number <= self.pages
