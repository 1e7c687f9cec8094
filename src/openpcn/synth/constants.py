"""The dates that frame the synthetic history: one place, so every module agrees."""

from __future__ import annotations

from datetime import date

import numpy as np

from openpcn.config import DEFAULT_DATE

HISTORY_START = date(2016, 4, 1)  # first day of the synthetic history
EXTRACT_DATE = date(2020, 3, 31)  # the "extract date": last day of the history
APPOINTMENTS_START = date(2019, 4, 1)  # appointments cover the last 12 months only
YEAR = 365.25
#: the list sizes the build is given are the lists registered on this day (the ePCN extract)
REFERENCE_DATE = date.fromisoformat(DEFAULT_DATE)
#: QOF 2018/19's year end: the day the published registers count, so the day calibrated to
QOF_DATE = date(2019, 3, 31)

_EPOCH = date(1970, 1, 1)


def day(d: date) -> int:
    """Days since 1970-01-01, the integer form every generator works in (Arrow date32)."""
    return (d - _EPOCH).days


START_DAY = day(HISTORY_START)
END_DAY = day(EXTRACT_DATE)
REFERENCE_DAY = day(REFERENCE_DATE)
QOF_DAY = day(QOF_DATE)


def years_between(start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Exact years between two day arrays (floats)."""
    return (end - start) / YEAR
