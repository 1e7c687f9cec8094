"""practices_geocoded.json (Tech-growth-map, March 2026): current practices with lat/lng.

A JSON array of objects with ods, postcode, lat, lng. Used only as fallback coordinates.
Rows are numbered by their 1-based position in the array.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from openpcn.codes import PRACTICE_CODE
from openpcn.exceptions import InputError
from openpcn.sources.common import check_unique, fail_at, matches

FIELDS = ("ods", "postcode", "lat", "lng")


def read(path: Path) -> pd.DataFrame:
    """practice_code, postcode, lat, lon for entries with a practice-shaped ODS code."""
    name = path.name
    try:
        items = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(
            "not a readable JSON file", file=name, fix="supply the file as published"
        ) from exc
    if not isinstance(items, list):
        raise InputError("expected a JSON array of practices", file=name, fix="check the file")
    for i, item in enumerate(items, start=1):
        missing = [f for f in FIELDS if not isinstance(item, dict) or f not in item]
        if missing:
            raise InputError(
                "missing field", file=name, row=i, column=missing[0], fix="check the file"
            )
    frame = pd.DataFrame(
        {
            "practice_code": pd.Series([i["ods"] for i in items], dtype="string"),
            "postcode": pd.Series([i["postcode"] or None for i in items], dtype="string"),
            "lat": pd.to_numeric(pd.Series([i["lat"] for i in items]), errors="coerce"),
            "lon": pd.to_numeric(pd.Series([i["lng"] for i in items]), errors="coerce"),
        }
    )
    for column, low, high in (("lat", 49.0, 61.0), ("lon", -9.0, 2.5)):
        fail_at(
            frame[column].notna() & ~frame[column].between(low, high),
            "coordinate outside the UK",
            file=name,
            column=column,
            fix="latitude/longitude must be WGS84 degrees",
            first_row=1,
        )
    kept = matches(frame["practice_code"], PRACTICE_CODE)
    check_unique(frame[kept], ["practice_code"], file=name, first_row=1, what="practice")
    return frame[kept & frame["lat"].notna()].reset_index(drop=True)
