"""Pages fit the screen, on a laptop (1280x800) and on a phone (390x844), in a real browser.

Nothing widens the page: the document is no wider than the viewport, and every table ends
inside it or inside a region that scrolls sideways. Every chart's SVG is no wider than its slot
and nothing drawn in it (title, legend, axis labels) is cut off at its edge. The ICS funding
table shows every column at 1280 px, its Total next to the PCN's name; on a phone it scrolls
inside a labelled region that the keyboard can focus and scroll. axe finds no serious or
critical WCAG 2.2 A/AA violation on the funding pages at phone width.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.e2e

PCN = "U42510"
LAPTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
VIEWPORTS = {"laptop": LAPTOP, "phone": PHONE}

PAGES = {
    "ics": "/ics/11J",
    "ics-funding": "/ics/11J/funding?year=2020/21",
    "pcn": f"/pcns/{PCN}",
    "pcn-funding": f"/pcns/{PCN}/funding?year=2020/21",
    "arrs": f"/pcns/{PCN}/arrs?year=2021/22",
    "workforce": "/ics/11J/workforce",
    "quality": "/ics/11J/quality",
    "practice": "/practices/J81019",
    "cohorts-ics": "/ics/11J/cohorts",
    "cohorts-pcn": f"/pcns/{PCN}/cohorts",
    "risk-model": "/cohorts/risk-model",
    "admin-users": "/admin/users",
    "report": "/ics/11J/report",
    "audit": "/admin/audit",
}
#: Known overflows still to fix, and whether they always overflow (strict xfail).
NEEDS_WRAPPER: dict[tuple[str, str], tuple[str, bool]] = {}

#: Every chart slot drawn: the spec charts say so, the pyramid (charts.js) has its SVG.
CHARTS_DRAWN = """() =>
  [...document.querySelectorAll('.app-spec-chart')].every(e => e.hasAttribute('data-chart-drawn'))
  && [...document.querySelectorAll('.chart[data-spec-url]')].every(e => e.querySelector('svg'))"""

#: What sticks out: the page's width, tables that end outside the viewport other than inside a
#: sideways-scrolling region that itself ends inside it, and charts whose SVG is wider than the
#: slot or whose drawing (title, legend, labels) passes the SVG's edge, where it is cut off.
OVERFLOW = """() => {
  const vw = document.documentElement.clientWidth;
  const scroller = el => {
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      if (['auto', 'scroll'].includes(getComputedStyle(a).overflowX)) return a;
    }
    return null;
  };
  const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '');
  const problems = [];
  if (document.documentElement.scrollWidth > vw) {
    problems.push(`the page is ${document.documentElement.scrollWidth} px wide in ${vw} px`);
  }
  for (const table of document.querySelectorAll('main table')) {
    const right = table.getBoundingClientRect().right;
    const region = scroller(table);
    if (region === null && right > vw + 1) problems.push(`${name(table)} ends at ${right} px`);
    if (region !== null && region.getBoundingClientRect().right > vw + 1) {
      problems.push(`the scrolling region of ${name(table)} ends outside the page`);
    }
  }
  for (const svg of document.querySelectorAll('.app-chart svg, .chart svg')) {
    const slot = svg.closest('.app-chart, .chart');
    const shown = svg.getBoundingClientRect().width;
    if (shown > slot.clientWidth + 1) {
      problems.push(`a chart ${shown} px wide in a ${slot.clientWidth} px slot`);
    }
    const box = svg.getBBox();
    const width = svg.viewBox.baseVal.width || svg.width.baseVal.value;
    if (box.x < -1 || box.x + box.width > width + 1) {
      problems.push(`a chart drawn from ${box.x} to ${box.x + box.width} in ${width} px: cut off`);
    }
  }
  return problems;
}"""


@pytest.fixture
def page_at(browser: Any, admin_state: dict[str, Any]) -> Any:
    """`page_at(viewport, **options)`: a logged-in admin's page at that size; page errors
    (uncaught JavaScript errors) are collected in `page.errors`."""
    contexts: list[Any] = []

    def open_page(viewport: dict[str, int], **options: Any) -> Any:
        context = browser.new_context(storage_state=admin_state, viewport=viewport, **options)
        context.set_default_timeout(20_000)
        contexts.append(context)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.errors = errors
        return page

    yield open_page
    for context in contexts:
        context.close()


def _opened(page: Any, base_url: str, path: str) -> None:
    response = page.goto(base_url + path)
    assert response is not None and response.status == 200, f"{path} did not open"
    page.wait_for_load_state("networkidle")
    page.wait_for_function(CHARTS_DRAWN)


def _cases() -> Iterator[Any]:
    for view in VIEWPORTS:
        for name in PAGES:
            known = NEEDS_WRAPPER.get((name, view))
            marks = [pytest.mark.xfail(reason=known[0], strict=known[1])] if known else []
            yield pytest.param(name, view, marks=marks, id=f"{name}-{view}")


@pytest.mark.parametrize(("name", "view"), list(_cases()))
def test_nothing_sticks_out_of_the_page(
    name: str, view: str, e2e_server: Any, page_at: Any, artefacts: Path
) -> None:
    page = page_at(VIEWPORTS[view])
    _opened(page, e2e_server.base_url, PAGES[name])
    problems = page.evaluate(OVERFLOW)
    if problems:
        page.screenshot(path=str(artefacts / f"layout-{name}-{view}.png"), full_page=True)
    assert not problems, f"{PAGES[name]} at {VIEWPORTS[view]['width']} px:\n" + "\n".join(problems)
    assert not page.errors, page.errors


#: The cells of the funding table's header: text, left and right edges, and the region's edges.
HEADERS = """table => {
  const region = table.closest('[role=region]').getBoundingClientRect();
  return {
    region: [region.left, region.right],
    cells: [...table.tHead.rows[0].cells].map(th => {
      const r = th.getBoundingClientRect();
      return [th.textContent.trim(), r.left, r.right];
    }),
  };
}"""


def test_the_ics_funding_table_shows_every_column_at_1280_px(e2e_server: Any, page_at: Any) -> None:
    page = page_at(LAPTOP)
    _opened(page, e2e_server.base_url, PAGES["ics-funding"])
    table = page.locator("#funding-table")
    headers = table.evaluate(HEADERS)
    left, right = headers["region"]
    assert right <= LAPTOP["width"]
    names = [cell[0] for cell in headers["cells"]]
    assert names[:2] == ["PCN", "Total"], names  # the total beside the name
    hidden = [cell for cell in headers["cells"] if cell[1] < left - 1 or cell[2] > right + 1]
    assert not hidden, f"columns outside the table's region: {hidden}"
    region = page.locator("#funding-table-region .nhsuk-scroll__content")
    assert region.evaluate("el => el.scrollWidth <= el.clientWidth")  # nothing to scroll to
    assert region.get_attribute("tabindex") is None  # so no needless tab stop


def test_on_a_phone_the_funding_tables_scroll_in_a_labelled_region_the_keyboard_can_use(
    e2e_server: Any, page_at: Any, artefacts: Path
) -> None:
    page = page_at(PHONE)
    for name, table_id in (("ics-funding", "funding-table"), ("pcn-funding", "split-table")):
        _opened(page, e2e_server.base_url, PAGES[name])
        region = page.locator(f"#{table_id}-region .nhsuk-scroll__content")
        assert region.get_attribute("role") == "region"
        assert (region.get_attribute("aria-label") or "").endswith("(table)")
        page.wait_for_function(  # nhsuk-frontend makes an overflowing region a tab stop
            "el => el.getAttribute('tabindex') === '0'", arg=region.element_handle()
        )
        total = page.locator(f"#{table_id} thead th").nth(1)
        assert total.inner_text().startswith("Total") and total.is_visible()
        box = total.bounding_box()
        assert box is not None and box["x"] + box["width"] <= PHONE["width"]  # seen at once
        region.focus()
        for _ in range(8):
            page.keyboard.press("ArrowRight")
        # the arrow keys scroll it (the browser may scroll smoothly: wait for it, up to 5 s)
        page.wait_for_function(
            "el => el.scrollLeft > 0", arg=region.element_handle(), timeout=5_000
        )
        region.evaluate("el => { el.scrollLeft = el.scrollWidth; }")
        last = page.locator(f"#{table_id} thead th").last.bounding_box()
        assert last is not None and last["x"] + last["width"] <= PHONE["width"] + 1
        page.screenshot(path=str(artefacts / f"layout-{table_id}-phone.png"), full_page=True)
    assert not page.errors, page.errors


@pytest.mark.parametrize(
    ("name", "ready"),
    [
        ("ics-funding", ".app-spec-chart[data-chart-drawn] svg"),
        ("pcn-funding", "#split-table"),
        ("pcn", ".chart svg"),
    ],
)
def test_the_funding_pages_at_phone_width_have_no_serious_accessibility_violations(
    name: str, ready: str, e2e_server: Any, page_at: Any, axe_blocking: Any, artefacts: Path
) -> None:
    page = page_at(PHONE, bypass_csp=True)  # so that axe may be injected
    page.goto(e2e_server.base_url + PAGES[name])
    page.wait_for_selector(ready)
    page.wait_for_load_state("networkidle")
    blocking = axe_blocking(page)
    page.screenshot(path=str(artefacts / f"axe-{name}-phone.png"), full_page=True)
    assert not blocking, f"axe found on {PAGES[name]} at 390 px:\n{blocking}"
