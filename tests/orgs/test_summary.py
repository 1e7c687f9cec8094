"""summary(), pcn_table() and show() on a small ICS whose numbers are worked out by hand."""

import pytest

from openpcn.exceptions import NotFoundError
from openpcn.orgs import pcn_table, show, summary

DAY = "2019-12-01"


@pytest.fixture
def ics(warehouse, rows):
    """Dorset-like 11J with three PCNs, a gap practice, and a 99N PCN that must be left out.

    North U00001: J81001 20,000.25 + J81002 15,000.50 = 35,000.75 (in band)
    South U00002: J81003 12,000.50 + J81004 10,000.25 = 22,000.75 (below, 7,999.25 short)
    Town  U00003: J81005 61,000 alone (above by 11,000; a recorded exception allows it)
    J81006 (11J, 5,000) is in no PCN; J83001 (99N) belongs to Wilts U00009.
    """
    p, m, li = rows.practice, rows.member, rows.listed
    return warehouse(
        practices=[
            p("J81001", 50.90, -2.00),
            p("J81002", 50.92, -2.01),
            p("J81003", 50.60, -2.00),
            p("J81004", 50.62, -2.02),
            p("J81005", 50.75, -1.90, name="Town Surgery", imd2019_score=21.5),
            p("J81006", 50.75, -2.20),
            p("J83001", 51.30, -1.80, commissioner_code="99N"),
        ],
        pcns=[
            rows.pcn("U00001", "North PCN"),
            rows.pcn("U00002", "South PCN"),
            rows.pcn("U00003", "Town PCN"),
            rows.pcn("U00009", "Wilts PCN", "99N"),
        ],
        memberships=[
            m("J81001", "U00001"),
            m("J81002", "U00001"),
            m("J81003", "U00002"),
            m("J81004", "U00002"),
            m("J81005", "U00003"),
            m("J83001", "U00009"),
        ],
        practice_lists=[
            li("J81001", 19_000, "2019-01-01", 18_000, "payments_2018-19"),
            li("J81001", 20_000.25, "2019-10-01", 21_000, "payments_2019-20"),
            li("J81002", 15_000.5, "2019-10-01", 14_000, "payments_2019-20"),
            li("J81003", 12_000.5, "2019-10-01", 12_500, "payments_2019-20"),
            li("J81004", 10_000.25, "2019-10-01", 9_500, "payments_2019-20"),
            li("J81005", 61_000, "2019-10-01", 60_000, "payments_2019-20"),
            li("J81006", 5_000, "2019-10-01", 5_100, "payments_2019-20"),
            li("J83001", 40_000, "2019-10-01", 40_000, "payments_2019-20"),
        ],
        band_exceptions=[
            {"pcn_code": "U00003", "reason": "single large practice", "start_date": "2019-07-01"}
        ],
        cqc_ratings=[
            {"practice_code": "J81005", "rating": "Good", "rating_year": 2016, "source": "cqc"},
            {
                "practice_code": "J81005",
                "rating": "Outstanding",
                "rating_year": 2019,
                "source": "cqc",
            },
        ],
    )


def test_summary_counts_the_ics_pcns_practices_and_patients(ics):
    got = summary(ics, "11J", DAY)
    assert got["ics"] == {"code": "11J", "name": "NHS Dorset CCG", "commissioners": ["11J"]}
    assert got["date"] == DAY
    assert got["practices"] == 5
    assert got["pcns"] == 3
    assert got["registered_patients"] == 35_000.75 + 22_000.75 + 61_000
    assert got["weighted_patients"] == 21_000 + 14_000 + 12_500 + 9_500 + 60_000
    assert got["band"] == [30000, 50000]
    assert (got["pcns_in_band"], got["pcns_below_band"], got["pcns_above_band"]) == (1, 1, 1)
    assert got["pcns_with_exception"] == 1
    assert got["pcn_size_min"] == {"code": "U00002", "name": "South PCN", "patients": 22_000.75}
    assert got["pcn_size_max"] == {"code": "U00003", "name": "Town PCN", "patients": 61_000}
    assert got["pcn_size_median"] == 35_000.75
    assert got["single_practice_pcns"] == 1
    assert got["commissioned_practices"] == 6
    assert got["commissioned_practices_in_pcns"] == 5
    assert got["list_source"] == [
        {"source": "payments_2019-20", "as_of": "2019-10-01", "practices": 5}
    ]


def test_summary_takes_another_band(ics):
    got = summary(ics, "11J", DAY, band=(20_000, 70_000))
    assert got["band"] == [20000, 70000]
    assert got["pcns_in_band"] == 3


def test_an_ics_code_stands_for_all_its_commissioners(ics):
    assert summary(ics, "QVV", DAY)["ics"]["commissioners"] == ["11J"]
    assert summary(ics, "QVV", DAY)["practices"] == 5


def test_an_unknown_ics_says_what_codes_look_like(ics):
    with pytest.raises(NotFoundError) as caught:
        summary(ics, "XXX", DAY)
    assert "11J" in caught.value.fix


def test_pcn_table_has_one_row_per_pcn(ics):
    table = pcn_table(ics, "11J", DAY)
    assert [r["pcn_code"] for r in table] == ["U00001", "U00002", "U00003"]
    assert table[1] == {
        "pcn_code": "U00002",
        "name": "South PCN",
        "practices": 2,
        "registered_patients": 22_000.75,
        "weighted_patients": 22_000.0,
        "in_band": False,
        "band_position": "below",
        "exception": None,
    }
    assert table[2]["exception"] == "single large practice"
    assert table[0]["in_band"] is True


def test_show_pcn_lists_members_totals_band_and_centroid(ics):
    got = show(ics, "u00001", DAY)
    assert got["kind"] == "pcn"
    assert got["name"] == "North PCN"
    assert got["commissioner"] == {"code": "11J", "name": "NHS Dorset CCG"}
    assert [m["practice_code"] for m in got["members"]] == ["J81001", "J81002"]
    first = got["members"][0]
    assert first["registered_patients"] == 20_000.25
    assert first["list_as_of"] == "2019-10-01"
    assert first["member_since"] == "2019-07-01"
    assert (first["lat"], first["lon"]) == (50.9, -2.0)
    assert got["registered_patients"] == 35_000.75
    assert got["band_position"] == "in"
    # weighted towards J81001 (20,000 of 35,000 patients): nearer 50.90 than 50.92
    assert 50.90 < got["centroid"]["lat"] < 50.91
    assert -2.01 < got["centroid"]["lon"] < -2.0


def test_show_practice_gives_pcn_history_lists_location_and_latest_cqc(ics):
    got = show(ics, "J81005", DAY)
    assert got["kind"] == "practice"
    assert got["name"] == "Town Surgery"
    assert got["status"] == "active"
    assert got["pcn"] == {"code": "U00003", "name": "Town PCN", "since": "2019-07-01"}
    assert got["memberships"][0]["pcn_code"] == "U00003"
    assert got["lists"] == [
        {
            "as_of": "2019-10-01",
            "source": "payments_2019-20",
            "registered_patients": 61_000.0,
            "weighted_patients": 60_000.0,
        }
    ]
    assert got["list_on_date"]["registered_patients"] == 61_000
    assert got["location"]["lat"] == 50.75
    assert got["imd2019_score"] == 21.5
    assert got["cqc"] == {"rating": "Outstanding", "year": 2019, "source": "cqc"}


def test_show_a_practice_in_no_pcn_and_with_several_list_sizes(ics):
    gap = show(ics, "J81006", DAY)
    assert gap["pcn"] is None
    assert gap["cqc"] is None
    history = show(ics, "J81001", DAY)["lists"]
    assert [(h["as_of"], h["registered_patients"]) for h in history] == [
        ("2019-01-01", 19_000),
        ("2019-10-01", 20_000.25),
    ]
    assert show(ics, "J81001", "2019-02-01")["list_on_date"]["source"] == "payments_2018-19"


@pytest.mark.parametrize("code", ["J99999", "U99999", "hello"])
def test_show_an_unknown_code_says_what_codes_look_like(ics, code):
    with pytest.raises(NotFoundError) as caught:
        show(ics, code, DAY)
    assert caught.value.fix == "practice codes look like J81002; PCN codes like U02749"
