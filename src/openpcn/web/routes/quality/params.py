"""The quality routes' own parameters: which survey measure, and per practice or per PCN."""

from __future__ import annotations

from fastapi import Path, Query

MEASURE_PATTERN = r"^[a-z][a-z0-9_]{0,63}$"
MeasurePath = Path(
    pattern=MEASURE_PATTERN, description="a GP Patient Survey measure, e.g. overall_good"
)
ByQuery = Query("practice", description="one unit per practice, or per PCN")
