"""The access page in a real browser: its four charts draw (SVG, the spec's description as the
accessible name), the month table sorts, no JavaScript error or CSP violation; and axe finds no
serious or critical WCAG 2.2 A/AA violation on it or on a PCN's access page.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.e2e

RANGE = "from=2019-03&to=2020-06"


def test_access_page_draws_its_charts_and_sorts_its_month_table(
    e2e_server: Any, admin_state: dict[str, Any], artefacts: Path, watched_page: Any
) -> None:
    with watched_page(admin_state, timeout=15_000) as page:
        page.goto(f"{e2e_server.base_url}/ics/11J/access?{RANGE}")
        assert "/login" not in page.url
        page.wait_for_function(
            "() => [...document.querySelectorAll('.app-spec-chart')]"
            ".every(el => el.hasAttribute('data-chart-drawn'))"
        )
        assert page.locator(".app-spec-chart svg").count() == 4
        label = page.locator(".app-chart-canvas").first.get_attribute("aria-label") or ""
        assert "per 1,000 patients" in label
        page.screenshot(path=str(artefacts / "e2e-access-01-page.png"), full_page=True)

        table = page.locator("#access-months-table")
        header = table.locator("thead th").nth(3)  # Per 1,000
        header.locator("button").click()
        page.wait_for_function(
            "th => th.getAttribute('aria-sort') === 'ascending'", arg=header.element_handle()
        )
        values = table.locator("tbody tr").evaluate_all(
            "rows => rows.map(r => parseFloat(r.cells[3].getAttribute('data-sort-value')))"
        )
        assert values == sorted(values) and len(values) == 16 + 12


@pytest.mark.parametrize(
    ("name", "path", "ready"),
    [
        ("access", f"/ics/11J/access?{RANGE}", ".app-spec-chart[data-chart-drawn] svg"),
        ("pcn-access", "/pcns/U42510/access", "#access-months-table"),
    ],
)
def test_access_pages_have_no_serious_accessibility_violations(
    name: str, path: str, ready: str, axe_as_admin: Any
) -> None:
    blocking = axe_as_admin(name, path, ready, status=200)
    assert not blocking, f"axe found on {path}:\n{blocking}"
