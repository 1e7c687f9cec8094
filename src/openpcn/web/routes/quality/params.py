"""The quality routes' own parameters: which survey measure, and per practice or per PCN."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

from openpcn.web.routes.quality.models import By

MEASURE_PATTERN = r"^[a-z][a-z0-9_]{0,63}$"
MeasurePath = Annotated[
    str, Path(pattern=MEASURE_PATTERN, description="a GP Patient Survey measure, e.g. overall_good")
]
ByQuery = Annotated[By, Query(description="one unit per practice, or per PCN")]
