"""A slow answer in a real browser: the page answers at once with its progress (a progress bar
and the step under way, no serious or critical axe violation), then opens the answer by itself
when the job is done, with no JavaScript error, CSP violation or failed request on the way.

The e2e server's app waits for answers by default; here its board answers at once (wait 0)
for a date no other test asks for, so the progress page is what the browser gets first.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from openpcn.web.kit.jobs import board_of

pytestmark = pytest.mark.e2e

CHART = ".app-spec-chart[data-chart-drawn] svg"


@pytest.fixture
def at_once(e2e_server: Any) -> Iterator[None]:
    board = board_of(e2e_server.app.state)
    kept, board.wait = board.wait, 0.0
    try:
        yield
    finally:
        board.wait = kept


def test_a_slow_page_shows_its_progress_then_opens_itself(
    e2e_server: Any,
    admin_state: dict[str, Any],
    watched_page: Any,
    artefacts: Path,
    at_once: None,
) -> None:
    url = f"{e2e_server.base_url}/ics/11J/cohorts?date=2019-11-05"
    with watched_page(admin_state, timeout=60_000) as page:
        response = page.goto(url)
        assert response is not None and response.status == 202
        assert page.locator("h1").inner_text() == "Working it out"
        assert page.locator("progress.app-job__bar").count() == 1
        assert "Case-finding counts for 11J on 5 November 2019" in page.inner_text("main")
        page.screenshot(path=str(artefacts / "e2e-jobs-01-progress.png"), full_page=True)
        page.wait_for_selector(CHART)  # htmx polled the job and opened the page
        assert page.url == url
        assert page.locator("h1").inner_text() != "Working it out"


def test_the_progress_page_has_no_serious_accessibility_problem(
    browser: Any, e2e_server: Any, admin_state: dict[str, Any], axe_blocking: Any, at_once: None
) -> None:
    context = browser.new_context(bypass_csp=True, storage_state=admin_state)
    try:
        page = context.new_page()
        response = page.goto(f"{e2e_server.base_url}/cohorts/risk-model?date=2019-11-06")
        assert response is not None and response.status == 202
        blocking = axe_blocking(page)
        assert not blocking, f"axe found on the progress page:\n{blocking}"
    finally:
        context.close()
