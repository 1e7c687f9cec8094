"""Definitions and codelists fail at load time, with the file and the fix, before any query."""

import datetime as dt
from pathlib import Path

import pytest

from openpcn.cohorts.codelists import load_codelists
from openpcn.cohorts.definitions import (
    SPECS,
    YEARS,
    IndicatorYear,
    indicator_year,
    load_definitions,
    parse_window,
)
from openpcn.exceptions import InputError

GOOD = """
id = "x"
spec = "cvd"
title = "X"
description = "words"
source = "FACTS.md"
checked_by = "me"
date = "2026-11-25"
[criteria]
all = [ { has_event = { codelist = "openpcn-hypertension", within = "12 months" } } ]
"""


def write(folder: Path, text: str, name: str = "x.toml") -> Path:
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_the_shipped_definitions_cover_all_seven_specs_every_year():
    for year in YEARS:
        definitions = load_definitions(year=year)
        assert {d.spec for d in definitions.values()} == set(SPECS)
        # the same cohorts every year: a year changes how a cohort is found, not which exist
        assert set(definitions) == set(load_definitions(year=YEARS[0]))
    cvd01 = load_definitions(year="2023/24")["cvd-01-raised-bp-undiagnosed"]
    assert cvd01.indicator == "CVD-01" and cvd01.years == ("2023/24",)
    assert cvd01.criteria.words.startswith(
        "aged >= 18 and no hypertension diagnosis recorded and (latest systolic blood pressure "
        "in the last 3 years >= 140 or "
    )


def test_a_year_picks_one_version_of_each_cohort_and_the_date_picks_the_year():
    assert load_definitions(year="2022/23")["early-cancer-lgi-with-fit"].indicator == "CAN-01"
    assert load_definitions(year="2024/25")["early-cancer-lgi-with-fit"].indicator == "CAN-04"
    assert indicator_year(dt.date(2023, 4, 1)) == IndicatorYear("2023/24")
    assert indicator_year(dt.date(2023, 3, 31)).year == "2022/23"
    early = indicator_year(dt.date(2019, 12, 1))
    assert early.year == "2022/23" and "2019/20 is before" in early.note
    assert indicator_year(dt.date(2030, 1, 1)).year == "2024/25"
    assert indicator_year(dt.date(2019, 12, 1), "2023-24") == IndicatorYear("2023/24")
    with pytest.raises(InputError, match="no indicator definitions for 2021/22"):
        indicator_year(dt.date(2019, 12, 1), "2021/22")


def test_versions_of_one_cohort_must_not_share_a_year(tmp_path):
    one = GOOD.replace('id = "x"', 'id = "x"\nyears = ["2022/23", "2023/24"]')
    two = GOOD.replace('id = "x"', 'id = "x"\nyears = ["2023/24"]')
    folder = write(write(tmp_path / "d", one, "a.toml"), two, "b.toml")
    with pytest.raises(InputError, match=r"also defined in a\.toml for 2023/24"):
        load_definitions(folder)
    folder = write(
        tmp_path / "d", GOOD.replace('id = "x"', 'id = "x"\nyears = ["2024/25"]'), "b.toml"
    )
    assert load_definitions(folder, year="2024/25")["x"].years == ("2024/25",)
    assert "x" in load_definitions(folder, year="2022/23")


def test_years_must_be_years_with_definitions(tmp_path):
    bad = GOOD.replace('id = "x"', 'id = "x"\nyears = ["2019/20"]')
    with pytest.raises(InputError, match="years must list") as err:
        load_definitions(write(tmp_path / "d", bad))
    assert err.value.where.column == "years"


def test_event_with_reads_as_a_window_around_each_event(tmp_path):
    text = GOOD.replace(
        'all = [ { has_event = { codelist = "openpcn-hypertension", within = "12 months" } } ]',
        'event_with = { codelist = "openpcn-lower-gi-urgent-referral", with = "openpcn-fit", '
        'days_before = 7, days_after = 14, within = "12 months" }',
    )
    found = load_definitions(write(tmp_path / "d", text))["x"]
    assert found.criteria.words.endswith("from 7 days before to 14 days after it")
    assert found.codelists == ("openpcn-fit", "openpcn-lower-gi-urgent-referral")
    negative = text.replace("days_before = 7", "days_before = -1")
    with pytest.raises(InputError, match="days_before must be a whole number"):
        load_definitions(write(tmp_path / "e", negative))


def test_the_shipped_codelists_load_with_their_systems():
    lists = load_codelists()
    assert lists["openpcn-nsaids"].system == "bnf"
    assert "38341003" in lists["openpcn-hypertension"].codes  # the national HYP_COD list
    assert len(lists["openpcn-long-term-conditions"].codes) == 20  # 18 conditions; 3 HYP codes


@pytest.mark.parametrize(
    ("change", "message", "column"),
    [
        (('"openpcn-hypertension"', '"openpcn-hypertensoin"'), "unknown codelist", None),
        (('"12 months"', '"12 mnths"'), "malformed window '12 mnths'", None),
        (("has_event", "had_event"), "unknown criterion 'had_event'", None),
        (('spec = "cvd"', 'spec = "cardio"'), "unknown spec", "spec"),
        (('checked_by = "me"', ""), "missing checked_by", "checked_by"),
    ],
)
def test_a_bad_definition_fails_at_load_time(tmp_path, change, message, column):
    folder = write(tmp_path / "defs", GOOD.replace(*change))
    with pytest.raises(InputError) as caught:
        load_definitions(folder)
    assert message in caught.value.what
    assert caught.value.where.file == "x.toml"
    assert caught.value.fix
    if column:
        assert caught.value.where.column == column


def test_a_medicine_list_cannot_be_used_as_an_event_list(tmp_path):
    folder = write(tmp_path / "defs", GOOD.replace("openpcn-hypertension", "openpcn-statins"))
    with pytest.raises(InputError, match="cannot be used with has_event"):
        load_definitions(folder)


def test_windows():
    assert parse_window("5 years").cutoff(dt.date(2020, 2, 29)) == dt.date(2015, 2, 28)
    assert parse_window("6 months").cutoff(dt.date(2019, 12, 1)) == dt.date(2019, 6, 1)
    assert parse_window("21 days").cutoff(dt.date(2019, 12, 1)) == dt.date(2019, 11, 10)
    for bad in ("12 mnths", "0 months", "twelve months", 12):
        with pytest.raises(InputError, match="malformed window"):
            parse_window(bad)


REGISTRY = """
[my-list]
file = "my-list.csv"
system = "snomedct"
title = "t"
source = "s"
verified = "v"
"""


@pytest.mark.parametrize(
    ("registry", "csv", "message", "file"),
    [
        (
            REGISTRY.replace("my-list.csv", "gone.csv"),
            "code,term\n1,a\n",
            "does not exist",
            "gone.csv",
        ),
        (
            REGISTRY.replace('"snomedct"', '"icd10"'),
            "code,term\n1,a\n",
            "unknown code system",
            "codelists.toml",
        ),
        (REGISTRY, "code,term\n", "empty", "my-list.csv"),
        (
            REGISTRY,
            "code,term\n38341003,a\n59621000,b\n38341003,c\n",
            "duplicate code",
            "my-list.csv",
        ),
        (REGISTRY, "code,term\n38341003,a\n300309006,b\n", "check digit", "my-list.csv"),
        (REGISTRY, "id,term\n1,a\n", "no `code` column", "my-list.csv"),
        (
            REGISTRY.replace('verified = "v"', ""),
            "code,term\n1,a\n",
            "lacks verified",
            "codelists.toml",
        ),
    ],
)
def test_a_bad_codelist_fails_naming_the_file(tmp_path, registry, csv, message, file):
    write(tmp_path, registry, "codelists.toml")
    (tmp_path / "my-list.csv").write_text(csv, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_codelists(tmp_path)
    assert message in caught.value.what
    assert caught.value.where.file.endswith(file)
    assert caught.value.fix


def test_a_date_outside_the_years_cohorts_can_use_is_an_input_error():
    from openpcn.cohorts.definitions import cohort_date

    assert cohort_date("2019-12-01").isoformat() == "2019-12-01"
    for bad in ("0001-01-01", "9999-12-31"):
        with pytest.raises(InputError, match="cannot find cohorts"):
            cohort_date(bad)


def test_a_definition_names_the_codelists_not_taken_from_a_published_list():
    definitions = load_definitions()
    bowel = definitions["early-cancer-screening-non-responders"]
    assert bowel.unverified_codelists == ("openpcn-bowel-screening-non-response",)
    assert bowel.as_dict()["unverified_codelists"] == ["openpcn-bowel-screening-non-response"]
    assert definitions["cvd-02-hypertension-register"].unverified_codelists == ()
