"""The formation rules 1-4, each on a small inline ICS, with the reasons' numbers checked.

Rule 5 (contiguity) is in test_contiguity.py.
"""

import pytest

from openpcn.exceptions import ConfigError
from openpcn.orgs import check, pcn_table

DAY = "2019-12-01"
RULES = ["size_band", "one_pcn_per_practice", "coverage", "one_footprint", "contiguity"]


def two_practice_pcn(rows, code, name, sizes, first=1, lat=50.7):
    """A PCN of practices J81<first>.. with the given list sizes, placed side by side."""
    practices, members, lists = [], [], []
    for i, size in enumerate(sizes):
        practice = f"J81{first + i:03d}"
        practices.append(rows.practice(practice, lat, -2.0 + 0.01 * i))
        members.append(rows.member(practice, code))
        lists.append(rows.listed(practice, size))
    return [rows.pcn(code, name)], practices, members, lists


def build(warehouse, rows, *pcn_sizes, **extra):
    """An ICS of PCNs U00001.. each given as a list of practice list sizes, far apart."""
    tables = {"pcns": [], "practices": [], "memberships": [], "practice_lists": []}
    first = 1
    for i, sizes in enumerate(pcn_sizes):
        parts = two_practice_pcn(
            rows, f"U{i + 1:05d}", f"PCN {i + 1}", sizes, first=first, lat=50.5 + 0.2 * i
        )
        for key, part in zip(tables, parts, strict=True):
            tables[key] += part
        first += len(sizes)
    for key, more in extra.items():
        tables[key] = tables.get(key, []) + more
    return warehouse(**tables)


def finding(report, rule, code):
    hits = [f for f in report.rule(rule).findings if f.code == code]
    assert len(hits) == 1, hits
    return hits[0]


def test_every_rule_is_listed_and_a_clean_ics_passes(warehouse, rows):
    con = build(warehouse, rows, [20_000, 15_000], [25_000, 20_000])
    report = check(con, "11J", DAY)
    assert [r.rule for r in report.rules] == RULES
    assert report.status == "pass"
    assert report.breaches() == []
    assert report.as_dict()["band"] == [30000, 50000]
    assert [r["status"] for r in report.as_dict()["rules"]] == ["pass"] * 5
    assert report.rule("size_band").summary.startswith("2 of 2 PCNs within 30,000-50,000")


# Rule 1: size band


def test_a_pcn_below_the_band_says_by_how_much(warehouse, rows):
    con = build(warehouse, rows, [12_000.5, 10_000.25], [20_000, 15_000])
    report = check(con, "11J", DAY)
    below = finding(report, "size_band", "U00001")
    assert below.outcome == "breach"
    assert below.name == "PCN 1"
    assert below.reason == (
        "has 22,001 registered patients, 7,999 (26.7%) below the band minimum of 30,000"
    )
    assert below.details["registered_patients"] == 22_000.75
    assert report.rule("size_band").status == "fail"


def test_a_pcn_above_the_band_says_by_how_much(warehouse, rows):
    con = build(warehouse, rows, [30_000, 25_500])
    above = finding(check(con, "11J", DAY), "size_band", "U00001")
    assert above.outcome == "breach"
    assert above.reason == (
        "has 55,500 registered patients, 5,500 (11.0%) above the band maximum of 50,000"
    )


def test_the_band_edges_are_inside_and_the_band_can_be_changed(warehouse, rows):
    con = build(warehouse, rows, [30_000], [50_000])
    assert check(con, "11J", DAY).rule("size_band").status == "pass"
    narrow = check(con, "11J", DAY, band=(35_000, 45_000))
    assert narrow.band == [35000, 45000]
    assert "5,000 (14.3%) below the band minimum of 35,000" in (
        finding(narrow, "size_band", "U00001").reason
    )


def test_a_band_exception_allows_a_pcn_outside_the_band_with_its_reason(warehouse, rows):
    exception = {"pcn_code": "U00001", "reason": "remote and rural", "start_date": "2019-07-01"}
    con = build(warehouse, rows, [12_000, 10_000], band_exceptions=[exception])
    report = check(con, "11J", DAY)
    allowed = finding(report, "size_band", "U00001")
    assert allowed.outcome == "allowed"
    assert allowed.reason == (
        "allowed: remote and rural (has 22,000 registered patients, 8,000 (26.7%) below the "
        "band minimum of 30,000)"
    )
    assert report.rule("size_band").status == "pass"


def test_an_expired_band_exception_no_longer_allows_it(warehouse, rows):
    exception = {
        "pcn_code": "U00001",
        "reason": "remote and rural",
        "start_date": "2019-07-01",
        "end_date": "2019-09-30",
    }
    con = build(warehouse, rows, [12_000, 10_000], band_exceptions=[exception])
    assert finding(check(con, "11J", DAY), "size_band", "U00001").outcome == "breach"


def test_a_member_without_a_list_size_is_named(warehouse, rows):
    con = build(
        warehouse,
        rows,
        [20_000, 15_000],
        practices=[rows.practice("J81009", 50.5, -1.9)],
        memberships=[rows.member("J81009", "U00001")],
    )
    note = finding(check(con, "11J", DAY), "size_band", "U00001")
    assert note.outcome == "note"
    assert "1 member practice without a list size counted as 0: J81009" in note.reason


def test_a_band_that_is_not_a_range_is_refused(warehouse, rows):
    con = build(warehouse, rows, [40_000])
    with pytest.raises(ConfigError):
        check(con, "11J", DAY, band=(50_000, 30_000))


# Rule 2: one PCN per practice (dated memberships)


@pytest.fixture
def moved(warehouse, rows):
    """J81001 joins U00002 on 2019-10-01 but its U00001 membership is only ended on 2019-12-31."""
    return build(
        warehouse,
        rows,
        [20_000, 15_000],
        [25_000, 20_000],
        memberships=[rows.member("J81001", "U00002", "2019-10-01")],
    )


def test_a_practice_in_two_pcns_on_a_date_is_a_breach(warehouse, rows):
    p, m = rows.practice, rows.member
    con = warehouse(
        practices=[p("J81001", 50.7, -2.0), p("J81002", 50.7, -2.1), p("J81003", 50.8, -2.0)],
        pcns=[rows.pcn("U00001", "North PCN"), rows.pcn("U00002", "South PCN")],
        memberships=[
            m("J81001", "U00001", "2019-07-01", "2019-12-31"),
            m("J81001", "U00002", "2019-10-01"),
            m("J81002", "U00001"),
            m("J81003", "U00002"),
        ],
        practice_lists=[rows.listed(c, 40_000) for c in ("J81001", "J81002", "J81003")],
    )
    twice = finding(check(con, "11J", "2019-11-15"), "one_pcn_per_practice", "J81001")
    assert twice.outcome == "breach"
    assert twice.reason == (
        "is a core member of 2 PCNs on 2019-11-15: U00001 North PCN (since 2019-07-01) and "
        "U00002 South PCN (since 2019-10-01)"
    )
    assert twice.details == {"pcns": ["U00001", "U00002"]}
    # before the move and after the old membership ended, one PCN each
    for day in ("2019-09-30", "2020-01-01"):
        assert check(con, "11J", day).rule("one_pcn_per_practice").status == "pass"


# Rule 3: coverage of practices and patients


def test_a_commissioned_practice_in_no_pcn_is_a_coverage_gap(warehouse, rows):
    con = build(
        warehouse,
        rows,
        [20_000, 15_000],
        practices=[rows.practice("J81050", 50.9, -2.0)],
        practice_lists=[rows.listed("J81050", 5_000)],
    )
    rule = check(con, "11J", DAY).rule("coverage")
    gap = finding(check(con, "11J", DAY), "coverage", "J81050")
    assert gap.outcome == "breach"
    assert gap.reason == (
        "is commissioned by 11J and active, but is not a core member of any 11J PCN on "
        "2019-12-01; 5,000 registered patients are not covered"
    )
    assert rule.status == "fail"
    assert rule.summary == (
        "2 of 3 active or dormant practices commissioned by 11J are in its PCNs, covering "
        "87.5% of their 40,000 registered patients (5,000 not covered)"
    )


def test_a_gap_practice_that_sits_in_another_ics_pcn_says_so(warehouse, rows):
    con = build(
        warehouse,
        rows,
        [20_000, 15_000],
        practices=[rows.practice("J81050", 50.9, -2.0)],
        pcns=[rows.pcn("U00009", "Wilts PCN", "99N")],
        memberships=[rows.member("J81050", "U00009")],
    )
    gap = finding(check(con, "11J", DAY), "coverage", "J81050")
    assert "it is a member of U00009 Wilts PCN (parented to 99N)" in gap.reason


def test_closed_and_not_yet_open_practices_are_not_gaps(warehouse, rows):
    p = rows.practice
    con = build(
        warehouse,
        rows,
        [20_000, 15_000],
        practices=[
            p("J81050", status="closed", close_date="2019-03-31"),
            p("J81051", status="active", open_date="2020-04-01"),
            p("J81052", status="closed", close_date="2020-03-31"),  # still open in Dec 2019
        ],
    )
    report = check(con, "11J", DAY)
    assert [f.code for f in report.rule("coverage").findings] == ["J81052"]


def test_a_dormant_member_is_called_out_but_not_a_breach(warehouse, rows):
    con = build(
        warehouse,
        rows,
        [20_000, 15_000],
        practices=[rows.practice("J81031", 50.5, -1.98, status="dormant")],
        memberships=[rows.member("J81031", "U00001")],
        practice_lists=[rows.listed("J81031", 1_200.5)],
    )
    report = check(con, "11J", DAY)
    dormant = finding(report, "coverage", "J81031")
    assert dormant.outcome == "note"
    assert dormant.reason.startswith("is dormant in epraccur (status D")
    assert "yet is still a core member of U00001 PCN 1 on 2019-12-01" in dormant.reason
    assert "its 1,200 registered patients count in the PCN" in dormant.reason
    assert report.rule("coverage").status == "pass"


def test_a_dormant_practice_outside_every_pcn_is_a_gap(warehouse, rows):
    con = build(
        warehouse,
        rows,
        [20_000, 15_000],
        practices=[rows.practice("J81031", 50.5, -1.98, status="dormant")],
    )
    gap = finding(check(con, "11J", DAY), "coverage", "J81031")
    assert gap.outcome == "breach"
    assert "is commissioned by 11J and dormant in epraccur, but is not" in gap.reason


# Rule 4: one footprint


def test_a_member_commissioned_by_another_ccg_is_named_with_both_commissioners(warehouse, rows):
    con = build(
        warehouse,
        rows,
        [20_000, 15_000],
        practices=[rows.practice("J83001", 50.5, -1.98, commissioner_code="99N")],
        memberships=[rows.member("J83001", "U00001")],
        practice_lists=[rows.listed("J83001", 3_000)],
    )
    report = check(con, "11J", DAY)
    outsider = finding(report, "one_footprint", "J83001")
    assert outsider.outcome == "breach"
    assert outsider.reason == (
        "is commissioned by 99N (NHS Wiltshire CCG) but is a core member of U00001 PCN 1, "
        "which is parented to 11J"
    )
    assert (
        report.rule("one_footprint").summary == "1 of 3 member practices commissioned outside 11J"
    )
    # its patients still count towards the PCN it belongs to
    assert pcn_table(con, "11J", DAY)[0]["registered_patients"] == 38_000


def test_a_member_missing_from_the_practices_table_is_a_footprint_breach(warehouse, rows):
    con = build(warehouse, rows, [20_000, 15_000], memberships=[rows.member("J81077", "U00001")])
    missing = finding(check(con, "11J", DAY), "one_footprint", "J81077")
    assert "not in the practices table" in missing.reason
