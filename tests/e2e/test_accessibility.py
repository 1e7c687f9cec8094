"""Every page passes axe-core (WCAG 2.2 A/AA rules) in a real browser: no serious or critical
violations. axe is injected from the vendored npm file; its context bypasses the CSP only so the
injected script may run (the pages themselves are tested under the CSP in test_journey.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.e2e

PCN = "U42510"
PRACTICE = "J81019"

PAGES = {
    "login": "/login",
    "ics": "/ics/11J",
    "formation": "/ics/11J/formation",
    "pcn": f"/pcns/{PCN}",
    "practice": f"/practices/{PRACTICE}",
    "admin-audit": "/admin/audit",
}


@pytest.mark.parametrize("name", list(PAGES))
def test_page_has_no_serious_accessibility_violations(
    name: str,
    browser: Any,
    e2e_server: Any,
    admin_state: dict[str, Any],
    artefacts: Path,
    axe_blocking: Any,
) -> None:
    state = None if name == "login" else admin_state
    context = browser.new_context(bypass_csp=True, storage_state=state)
    try:
        page = context.new_page()
        response = page.goto(e2e_server.base_url + PAGES[name])
        assert response is not None and response.status == 200, f"{PAGES[name]} did not open"
        assert "/login" in page.url if name == "login" else "/login" not in page.url
        page.wait_for_load_state("networkidle")
        blocking = axe_blocking(page)
        page.screenshot(path=str(artefacts / f"axe-{name}.png"), full_page=True)
    finally:
        context.close()
    assert not blocking, f"axe found on {PAGES[name]}:\n{blocking}"
