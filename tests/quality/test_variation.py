"""`variation` and `openpcn quality variation`: funnel limits, intervals and flags per unit.

The expected numbers are worked by hand from the formulas in docs/quality.md:
target = sum(value x responses) / sum(responses) = (80x100 + 90x300 + 60x50 + 72x150) / 600
= 81.3333%; limits = target ± z·sqrt(p(1-p)/n) with z = 1.959964 (95%) and 3.090232 (99.8%).
"""

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from openpcn.cli.quality import quality_app
from openpcn.exceptions import NotFoundError
from openpcn.quality.variation import UNIT_COLUMNS, available_measures, variation, variation_csv

#: practice -> (PCN, registered patients)
PRACTICES = {"A1": ("P1", 1000), "A2": ("P1", 3000), "B1": ("P2", 2000), "B2": ("P2", 2000),
             "B3": ("P2", 500), "B4": ("P2", 900)}  # fmt: skip

#: (practice, measure, value_pct, responses). B3 answered by 8 people: suppressed.
#: B4 has no result at all. appointment_good has no response counts (as the shipped extract).
GPPS = [
    ("A1", "overall_good", 80.0, 100),
    ("A2", "overall_good", 90.0, 300),
    ("B1", "overall_good", 60.0, 50),
    ("B2", "overall_good", 72.0, 150),
    ("B3", "overall_good", 50.0, 8),
    ("A1", "appointment_good", 50.0, None),
    ("A2", "appointment_good", 70.0, None),
    ("B1", "appointment_good", 60.0, None),
    ("B2", "appointment_good", 80.0, None),
]


@pytest.fixture
def con(tmp_path, build):
    return build(
        tmp_path / "w.duckdb",
        commissioners=[{"code": "11J", "name": "NHS Dorset CCG", "tier": "CCG"}],
        practices=[
            {
                "practice_code": c,
                "name": f"Surgery {c}",
                "commissioner_code": "11J",
                "status": "active",
            }
            for c in PRACTICES
        ],
        pcns=[
            {"pcn_code": "P1", "name": "North PCN", "commissioner_code": "11J"},
            {"pcn_code": "P2", "name": "South PCN", "commissioner_code": "11J"},
        ],
        memberships=[
            {"practice_code": c, "pcn_code": p, "start_date": "2019-07-01", "source": "t"}
            for c, (p, _) in PRACTICES.items()
        ],
        practice_lists=[
            {"practice_code": c, "as_of": "2019-10-01", "registered_patients": n, "source": "t"}
            for c, (_, n) in PRACTICES.items()
        ],
        gpps=[
            {
                "practice_code": c,
                "year": 2019,
                "measure": m,
                "value_pct": v,
                "responses": n,
                "source": "GP Patient Survey 2019 (test)",
            }
            for c, m, v, n in GPPS
        ],
    )


def units(result):
    return {u["code"]: u for u in result["units"]}


def test_with_response_counts_each_practice_is_set_against_funnel_limits(con):
    result = variation(con, "11J", "2019-12-01", "overall_good")
    assert result["method"] == "funnel"
    assert result["x_axis"] == "responses"
    assert result["weighting"] == "responses"
    assert result["target_pct"] == pytest.approx(81.3333, abs=1e-4)
    b1 = units(result)["B1"]
    # n = 50: 81.3333 ± 1.959964 x 5.4949 and ± 3.090232 x 5.4949 (percentage points)
    assert (b1["limit95_lower_pct"], b1["limit95_upper_pct"]) == pytest.approx(
        (70.5332, 92.1335), abs=1e-4
    )
    assert (b1["limit998_lower_pct"], b1["limit998_upper_pct"]) == pytest.approx(
        (64.3049, 98.3617), abs=1e-4
    )
    # Wilson 95% for 30 of 50: (2·30 + z² ± z·sqrt(z² + 4·30·20/50)) / (2·(50 + z²))
    assert (b1["ci_lower_pct"], b1["ci_upper_pct"]) == pytest.approx((46.1814, 72.3916), abs=1e-4)


def test_flags_name_the_widest_limit_breached(con):
    got = {
        code: (u["flag"], u["flag_level"])
        for code, u in units(variation(con, "11J", "2019-12-01", "overall_good")).items()
    }
    assert got == {
        "A1": ("within", None),  # 80 inside 73.70-88.97 (n = 100)
        "A2": ("high", 0.998),  # 90 above 88.29 (n = 300)
        "B1": ("low", 0.998),  # 60 below 64.30 (n = 50)
        "B2": ("low", 0.95),  # 72 below 75.10 but above 71.50 (n = 150)
        "B3": (None, None),  # 8 responses: suppressed
        "B4": (None, None),  # no result
    }


def test_small_denominators_are_suppressed_and_listed(con):
    result = variation(con, "11J", "2019-12-01", "overall_good")
    b3 = units(result)["B3"]
    assert (b3["value_pct"], b3["ci_lower_pct"], b3["limit95_lower_pct"]) == (None, None, None)
    assert b3["responses"] == 8
    assert result["suppressed"] == ["B3", "B4"]
    assert result["flagged"] == {"high": ["A2"], "low": ["B2", "B1"]}
    assert [u["code"] for u in result["units"]][:4] == ["A2", "A1", "B2", "B1"]  # value, desc


def test_pcns_pool_their_practices_responses(con):
    result = variation(con, "11J", "2019-12-01", "overall_good", by="pcn")
    p1, p2 = units(result)["P1"], units(result)["P2"]
    # P1: (80x100 + 90x300) / 400 = 87.5 on 400; P2: (60x50 + 72x150) / 200 = 69.0 on 200
    assert (p1["value_pct"], p1["responses"], p1["name"]) == (87.5, 400, "North PCN")
    assert (p2["value_pct"], p2["responses"]) == (69.0, 200)
    assert p1["registered_patients"] == 4000
    assert (p1["flag"], p1["flag_level"]) == ("high", 0.998)  # above 87.35
    assert (p2["flag"], p2["flag_level"]) == ("low", 0.998)  # below 72.82
    assert p2["limit95_lower_pct"] == pytest.approx(75.9332, abs=1e-4)


def test_without_response_counts_the_limits_come_from_the_spread_and_say_so(con):
    result = variation(con, "11J", "2019-12-01", "appointment_good")
    assert result["method"] == "spread"
    assert result["x_axis"] == "registered_patients"
    assert "no response counts" in result["method_note"]
    # list-weighted: (50x1000 + 70x3000 + 60x2000 + 80x2000) / 8000 = 67.5; SD of the four = 12.9099
    assert result["target_pct"] == pytest.approx(67.5)
    a1 = units(result)["A1"]
    assert (a1["limit95_lower_pct"], a1["limit95_upper_pct"]) == pytest.approx(
        (42.1970, 92.8030), abs=1e-4
    )
    assert (a1["limit998_lower_pct"], a1["limit998_upper_pct"]) == pytest.approx(
        (27.6053, 100.0), abs=1e-4
    )  # clipped at 100
    assert (a1["ci_lower_pct"], a1["flag"]) == (None, "within")
    assert [p["n"] for p in result["curve"]] == [1000, 3000]  # flat lines across list sizes


def test_the_funnel_curve_narrows_as_the_denominator_grows(con):
    curve = variation(con, "11J", "2019-12-01", "overall_good")["curve"]
    assert curve[0]["n"] == pytest.approx(40) and curve[-1]["n"] == pytest.approx(330)
    widths = [p["limit95_upper_pct"] - p["limit95_lower_pct"] for p in curve]
    assert widths == sorted(widths, reverse=True)


def test_measures_and_labels_come_from_the_data(con):
    assert available_measures(con, "11J", "2019-12-01") == ["appointment_good", "overall_good"]
    result = variation(con, "11J", "2019-12-01", "overall_good")
    assert result["label"] == "Good overall experience of the GP practice"
    assert (result["england_pct"], result["year"]) == (82.9, 2019)
    assert result["source"] == "GP Patient Survey 2019 (test)"


def test_an_unknown_measure_names_the_ones_there_are(con):
    with pytest.raises(NotFoundError) as caught:
        variation(con, "11J", "2019-12-01", "nope")
    assert "appointment_good, overall_good" in caught.value.fix


def test_csv_has_one_row_per_unit_with_every_column(con):
    result = variation(con, "11J", "2019-12-01", "overall_good")
    rows = list(csv.DictReader(io.StringIO(variation_csv(result))))
    assert len(rows) == len(PRACTICES)
    assert list(rows[0]) == ["measure", "year", *UNIT_COLUMNS]
    assert rows[0]["code"] == "A2" and rows[0]["flag"] == "high"


def test_the_cli_prints_json_and_writes_csv(con, tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    con.disconnect()
    (tmp_path / "w.duckdb").rename(home / "warehouse.duckdb")
    monkeypatch.setenv("OPENPCN_HOME", str(home))
    monkeypatch.setenv("OPENPCN_ENGINE", "duckdb")
    run = CliRunner().invoke(quality_app, ["variation", "overall_good", "--by", "pcn", "--json"])
    assert run.exit_code == 0, run.output
    assert json.loads(run.stdout)["flagged"] == {"high": ["P1"], "low": ["P2"]}
    out = tmp_path / "v.csv"
    run = CliRunner().invoke(quality_app, ["variation", "overall_good", "--csv", str(out)])
    assert run.exit_code == 0, run.output
    assert len(out.read_text().splitlines()) == 1 + len(PRACTICES)
    table = CliRunner().invoke(quality_app, ["variation", "appointment_good"])
    assert table.exit_code == 0 and "list size" in table.output


def test_before_the_pcns_existed_the_commissioned_practices_are_compared(con):
    result = variation(con, "11J", "2019-05-31", "overall_good")
    assert "commissioned" in result["note"]
    assert len(result["units"]) == len(PRACTICES)
    assert {u["pcn_code"] for u in result["units"]} == {None}


def test_a_measure_whose_every_result_is_suppressed_says_so(tmp_path, build):
    con = build(
        tmp_path / "s.duckdb",
        commissioners=[{"code": "11J", "name": "NHS Dorset CCG", "tier": "CCG"}],
        practices=[{"practice_code": "A1", "name": "A1", "commissioner_code": "11J",
                    "status": "active"}],
        pcns=[{"pcn_code": "P1", "name": "North PCN", "commissioner_code": "11J"}],
        memberships=[{"practice_code": "A1", "pcn_code": "P1", "start_date": "2019-07-01",
                      "source": "t"}],
        practice_lists=[{"practice_code": "A1", "as_of": "2019-10-01",
                         "registered_patients": 900, "source": "t"}],
        gpps=[{"practice_code": "A1", "year": 2019, "measure": "overall_good", "value_pct": 75.0,
               "responses": 9, "source": "t"}],
    )  # fmt: skip
    with pytest.raises(NotFoundError, match="suppressed"):
        variation(con, "11J", "2019-12-01", "overall_good")


def test_csv_cells_that_a_spreadsheet_would_run_are_quoted():
    result = {"measure": "m", "year": 2019, "units": [{"code": "X1", "name": "=HYPERLINK(1)"}]}
    assert "'=HYPERLINK(1)" in variation_csv(result)
