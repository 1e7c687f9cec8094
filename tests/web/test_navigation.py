"""Each role lands in its own world and is never shown a link to a page it may not open.

A PCN manager of U42510 starts on their PCN, a practice user of J81019 on their practice,
admins and ICS analysts on the ICS overview. The menu lists only pages the role may open, and
every page link on the pages it reaches from the menu opens for that role (no 403 behind a link).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

LINK = re.compile(r'<a[^>]*\shref="(/[^"#]*)"')
MENU = re.compile(r'class="nhsuk-header__navigation-link" href="([^"]+)">([^<]+)<')
NOT_PAGES = ("/api/", "/static/", "/openapi.json", "/logout")


def menu_of(html: str) -> list[tuple[str, str]]:
    return MENU.findall(html)


def page_links(html: str) -> set[str]:
    """Links to the app's own pages (not downloads, the API or static files)."""
    found = set()
    for href in LINK.findall(html.replace("&amp;", "&")):
        path = urlsplit(href).path
        if path.startswith(NOT_PAGES) or path.endswith((".csv", ".pdf", ".html")):
            continue
        found.add(href)
    return found


@pytest.mark.parametrize(
    ("role", "scope", "home"),
    [
        ("admin", {}, "/ics/11J"),
        ("ics_analyst", {}, "/ics/11J"),
        ("pcn_manager", {"pcn": "U42510"}, "/pcns/U42510"),
        ("practice_user", {"practice": "J81019"}, "/practices/J81019"),
    ],
)
def test_each_role_lands_on_its_own_home(client_as, role, scope, home):
    client = client_as(role, **scope)
    got = client.get("/", follow_redirects=False)
    assert got.status_code == 303
    assert got.headers["location"] == home
    assert client.get(home).status_code == 200


def test_the_menu_of_a_pcn_manager_is_their_pcn_and_the_public_pages(client_as):
    html = client_as("pcn_manager", pcn="U42510").get("/pcns/U42510").text
    assert menu_of(html) == [
        ("/pcns/U42510", "My PCN"),
        ("/pcns/U42510/cohorts", "Case-finding"),
        ("/pcns/U42510/funding", "Funding"),
        ("/pcns/U42510/arrs", "ARRS planner"),
        ("/ics/11J", "ICS overview"),
        ("/ics/11J/quality", "Quality"),
        ("/ics/11J/prevalence", "Prevalence"),
        ("/ics/11J/access", "Access"),
    ]


def test_the_menu_of_a_practice_user_starts_with_their_practice(client_as):
    html = client_as("practice_user", practice="J81019").get("/practices/J81019").text
    assert menu_of(html)[:2] == [("/practices/J81019", "My practice"), ("/pcns/U42510", "Our PCN")]
    assert ("/ics/11J/funding", "Funding") not in menu_of(html)


def test_only_admins_see_the_admin_menu_item(client_as):
    admin = menu_of(client_as("admin").get("/ics/11J").text)
    analyst = menu_of(client_as("ics_analyst").get("/ics/11J").text)
    assert ("/admin/audit", "Admin") in admin
    assert [link for link in admin if link[1] != "Admin"] == analyst


@pytest.mark.parametrize(
    ("role", "scope"),
    [
        ("admin", {}),
        ("ics_analyst", {}),
        ("pcn_manager", {"pcn": "U42510"}),
        ("practice_user", {"practice": "J81019"}),
    ],
)
def test_every_menu_page_opens_for_its_role(client_as, role, scope):
    client = client_as(role, **scope)
    menu = menu_of(client.get("/", follow_redirects=True).text)
    assert menu
    for href, label in menu:
        assert client.get(href).status_code == 200, (label, href)


@pytest.mark.parametrize(
    ("role", "scope"),
    [("pcn_manager", {"pcn": "U42510"}), ("practice_user", {"practice": "J81019"})],
)
def test_no_link_on_a_reachable_page_leads_to_a_refusal(client_as, role, scope):
    """Every page link on the menu's pages opens (the ICS overview links only the manager's
    own PCN, the quality page only the practices the user may open, ...)."""
    client = client_as(role, **scope)
    menu = [href for href, _ in menu_of(client.get("/", follow_redirects=True).text)]
    # the ICS-wide pages a manager of a PCN in the ICS may also open (not in their menu)
    wider = ["/ics/11J/cohorts", "/ics/11J/funding", "/ics/11J/workforce", "/ics/11J/formation"]
    menu += [href for href in wider if client.get(href).status_code == 200]
    links: set[str] = set()
    for href in menu:
        links |= page_links(client.get(href).text)
    assert links
    refused = sorted(href for href in links if client.get(href).status_code == 403)
    assert not refused, f"{role} is shown links to pages it may not open: {refused}"


def test_the_ics_overview_links_a_pcn_manager_to_their_own_pcn_only(client_as):
    html = client_as("pcn_manager", pcn="U42510").get("/ics/11J").text
    table = html[html.index('id="pcn-table"') :]
    assert set(re.findall(r'href="/pcns/(U\d{5})"', table)) == {"U42510"}
    assert "U19923" in table  # the other PCNs are still listed, by name and code


def test_a_refusal_shows_only_the_public_menu(client_as):
    """A 403 page names no PCN or practice, not even the user's own, in its menu."""
    got = client_as("pcn_manager", pcn="U42510").get("/pcns/U19923")
    assert got.status_code == 403
    assert menu_of(got.text) == [
        ("/ics/11J", "ICS overview"),
        ("/ics/11J/quality", "Quality"),
        ("/ics/11J/prevalence", "Prevalence"),
        ("/ics/11J/access", "Access"),
    ]
