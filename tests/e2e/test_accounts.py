"""An admin's account journey in a real browser: add a user through the form (its password
shown once), open its page, disable it, and see the tokens list; axe finds no serious or
critical WCAG 2.2 A/AA violation on any of these pages, and the new user's copied session
stops working the moment the account is disabled."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.e2e


def test_add_a_user_open_it_disable_it_and_list_tokens(
    browser: Any,
    e2e_server: Any,
    admin_state: dict[str, Any],
    artefacts: Path,
    axe_blocking: Any,
    log_in: Any,
) -> None:
    base = e2e_server.base_url
    admin = browser.new_context(bypass_csp=True, storage_state=admin_state)
    admin.set_default_timeout(10_000)
    newcomer = browser.new_context()
    blocking: dict[str, str] = {}
    try:
        page = admin.new_page()
        page.goto(f"{base}/admin/users")
        blocking["users"] = axe_blocking(page)
        page.get_by_role("link", name="Add a user").click()
        assert page.url.endswith("/admin/users/new")
        blocking["new"] = axe_blocking(page)
        page.fill("#username", "e2e-newcomer")
        page.check("#role-pcn_manager")
        page.fill("#pcn", "U42510")
        page.get_by_role("button", name="Add the user").click()
        password = page.locator("#new-password").inner_text().strip()
        assert len(password) >= 20
        blocking["password"] = axe_blocking(page)
        page.screenshot(path=str(artefacts / "accounts-added.png"), full_page=True)

        # The newcomer logs in with the password shown once.
        theirs = newcomer.new_page()
        account = type(e2e_server.admin)("e2e-newcomer", password)
        log_in(theirs, base, account)

        page.get_by_role("link", name="Back to e2e-newcomer").click()
        assert re.search(r"/admin/users/\d+$", page.url)
        blocking["user"] = axe_blocking(page)
        page.get_by_role("button", name="Disable e2e-newcomer").click()
        page.wait_for_load_state("networkidle")
        assert "its sessions are ended" in page.locator("main").inner_text()
        page.screenshot(path=str(artefacts / "accounts-disabled.png"), full_page=True)

        theirs.goto(f"{base}/pcns/U42510")
        assert "/login" in theirs.url, "a disabled account's session must end at once"

        page.goto(f"{base}/admin/tokens")
        assert page.get_by_role("heading", name="API tokens").count() >= 1
        blocking["tokens"] = axe_blocking(page)
    finally:
        admin.close()
        newcomer.close()
    found = {name: text for name, text in blocking.items() if text}
    assert not found, f"axe found:\n{found}"
