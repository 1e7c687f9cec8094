"""The electronic Frailty Index: worked examples on tiny inline warehouses (boundary scores,
who is counted, what counts as a deficit), the same answers on Spark, and the 65+ distribution
of the synthetic Dorset population."""

from __future__ import annotations

from pathlib import Path

import ibis
import pandas as pd
import pytest
from tests.conftest import typed

from openpcn.codes import code_problem
from openpcn.cohorts.codelists import check_codelists, load_codelists
from openpcn.cohorts.efi import (
    CATEGORIES,
    DEFICITS,
    efi_distribution,
    efi_table,
    load_codelist,
    repeat_medicines,
)
from openpcn.config import Settings
from openpcn.store.warehouse import connect, write_tables
from openpcn.synth import parameters

DAY = "2020-03-31"
CODES = load_codelist()
#: one code per coded deficit that counts as that deficit only, the first in codelist order
ONE_CODE = {
    names[0]: code for code, names in reversed(list(CODES.deficits_of.items())) if len(names) == 1
}
DEFICIT_NAMES = list(CODES.deficits)
#: the size of each deficit's eFI SNOMED CT code set in UoM-Data-Science-Platforms/gm-sde at
#: commit 6cf10afc (shared/clinical-code-sets/*/efi-*/1/efi-*.snomed.txt), all shipped
PUBLISHED = {
    "activity_limitation": 6,
    "anaemia": 155,
    "arthritis": 83,
    "atrial_fibrillation": 21,
    "cerebrovascular_disease": 80,
    "chronic_kidney_disease": 43,
    "diabetes": 157,
    "dizziness": 37,
    "dyspnoea": 10,
    "falls": 13,
    "foot_problems": 9,
    "fragility_fracture": 149,
    "hearing_impairment": 44,
    "heart_failure": 62,
    "heart_valve_disease": 5,
    "housebound": 17,
    "hypertension": 39,
    "hypotension_syncope": 28,
    "ischaemic_heart_disease": 64,
    "memory_cognitive_problems": 112,
    "mobility_transfer_problems": 32,
    "osteoporosis": 55,
    "parkinsonism_tremor": 43,
    "peptic_ulcer": 95,
    "peripheral_vascular_disease": 27,
    "requirement_for_care": 11,
    "respiratory_disease": 265,
    "skin_ulcer": 97,
    "sleep_disturbance": 18,
    "social_vulnerability": 22,
    "thyroid_disease": 46,
    "urinary_incontinence": 36,
    "urinary_system_disease": 40,
    "visual_impairment": 154,
    "weight_loss_anorexia": 14,
}


def person(pid: str, born: str = "1940-01-01", practice: str = "J81001", **kw) -> dict:
    row = {"patient_id": pid, "practice_code": practice, "sex": "F", "birth_month": born}
    return row | {"ethnicity_group": "White", "registration_date": "2000-01-01"} | kw


def deficits(pid: str, count: int, date: str = "2019-06-01") -> list[dict]:
    """Events for the first `count` coded deficits."""
    return [
        {"patient_id": pid, "date": date, "snomed_code": ONE_CODE[name]}
        for name in DEFICIT_NAMES[:count]
    ]


def repeats(pid: str, count: int, first: str = "2019-01-01", latest: str = "2020-03-01") -> list:
    """`count` distinct repeat medicines, each written as a first and a latest issue."""
    return [
        {"patient_id": pid, "date": when, "dmd_code": f"D{k}", "bnf_code": "x", "repeat": True}
        for k in range(count)
        for when in (first, latest)
    ]


ORGS = {
    "commissioners": [{"code": "11J", "name": "Dorset", "tier": "CCG", "ics_code": "QVV"}],
    "pcns": [
        {"pcn_code": "U00001", "name": "West", "commissioner_code": "11J"},
        {"pcn_code": "U00002", "name": "East", "commissioner_code": "11J"},
    ],
    "memberships": [
        {"practice_code": p, "pcn_code": n, "start_date": "2019-07-01", "source": "t"}
        for p, n in (("J81001", "U00001"), ("J81002", "U00002"))
    ],
}


def build(path: Path, patients: list, events: list = (), medications: list = ()) -> Path:
    tables = {"patients": patients, "events": list(events), "medications": list(medications)}
    frames = {name: typed(name, rows) for name, rows in (ORGS | tables).items()}
    write_tables(path, frames)
    return path


@pytest.fixture
def boundary_home(tmp_path) -> Settings:
    """People with 0, 4, 5, 8, 9, 12, 13 and 20 deficits (the category edges)."""
    settings = Settings(home=tmp_path / "home")
    counts = {"n00": 0, "n04": 4, "n05": 5, "n08": 8, "n09": 9, "n12": 12, "n13": 13, "n20": 20}
    events = [row for pid, k in counts.items() for row in deficits(pid, k)]
    build(settings.warehouse_path, [person(pid) for pid in counts], events)
    return settings


def scores(con, day: str = DAY) -> dict[str, tuple[int, str]]:
    frame = con.execute(efi_table(con, day))
    return {r.patient_id: (int(r.efi_deficits), r.efi_category) for r in frame.itertuples()}


def test_the_codelist_names_35_coded_deficits_and_polypharmacy_makes_36():
    assert len(CODES.deficits) == DEFICITS - 1 == 35
    assert "polypharmacy" not in CODES.deficits
    # several codes can stand for one deficit: COPD and asthma are both respiratory disease
    assert CODES.deficits_of["13645005"] == CODES.deficits_of["195967001"]
    assert CODES.deficits_of["13645005"] == ("respiratory_disease",)
    assert len(ONE_CODE) == 35


def test_every_deficit_ships_at_least_its_whole_published_set():
    shipped = {name: 0 for name in CODES.deficits}
    for _, name in CODES.pairs:
        shipped[name] += 1
    assert set(shipped) == set(PUBLISHED)
    assert {n: k for n, k in shipped.items() if k < PUBLISHED[n]} == {}
    assert len(CODES.codes) > 2000
    # the one code kept beyond the published sets: PAD, which the synthetic register writes
    assert sum(shipped.values()) - sum(PUBLISHED.values()) == 1
    assert CODES.deficits_of["840580004"] == ("peripheral_vascular_disease",)


def test_the_shipped_efi_list_passes_the_code_checks():
    assert [c for c in CODES.codes if code_problem("snomedct", c)] == []
    assert [p for p in check_codelists() if p["codelist"] == "efi-deficits"] == []
    registered = load_codelists()["efi-deficits"]
    assert sorted(registered.codes) == CODES.codes
    assert registered.repository == "UoM-Data-Science-Platforms/gm-sde"
    assert registered.status == "verified"


def test_every_synthetic_efi_code_is_in_its_deficit():
    written = parameters.deficits().dropna(subset=["snomed_code"])
    for row in written.itertuples():
        assert row.deficit in CODES.deficits_of[row.snomed_code], row.snomed_code


def test_a_code_only_in_the_full_set_counts(tmp_path):
    # none of these was in the one-code list shipped before the full eFI sets
    only_full = {
        "fell": "217082002",  # Accidental fall
        "valve": "48724000",  # Mitral valve regurgitation
        "copd_flare": "195951007",  # Acute exacerbation of chronic obstructive airways disease
        "iron": "87522002",  # Iron deficiency anemia
    }
    assert [CODES.deficits_of[c] for c in only_full.values()] == [
        ("falls",),
        ("heart_valve_disease",),
        ("respiratory_disease",),
        ("anaemia",),
    ]
    path = build(
        tmp_path / "w.duckdb",
        [person(p) for p in only_full],
        events=[
            {"patient_id": p, "date": "2019-06-01", "snomed_code": c} for p, c in only_full.items()
        ],
    )
    got = scores(ibis.duckdb.connect(str(path), read_only=True))
    assert got == {p: (1, "fit") for p in only_full}


def test_a_code_in_two_deficits_sets_counts_each_deficit_once(tmp_path):
    # the published sets put Osteoporosis and Osteoporotic fracture of bone in both the
    # osteoporosis and the fragility fracture sets: two deficits, each counted once
    both, also = "64859006", "443165006"
    assert CODES.deficits_of[both] == CODES.deficits_of[also]
    assert set(CODES.deficits_of[both]) == {"osteoporosis", "fragility_fracture"}
    hip = "5913000"  # Fracture of neck of femur: fragility fracture only
    path = build(
        tmp_path / "w.duckdb",
        [person(p) for p in ("one", "three", "hip")],
        events=[
            {"patient_id": "one", "date": "2019-06-01", "snomed_code": both},
            *[
                {"patient_id": "three", "date": "2019-06-01", "snomed_code": c}
                for c in (both, also, hip, both)
            ],
            {"patient_id": "hip", "date": "2019-06-01", "snomed_code": hip},
        ],
    )
    assert scores(ibis.duckdb.connect(str(path), read_only=True)) == {
        "one": (2, "fit"),
        "three": (2, "fit"),
        "hip": (1, "fit"),
    }


def test_categories_follow_the_exact_score_at_each_boundary(boundary_home):
    # 4/36 = 0.111 fit; 5/36 = 0.139 mild; 8/36 = 0.222 mild; 9/36 = 0.25 moderate;
    # 12/36 = 0.333 moderate; 13/36 = 0.361 > 0.36 severe (it shows as 0.36 at two decimals)
    assert scores(connect(boundary_home)) == {
        "n00": (0, "fit"),
        "n04": (4, "fit"),
        "n05": (5, "mild"),
        "n08": (8, "mild"),
        "n09": (9, "moderate"),
        "n12": (12, "moderate"),
        "n13": (13, "severe"),
        "n20": (20, "severe"),
    }


def test_the_score_is_deficits_over_36(boundary_home):
    frame = connect(boundary_home).execute(efi_table(connect(boundary_home), DAY))
    row = frame.set_index("patient_id").loc["n09"]
    assert row.efi_score == pytest.approx(0.25)
    assert list(frame.columns) == [
        "patient_id",
        "practice_code",
        "efi_score",
        "efi_deficits",
        "efi_category",
    ]


def test_only_people_65_and_over_registered_and_alive_on_the_date(tmp_path):
    path = build(
        tmp_path / "w.duckdb",
        [
            person("aged65", born="1955-03-01"),
            person("aged64", born="1955-04-01"),  # 65 in April 2020
            person("left", deregistration_date="2020-01-01"),
            person("died", death_date="2019-12-31"),
            person("joined_later", registration_date="2020-04-01"),
        ],
    )
    assert set(scores(ibis.duckdb.connect(str(path), read_only=True))) == {"aged65"}


def test_what_counts_as_a_deficit(tmp_path):
    copd, asthma = "13645005", "195967001"
    path = build(
        tmp_path / "w.duckdb",
        [person(p) for p in ("twice", "later", "poly5", "poly4", "stale", "acute")],
        events=[
            {"patient_id": "twice", "date": "2010-01-01", "snomed_code": copd},
            {"patient_id": "twice", "date": "2015-01-01", "snomed_code": asthma},
            {"patient_id": "twice", "date": "2016-01-01", "snomed_code": copd},
            {"patient_id": "later", "date": "2020-04-01", "snomed_code": copd},
            {"patient_id": "later", "date": "2019-04-01", "snomed_code": "12345"},  # not eFI
        ],
        medications=[
            *repeats("poly5", 5),
            *repeats("poly4", 4),
            *repeats("stale", 5, first="2017-01-01", latest="2019-03-01"),  # stopped > 1 year
            *[r | {"repeat": False} for r in repeats("acute", 6)],
        ],
    )
    assert scores(ibis.duckdb.connect(str(path), read_only=True)) == {
        "twice": (1, "fit"),  # one deficit however many of its codes are recorded
        "later": (0, "fit"),  # recorded after the date
        "poly5": (1, "fit"),  # polypharmacy: 5+ current repeat medicines
        "poly4": (0, "fit"),
        "stale": (0, "fit"),
        "acute": (0, "fit"),
    }


def test_a_repeat_is_current_until_a_year_after_its_latest_issue(tmp_path):
    path = build(
        tmp_path / "w.duckdb",
        [person("p")],
        medications=repeats("p", 5, first="2017-01-01", latest="2019-04-01"),
    )
    con = ibis.duckdb.connect(str(path), read_only=True)
    assert scores(con, "2020-03-31")["p"][0] == 1
    assert scores(con, "2020-04-02")["p"][0] == 0
    assert scores(con, "2016-12-31")["p"][0] == 0  # not yet started


def test_distribution_counts_every_category_for_every_pcn(tmp_path):
    path = build(
        tmp_path / "w.duckdb",
        [
            person("a"),
            person("b"),
            person("c", practice="J81002"),
            person("young", born="1990-01-01"),
        ],
        events=[*deficits("b", 5), *deficits("c", 13)],
    )
    con = ibis.duckdb.connect(str(path), read_only=True)
    assert efi_distribution(con, "11J", DAY) == {
        "U00001": {"fit": 1, "mild": 1, "moderate": 0, "severe": 0},
        "U00002": {"fit": 0, "mild": 0, "moderate": 0, "severe": 1},
    }


def test_synthetic_65_plus_are_about_50_35_12_3_percent(dorset):
    con = connect(dorset)
    frame = con.execute(efi_table(con, DAY))
    assert len(frame) > 1000
    share = frame["efi_category"].value_counts(normalize=True).reindex(CATEGORIES).fillna(0)
    # FACTS.md (Clegg 2016): ~50/35/12/3. With ~2,000 people the sampling error is about
    # 1.1 points, and the generator's own calibration measured 49.5/35.5/11.4/3.5 (calibrated
    # population, deficit_shift 0.85, scale 0.05): allow 6/6/4/3.
    assert share["fit"] == pytest.approx(0.50, abs=0.06)
    assert share["mild"] == pytest.approx(0.35, abs=0.06)
    assert share["moderate"] == pytest.approx(0.12, abs=0.04)
    assert share["severe"] == pytest.approx(0.03, abs=0.03)
    by_pcn = efi_distribution(con, "11J", DAY)
    assert len(by_pcn) == 18
    assert sum(sum(c.values()) for c in by_pcn.values()) == len(frame)


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values("patient_id").reset_index(drop=True)


@pytest.mark.spark
@pytest.mark.filterwarnings("ignore:distutils Version classes:DeprecationWarning")  # pyspark 3.5
def test_spark_gives_the_same_scores_as_duckdb(boundary_home, dorset):
    for settings in (boundary_home, dorset):
        duck, spark = connect(settings), connect(settings, engine="pyspark")
        expected = _sorted(duck.execute(efi_table(duck, DAY)))
        got = _sorted(spark.execute(efi_table(spark, DAY)))
        pd.testing.assert_frame_equal(got, expected, check_dtype=False)
        if settings is dorset:
            assert efi_distribution(spark, "11J", DAY) == efi_distribution(duck, "11J", DAY)


def test_a_repeat_issued_365_days_before_the_date_is_current_and_366_days_before_is_not(
    tmp_path,
):
    # Rule: a repeat is current until 365 days after its latest issue. Latest issue 2021-03-01;
    # 2021-03-01 + 365 days = 2022-03-01 (Feb 2022 has 28 days, so a year is 365 days).
    # On 2022-03-01 (day 365) the repeat counts; on 2022-03-02 (day 366) it does not.
    path = build(
        tmp_path / "w.duckdb",
        [person("p")],
        medications=repeats("p", 1, first="2020-01-01", latest="2021-03-01"),
    )
    con = ibis.duckdb.connect(str(path), read_only=True)

    def current(day: str) -> int:
        frame = con.execute(repeat_medicines(con, day))
        return int(frame["repeat_medicines"].sum())

    assert current("2022-03-01") == 1
    assert current("2022-03-02") == 0
