"""A journey per role in a real browser: log in through the form, land on the role's own home,
open every page of its menu (each answers 200, draws without a script error), and axe finds no
serious or critical WCAG 2.2 A/AA violation on any of them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.e2e

EMPTY_STATE: dict[str, Any] = {"cookies": [], "origins": []}

ROLES = {
    "admin": ("/ics/11J", "Admin"),
    "analyst": ("/ics/11J", "Report"),
    "manager": ("/pcns/U42510", "ARRS planner"),
    "practice": ("/practices/J81019", "My practice"),
}
# A full walk takes a minute or more a role on 2 cores, so the walks are the `long` suite
# (`make test-long`); in `make test` the route matrix opens every route as every role and each
# capability's own browser tests draw its pages and run axe on them.


@pytest.mark.long
@pytest.mark.parametrize("who", list(ROLES))
def test_each_role_lands_on_its_home_and_walks_its_menu(
    who: str,
    e2e_server: Any,
    watched_page: Any,
    log_in: Any,
    axe_blocking: Any,
    artefacts: Path,
) -> None:
    base = e2e_server.base_url
    home, expected_link = ROLES[who]
    blocking: dict[str, str] = {}
    with watched_page(EMPTY_STATE, timeout=30_000, bypass_csp=True) as page:
        log_in(page, base, getattr(e2e_server, who))
        assert page.url == base + home, page.url
        menu = page.locator("a.nhsuk-header__navigation-link")
        links = [(menu.nth(i).inner_text().strip(), menu.nth(i).get_attribute("href"))
                 for i in range(menu.count())]  # fmt: skip
        assert expected_link in [label for label, _ in links], links
        for label, href in links:
            response = page.goto(base + href)
            assert response is not None and response.status == 200, (label, href)
            page.wait_for_load_state("networkidle")
            blocking[f"{label} ({href})"] = axe_blocking(page)
        page.screenshot(path=str(artefacts / f"e2e-role-{who}.png"), full_page=False)
    failing = {page: found for page, found in blocking.items() if found}
    assert not failing, "\n".join(f"{page}:\n{found}" for page, found in failing.items())
