"""The cohort summary (through `openpcn cohorts summary --engine spark`), the trend and the risk
model's inputs are the same on Spark as on DuckDB, on the small worlds their own tests work by
hand (tests/cohorts/test_summary.py, test_trend.py, test_admission_risk.py).

The summary and the trend count a few cohorts, not all of them: Spark plans the all-cohort
query in tens of seconds, and each cohort's rule already runs on both engines in tests/spec.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
from tests.cohorts.test_summary import summary_world
from tests.cohorts.test_trend import NEW, trend_tables
from tests.conftest import run_in_process

from openpcn.cohorts import summary as summary_module
from openpcn.cohorts.admission_risk import FEATURES, _frame
from openpcn.cohorts.definitions import load_definitions
from openpcn.cohorts.trend import trend
from openpcn.orgs.dates import as_date

#: the cohorts the indicators read: CAN-01 (the FIT share), CVD-02 and the inequalities one
INDICATOR_COHORTS = (
    "early-cancer-lgi-with-fit",
    "early-cancer-lgi-without-fit",
    "cvd-02-hypertension-register",
    "inequalities-raised-bp",
    "inequalities-raised-bp-diagnosed",
)


def _indicator_cohorts(year: str | None = None, **kw) -> dict:
    found = load_definitions(year=year, **kw)
    return {k: v for k, v in found.items() if k in INDICATOR_COHORTS}


@pytest.mark.spark
def test_cohorts_summary_on_spark_prints_what_it_prints_on_duckdb(
    tmp_path, build, monkeypatch, capsys
):
    home = tmp_path / "home"
    frames = summary_world().frames()
    build(home / "warehouse.duckdb", **{k: f.to_dict("records") for k, f in frames.items()})
    monkeypatch.setattr(summary_module, "load_definitions", _indicator_cohorts)
    printed = {}
    for engine in ("duckdb", "spark"):
        args = ("cohorts", "summary", "--ics", "11J", "--date", "2019-12-01", "--json")
        code, out, err = run_in_process(home, monkeypatch, capsys, *args, "--engine", engine)
        assert code == 0, err
        printed[engine] = json.loads(out)
    assert printed["spark"] == printed["duckdb"]
    shown = printed["spark"]
    # U00001: ten raised-BP patients and two LGI referrals = 12 registered, shown as 10;
    # U00002: five, redacted (1-7)
    assert shown["indicators"]["registered"] == {"U00001": 10, "U00002": None}
    # IMD quintile 1 (deciles 1 and 2): 10 raised, 4 of them diagnosed (4 is redacted)
    by_imd = shown["indicators"]["inequalities_raised_bp_diagnosed"]["by_imd_quintile"]["ics"]
    assert (by_imd["1"]["numerator"], by_imd["1"]["denominator"]) == (None, 10)
    assert shown["cvd"]["U00001"] == {"cvd-02-hypertension-register": None}  # 4, redacted


@pytest.mark.spark
def test_the_trend_is_the_same_on_both_engines(both_engines):
    duck, spark = both_engines(**trend_tables())
    cohorts = _indicator_cohorts(year="2022/23")

    def two_quarters(con) -> dict:
        return trend(con, NEW, "2019-12-01", points=2, step_months=3, definitions=cohorts)

    got = two_quarters(spark)
    assert got == two_quarters(duck)
    # 1 Sep 2019: h1-h5 diagnosed, 13 registered ("late" joined on 1 Aug); 1 Dec: h6 too
    assert got["dates"] == ["2019-09-01", "2019-12-01"]
    assert got["registered"] == [13, 13]
    counts = {c["id"]: c["counts"] for c in got["cohorts"]}
    assert counts["cvd-02-hypertension-register"] == [5, 6]
    assert counts["early-cancer-lgi-without-fit"] == [0, 1]  # referred on 1 Oct 2019


def _person(pid: str, sex: str, born: str, imd: int | None) -> dict:
    return {
        "patient_id": pid,
        "practice_code": "J81001",
        "sex": sex,
        "birth_month": born,
        "imd_decile": imd,
        "ethnicity_group": "White",
        "registration_date": "2000-01-01",
    }


@pytest.mark.spark
def test_the_risk_model_reads_the_same_people_and_features_on_both_engines(both_engines):
    # The model is fitted and scored in pandas and scikit-learn on this frame: the same frame
    # gives the same model, scores and card, so the frame is what must agree.
    index = as_date("2019-03-31")
    hospital = [  # (patient, kind, start)
        ("p1", "emergency_admission", "2018-03-31"),  # more than a year before: not counted
        ("p1", "emergency_admission", "2018-04-01"),
        ("p1", "ae", "2019-03-31"),
        ("p1", "emergency_admission", "2019-04-01"),  # after the index: the outcome
        ("p2", "ae", "2019-01-15"),
        ("p2", "ae", "2019-02-15"),
    ]
    duck, spark = both_engines(
        patients=[
            _person("p1", "M", "1940-06-01", 3),
            _person("p2", "F", "1990-01-01", None),  # no IMD decile: missing, not 0
            _person("p3", "F", "1960-01-01", 9) | {"death_date": "2019-01-01"},  # not alive
        ],
        hospital_activity=[{"patient_id": p, "kind": k, "start_date": d} for p, k, d in hospital],
        events=[
            {"patient_id": "p1", "date": "2010-01-01", "snomed_code": "38341003"},  # HT
            {"patient_id": "p1", "date": "2019-06-01", "snomed_code": "44054006"},  # later
        ],
    )
    got = _frame(spark, index, with_outcome=True)
    pd.testing.assert_frame_equal(got, _frame(duck, index, with_outcome=True))
    expected = pd.DataFrame(
        {  # p1: 78 on the index date, hypertension (1 of the eFI's 36 deficits)
            "patient_id": ["p1", "p2"],
            "age": [78.0, 29.0],
            "male": [1.0, 0.0],
            "imd_decile": [3.0, float("nan")],
            "conditions": [1.0, 0.0],
            "efi_score": [1 / 36, 0.0],
            "repeat_medicines": [0.0, 0.0],
            "prior_emergency_admissions": [1.0, 0.0],
            "prior_ae_attendances": [1.0, 2.0],
            "outcome": [1, 0],
        }
    )
    columns = ["patient_id", *FEATURES, "outcome"]
    pd.testing.assert_frame_equal(
        got.loc[:, columns], expected.loc[:, columns], check_dtype=False, atol=1e-12
    )
