"""A real server and a real browser for the end-to-end tests.

One small warehouse (scale 0.01) and one app database per session, with an admin and the
pcn_manager of MANAGED_PCN (patient rights there: worklists, exact counts); the app runs under
uvicorn in a background thread on a free loopback port (plain http, so
OPENPCN_INSECURE_COOKIES=1), and Playwright drives Debian's Chromium, the `chromium` on the PATH
(`make test` installs it with apt).
Screenshots go to tests/artefacts/.
"""

from __future__ import annotations

import contextlib
import secrets
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium")  # Debian's apt package, as the Makefile installs it
ARTEFACTS = REPO / "tests" / "artefacts"
AXE = REPO / "src" / "openpcn" / "web" / "static" / "vendor" / "axe" / "axe.min.js"
MANAGED_PCN = "U42510"  # BLANDFORD PCN: practices J81019 and J81031
PRACTICE = "J81019"  # a member practice of MANAGED_PCN
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass(frozen=True)
class Account:
    username: str
    password: str


@dataclass(frozen=True)
class Server:
    base_url: str
    admin: Account
    manager: Account  # pcn_manager of MANAGED_PCN
    analyst: Account  # ics_analyst
    practice: Account  # practice_user of PRACTICE
    app: Any  # the app itself, for tests that change a setting of it for a while


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """To keep `make test` under 15 minutes, `make test-long` alone runs the axe checks of each
    capability's pages (`make test` keeps those of the core pages, test_accessibility.py, and
    every page is still drawn and driven by its capability's own browser test; each check
    loads a page and runs axe, 5-15 s on 2 cores) and the overflow checks at laptop width
    (`make test` keeps the phone width, where a page overflows first)."""
    here = Path(__file__).parent
    for item in items:
        if here not in item.path.parents:
            continue  # a conftest's collection hook sees the whole session's items
        axe = "accessibility_violations" in item.name and item.path.name != "test_accessibility.py"
        laptop = "sticks_out_of_the_page" in item.name and item.name.endswith("-laptop]")
        if axe or laptop:
            item.add_marker(pytest.mark.long)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def e2e_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The app over a scale-0.01 Dorset warehouse, served on loopback for the session."""
    import uvicorn

    from openpcn.build import build_default
    from openpcn.config import Settings
    from openpcn.store.appdb import add_user, open_appdb
    from openpcn.web.app import create_app

    home = tmp_path_factory.mktemp("e2e-home")
    settings = Settings(home=home)
    build_default(settings, scale=0.01, seed=1)
    appdb_url = f"sqlite:///{home / 'app.db'}"
    db = open_appdb(appdb_url)
    admin = Account("e2e-admin", secrets.token_urlsafe(16))
    manager = Account("e2e-pcn-manager", secrets.token_urlsafe(16))
    analyst = Account("e2e-ics-analyst", secrets.token_urlsafe(16))
    practice = Account("e2e-practice-user", secrets.token_urlsafe(16))
    try:
        add_user(db, admin.username, admin.password, "admin")
        add_user(db, manager.username, manager.password, "pcn_manager", pcn_code=MANAGED_PCN)
        add_user(db, analyst.username, analyst.password, "ics_analyst")
        add_user(db, practice.username, practice.password, "practice_user", practice_code=PRACTICE)
    finally:
        db.dispose()

    # Plain-http cookies for this app only: the setting is read when the app is made.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("OPENPCN_INSECURE_COOKIES", "1")
        app = create_app(settings, appdb_url=appdb_url)
    port = _free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        ws="none",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="e2e-uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the app did not start under uvicorn within 30 s")
        time.sleep(0.05)
    try:
        yield Server(
            base_url=f"http://127.0.0.1:{port}",
            admin=admin,
            manager=manager,
            analyst=analyst,
            practice=practice,
            app=app,
        )
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser(needs: Any) -> Iterator[Any]:
    """Debian's Chromium driven by Playwright; without it the tests skip, or fail in CI."""
    needs(CHROMIUM is not None, "Chromium", "apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="session")
def artefacts() -> Path:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    return ARTEFACTS


def _log_in(page: Any, base_url: str, account: Account) -> None:
    """Log in through the real form, as a person would."""
    page.goto(f"{base_url}/login")
    page.fill("input[name=username]", account.username)
    page.fill("input[name=password]", account.password)
    page.click("main form button[type=submit], main form input[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "/login" not in page.url, f"log-in failed; still on {page.url}"


def _state_of(browser: Any, base_url: str, account: Account) -> dict[str, Any]:
    context = browser.new_context()
    try:
        page = context.new_page()
        _log_in(page, base_url, account)
        return context.storage_state()
    finally:
        context.close()


@pytest.fixture(scope="session")
def admin_state(browser: Any, e2e_server: Server) -> dict[str, Any]:
    """The cookies of a logged-in admin, for contexts that start logged in."""
    return _state_of(browser, e2e_server.base_url, e2e_server.admin)


@pytest.fixture(scope="session")
def manager_state(browser: Any, e2e_server: Server) -> dict[str, Any]:
    """The cookies of the logged-in pcn_manager of MANAGED_PCN (patient rights there)."""
    return _state_of(browser, e2e_server.base_url, e2e_server.manager)


@pytest.fixture(scope="session")
def log_in() -> Any:
    """`log_in(page, base_url, account)`, as a fixture (test modules cannot import conftest)."""
    return _log_in


@pytest.fixture(scope="session")
def axe_script() -> Path:
    assert AXE.exists(), f"{AXE} is missing: run `npm ci && python scripts/vendor_assets.py`"
    return AXE


AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
AXE_BLOCKING = {"serious", "critical"}


def _readable(violations: list[dict[str, Any]]) -> str:
    """One paragraph per violation: rule, impact, help, and the first few offending nodes."""
    lines = []
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation['impact']}): {violation['help']} "
            f"[{violation['helpUrl']}]"
        )
        for node in violation["nodes"][:5]:
            lines.append(f"    {', '.join(map(str, node['target']))}: {node['failureSummary']}")
        if len(violation["nodes"]) > 5:
            lines.append(f"    ... and {len(violation['nodes']) - 5} more")
    return "\n".join(lines)


@pytest.fixture(scope="session")
def axe_blocking(axe_script: Path) -> Any:
    """`axe_blocking(page) -> str`: axe's serious and critical WCAG 2.2 A/AA violations on the
    page as readable text ("" when there are none)."""

    def run(page: Any) -> str:
        page.add_script_tag(path=str(axe_script))
        result = page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
        )
        return _readable([v for v in result["violations"] if v["impact"] in AXE_BLOCKING])

    return run


def _watch(page: Any) -> list[str]:
    """Collect page errors, failed requests and console errors (CSP violations among them)."""
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on(
        "response",
        lambda r: (
            problems.append(f"HTTP {r.status}: {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico")
            else None
        ),
    )
    page.on(
        "console",
        lambda m: (
            problems.append(f"console {m.type}: {m.text}")
            if m.type == "error" and not m.text.startswith("Failed to load resource")
            else None
        ),
    )
    return problems


@pytest.fixture
def watched_page(browser: Any) -> Any:
    """`with watched_page(state, timeout=20_000, **options) as page:` a page in a new browser
    context (1280x900, logged in by the storage `state`), closed afterwards; when the block
    ends without an error, the page must have had no page error, failed request or console
    error (CSP violations among them)."""

    @contextlib.contextmanager
    def run(state: dict[str, Any], *, timeout: int = 20_000, **options: Any) -> Iterator[Any]:
        context = browser.new_context(
            storage_state=state, viewport={"width": 1280, "height": 900}, **options
        )
        context.set_default_timeout(timeout)
        page = context.new_page()
        problems = _watch(page)
        try:
            yield page
        finally:
            context.close()
        assert not problems, "\n".join(problems)

    return run


@pytest.fixture(scope="session")
def axe_as_admin(
    browser: Any,
    e2e_server: Server,
    admin_state: dict[str, Any],
    artefacts: Path,
    axe_blocking: Any,
) -> Any:
    """`axe_as_admin(name, path, ready, *, status=None, timeout=15_000, state=None) -> str`:
    open the page logged in as admin (or as the account whose storage `state` is given, e.g.
    `manager_state`) with the CSP bypassed so axe can be injected, wait for the `ready`
    selector, save a screenshot as axe-NAME.png, and return axe's blocking violations as text."""

    def run(
        name: str,
        path: str,
        ready: str,
        *,
        status: int | None = None,
        timeout: int = 15_000,
        state: dict[str, Any] | None = None,
    ) -> str:
        context = browser.new_context(bypass_csp=True, storage_state=state or admin_state)
        context.set_default_timeout(timeout)
        try:
            page = context.new_page()
            response = page.goto(e2e_server.base_url + path)
            if status is not None:
                assert response is not None and response.status == status
            page.wait_for_selector(ready)
            page.wait_for_load_state("networkidle")
            blocking = axe_blocking(page)
            page.screenshot(path=str(artefacts / f"axe-{name}.png"), full_page=True)
        finally:
            context.close()
        return blocking

    return run
