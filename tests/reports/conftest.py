"""One small Dorset warehouse, its report (data, HTML, PDF) and an app over it, per session.

The Dorset reference data is in every warehouse; 1% of the synthetic population is enough
for the organisation, CQC, survey and funding figures, and small enough that the case-finding
section has counts of 1 to 7 to hide.
"""

from __future__ import annotations

import re
import secrets
import shutil
from collections.abc import Callable, Iterator
from typing import Any

import ibis
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from openpcn.build import build_default
from openpcn.config import DEFAULT_DATE, DEFAULT_ICS, Settings
from openpcn.reports.render import render_html, render_pdf
from openpcn.reports.sections import ics_report_data
from openpcn.store import appdb
from openpcn.store.warehouse import connect
from openpcn.web.app import create_app

CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    settings = Settings(home=tmp_path_factory.mktemp("report-home"))
    build_default(settings, scale=0.01, seed=1)
    return settings


@pytest.fixture(scope="session")
def con(settings: Settings) -> Iterator[ibis.BaseBackend]:
    backend = connect(settings)
    yield backend
    backend.disconnect()


@pytest.fixture(scope="session")
def dorset(con: ibis.BaseBackend) -> dict[str, Any]:
    return ics_report_data(con, DEFAULT_ICS, DEFAULT_DATE)


@pytest.fixture(scope="session")
def dorset_html(dorset: dict[str, Any]) -> str:
    return render_html(dorset)


@pytest.fixture(scope="session")
def dorset_pdf(dorset_html: str) -> bytes:
    return render_pdf(dorset_html)


@pytest.fixture
def pdftotext(needs: Callable[[bool, str, str], None]) -> str:
    """poppler's pdftotext, which reads the PDF's text back; without it the PDF tests skip, or
    fail in CI."""
    path = shutil.which("pdftotext")
    needs(path is not None, "poppler-utils' pdftotext", "apt-get install -y poppler-utils")
    return str(path)


@pytest.fixture(scope="session")
def app(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    url = f"sqlite:///{tmp_path_factory.mktemp('report-appdb') / 'app.db'}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("OPENPCN_INSECURE_COOKIES", "1")
        application = create_app(settings, appdb_url=url)
    yield application
    application.state.appdb.dispose()


@pytest.fixture(scope="session")
def client_as(app: FastAPI) -> Callable[..., TestClient]:
    """client_as(role, pcn=None, practice=None): a TestClient logged in through the form,
    one per role and scope for the session (password hashing is slow on purpose)."""
    clients: dict[tuple[str, str | None, str | None], TestClient] = {}

    def make(role: str, pcn: str | None = None, practice: str | None = None) -> TestClient:
        if (role, pcn, practice) not in clients:
            clients[role, pcn, practice] = login_as(role, pcn, practice)
        return clients[role, pcn, practice]

    def login_as(role: str, pcn: str | None, practice: str | None) -> TestClient:
        username = f"{role}-{secrets.token_hex(4)}"
        password = secrets.token_urlsafe(16)
        appdb.add_user(
            app.state.appdb, username, password, role, pcn_code=pcn, practice_code=practice
        )
        client = TestClient(app)
        page = client.get("/login")
        token = CSRF_INPUT.search(page.text).group(1)  # type: ignore[union-attr]
        done = client.post(
            "/login",
            data={"username": username, "password": password, "next": "/", "csrf_token": token},
            follow_redirects=False,
        )
        assert done.status_code == 303, done.text
        return client

    return make
