"""The evaluation pages and API on the small test warehouse: a study defined through the form
and run as a job shows the numbers of its stored run (disclosure-controlled), its warnings and
caveats in words, and its charts; a PCN manager reads it and downloads their PCN's matched
people (audited); everyone else is refused the download; practice users see none of it."""

from __future__ import annotations

import csv
import io
import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.web.conftest import csrf_from

from openpcn.cohorts.disclosure import disclose
from openpcn.evaluation import explain
from openpcn.store import appdb, studies
from openpcn.web.routes.evaluation.answers import disclosed

ICT = "OPENPCN-ICT-REFERRAL"
NAME = "ict-web"
PAGE = f"/ics/11J/evaluation/{NAME}"
API = f"/api/v1/ics/11J/studies/{NAME}"


def _define(client: TestClient, **fields: str):
    form = client.get("/ics/11J/evaluation/new")
    assert form.status_code == 200
    data = {
        "csrf_token": csrf_from(form.text), "name": NAME, "kind": "event", "code": ICT,
        "controls": "other-pcns", "followup_months": "12", "prior_months": "12",
        "description": "Integrated care teams",
    } | fields  # fmt: skip
    return client.post("/ics/11J/evaluation/new", data=data, follow_redirects=False)


@pytest.fixture(scope="module")
def analyst(client_as) -> TestClient:
    return client_as("ics_analyst")


def test_with_no_study_the_list_says_how_to_start(app: FastAPI, analyst: TestClient):
    for row in studies.list_studies(app.state.appdb):
        if row["ics"] == "11J":
            studies.delete(app.state.appdb, row["name"], actor=appdb.Actor("test", "test"))
    page = analyst.get("/ics/11J/evaluation")
    assert page.status_code == 200
    assert 'id="evaluation-empty"' in page.text
    assert "Define a new study" in page.text
    assert "openpcn evaluate new ict --event OPENPCN-ICT-REFERRAL" in page.text


@pytest.fixture(scope="module")
def ran(app: FastAPI, analyst: TestClient) -> dict:
    """The study defined through the form and run from its page (psm, seed 2019)."""
    made = _define(analyst)
    assert made.status_code == 303 and made.headers["location"] == PAGE
    before = analyst.get(PAGE)
    assert 'id="study-not-run"' in before.text
    page = analyst.get(f"{PAGE}?run=true&method=psm&caliper=0.2&ratio=1&seed=2019")
    assert page.status_code == 200, page.text[:2000]
    return {"html": page.text, "study": studies.load(app.state.appdb, NAME)}


def test_the_run_is_kept_as_the_studys_last_run_and_audited(app: FastAPI, ran: dict):
    last = ran["study"]["last_run"]
    assert last["method"] == "psm" and last["parameters"] == {
        "caliper": 0.2,
        "ratio": 1,
        "seed": 2019,
    }
    assert last["run_by"].startswith("ics_analyst")
    summary = last["summary"]
    # Everyone the warehouse holds with an ICT referral is found (all at Dorset practices);
    # the eligible ones are the treated, each in one bin of the overlap histogram, and each
    # matched or counted unmatched.
    with app.state.warehouse_pool.lease() as con:
        events = con.table("events")
        referred = events.filter(events.snomed_code == ICT).patient_id.nunique().execute()
    assert summary["n_treated_found"] == referred >= 1
    assert 1 <= summary["n_treated"] <= summary["n_treated_found"]
    assert sum(summary["overlap"]["treated"]) == summary["n_treated"]
    assert sum(summary["overlap"]["controls"]) == summary["n_eligible_controls"]
    assert summary["n_matched"] + summary["unmatched_treated"] == summary["n_treated"]
    assert summary["n_matched"] >= 1
    with app.state.appdb.session() as session:
        actions = session.scalars(
            select(appdb.AuditLog.action).where(appdb.AuditLog.scope.like(f"study {NAME} %"))
        ).all()
    assert {"evaluation.new", "evaluation.run"} <= set(actions)


def test_the_page_shows_the_runs_numbers_disclosure_controlled(ran: dict):
    html, summary = ran["html"], ran["study"]["last_run"]["summary"]
    numbers = re.search(r'id="study-numbers".*?</dl>', html, re.S).group(0)
    for key in ("n_treated", "n_eligible_controls", "n_matched"):
        shown = disclose(summary[key])
        assert ("[REDACTED]" if shown is None else f"{shown:,}") in numbers
    table = re.search(r'id="outcomes-table".*?</table>', html, re.S).group(0)
    naive = {row["outcome"]: row for row in summary["naive"]}
    for outcome in summary["outcomes"]:
        row = re.search(rf'data-outcome="{outcome["outcome"]}".*?</tr>', table, re.S).group(0)
        if outcome["rate_ratio"] is not None:
            assert f">{outcome['rate_ratio']:.2f}<" in row
        if naive[outcome["outcome"]]["rate_ratio"] is not None:
            assert f">{naive[outcome['outcome']]['rate_ratio']:.2f}<" in row
    assert "Integrated care teams" in html
    assert "what matching corrected" in html


def test_warnings_and_caveats_are_in_plain_words(ran: dict):
    html, summary = ran["html"], ran["study"]["last_run"]["summary"]
    shown = disclosed(summary)
    if shown["warnings"]:
        assert 'class="nhsuk-warning-callout" id="study-warnings"' in html
    for line in explain.caveats(shown):
        assert line.replace("&", "&amp;") in html.replace("&#39;", "'")


def test_the_api_answers_the_same_study_with_counts_disclosed(analyst: TestClient, ran: dict):
    answer = analyst.get(API)
    assert answer.status_code == 200
    body = answer.json()
    summary = ran["study"]["last_run"]["summary"]
    assert body["summary"]["n_matched"] == disclose(summary["n_matched"])
    for row in body["summary"]["outcomes"]:
        for arm in ("treated", "control"):
            events = row[arm]["events"]
            assert events is None or events % 5 == 0
    assert all(v is None or v % 5 == 0 for v in body["summary"]["overlap"]["treated"])
    assert body["disclosure_controlled"] is True
    assert [s["name"] for s in analyst.get("/api/v1/ics/11J/studies").json()] == [NAME]


@pytest.mark.parametrize("name", ["love", "overlap", "monthly"])
def test_each_chart_is_a_vega_lite_spec_of_the_run(analyst: TestClient, ran: dict, name: str):
    spec = analyst.get(f"{API}/chart?name={name}").json()
    assert spec["$schema"].endswith("vega-lite/v5.json") and spec["description"]
    summary = ran["study"]["last_run"]["summary"]
    if name == "love":
        points = spec["layer"][0]["data"]["values"]
        assert {p["covariate"] for p in points} == {b["label"] for b in summary["balance"]}
        assert spec["layer"][1]["data"]["values"] == [{"target": 0.1}]
    elif name == "overlap":
        assert len(spec["data"]["values"]) == 2 * len(summary["overlap"]["treated"])
    else:
        arms = {v["arm"] for v in spec["layer"][0]["data"]["values"]}
        assert arms == {"Treated", "Matched controls"}


def test_a_pcn_manager_reads_it_and_downloads_their_own_matched_people(
    app: FastAPI, client_as, ran: dict
):
    manager = client_as("pcn_manager", pcn="U42510")
    page = manager.get(PAGE)
    assert page.status_code == 200
    assert "Run the study" not in page.text and 'id="matched-csv"' in page.text
    assert manager.get(f"{PAGE}?run=true").status_code == 403
    download = manager.get(f"{PAGE}/matched.csv")
    assert download.status_code == 200
    rows = list(csv.DictReader(io.StringIO(download.text)))
    assert all(r["pcn_code"] == "U42510" for r in rows)
    assert set(rows[0]) == {"pair_id", "patient_id", "arm", "index_date", "practice_code",
                            "pcn_code"} if rows else True  # fmt: skip
    with app.state.appdb.session() as session:
        audit = session.scalars(
            select(appdb.AuditLog)
            .where(appdb.AuditLog.action == "export")
            .order_by(appdb.AuditLog.id.desc())
        ).first()
    assert audit.scope == f"study {NAME} matched set (U42510)" and audit.rows == len(rows)
    assert audit.username.startswith("pcn_manager")


def test_roles_without_patient_level_rights_get_no_matched_set(client_as, analyst, ran):
    assert analyst.get(f"{PAGE}/matched.csv").status_code == 403
    assert analyst.get(f"{API}/matched.csv").status_code == 403
    assert 'id="matched-csv"' not in ran["html"]
    practice = client_as("practice_user", practice="J81019")
    assert practice.get(PAGE).status_code == 403
    assert practice.get(API).status_code == 403


def test_a_bad_form_is_shown_again_with_what_to_fix(app: FastAPI, analyst: TestClient):
    again = _define(analyst, name="ict-bad", code="NO-SUCH-CODE")
    assert again.status_code == 400
    assert "no event coded &#39;NO-SUCH-CODE&#39;" in again.text
    taken = _define(analyst)
    assert taken.status_code == 400 and "exists" in taken.text
    assert "ict-bad" not in [s["name"] for s in studies.list_studies(app.state.appdb)]


def test_the_api_defines_runs_and_deletes_a_study(app: FastAPI, token_for):
    headers = {"Authorization": f"Bearer {token_for('ics_analyst')}"}
    client = TestClient(app)
    made = client.post(
        "/api/v1/ics/11J/studies", headers=headers,
        json={"name": "ict-api", "kind": "event", "code": ICT, "followup_months": 6},
    )  # fmt: skip
    assert made.status_code == 201, made.text
    assert made.json()["last_run"] is None
    bad = client.post(
        "/api/v1/ics/11J/studies", headers=headers, json={"name": "x-file", "kind": "file",
        "people": [["p-nobody-here", "2019-01-01"]]},
    )  # fmt: skip
    assert bad.status_code == 422 and "not a patient of the warehouse" in bad.json()["detail"]
    ran = client.post(
        "/api/v1/ics/11J/studies/ict-api/run", headers=headers, json={"method": "psm", "seed": 7}
    )
    assert ran.status_code == 200, ran.text
    assert ran.json()["last_run"]["parameters"]["seed"] == 7
    gone = client.delete("/api/v1/ics/11J/studies/ict-api", headers=headers)
    assert gone.status_code == 200 and gone.json()["name"] == "ict-api"
    assert client.get("/api/v1/ics/11J/studies/ict-api", headers=headers).status_code == 404


def test_disclosure_covers_people_events_histograms_warnings_and_monthly_rates():
    summary = {
        "n_treated": 79, "n_eligible_controls": 6655, "n_matched": 80,
        "n_matched_controls": 80, "unmatched_treated": 1,
        "outcomes": [{"outcome": "ae", "rate_ratio": 1.2,
                      "treated": {"events": 61.0, "person_years": 50.0, "rate": 1.22},
                      "control": {"events": 3.0, "person_years": 50.0, "rate": 0.06}}],
        "overlap": {"bins": [0, 0.5, 1], "treated": [51, 4], "controls": [39712, 0]},
        "warnings": ["Small numbers: only 12 treated people were matched (fewer than 100)",
                     "Small numbers: only 3 treated people were matched",
                     "3 of the 40 people in the intervention file are not registered"],
        "monthly": [
            {"month_offset": -1, "arm": "treated", "outcome": "ae",
             "rate_per_1000_person_months": 50.0},  # 4 events of 80: redacted
            {"month_offset": 0, "arm": "control", "outcome": "ae",
             "rate_per_1000_person_months": 150.0},  # 12 events of 80: shown as 10
            {"month_offset": 1, "arm": "treated", "outcome": "ae", "events": 12,
             "person_months": 60.0, "rate_per_1000_person_months": 200.0},  # exact: 10 shown
            {"month_offset": 2, "arm": "treated", "outcome": "ae", "events": 7,
             "person_months": 60.0, "rate_per_1000_person_months": 116.667},  # 7: redacted
            {"month_offset": 3, "arm": "treated", "outcome": "ae", "events": 0,
             "person_months": 60.0, "rate_per_1000_person_months": 0.0},  # none: shown as 0
        ],
    }  # fmt: skip
    shown = disclosed(summary)
    assert (shown["n_treated"], shown["n_eligible_controls"], shown["unmatched_treated"]) == (
        80, 6655, None,
    )  # fmt: skip
    treated, control = shown["outcomes"][0]["treated"], shown["outcomes"][0]["control"]
    assert (treated["events"], treated["rate"]) == (60, 1.2)
    assert (control["events"], control["rate"]) == (None, None)
    assert shown["outcomes"][0]["rate_ratio"] == 1.2  # an estimate, not a count
    assert shown["overlap"] == {"bins": [0, 0.5, 1], "treated": [50, None], "controls": [39710, 0]}
    assert shown["warnings"] == [
        "Small numbers: only about 10 treated people were matched (fewer than 100)",
        "Small numbers: only fewer than 8 treated people were matched",
        "fewer than 8 of the about 40 people in the intervention file are not registered",
    ]
    assert [m["rate_per_1000_person_months"] for m in shown["monthly"]] == [
        None, 125.0, 166.667, None, 0.0,
    ]  # fmt: skip
    assert [m.get("events") for m in shown["monthly"]] == [None, None, 10, None, 0]
    assert summary["n_treated"] == 79  # the stored summary is untouched


def test_the_form_takes_the_services_own_list_and_refuses_a_bad_one(
    app: FastAPI, analyst: TestClient
):
    form = analyst.get("/ics/11J/evaluation/new")
    fields = {
        "csrf_token": csrf_from(form.text), "name": "ict-list", "kind": "file",
        "controls": "all", "followup_months": "12", "prior_months": "12",
    }  # fmt: skip
    con = app.state.warehouse
    ids = [r[0] for r in con.raw_sql("select patient_id from patients limit 2").fetchall()]
    bad = analyst.post(
        "/ics/11J/evaluation/new", data=fields,
        files={"file": ("service.csv", f"patient_id,index_date\n{ids[0]},01/02/2019\n")},
    )  # fmt: skip
    assert bad.status_code == 400
    assert "service.csv, row 2, column &#39;index_date&#39;" in bad.text
    assert ids[0] not in bad.text
    good = analyst.post(
        "/ics/11J/evaluation/new", data=fields, follow_redirects=False,
        files={"file": ("service.csv", "patient_id,index_date\n" + "".join(
            f"{pid},2019-0{k + 1}-01\n" for k, pid in enumerate(ids)))},
    )  # fmt: skip
    assert good.status_code == 303, good.text[:500]
    saved = studies.load(app.state.appdb, "ict-list")
    assert [p[0] for p in saved["definition"]["intervention"]["people"]] == ids
    page = analyst.get("/ics/11J/evaluation/ict-list")
    assert "the 2 people listed in the service&#39;s file" in page.text
    assert not any(pid in page.text for pid in ids)
    assert not any(pid in analyst.get("/api/v1/ics/11J/studies/ict-list").text for pid in ids)
    studies.delete(app.state.appdb, "ict-list", actor=appdb.Actor("test", "test"))


def test_asking_again_for_an_earlier_run_makes_it_the_last_run_again(app, analyst, ran):
    analyst.get(f"{PAGE}?run=true&method=psm&seed=11")
    assert studies.load(app.state.appdb, NAME)["last_run"]["parameters"]["seed"] == 11
    analyst.get(f"{PAGE}?run=true&method=psm&caliper=0.2&ratio=1&seed=2019")  # kept: no job
    last = studies.load(app.state.appdb, NAME)["last_run"]
    assert (last["method"], last["parameters"]["seed"]) == ("psm", 2019)
    assert last["summary"] == ran["study"]["last_run"]["summary"]


def test_a_study_that_cannot_run_says_why_with_its_counts_disclosed(app: FastAPI, analyst):
    """Two real patients with an index date before the records begin: nobody is eligible."""
    con = app.state.warehouse
    ids = [r[0] for r in con.raw_sql("select patient_id from patients limit 2").fetchall()]
    definition = {
        "name": "too-early", "ics": "11J", "controls": "all",
        "intervention": {"kind": "file", "people": [[pid, "1990-06-01"] for pid in ids]},
    }  # fmt: skip
    studies.create(app.state.appdb, definition, "test", actor=appdb.Actor("test", "test"))
    page = analyst.get("/ics/11J/evaluation/too-early?run=true")
    assert page.status_code == 200
    refusal = re.search(r'id="study-refused".*?</div>\s*</div>', page.text, re.S).group(0)
    assert "The study could not be run" in refusal
    assert not re.search(r"\b2 (?:treated )?people", refusal)
    assert "fewer than 8" in refusal
    assert 'id="study-not-run"' in page.text and 'id="outcomes-table"' not in page.text
    assert studies.load(app.state.appdb, "too-early")["last_run"] is None
    studies.delete(app.state.appdb, "too-early", actor=appdb.Actor("test", "test"))


def test_a_cem_run_draws_its_strata_and_renders_its_page(analyst: TestClient, ran: dict):
    page = analyst.get(f"{PAGE}?run=true&method=cem")
    assert page.status_code == 200
    assert "Coarsened exact matching puts people into cells" in page.text
    spec = analyst.get(f"{API}/chart?name=overlap").json()
    assert spec["encoding"]["x"]["type"] == "nominal"
    assert analyst.get(API).json()["last_run"]["method"] == "cem"
