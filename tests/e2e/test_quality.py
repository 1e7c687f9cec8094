"""The quality pages in a real browser: the ICS quality page draws its ratings chart and one
funnel plot per survey measure (SVG, with the spec's title as the accessible name), its
practice table sorts, the PCN page loads its quality section by htmx, all without a JavaScript
error or CSP violation; and axe finds no serious or critical WCAG 2.2 A/AA violation.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.e2e

PCN = "U42510"


def test_quality_page_draws_its_charts_and_sorts_its_tables(
    e2e_server: Any,
    admin_state: dict[str, Any],
    artefacts: Path,
    watched_page: Any,
) -> None:
    with watched_page(admin_state, timeout=15_000) as page:
        page.goto(f"{e2e_server.base_url}/ics/11J/quality")
        assert "/login" not in page.url
        page.wait_for_selector(".app-funnel[data-chart-drawn] svg")
        page.wait_for_function(
            "() => [...document.querySelectorAll('.app-spec-chart')]"
            ".every(el => el.hasAttribute('data-chart-drawn'))"
        )
        funnels = page.locator(".app-funnel svg")
        assert funnels.count() == 2  # appointment_good and overall_good
        # vega-embed makes the spec's description the chart's accessible name
        canvas = page.locator("#section-overall_good .app-chart-canvas")
        assert re.match(
            r"(Funnel|Spread) plot of 81 practices'", canvas.get_attribute("aria-label")
        )
        assert canvas.get_attribute("role") == "graphics-document"
        svg = page.locator("#section-overall_good .app-funnel svg").inner_html()
        assert "Good overall experience of the GP practice: practices of NHS DORSET CCG" in svg
        # one mark per practice with a value: 81 points in the Dorset overall_good funnel
        points = page.locator("#section-overall_good .app-funnel svg g.mark-symbol.role-mark path")
        assert points.count() == 81
        ratings = page.locator(".app-spec-chart:not(.app-funnel) .app-chart-canvas")
        assert "one per PCN (18 PCNs)" in (ratings.get_attribute("aria-label") or "")
        page.screenshot(path=str(artefacts / "e2e-quality-01-page.png"), full_page=True)

        table = page.locator("#practices-overall_good")
        header = table.locator("thead th").nth(2)  # Value
        header.locator("button").click()
        page.wait_for_function(
            "th => th.getAttribute('aria-sort') === 'ascending'", arg=header.element_handle()
        )
        values = table.locator("tbody tr").evaluate_all(
            "rows => rows.map(r => parseFloat(r.cells[2].getAttribute('data-sort-value')))"
        )
        assert values == sorted(values) and len(values) == 81

        page.goto(f"{e2e_server.base_url}/pcns/{PCN}")
        page.wait_for_selector("#pcn-quality #pcn-ratings-table")
        rows = page.locator("#pcn-ratings-table tbody tr")
        assert rows.count() == 2
        page.locator("#pcn-quality").scroll_into_view_if_needed()
        page.screenshot(path=str(artefacts / "e2e-quality-02-pcn.png"), full_page=True)


@pytest.mark.parametrize(
    ("name", "path", "ready"),
    [
        ("quality", "/ics/11J/quality", ".app-funnel[data-chart-drawn] svg"),
        ("pcn-quality", f"/pcns/{PCN}", "#pcn-ratings-table"),
        ("practice-quality", "/practices/J81002", "#practice-gpps-table"),
    ],
)
def test_quality_pages_have_no_serious_accessibility_violations(
    name: str, path: str, ready: str, axe_as_admin: Any
) -> None:
    blocking = axe_as_admin(name, path, ready, status=200)
    assert not blocking, f"axe found on {path}:\n{blocking}"
