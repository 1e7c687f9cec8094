"""Run a cohort or a whole service specification on the connection given (DuckDB or Spark)."""

from __future__ import annotations

import ibis
import pandas as pd

from openpcn.cohorts.compile import compile_cohorts
from openpcn.cohorts.definitions import (
    SPECS,
    Definition,
    cohort_date,
    indicator_year,
    load_definitions,
)
from openpcn.exceptions import NotFoundError
from openpcn.orgs.dates import DateLike

COLUMNS = ["patient_id", "practice_code", "cohort", "reason"]


def select(
    cohort_or_spec: str, definitions: dict[str, Definition] | None = None
) -> list[Definition]:
    """The definitions a name stands for: one cohort id, or every cohort of a spec."""
    definitions = load_definitions() if definitions is None else definitions
    key = cohort_or_spec.strip().lower().replace("-", "_")
    if key in SPECS:
        return [d for d in definitions.values() if d.spec == key]
    if cohort_or_spec in definitions:
        return [definitions[cohort_or_spec]]
    raise NotFoundError(
        f"no cohort or specification called {cohort_or_spec!r}",
        fix=f"use a spec ({', '.join(SPECS)}) or a cohort id from `openpcn cohorts list`",
    )


def run(
    con: ibis.BaseBackend,
    cohort_or_spec: str,
    date: DateLike,
    *,
    pcn: str | None = None,
    practice: str | None = None,
    definitions: dict[str, Definition] | None = None,
    year: str | None = None,
) -> pd.DataFrame:
    """The worklist: one row per patient per cohort, with the reason in words, sorted; by the
    definitions given, else those in force in `year` (default: the date's, `indicator_year`)."""
    day = cohort_date(date)
    if definitions is None:
        definitions = load_definitions(year=indicator_year(day, year).year)
    chosen = select(cohort_or_spec, definitions)
    expr = compile_cohorts(
        con,
        chosen,
        day,
        pcns=None if pcn is None else [pcn.strip().upper()],
        practice=None if practice is None else practice.strip().upper(),
    )
    frame = con.execute(expr.select(*COLUMNS))
    order = {d.id: i for i, d in enumerate(chosen)}
    frame = frame.assign(_order=frame["cohort"].map(order))
    frame = frame.sort_values(["_order", "practice_code", "patient_id"], kind="stable")
    return frame.drop(columns="_order").reset_index(drop=True).astype(str)
