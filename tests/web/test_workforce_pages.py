"""The workforce pages and API on the 1% Dorset warehouse: the ARRS planner (its answer is
`pcn_plan`'s, the what-if form re-solves, by htmx or as a whole page, and refusals are shown
beside the form), the GP workforce risk page (the `risk` answer, its source, chart and tables),
and who may see them. The app database's staff register is empty here, so risk uses the
warehouse's synthetic staff and no one is in post for the planner unless a what-if says so.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from urllib.parse import quote

import ibis
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from openpcn.workforce.indicators import staffing_indicators
from openpcn.workforce.pcn_plan import pcn_plan

YEAR = "2020/21"
PCN, OTHER_PCN, PRACTICE = "U42510", "U19923", "J81019"
DAY = dt.date(2019, 12, 1)


@pytest.fixture(scope="module")
def con(app: FastAPI) -> Iterator[ibis.BaseBackend]:
    with app.state.warehouse_pool.lease() as cursor:
        yield cursor


@pytest.fixture(scope="module")
def manager(client_as) -> TestClient:  # type: ignore[no-untyped-def]
    return client_as("pcn_manager", pcn=PCN)


def planned(result: dict) -> dict[str, float]:
    return {r["key"]: r["fte"] for r in result["roles"] if r["fte"]}


def test_the_plan_api_is_pcn_plans_answer(
    manager: TestClient, app: FastAPI, con: ibis.BaseBackend
) -> None:
    answer = manager.get(f"/api/v1/pcns/{PCN}/arrs-plan?year={YEAR}")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    want = pcn_plan(con, app.state.appdb, PCN, YEAR)
    body.pop("solve_seconds"), want.pop("solve_seconds")
    assert body == want
    assert body["spend"] + body["remainder"] == pytest.approx(body["arrs_sum"])
    # 2020/21: £7.131 (rules/funding/2020-21.toml) x Blandford's weighted list 29,213.39
    # (J81019 20,672.40 + J81031 8,540.99, Payments 2019-20) = £208,320.68
    assert body["arrs"]["weighted_patients"] == pytest.approx(20_672.40 + 8_540.99)
    assert body["arrs_sum"] == pytest.approx(7.131 * 29_213.39, abs=0.01) == 208_320.68
    assert planned(body)


def test_priorities_and_staff_in_post_change_the_plan(manager: TestClient) -> None:
    url = f"/api/v1/pcns/{PCN}/arrs-plan?year={YEAR}"
    most = manager.get(url).json()
    pharmacists = manager.get(url + "&priority=clinical_pharmacist:1").json()
    assert pharmacists["objective"] == "priorities" and most["objective"] == "first roles"
    assert planned(pharmacists).get("clinical_pharmacist", 0) > planned(most).get(
        "clinical_pharmacist", 0
    )
    staffed = manager.get(url + "&existing=pharmacy_technician:1").json()
    assert staffed["existing_spend"] == 35_389.00
    assert staffed["in_post_register"] == {}  # the register itself is untouched
    refused = manager.get(url + "&priority=astronaut:1")
    assert refused.status_code == 422 and "not an ARRS role" in refused.json()["detail"]
    assert manager.get(url + "&existing=pharmacy_technician").status_code == 422


def test_the_planner_page_shows_the_plan_money_lost_and_the_what_if_form(
    manager: TestClient, app: FastAPI, con: ibis.BaseBackend
) -> None:
    page = manager.get(f"/pcns/{PCN}/arrs?year={YEAR}")
    assert page.status_code == 200, page.text
    html = page.text
    want = pcn_plan(con, app.state.appdb, PCN, YEAR)
    assert f"£{want['arrs_sum']:,.2f}" in html
    assert f"£{want['remainder']:,.2f} unspent" in html  # money lost, highlighted
    assert html.count('data-role="') == len(want["roles"])
    for role in want["roles"]:  # why each role got what it got, in its row
        assert f'<td class="nhsuk-table__cell" data-why>{role["why"]}</td>' in html
    assert "ARR sum spent (the next 0.5 WTE is £" in html  # why no more posts could be added
    assert 'name="london"' in html
    assert f'hx-get="/pcns/{PCN}/partials/arrs"' in html and 'method="get"' in html
    assert 'name="w_clinical_pharmacist"' in html and 'name="fte_pharmacy_technician"' in html
    assert "csrf_token" not in html.split('id="what-if"')[1]  # a GET form needs none


def test_london_caps_and_the_gp_ring_fence_reach_the_api(manager: TestClient) -> None:
    url = f"/api/v1/pcns/{PCN}/arrs-plan?year=2024/25&priority=clinical_pharmacist:1"
    plain, london = manager.get(url).json(), manager.get(url + "&london=true").json()
    assert plain["london"] is False and london["london"] is True
    pharmacist = {r["key"]: r for r in plain["roles"]}["clinical_pharmacist"]
    assert pharmacist["cost_per_wte"] == 64_089.00  # 6 months at £62,340, 6 at £65,838
    assert {r["key"]: r for r in london["roles"]}["clinical_pharmacist"]["cost_per_wte"] > 64_089
    keys = [b["key"] for b in plain["budgets"]]
    # the GP ring-fence from Oct 2024: £1.303 x the weighted list 29,213.39 = £38,065.05
    # (rules/funding/2024-25.toml, arrs_gp), its own budget beside the ARR sum
    assert keys == ["arrs", "gp"]
    assert plain["ringfence"] == pytest.approx(1.303 * 29_213.39, abs=0.01) == 38_065.05
    assert plain["budgets"][1]["sum"] == plain["ringfence"]
    gp = {r["key"]: r for r in plain["roles"]}["arrs_gp"]
    assert gp["budget"] == "gp" and gp["why"].startswith("not eligible until 1 Oct 2024")


def test_a_what_if_re_solves_as_a_page_and_as_an_htmx_partial(manager: TestClient) -> None:
    query = "year=2020/21&w_clinical_pharmacist=1&w_pharmacy_technician=0&fte_pharmacy_technician=1"
    page = manager.get(f"/pcns/{PCN}/arrs?{query}")
    assert page.status_code == 200
    field = re.search(r'<input[^>]*name="w_pharmacy_technician"[^>]*>', page.text)
    assert field and 'value="0"' in field.group(0)
    api = manager.get(
        f"/api/v1/pcns/{PCN}/arrs-plan?year={YEAR}&priority=clinical_pharmacist:1"
        "&priority=pharmacy_technician:0&existing=pharmacy_technician:1"
    ).json()
    partial = manager.get(f"/pcns/{PCN}/partials/arrs?{query}", headers={"HX-Request": "true"})
    assert partial.status_code == 200
    assert "<html" not in partial.text and 'id="plan-table"' in partial.text
    assert (
        partial.headers["HX-Push-Url"]
        == f"/pcns/{PCN}/arrs?year=2020%2F21&" + query.split("&", 1)[1]
    )
    assert f"£{api['remainder']:,.2f}" in partial.text
    fte = {r["key"]: r["fte"] for r in api["roles"]}
    assert 'data-role="clinical_pharmacist">' in partial.text
    assert f"{fte['clinical_pharmacist']:.1f}</td>" in partial.text


def test_the_whole_form_as_submitted_re_solves(manager: TestClient) -> None:
    """A browser sends every field: a weight and a WTE (0) for each role, costable or not."""
    page = manager.get(f"/pcns/{PCN}/arrs?year={YEAR}")
    names = sorted(set(re.findall(r'name="((?:w|fte)_[a-z_]+)"', page.text)))
    assert len(names) > 10
    values = {n: "0" for n in names} | {"w_clinical_pharmacist": "1"}
    answer = manager.get(f"/pcns/{PCN}/partials/arrs", params={"year": YEAR, **values})
    assert answer.status_code == 200 and "nhsuk-error-summary" not in answer.text
    assert 'id="plan-table"' in answer.text


def test_a_refused_what_if_is_explained_beside_the_form(manager: TestClient) -> None:
    over = f"/pcns/{PCN}/arrs?year={YEAR}&fte_clinical_pharmacist=30"
    page = manager.get(over)
    assert page.status_code == 422
    assert "nhsuk-error-summary" in page.text and 'id="what-if"' in page.text
    assert 'value="30"' in page.text  # the user's value is kept to correct
    partial = manager.get(over.replace("/arrs?", "/partials/arrs?"))
    assert partial.status_code == 200 and "nhsuk-error-summary" in partial.text
    bad = manager.get(f"/pcns/{PCN}/arrs?year={YEAR}&w_dietitian=lots")
    assert bad.status_code == 422 and "must be a number" in bad.text
    assert manager.get(f"/pcns/{PCN}/arrs?year=2031/32").status_code == 422


def test_the_risk_api_is_risks_answer_on_the_synthetic_fallback(
    client_as,
    app: FastAPI,
    con: ibis.BaseBackend,  # type: ignore[no-untyped-def]
) -> None:
    analyst = client_as("ics_analyst")
    body = analyst.get("/api/v1/ics/11J/workforce?date=2019-12-01").json()
    want = staffing_indicators(con, app.state.appdb, "11J", DAY)
    assert body == want
    assert body["source"]["kind"] == "warehouse"
    # The ICS's GPs are its PCNs' GPs and its practices' GPs (the five practices outside a
    # PCN have none on the date), and the share aged 55+ is of that headcount.
    ics = body["ics"]
    assert ics["gp_headcount"] == sum(p["gp_headcount"] for p in body["pcns"]) >= 1
    assert ics["gp_headcount"] == sum(p["gp_headcount"] for p in body["practices"])
    assert ics["gp_55_plus"] == sum(p["gp_55_plus"] for p in body["pcns"])
    assert ics["gp_55_plus_pct"] == round(100 * ics["gp_55_plus"] / ics["gp_headcount"], 1)
    spec = analyst.get("/api/v1/ics/11J/workforce/chart?date=2019-12-01").json()
    bars = spec["layer"][0]["data"]["values"]
    assert len(bars) == sum(p["gp_55_plus_pct"] is not None for p in body["pcns"])
    assert spec["layer"][1]["data"]["values"][0]["pct"] == body["ics"]["gp_55_plus_pct"]


def test_the_risk_page_has_the_source_the_chart_and_three_levels(client_as) -> None:  # type: ignore[no-untyped-def]
    analyst = client_as("ics_analyst")
    body = analyst.get("/api/v1/ics/11J/workforce").json()
    page = analyst.get("/ics/11J/workforce?date=2019-12-01")
    assert page.status_code == 200, page.text
    html = page.text
    assert "synthetic fallback" in html and 'id="workforce-source"' in html
    assert 'data-spec-url="/api/v1/ics/11J/workforce/chart?date=2019-12-01"' in html
    assert html.count('data-pcn="') == len(body["pcns"])
    assert html.count('data-practice="') == len(body["practices"])
    assert f"{body['ics']['gp_55_plus_pct']:.1f}%" in html
    assert "not recorded" in html  # the synthetic staff record no vacancies


def test_scope_of_the_workforce_pages(client_as, manager: TestClient) -> None:  # type: ignore[no-untyped-def]
    assert manager.get(f"/pcns/{OTHER_PCN}/arrs").status_code == 403
    assert manager.get(f"/api/v1/pcns/{OTHER_PCN}/arrs-plan").status_code == 403
    assert manager.get("/ics/11J/workforce").status_code == 200
    user = client_as("practice_user", practice=PRACTICE)
    assert user.get(f"/pcns/{PCN}/arrs").status_code == 200
    assert user.get(f"/pcns/{OTHER_PCN}/partials/arrs").status_code == 403
    assert user.get("/ics/11J/workforce").status_code == 403
    assert user.get("/api/v1/ics/11J/workforce").status_code == 403
    assert manager.get("/ics/XX9/workforce").status_code == 404


def test_anonymous_callers_are_sent_to_log_in(anonymous: TestClient) -> None:
    assert anonymous.get(f"/api/v1/pcns/{PCN}/arrs-plan").status_code == 401
    page = anonymous.get(f"/pcns/{PCN}/arrs?year={quote(YEAR)}", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login?next=")
    assert anonymous.get("/ics/11J/workforce", follow_redirects=False).status_code == 303


EXTREMES = ["1e16", "1e30", "1e308", "-1", "nan", "inf", "-inf"]


@pytest.mark.parametrize("value", EXTREMES)
def test_numbers_out_of_range_are_a_422_with_the_range_in_words(
    manager: TestClient, value: str
) -> None:
    url = f"/api/v1/pcns/{PCN}/arrs-plan?year={YEAR}"
    weight = manager.get(url + f"&priority=clinical_pharmacist:{value}")
    assert weight.status_code == 422, weight.text
    assert weight.headers["content-type"].startswith("application/problem+json")
    assert "from 0 to 100" in weight.json()["detail"]
    staff = manager.get(url + f"&existing=social_prescribing_link_worker:{value}")
    assert staff.status_code == 422 and "from 0 to 50 WTE" in staff.json()["detail"]


@pytest.mark.parametrize("value", EXTREMES)
def test_a_number_out_of_range_is_shown_beside_its_field(manager: TestClient, value: str) -> None:
    query = f"year={YEAR}&w_clinical_pharmacist={value}&fte_pharmacy_technician=1"
    page = manager.get(f"/pcns/{PCN}/arrs?{query}")
    assert page.status_code == 422
    message = "The priority of clinical_pharmacist must be a number from 0 to 100"
    assert f'href="#w_clinical_pharmacist">{message}' in page.text  # the summary links to it
    beside = re.search(r'id="w_clinical_pharmacist-error">.*?Error:</span> ([^<]*)<', page.text)
    assert beside and beside.group(1) == message and 'id="plan-table"' not in page.text
    # the htmx partial sends the fields out of band, with the error beside the field
    partial = manager.get(f"/pcns/{PCN}/partials/arrs?{query}", headers={"HX-Request": "true"})
    assert partial.status_code == 200 and 'hx-swap-oob="true"' in partial.text
    assert 'id="w_clinical_pharmacist-error"' in partial.text
    assert 'aria-describedby="w_clinical_pharmacist-error"' in partial.text
    good = manager.get(f"/pcns/{PCN}/partials/arrs?year={YEAR}&w_clinical_pharmacist=100")
    assert "nhsuk-error-message" not in good.text and 'id="plan-table"' in good.text


def test_the_form_inputs_carry_their_ranges(manager: TestClient) -> None:
    html = manager.get(f"/pcns/{PCN}/arrs?year={YEAR}").text
    weight = re.search(r'<input[^>]*name="w_clinical_pharmacist"[^>]*>', html)
    fte = re.search(r'<input[^>]*name="fte_clinical_pharmacist"[^>]*>', html)
    assert weight and 'min="0" max="100" step="any"' in weight.group(0)
    assert fte and 'min="0" max="50" step="any"' in fte.group(0)
