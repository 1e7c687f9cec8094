"""The measures of one month: totals, per 1,000, shares by mode, staff type and lead time, and
the DNA rate. Pure pandas over already aggregated counts, so they can be worked by hand."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from openpcn.access.categories import DIMENSIONS, categories

#: How a count is shown: as it is (ICS level) or disclosed (recorded counts below ICS level).
Shown = Callable[[int], int | None]

DNA_RULE = (
    "DNA rate = did not attend / (attended + did not attend); appointments of unknown status "
    "are left out of it"
)


def as_published(count: int) -> int | None:
    """A count shown as it is: published figures, and recorded ones at ICS level."""
    return count


def _share(part: int | None, whole: int) -> float | None:
    return None if part is None or not whole else 100.0 * part / whole


def _per_1000(count: int | None, registered: float | None) -> float | None:
    return None if count is None or not registered else 1000.0 * count / registered


def month_measures(
    counts: pd.DataFrame, registered: float | None, shown: Shown = as_published
) -> dict[str, Any]:
    """Measures of one month's rows (columns status, mode, hcp_type, [lead_time], count).

    Every count passes through `shown` first and totals are the sums of what is shown, so a
    suppressed breakdown never reveals a hidden count by subtraction."""
    kinds = categories().published
    result: dict[str, Any] = {}
    status = counts.groupby("status")["count"].sum()
    result["status"] = {k: shown(int(status.get(k, 0))) for k in kinds["status"]}
    total = 0
    for column, key in DIMENSIONS:
        if column not in counts:
            result[key] = result[f"{key}_share_pct"] = None
            continue
        sums = counts.groupby(column)["count"].sum()
        values = {k: shown(int(sums.get(k, 0))) for k in kinds[column]}
        whole = sum(v for v in values.values() if v is not None)
        if column == "mode":
            total = whole
            result["mode_per_1000"] = {k: _per_1000(v, registered) for k, v in values.items()}
        result[key] = values
        result[f"{key}_share_pct"] = {k: _share(v, whole) for k, v in values.items()}
    attended, dna = result["status"]["attended"] or 0, result["status"]["dna"] or 0
    result["appointments"] = total
    result["per_1000"] = _per_1000(total, registered)
    result["face_to_face_share_pct"] = result["modes_share_pct"]["face_to_face"]
    result["dna_rate_pct"] = _share(dna, attended + dna)
    return result
