"""The synthetic population: deterministic, schema-true, pseudonymous and plausibly shaped."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from openpcn.codes import NHS_NUMBER_LIKE, PSEUDONYM
from openpcn.exceptions import UserError
from openpcn.store.schema import PATIENT_TABLES
from openpcn.synth import build, parameters
from openpcn.synth.activity import ict_pcns
from openpcn.synth.events import ICT_REFERRAL

PRACTICES = pd.DataFrame(
    {
        "practice_code": ["J81001", "J81002", "J81003", "J81004", "J81005", "J81006"],
        "pcn_code": ["U00001", "U00001", "U00002", "U00002", "U00003", "U00003"],
        "registered_patients": [12000.5, 8000.25, 15000.0, 6000.0, 9000.0, 11000.75],
        "rurality": ["Urban", "Rural", "Urban", "Rural", None, "Urban"],
        "imd2019_score": [32.0, 9.0, 18.0, 12.0, None, 25.0],
        "lat": [50.72, 50.95, 50.61, 50.80, None, 50.74],
        "lon": [-1.88, -2.55, -2.45, -2.10, None, -1.98],
    }
)
SCALE = 0.1


def tables(path: Path) -> dict[str, pd.DataFrame]:
    with duckdb.connect(str(path), read_only=True) as con:
        return {t.name: con.execute(f"SELECT * FROM {t.name}").df() for t in PATIENT_TABLES}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[dict[str, int], dict[str, pd.DataFrame]]:
    path = tmp_path_factory.mktemp("synth") / "w.duckdb"
    counts = build(path, PRACTICES, scale=SCALE, seed=7)
    return counts, tables(path)


def written_as(concept: str) -> set[str]:
    """The codes a concept is written as (code_mix.csv), or the concept code alone."""
    mix = parameters.code_mix()
    return set(mix.loc[mix["concept_code"] == concept, "code"]) or {concept}


def age(frame: pd.DataFrame) -> pd.Series:
    return (pd.Timestamp("2020-03-31") - pd.to_datetime(frame["birth_month"])).dt.days / 365.25


def on_list(frame: pd.DataFrame, day: str) -> pd.Series:
    """Registered on `day`: the shared register contract's list definition."""
    when = pd.Timestamp(day)
    return (
        (frame["registration_date"] <= when)
        & (frame["deregistration_date"].isna() | (frame["deregistration_date"] > when))
        & (frame["death_date"].isna() | (frame["death_date"] > when))
    )


def test_list_on_the_reference_date_is_list_times_scale(built):
    # 12000.5 x 0.1 = 1200.05 -> 1200 on the list on 2019-12-01; leavers, joiners and deaths
    # around that day come on top of it
    counts, t = built
    p = t["patients"]
    got = p[on_list(p, "2019-12-01")].groupby("practice_code").size()
    expected = (PRACTICES.set_index("practice_code")["registered_patients"] * SCALE).round()
    assert got.to_dict() == expected.astype(int).to_dict()
    assert (p.groupby("practice_code").size() > got).all()
    assert counts["patients"] == len(t["patients"])


def test_every_table_has_the_schema_columns_and_rows(built):
    counts, t = built
    for spec in PATIENT_TABLES:
        assert list(t[spec.name].columns) == spec.column_names
        assert counts[spec.name] == len(t[spec.name]) > 0
        for col in spec.columns:
            if not col.nullable:
                assert t[spec.name][col.name].notna().all(), (spec.name, col.name)


def test_ids_are_pseudonymous_unique_and_referenced(built):
    _, t = built
    ids = t["patients"]["patient_id"]
    assert ids.is_unique
    assert ids.map(lambda s: bool(PSEUDONYM.match(s)) and not NHS_NUMBER_LIKE.match(s)).all()
    for name in ("events", "medications", "hospital_activity", "appointments"):
        assert t[name]["patient_id"].isin(ids).all()
    staff = t["workforce"]["staff_id"]
    assert staff.is_unique and staff.map(lambda s: bool(PSEUDONYM.match(s))).all()


def test_same_seed_same_tables_other_seed_differs(tmp_path):
    small = PRACTICES.iloc[:2]
    build(tmp_path / "a.duckdb", small, scale=0.05, seed=3)
    build(tmp_path / "b.duckdb", small, scale=0.05, seed=3)
    build(tmp_path / "c.duckdb", small, scale=0.05, seed=4)
    a, b, c = (tables(tmp_path / f"{x}.duckdb") for x in "abc")
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name])
    assert not a["patients"]["patient_id"].equals(c["patients"]["patient_id"])


def test_a_practice_does_not_depend_on_its_batch(tmp_path):
    build(tmp_path / "all.duckdb", PRACTICES.iloc[:3], scale=0.05, seed=3)
    build(tmp_path / "one.duckdb", PRACTICES.iloc[:1], scale=0.05, seed=3)
    whole = tables(tmp_path / "all.duckdb")["patients"]
    alone = tables(tmp_path / "one.duckdb")["patients"]
    first = whole[whole["practice_code"] == "J81001"].reset_index(drop=True)
    pd.testing.assert_frame_equal(first, alone)


@pytest.mark.parametrize("scale", [0, 0.001, 1.5, "lots", None, float("nan")])
def test_bad_scale_is_a_user_error(tmp_path, scale):
    with pytest.raises(UserError, match="scale"):
        build(tmp_path / "w.duckdb", PRACTICES, scale=scale)


def test_missing_practice_columns_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match="registered_patients"):
        build(tmp_path / "w.duckdb", PRACTICES.drop(columns="registered_patients"))


def test_rural_lists_are_older_than_deprived_urban_ones(built):
    _, t = built
    p = t["patients"].assign(age=age(t["patients"]))
    share_65 = p.groupby("practice_code")["age"].apply(lambda a: (a >= 65).mean())
    assert share_65["J81002"] > share_65["J81001"] + 0.05  # rural, affluent vs urban, deprived


def test_deprivation_deciles_centre_on_the_practice_score(built):
    _, t = built
    p = t["patients"]
    median = p.groupby("practice_code")["imd_decile"].median()
    assert median["J81001"] <= 3 and median["J81002"] >= 7
    assert p.loc[p["practice_code"] == "J81005", "imd_decile"].isna().all()  # no score known


def test_prevalence_rises_with_age(built):
    _, t = built
    p = t["patients"].assign(age=age(t["patients"]))
    e = t["events"]
    hyp = set(e.loc[e["snomed_code"].isin(written_as("38341003")), "patient_id"])
    p["hyp"] = p["patient_id"].isin(hyp)
    by_age = p.groupby(pd.cut(p["age"], [18, 40, 65, 110]), observed=True)["hyp"].mean()
    assert by_age.is_monotonic_increasing and by_age.iloc[-1] > 0.3


def test_raised_blood_pressure_without_a_diagnosis_exists(built):
    _, t = built
    e = t["events"]
    sbp = e[e["snomed_code"].isin(written_as("271649006")) & (e["value"] >= 140)]
    hyp = set(e.loc[e["snomed_code"].isin(written_as("38341003")), "patient_id"])
    assert (~sbp["patient_id"].isin(hyp)).sum() > 50
    qrisk = e.loc[e["snomed_code"].isin(written_as("718087004")), "value"]
    assert (qrisk >= 20).any() and (qrisk < 10).any()


def test_polypharmacy_and_high_risk_combinations_exist(built):
    _, t = built
    meds = parameters.medicines().set_index("dmd_code")["group"]
    m = t["medications"].assign(group=lambda f: f["dmd_code"].map(meds))
    per = m[m["repeat"]].groupby("patient_id")["dmd_code"].nunique()
    assert (per >= 10).sum() > 0
    groups = m.groupby("patient_id")["group"].agg(set)
    p = t["patients"].set_index("patient_id").assign(age=lambda f: age(f))
    older = set(p.index[p["age"] >= 65])
    nsaid_no_ppi = [i for i, g in groups.items() if "nsaid" in g and "ppi" not in g and i in older]
    anticoag = [i for i, g in groups.items() if {"anticoagulant", "antiplatelet"} <= g]
    assert len(nsaid_no_ppi) > 0
    assert any("ppi" not in groups[i] for i in anticoag)


def test_hospital_use_rises_with_frailty_codes(built):
    _, t = built
    deficit_of = {
        code: concept
        for concept in parameters.deficits()["snomed_code"].dropna()
        for code in written_as(concept)
    }
    e = t["events"].assign(deficit=lambda f: f["snomed_code"].map(deficit_of))
    k = e.dropna(subset=["deficit"]).groupby("patient_id")["deficit"].nunique()
    p = t["patients"].set_index("patient_id")
    p["k"] = k.reindex(p.index).fillna(0)
    adm = t["hospital_activity"].query("kind == 'emergency_admission'").groupby("patient_id").size()
    p["adm"] = adm.reindex(p.index).fillna(0)
    low, high = p.loc[p["k"] <= 1, "adm"].mean(), p.loc[p["k"] >= 6, "adm"].mean()
    assert high > 2 * low


def test_activity_rates_are_near_the_calibration(built):
    _, t = built
    n = len(t["patients"])
    per_year = t["hospital_activity"]["kind"].value_counts() / n / 4
    assert 0.25 < per_year["ae"] < 0.7
    assert 0.05 < per_year["emergency_admission"] < 0.2
    a = t["appointments"]
    assert a["mode"].value_counts(normalize=True)["face_to_face"] == pytest.approx(0.82, abs=0.03)
    assert a["status"].value_counts(normalize=True)["did_not_attend"] == pytest.approx(
        0.05, abs=0.02
    )
    assert (pd.to_datetime(a["date"]) >= "2019-04-01").all()


def test_ict_referrals_come_from_the_seeded_pcns_and_pick_frail_older_people(built):
    _, t = built
    chosen = ict_pcns(PRACTICES["pcn_code"].tolist(), 7)
    assert chosen == ict_pcns(list(reversed(PRACTICES["pcn_code"].tolist())), 7)
    e = t["events"]
    ref = e[e["snomed_code"] == ICT_REFERRAL]
    p = t["patients"].set_index("patient_id")
    practice_pcn = PRACTICES.set_index("practice_code")["pcn_code"]
    pcns = p.loc[ref["patient_id"], "practice_code"].map(practice_pcn)
    assert len(ref) > 0 and set(pcns) <= set(chosen)
    assert (pd.to_datetime(ref["date"]) >= "2018-07-01").all()
    assert (age(p.loc[ref["patient_id"]].reset_index()) >= 65).all()


def test_care_homes_hold_their_residents(built):
    _, t = built
    homes, p = t["care_homes"], t["patients"]
    residents = p["care_home_code"].dropna().value_counts()
    beds = homes.set_index("care_home_code")["beds"]
    assert residents.index.isin(beds.index).all()
    assert (residents <= beds.reindex(residents.index)).all()
    assert homes["aligned_pcn_code"].isin(PRACTICES["pcn_code"]).all()
    assert homes["name"].str.match(r"Synthetic Care Home \d{3}").all()


def test_workforce_is_near_055_gp_fte_per_1000(built):
    _, t = built
    w = t["workforce"]
    gp_fte = w.loc[w["role"] == "gp", "fte"].sum()
    patients = (PRACTICES["registered_patients"] * SCALE).sum()
    assert gp_fte / patients * 1000 == pytest.approx(0.55, rel=0.3)
    assert (
        w.loc[w["pcn_code"].notna(), "role"]
        .isin(["clinical_pharmacist", "social_prescribing_link_worker"])
        .all()
    )


def test_every_event_code_is_documented(built):
    _, t = built
    documented = set(parameters.codes()["code"])
    assert set(t["events"]["snomed_code"]) <= documented
    assert np.isin(parameters.medicines()["group"], ["nsaid", "ppi"]).sum() == 4
