"""Logging in and out, throttling, CSRF, session cookies, bearer tokens, roles and scopes."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from openpcn.config import Settings
from openpcn.store import appdb
from openpcn.web.app import create_app
from openpcn.web.auth import Principal, Role, load_secret, public, require

from .conftest import csrf_from, login

MakeUser = Callable[..., tuple[str, str]]


def test_login_with_the_right_password_goes_where_it_was_asked(
    app: FastAPI, make_user: MakeUser
) -> None:
    username, password = make_user("admin")
    client = TestClient(app)
    response = login(client, username, password, next_url="/admin/audit?sort=rows")
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/audit?sort=rows"
    page = client.get("/admin/audit")
    assert page.status_code == 200
    assert f"{username} (admin)" in page.text  # the header names who is logged in


def test_login_never_redirects_to_another_site(app: FastAPI, make_user: MakeUser) -> None:
    username, password = make_user("ics_analyst")
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        response = login(TestClient(app), username, password, next_url=target)
        assert response.headers["location"] == "/"


def test_a_wrong_password_shows_the_error_summary_and_logs_no_one_in(
    app: FastAPI, make_user: MakeUser
) -> None:
    username, _ = make_user("admin")
    client = TestClient(app)
    response = login(client, username, "not the password at all")
    assert response.status_code == 400
    assert "There is a problem" in response.text
    assert 'href="#password"' in response.text
    assert "The username or password is not right" in response.text
    assert client.get("/api/v1/audit").status_code == 401


def test_an_unknown_username_gets_the_same_answer(anonymous: TestClient) -> None:
    response = login(anonymous, "nobody-at-all", "whatever it is")
    assert response.status_code == 400
    assert "The username or password is not right" in response.text


def test_empty_fields_are_named_in_the_error_summary(anonymous: TestClient) -> None:
    response = login(anonymous, "", "")
    assert response.status_code == 400
    assert "Enter your username" in response.text and "Enter your password" in response.text


def test_five_failures_lock_that_account_out_from_that_address(
    app: FastAPI, make_user: MakeUser
) -> None:
    username, password = make_user("ics_analyst")
    client = TestClient(app)
    for _ in range(appdb.THROTTLE_FAILURES):
        assert login(client, username, "wrong password!").status_code == 400
    response = login(client, username, password)  # even the right password now waits
    assert response.status_code == 429
    assert "Wait 15 minutes" in response.text
    assert response.headers["retry-after"] == "900"
    other, other_password = make_user("ics_analyst")  # other accounts are not affected
    assert login(client, other, other_password).status_code == 303


def test_a_success_clears_earlier_failures(app: FastAPI, make_user: MakeUser) -> None:
    username, password = make_user("ics_analyst")
    client = TestClient(app)
    for _ in range(appdb.THROTTLE_FAILURES - 1):
        login(client, username, "wrong password!")
    assert login(client, username, password).status_code == 303
    for _ in range(appdb.THROTTLE_FAILURES - 1):
        login(TestClient(app), username, "wrong password!")
    assert login(TestClient(app), username, password).status_code == 303


def test_logout_ends_the_session(client_as: Callable[..., TestClient]) -> None:
    client = client_as("admin")
    page = client.get("/admin/audit")
    response = client.post(
        "/logout", data={"csrf_token": csrf_from(page.text)}, follow_redirects=False
    )
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert client.get("/api/v1/audit").status_code == 401


def test_forms_without_the_right_csrf_token_are_refused(
    app: FastAPI, make_user: MakeUser, client_as: Callable[..., TestClient]
) -> None:
    username, password = make_user("admin")
    client = TestClient(app)
    client.get("/login")
    missing = client.post("/login", data={"username": username, "password": password})
    assert missing.status_code == 403
    assert "security token" in missing.text
    wrong = client.post(
        "/login", data={"username": username, "password": password, "csrf_token": "forged"}
    )
    assert wrong.status_code == 403
    other_session = csrf_from(TestClient(app).get("/login").text)
    stolen = client.post(
        "/login", data={"username": username, "password": password, "csrf_token": other_session}
    )
    assert stolen.status_code == 403
    logged_in = client_as("admin")
    assert logged_in.post("/logout", follow_redirects=False).status_code == 403
    assert logged_in.get("/api/v1/audit").status_code == 200  # still logged in


def test_the_session_cookie_is_http_only_same_site_and_signed(
    app: FastAPI, make_user: MakeUser
) -> None:
    username, password = make_user("admin")
    response = login(TestClient(app), username, password)
    cookie = response.headers["set-cookie"].lower()
    assert cookie.startswith("openpcn_session=")
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/" in cookie
    tampered = TestClient(app)
    tampered.cookies.set("openpcn_session", response.cookies["openpcn_session"][:-2] + "xx")
    assert tampered.get("/api/v1/audit").status_code == 401


def test_cookies_are_secure_unless_plain_http_is_asked_for(
    warehouse_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENPCN_INSECURE_COOKIES", raising=False)
    secure_app = create_app(warehouse_settings, appdb_url=f"sqlite:///{tmp_path / 'a.db'}")
    try:
        response = TestClient(secure_app, base_url="https://testserver").get("/login")
        assert "; secure" in response.headers["set-cookie"].lower()
    finally:
        secure_app.state.appdb.dispose()


def test_bearer_tokens_open_the_api_until_revoked(
    app: FastAPI, anonymous: TestClient, make_user: MakeUser
) -> None:
    username, password = make_user("admin")
    assert login(TestClient(app), username, password).status_code == 303  # its one audit row
    token = appdb.create_token(app.state.appdb, username, "test")
    ok = anonymous.get(
        f"/api/v1/audit?user={username}", headers={"Authorization": f"Bearer {token}"}
    )
    assert ok.status_code == 200
    body = ok.json()
    assert body["total"] == 1
    assert [(r["username"], r["action"], r["route"]) for r in body["items"]] == [
        (username, "login", "/login")
    ]
    assert appdb.revoke_token(app.state.appdb, token)
    revoked = anonymous.get("/api/v1/audit", headers={"Authorization": f"Bearer {token}"})
    assert revoked.status_code == 401
    assert revoked.json()["detail"] == "The bearer token is not valid or has been revoked."
    garbage = anonymous.get("/api/v1/audit", headers={"Authorization": "Bearer opcn_nope"})
    assert garbage.status_code == 401
    absent = anonymous.get("/api/v1/audit")
    assert absent.status_code == 401 and absent.headers["www-authenticate"] == "Bearer"


def test_a_token_carries_its_users_role(
    anonymous: TestClient, token_for: Callable[..., str]
) -> None:
    token = token_for("ics_analyst")
    response = anonymous.get("/api/v1/audit", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"


def test_token_clients_need_no_csrf_token(
    app: FastAPI, anonymous: TestClient, make_user: MakeUser
) -> None:
    """A browser never adds a bearer token by itself, so a POST that carries one needs no CSRF
    field. Told apart from an anonymous POST (also a 303): the logout must run as the token's
    user, ending the session the client holds and writing that user's `logout` audit row."""
    username, password = make_user("admin")
    token = {"Authorization": f"Bearer {appdb.create_token(app.state.appdb, username, 't')}"}
    client = TestClient(app)
    assert login(client, username, password).status_code == 303
    copied = TestClient(app)  # the same session cookie, to see that the server ended it
    copied.cookies.set("openpcn_session", client.cookies["openpcn_session"])
    assert copied.get("/api/v1/audit").status_code == 200

    nobody = anonymous.post("/logout", follow_redirects=False)  # no token, no session
    assert (nobody.status_code, nobody.headers["location"]) == (303, "/login?next=%2Flogout")
    no_csrf = client.post("/logout", follow_redirects=False)  # the session alone needs CSRF
    assert no_csrf.status_code == 403 and copied.get("/api/v1/audit").status_code == 200
    assert [r.username for r in _audit_rows(app, "logout")].count(username) == 0

    done = client.post("/logout", headers=token, follow_redirects=False)
    assert (done.status_code, done.headers["location"]) == (303, "/login")
    assert copied.get("/api/v1/audit").status_code == 401  # the session ended on the server
    mine = [r for r in _audit_rows(app, "logout") if r.username == username]
    assert [(r.user_id, r.route) for r in mine] == [
        (appdb.user_id_of(app.state.appdb, username), "/logout")
    ]
    # Logout ends sessions, not tokens (docs/web.md: tokens are revoked in /admin/tokens or by
    # `openpcn tokens revoke`): the token still opens the API.
    assert anonymous.get("/api/v1/audit", headers=token).status_code == 200


def test_a_deactivated_account_loses_its_session(app: FastAPI, make_user: MakeUser) -> None:
    username, password = make_user("admin")
    client = TestClient(app)
    login(client, username, password)
    assert client.get("/api/v1/audit").status_code == 200
    with app.state.appdb.session() as session:
        user = session.scalar(select(appdb.User).where(appdb.User.username == username))
        assert user is not None
        user.active = False
    assert client.get("/api/v1/audit").status_code == 401


def test_the_secret_key_is_made_once_and_private(tmp_path: Path) -> None:
    first = load_secret(tmp_path)
    assert len(first) == 64
    assert stat.S_IMODE(os.stat(tmp_path / "secret.key").st_mode) == 0o600
    assert load_secret(tmp_path) == first


def test_patient_rights_and_views_follow_the_scope() -> None:
    manager = Principal(1, "m", Role.PCN_MANAGER, "U42510", None)
    clerk = Principal(2, "c", Role.PRACTICE_USER, "U42510", "J81019")
    analyst = Principal(3, "a", Role.ICS_ANALYST, None, None)
    assert manager.patient_rights(pcn_code="U42510")
    assert not manager.patient_rights(pcn_code="U19923")
    assert clerk.patient_rights(practice_code="J81019")
    assert not clerk.patient_rights(pcn_code="U42510")  # the PCN is more than their practice
    assert not analyst.patient_rights(pcn_code="U42510")  # aggregates only
    assert manager.can_view(pcn_code="U42510", practice_code="J81031")
    assert not manager.can_view(pcn_code="U19923", practice_code="J81002")
    assert clerk.can_view(pcn_code="U42510")
    assert not clerk.can_view(pcn_code="U42510", practice_code="J81031")
    assert analyst.can_view(pcn_code="U19923")


def test_a_practice_users_principal_knows_its_pcn(
    app: FastAPI, client_as: Callable[..., TestClient]
) -> None:
    client = client_as("practice_user", practice="J81019")
    assert client.get("/pcns/U42510").status_code in (200, 404)  # 404 only if W2 is absent
    assert client.get("/pcns/U19923").status_code in (403, 404)


def test_declarations_carry_their_roles() -> None:
    assert require(Role.ADMIN, Role.ICS_ANALYST).roles == {Role.ADMIN, Role.ICS_ANALYST}
    assert public().roles == frozenset() and public().is_public
    with pytest.raises(ValueError, match="public"):
        require()


def test_the_openapi_schema_says_which_operations_need_a_token(anonymous: TestClient) -> None:
    schema = anonymous.get("/openapi.json").json()
    assert schema["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert schema["paths"]["/api/v1/audit"]["get"]["security"] == [{"bearer": []}]
    assert "security" not in schema["paths"]["/health"]["get"]


def _signed_in(app: FastAPI, make_user: MakeUser) -> tuple[TestClient, str]:
    username, password = make_user("ics_analyst")
    client = TestClient(app)
    assert login(client, username, password).status_code == 303
    return client, username


def _audit_rows(app: FastAPI, action: str) -> list[appdb.AuditLog]:
    with app.state.appdb.session() as session:
        return list(
            session.scalars(
                select(appdb.AuditLog)
                .where(appdb.AuditLog.action == action)
                .order_by(appdb.AuditLog.id)
            )
        )


def test_a_copied_cookie_is_dead_after_logout(app: FastAPI, make_user: MakeUser) -> None:
    username, password = make_user("admin")
    client = TestClient(app)
    login(client, username, password)
    copied = TestClient(app)
    copied.cookies.set("openpcn_session", client.cookies["openpcn_session"])
    assert copied.get("/api/v1/audit").status_code == 200
    page = client.get("/admin/audit")
    client.post("/logout", data={"csrf_token": csrf_from(page.text)})
    assert copied.get("/api/v1/audit").status_code == 401
    again = copied.get("/admin/audit", follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"].startswith("/login")


def test_the_cookie_carries_only_a_session_id_stored_hashed(
    app: FastAPI, make_user: MakeUser
) -> None:
    client, _ = _signed_in(app, make_user)
    payload = client.cookies["openpcn_session"].split(".")[0]
    data = json.loads(base64.b64decode(payload + "=" * (-len(payload) % 4)))
    assert set(data) == {"sid", "csrf"}
    with app.state.appdb.session() as session:
        hashes = set(session.scalars(select(appdb.LoginSession.id_hash)))
    assert data["sid"] not in hashes
    assert hashlib.sha256(data["sid"].encode()).hexdigest() in hashes


def test_a_session_ends_eight_hours_after_login_however_busy(
    app: FastAPI, make_user: MakeUser
) -> None:
    client, username = _signed_in(app, make_user)
    assert client.get("/api/v1/cohorts").status_code == 200
    user_id = appdb.user_id_of(app.state.appdb, username)
    with app.state.appdb.session() as session:
        row = session.scalar(
            select(appdb.LoginSession).where(appdb.LoginSession.user_id == user_id)
        )
        assert row.expires - row.created == appdb.SESSION_LIFETIME
        row.expires = appdb.utcnow() - dt.timedelta(seconds=1)
    assert client.get("/api/v1/cohorts").status_code == 401


def test_a_disabled_accounts_cookie_and_token_get_401_at_once(
    app: FastAPI, make_user: MakeUser
) -> None:
    client, username = _signed_in(app, make_user)
    token = appdb.create_token(app.state.appdb, username)
    cli = appdb.Actor("cli", "test")
    appdb.set_active(app.state.appdb, appdb.user_id_of(app.state.appdb, username), False, actor=cli)
    assert client.get("/api/v1/cohorts").status_code == 401
    bearer = {"Authorization": f"Bearer {token}"}
    assert TestClient(app).get("/api/v1/cohorts", headers=bearer).status_code == 401


def test_a_role_change_ends_the_accounts_sessions(app: FastAPI, make_user: MakeUser) -> None:
    client, username = _signed_in(app, make_user)
    user_id = appdb.user_id_of(app.state.appdb, username)
    appdb.set_role(app.state.appdb, user_id, "admin", actor=appdb.Actor("cli", "test"))
    assert client.get("/api/v1/cohorts").status_code == 401
    assert appdb.live_sessions(app.state.appdb).get(user_id) is None


def test_logins_failures_lockouts_and_logouts_are_audited(
    app: FastAPI, make_user: MakeUser
) -> None:
    username, password = make_user("ics_analyst")
    client = TestClient(app, client=("192.0.2.10", 50000))
    typed = "x" * 100 + username  # as typed, cut to the column's 64 characters
    login(client, typed, "my secret guess")
    failed = _audit_rows(app, "login.failed")[-1]
    assert failed.username == typed[:64] and failed.user_id is None
    assert failed.route == "/login" and failed.scope == "from 192.0.2.10"
    assert "my secret guess" not in f"{failed.username} {failed.scope} {failed.route}"
    login(client, username, password)
    done = _audit_rows(app, "login")[-1]
    assert (done.username, done.user_id) == (username, appdb.user_id_of(app.state.appdb, username))
    page = client.get("/cohorts/risk-model")
    client.post("/logout", data={"csrf_token": csrf_from(page.text)})
    assert _audit_rows(app, "logout")[-1].username == username
    for _ in range(appdb.THROTTLE_FAILURES):
        login(client, username, "wrong password!")
    assert login(client, username, password).status_code == 429
    locked = _audit_rows(app, "login.locked")[-1]
    assert locked.username == username and locked.scope == "pair throttle; from 192.0.2.10"


def test_password_spraying_from_one_address_is_throttled(app: FastAPI, make_user: MakeUser) -> None:
    sprayer = TestClient(app, client=("198.51.100.7", 50000))
    for n in range(appdb.ADDRESS_FAILURES):
        assert login(sprayer, f"guess-{n}", "Password123!").status_code == 400
    username, password = make_user("ics_analyst")
    refused = login(sprayer, username, password)
    assert refused.status_code == 429 and "from your network" in refused.text
    assert refused.headers["retry-after"] == "900"
    elsewhere = TestClient(app, client=("198.51.100.8", 50000))
    assert login(elsewhere, username, password).status_code == 303


def test_many_addresses_slow_a_username_but_cannot_lock_its_owner_out(
    app: FastAPI, make_user: MakeUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(appdb, "USERNAME_FAILURES", 8)  # fewer slow password checks
    username, password = make_user("ics_analyst")
    home = TestClient(app, client=("203.0.113.1", 50000))
    assert login(home, username, password).status_code == 303  # the owner's usual place
    for n in range(appdb.USERNAME_FAILURES):  # below the per-address limits everywhere
        attacker = TestClient(app, client=(f"203.0.113.{100 + n}", 50000))
        assert login(attacker, username, "wrong password!").status_code == 400
    slowed = login(TestClient(app, client=("203.0.113.99", 50000)), username, password)
    assert slowed.status_code == 429 and "slowed down" in slowed.text
    assert 1 <= int(slowed.headers["retry-after"]) <= 10
    assert (
        login(TestClient(app, client=("203.0.113.1", 50000)), username, password).status_code == 303
    )
