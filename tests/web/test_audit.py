"""The audit trail: refused requests are audited, and the admin page, CSV and API filter
(user, action, route, dates), count and page the rows, refusing filter values they cannot use."""

from __future__ import annotations

import csv
import datetime as dt
import io
import secrets
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from openpcn.store.appdb import AuditLog
from openpcn.web.audit import entries

COHORT = "smr-01c-addictive-medicines"
DAY = dt.datetime(2026, 3, 10, 9, 30)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def admin(token_for) -> dict[str, str]:
    return bearer(token_for("admin"))


@pytest.fixture(scope="module")
def seeded(app: FastAPI) -> str:
    """Twelve rows of one made-up user over three days (two actions, two routes); its name."""
    user = f"audit-{secrets.token_hex(4)}"
    with app.state.appdb.session() as session:
        for i in range(12):
            session.add(
                AuditLog(
                    time=DAY + dt.timedelta(days=i % 3, minutes=i),
                    user_id=None,
                    username=user,
                    route=f"/pcns/U42510/cohorts/{COHORT}" if i % 2 else "/api/v1/pcns/U42_%",
                    scope=f"pcn:U42510:{COHORT}",
                    rows=i,
                    action="export" if i % 4 == 0 else "view",
                )
            )
    return user


def test_a_refused_worklist_writes_a_denied_row(app, anonymous, token_for):
    url = f"/api/v1/pcns/U42510/cohorts/{COHORT}/worklist"
    got = anonymous.get(url, headers=bearer(token_for("pcn_manager", pcn="U19923")))
    assert got.status_code == 403
    latest = entries(app.state.appdb, limit=1)[0]
    assert latest.username.startswith("pcn_manager-")
    assert (latest.action, latest.route, latest.rows) == ("denied", url, 0)
    assert latest.scope == f"scope code=U42510 cohort={COHORT}"


def test_a_refused_role_on_a_page_writes_a_denied_row_and_anonymous_none(app, client_as, anonymous):
    assert client_as("ics_analyst").get("/admin/audit?user=x").status_code == 403
    latest = entries(app.state.appdb, limit=1)[0]
    assert (latest.action, latest.route, latest.scope) == ("denied", "/admin/audit", "role")
    assert latest.username.startswith("ics_analyst-")
    assert anonymous.get("/api/v1/audit").status_code == 401  # nobody to name: no row
    assert entries(app.state.appdb, limit=1)[0] == latest


def test_the_api_filters_counts_and_pages(anonymous, admin, seeded):
    got = anonymous.get("/api/v1/audit", params={"user": seeded, "limit": 5}, headers=admin)
    body = got.json()
    assert (body["total"], body["limit"], body["offset"], len(body["items"])) == (12, 5, 0, 5)
    assert [r["rows"] for r in body["items"]] == [11, 8, 5, 2, 10]  # newest first
    page3 = anonymous.get(
        "/api/v1/audit", params={"user": seeded, "limit": 5, "offset": 10}, headers=admin
    ).json()
    assert [r["rows"] for r in page3["items"]] == [3, 0] and page3["total"] == 12

    def rows(**params: object) -> list[int]:
        answer = anonymous.get("/api/v1/audit", params={"user": seeded, **params}, headers=admin)
        assert answer.status_code == 200, answer.text
        found = answer.json()
        assert found["total"] == len(found["items"]) or "limit" in params
        return sorted(r["rows"] for r in found["items"])

    assert rows(action="export") == [0, 4, 8]
    assert rows(route="cohorts") == [1, 3, 5, 7, 9, 11]
    assert rows(route="U42_%") == [0, 2, 4, 6, 8, 10]  # % and _ are plain characters
    assert rows(route="U42__") == []
    assert rows(**{"from": "2026-03-11"}) == [1, 2, 4, 5, 7, 8, 10, 11]
    assert rows(**{"from": "2026-03-11", "to": "2026-03-11"}) == [1, 4, 7, 10]
    assert rows(to="2026-03-10", action="view") == [3, 6, 9]
    assert rows(sort="rows", order="asc", limit=3) == [0, 1, 2]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-13-01"}, "from"),
        ({"to": "yesterday"}, "to"),
        ({"from": "2026-03-12", "to": "2026-03-11"}, "to"),
        ({"action": "DROP TABLE"}, "action"),
        ({"user": "x" * 65}, "user"),
        ({"route": "/" * 256}, "route"),
    ],
)
def test_the_api_refuses_filter_values_it_cannot_use(anonymous, admin, params, field):
    got = anonymous.get("/api/v1/audit", params=params, headers=admin)
    assert got.status_code == 422
    assert got.headers["content-type"] == "application/problem+json"
    assert got.json()["detail"].startswith(f"{field}: ")
    assert "yesterday" not in got.text and "DROP" not in got.text


def test_the_page_filters_counts_pages_and_keeps_the_filter(client_as, seeded):
    client = client_as("admin")
    page = client.get("/admin/audit", params={"user": seeded, "action": "view", "limit": 4})
    assert page.status_code == 200
    text = page.text
    assert "9 matching rows; showing 1 to 4." in text
    assert text.count('<tr class="nhsuk-table__row">') == 5  # the header and 4 rows
    assert '<option value="view" selected>view</option>' in text
    assert '<time datetime="2026-03-12T09:41:00Z">2026-03-12 09:41</time>' in text
    assert '<td class="nhsuk-table__cell nhsuk-u-nowrap">' in text  # the time never wraps
    next_link = text.split('nhsuk-pagination__link--next" href="')[1].split('"')[0]
    query = parse_qs(urlsplit(next_link.replace("&amp;", "&")).query)
    assert query == {"user": [seeded], "action": ["view"], "sort": ["time"], "order": ["desc"],
                     "limit": ["4"], "offset": ["4"]}  # fmt: skip
    last = client.get("/admin/audit", params={**{k: v[0] for k, v in query.items()},
                                              "offset": "8"})  # fmt: skip
    assert "9 matching rows; showing 9 to 9." in last.text
    assert "nhsuk-pagination__link--prev" in last.text
    assert "nhsuk-pagination__link--next" not in last.text
    sort_link = text.split('<a href="/admin/audit?')[1].split('"')[0].replace("&amp;", "&")
    assert parse_qs(sort_link)["user"] == [seeded]  # sorting keeps the filter too


def test_the_csv_holds_every_filtered_row(client_as, seeded):
    client = client_as("admin")
    page = client.get("/admin/audit", params={"user": seeded, "action": "export", "limit": 1})
    href = page.text.split('" download>Download the matching rows as CSV')[0].rsplit('"', 1)[1]
    got = client.get(href.replace("&amp;", "&"))
    assert got.status_code == 200 and got.headers["content-type"].startswith("text/csv")
    assert 'filename="audit-log.csv"' in got.headers["content-disposition"]
    table = list(csv.DictReader(io.StringIO(got.text)))
    assert [(r["username"], r["action"], r["rows"]) for r in table] == [
        (seeded, "export", "8"), (seeded, "export", "4"), (seeded, "export", "0")
    ]  # fmt: skip
    assert table[0]["time"] == "2026-03-12 09:38:00"


def test_the_page_shows_an_unusable_filter_next_to_the_form(client_as):
    page = client_as("admin").get("/admin/audit", params={"from": "2026-02-30", "user": "ana"})
    assert page.status_code == 422
    assert 'id="from-error"' in page.text and "YYYY-MM-DD" in page.text
    assert 'aria-describedby="from-hint from-error"' in page.text
    assert 'value="2026-02-30"' in page.text  # what was typed stays, to be corrected
    assert 'id="audit-table"' not in page.text


def test_only_admins_get_the_csv(client_as):
    assert client_as("ics_analyst").get("/admin/audit.csv").status_code == 403
    assert client_as("admin").get("/admin/audit.csv?to=x").status_code == 422


def test_the_sorting_still_works(client_as: object, seeded: str) -> None:
    client: TestClient = client_as("admin")  # type: ignore[operator]
    page = client.get("/admin/audit", params={"user": seeded, "sort": "rows", "order": "asc"})
    cells = page.text.split('<td class="nhsuk-table__cell nhsuk-table__cell--numeric">')[1:]
    assert [int(c.split("<")[0]) for c in cells] == list(range(12))
