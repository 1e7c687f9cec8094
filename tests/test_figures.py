"""The report's building blocks: named figures, the per-report cache, report dates."""

from __future__ import annotations

import datetime as dt

from openpcn.figures import Figures, long_date, one_report, shared


def test_a_figure_is_filed_under_its_section_with_its_format():
    f = Figures("cqc")
    assert f.add("good", 40, label="Good") == "cqc.good"
    f.add("share", 12.5, "pct")
    assert f.items == {
        "cqc.good": {"value": 40, "format": "int", "label": "Good"},
        "cqc.share": {"value": 12.5, "format": "pct", "label": None},
    }


def test_shared_results_are_computed_once_per_report_and_never_kept_after_it():
    calls: list[str] = []

    def compute() -> int:
        calls.append("x")
        return len(calls)

    with one_report():
        assert [shared(("k", 1), compute) for _ in range(3)] == [1, 1, 1]
        assert shared(("k", 2), compute) == 2  # another key is its own result
    assert shared(("k", 1), compute) == 3  # outside a report, every time
    with one_report():
        assert shared(("k", 1), compute) == 4  # a new report starts afresh


def test_report_dates_read_as_the_report_writes_them():
    assert long_date("2019-12-01") == "1 December 2019"
    assert long_date(dt.date(2020, 3, 31)) == "31 March 2020"
