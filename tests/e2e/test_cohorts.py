"""The case-finding pages in a real browser: the ICS view draws its eFI chart and sorts its
tables without a JavaScript error, CSP violation or failed request; the ICS view, a PCN
dashboard and the risk model card have no serious or critical axe (WCAG 2.2 A/AA) violation.

The worklist pages need a pcn_manager or practice_user account, which the e2e server does not
make; their markup is checked in tests/web/test_cohorts_pages.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.e2e

PCN = "U42510"
CHART = ".app-spec-chart[data-chart-drawn] svg"


def test_the_ics_cohorts_page_draws_its_chart_and_sorts_its_tables(
    browser: Any,
    e2e_server: Any,
    admin_state: dict[str, Any],
    artefacts: Path,
    watch: Any,
) -> None:
    context = browser.new_context(
        storage_state=admin_state, viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(20_000)
    page = context.new_page()
    problems = watch(page)
    try:
        page.goto(f"{e2e_server.base_url}/ics/11J/cohorts")
        assert "/login" not in page.url
        page.wait_for_selector(CHART)
        canvas = page.locator(".app-spec-chart .app-chart-canvas")
        assert (canvas.get_attribute("aria-label") or "").startswith("Stacked bars of people")
        assert "counts of 1-7 hidden" in page.locator("#disclosure-note").inner_text()
        rows = page.locator("#efi-table tbody tr")
        assert rows.count() == 18
        header = page.locator("#efi-table thead th").last  # severe
        header.locator("button").click()
        page.wait_for_function(
            "th => th.getAttribute('aria-sort') === 'ascending'", arg=header.element_handle()
        )
        severe = rows.evaluate_all(
            "rows => rows.map(r => parseFloat(r.cells[r.cells.length - 1]"
            ".getAttribute('data-sort-value')))"
        )
        assert severe == sorted(severe)
        page.screenshot(path=str(artefacts / "e2e-cohorts-01-ics.png"), full_page=True)
    finally:
        context.close()
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("name", "path", "ready"),
    [
        ("cohorts-ics", "/ics/11J/cohorts", CHART),
        ("cohorts-pcn", f"/pcns/{PCN}/cohorts", "#cohorts-table"),
        ("cohorts-risk-model", "/cohorts/risk-model", CHART),
    ],
)
def test_case_finding_pages_have_no_serious_accessibility_violations(
    name: str, path: str, ready: str, axe_as_admin: Any
) -> None:
    blocking = axe_as_admin(name, path, ready, timeout=20_000)
    assert not blocking, f"axe found on {path}:\n{blocking}"
