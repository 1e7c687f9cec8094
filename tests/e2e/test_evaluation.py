"""The evaluation pages in a real browser: an analyst defines the planted integrated care team
study through the form, runs it from its page, and the page draws the love plot, the overlap
and the monthly charts under the CSP with no JavaScript error; axe finds no serious or
critical WCAG 2.2 A/AA violation on the list, the form or the study page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.e2e

NAME = "ict-e2e"


@pytest.fixture(scope="module")
def analyst_state(browser: Any, e2e_server: Any, log_in: Any) -> dict[str, Any]:
    context = browser.new_context()
    try:
        page = context.new_page()
        log_in(page, e2e_server.base_url, e2e_server.analyst)
        return context.storage_state()
    finally:
        context.close()


@pytest.fixture(scope="module")
def ran(browser: Any, e2e_server: Any, analyst_state: dict[str, Any], artefacts: Path) -> str:
    """The study defined through the form and run from its page; its path."""
    context = browser.new_context(storage_state=analyst_state)
    context.set_default_timeout(60_000)
    try:
        page = context.new_page()
        page.goto(f"{e2e_server.base_url}/ics/11J/evaluation")
        page.click("#evaluation-new-link")
        page.fill("#study-name", NAME)
        page.fill("#study-description", "Integrated care teams")
        page.click("button:has-text('Save the study')")
        page.wait_for_url(f"**/ics/11J/evaluation/{NAME}")
        page.click("button:has-text('Run the study')")
        page.wait_for_selector("#outcomes-table")
        return f"/ics/11J/evaluation/{NAME}"
    finally:
        context.close()


def test_the_study_page_draws_its_charts(
    e2e_server: Any, analyst_state: dict[str, Any], artefacts: Path, watched_page: Any, ran: str
) -> None:
    with watched_page(analyst_state, timeout=20_000) as page:
        page.goto(e2e_server.base_url + ran)
        page.wait_for_function(
            "() => [...document.querySelectorAll('.app-spec-chart')]"
            ".every(el => el.hasAttribute('data-chart-drawn'))"
        )
        outcomes = page.locator("#outcomes-table tbody tr").count()
        assert outcomes >= 2
        assert page.locator(".app-spec-chart svg").count() == 2 + outcomes  # love, overlap
        label = page.locator(".app-chart-canvas").first.get_attribute("aria-label") or ""
        assert "Love plot" in label
        assert page.locator("#study-caveats li").count() >= outcomes
        page.screenshot(path=str(artefacts / "e2e-evaluation-study.png"), full_page=True)


@pytest.mark.parametrize(
    ("name", "path", "ready"),
    [
        ("evaluation", "/ics/11J/evaluation", "h1"),
        ("evaluation-new", "/ics/11J/evaluation/new", "#study-name"),
        (
            "evaluation-study",
            f"/ics/11J/evaluation/{NAME}",
            ".app-spec-chart[data-chart-drawn] svg",
        ),
    ],
)
def test_evaluation_pages_have_no_serious_accessibility_violations(
    name: str, path: str, ready: str, axe_as_admin: Any, ran: str
) -> None:
    blocking = axe_as_admin(name, path, ready, status=200)
    assert not blocking, f"axe found on {path}:\n{blocking}"
