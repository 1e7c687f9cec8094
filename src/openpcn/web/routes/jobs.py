"""How far a slow answer has got (`openpcn.web.kit.jobs`): the fragment a progress page polls,
and the job as JSON for API clients that were answered 202.

Only the accounts that asked for a job may read it; anyone else gets the answer an unknown id
gets. A page's poll opens `next` (a path on this site) once the job is done, or once the job is
no longer known (a restarted server): the page then starts the work again if it must. The
account that started a cancellable job may cancel it (a form on the progress page, or the API):
the job stops early and keeps the best answer it has, which `next` then shows.
"""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from openpcn.exceptions import NotFoundError
from openpcn.web.kit.access import Everyone
from openpcn.web.kit.jobs import board_of
from openpcn.web.kit.navigation import safe_next
from openpcn.web.kit.pages import is_htmx, render
from openpcn.web.kit.params import API

router = APIRouter(tags=["jobs"])

Next = Query("/", max_length=2000, description="the page to open when the job is done")


class JobStatus(BaseModel):
    id: str
    label: str = Field(description="what is being worked out")
    state: Literal["waiting", "running", "done", "failed"]
    percent: int = Field(ge=0, le=100)
    step: str = Field(description="what the job is doing now")
    seconds: float = Field(description="since the job was asked for")
    reference: str | None = Field(description="the error reference of a failed job")
    cancellable: bool = Field(False, description="you may cancel it now (POST .../cancel)")
    cancelled: bool = Field(False, description="cancelling was asked for")


@router.get("/jobs/{job_id}", response_class=HTMLResponse, include_in_schema=False)
def job_progress(job_id: str, ask: Everyone, next: str = Next) -> Response:
    """The job's progress block (htmx polls it), or `next` once there is nothing to wait for."""
    target = safe_next(next)
    job = board_of(ask.request.app.state).find(job_id, ask.principal.username)
    if job is None or job.state == "done":
        if is_htmx(ask.request):
            return Response(status_code=200, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)
    poll = f"/jobs/{job.id}?{urlencode({'next': target})}"
    context = {"job": job.as_dict(ask.principal.username), "poll": poll, "next": target}
    if is_htmx(ask.request):
        return render(ask.request, "jobs/_progress.html", context)
    return render(ask.request, "jobs/progress.html", context)


@router.get(f"{API}/jobs/{{job_id}}", response_model=JobStatus)
def api_job(job_id: str, ask: Everyone) -> JobStatus:
    """A slow answer's progress. An API call answered 202 names its job: poll this until
    `state` is done (or failed), then ask the first URL again."""
    job = board_of(ask.request.app.state).find(job_id, ask.principal.username)
    if job is None:
        raise NotFoundError(
            "no such job of yours", fix="ask the first URL again: it starts the work if needed"
        )
    return JobStatus(**job.as_dict(ask.principal.username))


@router.post("/jobs/{job_id}/cancel", include_in_schema=False)
def job_cancel(
    job_id: str, ask: Everyone, next: str = Form("/", max_length=2000)
) -> RedirectResponse:
    """Cancel the job (its owner only), then watch it stop on its progress page."""
    target = safe_next(next)
    job = board_of(ask.request.app.state).cancel(job_id, ask.principal.username)
    if job is None:
        return RedirectResponse(target, status_code=303)
    return RedirectResponse(f"/jobs/{job.id}?{urlencode({'next': target})}", status_code=303)


@router.post(f"{API}/jobs/{{job_id}}/cancel", response_model=JobStatus)
def api_job_cancel(job_id: str, ask: Everyone) -> JobStatus:
    """Cancel a slow answer you started (when its status says `cancellable`): it stops early
    and keeps the best answer found so far; poll the job, then ask the first URL again."""
    job = board_of(ask.request.app.state).cancel(job_id, ask.principal.username)
    if job is None:
        raise NotFoundError(
            "no such job of yours", fix="ask the first URL again: it starts the work if needed"
        )
    return JobStatus(**job.as_dict(ask.principal.username))
