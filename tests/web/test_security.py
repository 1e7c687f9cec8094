"""Security headers on every kind of response, and errors that show no traceback or data."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from tests.web.test_route_matrix import WHO, api_routes, samples

from openpcn.config import LOOPBACK_HOSTS, Settings
from openpcn.exceptions import NotFoundError
from openpcn.web.app import create_app
from openpcn.web.auth import public
from openpcn.web.security import CSP, relative

TEMPLATES = Path(__file__).parents[2] / "src" / "openpcn" / "web" / "templates"
SECRET_VALUE = "9434765919"  # looks like an NHS number: it must never be shown or logged

EXPECTED_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


def assert_secure_headers(response) -> None:
    assert response.headers["content-security-policy"] == EXPECTED_CSP
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"


def test_the_csp_is_the_agreed_one() -> None:
    assert CSP == EXPECTED_CSP


def test_pages_api_and_errors_all_carry_the_headers(
    anonymous: TestClient, token_for: Callable[..., str]
) -> None:
    token = token_for("admin")
    responses = [
        anonymous.get("/login"),
        anonymous.get("/health"),
        anonymous.get("/no/such/page"),
        anonymous.get("/api/v1/audit"),
        anonymous.get("/api/v1/audit", headers={"Authorization": f"Bearer {token}"}),
        anonymous.get("/admin/audit", follow_redirects=False),
    ]
    for response in responses:
        assert_secure_headers(response)
        assert response.headers["cache-control"] == "no-store"


def test_authenticated_pages_are_never_cached(client_as: Callable[..., TestClient]) -> None:
    response = client_as("admin").get("/admin/audit")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert "cookie" in response.headers["vary"].lower()


def test_static_files_may_be_cached_but_keep_nosniff(
    anonymous: TestClient, needs: Callable[[bool, str, str], None]
) -> None:
    response = anonymous.get("/static/vendor/VERSIONS.json")
    needs(
        response.status_code != 404,
        "The vendored front-end assets' VERSIONS.json",
        "npm ci && python scripts/vendor_assets.py (make test runs both)",
    )
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "cache-control" not in response.headers


def test_api_errors_are_problem_json_with_only_the_agreed_members(
    anonymous: TestClient,
) -> None:
    response = anonymous.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert set(body) == {"type", "title", "status", "detail"}
    assert body["status"] == 404 and body["title"] == "Not Found"
    assert "Traceback" not in response.text


def test_validation_errors_name_the_field_but_never_echo_the_value(
    anonymous: TestClient, token_for: Callable[..., str]
) -> None:
    response = anonymous.get(
        f"/api/v1/audit?limit={SECRET_VALUE}x",
        headers={"Authorization": f"Bearer {token_for('admin')}"},
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert "limit" in response.json()["detail"]
    assert SECRET_VALUE not in response.text


def test_page_404_is_an_nhs_page(anonymous: TestClient) -> None:
    response = anonymous.get("/no/such/page")
    assert response.status_code == 404
    assert "Page not found" in response.text
    assert 'id="maincontent"' in response.text and 'class="nhsuk-header"' in response.text


@pytest.fixture(scope="module")
def faulty_app(
    warehouse_settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[FastAPI]:
    """An app with routes that fail on purpose (kept out of the shared app and its matrix)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('faulty') / 'app.db'}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("OPENPCN_INSECURE_COOKIES", "1")
        application = create_app(warehouse_settings, appdb_url=url)

    @application.get("/boom", dependencies=[Depends(public())])
    def boom() -> None:
        raise RuntimeError(f"patient {SECRET_VALUE} broke it")

    @application.get("/api/v1/boom", dependencies=[Depends(public())])
    def api_boom() -> None:
        raise RuntimeError(f"patient {SECRET_VALUE} broke it")

    @application.get("/api/v1/missing", dependencies=[Depends(public())])
    def missing() -> None:
        raise NotFoundError("no PCN with code U99999", fix="check the code")

    yield application
    application.state.appdb.dispose()


def test_a_crash_gives_the_500_page_without_traceback_or_data(
    faulty_app: FastAPI, caplog: pytest.LogCaptureFixture
) -> None:
    client = TestClient(faulty_app)
    with caplog.at_level(logging.ERROR, logger="openpcn.web"):
        page = client.get("/boom")
    assert page.status_code == 500
    assert "Sorry, there is a problem with the service" in page.text
    assert SECRET_VALUE not in page.text and "Traceback" not in page.text
    assert_secure_headers(page)
    reference = re.search(r"Error reference: <code>([0-9a-f]{8})</code>", page.text)
    assert reference, "the page gives a reference to quote to the administrator"
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert reference.group(1) in logged and "RuntimeError" in logged
    assert SECRET_VALUE not in logged  # the message is not logged, only where it was raised


def test_a_crash_in_the_api_is_problem_json(faulty_app: FastAPI) -> None:
    response = TestClient(faulty_app).get("/api/v1/boom")
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 500 and SECRET_VALUE not in response.text
    assert "Traceback" not in response.text


def test_user_errors_keep_their_http_status_and_fix(faulty_app: FastAPI) -> None:
    response = TestClient(faulty_app).get("/api/v1/missing")
    assert response.status_code == 404
    assert response.json() == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "detail": "no PCN with code U99999",
        "fix": "check the code",
    }


def test_no_template_has_inline_script_or_style() -> None:
    """The CSP forbids them, so a browser would silently ignore them: keep them out."""
    problems = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        name = path.relative_to(TEMPLATES)
        for match in re.finditer(r"<script\b([^>]*)>(.*?)</script>", text, flags=re.S):
            if "src=" not in match.group(1) or match.group(2).strip():
                problems.append(f"{name}: inline <script>")
            elif "defer" not in match.group(1) and 'type="module"' not in match.group(1):
                problems.append(f"{name}: a <script> without defer")
        if re.search(r"\sstyle\s*=", text) or re.search(r"<style\b", text):
            problems.append(f"{name}: inline style")
        if re.search(r"\son[a-z]+\s*=", text):
            problems.append(f"{name}: inline event handler")
    assert not problems, problems


def test_every_form_carries_a_csrf_token() -> None:
    problems = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for form in re.findall(r"<form\b.*?</form>", text, flags=re.S | re.I):
            if re.search(r'method="post"', form, flags=re.I) and "csrf_token(request)" not in form:
                problems.append(str(path.relative_to(TEMPLATES)))
    assert not problems, f"POST forms without csrf_token: {problems}"


@pytest.mark.parametrize("url", ["/health", "/login", "/api/v1/audit", "/openapi.json"])
def test_head_is_answered_wherever_get_is_with_the_same_status_and_headers(
    anonymous: TestClient, url: str
) -> None:
    get, head = anonymous.get(url, follow_redirects=False), anonymous.head(url)
    assert head.status_code == get.status_code != 405
    assert head.content == b""
    for name in ("content-type", "content-length", "content-security-policy", "cache-control"):
        assert head.headers.get(name) == get.headers.get(name), name


def test_every_get_route_answers_head_as_it_answers_get(
    app: FastAPI, anonymous: TestClient
) -> None:
    """As anyone (cheap: most answers are 401 or the login redirect), route by route."""
    walked = 0
    for route in api_routes(app):
        if "GET" not in route.methods:
            continue
        # anonymous callers are refused before an id is looked up, so any id will do
        for path, _ in samples(
            route, WHO[0], {"user_id": "1", "token_id": "1", "job_id": "x", "study": "x"}
        ):
            get = anonymous.get(path, follow_redirects=False)
            head = anonymous.head(path, follow_redirects=False)
            assert (head.status_code, head.content) == (get.status_code, b""), path
            assert head.headers.get("location") == get.headers.get("location"), path
            walked += 1
    assert walked > 30


def test_head_of_a_page_that_needs_a_login_redirects_like_get(anonymous: TestClient) -> None:
    head = anonymous.head("/ics/11J/workforce", follow_redirects=False)
    assert head.status_code == 303 and head.headers["location"].startswith("/login?next=")
    assert anonymous.post("/health").status_code == 405  # only HEAD is added


@pytest.mark.parametrize("forged", ["evil.example", "evil.example:8000", "[::2]:80"])
def test_a_forged_host_is_never_echoed_into_the_trailing_slash_redirect(
    anonymous: TestClient, forged: str
) -> None:
    got = anonymous.get("/health/", headers={"Host": forged}, follow_redirects=False)
    assert got.status_code in (307, 308)
    assert got.headers["location"] == "/health"
    assert "evil" not in got.text and "evil" not in got.headers["location"]


def test_a_redirect_never_becomes_protocol_relative() -> None:
    assert relative("http://evil.example//evil.example/x?a=1") == "/evil.example/x?a=1"
    assert relative("http://h/\\evil.example") == "/evil.example"


@pytest.fixture(scope="module")
def loopback_app(
    warehouse_settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[FastAPI]:
    """The app as `openpcn serve` makes it by default: only this machine's names answered."""
    url = f"sqlite:///{tmp_path_factory.mktemp('hosts') / 'app.db'}"
    settings = replace(warehouse_settings, allowed_hosts=(*LOOPBACK_HOSTS, "*.example.org"))
    application = create_app(settings, appdb_url=url)
    yield application
    application.state.appdb.dispose()


@pytest.mark.parametrize(
    ("host", "status"),
    [
        ("localhost:8000", 200),
        ("127.0.0.1", 200),
        ("[::1]:8000", 200),
        ("pcn.example.org", 200),
        ("evil.example", 400),
        ("example.org.evil.example", 400),
        ("", 400),
    ],
)
def test_only_allowed_hosts_are_answered(loopback_app: FastAPI, host: str, status: int) -> None:
    client = TestClient(loopback_app)
    got = client.get("/health", headers={"Host": host})
    assert got.status_code == status
    if status == 400:
        assert "evil" not in got.text
        assert_secure_headers(got)
    redirect = client.get("/health/", headers={"Host": host}, follow_redirects=False)
    assert "evil" not in redirect.headers.get("location", "")
