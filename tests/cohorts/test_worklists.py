"""A specification's combined worklist has one row per person with every cohort they are in, in
the specification's order; orders are stable; pages count from 1 and an empty list has one."""

from __future__ import annotations

import pandas as pd
import pytest

from openpcn.cohorts.worklists import Page, combined, ordered, reason_text

ORDER = ["smr-a", "smr-b", "smr-c", "smr-d"]


def frame(*rows: tuple[str, str, str, str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["patient_id", "practice_code", "cohort", "reason"])


def test_a_person_in_a_and_d_appears_once_with_both_reasons_in_spec_order() -> None:
    rows = combined(
        frame(
            ("p2", "J81002", "smr-d", "on an opioid"),
            ("p1", "J81019", "smr-b", "ten medicines"),
            ("p2", "J81002", "smr-a", "care home resident"),
        ),
        ORDER,
    )
    assert len(rows) == 2
    both = next(r for r in rows if r["patient_id"] == "p2")
    assert both["cohorts"] == ["smr-a", "smr-d"]
    assert both["reasons"] == [
        {"cohort": "smr-a", "reason": "care home resident"},
        {"cohort": "smr-d", "reason": "on an opioid"},
    ]
    assert reason_text(both) == "smr-a: care home resident; smr-d: on an opioid"


def test_orders_are_whole_list_and_stable() -> None:
    rows = [
        {"patient_id": "p3", "practice_code": "J81002", "reason": "b"},
        {"patient_id": "p1", "practice_code": "J81019", "reason": "a"},
        {"patient_id": "p2", "practice_code": "J81002", "reason": "a"},
    ]
    ids = [r["patient_id"] for r in ordered(rows, "patient")]
    assert ids == ["p1", "p2", "p3"]
    assert [r["patient_id"] for r in ordered(rows, "-patient")] == ["p3", "p2", "p1"]
    assert [r["patient_id"] for r in ordered(rows, "practice")] == ["p2", "p3", "p1"]
    assert [r["patient_id"] for r in ordered(rows, "reason")] == ["p2", "p1", "p3"]
    with pytest.raises(ValueError, match="sort must be one of"):
        ordered(rows, "age")


@pytest.mark.parametrize(
    ("number", "total", "pages", "offset", "exists"),
    [
        (1, 0, 1, 0, True),  # an empty list still has its first page
        (1, 100, 1, 0, True),
        (2, 100, 1, 100, False),
        (2, 101, 2, 100, True),
        (3, 201, 3, 200, True),
        (0, 50, 1, -100, False),
    ],
)
def test_page_boundaries(number: int, total: int, pages: int, offset: int, exists: bool) -> None:
    page = Page(number, total)
    assert (page.pages, page.offset, page.exists) == (pages, offset, exists)
