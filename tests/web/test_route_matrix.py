"""Every route of the app, with every role and with no one logged in: allowed or refused?

Each route must declare exactly one of require(...) or public(). The expected answer comes from
that declaration: anonymous callers get 401 (API) or a redirect to the login page (pages);
logged-in callers without the role get 403. Routes with a {code} are asked about a Dorset code
inside and one outside the caller's scope: a pcn_manager of U42510 may open U42510 and its
practice J81019 but not U19923 or J81002; a practice_user of J81019 may open J81019 and its PCN
U42510, but not J81031 (another practice of that PCN), U19923 or J81002. Admin routes with a
{user_id} or {token_id} are asked about an account and a token that exist.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from starlette.routing import Mount

from openpcn.store import appdb, studies
from openpcn.web.auth import Requirement, Role, declared, routes_of
from openpcn.web.kit.jobs import Job, board_of

PCN_IN, PCN_OUT = "U42510", "U19923"
PRACTICE_IN, PRACTICE_OUT = "J81019", "J81002"
SAME_PCN_OTHER_PRACTICE = "J81031"
ALLOWED_MOUNTS = {"/static"}  # static files: public by nature, nothing secret in them


@dataclass(frozen=True)
class Who:
    label: str
    role: Role | None
    pcn: str | None = None
    practice: str | None = None


WHO = [
    Who("anonymous", None),
    Who("admin", Role.ADMIN),
    Who("ics_analyst", Role.ICS_ANALYST),
    Who("pcn_manager of U42510", Role.PCN_MANAGER, pcn=PCN_IN),
    Who("practice_user of J81019", Role.PRACTICE_USER, practice=PRACTICE_IN),
]


def api_routes(app: FastAPI) -> list[APIRoute]:
    return [r for r in routes_of(app) if isinstance(r, APIRoute)]


def requirement(route: APIRoute) -> Requirement:
    found = declared(route)
    assert len(found) == 1, f"{route.path} declares {found}: it needs exactly one"
    return found[0]


def samples(route: APIRoute, who: Who, ids: dict[str, str] | None = None) -> list[tuple[str, bool]]:
    """(concrete path, inside the caller's scope?) for the route's path parameters; `ids`
    gives the {user_id} and {token_id} of an existing account and token."""
    params = re.findall(r"{(\w+)}", route.path)
    if not params:
        return [(route.path, True)]
    unknown = set(params) - {"code", "ics", "measure", "cohort", "spec", *(ids or {})}
    assert not unknown, f"{route.path}: add sample values for {unknown} to this test"
    path = route.path.replace("{ics}", "11J").replace("{measure}", "overall_good")
    for name, value in (ids or {}).items():
        path = path.replace(f"{{{name}}}", value)
    path = path.replace("{cohort}", "smr-01a-medication-errors").replace("{spec}", "smr")
    if "{code}" not in path:
        return [(path, True)]
    if path.startswith(("/pcns/", "/api/v1/pcns/")):
        codes = [PCN_IN, PCN_OUT]
    elif path.startswith(("/practices/", "/api/v1/practices/")):
        codes = [PRACTICE_IN, PRACTICE_OUT, SAME_PCN_OTHER_PRACTICE]
    else:
        raise AssertionError(f"{route.path}: say whether its {{code}} is a PCN or a practice")
    return [(path.replace("{code}", code), in_scope(who, code)) for code in codes]


def in_scope(who: Who, code: str) -> bool:
    if who.role in (Role.ADMIN, Role.ICS_ANALYST):
        return True
    if who.role is Role.PCN_MANAGER:
        return code in (PCN_IN, PRACTICE_IN, SAME_PCN_OTHER_PRACTICE)
    if who.role is Role.PRACTICE_USER:
        return code in (PRACTICE_IN, PCN_IN)
    return False


@pytest.fixture(scope="module")
def clients(app: FastAPI, client_as: Callable[..., TestClient]) -> dict[str, TestClient]:
    made = {"anonymous": TestClient(app)}
    for who in WHO[1:]:
        assert who.role is not None
        made[who.label] = client_as(who.role.value, pcn=who.pcn, practice=who.practice)
    return made


class EveryViewer(set):
    """A job's viewers that hold every account (each caller may read the matrix's job)."""

    def __contains__(self, viewer: object) -> bool:
        return True


@pytest.fixture(scope="module")
def ids(app: FastAPI, make_user: Callable[..., tuple[str, str]]) -> dict[str, str]:
    """An account (with a live token) for the routes that name one by id, a running job
    every caller asked for (for /jobs/{job_id}), and a saved evaluation study of 11J, not run
    (for /{study}: its page, API, charts and matched-set download answer before a run)."""
    username, _ = make_user("ics_analyst")
    token = appdb.create_token(app.state.appdb, username, "matrix")
    definition = {
        "name": "matrix-study",
        "ics": "11J",
        "intervention": {"kind": "event", "code": "OPENPCN-ICT-REFERRAL"},
    }
    if "matrix-study" not in [s["name"] for s in studies.list_studies(app.state.appdb)]:
        studies.create(app.state.appdb, definition, username, actor=appdb.Actor(username, "test"))
    job = Job(id="matrix-job", label="The matrix's job", owner=username, viewers=EveryViewer())
    board_of(app.state)._by_id[job.id] = job  # a job no work stands behind: it stays running
    return {
        "user_id": str(appdb.user_id_of(app.state.appdb, username)),
        "token_id": str(appdb.token_id_of(app.state.appdb, token)),
        "job_id": job.id,
        "study": "matrix-study",
    }


def test_every_route_declares_its_roles(app: FastAPI) -> None:
    undeclared = []
    for route in routes_of(app):
        if isinstance(route, APIRoute):
            if len(declared(route)) != 1:
                undeclared.append(route.path)
        elif isinstance(route, Mount):
            assert route.path in ALLOWED_MOUNTS, f"unexpected mount {route.path}"
        else:
            name = getattr(route, "path", type(route).__name__)
            undeclared.append(f"{name} (not an APIRoute, so it cannot declare roles)")
    assert not undeclared, f"routes without exactly one require()/public(): {undeclared}"


def test_the_matrix_covers_the_organisation_routes_once_they_exist(app: FastAPI) -> None:
    paths = {r.path for r in api_routes(app)}
    assert {"/login", "/logout", "/health", "/admin/audit", "/api/v1/audit"} <= paths
    assert {"/admin/users", "/admin/users/{user_id}", "/admin/tokens/{token_id}/revoke"} <= paths
    assert {"/api/v1/admin/users", "/api/v1/admin/tokens"} <= paths
    if "/api/v1/pcns" in paths:  # W2's router is included
        assert {"/pcns/{code}", "/practices/{code}", "/api/v1/pcns/{code}"} <= paths


def test_admin_routes_are_for_admins_only(app: FastAPI) -> None:
    for route in api_routes(app):
        if route.path.startswith(("/admin", "/api/v1/audit", "/api/v1/admin")):
            assert requirement(route).roles == {Role.ADMIN}, route.path


def _verdict(response, *, api: bool) -> str:
    status = response.status_code
    location = response.headers.get("location", "")
    if status == 401:
        return "unauthenticated"
    if status == 303 and location.startswith("/login?next="):
        return "unauthenticated"
    if status == 403:
        return "forbidden"
    if status < 400:
        return "allowed"
    return f"unexpected {status}"


def test_every_route_with_every_role(
    app: FastAPI, clients: dict[str, TestClient], ids: dict[str, str]
) -> None:
    wrong: list[str] = []
    checked = 0
    for route in api_routes(app):
        need = requirement(route)
        for method in sorted(route.methods - {"HEAD"}):
            for who in WHO:
                client = clients[who.label]
                for path, inside in samples(route, who, ids):
                    if method != "GET" and who.role is not None:
                        continue  # unsafe methods: only the anonymous refusal is checked here
                    api = path.startswith("/api/")
                    response = client.request(method, path, follow_redirects=False)
                    got = _verdict(response, api=api)
                    if need.is_public:
                        want = {"allowed"} if method == "GET" else {"allowed", "forbidden"}
                    elif who.role is None:
                        want = {"unauthenticated"}
                    elif who.role not in need.roles or not inside:
                        want = {"forbidden"}
                    else:
                        want = {"allowed"}
                    checked += 1
                    if got not in want:
                        wrong.append(f"{method} {path} as {who.label}: {got}, want {want}")
                    if got in ("unauthenticated", "forbidden") and response.status_code != 303:
                        body = response.text
                        for code in (PCN_IN, PCN_OUT, PRACTICE_IN, PRACTICE_OUT):
                            if code in body and code not in path:
                                wrong.append(f"{method} {path} as {who.label}: refusal shows data")
    assert checked > 50
    assert not wrong, "\n".join(wrong)


def test_anonymous_api_calls_get_401_problem_json(anonymous: TestClient) -> None:
    response = anonymous.get("/api/v1/audit")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["status"] == 401


def test_anonymous_pages_redirect_to_login_with_the_way_back(anonymous: TestClient) -> None:
    response = anonymous.get("/admin/audit?sort=rows", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fadmin%2Faudit%3Fsort%3Drows"


def test_a_refused_page_is_an_nhs_page_without_data(clients: dict[str, TestClient]) -> None:
    response = clients["ics_analyst"].get("/admin/audit")
    assert response.status_code == 403
    assert "text/html" in response.headers["content-type"]
    assert "You do not have access to this page" in response.text
    assert 'class="nhsuk-header"' in response.text
