"""`openpcn orgs ...` through the installed command (its own process), on the shared home."""

from __future__ import annotations

import json

from tests.cli.conftest import run


def test_summary_json_has_the_dorset_figures_from_the_real_files(dorset_home):
    done = run(dorset_home, "orgs", "summary", "--ics", "11J", "--json")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert (summary["practices"], summary["pcns"]) == (81, 18)
    assert round(summary["registered_patients"]) == 806_922
    assert summary["band"] == [30000, 50000]
    assert summary["pcns_in_band"] == 10
    assert summary["pcn_size_min"] == {
        "code": "U75274",
        "name": "SHERBORNE AREA PCN",
        "patients": 20774.75,
    }
    assert summary["pcn_size_max"]["code"] == "U25251"


def test_summary_band_is_configurable_on_the_command_line(dorset_home):
    done = run(
        dorset_home, "orgs", "summary", "--json", "--band-min", "20000", "--band-max", "80000"
    )
    assert json.loads(done.stdout)["pcns_in_band"] == 18


def test_summary_as_a_table_names_every_pcn(dorset_home):
    done = run(dorset_home, "orgs", "summary")
    assert done.returncode == 0, done.stderr
    assert "81 practices in 18 PCNs" in done.stdout
    assert "WEYMOUTH & PORTLAND PCN" in done.stdout and "76,049" in done.stdout


def test_check_lists_every_rule_and_explains_each_breach(dorset_home):
    done = run(dorset_home, "orgs", "check", "--ics", "11J", "--json")
    report = json.loads(done.stdout)
    rules = {rule["rule"]: rule for rule in report["rules"]}
    assert set(rules) == {
        "size_band",
        "one_pcn_per_practice",
        "coverage",
        "one_footprint",
        "contiguity",
    }
    sherborne = next(f for f in rules["size_band"]["findings"] if f["code"] == "U75274")
    assert "9,225" in sherborne["reason"] and "below" in sherborne["reason"]
    assert any(f["code"] == "J81031" for f in rules["coverage"]["findings"])
    text = run(dorset_home, "orgs", "check").stdout
    assert "FAIL" in text and "PASS" in text and "EAGLE HOUSE SURGERY" in text


def test_show_a_pcn_and_a_practice(dorset_home):
    pcn = json.loads(run(dorset_home, "orgs", "show", "U42510", "--json").stdout)
    assert [m["practice_code"] for m in pcn["members"]] == ["J81019", "J81031"]
    practice = json.loads(run(dorset_home, "orgs", "show", "j81002", "--json").stdout)
    assert practice["pcn"]["code"] == "U19923"
    text = run(dorset_home, "orgs", "show", "J81002").stdout
    assert "ORCHID HOUSE SURGERY" in text and "CQC rating: Good (published 2018)" in text


def test_an_unknown_code_is_a_clear_error_without_traceback(dorset_home):
    done = run(dorset_home, "orgs", "show", "XYZ")
    assert done.returncode == 66
    assert "J81002" in done.stderr and "Traceback" not in done.stderr


def test_orgs_without_a_warehouse_says_to_run_init(tmp_path):
    done = run(tmp_path, "orgs", "summary")
    assert done.returncode == 78 and "openpcn init" in done.stderr


def test_groupings_list_the_districts_and_the_pcns_they_overlap(dorset_home):
    groups = json.loads(
        run(dorset_home, "orgs", "groupings", "--kind", "district", "--json").stdout
    )
    bournemouth = next(g for g in groups if g["group_name"] == "Bournemouth")
    assert len(bournemouth["practices"]) == 18
    assert {p["pcn_code"] for p in bournemouth["pcns"]} >= {"U02749", "U27515"}
    missing = run(dorset_home, "orgs", "groupings", "--kind", "locality")
    assert missing.returncode == 66 and "district" in missing.stderr
