"""GP Patient Survey practice results, in two layouts told apart by their header.

- The survey's practice-level CSV as published (2018-2023 layout, e.g.
  "GPPS_2019_Practice_data_(weighted)_(csv)_PUBLIC.csv"): one row per practice with, per
  question, a base (patients who answered) and percentages. Which columns hold each measure in a
  survey year is data (data/rules/gpps_measures.toml). The survey year comes from a `year`
  column, else from the file name as published (GPPS_2019_...). `responses` is the base rounded
  to a whole number (the weighted files carry fractional, weighted bases). The published files
  give the percentages as proportions (0.93 for 93%): a file whose percentage columns are all
  between 0 and 1 is read that way and multiplied by 100; otherwise they are read as 0-100.
  Suppressed cells (blank, "*", "NA", or -97 as the published files write them) are not
  published values; a value on a base under 10 is dropped as the survey itself would.
- The gp_takeovers extract (the shipped reference data): Practice_Code, appointment_good,
  overall_good, year, percentages 0-100, "NA" where not published, no response counts.

Rows without a published value are left out (the table holds values only). Headers are matched
without regard to case; extra columns are ignored.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from openpcn.codes import PRACTICE_CODE
from openpcn.exceptions import InputError
from openpcn.sources import loader
from openpcn.sources.common import (
    check_pattern,
    check_unique,
    fail_at,
    parse_numbers,
    read_csv_text,
    refuse_columns,
)
from openpcn.sources.gpps_measures import measures
from openpcn.store.importer import Loaded

MEASURES = ("overall_good", "appointment_good")
REQUIRED = ["Practice_Code", "year", *MEASURES]
SOURCE = "GP Patient Survey"
SUPPRESSED = ("*", "NA", "N/A")  # and blank
SUPPRESSED_NUMBER = -97.0  # how the published files write a suppressed cell
MIN_BASE = 10
YEAR_IN_NAME = re.compile(r"GPPS[ _](\d{4})[ _]", re.IGNORECASE)
EXAMPLE_NAME = "GPPS_2019_Practice_data_(weighted)_(csv)_PUBLIC.csv"
COLUMNS = ["practice_code", "year", "measure", "value_pct", "responses", "source"]


def read(path: Path) -> pd.DataFrame:
    """`gpps` rows: practice_code, year, measure, value_pct (0-100), responses, source."""
    return read_with_note(path)[0]


def read_with_note(path: Path) -> tuple[pd.DataFrame, str]:
    """The rows and a one-line account of what was read, suppressed and dropped.

    The frame's attrs carry `file` and `row_numbers` (the line of each row in the file) so the
    importer's own checks name the right line.
    """
    name = path.name
    frame = read_csv_text(path)
    lower = {str(c).lower(): str(c) for c in frame.columns}
    if "practice_code" in lower and all(m in lower for m in MEASURES):
        rename = {lower[c.lower()]: c for c in REQUIRED if c.lower() in lower}
        return _read_extract(frame.rename(columns=rename), name)
    if "practice_code" in lower and any(_is_survey_column(c) for c in lower):
        return _read_published(frame, lower, name)
    raise InputError(
        "not a GP Patient Survey file this reader knows (unrecognised header)",
        file=name,
        row=1,
        fix=(
            "use the survey's practice-level CSV as published (Practice_Code and, per measure, "
            f"columns such as {_example_columns()}) or the gp_takeovers extract (columns: "
            f"{', '.join(REQUIRED)}); column names may be in any case"
        ),
    )


def _is_survey_column(lower_name: str) -> bool:
    return lower_name.endswith("pct") or lower_name.endswith("base")


def _example_columns() -> str:
    cols = []
    for measure in measures().values():
        for spec in measure.columns.values():
            cols += [spec["base"], spec["pct"]]
    return ", ".join(dict.fromkeys(cols))


def _known_years() -> list[int]:
    years: set[int] = set()
    for measure in measures().values():
        for first, last in measure.columns:
            years.update(range(first, last + 1))
    return sorted(years)


# ---------------------------------------------------------------- the published layout


def _read_published(
    frame: pd.DataFrame, lower: dict[str, str], name: str
) -> tuple[pd.DataFrame, str]:
    code_col = lower["practice_code"]
    check_pattern(frame, code_col, PRACTICE_CODE, file=name, what="practice code")
    year, year_col = _survey_year(frame, lower, name)
    check_unique(frame.assign(_year=year), [code_col, "_year"], file=name, what="practice and year")
    known = _known_years()
    bad_year = ~year.isin(known)
    if bad_year.any():
        spans = ", ".join(f"{years[0]}-{years[-1]}" for years in _runs(known))
        raise InputError(
            f"survey year {int(year[bad_year].iloc[0])} is not mapped to columns",
            file=name,
            row=(int(np.flatnonzero(bad_year.to_numpy())[0]) + 2) if year_col else None,
            column=year_col,
            fix=f"the measures file (data/rules/gpps_measures.toml) knows the years {spans}; "
            "add the year's columns there to read it",
        )
    parts, counts = [], {"suppressed": 0, "small_base": 0}
    cells: list[tuple[str, pd.Series, pd.Series, str]] = []
    for survey_year in sorted(set(year.astype(int))):
        rows = year.eq(survey_year).to_numpy()
        for key, measure in measures().items():
            spec = measure.columns_for(survey_year)
            if spec is None:
                continue
            refuse_columns(
                f"missing column(s) for survey year {survey_year}",
                [spec[k] for k in ("base", "pct") if spec[k].lower() not in lower],
                file=name,
                fix="use the published practice-level CSV of that year, whole; the header "
                "must name these columns (any case)",
            )
            pct_col, base_col = lower[spec["pct"].lower()], lower[spec["base"].lower()]
            masked = frame[pct_col].where(rows)
            marked = masked.str.upper().isin(SUPPRESSED).fillna(False)
            pct = parse_numbers(
                frame.assign(**{pct_col: masked.mask(marked)}),
                pct_col,
                file=name,
                nullable=True,
                minimum=None,
            )
            pct = pct.mask(pct.eq(SUPPRESSED_NUMBER))
            counts["suppressed"] += int(pct.isna().to_numpy()[rows].sum())
            fail_at(
                pct < 0,
                "a negative percentage",
                file=name,
                column=pct_col,
                fix="percentages run from 0 to 1 (as published) or 0 to 100; suppressed cells "
                "are blank, '*', 'NA' or -97",
            )
            base = parse_numbers(
                frame.assign(**{base_col: frame[base_col].where(rows)}),
                base_col,
                file=name,
                nullable=True,
            )
            fail_at(
                pct.notna() & base.isna(),
                "a value without its base (number of responses)",
                file=name,
                column=base_col,
                fix="every published percentage needs the question's base beside it",
            )
            cells.append((key, pct, base, pct_col))
    fraction = all(float(c[1].max(skipna=True) if c[1].notna().any() else 0) <= 1 for c in cells)
    for key, pct, base, pct_col in cells:
        value = pct * 100 if fraction else pct
        fail_at(
            value > 100,
            "a percentage above 100",
            file=name,
            column=pct_col,
            fix="percentages run from 0 to 1 (as published) or 0 to 100",
        )
        responses = np.floor(base + 0.5).astype("Int64")
        small = value.notna() & (responses < MIN_BASE).fillna(False)
        counts["small_base"] += int(small.sum())
        keep = (value.notna() & ~small).to_numpy(dtype=bool)
        parts.append(
            pd.DataFrame(
                {
                    "practice_code": frame[code_col],
                    "year": year.astype("Int64"),
                    "measure": pd.Series(key, index=frame.index, dtype="string"),
                    "value_pct": value,
                    "responses": responses,
                    "source": _source(year),
                }
            )[keep]
        )
    out = _long(parts, name)
    years = ", ".join(str(y) for y in sorted(set(year.astype(int))))
    note = (
        f"{len(out)} practice results ({out['practice_code'].nunique()} practices, survey "
        f"{years}) from the published survey file"
        f"{'; percentages read as proportions (0-1)' if fraction else ''}"
        f"; {counts['suppressed']} cells suppressed or not published"
        f"; {counts['small_base']} values dropped (base under {MIN_BASE})"
    )
    return out, note


def _survey_year(
    frame: pd.DataFrame, lower: dict[str, str], name: str
) -> tuple[pd.Series, str | None]:
    """Per row: the `year` column if present, else the year in the file name as published."""
    if "year" in lower:
        column = lower["year"]
        return parse_numbers(frame, column, file=name, minimum=2007).astype(int), column
    found = YEAR_IN_NAME.search(name)
    if found is None:
        raise InputError(
            "cannot tell the survey year: no `year` column and no year in the file name",
            file=name,
            fix=f"keep the published file name (e.g. {EXAMPLE_NAME}) or add a `year` column",
        )
    return pd.Series(int(found.group(1)), index=frame.index), None


def _runs(years: list[int]) -> list[list[int]]:
    runs: list[list[int]] = []
    for y in years:
        if runs and runs[-1][-1] == y - 1:
            runs[-1].append(y)
        else:
            runs.append([y])
    return runs


def _source(year: pd.Series) -> pd.Series:
    return (SOURCE + " " + year.astype(int).astype(str)).astype("string")


def _long(parts: list[pd.DataFrame], name: str) -> pd.DataFrame:
    """One frame, with the file line of each row for the importer's messages."""
    out = pd.concat(parts) if parts else pd.DataFrame(columns=COLUMNS)
    rows = [int(i) + 2 for i in out.index]
    out = out[COLUMNS].reset_index(drop=True)
    out.attrs["file"] = name
    out.attrs["row_numbers"] = rows
    return out


# ---------------------------------------------------------------- the gp_takeovers extract


def _read_extract(frame: pd.DataFrame, name: str) -> tuple[pd.DataFrame, str]:
    check_pattern(frame, "Practice_Code", PRACTICE_CODE, file=name, what="practice code")
    year = parse_numbers(frame, "year", file=name, minimum=2007)
    check_unique(frame, ["Practice_Code", "year"], file=name, what="practice and year")
    parts = []
    for measure in MEASURES:
        values = frame[measure].mask(frame[measure] == "NA")
        pct = parse_numbers(frame.assign(**{measure: values}), measure, file=name, nullable=True)
        fail_at(
            pct > 100,
            "a percentage above 100",
            file=name,
            column=measure,
            fix="values are percentages from 0 to 100",
        )
        parts.append(
            pd.DataFrame(
                {
                    "practice_code": frame["Practice_Code"],
                    "year": year.astype("Int64"),
                    "measure": pd.Series(measure, index=frame.index, dtype="string"),
                    "value_pct": pct,
                    "responses": pd.Series(pd.NA, index=frame.index, dtype="Int64"),
                    "source": pd.Series(SOURCE, index=frame.index, dtype="string"),
                }
            )[pct.notna()]
        )
    out = _long(parts, name)
    note = f"{len(out)} practice results (percentages only, no response counts) from the extract"
    return out, note


@loader("gpps")
def load(path: Path) -> Loaded:
    """Upsert by practice, year and measure: one year or region keeps the others' results."""
    survey, note = read_with_note(path)
    return Loaded(
        frames={"gpps": survey},
        merge_on={"gpps": ("practice_code", "year", "measure")},
        note=note,
    )
