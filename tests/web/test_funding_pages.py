"""The funding pages and API on the 1% Dorset warehouse: the ICS funding table, chart, CSV and
rates; a PCN's streams and their split among its practices (to the penny); the rules; scope.

Every figure must be the funding capability's own answer (`entitlements`, `split`), which the
tests compute beside the app on a cursor of the app's warehouse.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import ibis
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from openpcn.funding.entitlements import STREAMS, entitlements
from openpcn.funding.rules import financial_years
from openpcn.funding.split import split

YEAR = "2020/21"
PCN, OTHER_PCN, PRACTICE = "U42510", "U19923", "J81019"


@pytest.fixture(scope="module")
def con(app: FastAPI) -> Iterator[ibis.BaseBackend]:
    with app.state.warehouse_pool.lease() as cursor:
        yield cursor


@pytest.fixture(scope="module")
def analyst(client_as) -> TestClient:  # type: ignore[no-untyped-def]
    return client_as("ics_analyst")


def pennies(value: float) -> int:
    return round(value * 100)


def test_the_ics_api_is_the_entitlements_answer_with_totals(
    analyst: TestClient, con: ibis.BaseBackend
) -> None:
    answer = analyst.get(f"/api/v1/ics/11j/funding?year={YEAR}")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    expected = entitlements(con, YEAR, ics="11J")
    assert (body["ics"], body["year"], body["streams"]) == ("11J", YEAR, list(STREAMS))
    assert len(body["items"]) == len(expected) > 5
    for got, want in zip(body["items"], expected, strict=True):
        assert {k: got[k] for k in (*STREAMS, "total", "pcn_code")} == {
            k: want[k] for k in (*STREAMS, "total", "pcn_code")
        }
    for key in (*STREAMS, "total"):
        assert pennies(body["totals"][key]) == sum(pennies(r[key]) for r in expected)
    assert body["totals"]["total"] > 1_000_000  # Dorset's PCNs are owed millions a year


def test_the_ics_page_has_a_row_per_pcn_a_totals_row_chart_and_rates(
    analyst: TestClient, con: ibis.BaseBackend
) -> None:
    page = analyst.get(f"/ics/11J/funding?year={YEAR}")
    assert page.status_code == 200, page.text
    html = page.text
    expected = entitlements(con, YEAR, ics="11J")
    assert html.count('data-pcn="') == len(expected)
    total = sum(pennies(r["total"]) for r in expected) / 100
    assert f"£{total:,.2f}" in html and 'id="funding-totals"' in html
    assert 'data-sortable id="funding-table"' in html
    assert f'data-spec-url="/api/v1/ics/11J/funding/chart?year={YEAR}"' in html
    assert 'href="/ics/11J/funding.csv?year=2020/21"' in html
    assert 'id="rates-in-force"' in html and "Unconfirmed" in html  # 2020/21 has some
    for year in financial_years():
        assert f'<option value="{year}"' in html
    assert '<option value="2020/21" selected>' in html


def test_the_chart_spec_stacks_every_stream_of_every_pcn(analyst: TestClient) -> None:
    spec = analyst.get(f"/api/v1/ics/11J/funding/chart?year={YEAR}").json()
    pcns = analyst.get(f"/api/v1/ics/11J/funding?year={YEAR}").json()["items"]
    assert spec["mark"]["type"] == "bar"
    assert len(spec["data"]["values"]) == len(STREAMS) * len(pcns)


def test_the_ics_csv_has_a_row_per_pcn_and_a_total(analyst: TestClient) -> None:
    answer = analyst.get(f"/ics/11J/funding.csv?year={YEAR}")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert 'filename="funding-11J-2020-21.csv"' in answer.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    body = analyst.get(f"/api/v1/ics/11J/funding?year={YEAR}").json()
    assert [r["pcn_code"] for r in rows] == [i["pcn_code"] for i in body["items"]] + ["TOTAL"]
    assert float(rows[-1]["total"]) == body["totals"]["total"]
    assert float(rows[0]["arrs_sum"]) == body["items"][0]["arrs_sum"]


@pytest.mark.parametrize("basis", ["registered", "weighted"])
def test_the_pcn_split_adds_up_to_the_pcn_total_to_the_penny(
    analyst: TestClient, con: ibis.BaseBackend, basis: str
) -> None:
    body = analyst.get(f"/api/v1/pcns/{PCN}/funding?year={YEAR}&basis={basis}").json()
    assert body["practices"] == [
        {k: r[k] for k in body["practices"][0]} for r in split(con, PCN, YEAR, basis)
    ]
    assert {p["practice_code"] for p in body["practices"]} >= {"J81019", "J81031"}
    for key in (*STREAMS, "total"):
        assert sum(pennies(p[key]) for p in body["practices"]) == pennies(body["pcn"][key])
        assert body["totals"][key] == body["pcn"][key]
    (row,) = entitlements(con, YEAR, pcn=PCN)
    assert body["pcn"]["total"] == row["total"] and body["basis"] == basis


def test_the_pcn_page_shows_streams_split_and_csv(analyst: TestClient) -> None:
    body = analyst.get(f"/api/v1/pcns/{PCN}/funding?year={YEAR}&basis=weighted").json()
    page = analyst.get(f"/pcns/{PCN}/funding?year={YEAR}&basis=weighted")
    assert page.status_code == 200, page.text
    html = page.text
    assert f'data-stream="total"><strong>£{body["pcn"]["total"]:,.2f}' in html
    assert html.count('data-practice="') == len(body["practices"])
    assert (
        'id="split-totals"' in html
        and 'id="basis-weighted" name="basis" type="radio" value="weighted" checked' in html
    )
    assert f'href="/pcns/{PCN}/arrs?year={YEAR}"' in html
    answer = analyst.get(f"/pcns/{PCN}/funding.csv?year={YEAR}&basis=weighted")
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert [r["practice_code"] for r in rows[:-1]] == [
        p["practice_code"] for p in body["practices"]
    ]
    assert rows[-1]["practice_code"] == "TOTAL" and float(rows[-1]["total"]) == body["pcn"]["total"]


def test_the_rules_api_gives_every_rate_with_its_source(analyst: TestClient) -> None:
    body = analyst.get("/api/v1/funding/rules?year=2019-20").json()
    assert body["year"] == "2019/20" and body["years"] == financial_years()
    rates = {r["key"]: r for r in body["rates"]}
    assert rates["core"]["value"] == 1.5 and rates["core"]["months"] == 12  # backdated to April
    cd = rates["clinical_director"]
    assert (cd["from"], cd["to"], cd["per"], cd["months"]) == (
        "2019-07-01",
        "2020-03-31",
        "period",
        9,
    )
    assert "Parliamentary answer 257552" in cd["rule"]
    assert all(r["source"] for r in body["rates"] + body["roles"])
    assert {r["key"] for r in body["roles"]} >= {"clinical_pharmacist"}


def test_an_unknown_year_is_a_422_naming_the_years_known(analyst: TestClient) -> None:
    answer = analyst.get("/api/v1/ics/11J/funding?year=2031/32")
    assert answer.status_code == 422
    problem = answer.json()
    assert "2031/32" in problem["detail"] and "2024/25" in problem["fix"]
    page = analyst.get("/ics/11J/funding?year=2031/32")
    assert page.status_code == 422 and "nhsuk-header" in page.text and "2019/20" in page.text
    assert analyst.get("/api/v1/funding/rules?year=twenty").status_code == 422
    assert analyst.get(f"/api/v1/pcns/{PCN}/funding?basis=capitation").status_code == 422


def test_scope_pcn_pages_for_their_pcn_ics_pages_for_managers_of_that_ics(client_as) -> None:  # type: ignore[no-untyped-def]
    manager = client_as("pcn_manager", pcn=PCN)
    assert manager.get(f"/pcns/{PCN}/funding").status_code == 200
    assert manager.get(f"/pcns/{OTHER_PCN}/funding").status_code == 403
    assert manager.get(f"/api/v1/pcns/{OTHER_PCN}/funding").status_code == 403
    assert manager.get("/ics/11J/funding").status_code == 200
    assert manager.get("/api/v1/ics/11J/funding").status_code == 200
    user = client_as("practice_user", practice=PRACTICE)
    assert user.get(f"/api/v1/pcns/{PCN}/funding").status_code == 200
    assert user.get(f"/pcns/{OTHER_PCN}/funding.csv").status_code == 403
    assert user.get("/ics/11J/funding").status_code == 403
    assert user.get("/api/v1/ics/11J/funding/chart").status_code == 403
    assert user.get("/api/v1/funding/rules").status_code == 200


def test_anonymous_callers_are_sent_to_log_in(anonymous: TestClient) -> None:
    assert anonymous.get("/api/v1/ics/11J/funding").status_code == 401
    page = anonymous.get(f"/pcns/{PCN}/funding?year={YEAR}", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login?next=")
    assert anonymous.get("/ics/11J/funding.csv", follow_redirects=False).status_code == 303


def test_funding_and_workforce_are_linked_from_the_overview_pcn_page_and_header(
    analyst: TestClient,
    client_as,  # type: ignore[no-untyped-def]
) -> None:
    overview = analyst.get("/ics/11J").text
    assert 'href="/ics/11J/funding"' in overview and 'href="/ics/11J/workforce?date=' in overview
    pcn = analyst.get(f"/pcns/{PCN}").text
    assert f'href="/pcns/{PCN}/funding"' in pcn and f'href="/pcns/{PCN}/arrs"' in pcn
    user = client_as("practice_user", practice=PRACTICE)
    header = user.get(f"/pcns/{PCN}").text.split("</header>")[0]
    # a practice user's menu leads to their PCN's funding, never the ICS-wide page; a refusal
    # keeps only the public menu, so it names no PCN (tests/web/test_route_matrix.py)
    assert f'href="/pcns/{PCN}/funding"' in header and "/ics/11J/funding" not in header
    refusal = user.get("/pcns/U19923/funding")
    assert refusal.status_code == 403 and PCN not in refusal.text
    assert 'id="funding-workforce-links"' not in user.get("/ics/11J").text


def test_the_ics_page_tags_figures_built_on_an_assumption(analyst: TestClient) -> None:
    html = analyst.get(f"/ics/11J/funding?year={YEAR}").text
    tag = '<strong class="nhsuk-tag nhsuk-tag--yellow app-assumption">Assumption</strong>'
    # 2020/21: the clinical director rate rests on one secondary source (an assumption) ...
    totals = html[html.index('id="funding-totals"') :]
    cd = totals[totals.index('data-stream="clinical_director"') :]
    assert cd[: cd.index("</td>")].endswith(tag)
    core = totals[totals.index('data-stream="core"') :]
    assert tag not in core[: core.index("</td>")]  # ... core is confirmed
    # the rates table shows each dated row with its months, basis, source and the tag
    rates = html[html.index('id="rates-table"') :]
    chp = rates[rates.index('data-rate="care_home_premium"') :]
    chp = chp[: chp.index("</tr>")]
    assert "2020-08 to 2021-03 (8)" in chp and "per bed a year" in chp and "Doncaster LMC" in chp
    assert tag not in chp
    support = rates[rates.index('data-rate="pcn_support"') :]
    support = support[: support.index("</tr>")]
    assert tag in support and "assumption:" in support and "2020-04 to 2020-09 (6)" in support
    assert "prevalence, which is not modelled yet" in html
    # only the streams paid in 2020/21 get a column
    assert 'data-stream="enhanced_access"' not in totals and "extended_access" not in html
