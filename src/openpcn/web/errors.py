"""Errors as people should see them: NHS-styled pages, or problem+json under /api/.

Nothing here echoes a request's values back, shows a traceback or logs a request body: the log
gets an error id, the route, the exception's type and where it was raised (file, line,
function), never its message (foreign messages can carry values from the data).
"""

from __future__ import annotations

import logging
import secrets
import traceback
from http import HTTPStatus
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Message, Receive, Scope, Send

from openpcn.exceptions import UserError
from openpcn.web import audit
from openpcn.web.auth import AuthRequired, Forbidden
from openpcn.web.invalid import refusal
from openpcn.web.kit.asgi import HttpMiddleware
from openpcn.web.kit.jobs import Pending
from openpcn.web.kit.pages import is_htmx, render

log = logging.getLogger("openpcn.web")

PROBLEM_JSON = "application/problem+json"
PAGES = {401, 403, 404, 429, 500}  # errors/<status>.html; anything else uses errors/error.html

DETAILS = {
    401: "Log in (or send a valid bearer token) to use this.",
    403: "Your account does not give access to this.",
    404: "We could not find that page. Check the address, or go back to the ICS overview.",
    405: "That way of asking is not supported here.",
    429: "Too many attempts. Wait 15 minutes, then try again.",
    500: "Something went wrong on our side. Try again later; if it keeps happening, tell your "
    "administrator the error reference below.",
}


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def problem(
    status: int,
    detail: str,
    *,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    """An RFC 9457 problem document: type, title, status, detail (and any extra members)."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    body |= {k: v for k, v in extra.items() if v is not None}
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_JSON)


def error_page(
    request: Request,
    status: int,
    detail: str,
    *,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> Response:
    """The NHS-styled page for this status."""
    name = f"errors/{status}.html" if status in PAGES else "errors/error.html"
    context = {"status": status, "title": HTTPStatus(status).phrase, "detail": detail} | context
    return render(request, name, context, status, headers)


def respond(
    request: Request, status: int, detail: str, *, headers: dict[str, str] | None = None, **extra
) -> Response:
    if is_api(request):
        return problem(status, detail, headers=headers, **extra)
    return error_page(request, status, detail, headers=headers, **extra)


async def _auth_required(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AuthRequired)
    if is_api(request) or request.headers.get("authorization"):
        return problem(401, exc.detail, headers={"WWW-Authenticate": "Bearer"})
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)


async def _forbidden(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Forbidden)
    principal = getattr(request.state, "principal", None)
    if principal is not None:  # a signed-in user was refused: audited (an anonymous one is not)
        await run_in_threadpool(audit.record_denied, request, principal, exc)
    return respond(request, 403, exc.detail)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    try:
        default = HTTPStatus(status).phrase
    except ValueError:
        default = ""
    detail = exc.detail if exc.detail and exc.detail != default else DETAILS.get(status, default)
    return respond(request, status, str(detail), headers=getattr(exc, "headers", None))


async def _validation_error(request: Request, exc: Exception) -> Response:
    """A problem+json 422 under /api/ (with each fix); on pages, the NHS page that names each
    field, says what is wrong in plain words and how to fix it, and links back without it."""
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"loc": [str(part) for part in err.get("loc", ())], "msg": str(err.get("msg", ""))}
        for err in exc.errors()
    ]  # never the input itself
    refusals = [refusal(err) for err in exc.errors()]
    fixes = " ".join(dict.fromkeys(r.fix for r in refusals))
    if is_api(request):
        where = "; ".join(f"{'.'.join(e['loc'])}: {e['msg']}" for e in errors)
        detail = f"Some of what was sent cannot be used. {where}".strip()
        return problem(422, detail, errors=errors, fix=fixes or None)
    refused = {r.name for r in refusals if r.where == "query"}
    kept = [(k, v) for k, v in request.query_params.multi_items() if k not in refused]
    back = "/" + request.url.path.lstrip("/") if refused else "/"
    if kept:
        back += "?" + urlencode(kept)
    context = {"status": 400, "title": HTTPStatus(400).phrase, "refusals": refusals, "back": back}
    context["detail"] = "Some of what was sent cannot be used."
    return render(request, "errors/400.html", context, 400)


async def _user_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, UserError)
    status = exc.http_status
    if status >= 500:
        log.error("configuration problem on %s %s: %s", request.method, request.url.path, exc.what)
    headers = {"Retry-After": "5"} if status == 429 else None
    return respond(request, status, exc.what, headers=headers, fix=exc.fix)


async def _pending(request: Request, exc: Exception) -> Response:
    """202 while a slow answer is worked out (`openpcn.web.kit.jobs`): the job to poll under
    /api/; the fragment that polls this same URL for an htmx request; otherwise a progress
    page that polls the job and opens this URL when it is done."""
    assert isinstance(exc, Pending)
    principal = getattr(request.state, "principal", None)
    job = exc.job.as_dict(principal.username if principal is not None else None)
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    headers = {"Retry-After": "1", "Cache-Control": "no-store"}
    if is_api(request):
        status_url = f"/api/v1/jobs/{job['id']}"
        body = {"status": "pending", "job": job, "poll": status_url, "retry": here}
        return JSONResponse(body, status_code=202, headers=headers | {"Location": status_url})
    if is_htmx(request):
        context = {"job": job, "poll": here, "next": here}
        return render(request, "jobs/_progress.html", context, 202, headers)
    poll = f"/jobs/{job['id']}?{urlencode({'next': here})}"
    context = {"job": job, "poll": poll, "next": here}
    return render(request, "jobs/progress.html", context, 202, headers)


def install(app: FastAPI) -> None:
    """Register the handlers and the catch-all for unexpected errors."""
    app.add_exception_handler(AuthRequired, _auth_required)
    app.add_exception_handler(Forbidden, _forbidden)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(UserError, _user_error)
    app.add_exception_handler(Pending, _pending)


def describe(exc: BaseException) -> str:
    """Type and where it was raised (file:line in function): no message, no locals."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = " <- ".join(
        f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno} in {f.name}" for f in frames[::-1][:8]
    )
    return f"{type(exc).__module__}.{type(exc).__qualname__} at {where}"


class CatchAllMiddleware(HttpMiddleware):
    """Turn any unexpected exception into the 500 page or problem, and log it safely.

    It sits inside the session middleware so the 500 page still knows who is logged in, and
    it does not re-raise: the server's own logger would print the message and traceback.
    """

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            reference = secrets.token_hex(4)
            log.error(
                "error %s on %s %s: %s",
                reference,
                scope.get("method"),
                scope.get("path"),
                describe(exc),
            )
            if started:
                return  # the answer is half sent; nothing better can be done
            request = Request(scope, receive)
            try:
                response = respond(request, 500, DETAILS[500], reference=reference)
            except Exception as page_exc:  # e.g. the failure is in the base template itself
                log.error("error %s: the 500 page failed too: %s", reference, describe(page_exc))
                response = PlainTextResponse(
                    f"Something went wrong on our side (error reference {reference}).",
                    status_code=500,
                )
            await response(scope, receive, send)
