"""data/rules/qof_groups.toml: every register reads lists that hold the synthetic codes."""

import csv
import datetime as dt
from importlib import resources

import pytest

from openpcn.cohorts.codelists import load_codelists
from openpcn.exceptions import InputError
from openpcn.prevalence.groups import load_groups, parse_year, previous_year, year_end

#: the contract of issue 17: synthetic condition -> (QOF group, list type)
CONTRACT = {
    "hypertension": ("HYP", "TOTAL"),
    "diabetes": ("DM", "17OV"),
    "chd": ("CHD", "TOTAL"),
    "stroke_tia": ("STIA", "TOTAL"),
    "af": ("AF", "TOTAL"),
    "heart_failure": ("HF", "TOTAL"),
    "copd": ("COPD", "TOTAL"),
    "asthma": ("AST", "TOTAL"),
    "ckd": ("CKD", "18OV"),
    "depression": ("DEP", "18OV"),
    "dementia": ("DEM", "TOTAL"),
    "cancer": ("CAN", "TOTAL"),
    "osteoporosis": ("OST", "50OV"),
    "pad": ("PAD", "TOTAL"),
    "epilepsy": ("EP", "18OV"),
    "smi": ("MH", "TOTAL"),
    "learning_disability": ("LD", "TOTAL"),
    "rheumatoid_arthritis": ("RA", "16OV"),
}


def _synth(name: str) -> list[dict[str, str]]:
    text = resources.files("openpcn.data").joinpath("synth", name).read_text("utf-8")
    return list(csv.DictReader(line for line in text.splitlines() if not line.startswith("#")))


def test_groups_map_the_synthetic_conditions_as_the_contract_says():
    groups = load_groups()
    assert {g.condition: (g.code, g.list_type) for g in groups.values()} == CONTRACT


@pytest.mark.parametrize("condition", sorted(CONTRACT))
def test_each_register_holds_every_code_the_synthetic_population_writes(condition):
    group = next(g for g in load_groups().values() if g.condition == condition)
    lists = load_codelists()
    codes = set().union(*(lists[name].codes for name in group.codelists))
    concept = next(
        r["snomed_code"] for r in _synth("conditions.csv") if r["condition"] == condition
    )
    written = {r["code"] for r in _synth("code_mix.csv") if r["concept_code"] == concept}
    for code in written or {concept}:
        assert code in codes, f"{group.code} misses {code}, which the population writes"


def test_the_new_qof_clusters_are_taken_whole_from_a_commit():
    lists = load_codelists()
    for name, size in {
        "nhsd-afib-cod": 19,
        "nhsd-copd-cod": 54,
        "nhsd-ckd-cod": 51,
        "nhsd-depr-cod": 102,
        "nhsd-dem-cod": 154,
        "nhsd-osteo-cod": 37,
        "nhsd-epil-cod": 165,
        "nhsd-mh-cod": 190,
        "nhsd-rarth-cod": 75,
    }.items():
        listed = lists[name]
        assert len(listed.codes) == size
        assert listed.status == "verified" and len(listed.commit) == 40
    assert lists["openpcn-cancer"].status == "unverified"


def test_years_read_in_several_spellings_and_end_on_31_march():
    assert parse_year("2018-19") == parse_year("201819") == "2018/19"
    assert year_end("2018/19") == dt.date(2019, 3, 31)
    assert previous_year("2018/19") == "2017/18"
    with pytest.raises(InputError):
        parse_year("2018/20")
