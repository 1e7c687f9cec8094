"""The funding and workforce pages in a real browser: the ICS funding page draws its stacked
bar chart and sorts its table, the ARRS planner re-solves a what-if by htmx (and the address
bar gets the bookmarkable URL), the workforce page draws its chart, all without a JavaScript
error, CSP violation or failed request; and axe finds no serious or critical WCAG 2.2 A/AA
violation on any of them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.e2e

PCN = "U42510"


def test_funding_page_chart_and_table_then_the_planner_what_if(
    e2e_server: Any,
    admin_state: dict[str, Any],
    artefacts: Path,
    watched_page: Any,
) -> None:
    with watched_page(admin_state, timeout=15_000) as page:
        page.goto(f"{e2e_server.base_url}/ics/11J/funding?year=2020/21")
        assert "/login" not in page.url
        page.wait_for_selector(".app-spec-chart[data-chart-drawn] svg")
        canvas = page.locator(".app-spec-chart .app-chart-canvas")
        assert (canvas.get_attribute("aria-label") or "").startswith("Stacked bars of what each")
        rows = page.locator("#funding-table tbody tr")
        assert rows.count() >= 10
        header = page.locator("#funding-table thead th").nth(1)  # Total, beside the name
        assert header.inner_text().startswith("Total")
        header.locator("button").click()
        page.wait_for_function(
            "th => th.getAttribute('aria-sort') === 'ascending'", arg=header.element_handle()
        )
        totals = rows.evaluate_all(
            "rows => rows.map(r => parseFloat(r.cells[1].getAttribute('data-sort-value')))"
        )
        assert totals == sorted(totals)
        page.screenshot(path=str(artefacts / "e2e-funding-01-ics.png"), full_page=True)

        page.goto(f"{e2e_server.base_url}/pcns/{PCN}/arrs?year=2020/21")
        cell = page.locator('#plan-table tr[data-role="clinical_pharmacist"] td').first
        before = float(cell.inner_text())  # the default: pharmacists and link workers balanced
        page.fill("#w_clinical_pharmacist", "1")
        page.fill("#w_social_prescribing_link_worker", "0")
        page.locator("#re-plan").click()
        page.wait_for_function(
            "before => { const td = document.querySelector("
            "'#plan-table tr[data-role=\"clinical_pharmacist\"] td');"
            " return td !== null && parseFloat(td.textContent) > before; }",
            arg=before,
        )
        assert "w_clinical_pharmacist=1" in page.url  # htmx pushed the bookmarkable address
        assert page.locator("#what-if").count() == 1  # the form was not swapped away
        page.screenshot(path=str(artefacts / "e2e-funding-02-arrs.png"), full_page=True)

        page.goto(f"{e2e_server.base_url}/ics/11J/workforce")
        page.wait_for_selector(".app-spec-chart[data-chart-drawn] svg")
        page.screenshot(path=str(artefacts / "e2e-funding-03-workforce.png"), full_page=True)


@pytest.mark.parametrize(
    ("name", "path", "ready"),
    [
        ("funding", "/ics/11J/funding", ".app-spec-chart[data-chart-drawn] svg"),
        ("pcn-funding", f"/pcns/{PCN}/funding?basis=weighted", "#split-table"),
        ("arrs", f"/pcns/{PCN}/arrs?year=2021/22", "#plan-table"),
        ("arrs-refused", f"/pcns/{PCN}/arrs?fte_clinical_pharmacist=30", ".nhsuk-error-summary"),
        ("workforce", "/ics/11J/workforce", ".app-spec-chart[data-chart-drawn] svg"),
    ],
)
def test_funding_and_workforce_pages_have_no_serious_accessibility_violations(
    name: str, path: str, ready: str, axe_as_admin: Any
) -> None:
    blocking = axe_as_admin(name, path, ready)
    assert not blocking, f"axe found on {path}:\n{blocking}"
