"""The access page and API on the 1% Dorset warehouse: the shipped Appointments in General
Practice file for NHS Dorset CCG (March 2019 - August 2021, CCG level) beside the synthetic
population's recorded appointments (April 2019 - March 2020), and who may see what.

May 2019: 371,991 appointments, 305,102 face to face, 52,518 by telephone; April 2020: 265,249,
163,952 and 91,747 (the publication's own figures: data/raw/SOURCES.md).
"""

from __future__ import annotations

import csv
import io

import pytest

from openpcn.web.audit import entries

RANGE = "from=2019-03&to=2020-06"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def analyst(token_for) -> dict[str, str]:
    return bearer(token_for("ics_analyst"))


@pytest.fixture
def body(anonymous, analyst) -> dict:
    got = anonymous.get(f"/api/v1/ics/11J/access?{RANGE}", headers=analyst)
    assert got.status_code == 200, got.text
    return got.json()


def _month(months: list[dict], month: str) -> dict:
    return next(m for m in months if m["month"] == month)


def test_the_ics_api_has_dorsets_published_months(body):
    assert (body["from"], body["to"], body["levels"]) == ("2019-03", "2020-06", ["ccg"])
    assert len(body["published"]) == 16
    may, april = _month(body["published"], "2019-05"), _month(body["published"], "2020-04")
    assert (may["appointments"], may["modes"]["face_to_face"], may["modes"]["telephone"]) == (
        371_991,
        305_102,
        52_518,
    )
    assert (april["appointments"], april["modes"]["face_to_face"]) == (265_249, 163_952)
    assert april["modes"]["telephone"] == 91_747
    # the shift to telephone: 82.0% face to face in May 2019, 61.8% in April 2020
    assert round(may["face_to_face_share_pct"], 1) == 82.0
    assert round(april["face_to_face_share_pct"], 1) == 61.8
    assert may["per_1000"] == pytest.approx(1000 * 371_991 / may["registered_patients"])


def test_recorded_months_sit_beside_them_for_an_ics_wide_role_and_are_audited(body, app):
    months = [m["month"] for m in body["recorded"]]
    assert months[0] == "2019-04" and months[-1] == "2020-03" and len(months) == 12
    assert all(m["lead_times"] is None for m in body["recorded"])
    latest = entries(app.state.appdb, limit=1)[0]
    assert (latest.action, latest.scope) == ("view", "ics:11J:access-recorded")
    assert latest.rows == sum(m["appointments"] for m in body["recorded"])


def test_a_practice_user_sees_the_published_figures_but_not_the_ics_records(anonymous, token_for):
    headers = bearer(token_for("practice_user", practice="J81019"))
    got = anonymous.get(f"/api/v1/ics/11J/access?{RANGE}", headers=headers).json()
    assert len(got["published"]) == 16
    assert got["recorded"] == []
    assert any("ICS-wide roles" in note for note in got["notes"])


def test_a_pcn_with_only_ccg_rows_says_so_and_discloses_its_records(anonymous, token_for):
    headers = bearer(token_for("pcn_manager", pcn="U42510"))
    got = anonymous.get(f"/api/v1/pcns/U42510/access?{RANGE}", headers=headers)
    assert got.status_code == 200, got.text
    result = got.json()
    assert result["published"] == []
    assert "only CCG-level data is loaded" in result["notes"][0]
    counts = [v for m in result["recorded"] for v in m["modes"].values() if v is not None]
    assert counts and all(v % 5 == 0 for v in counts)  # rounded to 5s, 1-7 redacted
    assert anonymous.get("/api/v1/pcns/U19923/access", headers=headers).status_code == 403


@pytest.mark.parametrize("query", ["from=2019-13", "to=MAR2019", "from=2020-06&to=2019-03"])
def test_a_bad_month_is_refused_before_any_work(anonymous, analyst, query):
    assert anonymous.get(f"/api/v1/ics/11J/access?{query}", headers=analyst).status_code == 422


def test_an_empty_range_names_the_months_loaded(anonymous, analyst):
    got = anonymous.get("/api/v1/ics/11J/access?from=2023-01&to=2023-02", headers=analyst)
    assert got.status_code == 404
    assert "2019-03 to 2021-08" in got.text


def test_the_face_to_face_chart_shows_the_shift_to_telephone(anonymous, analyst):
    got = anonymous.get(f"/api/v1/ics/11J/access/chart?{RANGE}&name=face_to_face", headers=analyst)
    spec = got.json()
    assert spec["$schema"].endswith("vega-lite/v5.json")
    published = {v["month"]: v["value"] for v in spec["data"]["values"] if v["kind"] == "published"}
    # 305,102 / 371,991 = 82.0% face to face in May 2019; 163,952 / 265,249 = 61.8% in April 2020
    assert len(published) == 16
    assert published["2019-05"] == pytest.approx(100 * 305_102 / 371_991, abs=0.05)
    assert published["2020-04"] == pytest.approx(100 * 163_952 / 265_249, abs=0.05)
    bad = anonymous.get("/api/v1/ics/11J/access/chart?name=pie", headers=analyst)
    assert bad.status_code == 422


def test_the_page_draws_four_charts_and_a_sortable_month_table(client_as):
    page = client_as("ics_analyst").get(f"/ics/11J/access?{RANGE}")
    assert page.status_code == 200
    text = page.text
    assert text.count("data-spec-url=") == 4
    assert 'id="access-months-table"' in text and "data-sortable" in text
    assert text.count('data-kind="published"') == 16
    assert text.count('data-kind="recorded"') == 12
    assert "unknown status" in text  # the DNA rule is said


def test_the_csv_has_one_row_per_month(client_as):
    got = client_as("ics_analyst").get(f"/ics/11J/access.csv?{RANGE}")
    assert got.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(got.text)))
    assert len(rows) == 16 + 12
    may = next(r for r in rows if r["month"] == "2019-05" and r["kind"] == "published")
    assert may["appointments"] == "371991"


def test_a_page_for_months_not_loaded_says_which_are(client_as):
    page = client_as("ics_analyst").get("/ics/11J/access?from=2023-01&to=2023-02")
    assert page.status_code == 200
    assert 'id="access-missing"' in page.text
    assert "2019-03 to 2021-08" in page.text
    assert "data-spec-url=" not in page.text


def test_a_pcn_page_says_only_ccg_data_is_loaded(client_as):
    client = client_as("pcn_manager", pcn="U42510")
    page = client.get("/pcns/U42510/access")
    assert page.status_code == 200
    assert "only CCG-level data is loaded" in page.text
    # no published months: only the recorded lines are drawn (face-to-face share, DNA rate)
    assert page.text.count("data-spec-url=") == 2
    spec = client.get("/api/v1/pcns/U42510/access/chart?name=dna").json()
    assert {v["kind"] for v in spec["data"]["values"]} == {"recorded"}
    assert client.get("/api/v1/pcns/U19923/access/chart?name=dna").status_code == 403


def test_anonymous_callers_are_refused(anonymous):
    assert anonymous.get("/api/v1/ics/11J/access").status_code == 401
