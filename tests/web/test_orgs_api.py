"""The organisation JSON API on the 1% Dorset warehouse: lists, details, the rule check, map
data and the disclosure-controlled population pyramid.

Scope examples: PCN U42510 (BLANDFORD PCN) has J81019 and J81031; PCN U19923 has J81002.
"""

from __future__ import annotations

import csv
import io

import pytest

from openpcn.orgs.population import pyramid
from openpcn.web.audit import entries

PROBLEM = "application/problem+json"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def analyst(token_for) -> dict[str, str]:
    return bearer(token_for("ics_analyst"))


@pytest.fixture(scope="module")
def blandford_manager(token_for) -> dict[str, str]:
    return bearer(token_for("pcn_manager", pcn="U42510"))


def test_pcn_list_has_the_18_dorset_pcns_and_their_81_practices(anonymous, analyst):
    got = anonymous.get("/api/v1/pcns", headers=analyst)
    assert got.status_code == 200
    body = got.json()
    assert (body["ics"], body["date"], body["band"]) == ("11J", "2019-12-01", [30000, 50000])
    items = body["items"]
    assert len(items) == 18
    assert sum(i["practices"] for i in items) == 81
    # The lists are the "last known figure" of NHS Payments 2019-20 (as of 2020-01-01) in
    # src/openpcn/data/reference/practice_lists.csv; summed over the 81 practices that
    # memberships.csv puts in a Dorset PCN on 2019-12-01 they come to 806,922.25.
    assert sum(i["registered_patients"] for i in items) == pytest.approx(806_922.25)
    assert [i["code"] for i in items] == sorted(i["code"] for i in items)
    blandford = next(i for i in items if i["code"] == "U42510")
    # J81019 20,486 + J81031 8,650 = 29,136 patients (weighted 20,672.40 + 8,540.99), under
    # the band's 30,000: below it
    assert (blandford["name"], blandford["practices"]) == ("BLANDFORD PCN", 2)
    assert blandford["registered_patients"] == pytest.approx(29_136)
    assert blandford["weighted_patients"] == pytest.approx(29_213.39)
    assert (blandford["in_band"], blandford["band_position"]) == (False, "below")


@pytest.mark.parametrize(
    ("role", "pcn", "practice"),
    [("admin", None, None), ("pcn_manager", "U19923", None), ("practice_user", None, "J81002")],
)
def test_every_role_may_list_pcns_and_check_the_rules(anonymous, token_for, role, pcn, practice):
    headers = bearer(token_for(role, pcn=pcn, practice=practice))
    assert len(anonymous.get("/api/v1/pcns?ics=11J", headers=headers).json()["items"]) == 18
    assert anonymous.get("/api/v1/orgs/check", headers=headers).status_code == 200


def test_the_pcn_table_downloads_as_csv(anonymous, analyst):
    got = anonymous.get("/api/v1/pcns.csv?ics=11J&date=2019-12-01", headers=analyst)
    assert got.status_code == 200
    assert got.headers["content-type"].startswith("text/csv")
    assert 'filename="pcns-11J-2019-12-01.csv"' in got.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(got.text)))
    assert len(rows) == 18
    blandford = next(r for r in rows if r["code"] == "U42510")
    assert blandford["name"] == "BLANDFORD PCN"
    assert (blandford["practices"], blandford["band_position"]) == ("2", "below")


def test_pcn_and_practice_details(anonymous, analyst):
    pcn = anonymous.get("/api/v1/pcns/u42510", headers=analyst).json()  # codes are case-blind
    assert (pcn["code"], pcn["name"], pcn["practices"]) == ("U42510", "BLANDFORD PCN", 2)
    assert [m["practice_code"] for m in pcn["members"]] == ["J81019", "J81031"]
    assert pcn["band_position"] == "below"
    practice = anonymous.get("/api/v1/practices/J81002", headers=analyst).json()
    assert practice["pcn"]["code"] == "U19923"
    # practice_lists.csv holds three lists for J81002: Payments 2018-19 (2019-01-01, 8,826.5),
    # GP Workforce 2019-09 (2019-09-30, 8,926, unweighted) and Payments 2019-20 (2020-01-01,
    # 8,906 and 10,238.16 weighted); on 2019-12-01 the financial year's payments figure is used.
    assert practice["list_on_date"] == {
        "as_of": "2020-01-01",
        "source": "NHS Payments 2019-20 (last known figure)",
        "registered_patients": 8906.0,
        "weighted_patients": 10238.16,
    }
    assert [x["as_of"] for x in practice["lists"]] == ["2019-01-01", "2019-09-30", "2020-01-01"]
    # practices.csv: BH22 9HB, placed by Code-Point Open
    assert practice["location"] == {
        "postcode": "BH22 9HB",
        "lat": 50.801788,
        "lon": -1.894499,
        "coord_source": "Code-Point Open 2014-08",
    }
    assert practice["cqc"] == {"rating": "Good", "year": 2018, "source": "CQC via HEEC"}
    # the same list and place as its row in its PCN's member table (another route)
    network = anonymous.get("/api/v1/pcns/U19923", headers=analyst).json()
    member = next(m for m in network["members"] if m["practice_code"] == "J81002")
    assert (member["registered_patients"], member["lat"], member["lon"]) == (8906.0, 50.801788,
                                                                            -1.894499)  # fmt: skip
    assert network["registered_patients"] == pytest.approx(
        sum(m["registered_patients"] for m in network["members"])
    )


def test_the_rule_check_lists_five_explained_rules(anonymous, analyst):
    check = anonymous.get("/api/v1/orgs/check?ics=11J", headers=analyst).json()
    assert [r["rule"] for r in check["rules"]] == [
        "size_band",
        "one_pcn_per_practice",
        "coverage",
        "one_footprint",
        "contiguity",
    ]
    band = check["rules"][0]
    assert band["status"] == "fail"
    assert any(f["code"] == "U42510" and "below" in f["reason"] for f in band["findings"])


def test_summary_counts_the_ics(anonymous, analyst):
    got = anonymous.get("/api/v1/orgs/summary?ics=11j", headers=analyst).json()
    assert (got["practices"], got["pcns"]) == (81, 18)
    assert got["ics"]["code"] == "11J"
    # the ICS total is the sum of its PCNs' lists on the PCN list route
    items = anonymous.get("/api/v1/pcns?ics=11J", headers=analyst).json()["items"]
    assert got["registered_patients"] == pytest.approx(sum(i["registered_patients"] for i in items))
    assert got["registered_patients"] == pytest.approx(806_922.25)
    # Against 30,000-50,000: Sherborne (20,774.75) and Blandford (29,136) fall below; six are
    # above, from U27515 (51,745.25) to Weymouth & Portland (76,048.75); the other ten are in.
    positions = [i["band_position"] for i in items]
    assert (positions.count("in"), positions.count("below"), positions.count("above")) == (10, 2, 6)
    assert (got["pcns_in_band"], got["pcns_below_band"], got["pcns_above_band"]) == (10, 2, 6)
    assert (got["pcn_size_min"]["code"], got["pcn_size_min"]["patients"]) == ("U75274", 20_774.75)
    assert (got["pcn_size_max"]["code"], got["pcn_size_max"]["patients"]) == ("U25251", 76_048.75)


def test_geojson_has_an_area_per_pcn_and_a_point_per_practice(anonymous, analyst):
    got = anonymous.get("/api/v1/ics/11J/geojson", headers=analyst)
    assert got.status_code == 200
    collection = got.json()
    kinds = [f["properties"]["kind"] for f in collection["features"]]
    assert (kinds.count("pcn"), kinds.count("practice")) == (18, 81)
    first = collection["features"][0]
    assert first["geometry"]["type"] in {"Polygon", "MultiPolygon"}
    lon, lat = next(
        f["geometry"]["coordinates"]
        for f in collection["features"]
        if f["properties"]["code"] == "J81019"
    )
    assert 50.4 < lat < 51.2 and -3.0 < lon < -1.6  # Blandford Forum, in WGS84
    assert collection["properties"]["unplaced_practices"] == 0


def _exact(app, **where) -> list[dict]:
    with app.state.warehouse_lock:
        return pyramid(app.state.warehouse, date="2019-12-01", **where)


def test_pyramid_is_disclosure_controlled_for_an_ics_analyst(app, anonymous, analyst):
    got = anonymous.get("/api/v1/pcns/U42510/pyramid", headers=analyst).json()
    assert got["disclosure_controlled"] is True
    counts = [r["patients"] for r in got["rows"]]
    assert len(counts) == 38
    assert all(c is None or c % 5 == 0 for c in counts)  # redacted, or rounded to 5
    assert None in counts  # a 1% warehouse has small bands
    assert got["total_patients"] == sum(c for c in counts if c is not None)
    exact = [r["patients"] for r in _exact(app, pcn_code="U42510")]
    assert [c for c, e in zip(counts, exact, strict=True) if 1 <= e <= 7] == [
        None for e in exact if 1 <= e <= 7
    ]
    assert got["spec"]["$schema"].endswith("vega-lite/v5.json")


def test_pyramid_is_exact_and_audited_for_the_manager_of_that_pcn(
    app, anonymous, blandford_manager
):
    got = anonymous.get("/api/v1/pcns/U42510/pyramid", headers=blandford_manager).json()
    assert got["disclosure_controlled"] is False
    exact = _exact(app, pcn_code="U42510")
    assert got["rows"] == exact
    assert got["total_patients"] == sum(r["patients"] for r in exact)
    latest = entries(app.state.appdb, limit=1)[0]
    assert (latest.route, latest.scope, latest.rows) == (
        "/api/v1/pcns/U42510/pyramid",
        "pcn:U42510",
        got["total_patients"],
    )
    assert latest.username.startswith("pcn_manager")


def test_practice_pyramid_rights_follow_the_practice(app, anonymous, token_for, blandford_manager):
    url = "/api/v1/practices/J81019/pyramid"
    own = anonymous.get(url, headers=bearer(token_for("practice_user", practice="J81019")))
    assert own.json()["disclosure_controlled"] is False
    assert own.json()["rows"] == _exact(app, practice_code="J81019")
    via_pcn = anonymous.get(url, headers=blandford_manager).json()
    assert via_pcn["disclosure_controlled"] is False
    # a practice user sees their PCN's pyramid, but not exactly: the other practice is not theirs
    pcn = anonymous.get(
        "/api/v1/pcns/U42510/pyramid", headers=bearer(token_for("practice_user", practice="J81019"))
    ).json()
    assert pcn["disclosure_controlled"] is True


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/pcns/U42510",
        "/api/v1/pcns/U42510/pyramid",
        "/api/v1/practices/J81019",
        "/api/v1/practices/J81019/pyramid",
    ],
)
def test_a_manager_of_another_pcn_is_refused_with_no_data(anonymous, token_for, url):
    got = anonymous.get(url, headers=bearer(token_for("pcn_manager", pcn="U19923")))
    assert got.status_code == 403
    assert got.headers["content-type"].startswith(PROBLEM)
    assert "BLANDFORD" not in got.text and "J81031" not in got.text


def test_scoped_roles_reach_their_own_pcn_and_practice(anonymous, token_for):
    practice_user = bearer(token_for("practice_user", practice="J81002"))
    assert anonymous.get("/api/v1/practices/J81002", headers=practice_user).status_code == 200
    assert anonymous.get("/api/v1/pcns/U19923", headers=practice_user).status_code == 200
    assert anonymous.get("/api/v1/practices/J81019", headers=practice_user).status_code == 403
    manager = bearer(token_for("pcn_manager", pcn="U42510"))
    assert anonymous.get("/api/v1/practices/J81031", headers=manager).status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/pcns/U99999",
        "/api/v1/pcns/not-a-code",
        "/api/v1/practices/Z99999",
        "/api/v1/practices/U42510",
        "/api/v1/pcns/U99999/pyramid",
        "/api/v1/ics/ZZZ/geojson",
        "/api/v1/pcns?ics=ZZZ",
        "/api/v1/orgs/check?ics=ZZZ",
    ],
)
def test_unknown_codes_are_404_problems(anonymous, analyst, url):
    got = anonymous.get(url, headers=analyst)
    assert got.status_code == 404
    assert got.headers["content-type"].startswith(PROBLEM)
    assert got.json()["status"] == 404


def test_bad_dates_and_ics_codes_are_422_not_500(anonymous, analyst):
    assert anonymous.get("/api/v1/pcns?date=yesterday", headers=analyst).status_code == 422
    assert anonymous.get("/api/v1/pcns?ics=%27%3B--", headers=analyst).status_code == 422


def test_an_earlier_date_reads_the_hierarchy_of_that_day(anonymous, analyst):
    got = anonymous.get("/api/v1/pcns?date=2019-01-01", headers=analyst).json()
    assert got["date"] == "2019-01-01"
    assert sum(i["practices"] for i in got["items"]) == 0  # PCNs began on 1 July 2019


def test_anonymous_api_calls_get_401_and_no_data(anonymous):
    got = anonymous.get("/api/v1/pcns")
    assert got.status_code == 401
    assert got.headers["content-type"].startswith(PROBLEM)
    assert "U42510" not in got.text


def test_openapi_describes_every_orgs_route_with_a_response_model(anonymous):
    schema = anonymous.get("/openapi.json").json()
    for path in [
        "/api/v1/pcns",
        "/api/v1/pcns/{code}",
        "/api/v1/practices/{code}",
        "/api/v1/orgs/check",
        "/api/v1/orgs/summary",
        "/api/v1/ics/{ics}/geojson",
        "/api/v1/pcns/{code}/pyramid",
        "/api/v1/practices/{code}/pyramid",
    ]:
        ok = schema["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
        assert "$ref" in ok["schema"], path
    assert "text/csv" in schema["paths"]["/api/v1/pcns.csv"]["get"]["responses"]["200"]["content"]
