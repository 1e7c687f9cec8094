"""The 12-month emergency admission risk model: features know only the past, the split is in
time, the model separates people well on the synthetic data, and a fixed seed gives the same
scores every time."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil

import ibis
import numpy as np
import pandas as pd
import pytest
from tests.conftest import typed

from openpcn.cohorts.admission_risk import (
    FEATURES,
    calibration_table,
    features_table,
    fit_model,
    model_card,
    outcomes_table,
    risk_scores,
    top_centile,
    years_later,
)
from openpcn.config import Settings
from openpcn.store.warehouse import connect, write_tables

DAY = "2020-03-31"


@pytest.fixture(scope="module")
def model(dorset):
    return fit_model(connect(dorset), DAY, seed=7)


def test_features_count_only_the_year_before_and_the_outcome_only_the_year_after(tmp_path):
    path = tmp_path / "w.duckdb"
    patients = [
        {
            "patient_id": "p1",
            "practice_code": "J81001",
            "sex": "M",
            "birth_month": "1940-06-01",
            "imd_decile": 3,
            "ethnicity_group": "White",
            "registration_date": "2000-01-01",
        }
    ]
    stays = [
        ("emergency_admission", "2018-03-31"),  # more than a year before: ignored
        ("emergency_admission", "2018-04-01"),
        ("ae", "2019-03-31"),
        ("emergency_admission", "2019-04-01"),  # after the index: the outcome, not a feature
    ]
    hospital = [{"patient_id": "p1", "kind": k, "start_date": d} for k, d in stays]
    events = [
        {"patient_id": "p1", "date": "2010-01-01", "snomed_code": "38341003"},  # hypertension
        {"patient_id": "p1", "date": "2019-06-01", "snomed_code": "44054006"},  # diabetes later
    ]
    frames = {
        "patients": typed("patients", patients),
        "hospital_activity": typed("hospital_activity", hospital),
        "events": typed("events", events),
    }
    write_tables(path, frames)
    con = ibis.duckdb.connect(str(path), read_only=True)
    row = con.execute(features_table(con, "2019-03-31")).iloc[0]
    assert (row.age, row.male, row.imd_decile, row.conditions) == (78, 1, 3, 1)
    assert (row.prior_emergency_admissions, row.prior_ae_attendances) == (1, 1)
    assert row.efi_score == pytest.approx(1 / 36)  # hypertension is an eFI deficit
    assert list(con.execute(outcomes_table(con, "2019-03-31"))["patient_id"]) == ["p1"]
    assert con.execute(outcomes_table(con, "2019-04-01")).empty


def test_the_split_is_in_time_and_back_tests_when_the_future_is_not_in_the_data(model):
    # the synthetic extract ends 2020-03-31, so the test year is the one before it
    assert model.back_test
    assert (model.train_index, model.train_outcome_end) == (
        dt.date(2018, 3, 31),
        dt.date(2019, 3, 31),
    )
    assert (model.test_index, model.test_outcome_end) == (
        dt.date(2019, 3, 31),
        dt.date(2020, 3, 31),
    )
    assert model.fit_index == dt.date(2019, 3, 31)  # the scoring model learns the latest year


def test_a_date_with_a_year_of_data_after_it_is_tested_forward(dorset):
    forward = fit_model(connect(dorset), "2019-03-31", seed=7)
    assert not forward.back_test
    assert (forward.train_index, forward.test_index) == (dt.date(2018, 3, 31), dt.date(2019, 3, 31))


def test_the_model_separates_people_well_above_chance(model):
    assert model.auroc > 0.65  # measured 0.71 at this scale and 0.75 on full Dorset
    assert 0.04 < model.test_rate < 0.15  # HES: about 0.11 emergency admissions per person-year
    assert model.brier < model.test_rate * (1 - model.test_rate)  # beats the base rate


def test_calibration_has_ten_deciles_that_rise(model):
    table = model.calibration
    assert list(table.columns) == ["decile", "people", "mean_predicted", "observed_rate"]
    assert list(table["decile"]) == list(range(1, 11))
    assert table["people"].sum() == model.test_people
    assert table["mean_predicted"].is_monotonic_increasing
    assert table["observed_rate"].iloc[-1] > 3 * table["observed_rate"].iloc[0]


def test_calibration_table_on_a_worked_example():
    predicted = np.arange(20) / 20
    observed = np.array([0] * 18 + [1, 1])
    table = calibration_table(predicted, observed)
    assert list(table["people"]) == [2] * 10
    assert table["observed_rate"].tolist() == [0.0] * 9 + [1.0]
    assert table["mean_predicted"].iloc[0] == pytest.approx(0.025)


def test_the_same_seed_gives_the_same_scores(dorset, model):
    con = connect(dorset)
    first = risk_scores(con, DAY, model)
    again = risk_scores(con, DAY, fit_model(con, DAY, seed=7))
    pd.testing.assert_frame_equal(first, again)


def test_scores_have_centiles_and_a_top_centile_list(dorset, model):
    scores = risk_scores(connect(dorset), DAY, model)
    assert list(scores.columns) == ["patient_id", "practice_code", "risk", "centile"]
    assert scores["patient_id"].is_unique
    assert scores["risk"].between(0, 1).all()
    assert (scores["centile"].min(), scores["centile"].max()) == (1, 100)
    top = top_centile(scores)
    assert len(top) == pytest.approx(len(scores) / 100, abs=1)
    assert top["risk"].min() >= scores.loc[scores["centile"] < 100, "risk"].max()


def test_the_model_card_is_json_ready(model):
    card = model_card(model)
    assert json.loads(json.dumps(card)) == card
    assert [i["name"] for i in card["inputs"]] == list(FEATURES)
    assert card["training_window"]["index_date"] == "2018-03-31"
    assert card["metrics"]["auroc"] == round(model.auroc, 4)
    assert len(card["metrics"]["calibration"]) == 10


def test_years_later_keeps_the_calendar_day():
    assert years_later(dt.date(2020, 3, 31), -1) == dt.date(2019, 3, 31)
    assert years_later(dt.date(2020, 2, 29), 1) == dt.date(2021, 2, 28)


def _copy_of(settings: Settings, tmp_path) -> Settings:
    """A private copy of a warehouse: scores kept beside it start empty."""
    copy = Settings(home=tmp_path / "home")
    copy.home.mkdir()
    shutil.copy(settings.warehouse_path, copy.warehouse_path)
    return copy


def test_default_scores_are_trained_once_per_warehouse_and_date(
    dorset, model, monkeypatch, tmp_path
):
    import openpcn.cohorts.admission_risk as risk

    fits = []
    monkeypatch.setattr(risk, "fit_model", lambda con, day, seed: fits.append(day) or model)
    settings = _copy_of(dorset, tmp_path)
    con = connect(settings)
    first = risk.risk_scores(con, DAY)
    first.loc[0, "risk"] = -1.0  # a caller changing its copy changes nothing cached
    again = risk.risk_scores(con, DAY)
    assert len(fits) == 1 and again.loc[0, "risk"] != -1.0
    risk.risk_scores(con, "2020-02-29")  # another date trains its own
    assert len(fits) == 2

    # a new connection (the next CLI call, a restarted app) reads them from beside the file
    later = risk.scored(connect(settings), DAY)
    assert len(fits) == 2
    pd.testing.assert_frame_equal(later.scores, again)
    assert later.card == model_card(model)


def test_kept_scores_are_not_used_once_the_warehouse_changes(dorset, model, monkeypatch, tmp_path):
    import openpcn.cohorts.admission_risk as risk

    fits = []
    monkeypatch.setattr(risk, "fit_model", lambda con, day, seed: fits.append(day) or model)
    settings = _copy_of(dorset, tmp_path)
    risk.scored(connect(settings), DAY)
    kept = settings.warehouse_path.with_name(settings.warehouse_path.name + risk.STORE_SUFFIX)
    assert len(list(kept.iterdir())) == 2  # the scores and the model card
    os.utime(settings.warehouse_path, ns=(10**18, 10**18))  # as an import or rebuild would
    risk.scored(connect(settings), DAY)
    assert len(fits) == 2
    assert len(list(kept.iterdir())) == 2  # the earlier build's files are gone


def test_callers_at_once_train_once_and_memory_keeps_only_the_latest_dates(
    dorset, model, monkeypatch, tmp_path
):
    import threading
    import time

    import openpcn.cohorts.admission_risk as risk

    fits = []

    def slow_fit(con, day, seed):
        fits.append(day)
        time.sleep(0.3)  # long enough for every caller to be waiting on the first
        return model

    monkeypatch.setattr(risk, "fit_model", slow_fit)
    settings = _copy_of(dorset, tmp_path)
    cursors = [connect(settings) for _ in range(4)]  # as the web app's pool lends them
    callers = [threading.Thread(target=risk.scored, args=(con, DAY)) for con in cursors]
    for caller in callers:
        caller.start()
    for caller in callers:
        caller.join()
    assert fits == [dt.date.fromisoformat(DAY)]

    days = [dt.date(2020, 1, 1) + dt.timedelta(days=i) for i in range(risk.KEPT_IN_MEMORY + 2)]
    for day in days:
        risk.scored(cursors[0], day)
    kept = [day for (where, day) in risk._SCORED if where == risk._memory_key(cursors[0])]
    assert kept == days[-risk.KEPT_IN_MEMORY :]
