"""The case-finding pages in a real browser: the ICS view draws its eFI chart and sorts its
tables, the PCN dashboard draws its htmx-loaded trend chart, and a worklist sorts and downloads
its CSV (sorted on the server: it is paged), all without a JavaScript error, CSP violation or
failed request; at 390 px a worklist's table scrolls sideways in its focusable region rather
than wrapping each reason to a word a line; the ICS view, a PCN dashboard with its trend, a
worklist, a combined list and the risk model card have no serious or critical axe (WCAG 2.2
A/AA) violation. Worklists are opened as the e2e server's pcn_manager of U42510.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.e2e

PCN = "U42510"
CHART = ".app-spec-chart[data-chart-drawn] svg"
TREND_CHART = "#trend-chart[data-chart-drawn] svg"
COHORT = "smr-01c-addictive-medicines"  # has rows for U42510 in the 1% warehouse
WORKLIST = f"/pcns/{PCN}/cohorts/{COHORT}"
COMBINED = f"/pcns/{PCN}/specs/smr/worklist"  # one row per person, each cohort's reason


def test_the_ics_cohorts_page_draws_its_chart_and_sorts_its_tables(
    e2e_server: Any,
    admin_state: dict[str, Any],
    artefacts: Path,
    watched_page: Any,
) -> None:
    with watched_page(admin_state, timeout=20_000) as page:
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


@pytest.mark.parametrize(
    ("name", "path", "ready"),
    [
        ("cohorts-ics", "/ics/11J/cohorts", CHART),
        ("cohorts-pcn", f"/pcns/{PCN}/cohorts", TREND_CHART),
        ("cohorts-risk-model", "/cohorts/risk-model", CHART),
    ],
)
def test_case_finding_pages_have_no_serious_accessibility_violations(
    name: str, path: str, ready: str, axe_as_admin: Any
) -> None:
    blocking = axe_as_admin(name, path, ready, timeout=20_000)
    assert not blocking, f"axe found on {path}:\n{blocking}"


def test_a_worklist_has_no_serious_accessibility_violations(
    axe_as_admin: Any, manager_state: dict[str, Any]
) -> None:
    blocking = axe_as_admin(
        "cohorts-worklist", WORKLIST, "#worklist-table tbody tr", state=manager_state
    )
    assert not blocking, f"axe found on {WORKLIST}:\n{blocking}"


def test_the_pcn_dashboard_of_its_manager_has_no_serious_accessibility_violations(
    axe_as_admin: Any, manager_state: dict[str, Any]
) -> None:
    path = f"/pcns/{PCN}/cohorts?date=2020-03-01"  # exact counts, two dates in the trend
    blocking = axe_as_admin("cohorts-pcn-manager", path, TREND_CHART, state=manager_state)
    assert not blocking, f"axe found on {path}:\n{blocking}"


def test_a_worklist_sorts_and_downloads_its_csv(
    e2e_server: Any,
    manager_state: dict[str, Any],
    artefacts: Path,
    watched_page: Any,
) -> None:
    """Sorting is the server's (the list is paged): a header link reloads the page in the new
    order, and its aria-sort says which."""
    with watched_page(manager_state, timeout=20_000, accept_downloads=True) as page:
        page.goto(f"{e2e_server.base_url}{WORKLIST}")
        ids = page.locator("#worklist-table tbody th")
        assert ids.count() > 1
        header = page.locator("#worklist-table thead th").first  # Patient (pseudonym)
        for order in ("ascending", "descending"):
            with page.expect_navigation():
                header.locator("a").click()
            header = page.locator("#worklist-table thead th").first
            assert header.get_attribute("aria-sort") == order
            assert ("sort=-patient" in page.url) == (order == "descending")
            shown = ids.all_inner_texts()
            assert shown == sorted(shown, reverse=order == "descending")
        with page.expect_download() as info:
            page.locator("#worklist-count a[download]").click()
        download = info.value
        assert download.suggested_filename.startswith(f"worklist-{PCN}-{COHORT}-")
        lines = Path(download.path()).read_text("utf-8").splitlines()
        assert lines[0] == "patient_id,practice_code,cohort,reason"
        assert len(lines) == ids.count() + 1
        page.screenshot(path=str(artefacts / "e2e-cohorts-02-worklist.png"), full_page=True)


@pytest.mark.parametrize("path", [WORKLIST, COMBINED])
def test_a_worklist_at_390_px_scrolls_sideways_instead_of_wrapping_its_reasons(
    path: str,
    e2e_server: Any,
    manager_state: dict[str, Any],
    artefacts: Path,
    watched_page: Any,
) -> None:
    with watched_page(manager_state, timeout=20_000) as page:
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(f"{e2e_server.base_url}{path}")
        region = page.locator(".app-worklist-scroll")
        assert region.get_attribute("tabindex") == "0"
        assert region.get_attribute("role") == "region"
        assert region.evaluate("r => r.scrollWidth > r.clientWidth")  # the table scrolls
        lines = page.locator("#worklist-table td.app-reason").evaluate_all(
            "cells => cells.map(c => { const li = c.querySelector('li');"
            " const line = parseFloat(getComputedStyle(li || c).lineHeight);"
            " return Math.max(...Array.from(li ? c.querySelectorAll('li') : [c],"
            " e => Math.round(e.getBoundingClientRect().height / line))); })"
        )
        assert lines and max(lines) <= 5, lines  # was 20 lines at 390 px
        region.focus()
        page.keyboard.press("ArrowRight")
        page.wait_for_function("r => r.scrollLeft > 0", arg=region.element_handle())
        name = "worklist" if path == WORKLIST else "combined"
        page.screenshot(path=str(artefacts / f"e2e-cohorts-04-{name}-390.png"), full_page=True)


def test_the_combined_list_has_no_serious_accessibility_violations(
    axe_as_admin: Any, manager_state: dict[str, Any]
) -> None:
    blocking = axe_as_admin(
        "cohorts-combined", COMBINED, "#worklist-table tbody tr", state=manager_state
    )
    assert not blocking, f"axe found on {COMBINED}:\n{blocking}"


def test_the_pcn_dashboard_draws_its_trend_and_redraws_it_for_another_step(
    e2e_server: Any,
    manager_state: dict[str, Any],
    artefacts: Path,
    watched_page: Any,
) -> None:
    with watched_page(manager_state, timeout=30_000) as page:
        page.goto(f"{e2e_server.base_url}/pcns/{PCN}/cohorts?date=2020-03-01")
        page.wait_for_selector(TREND_CHART)  # loaded by htmx, drawn by spec-charts.js
        canvas = page.locator("#trend-chart .app-chart-canvas")
        assert (canvas.get_attribute("aria-label") or "").startswith("Line charts of")
        dates = page.locator("#trend-table thead th")
        assert dates.count() == 1 + 2  # 2019-12-01 and 2020-03-01: earlier, no PCN yet
        assert "before the PCN opened" in page.locator("#trend-left-out").inner_text()
        page.select_option("#trend-step", "1")
        page.locator("#trend-form button[type=submit]").click()
        page.wait_for_function("() => document.querySelectorAll('#trend-table thead th')"
                               ".length === 1 + 6")  # fmt: skip
        page.wait_for_selector(TREND_CHART)
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(artefacts / "e2e-cohorts-03-trend.png"), full_page=True)
