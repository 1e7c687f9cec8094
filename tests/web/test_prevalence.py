"""The prevalence pages and API on a Dorset warehouse whose QOF publication is its own records.

The session's 1% Dorset warehouse is copied and given `qof_prevalence` rows equal to the
registers recorded on 31 March 2019 (so nothing may be flagged), except at J81002, whose
published hypertension register is planted well above what its records hold (under-recording
that must be flagged).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
from collections.abc import Callable, Iterator

import ibis
import pandas as pd
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from tests.prevalence.conftest import small_ics_tables
from tests.web.conftest import login

from openpcn.config import Settings
from openpcn.prevalence.records import recorded_registers
from openpcn.store import appdb
from openpcn.store.warehouse import write_tables
from openpcn.web.app import create_app

PLANTED = "J81002"
PCN = "U42510"  # BLANDFORD PCN: J81019 and J81031
API = "/api/v1"


def _published(con: ibis.BaseBackend) -> pd.DataFrame:
    recorded = recorded_registers(con, "2019-03-31")
    lists = {"DM": "17OV", "CKD": "18OV", "DEP": "18OV", "EP": "18OV", "OST": "50OV", "RA": "16OV"}
    rows = []
    for year in ("2017/18", "2018/19"):
        for r in recorded.itertuples():
            register = int(r.register)
            if year == "2018/19" and r.practice_code == PLANTED and r.condition == "HYP":
                register = int(r.register) + max(40, int(r.list_size) // 10)
            rows.append(
                {
                    "practice_code": r.practice_code,
                    "year": year,
                    "group_code": r.condition,
                    "register": register,
                    "list_type": lists.get(r.condition, "TOTAL"),
                    "list_size": int(r.list_size),
                    "source": "test: the records themselves",
                }
            )
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def prevalence_app(warehouse_settings: Settings, tmp_path_factory) -> Iterator[FastAPI]:
    home = tmp_path_factory.mktemp("prevalence-home")
    shutil.copy(warehouse_settings.home / "warehouse.duckdb", home / "warehouse.duckdb")
    con = ibis.duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    published = _published(con)
    con.disconnect()
    write_tables(home / "warehouse.duckdb", {"qof_prevalence": published})
    url = f"sqlite:///{tmp_path_factory.mktemp('prevalence-appdb') / 'app.db'}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("OPENPCN_INSECURE_COOKIES", "1")
        application = create_app(Settings(home=home), appdb_url=url)
    yield application
    application.state.appdb.dispose()


@pytest.fixture(scope="module")
def as_role(prevalence_app: FastAPI) -> Callable[..., TestClient]:
    count = iter(range(1, 1000))

    def make(role: str, pcn: str | None = None, practice: str | None = None) -> TestClient:
        name = f"prev-{role}-{next(count)}"
        appdb.add_user(
            prevalence_app.state.appdb, name, "a-long-password-1", role, pcn_code=pcn,
            practice_code=practice,
        )  # fmt: skip
        client = TestClient(prevalence_app)
        assert login(client, name, "a-long-password-1").status_code == 303
        return client

    return make


def test_compare_flags_only_the_planted_under_recording(as_role):
    got = as_role("ics_analyst").get(f"{API}/ics/11J/prevalence/compare?year=2018/19")
    assert got.status_code == 200, got.text
    result = got.json()
    flagged = [(r["practice_code"], r["condition"]) for r in result["practices"]
               if r["status"] == "flag"]  # fmt: skip
    assert flagged == [(PLANTED, "HYP")]
    assert result["summary"]["by_condition"]["HYP"]["flags_low"] == 1
    assert result["disclosure_controlled"] is True
    shown = [r["recorded_register"] for r in result["practices"]]
    assert all(n is None or n % 5 == 0 for n in shown)  # 1-7 redacted, the rest to 5


def test_compare_is_for_ics_wide_roles(as_role):
    got = as_role("practice_user", practice="J81019").get(f"{API}/ics/11J/prevalence/compare")
    assert got.status_code == 403


def test_the_summary_is_public_and_sums_the_practices(as_role):
    got = as_role("practice_user", practice="J81019").get(f"{API}/ics/11J/prevalence")
    assert got.status_code == 200, got.text
    hyp = next(c for c in got.json()["conditions"] if c["condition"] == "HYP")
    practices = hyp["practices"]
    assert hyp["ics"]["register"] == sum(p["register"] for p in practices)
    assert hyp["ics"]["list_size"] == sum(p["list_size"] for p in practices)
    # _published gives 2017/18 the same registers as 2018/19 but for the planted HYP extra at
    # J81002 (max(40, its list // 10)): the ICS's previous register is that much smaller, over
    # the same list, and the change is the extra alone.
    planted = next(p for p in practices if p["practice_code"] == PLANTED)
    extra = max(40, planted["list_size"] // 10)
    previous, size = hyp["ics"]["previous"], hyp["ics"]["list_size"]
    assert (previous["register"], previous["list_size"]) == (hyp["ics"]["register"] - extra, size)
    assert previous["prevalence_pct"] == pytest.approx(100 * previous["register"] / size)
    assert hyp["ics"]["change_pct_points"] == pytest.approx(100 * extra / size)
    assert planted["previous_pct"] == pytest.approx(
        100 * (planted["register"] - extra) / planted["list_size"]
    )
    lower, upper = hyp["ics"]["ci_lower_pct"], hyp["ics"]["ci_upper_pct"]
    assert lower < hyp["ics"]["prevalence_pct"] < upper


def test_a_pcn_manager_sees_exact_counts_of_their_pcn_and_others_disclosed(as_role):
    mine = as_role("pcn_manager", pcn=PCN).get(f"{API}/pcns/{PCN}/prevalence").json()
    assert mine["disclosure_controlled"] is False
    assert {r["practice_code"] for r in mine["compare"]} <= {"J81019", "J81031"}
    analyst = as_role("ics_analyst").get(f"{API}/pcns/{PCN}/prevalence").json()
    assert analyst["disclosure_controlled"] is True
    hyp = next(c for c in analyst["conditions"] if c["condition"] == "HYP")
    assert hyp["pcn"]["pcn_code"] == PCN
    other = as_role("pcn_manager", pcn=PCN).get(f"{API}/pcns/U19923/prevalence")
    assert other.status_code == 403


def test_the_funnel_chart_and_an_unknown_condition(as_role):
    client = as_role("ics_analyst")
    spec = client.get(f"{API}/ics/11J/prevalence/chart?condition=HYP").json()
    assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/v5")
    assert len(spec["layer"]) == 3  # limits, ICS and England lines, practices
    assert client.get(f"{API}/ics/11J/prevalence/chart?condition=XYZ").status_code == 404


def test_records_are_summed_for_the_ics_and_each_pcn(as_role):
    got = as_role("ics_analyst").get(f"{API}/ics/11J/prevalence/records?date=2019-03-31")
    assert got.status_code == 200, got.text
    result = got.json()
    assert {c["condition"] for c in result["conditions"]} >= {"HYP", "DM", "AST"}
    assert any(p["pcn_code"] == PCN for p in result["pcns"])


def test_the_ics_page_shows_each_condition_and_the_planted_flag(as_role):
    page = as_role("ics_analyst").get("/ics/11J/prevalence")
    assert page.status_code == 200, page.text
    assert 'id="condition-HYP"' in page.text
    assert f'data-code="{PLANTED}" data-status="flag"' in page.text
    assert "/api/v1/ics/11J/prevalence/chart?year=2018/19&amp;condition=HYP" in page.text


def test_the_csv_has_a_row_per_practice_and_condition(as_role):
    got = as_role("ics_analyst").get("/ics/11J/prevalence.csv?year=2018/19")
    assert got.status_code == 200
    rows = list(csv.DictReader(io.StringIO(got.text)))
    assert {"condition", "practice_code", "prevalence_pct", "ci_lower_pct"} <= set(rows[0])
    assert any(r["condition"] == "HYP" and r["practice_code"] == PLANTED for r in rows)


def test_the_pcn_page_links_to_its_prevalence_page(as_role):
    client = as_role("pcn_manager", pcn=PCN)
    assert 'href="/pcns/U42510/prevalence"' in client.get(f"/pcns/{PCN}").text
    page = client.get(f"/pcns/{PCN}/prevalence")
    assert page.status_code == 200, page.text
    assert "audit trail" in page.text


def test_the_menu_offers_the_prevalence_page_to_every_role(as_role):
    page = as_role("practice_user", practice="J81019").get("/ics/11J/prevalence")
    assert 'href="/ics/11J/prevalence"' in page.text


def test_a_qof_group_with_nothing_published_draws_an_empty_chart(as_role):
    spec = as_role("ics_analyst").get(f"{API}/ics/11J/prevalence/chart?year=2016/17").json()
    assert spec["layer"][-1]["data"]["values"] == []
    assert "0 practices" in spec["description"]


def test_cvd02_sets_the_recorded_register_against_qofs_published_one(as_role):
    client = as_role("pcn_manager", pcn=PCN)
    answer = client.get(f"{API}/pcns/{PCN}/cohorts?date=2019-12-01").json()
    cvd02 = answer["cvd02_hypertension_register"]
    expected = cvd02["expected"]
    assert expected["year"] == "2018/19"  # the latest QOF year ended by 1 December 2019
    assert expected["practices"] == 2  # J81019 and J81031
    pct = 100 * expected["published_register"] / expected["published_list_size"]
    assert expected["published_pct"] == pytest.approx(pct)
    assert expected["expected_register"] == round(pct * answer["registered"] / 100)
    assert "NCD015" in expected["source"]
    page = client.get(f"/pcns/{PCN}/cohorts?date=2019-12-01")
    assert 'id="cvd02-expected"' in page.text


def test_cvd02_expects_the_qof_year_ended_by_the_date(as_role):
    client = as_role("pcn_manager", pcn=PCN)
    answer = client.get(f"{API}/pcns/{PCN}/cohorts?date=2019-01-01")
    assert answer.status_code == 200
    assert answer.json()["cvd02_hypertension_register"]["expected"]["year"] == "2017/18"


def test_cvd02_has_no_expected_register_where_qof_publishes_none(small_ics_con):
    from openpcn.prevalence.published import expected_hypertension

    day = dt.date(2019, 12, 1)
    assert expected_hypertension(small_ics_con, ["NOPE"], day) is None
    found = expected_hypertension(small_ics_con, ["X1", "X2"], day)
    assert found["year"] == "2018/19" and found["published_pct"] == pytest.approx(15.0)
    assert expected_hypertension(small_ics_con, ["X1"], dt.date(2018, 3, 30)) is None


@pytest.fixture
def small_ics_con(tmp_path, build):
    return build(tmp_path / "w.duckdb", **small_ics_tables())
