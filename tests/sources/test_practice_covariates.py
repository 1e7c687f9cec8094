"""The practice covariates extract: NA is not published, percentages 0-100, one row a practice."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from tests.corpus import Refusal, assert_refused, refusals

from openpcn.exceptions import InputError, UserError
from openpcn.sources import practice_covariates
from openpcn.store.schema import TABLES

DATA = Path(__file__).resolve().parents[1] / "data"
SAMPLE = DATA / "good" / "practice_covariates_sample.csv"


def test_values_and_na_as_not_published() -> None:
    rows, note = practice_covariates.read(SAMPLE)
    assert list(rows.columns) == TABLES["practice_covariates"].column_names
    first = rows.iloc[0].to_dict()
    assert first == {
        "practice_code": "J81002",
        "year": "2019/20",
        "list_size": 10000,
        "qof_achievement_pct": 98.5,
        "system_supplier": "EMIS",
        "imd_score": 12.5,
        "female_pct": 51.2,
        "over65_pct": 24.4,
        "source": "practice covariates 2019/20 (practice_covariates_sample.csv)",
    }
    second = rows.iloc[1]
    assert pd.isna(second["qof_achievement_pct"]) and pd.isna(second["over65_pct"])
    assert "1 without a published age/sex mix" in note


def test_another_year_is_named_and_a_bad_year_refused() -> None:
    rows, _ = practice_covariates.read(SAMPLE, "2020/21")
    assert set(rows["year"]) == {"2020/21"}
    with pytest.raises(UserError):
        practice_covariates.read(SAMPLE, "2020/22")


@pytest.mark.parametrize("case", refusals(kind="practice-covariates"))
def test_each_bad_file_names_its_reason_row_column_and_fix(case: Refusal) -> None:
    with pytest.raises(InputError) as caught:
        practice_covariates.read(case.path)
    assert_refused(caught.value, case)
