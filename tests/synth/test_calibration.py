"""The calibrated population: each practice's list, age, sex, registers and appointments."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from openpcn.synth import appointments, build, parameters, population, targets
from openpcn.synth.constants import day

# J81002: QOF 2018/19 lists 8,868 all ages / 7,857 16+ / 7,790 17+ / 7,722 18+ / 5,385 50+;
# 2019/20 covariates 52.84% female and 40.5% aged 65+; hypertension register 1,992 of 8,868
PRACTICES = pd.DataFrame(
    {
        "practice_code": ["J81002", "J81003", "ZZ9999"],
        "pcn_code": ["U00001", "U00001", "U00002"],
        "registered_patients": [8906.0, 6965.0, 3000.0],
        "rurality": ["Rural", "Urban", None],
        "imd2019_score": [9.0, 18.0, None],
        "lat": [50.95, 50.61, None],
        "lon": [-2.55, -2.45, None],
    }
)
SCALE = 0.2
REFERENCE = "2019-12-01"
QOF_DAY = "2019-03-31"
HYPERTENSION = "38341003"


def written_as(concept: str) -> set[str]:
    mix = parameters.code_mix()
    return set(mix.loc[mix["concept_code"] == concept, "code"]) | {concept}


def on_list(p: pd.DataFrame, when: str) -> pd.Series:
    t = pd.Timestamp(when)
    return (
        (p["registration_date"] <= t)
        & (p["deregistration_date"].isna() | (p["deregistration_date"] > t))
        & (p["death_date"].isna() | (p["death_date"] > t))
    )


def years_on(p: pd.DataFrame, when: str) -> pd.Series:
    """Whole years from the birth month, as the register contract counts them."""
    t, born = pd.Timestamp(when), pd.to_datetime(p["birth_month"])
    return ((t.year - born.dt.year) * 12 + t.month - born.dt.month) // 12


def build_tables(path) -> dict[str, pd.DataFrame]:
    build(path, PRACTICES, scale=SCALE, seed=11)
    with duckdb.connect(str(path), read_only=True) as con:
        return {
            n: con.execute(f"SELECT * FROM {n}").df()
            for n in ("patients", "events", "appointments")
        }


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, pd.DataFrame]:
    return build_tables(tmp_path_factory.mktemp("calibration") / "w.duckdb")


def listed(built, code: str, when: str = REFERENCE) -> pd.DataFrame:
    p = built["patients"]
    return p[(p["practice_code"] == code) & on_list(p, when)]


def test_the_list_on_the_reference_date_is_exactly_list_times_scale(built):
    # 8906 x 0.2 = 1781.2 -> 1781; 6965 x 0.2 = 1393; 3000 x 0.2 = 600 (no targets: still exact)
    sizes = {c: len(listed(built, c)) for c in PRACTICES["practice_code"]}
    assert sizes == {"J81002": 1781, "J81003": 1393, "ZZ9999": 600}


def test_leavers_joiners_and_deaths_come_on_top_of_the_list(built):
    p = built["patients"]
    mine = p[p["practice_code"] == "J81002"]
    assert len(mine) > 1781
    assert mine["death_date"].notna().sum() > 0
    assert (mine["registration_date"] > pd.Timestamp(REFERENCE)).sum() > 0
    assert (mine["deregistration_date"] <= pd.Timestamp(REFERENCE)).sum() > 0


def test_65_plus_and_female_shares_are_the_covariates(built):
    # 1781 x 40.5% = 721.3 and 1781 x 52.84% = 941.1: the cells are rounded, so within 2 people
    mine = listed(built, "J81002")
    assert abs((years_on(mine, REFERENCE) >= 65).sum() - 1781 * 0.405) <= 2
    assert abs((mine["sex"] == "F").sum() - 1781 * 0.5284) <= 2


def test_qof_list_type_shares_are_reproduced(built):
    # 18+ share 7722 / 8868 = 87.08%, 50+ share 5385 / 8868 = 60.72%
    mine = listed(built, "J81002")
    years = years_on(mine, REFERENCE)
    assert abs((years >= 18).sum() - 1781 * 7722 / 8868) <= 2
    assert abs((years >= 50).sum() - 1781 * 5385 / 8868) <= 2


def test_a_practice_without_targets_keeps_the_tilted_england_shape(built):
    share = (years_on(listed(built, "ZZ9999"), REFERENCE) >= 65).mean()
    assert 0.15 < share < 0.30


def test_hypertension_register_on_qof_day_is_the_published_rate(built):
    # register = on the list on 2019-03-31 with a hypertension code dated on or before it;
    # published 1992 / 8868 = 22.46% of QOF's all-ages list
    mine = listed(built, "J81002", QOF_DAY)
    e = built["events"]
    coded = e[
        e["snomed_code"].isin(written_as(HYPERTENSION)) & (e["date"] <= pd.Timestamp(QOF_DAY))
    ]
    register = mine["patient_id"].isin(coded["patient_id"]).sum()
    assert register == round(1992 / 8868 * len(mine))


def test_year_weights_put_each_piece_at_its_published_share():
    goal = targets.PracticeTargets(
        over65=0.30, female=0.52, at_least={16: 0.82, 17: 0.81, 18: 0.80, 50: 0.45}
    )
    w, female = population.year_weights("Urban", 20.0, goal)
    assert w.sum() == pytest.approx(1.0)
    assert w[65:].sum() == pytest.approx(0.30)
    assert w[50:].sum() == pytest.approx(0.45)
    assert w[18:].sum() == pytest.approx(0.80)
    assert w[16:].sum() == pytest.approx(0.82)
    assert (w * female).sum() == pytest.approx(0.52)


def test_cell_counts_share_the_list_by_largest_remainder():
    # all weight at age 70: cells 65+ female / male get 10 x 0.55 = 5.5 and 4.5 -> 6 and 4
    w = np.zeros(population.MAX_AGE)
    w[70] = 1.0
    counts = population.cell_counts(10, w, np.full(population.MAX_AGE, 0.55))
    assert counts.sum() == 10
    assert counts[10:].tolist() == [6, 4]


def test_whole_years_count_from_the_birth_month():
    born = np.array([day(pd.Timestamp(d).date()) for d in ("2001-12-01", "2001-11-01")])
    assert population.whole_years(born, day(pd.Timestamp("2019-11-30").date())).tolist() == [17, 18]
    assert population.whole_years(born, day(pd.Timestamp("2019-12-01").date())).tolist() == [18, 18]


def test_a_changed_target_file_changes_the_population(tmp_path, monkeypatch):
    original = parameters.text

    def edited(name: str) -> str:
        text = original(name)
        if name == "targets/practice_ages.csv":  # J81002's 65+ share 40.5% -> 20%
            text = text.replace("7722,5385,52.84,40.5", "7722,5385,52.84,20.0")
        return text

    monkeypatch.setattr(parameters, "text", edited)
    targets.practices.cache_clear()
    try:
        t = build_tables(tmp_path / "w.duckdb")
    finally:
        monkeypatch.undo()
        targets.practices.cache_clear()
    mine = listed(t, "J81002")
    assert abs((years_on(mine, REFERENCE) >= 65).sum() - 1781 * 0.20) <= 2


def test_month_mix_maps_the_published_categories():
    row = pd.Series(
        {
            "mode_face_to_face": 70,
            "mode_home_visit": 10,
            "mode_telephone": 16,
            "mode_video_online": 4,
            "mode_unknown": 50,
            "hcp_gp": 50,
            "hcp_other_practice_staff": 50,
            "hcp_unknown": 9,
            "status_attended": 90,
            "status_dna": 10,
            "status_unknown": 7,
        }
    )
    mode, role, status = appointments.month_mix(row)
    # face to face = 70 + 10 of 100 known; video/online 4 split 0.125 / 0.875
    assert mode.tolist() == pytest.approx([0.80, 0.16, 0.005, 0.035])
    # other practice staff 50% split nurse/pharmacist/other 24:3:23
    assert role.tolist() == pytest.approx([0.5, 0.24, 0.03, 0.23])
    # 4% cancelled (assumption); the rest 90:10
    assert status.tolist() == pytest.approx([0.864, 0.096, 0.04])


def test_appointments_follow_dorset_month_by_month(built):
    a = built["appointments"]
    got = a.groupby(pd.to_datetime(a["date"]).dt.to_period("M")).size()
    months = targets.appointments()
    want = months.set_index(months["month"].dt.to_period("M"))["appointments"]
    assert list(got.index) == list(want.index)
    # the month-to-month shape follows the file (October 2019 highest, August lowest)
    assert np.corrcoef(got.to_numpy(), want.to_numpy())[0, 1] > 0.8


def test_conditions_csv_carries_englands_computed_prevalence():
    england = targets.england_prevalence().set_index("condition")["prevalence_pct"]
    table = parameters.conditions().set_index("condition")["prevalence_pct"]
    assert table.round(2).to_dict() == england.round(2).to_dict()
