"""The evaluation pages: the ICS's saved studies, the new-study form, and a study's page
(design in words, warnings, balance with its love plot, overlap, effects with the naive
comparison beside them, monthly rates, sensitivity, caveats), with run and delete forms for
analysts and admins and the matched-set download for a PCN manager."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from openpcn.cohorts.definitions import all_definitions
from openpcn.evaluation.definition import (
    CONTROL_WORDS,
    METHOD_WORDS,
    OUTCOME_WORDS,
    StudyDefinition,
)
from openpcn.exceptions import UserError
from openpcn.sources.intervention import read_checked
from openpcn.store import studies
from openpcn.web.kit.access import Ask, IcsWide, may_see_ics
from openpcn.web.kit.downloads import csv_response
from openpcn.web.kit.pages import render
from openpcn.web.kit.params import API, IcsPath
from openpcn.web.routes.evaluation.answers import (
    CSV_COLUMNS,
    actor,
    matched_rows,
    may_run,
    run,
    shown,
    studies_of,
    study_of,
)
from openpcn.web.routes.evaluation.params import (
    Downloader,
    Runner,
    StudyPath,
    StudyRun,
    from_form,
)

router = APIRouter()
MAX_UPLOAD = 20 * 1024 * 1024  # bytes: about a million patients
FORM_FIELDS = ("name", "kind", "code", "controls", "followup_months", "prior_months", "description")


@router.get("/ics/{ics}/evaluation", response_class=HTMLResponse, include_in_schema=False)
def evaluation_page(ics: IcsPath, ask: IcsWide) -> HTMLResponse:
    """The ICS's saved studies (author, date, last run), with a way to define one."""
    footprint, rows = studies_of(ask, ics)
    context = {
        "footprint": footprint,
        "ics": footprint["code"],
        "rows": rows,
        "may_run": may_run(ask),
        "deleted": ask.request.query_params.get("deleted"),
        "json_url": f"{API}/ics/{footprint['code']}/studies",
    }
    return render(ask.request, "evaluation/list.html", context)


def _form(
    request: Request, footprint: dict, values: dict[str, str], error: UserError | None
) -> HTMLResponse:
    context = {
        "footprint": footprint,
        "ics": footprint["code"],
        "values": values,
        "error": error,
        "controls": CONTROL_WORDS,
    }
    return render(request, "evaluation/new.html", context, status_code=400 if error else 200)


@router.get("/ics/{ics}/evaluation/new", response_class=HTMLResponse, include_in_schema=False)
def new_study_page(ics: IcsPath, ask: Runner) -> HTMLResponse:
    """The form that defines a study by a coded event, a cohort or the service's own list of
    people (a CSV upload, checked as `openpcn evaluate new --intervention FILE` checks it)."""
    footprint = may_see_ics(ask, ics)
    defaults = {"kind": "event", "code": "OPENPCN-ICT-REFERRAL", "controls": "other-pcns",
                "followup_months": "12", "prior_months": "12"}  # fmt: skip
    return _form(ask.request, footprint, defaults, None)


@router.post("/ics/{ics}/evaluation/new", include_in_schema=False)
async def new_study(ics: IcsPath, ask: Runner) -> Response:
    """Save the study the form describes, then open its page (the form again, saying what is
    wrong, if a field or the uploaded file is). The work runs off the event loop."""
    footprint = may_see_ics(ask, ics)
    form = await ask.request.form()
    try:
        values = {key: str(form.get(key) or "").strip() for key in FORM_FIELDS}
        upload = form.get("file")
        content: bytes | None = None
        filename = "upload.csv"
        if values["kind"] == "file" and isinstance(upload, UploadFile) and upload.filename:
            content = await upload.read(MAX_UPLOAD + 1)
            filename = Path(upload.filename).name or filename
    finally:
        await form.close()  # the upload's spooled file
    try:
        definition = await run_in_threadpool(
            _define, ask, footprint["code"], values, content, filename
        )
    except UserError as exc:
        return _form(ask.request, footprint, values, exc)
    return RedirectResponse(
        f"/ics/{footprint['code']}/evaluation/{definition.name}", status_code=303
    )


def _define(
    ask: Ask, ics: str, values: dict[str, str], content: bytes | None, filename: str
) -> StudyDefinition:
    """Check what the form asks for against the warehouse and save it."""
    if values["kind"] == "file":
        studies.check_new_name(ask.request.app.state.appdb, values["name"])
        definition = from_form(ics, values, _people_of(ask, content, filename))
    else:
        definition = from_form(ics, values)
        _check_code(ask, definition.intervention.kind, definition.intervention.code or "")
    studies.create(
        ask.request.app.state.appdb, definition.to_json(), ask.principal.username,
        actor=actor(ask),
    )  # fmt: skip
    return definition


def _people_of(ask: Ask, content: bytes | None, filename: str) -> tuple[tuple[str, dt.date], ...]:
    """The uploaded list, read as `openpcn evaluate new --intervention` reads a file."""
    if not content:
        raise UserError(
            "no file was chosen", column="file",
            fix="choose the service's CSV of patient_id,index_date",
        )  # fmt: skip
    if len(content) > MAX_UPLOAD:
        raise UserError(
            f"the file is larger than {MAX_UPLOAD // (1024 * 1024)} MB", file=filename,
            fix="load a list this large with `openpcn evaluate new NAME --intervention FILE`",
        )  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="openpcn-upload-") as folder:
        path = Path(folder) / filename
        path.write_bytes(content)
        return read_checked(path, ask.con)


def _check_code(ask: Ask, kind: str, code: str) -> None:
    """An event nobody has, or a cohort id that is none, is refused before it is saved."""
    if kind == "event":
        events = ask.con.table("events")
        if not int(ask.con.execute(events.filter(events.snomed_code == code).count())):
            raise UserError(
                f"no event coded {code!r} in the warehouse", column="code",
                fix="check the code (the planted integrated care team referral is "
                "OPENPCN-ICT-REFERRAL)",
            )  # fmt: skip
    elif kind == "cohort" and code not in {d.id for d in all_definitions()}:
        raise UserError(
            f"no cohort with id {code!r}", column="code",
            fix="use a cohort id as the case-finding pages name them",
        )  # fmt: skip


@router.get("/ics/{ics}/evaluation/{study}", response_class=HTMLResponse, include_in_schema=False)
def study_page(ics: IcsPath, study: StudyPath, ask: IcsWide, query: StudyRun) -> HTMLResponse:
    """A study and its last run; with `run`, run it first (a job with a progress page)."""
    footprint, saved = study_of(ask, ics, study)
    refused = None
    if query.run:
        try:
            run(ask, saved, query)
        except UserError as exc:  # no overlap, no eligible controls: said, never a number
            refused = exc
        footprint, saved = study_of(ask, ics, study)
    view = shown(saved)
    base = f"/ics/{footprint['code']}/evaluation/{saved['name']}"
    api = f"{API}/ics/{footprint['code']}/studies/{saved['name']}"
    summary = view["summary"] or {}
    outcomes = [o["outcome"] for o in summary.get("outcomes") or []]
    context = {
        "footprint": footprint,
        "ics": footprint["code"],
        "study": view,
        "s": summary,
        "q": query,
        "refused": refused,
        "may_run": may_run(ask),
        "may_download": ask.principal.patient_rights(pcn_code=ask.principal.pcn_code),
        "methods": METHOD_WORDS,
        "outcome_words": OUTCOME_WORDS,
        "naive": {row.get("outcome"): row for row in summary.get("naive") or []},
        "base_url": base,
        "json_url": api,
        "chart_url": f"{api}/chart?",
        "monthly_outcomes": outcomes,
        "csv_url": f"{base}/matched.csv",
    }
    return render(ask.request, "evaluation/study.html", context)


@router.post("/ics/{ics}/evaluation/{study}/delete", include_in_schema=False)
def delete_study(ics: IcsPath, study: StudyPath, ask: Runner) -> RedirectResponse:
    """Remove the study, then back to the list."""
    footprint, saved = study_of(ask, ics, study)
    studies.delete(ask.request.app.state.appdb, saved["name"], actor=actor(ask))
    query = urlencode({"deleted": saved["name"]})
    return RedirectResponse(f"/ics/{footprint['code']}/evaluation?{query}", status_code=303)


@router.get("/ics/{ics}/evaluation/{study}/matched.csv", include_in_schema=False)
def matched_csv(ics: IcsPath, study: StudyPath, ask: Downloader) -> Response:
    """The last run's matched people of the manager's PCN, audited; before any run, the
    study's page. Matches the server no longer keeps are worked out again (a job) from the
    same definition and seed, which give the same matches."""
    footprint, saved = study_of(ask, ics, study)
    rows = matched_rows(ask, saved)
    if rows is None:
        return RedirectResponse(
            f"/ics/{footprint['code']}/evaluation/{saved['name']}", status_code=303
        )
    name = f"study-{saved['name']}-matched-{ask.principal.pcn_code}.csv"
    return csv_response(rows, CSV_COLUMNS, name)
