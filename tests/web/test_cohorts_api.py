"""The case-finding JSON API on the 1% Dorset warehouse: counts equal `summary`/`disclosed`,
worklists equal `engine.run`, who sees exact counts and patient rows, and the audit trail.

Scope examples: PCN U42510 (BLANDFORD PCN) has J81019 and J81031; PCN U19923 has J81002.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from openpcn.cohorts import engine
from openpcn.cohorts.admission_risk import fit_model, model_card
from openpcn.cohorts.definitions import SPECS, load_definitions
from openpcn.cohorts.summary import disclosed, summary
from openpcn.cohorts.trend import disclosed_trend, trend
from openpcn.web.audit import entries

DAY = dt.date(2019, 12, 1)
PCN, OTHER_PCN = "U42510", "U19923"
COHORT = "smr-01c-addictive-medicines"
WORKLIST = f"/api/v1/pcns/{PCN}/cohorts/{COHORT}/worklist"
PSEUDONYM = re.compile(r"\bp[0-9a-f]{16}\b")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def raw(app) -> dict[str, Any]:
    with app.state.warehouse_pool.lease() as con:
        return summary(con, "11J", DAY)


@pytest.fixture(scope="module")
def analyst(token_for) -> dict[str, str]:
    return bearer(token_for("ics_analyst"))


@pytest.fixture(scope="module")
def manager(token_for) -> dict[str, str]:
    return bearer(token_for("pcn_manager", pcn=PCN))


def run(app, cohort: str, **scope: str):
    with app.state.warehouse_pool.lease() as con:
        return engine.run(con, cohort, DAY, **scope)


def counts_of(answer: dict[str, Any], spec: str, pcn: str) -> dict[str, int | None]:
    row = next(p for p in answer["pcns"] if p["code"] == pcn)
    ids = [k["id"] for s in answer["specs"] if s["spec"] == spec for k in s["cohorts"]]
    return {k: row["counts"][k] for k in ids}


def test_the_ics_view_is_the_disclosed_summary_for_an_analyst(anonymous, analyst, raw):
    got = anonymous.get("/api/v1/ics/11J/cohorts", headers=analyst)
    assert got.status_code == 200
    body = got.json()
    assert (body["ics"], body["date"], body["disclosure_controlled"]) == ("11J", "2019-12-01", True)
    shown = disclosed(raw)
    assert [p["code"] for p in body["pcns"]] == sorted(raw["indicators"]["registered"])
    assert len(body["pcns"]) == 18
    for pcn in raw["indicators"]["registered"]:
        for spec in SPECS:
            assert counts_of(body, spec, pcn) == shown[spec][pcn]
        row = next(p for p in body["pcns"] if p["code"] == pcn)
        assert row["efi"] == shown["efi"][pcn]
        assert row["registered"] == shown["indicators"]["registered"][pcn]
    values = [v for p in body["pcns"] for v in (*p["counts"].values(), *p["efi"].values())]
    assert None in values  # the small warehouse has counts of 1-7: they are hidden
    assert all(v is None or v % 5 == 0 for v in values)
    assert not PSEUDONYM.search(got.text)


def test_the_ics_view_is_disclosed_for_admins_and_managers_too(anonymous, token_for, raw):
    shown = disclosed(raw)
    for headers in (bearer(token_for("admin")), bearer(token_for("pcn_manager", pcn=PCN))):
        body = anonymous.get("/api/v1/ics/11J/cohorts", headers=headers).json()
        assert body["disclosure_controlled"] is True
        assert counts_of(body, "smr", PCN) == shown["smr"][PCN]


def test_the_ics_view_is_not_for_practice_users(anonymous, token_for):
    got = anonymous.get(
        "/api/v1/ics/11J/cohorts", headers=bearer(token_for("practice_user", practice="J81019"))
    )
    assert got.status_code == 403


def test_the_efi_chart_draws_the_disclosed_counts(anonymous, analyst, raw):
    spec = anonymous.get("/api/v1/ics/11J/cohorts/efi-chart", headers=analyst).json()
    assert spec["$schema"].endswith("vega-lite/v5.json")
    values = spec["data"]["values"]
    assert len(values) == 18 * 4
    shown = disclosed(raw)["efi"]
    for v in values:
        code = v["pcn"][-7:-1]
        expected = shown[code][v["category"]]
        assert v["people"] == (expected or 0)


def test_the_pcn_dashboard_is_exact_and_audited_for_its_manager(app, anonymous, manager, raw):
    got = anonymous.get(f"/api/v1/pcns/{PCN}/cohorts", headers=manager).json()
    assert got["disclosure_controlled"] is False
    counts = {c["id"]: c["count"] for c in got["cohorts"]}
    for spec in SPECS:
        for cohort, n in raw[spec][PCN].items():
            assert counts[cohort] == n
    assert got["efi"] == raw["efi"][PCN]
    assert got["registered"] == raw["indicators"]["registered"][PCN]
    fit = raw["indicators"]["can01_fit_share"]["pcns"][PCN]
    assert {k: got["can01_fit_share"][k] for k in fit} == fit
    assert (got["can01_fit_share"]["lower_pct"], got["can01_fit_share"]["upper_pct"]) == (40, 80)
    cvd = raw["indicators"]["cvd02_hypertension_register"]
    assert "status" not in got["cvd02_hypertension_register"]  # a prevalence, not a target
    assert (got["year"], got["can01_fit_share"]["indicator"]) == ("2022/23", "CAN-01")
    assert got["cvd02_hypertension_register"]["numerator"] == cvd["pcns"][PCN]["numerator"]
    latest = entries(app.state.appdb, limit=1)[0]
    assert (latest.route, latest.scope, latest.action) == (
        f"/api/v1/pcns/{PCN}/cohorts",
        f"pcn:{PCN}:cohort-counts",
        "view",
    )
    assert latest.rows == sum(c["count"] for c in got["cohorts"])
    assert latest.username.startswith("pcn_manager")


@pytest.mark.parametrize(
    ("role", "scope"),
    [("ics_analyst", {}), ("admin", {}), ("practice_user", {"practice": "J81019"})],
)
def test_the_pcn_dashboard_is_disclosed_without_patient_rights(
    app, anonymous, token_for, raw, role, scope
):
    before = entries(app.state.appdb, limit=1)
    got = anonymous.get(f"/api/v1/pcns/{PCN}/cohorts", headers=bearer(token_for(role, **scope)))
    body = got.json()
    assert body["disclosure_controlled"] is True
    shown = disclosed(raw)
    counts = {c["id"]: c["count"] for c in body["cohorts"]}
    for spec in SPECS:
        for cohort, n in shown[spec][PCN].items():
            assert counts[cohort] == n
    fit = shown["indicators"]["can01_fit_share"]["pcns"][PCN]
    assert body["can01_fit_share"]["pct"] == fit["pct"]
    assert entries(app.state.appdb, limit=1) == before  # nothing exact shown: nothing audited
    assert not PSEUDONYM.search(got.text)


def test_a_manager_cannot_open_another_pcns_dashboard(anonymous, manager):
    assert anonymous.get(f"/api/v1/pcns/{OTHER_PCN}/cohorts", headers=manager).status_code == 403


def test_the_worklist_is_engine_run_and_every_call_is_audited(app, anonymous, manager):
    got = anonymous.get(WORKLIST, headers=manager)
    assert got.status_code == 200
    body = got.json()
    expected = run(app, COHORT, pcn=PCN)
    assert body["count"] == len(expected) > 0
    assert body["rows"] == expected.loc[:, ["patient_id", "practice_code", "reason"]].to_dict(
        "records"
    )
    latest = entries(app.state.appdb, limit=1)[0]
    assert (latest.route, latest.scope, latest.rows, latest.action) == (
        WORKLIST,
        f"pcn:{PCN}:{COHORT}",
        len(expected),
        "view",
    )
    anonymous.get(WORKLIST, headers=manager)
    assert entries(app.state.appdb, limit=1)[0].id == latest.id + 1


@pytest.mark.parametrize(
    ("role", "scope"),
    [
        ("ics_analyst", {}),
        ("admin", {}),
        ("pcn_manager", {"pcn": OTHER_PCN}),
        ("practice_user", {"practice": "J81019"}),
    ],
)
def test_the_worklist_is_refused_without_patient_rights(app, anonymous, token_for, role, scope):
    before = entries(app.state.appdb, limit=1)
    got = anonymous.get(WORKLIST, headers=bearer(token_for(role, **scope)))
    assert got.status_code == 403
    assert not PSEUDONYM.search(got.text)
    # the refusal is audited as such (no rows seen), and nothing else is
    refused, *previous = entries(app.state.appdb, limit=2)
    assert previous == before
    assert (refused.route, refused.action, refused.rows) == (WORKLIST, "denied", 0)


def test_an_unknown_cohort_or_an_impossible_date_is_a_client_error(anonymous, manager):
    unknown = anonymous.get(f"/api/v1/pcns/{PCN}/cohorts/no-such-cohort/worklist", headers=manager)
    assert unknown.status_code == 422
    for date in ("0001-01-01", "9999-12-31"):
        got = anonymous.get(f"/api/v1/pcns/{PCN}/cohorts?date={date}", headers=manager)
        assert got.status_code == 422
        assert "1900-01-01" in got.json()["fix"]


def test_the_definitions_are_listed_in_spec_order(anonymous, analyst):
    body = anonymous.get("/api/v1/cohorts", headers=analyst).json()
    definitions = load_definitions()
    assert [d["id"] for d in body["items"]] == list(definitions)
    first = body["items"][0]
    assert first["criteria"] == definitions[first["id"]].criteria.words
    assert first["spec_title"] == SPECS[first["spec"]]


def test_the_model_card_is_the_fitted_models_card(app, anonymous, token_for):
    headers = bearer(token_for("practice_user", practice="J81019"))
    body = anonymous.get("/api/v1/cohorts/risk-model", headers=headers).json()
    with app.state.warehouse_pool.lease() as con:
        card = model_card(fit_model(con, DAY))
    assert body == card
    assert 0.5 < body["metrics"]["auroc"] <= 1
    assert len(body["metrics"]["calibration"]) == 10
    chart = anonymous.get("/api/v1/cohorts/risk-model/chart", headers=headers).json()
    assert len(chart["layer"][1]["data"]["values"]) == 10


# ---------------------------------------------------------------- trend
TREND = f"/api/v1/pcns/{PCN}/cohorts/trend"
MONTHLY = {"date": "2020-03-01", "points": "3", "step": "1"}


@pytest.fixture(scope="module")
def raw_trend(app) -> dict[str, Any]:
    with app.state.warehouse_pool.lease() as con:
        return trend(con, PCN, dt.date(2020, 3, 1), points=3, step_months=1)


def test_the_trend_is_exact_and_audited_for_the_pcns_manager(app, anonymous, manager, raw_trend):
    got = anonymous.get(TREND, params=MONTHLY, headers=manager)
    assert got.status_code == 200
    body = got.json()
    assert body == {**raw_trend, "name": "BLANDFORD PCN", "disclosure_controlled": False}
    assert body["dates"] == ["2020-01-01", "2020-02-01", "2020-03-01"]
    assert "anticipatory-top-risk-centile" in " ".join(body["notes"])
    latest = entries(app.state.appdb, limit=1)[0]
    assert (latest.route, latest.scope, latest.action) == (TREND, f"pcn:{PCN}:cohort-trend", "view")
    assert latest.rows == sum(n for c in raw_trend["cohorts"] for n in c["counts"])


@pytest.mark.parametrize(
    ("role", "scope"),
    [("ics_analyst", {}), ("admin", {}), ("practice_user", {"practice": "J81019"})],
)
def test_the_trend_is_disclosed_without_patient_rights(
    app, anonymous, token_for, raw_trend, role, scope
):
    before = entries(app.state.appdb, limit=1)
    got = anonymous.get(TREND, params=MONTHLY, headers=bearer(token_for(role, **scope)))
    body = got.json()
    assert body == {**disclosed_trend(raw_trend), "name": "BLANDFORD PCN",
                    "disclosure_controlled": True}  # fmt: skip
    counts = [n for c in body["cohorts"] for n in c["counts"]]
    assert None in counts and all(n is None or n % 5 == 0 for n in counts)
    assert entries(app.state.appdb, limit=1) == before
    assert not PSEUDONYM.search(got.text)


def test_the_trends_last_date_is_the_dashboard_and_earlier_dates_say_why_not(
    anonymous, manager, raw
):
    body = anonymous.get(TREND, headers=manager).json()  # 8 dates, 3 months apart, to 2019-12-01
    assert body["dates"] == ["2019-12-01"]
    assert [x["date"] for x in body["left_out"]][-1] == "2019-09-01"
    assert {x["reason"] for x in body["left_out"]} == {"before the PCN opened on 2019-10-01"}
    for c in body["cohorts"]:
        assert c["counts"] == [raw[c["spec"]][PCN][c["id"]]]
    assert body["registered"] == [raw["indicators"]["registered"][PCN]]
    fit = raw["indicators"]["can01_fit_share"]["pcns"][PCN]
    assert body["can01_fit_share"]["rates"] == [fit]


def test_the_trend_chart_draws_a_panel_per_spec_and_the_indicators(anonymous, analyst, raw_trend):
    spec = anonymous.get(f"{TREND}/chart", params=MONTHLY, headers=analyst).json()
    assert spec["$schema"].endswith("vega-lite/v5.json")
    specs = list(dict.fromkeys(c["spec"] for c in raw_trend["cohorts"]))
    assert len(spec["vconcat"]) == len(specs) + 1
    shown = disclosed_trend(raw_trend)
    drawn = {(v["series"], v["date"]): v["value"] for v in spec["data"]["values"]}
    for c in shown["cohorts"]:
        assert [drawn[(c["title"], d)] for d in shown["dates"]] == c["counts"]


def test_the_trend_is_refused_or_not_found_like_the_dashboard(anonymous, manager):
    other = anonymous.get(f"/api/v1/pcns/{OTHER_PCN}/cohorts/trend", headers=manager)
    assert other.status_code == 403
    assert anonymous.get("/api/v1/pcns/U99999/cohorts/trend", headers=manager).status_code == 404
    for bad in ({"points": "0"}, {"points": "25"}, {"step": "13"}, {"date": "0001-01-01"}):
        assert anonymous.get(TREND, params=bad, headers=manager).status_code == 422, bad
    assert anonymous.get(TREND).status_code == 401


def test_the_worklist_api_pages_with_limit_and_offset_and_audits_the_rows_returned(
    app, anonymous, manager
):
    expected = run(app, COHORT, pcn=PCN)
    ids = sorted(expected.patient_id)
    assert len(ids) > 15
    got = anonymous.get(f"{WORKLIST}?sort=patient&limit=10&offset=15", headers=manager).json()
    assert (got["total"], got["offset"], got["count"]) == (len(ids), 15, min(10, len(ids) - 15))
    assert [r["patient_id"] for r in got["rows"]] == ids[15:25]
    assert entries(app.state.appdb, limit=1)[0].rows == min(10, len(ids) - 15)
    past = anonymous.get(f"{WORKLIST}?offset={len(ids)}", headers=manager).json()
    assert (past["total"], past["count"], past["rows"]) == (len(ids), 0, [])
    assert anonymous.get(f"{WORKLIST}?limit=0", headers=manager).status_code == 422


def test_the_worklist_api_takes_the_practice_filter_within_the_pcn_only(app, anonymous, manager):
    expected = run(app, COHORT, practice="J81031")
    got = anonymous.get(f"{WORKLIST}?practice=J81031", headers=manager).json()
    assert got["practice"] == "J81031" and got["total"] == len(expected)
    assert {p["code"] for p in got["practices"]} == {"J81019", "J81031"}
    refused = anonymous.get(f"{WORKLIST}?practice=J81002", headers=manager)
    assert refused.status_code == 403 and not PSEUDONYM.search(refused.text)
    latest = entries(app.state.appdb, limit=1)[0]
    assert (latest.action, latest.rows) == ("denied", 0)


def test_the_spec_worklist_api_has_one_row_per_person_for_a_pcn_and_a_practice(
    app, anonymous, manager, token_for
):
    expected = run(app, "smr", pcn=PCN)
    url = f"/api/v1/pcns/{PCN}/specs/smr/worklist"
    got = anonymous.get(url, headers=manager).json()
    assert got["spec"] == "smr" and len(got["cohorts"]) == 6
    assert got["total"] == expected.patient_id.nunique() == got["count"]
    assert len({r["patient_id"] for r in got["rows"]}) == got["count"]
    latest = entries(app.state.appdb, limit=1)[0]
    assert (latest.scope, latest.rows) == (f"pcn:{PCN}:spec:smr", got["count"])
    practice = bearer(token_for("practice_user", practice="J81031"))
    mine = anonymous.get("/api/v1/practices/J81031/specs/smr/worklist", headers=practice).json()
    assert {r["practice_code"] for r in mine["rows"]} <= {"J81031"}
    assert mine["total"] == run(app, "smr", practice="J81031").patient_id.nunique()
    other = anonymous.get("/api/v1/practices/J81019/specs/smr/worklist", headers=practice)
    assert other.status_code == 403


def test_the_pcn_dashboard_reads_the_year_asked_for(anonymous, manager):
    got = anonymous.get(f"/api/v1/pcns/{PCN}/cohorts?year=2024/25", headers=manager).json()
    fit = got["can01_fit_share"]
    assert (got["year"], got["year_note"], fit["indicator"]) == ("2024/25", "", "CAN-04")
    assert (fit["lower_pct"], fit["thresholds_confirmed"]) == (65, False)
    assert next(c for c in got["cohorts"] if c["id"] == "smr-01b-severe-frailty")["indicator"]
    default = anonymous.get(f"/api/v1/pcns/{PCN}/cohorts", headers=manager).json()
    assert (default["year"], default["can01_fit_share"]["indicator"]) == ("2022/23", "CAN-01")
    bad = anonymous.get(f"/api/v1/pcns/{PCN}/cohorts?year=2021/22", headers=manager)
    assert bad.status_code == 422
