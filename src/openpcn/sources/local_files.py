"""Files an ICS keeps for itself: custom groupings of practices and recorded size-band exceptions.

Both are plain UTF-8 CSVs whose header names the warehouse columns (docs/orgs.md shows them):
- groupings: grouping, group_code, group_name, practice_code (e.g. grouping = locality);
  imported rows replace the stored row for the same grouping and practice, so one file per
  kind of grouping keeps the others (such as the shipped districts) untouched.
- band exceptions: pcn_code, reason, start_date, end_date (ISO dates; end_date may be empty).
"""

from __future__ import annotations

from pathlib import Path

from openpcn.codes import PCN_CODE, PRACTICE_CODE
from openpcn.sources import loader
from openpcn.sources.common import (
    check_pattern,
    check_required,
    check_unique,
    fail_at,
    parse_dates,
    read_csv_text,
)
from openpcn.store.importer import Loaded

GROUPING_COLUMNS = ["grouping", "group_code", "group_name", "practice_code"]
EXCEPTION_COLUMNS = ["pcn_code", "reason", "start_date", "end_date"]


@loader("groupings")
def load_groupings(path: Path) -> Loaded:
    """Custom groupings (localities, neighbourhoods) of practices."""
    name = path.name
    frame = read_csv_text(path, columns=GROUPING_COLUMNS)[GROUPING_COLUMNS]
    for column in ("grouping", "group_code", "group_name"):
        check_required(frame, column, file=name)
    check_pattern(frame, "practice_code", PRACTICE_CODE, file=name, what="practice code")
    check_unique(
        frame, ["grouping", "practice_code"], file=name, what="practice within one grouping"
    )
    return Loaded(
        frames={"groupings": frame}, merge_on={"groupings": ("grouping", "practice_code")}
    )


@loader("band-exceptions")
def load_band_exceptions(path: Path) -> Loaded:
    """PCNs the ICS has agreed may sit outside the size band, with the reason and dates."""
    name = path.name
    raw = read_csv_text(path, columns=EXCEPTION_COLUMNS)
    check_pattern(raw, "pcn_code", PCN_CODE, file=name, what="PCN code")
    check_required(raw, "reason", file=name, fix="say why the PCN may sit outside the band")
    frame = raw[["pcn_code", "reason"]].copy()
    frame["start_date"] = parse_dates(raw, "start_date", "%Y-%m-%d", file=name, nullable=False)
    frame["end_date"] = parse_dates(raw, "end_date", "%Y-%m-%d", file=name)
    ends_first = frame["end_date"].notna() & (
        frame["end_date"].fillna(frame["start_date"]) < frame["start_date"]
    )
    fail_at(
        ends_first,
        "ends before it starts",
        file=name,
        column="end_date",
        fix="end_date must be on or after start_date (or empty while it lasts)",
    )
    check_unique(frame, ["pcn_code", "start_date"], file=name, what="exception (PCN + start)")
    return Loaded(
        frames={"band_exceptions": frame},
        merge_on={"band_exceptions": ("pcn_code", "start_date")},
    )
