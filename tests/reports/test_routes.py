"""The report in the app: the page, the HTML and PDF downloads, and the JSON API."""

from __future__ import annotations

import json

import pytest

from openpcn.reports.render import raw

ROLES = [
    ("admin", {}),
    ("ics_analyst", {}),
    ("pcn_manager", {"pcn": "U42510"}),
    ("practice_user", {"practice": "J81019"}),
]


@pytest.mark.parametrize(("role", "scope"), ROLES)
def test_every_role_sees_the_report_page(client_as, role, scope):
    page = client_as(role, **scope).get("/ics/11J/report?date=2019-12-01")
    assert page.status_code == 200
    assert 'data-figure="practices_networks.practices">81</data>' in page.text
    assert '<link rel="stylesheet" href="/static/css/report.css">' in page.text
    assert "<style" not in page.text and " style=" not in page.text  # the CSP allows neither
    assert "/ics/11J/report.pdf?date=2019-12-01" in page.text


def test_the_downloads_are_attachments(client_as):
    client = client_as("ics_analyst")
    html = client.get("/ics/11J/report.html")
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    assert html.headers["content-disposition"] == (
        'attachment; filename="report-11J-2019-12-01.html"'
    )
    assert "<style>" in html.text
    pdf = client.get("/ics/11j/report.pdf?date=2019-12-01")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-disposition"].endswith('report-11J-2019-12-01.pdf"')


def test_the_api_gives_the_figures_the_page_shows(client_as, dorset):
    answer = client_as("pcn_manager", pcn="U42510").get("/api/v1/ics/11J/report")
    assert answer.status_code == 200
    body = answer.json()
    assert body["date"] == "2019-12-01" and body["ics"]["code"] == "11J"
    assert [s["key"] for s in body["sections"]] == [
        "practices_networks",
        "cqc",
        "gpps",
        "funding_workforce",
        "case_finding",
    ]
    assert set(body["figures"]) == set(dorset["figures"])
    for key, figure in dorset["figures"].items():
        assert raw(body["figures"][key]["value"]) == raw(figure["value"]), key
    json.dumps(body)  # plain JSON all through


def test_anonymous_callers_are_turned_away(app):
    from fastapi.testclient import TestClient

    anonymous = TestClient(app)
    page = anonymous.get("/ics/11J/report", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login")
    assert anonymous.get("/api/v1/ics/11J/report").status_code == 401
    download = anonymous.get("/ics/11J/report.pdf", follow_redirects=False)
    assert download.status_code in (303, 401)


def test_an_unknown_ics_is_not_found(client_as):
    client = client_as("admin")
    assert client.get("/api/v1/ics/ZZZ/report").status_code == 404
    assert client.get("/ics/ZZZ/report").status_code == 404


def test_the_ics_overview_links_to_the_report(client_as):
    page = client_as("practice_user", practice="J81019").get("/ics/11J?date=2019-12-01")
    assert 'href="/ics/11J/report?date=2019-12-01"' in page.text
