"""Fixtures for the web tests: one small Dorset warehouse and one app per test session, and
helpers that make accounts, log in through the real form, and issue bearer tokens.

Dorset scope examples: PCN U42510 (BLANDFORD PCN) has practices J81019 and J81031; PCN U19923
has J81002.
"""

from __future__ import annotations

import itertools
import re
import secrets
from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from openpcn.build import build_default
from openpcn.config import Settings
from openpcn.store import appdb
from openpcn.web.app import create_app

CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')

MakeUser = Callable[..., tuple[str, str]]
ClientAs = Callable[..., TestClient]
TokenFor = Callable[..., str]


def csrf_from(html: str) -> str:
    """The CSRF token of the first form on a page."""
    match = CSRF_INPUT.search(html)
    assert match, "the page has no form with a csrf_token field"
    return match.group(1)


def login(client: TestClient, username: str, password: str, next_url: str = "/") -> object:
    """Log in through the real form (GET for the CSRF token, then POST)."""
    page = client.get("/login")
    return client.post(
        "/login",
        data={
            "username": username,
            "password": password,
            "next": next_url,
            "csrf_token": csrf_from(page.text),
        },
        follow_redirects=False,
    )


@pytest.fixture(scope="session")
def warehouse_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A Dorset warehouse at 1% scale (seed 1), built once per test session."""
    settings = Settings(home=tmp_path_factory.mktemp("web-home"))
    build_default(settings, scale=0.01, seed=1)
    return settings


@pytest.fixture(scope="session")
def app(
    warehouse_settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[FastAPI]:
    """The app on the test warehouse, with its own SQLite app DB and plain-http cookies."""
    url = f"sqlite:///{tmp_path_factory.mktemp('web-appdb') / 'app.db'}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("OPENPCN_INSECURE_COOKIES", "1")
        application = create_app(warehouse_settings, appdb_url=url)
    yield application
    application.state.appdb.dispose()


@pytest.fixture(scope="session")
def make_user(app: FastAPI) -> MakeUser:
    """make_user(role, pcn=None, practice=None) -> (username, password) of a new account."""
    counter = itertools.count(1)

    def make(role: str, pcn: str | None = None, practice: str | None = None) -> tuple[str, str]:
        username = f"{role}-{next(counter)}"
        password = secrets.token_urlsafe(16)
        appdb.add_user(
            app.state.appdb, username, password, role, pcn_code=pcn, practice_code=practice
        )
        return username, password

    return make


@pytest.fixture(scope="session")
def client_as(app: FastAPI, make_user: MakeUser) -> ClientAs:
    """client_as(role, pcn=None, practice=None) -> a TestClient logged in as a new account."""

    def make(role: str, pcn: str | None = None, practice: str | None = None) -> TestClient:
        username, password = make_user(role, pcn=pcn, practice=practice)
        client = TestClient(app)
        response = login(client, username, password)
        assert response.status_code == 303, response.text
        return client

    return make


@pytest.fixture(scope="session")
def token_for(app: FastAPI, make_user: MakeUser) -> TokenFor:
    """token_for(role, pcn=None, practice=None) -> a bearer token of a new account."""

    def make(role: str, pcn: str | None = None, practice: str | None = None) -> str:
        username, _ = make_user(role, pcn=pcn, practice=practice)
        return appdb.create_token(app.state.appdb, username, "test")

    return make


@pytest.fixture
def anonymous(app: FastAPI) -> TestClient:
    return TestClient(app)
