"""The admin's account pages: users (add, disable, enable, remove, reset a password, change
role and scope) and tokens (list, revoke by id), each a CSRF-checked POST that is audited and
takes access away at once; the JSON lists beside them."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from openpcn.store import appdb

from .conftest import csrf_from, login

MakeUser = Callable[..., tuple[str, str]]


@pytest.fixture(scope="module")
def admin(app: FastAPI, make_user: MakeUser) -> tuple[TestClient, str]:
    username, password = make_user("admin")
    client = TestClient(app)
    assert login(client, username, password).status_code == 303
    return client, username


def _signed_in(app: FastAPI, username: str, password: str) -> TestClient:
    client = TestClient(app)
    assert login(client, username, password).status_code == 303
    assert client.get("/cohorts/risk-model", follow_redirects=False).status_code == 200
    return client


def _post(client: TestClient, path: str, page: str, **data: str):
    form = client.get(page)
    assert form.status_code == 200
    token = csrf_from(form.text)
    return client.post(path, data={"csrf_token": token, **data}, follow_redirects=False)


def _last_audit(app: FastAPI) -> appdb.AuditLog:
    with app.state.appdb.session() as session:
        row = session.scalar(select(appdb.AuditLog).order_by(appdb.AuditLog.id.desc()))
    assert row is not None
    return row


def _shut_out(app: FastAPI, client: TestClient, token: str | None = None) -> None:
    """The client's session (and the token) no longer open anything: 401 / login page."""
    assert client.get("/api/v1/cohorts").status_code == 401
    page = client.get("/cohorts/risk-model", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login")
    if token is not None:
        assert _with_token(app, token) == 401


def _with_token(app: FastAPI, token: str) -> int:
    """The status of an API call with this bearer token."""
    headers = {"Authorization": f"Bearer {token}"}
    return TestClient(app).get("/api/v1/cohorts", headers=headers).status_code


def test_the_users_page_and_api_list_every_account(
    app: FastAPI, admin: tuple[TestClient, str], make_user: MakeUser
) -> None:
    client, me = admin
    other, _ = make_user("pcn_manager", pcn="U42510")
    page = client.get("/admin/users")
    assert page.status_code == 200
    assert f"{me}</a> (you)" in page.text and other in page.text and "U42510" in page.text
    assert 'href="/admin/users/new"' in page.text
    listed = {u["username"]: u for u in client.get("/api/v1/admin/users").json()["items"]}
    assert listed[other]["pcn_code"] == "U42510" and listed[other]["active"]
    assert listed[me]["sessions"] >= 1 and "password_hash" not in listed[me]


def test_adding_a_user_shows_its_password_once_and_is_audited(
    app: FastAPI, admin: tuple[TestClient, str]
) -> None:
    client, me = admin
    response = _post(
        client, "/admin/users", "/admin/users/new",
        username="web-added", role="practice_user", practice="j81019",
    )  # fmt: skip
    assert response.status_code == 200
    password = re.search(r'<code id="new-password">([^<]+)</code>', response.text).group(1)
    assert "Shown only once" in response.text
    row = _last_audit(app)
    assert (row.action, row.username, row.route) == ("user.add", me, "/admin/users")
    assert row.scope == "user web-added (practice_user, J81019)"
    _signed_in(app, "web-added", password)
    user = appdb.find_user(app.state.appdb, appdb.user_id_of(app.state.appdb, "web-added"))
    assert user.practice_code == "J81019"
    assert password not in client.get("/admin/users").text


@pytest.mark.parametrize(
    ("fields", "field", "says"),
    [
        ({"username": "", "role": "admin"}, "username", "Enter a username"),
        ({"username": "pat", "role": "pcn_manager"}, "role", "scoped to one PCN"),
        ({"username": "pat", "role": "practice_user"}, "role", "scoped to one practice"),
        ({"username": "pat", "role": "pcn_manager", "pcn": "U99999"}, "role", "no PCN with code"),
        ({"username": "bad name", "role": "admin"}, "username", "not a usable username"),
        ({"username": "pat", "role": "overlord"}, "role", "unknown role"),
    ],
)
def test_a_bad_new_user_is_refused_next_to_the_form(
    app: FastAPI, admin: tuple[TestClient, str], fields: dict[str, str], field: str, says: str
) -> None:
    client, _ = admin
    response = _post(client, "/admin/users", "/admin/users/new", **fields)
    assert response.status_code == 400
    assert "There is a problem" in response.text and says.lower() in response.text.lower()
    assert f'id="{field}-error"' in response.text  # the message sits by its field
    with pytest.raises(Exception, match="no user named"):
        appdb.user_id_of(app.state.appdb, fields["username"] or "-")


def test_disabling_shuts_out_the_session_and_token_at_once_and_enabling_restores(
    app: FastAPI, admin: tuple[TestClient, str], make_user: MakeUser
) -> None:
    client, me = admin
    username, password = make_user("ics_analyst")
    victim = _signed_in(app, username, password)
    token = appdb.create_token(app.state.appdb, username, "script")
    user_id = appdb.user_id_of(app.state.appdb, username)
    page = f"/admin/users/{user_id}"
    response = _post(client, f"{page}/disable", page)
    assert response.status_code == 303 and response.headers["location"] == f"{page}?done=disabled"
    _shut_out(app, victim, token)
    shown = client.get(response.headers["location"]).text
    assert "its sessions are ended" in shown and "Disabled" in shown
    assert (_last_audit(app).action, _last_audit(app).username) == ("user.disable", me)
    assert login(TestClient(app), username, password).status_code == 400
    assert _post(client, f"{page}/enable", page).status_code == 303
    assert _last_audit(app).action == "user.enable"
    _signed_in(app, username, password)
    assert _with_token(app, token) == 200


def test_a_role_change_ends_the_sessions_and_checks_the_scope(
    app: FastAPI, admin: tuple[TestClient, str], make_user: MakeUser
) -> None:
    client, _ = admin
    username, password = make_user("ics_analyst")
    victim = _signed_in(app, username, password)
    page = f"/admin/users/{appdb.user_id_of(app.state.appdb, username)}"
    refused = _post(client, f"{page}/role", page, role="practice_user", practice="J89999")
    assert refused.status_code == 400 and "No practice with code J89999" in refused.text
    assert victim.get("/api/v1/cohorts").status_code == 200  # nothing changed
    changed = _post(client, f"{page}/role", page, role="pcn_manager", pcn="U42510")
    assert changed.status_code == 303
    _shut_out(app, victim)
    row = _last_audit(app)
    assert (row.action, row.scope) == ("user.role", f"user {username} (pcn_manager, U42510)")
    again = _signed_in(app, username, password)
    assert again.get("/pcns/U19923/cohorts").status_code == 403  # the new scope applies


def test_a_password_reset_shows_the_new_one_once_and_ends_the_sessions(
    app: FastAPI, admin: tuple[TestClient, str], make_user: MakeUser
) -> None:
    client, _ = admin
    username, password = make_user("ics_analyst")
    victim = _signed_in(app, username, password)
    page = f"/admin/users/{appdb.user_id_of(app.state.appdb, username)}"
    response = _post(client, f"{page}/password", page)
    assert response.status_code == 200
    new = re.search(r'<code id="new-password">([^<]+)</code>', response.text).group(1)
    _shut_out(app, victim)
    assert login(TestClient(app), username, password).status_code == 400
    _signed_in(app, username, new)
    assert _last_audit(app).action in ("user.password", "login")


def test_removing_asks_first_then_takes_the_account_and_its_tokens(
    app: FastAPI, admin: tuple[TestClient, str], make_user: MakeUser
) -> None:
    client, me = admin
    username, password = make_user("pcn_manager", pcn="U42510")
    victim = _signed_in(app, username, password)
    token = appdb.create_token(app.state.appdb, username)
    page = f"/admin/users/{appdb.user_id_of(app.state.appdb, username)}"
    confirm = client.get(f"{page}/remove")
    assert confirm.status_code == 200 and "This cannot be undone" in confirm.text
    assert victim.get("/api/v1/cohorts").status_code == 200  # asking removed nothing
    response = _post(client, f"{page}/remove", f"{page}/remove")
    assert (
        response.status_code == 303 and response.headers["location"] == "/admin/users?done=removed"
    )
    _shut_out(app, victim, token)
    assert username not in client.get("/admin/users").text
    assert client.get(page).status_code == 404
    assert (_last_audit(app).action, _last_audit(app).username) == ("user.remove", me)


def test_tokens_are_listed_without_the_token_and_revoked_once_by_id(
    app: FastAPI, admin: tuple[TestClient, str], make_user: MakeUser
) -> None:
    client, me = admin
    username, _ = make_user("ics_analyst")
    token = appdb.create_token(app.state.appdb, username, "nightly export")
    token_id = appdb.token_id_of(app.state.appdb, token)
    page = client.get("/admin/tokens")
    assert page.status_code == 200 and "nightly export" in page.text and token not in page.text
    listed = client.get("/api/v1/admin/tokens", params={"username": username}).json()["items"]
    assert [(t["id"], t["label"], t["revoked"]) for t in listed] == [
        (token_id, "nightly export", False)
    ]
    assert token not in str(client.get("/api/v1/admin/tokens").json())
    revoked = _post(client, f"/admin/tokens/{token_id}/revoke", "/admin/tokens")
    assert revoked.headers["location"] == "/admin/tokens?done=revoked"
    assert _with_token(app, token) == 401
    row = _last_audit(app)
    assert (row.action, row.username, row.scope) == (
        "token.revoke", me, f"token {token_id} of {username}",
    )  # fmt: skip
    twice = _post(client, f"/admin/tokens/{token_id}/revoke", "/admin/tokens")
    assert twice.status_code == 400 and "already revoked" in twice.text
    from_user = appdb.create_token(app.state.appdb, username, "second")
    second_id = appdb.token_id_of(app.state.appdb, from_user)
    user_page = f"/admin/users/{appdb.user_id_of(app.state.appdb, username)}"
    back = _post(client, f"/admin/tokens/{second_id}/revoke", user_page, back="user")
    assert back.headers["location"] == f"{user_page}?done=revoked"


def test_changes_need_the_csrf_token_and_admins_cannot_lock_themselves_out(
    app: FastAPI, admin: tuple[TestClient, str], make_user: MakeUser
) -> None:
    client, me = admin
    username, _ = make_user("ics_analyst")
    page = f"/admin/users/{appdb.user_id_of(app.state.appdb, username)}"
    forged = client.post(f"{page}/disable", data={"csrf_token": "forged"})
    assert forged.status_code == 403
    assert appdb.find_user(app.state.appdb, appdb.user_id_of(app.state.appdb, username)).active
    mine = f"/admin/users/{appdb.user_id_of(app.state.appdb, me)}"
    assert "This is your own account" in client.get(mine).text
    refused = _post(client, f"{mine}/disable", mine)
    assert refused.status_code == 400 and "your own account" in refused.text
    assert client.get("/api/v1/admin/users").status_code == 200  # still signed in
