"""A user's journey in a real browser: log in, read the ICS overview, sort, choose another date
(an htmx partial update), drill down, log out.

Each step saves a screenshot to tests/artefacts/ (named e2e-NN-step.png), and the whole journey
must run without a JavaScript error or a Content-Security-Policy violation in the console.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.e2e

# Dorset examples: BLANDFORD PCN and one of its member practices.
PCN = "U42510"
PRACTICE = "J81019"

NUMBER = re.compile(r"-?[\d,]+")


def shot(page: Any, artefacts: Path, name: str) -> None:
    page.screenshot(path=str(artefacts / f"e2e-{name}.png"), full_page=True)


def column_values(table: Any, index: int) -> list[str]:
    """The text of one column of a table's body, in display order."""
    return table.locator("tbody tr").evaluate_all(
        f"rows => rows.map(r => r.cells[{index}].innerText.trim())"
    )


def as_number(text: str) -> int:
    match = NUMBER.search(text)
    assert match, f"no number in {text!r}"
    return int(match.group().replace(",", ""))


def test_log_in_see_map_and_table_sort_open_pcn_and_practice_log_out(
    browser: Any, e2e_server: Any, artefacts: Path, log_in: Any
) -> None:
    base = e2e_server.base_url
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on(
        "response",
        lambda response: (
            problems.append(f"HTTP {response.status}: {response.url}")
            if response.status >= 400 and not response.url.endswith("/favicon.ico")
            else None
        ),
    )
    page.on(
        "console",
        lambda message: (
            problems.append(f"console {message.type}: {message.text}")
            # failed loads are reported with their URL by the response hook above
            if message.type == "error" and not message.text.startswith("Failed to load resource")
            else None
        ),
    )
    try:
        # 1. The login page, then the ICS overview it leads to.
        page.goto(f"{base}/ics/11J")
        assert "/login" in page.url, "an anonymous visit must be sent to the login page"
        shot(page, artefacts, "01-login")
        log_in(page, base, e2e_server.admin)
        page.goto(f"{base}/")
        page.wait_for_load_state("networkidle")
        assert page.url.endswith("/ics/11J")

        # 2. The map: a Leaflet container with the PCN areas drawn as SVG paths.
        page.wait_for_selector("#map.leaflet-container path.leaflet-interactive")
        paths = page.locator("#map path.leaflet-interactive").count()
        assert paths >= 18, f"expected Dorset's 18 PCN areas on the map, found {paths} paths"
        # Every focusable area and dot has a name, and a skip link leads past the map.
        unnamed = page.locator("#map path.leaflet-interactive:not([aria-label])").count()
        assert unnamed == 0, f"{unnamed} map shapes have no accessible name"
        assert "POOLE" in " ".join(
            page.locator("#map path.leaflet-interactive").evaluate_all(
                "els => els.map(e => e.getAttribute('aria-label'))"
            )
        )
        skip = page.locator('a[href="#after-map"]')
        assert skip.count() == 1 and page.locator("#after-map").count() == 1
        table = page.locator("table[data-sortable]").first
        codes_before = column_values(table, 0)
        assert len(codes_before) == 18, codes_before
        shot(page, artefacts, "02-ics-overview")

        # 3. Sort the PCN table by registered patients: the order changes and is sorted.
        headers = table.locator("thead th")
        names = [text.strip().lower() for text in headers.all_inner_texts()]
        column = next(i for i, name in enumerate(names) if "registered" in name)
        header = headers.nth(column)
        header.locator("button").click()
        page.wait_for_function(
            "th => ['ascending', 'descending'].includes(th.getAttribute('aria-sort'))",
            arg=header.element_handle(),
        )
        direction = header.get_attribute("aria-sort")
        registered = [as_number(text) for text in column_values(table, column)]
        expected = sorted(registered, reverse=direction == "descending")
        assert registered == expected, f"not sorted {direction}: {registered}"
        codes_after = column_values(table, 0)
        assert codes_after != codes_before, "sorting did not change the order of the PCNs"
        assert sorted(codes_after) == sorted(codes_before)
        header.locator("button").click()
        page.wait_for_function(
            "([th, before]) => th.getAttribute('aria-sort') !== before",
            arg=[header.element_handle(), direction],
        )
        reversed_ = [as_number(text) for text in column_values(table, column)]
        assert reversed_ == sorted(registered, reverse=direction != "descending")
        shot(page, artefacts, "03-ics-sorted-by-registered")

        # 3b. Choose another date: htmx swaps only the overview region (no navigation, so a
        # marker on window survives), pushes the page's own URL, and the new table still sorts.
        page.evaluate("window.__noFullNavigation = true")
        page.fill("#overview-date", "2019-10-01")
        with page.expect_response(lambda r: "/partials/overview?date=2019-10-01" in r.url):
            page.get_by_role("button", name="Show", exact=True).click()
        region = page.locator("#ics-overview")
        region.get_by_text("on 1 October 2019", exact=False).first.wait_for()
        assert page.evaluate("window.__noFullNavigation === true"), "the whole page reloaded"
        page.wait_for_url(re.compile(r"/ics/11J\?date=2019-10-01$"))
        assert region.get_attribute("aria-live") == "polite"
        csv = region.locator("a[href*='pcns.csv']").get_attribute("href")
        assert csv is not None and csv.endswith("date=2019-10-01")
        table = region.locator("table[data-sortable]")
        assert len(column_values(table, 0)) == 18
        header = table.locator("thead th").nth(column)
        header.locator("button").click()
        page.wait_for_function(
            "th => th.getAttribute('aria-sort') === 'ascending'", arg=header.element_handle()
        )
        shot(page, artefacts, "03b-ics-on-another-date")

        # 4. Open a PCN from the table.
        page.locator(f"main a[href$='/pcns/{PCN}']").first.click()
        page.wait_for_load_state("networkidle")
        assert page.url.endswith(f"/pcns/{PCN}")
        assert "BLANDFORD" in page.locator("h1").inner_text().upper()
        page.wait_for_selector(".chart[data-spec-url] svg, .chart[data-spec-url] canvas")
        shot(page, artefacts, "04-pcn")

        # 5. Open one of its member practices.
        page.locator(f"main a[href$='/practices/{PRACTICE}']").first.click()
        page.wait_for_load_state("networkidle")
        assert page.url.endswith(f"/practices/{PRACTICE}")
        assert PRACTICE in page.locator("main").inner_text()
        shot(page, artefacts, "05-practice")

        # 6. Log out: back to the login page, and the pages are closed again.
        page.get_by_role("button", name=re.compile("log out", re.I)).or_(
            page.get_by_role("link", name=re.compile("log out", re.I))
        ).first.click()
        page.wait_for_load_state("networkidle")
        assert "/login" in page.url or page.locator("input[name=password]").count() == 1
        page.goto(f"{base}/ics/11J")
        assert "/login" in page.url, "after logging out the ICS page must ask for a log-in"
        shot(page, artefacts, "06-logged-out")
    finally:
        context.close()
        problems = list(dict.fromkeys(problems))  # each distinct problem once
        print("browser console problems:", *problems, sep="\n  ")  # shown when a step fails
    assert not problems, "the browser reported problems:\n" + "\n".join(problems)
