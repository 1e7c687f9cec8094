"""The one Jinja2 environment of the web app and `render`, through which every page goes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from openpcn import __version__
from openpcn.config import DEFAULT_ICS
from openpcn.web import auth
from openpcn.web.kit.navigation import Link, may_open, menu

TEMPLATES = Path(__file__).parent.parent / "templates"
templates = Jinja2Templates(directory=TEMPLATES)


def _current_user(request: Request) -> auth.Principal | None:
    return getattr(request.state, "principal", None)


def _menu(request: Request, personal: bool = True) -> list[Link]:
    return menu(_current_user(request), personal=personal)


templates.env.globals |= {
    "csrf_token": auth.csrf_token,
    "current_user": _current_user,
    "menu": _menu,
    "may_open": may_open,
    "service_name": "OpenPCN",
    "default_ics": DEFAULT_ICS,
    "version": __version__,
}


def render(
    request: Request,
    template: str,
    context: dict[str, Any],
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """The template rendered with the context (the globals above are always there)."""
    return templates.TemplateResponse(
        request, template, context, status_code=status_code, headers=headers
    )


def is_htmx(request: Request) -> bool:
    """True when htmx asks for a fragment to swap in (not a whole page)."""
    return request.headers.get("HX-Request") == "true"
