"""The rules files: every year loads, part-year rules, UNCONFIRMED flags, overrides, bad files."""

import datetime as dt

import pytest

from openpcn.exceptions import InputError
from openpcn.funding.rules import financial_years, normalise_year, rules_for


def test_six_financial_years_ship():
    assert financial_years() == ["2019/20", "2020/21", "2021/22", "2022/23", "2023/24", "2024/25"]


@pytest.mark.parametrize("year", financial_years())
def test_every_year_loads_with_a_source_for_every_rate_and_role(year):
    rules = rules_for(year)
    assert rules.year == year
    first = int(year[:4])
    assert (rules.start, rules.end) == (dt.date(first, 4, 1), dt.date(first + 1, 3, 31))
    assert rules.list_date == dt.date(rules.start.year, 1, 1)
    assert rules.checked_by and rules.checked_date
    for item in (*rules.rates.values(), *rules.roles.values()):
        assert item.source
        assert not item.unconfirmed or item.note, f"{item.key}: unconfirmed needs a note"


def test_the_des_starts_in_july_2019():
    rules = rules_for("2019/20")
    for key in ("core", "clinical_director", "network_participation", "extended_access", "arrs"):
        assert rules.months(key) == 9
    assert "care_home_premium" not in rules.rates and not rules.iif


def test_care_home_premium_is_60_a_bed_in_2020_21_then_120():
    rate = rules_for("2020/21").rates["care_home_premium"]
    assert rate.value * rate.months / 12 == 60 and rate.unconfirmed
    assert rules_for("2021/22").rates["care_home_premium"].months == 12


def test_extended_hours_give_way_to_enhanced_access_in_october_2022():
    rules = rules_for("2022/23")
    assert (rules.months("extended_access"), rules.months("enhanced_access")) == (6, 6)
    assert rules_for("2023/24").months("extended_access") == 0


def test_2024_25_merges_core_and_clinical_director():
    rules = rules_for("2024/25")
    assert "core" not in rules.rates and "clinical_director" not in rules.rates
    assert rules.rates["merged_core"].value + rules.rates["merged_core_adjusted"].value == 2.916


def test_arrs_roles_grow_by_date():
    assert set(rules_for("2019/20").roles) == {
        "clinical_pharmacist",
        "social_prescribing_link_worker",
    }
    cp = rules_for("2019/20").roles["clinical_pharmacist"]
    assert (
        cp.reimbursement_rate,
        cp.max_reimbursement,
        cp.wte_cap(50_000),
        cp.wte_cap(100_001),
    ) == (0.7, 37810, 1.0, 2.0)
    roles20 = rules_for("2020/21").roles
    assert len(roles20) == 12 and all(r.reimbursement_rate == 1.0 for r in roles20.values())
    assert roles20["nursing_associate"].from_date == dt.date(2020, 10, 1)
    assert roles20["clinical_pharmacist"].max_reimbursement == 55670
    # inferred from the role's band (7-8a), so flagged UNCONFIRMED with the reasoning in its note
    assert roles20["dietitian"].max_reimbursement == 55670 and roles20["dietitian"].unconfirmed
    assert "band 7-8a" in roles20["dietitian"].note
    assert {"paramedic", "advanced_practitioner"} <= set(rules_for("2021/22").roles)


def test_arrs_rate_2020_21_is_confirmed_and_later_years_derived():
    assert rules_for("2020/21").rates["arrs"].value == 7.13
    later = rules_for("2021/22").rates["arrs"]
    assert later.unconfirmed and "746" in later.note


@pytest.mark.parametrize("spelling", ["2020/21", "2020-21", " 2020/21 "])
def test_a_year_may_be_written_either_way(spelling):
    assert normalise_year(spelling) == "2020/21"


@pytest.mark.parametrize("bad", ["2020", "2020/22", "20/21", "next year"])
def test_a_malformed_year_is_a_clear_error(bad):
    with pytest.raises(InputError, match="not a financial year"):
        rules_for(bad)


def test_an_unknown_year_names_the_known_ones():
    with pytest.raises(InputError, match="no funding rules for 2018/19") as err:
        rules_for("2018/19")
    assert "2019/20" in err.value.fix and "2024/25" in err.value.fix


def test_an_override_replaces_only_the_values_given_and_cites_the_file(tmp_path):
    mine = tmp_path / "mine.toml"
    mine.write_text(
        "[rates.clinical_director]\nvalue = 0.6\n\n[roles.dietitian]\nmax_reimbursement = 50000\n"
    )
    rules = rules_for("2020/21", mine)
    cd = rules.rates["clinical_director"]
    assert (cd.value, cd.months, cd.source, cd.unconfirmed) == (0.6, 12, str(mine), False)
    assert rules.roles["dietitian"].max_reimbursement == 50000
    assert rules.rates["core"].source.startswith("FACTS.md")
    assert rules.overrides == ("rates.clinical_director", "roles.dietitian")


def test_an_override_for_another_year_is_refused(tmp_path):
    mine = tmp_path / "mine.toml"
    mine.write_text('year = "2021/22"\n')
    with pytest.raises(InputError, match="not 2020/21"):
        rules_for("2020/21", mine)


def test_a_malformed_override_names_the_file_and_line(tmp_path):
    mine = tmp_path / "bad.toml"
    mine.write_text("[rates.core]\nvalue = = 2\n")
    with pytest.raises(InputError, match="not valid TOML") as err:
        rules_for("2020/21", mine)
    assert err.value.where.file == str(mine) and err.value.where.row == 2


@pytest.mark.parametrize(
    ("text", "column", "what"),
    [
        ('[rates.core]\nvalue = "1.5"\n', "rates.core.value", "must be a number"),
        ("[rates.core]\nvalue = -1\n", "rates.core.value", "at least 0"),
        ("[rates.core]\nmonths = 13\n", "rates.core.months", "0 to 12"),
        ('[rates.core]\nunit = "per_hour"\n', "rates.core.unit", "unknown unit"),
        (
            '[rates.bonus]\nvalue = 1\nunit = "per_bed"\nmonths = 12\nsource = "x"\n',
            "rates.bonus",
            "unknown stream",
        ),
        ('[roles.dietitian]\nfrom_date = "soon"\n', "roles.dietitian.from_date", "must be a date"),
        ("rates = 5\n", "rates", "must be a table"),
        ("[rates]\ncore = 2\n", "rates.core", "table of values"),
        ("[iif]\npoints = -3\n", "iif.points", "at least 0"),
        (
            "[roles.dietitian]\nreimbursement_rate = 70\n",
            "roles.dietitian.reimbursement_rate",
            "at most 1",
        ),
    ],
)
def test_a_bad_value_names_the_file_and_key(tmp_path, text, column, what):
    mine = tmp_path / "bad.toml"
    mine.write_text(text)
    with pytest.raises(InputError, match=what) as err:
        rules_for("2020/21", mine)
    assert err.value.where.file == str(mine)
    assert err.value.where.column == column


def test_a_missing_override_file_is_a_clear_error(tmp_path):
    with pytest.raises(InputError, match="rules file not found"):
        rules_for("2020/21", tmp_path / "nope.toml")
