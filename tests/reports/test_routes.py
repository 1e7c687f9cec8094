"""The report in the app: the page, the HTML and PDF downloads, and the JSON API."""

from __future__ import annotations

import json
import subprocess

import pytest

from openpcn.figures import Audience
from openpcn.reports.render import raw
from openpcn.web.audit import entries
from openpcn.web.auth import Role, declared, routes_of

ROLES = [
    ("admin", {}),
    ("ics_analyst", {}),
    ("pcn_manager", {"pcn": "U42510"}),
    ("practice_user", {"practice": "J81019"}),
]
PUBLIC = ["practices_networks", "cqc", "gpps", "prevalence"]
ICS_WIDE = ["funding_workforce", "case_finding"]
OTHER_ICS_PCN = "U00070"  # West Merton PCN, commissioned by 08R: not in Dorset's ICS
#: the ICS funding, workforce and case-finding pages refuse these; the report leaves them out
REDUCED = [("practice_user", {"practice": "J81019"}), ("pcn_manager", {"pcn": OTHER_ICS_PCN})]
FULL = [("admin", {}), ("ics_analyst", {}), ("pcn_manager", {"pcn": "U42510"})]
NOTE = (
    "Left out for your role: Funding and workforce, Case-finding "
    f"(they need {Audience.ICS_WIDE.needs})."
)


def words(text: str) -> str:
    """Text with its whitespace (HTML indentation, PDF line breaks) as single spaces."""
    return " ".join(text.split())


def pdf_text(pdf: bytes) -> str:
    run = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True)
    return words(run.stdout.decode())


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
        "prevalence",
        "funding_workforce",
        "case_finding",
    ]
    assert set(body["figures"]) == set(dorset["figures"])
    for key, figure in dorset["figures"].items():
        assert raw(body["figures"][key]["value"]) == raw(figure["value"]), key
    json.dumps(body)  # plain JSON all through


@pytest.mark.parametrize(("role", "scope"), REDUCED)
def test_roles_refused_the_ics_pages_get_the_report_without_those_sections(client_as, role, scope):
    client = client_as(role, **scope)
    assert client.get("/ics/11J/funding").status_code == 403  # the rule the report follows
    assert client.get("/ics/11J/cohorts").status_code == 403
    body = client.get("/api/v1/ics/11J/report?date=2019-12-01").json()
    assert [s["key"] for s in body["sections"]] == PUBLIC
    assert [s["key"] for s in body["left_out"]] == ICS_WIDE
    assert {s["needs"] for s in body["left_out"]} == {Audience.ICS_WIDE.needs}
    assert not [key for key in body["figures"] if key.split(".")[0] in ICS_WIDE]
    assert not [p for p in body["provenance"] if p["section"] in ICS_WIDE]
    for path in ("/ics/11J/report", "/ics/11J/report.html"):
        text = client.get(f"{path}?date=2019-12-01").text
        assert NOTE in words(text), path
        assert 'data-section="practices_networks"' in text
        for key in ICS_WIDE:
            assert f'data-section="{key}"' not in text and f'data-figure="{key}.' not in text


def test_the_pdf_follows_the_roles_too(pdftotext, client_as, dorset):
    reduced = client_as("practice_user", practice="J81019").get("/ics/11J/report.pdf")
    assert reduced.status_code == 200
    text = pdf_text(reduced.content)
    assert NOTE in text
    assert "Care Quality Commission ratings" in text
    assert "Investment and Impact Fund" not in text  # the funding section's text
    assert "eFI" not in text  # the case-finding section's
    full = pdf_text(client_as("ics_analyst").get("/ics/11J/report.pdf").content)
    assert "Left out for your role" not in full
    assert "Investment and Impact Fund" in full and "eFI" in full


@pytest.mark.parametrize(("role", "scope"), FULL)
def test_roles_that_may_see_the_ics_pages_get_every_section(client_as, role, scope):
    client = client_as(role, **scope)
    body = client.get("/api/v1/ics/11J/report").json()
    assert [s["key"] for s in body["sections"]] == PUBLIC + ICS_WIDE
    assert body["left_out"] == []
    html = client.get("/ics/11J/report.html").text
    assert "Left out for your role" not in html
    assert all(f'data-section="{key}"' in html for key in ICS_WIDE)


def test_a_full_and_a_reduced_report_are_cached_apart(client_as):
    day = "2019-11-01"  # asked nowhere else, so the full report is cached first
    full = client_as("admin").get(f"/api/v1/ics/11J/report?date={day}").json()
    reduced = client_as("practice_user", practice="J81019")
    answer = reduced.get(f"/api/v1/ics/11J/report?date={day}").json()
    assert "funding_workforce" in [s["key"] for s in full["sections"]]
    assert [s["key"] for s in answer["sections"]] == PUBLIC
    html = reduced.get(f"/ics/11J/report.html?date={day}").text
    assert 'data-section="funding_workforce"' not in html


@pytest.mark.parametrize(
    ("path", "action"),
    [
        ("/ics/11J/report", "report.view"),
        ("/ics/11J/report.html", "report.download"),
        ("/ics/11J/report.pdf", "report.download"),
        ("/api/v1/ics/11J/report", "report.download"),
    ],
)
def test_every_view_and_download_of_the_report_is_audited(app, client_as, path, action):
    def rows():
        found = entries(app.state.appdb, limit=10_000)
        return [r for r in found if r.route == path and r.action.startswith("report.")]

    before = len(rows())
    assert client_as("practice_user", practice="J81019").get(path).status_code == 200
    assert client_as("ics_analyst").get(f"{path}?date=2019-12-01").status_code == 200
    new = rows()[: len(rows()) - before]  # newest first
    assert [(r.action, r.rows) for r in new] == [(action, 0), (action, 0)]
    analyst, user = new
    assert analyst.username.startswith("ics_analyst-")
    assert user.username.startswith("practice_user-")
    assert user.scope == "ics:11J:2019-12-01 sections=practices_networks,cqc,gpps,prevalence"
    assert analyst.scope == "ics:11J:2019-12-01 sections=" + ",".join(PUBLIC + ICS_WIDE)


def test_the_route_matrix_expects_every_role_to_get_the_report_routes(app):
    # tests/web/test_route_matrix.py walks every route; it asks these for every role and
    # expects 200, the sections being chosen inside the report rather than refused
    report = [r for r in routes_of(app) if "/report" in getattr(r, "path", "")]
    assert {r.path for r in report} == {
        "/ics/{ics}/report",
        "/ics/{ics}/report.html",
        "/ics/{ics}/report.pdf",
        "/api/v1/ics/{ics}/report",
    }
    for route in report:
        (need,) = declared(route)
        assert need.roles == set(Role), route.path


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
