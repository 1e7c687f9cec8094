"""The evaluation API: the ICS's saved studies (GET), a new study (POST), a study with its last
run (GET), a run (POST: 202 with a job to poll; send it again for the answer), delete, each
chart's Vega-Lite spec, and a PCN manager's matched set as CSV (audited)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from openpcn.evaluation.charts import chart_spec
from openpcn.sources.intervention import check_known
from openpcn.store import studies
from openpcn.web.kit.access import IcsWide, may_see_ics
from openpcn.web.kit.downloads import csv_response
from openpcn.web.kit.params import API, Answer, IcsPath
from openpcn.web.routes.evaluation.answers import (
    CSV_COLUMNS,
    actor,
    matched_rows,
    run,
    shown,
    studies_of,
    study_of,
)
from openpcn.web.routes.evaluation.models import Study, StudyListed
from openpcn.web.routes.evaluation.params import (
    Chart,
    Downloader,
    NewStudy,
    Outcome,
    RunAsk,
    Runner,
    StudyPath,
)

router = APIRouter()
TAGS = ["evaluation"]
BASE = f"{API}/ics/{{ics}}/studies"


@router.get(BASE, response_model=list[StudyListed], tags=TAGS)
def api_studies(ics: IcsPath, ask: IcsWide) -> list[dict[str, Any]]:
    """The ICS's saved studies, newest first: who defined each and when, and its last run."""
    return studies_of(ask, ics)[1]


@router.post(BASE, response_model=Study, status_code=201, tags=TAGS)
def api_new_study(ics: IcsPath, ask: Runner, body: NewStudy) -> Answer:
    """Define a study (analysts and admins): by event code, cohort id or a list of people
    (`kind: file`, `people: [[patient_id, index_date], ...]`, checked against the warehouse).
    A bad field is a 4xx naming it; the study is not run until asked."""
    code = may_see_ics(ask, ics)["code"]
    definition = body.definition(code)
    if definition.intervention.kind == "file":
        check_known(ask.con, definition.intervention.people, "people")
    db = ask.request.app.state.appdb
    studies.create(db, definition.to_json(), ask.principal.username, actor=actor(ask))
    return shown(studies.load(db, definition.name))


@router.get(f"{BASE}/{{study}}", response_model=Study, tags=TAGS)
def api_study(ics: IcsPath, study: StudyPath, ask: IcsWide) -> Answer:
    """A study: its design in words and its last run's summary (balance, overlap, effects with
    95% CIs, the naive comparison, sensitivity, monthly rates, warnings), counts
    disclosure-controlled, with the caveats in words."""
    return shown(study_of(ask, ics, study)[1])


@router.post(f"{BASE}/{{study}}/run", response_model=Study, tags=TAGS)
def api_run_study(ics: IcsPath, study: StudyPath, ask: Runner, body: RunAsk) -> Answer:
    """Run the study (analysts and admins): a run not ready within a second answers 202 with
    the job to poll; send the same body again for the study with this run as its last."""
    _, saved = study_of(ask, ics, study)
    run(ask, saved, body)
    return shown(study_of(ask, ics, study)[1])


@router.delete(f"{BASE}/{{study}}", response_model=StudyListed, tags=TAGS)
def api_delete_study(ics: IcsPath, study: StudyPath, ask: Runner) -> dict[str, Any]:
    """Remove a saved study (an audit row says who and when)."""
    study_of(ask, ics, study)
    return studies.delete(ask.request.app.state.appdb, study, actor=actor(ask))


@router.get(f"{BASE}/{{study}}/chart", response_model=dict[str, Any], tags=TAGS)
def api_study_chart(
    ics: IcsPath,
    study: StudyPath,
    ask: IcsWide,
    name: Chart = Query("love", description="love, overlap or monthly"),
    outcome: Outcome = Query("emergency_admission", description="monthly: which outcome"),
) -> dict[str, Any]:
    """One of the study page's charts as a Vega-Lite v5 spec (data inline, counts disclosed):
    the love plot, the propensity overlap, or an outcome's monthly rates in both arms."""
    summary = shown(study_of(ask, ics, study)[1])["summary"] or {}
    return chart_spec(summary, name, outcome, width="container")


@router.get(
    f"{BASE}/{{study}}/matched.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "one row per matched person"}},
    tags=TAGS,
)
def api_matched_csv(ics: IcsPath, study: StudyPath, ask: Downloader) -> Response:
    """The last run's matched people of your PCN (PCN managers: the one role with
    patient-level rights), with their pair ids: audited. Only the header before a run."""
    _, saved = study_of(ask, ics, study)
    rows = matched_rows(ask, saved) or []
    return csv_response(rows, CSV_COLUMNS, f"study-{study}-matched-{ask.principal.pcn_code}.csv")
