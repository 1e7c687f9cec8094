"""CQC overall ratings per GP practice, in two layouts told apart by their header.

- CQC's own "latest ratings" file (cqc.org.uk, using CQC data): one row per location, service or
  population group and domain ("Key Question" in older files), with the day each rating was
  published. Kept: rows whose "Location ODS Code" is a practice code, with Domain and
  Service / Population Group both "Overall". Other locations (care homes, trusts, dentists) and
  the breakdown rows are skipped and counted in the note; so are "Insufficient evidence to rate",
  "No rating", "Not rated" and "Not applicable", which are not ratings.
- The Health Equity Evidence Centre republication (the shipped reference data): one row per
  practice and year the rating was issued, no day. Rows coded "NA" (locations HEEC could not join
  to a practice) and 9-character branch-site codes are skipped.

Headers are matched without regard to case; extra columns are ignored. Two ratings for one
practice in one year are an error: the warehouse keys ratings by practice and year.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from openpcn.codes import PRACTICE_CODE
from openpcn.exceptions import InputError
from openpcn.sources import loader
from openpcn.sources.common import fail_at, matches, parse_numbers, read_csv_text
from openpcn.store.importer import Loaded

RATINGS = ("Outstanding", "Good", "Requires improvement", "Inadequate")
NOT_RATINGS = ("Insufficient evidence to rate", "No rating", "Not rated", "Not applicable")

HEEC_COLUMNS = ["Practice.Code", "Year", "domain", "latest_rating"]
CQC_COLUMNS = [
    "Location ODS Code",
    "Service / Population Group",
    "Domain",
    "Latest Rating",
    "Publication Date",
]
ALIASES = {"Domain": ("Key Question",)}  # CQC files before 2023 name the domain this way
SOURCE = "CQC via HEEC"
CQC_SOURCE = "CQC latest ratings"
COLUMNS = ["practice_code", "rating", "rating_year", "source", "rating_date"]


def read(path: Path) -> pd.DataFrame:
    """`cqc_ratings` rows (practice_code, rating, rating_year, source, rating_date)."""
    return read_with_note(path)[0]


def read_with_note(path: Path) -> tuple[pd.DataFrame, str]:
    """The rows and a one-line account of what was kept and skipped.

    The frame's attrs carry `file` and `row_numbers` (the line of each row in the file) so the
    importer's own checks name the right line.
    """
    frame = read_csv_text(path)
    names = _resolve(frame.columns, HEEC_COLUMNS)
    if names is not None:
        return _read_heec(frame.rename(columns=names), path.name)
    names = _resolve(frame.columns, CQC_COLUMNS)
    if names is not None:
        return _read_cqc(frame, names, path.name)
    raise InputError(
        "not a CQC ratings file this reader knows (unrecognised header)",
        file=path.name,
        row=1,
        fix=(
            "use CQC's latest ratings CSV (columns: "
            + ", ".join(CQC_COLUMNS)
            + ") or the HEEC republication (columns: "
            + ", ".join(HEEC_COLUMNS)
            + "); column names may be in any case"
        ),
    )


def _resolve(header: pd.Index, wanted: list[str]) -> dict[str, str] | None:
    """{name in the file: canonical name} when every wanted column is there in some case."""
    lower = {str(h).strip().lower(): str(h) for h in header}
    found = {}
    for name in wanted:
        for candidate in (name, *ALIASES.get(name, ())):
            if candidate.lower() in lower:
                found[lower[candidate.lower()]] = name
                break
        else:
            return None
    return found


def _read_heec(frame: pd.DataFrame, name: str) -> tuple[pd.DataFrame, str]:
    year = parse_numbers(frame, "Year", file=name, minimum=2010)
    fail_at(
        ~frame["latest_rating"].isin(list(RATINGS)),
        "not a CQC rating",
        file=name,
        column="latest_rating",
        fix=f"use one of: {', '.join(RATINGS)}",
    )
    kept = matches(frame["Practice.Code"], PRACTICE_CODE) & frame["domain"].eq("Overall").fillna(
        False
    )
    _no_two_in_a_year(frame["Practice.Code"], year, kept, name, "Practice.Code")
    out = pd.DataFrame(
        {
            "practice_code": frame["Practice.Code"],
            "rating": frame["latest_rating"],
            "rating_year": year.astype("Int64"),
            "source": pd.Series(SOURCE, index=frame.index, dtype="string"),
            "rating_date": pd.Series(None, index=frame.index, dtype="object"),
        }
    )
    note = f"{int(kept.sum())} practice ratings (year only) from the HEEC republication"
    skipped = int((~kept).sum())
    if skipped:
        note += f"; {skipped} rows skipped (not a practice code, or not the overall domain)"
    return _kept(out, kept, name), note


def _read_cqc(frame: pd.DataFrame, names: dict[str, str], name: str) -> tuple[pd.DataFrame, str]:
    col = {canonical: actual for actual, canonical in names.items()}
    code = frame[col["Location ODS Code"]]
    practice = matches(code, PRACTICE_CODE)
    overall = (
        frame[col["Domain"]].str.lower().eq("overall")
        & frame[col["Service / Population Group"]].str.lower().eq("overall")
    ).fillna(False)
    rating_text = frame[col["Latest Rating"]].str.lower()
    canonical = {r.lower(): r for r in RATINGS}
    not_rated = rating_text.isin([r.lower() for r in NOT_RATINGS]).fillna(False)
    candidates = practice & overall
    fail_at(
        candidates & ~not_rated & ~rating_text.isin(list(canonical)).fillna(False),
        "not a CQC rating",
        file=name,
        column=col["Latest Rating"],
        fix=f"use one of: {', '.join(RATINGS)} (or {', '.join(NOT_RATINGS)}, which are skipped)",
    )
    kept = candidates & ~not_rated
    raw_date = frame[col["Publication Date"]]
    published = pd.to_datetime(raw_date, format="%d/%m/%Y", errors="coerce")
    fail_at(
        kept & published.isna(),
        "missing or not a valid publication date",
        file=name,
        column=col["Publication Date"],
        fix="write dates as DD/MM/YYYY, as CQC publishes them; every rating needs its date",
    )
    year = published.dt.year.astype("Int64")
    _no_two_in_a_year(code, year, kept, name, col["Location ODS Code"])
    out = pd.DataFrame(
        {
            "practice_code": code,
            "rating": rating_text.map(canonical).astype("string"),
            "rating_year": year,
            "source": pd.Series(CQC_SOURCE, index=frame.index, dtype="string"),
            "rating_date": published.dt.date.astype("object").where(published.notna(), None),
        }
    )
    other_locations = int((~practice).sum())
    breakdown = int((practice & ~overall).sum())
    parts = [f"{int(kept.sum())} practice ratings from the CQC latest ratings file"]
    if other_locations:
        parts.append(f"{other_locations} rows of other locations skipped")
    if breakdown:
        parts.append(f"{breakdown} domain or population-group rows skipped")
    if int((candidates & not_rated).sum()):
        parts.append(f"{int((candidates & not_rated).sum())} practices without a rating skipped")
    return _kept(out, kept, name), "; ".join(parts)


def _no_two_in_a_year(
    code: pd.Series, year: pd.Series, kept: pd.Series, name: str, column: str
) -> None:
    """Two kept ratings for one practice in one year: the warehouse cannot hold both."""
    both = pd.DataFrame({"code": code, "year": year})[kept]
    dup = both.duplicated(["code", "year"]).reindex(code.index, fill_value=False)
    fail_at(
        dup,
        "a second overall rating for this practice in the same year",
        file=name,
        column=column,
        fix=(
            "keep one overall rating per practice per year (the one in force); two CQC "
            "locations sharing an ODS code need one of them removed from the file"
        ),
    )


def _kept(out: pd.DataFrame, kept: pd.Series, name: str) -> pd.DataFrame:
    rows = out[kept.to_numpy(dtype=bool)]
    result = rows[COLUMNS].reset_index(drop=True)
    result.attrs["file"] = name
    result.attrs["row_numbers"] = [int(i) + 2 for i in rows.index]
    return result


@loader("cqc")
def load(path: Path) -> Loaded:
    """Upsert ratings by practice and year: an import of one region or year keeps the others."""
    ratings, note = read_with_note(path)
    return Loaded(
        frames={"cqc_ratings": ratings},
        merge_on={"cqc_ratings": ("practice_code", "rating_year")},
        note=note,
    )
