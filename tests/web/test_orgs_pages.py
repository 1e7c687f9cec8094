"""The organisation pages: what each shows, in what order, without inline script or style,
and who may open them (scope examples: PCN U42510 = J81019 + J81031; PCN U19923 has J81002).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from itertools import pairwise

import pytest


class Outline(HTMLParser):
    """Headings in order, tags with their attributes, and inline script or style found."""

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[tuple[int, str]] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.inline: list[str] = []
        self._heading: int | None = None
        self._text: list[str] = []
        self._script_src: bool | None = None

    def handle_starttag(self, tag, attrs):
        found = dict(attrs)
        self.tags.append((tag, found))
        if re.fullmatch(r"h[1-6]", tag):
            self._heading, self._text = int(tag[1]), []
        if tag == "script":
            self._script_src = "src" in found
        if "style" in found or any(name.startswith("on") for name in found):
            self.inline.append(f"<{tag}> attribute")
        if tag == "style":
            self.inline.append("<style>")

    def handle_endtag(self, tag):
        if self._heading and tag == f"h{self._heading}":
            self.headings.append((self._heading, " ".join("".join(self._text).split())))
            self._heading = None
        if tag == "script":
            self._script_src = None

    def handle_data(self, data):
        if self._heading:
            self._text.append(data)
        if self._script_src is False and data.strip():
            self.inline.append("<script> body")

    def find(self, tag: str, **attrs: str) -> list[dict[str, str | None]]:
        return [
            a
            for t, a in self.tags
            if t == tag and all(a.get(k.replace("_", "-")) == v for k, v in attrs.items())
        ]


def outline(html: str) -> Outline:
    parsed = Outline()
    parsed.feed(html)
    return parsed


def assert_well_formed(page: Outline) -> None:
    """One h1 first, no level skipped, no inline script or style (the CSP would block it)."""
    levels = [level for level, _ in page.headings]
    assert levels.count(1) == 1 and levels[0] == 1, page.headings
    assert all(b <= a + 1 for a, b in pairwise(levels)), page.headings
    assert page.inline == []
    for table in page.find("table"):
        assert "nhsuk-table" in (table.get("class") or "")
    assert page.find("caption")


@pytest.fixture(scope="module")
def analyst(client_as):
    return client_as("ics_analyst")


def test_root_goes_to_the_default_ics(analyst):
    got = analyst.get("/", follow_redirects=False)
    assert got.status_code == 303
    assert got.headers["location"] == "/ics/11J"


def test_ics_overview_has_map_sortable_table_csv_and_rules(analyst):
    got = analyst.get("/ics/11J")
    assert got.status_code == 200
    page = outline(got.text)
    assert_well_formed(page)
    titles = [text for _, text in page.headings]
    assert titles[0] == "NHS DORSET CCG (11J)"
    assert titles[1:4] == [
        "Map of practices and PCN areas",
        "Primary Care Networks",
        "Formation rules",
    ]
    assert len(page.find("h3")) == 5  # one card per rule
    (map_div,) = page.find("div", id="map")
    assert map_div["data-geojson-url"] == "/api/v1/ics/11J/geojson?date=2019-12-01"
    assert map_div["aria-describedby"] == "map-description"
    (table,) = page.find("table", id="pcn-table")
    assert "data-sortable" in table
    sortable = page.find("th", aria_sort="none")
    assert len(sortable) == 5
    assert all(th["scope"] == "col" for th in sortable)
    assert len(page.find("button", type="button")) >= 5
    rows = page.find("th", scope="row")
    assert len(rows) == 18
    assert page.find("a", href="/pcns/U42510")
    assert page.find("a", href="/api/v1/pcns.csv?ics=11J&date=2019-12-01")
    assert page.find("script", src="/static/js/map.js")
    assert page.find("script", src="/static/js/tables.js")
    assert "Below band" in got.text and "BLANDFORD PCN" in got.text


def test_pcn_page_has_members_band_pyramid_and_map(analyst):
    got = analyst.get("/pcns/U42510")
    assert got.status_code == 200
    page = outline(got.text)
    assert_well_formed(page)
    assert [t for _, t in page.headings][:4] == [
        "BLANDFORD PCN",
        "Member practices",
        "Population by age and sex",
        "Map",
    ]
    assert page.find("a", href="/practices/J81019") and page.find("a", href="/practices/J81031")
    (chart,) = page.find("div", data_spec_url="/api/v1/pcns/U42510/pyramid?date=2019-12-01")
    assert "chart" in chart["class"]
    (map_div,) = page.find("div", id="map")
    assert map_div["data-focus"] == "U42510"
    assert "Below band" in got.text
    assert page.find("script", src="/static/js/charts.js")


def test_practice_page_has_pcn_lists_location_deprivation_and_cqc(analyst):
    got = analyst.get("/practices/J81019")
    assert got.status_code == 200
    page = outline(got.text)
    assert_well_formed(page)
    titles = [t for _, t in page.headings]
    assert titles[0] == "THE BLANDFORD GROUP PRACTICE"
    assert {"List sizes", "Location", "Population by age and sex"} <= set(titles)
    assert page.find("a", href="/pcns/U42510")
    assert "Deprivation (IMD 2019 score)" in got.text and "CQC rating" in got.text
    assert page.find("div", id="map")[0]["data-focus"] == "J81019"


def test_an_earlier_date_shows_an_empty_state_not_an_error(analyst):
    got = analyst.get("/pcns/U42510?date=2019-01-01")
    assert got.status_code == 200
    assert "has no member practices on 1 January 2019" in got.text


@pytest.mark.parametrize(
    ("role", "pcn", "practice", "url", "status"),
    [
        ("pcn_manager", "U42510", None, "/pcns/U42510", 200),
        ("pcn_manager", "U42510", None, "/practices/J81031", 200),
        ("pcn_manager", "U19923", None, "/pcns/U42510", 403),
        ("pcn_manager", "U19923", None, "/practices/J81019", 403),
        ("practice_user", None, "J81002", "/practices/J81002", 200),
        ("practice_user", None, "J81002", "/pcns/U19923", 200),
        ("practice_user", None, "J81002", "/pcns/U42510", 403),
        ("practice_user", None, "J81002", "/practices/J81019", 403),
        ("practice_user", None, "J81002", "/ics/11J", 200),
        ("admin", None, None, "/practices/J81019", 200),
    ],
)
def test_scope_decides_who_opens_a_pcn_or_practice(client_as, role, pcn, practice, url, status):
    got = client_as(role, pcn=pcn, practice=practice).get(url)
    assert got.status_code == status
    if status == 403:
        assert got.headers["content-type"].startswith("text/html")
        assert "BLANDFORD" not in got.text and "J81031" not in got.text


def test_a_managers_practice_page_links_back_to_their_pcn(client_as):
    got = client_as("pcn_manager", pcn="U42510").get("/practices/J81019")
    assert outline(got.text).find("a", href="/pcns/U42510")


def test_unknown_codes_get_the_404_page(analyst):
    for url in ["/pcns/U99999", "/practices/Z99999", "/ics/ZZZ"]:
        got = analyst.get(url)
        assert got.status_code == 404
        assert got.headers["content-type"].startswith("text/html")


def test_anonymous_visitors_are_sent_to_log_in(anonymous):
    got = anonymous.get("/pcns/U42510", follow_redirects=False)
    assert got.status_code == 303
    assert got.headers["location"].startswith("/login?next=")


# ---------------------------------------------------------------- the date selector (htmx)
REGION = re.compile(r'<div id="ics-overview"[^>]*>(.*)</div>\s*</main>', re.S)  # last in main


def region_of(page_html: str) -> str:
    """The date-dependent region of the full ICS page (what htmx swaps)."""
    match = REGION.search(page_html)
    assert match, "the ICS page has no div#ics-overview region"
    return match.group(1)


def figures(html: str) -> dict[str, object]:
    """Summary figures, PCN rows, CSV link and rule outcomes shown in a piece of the page."""
    page = outline(html)
    summary = {
        key: re.search(rf'data-summary="{key}">([^<]*)<', html).group(1).strip()
        for key in ("practices", "pcns", "registered")
    }
    return {
        "summary": summary,
        "pcns": [a["href"] for a in page.find("a") if (a["href"] or "").startswith("/pcns/")],
        "csv": [a["href"] for a in page.find("a") if "pcns.csv" in (a["href"] or "")],
        "rules": [text for level, text in page.headings if level == 3],
    }


def test_the_ics_page_has_a_labelled_date_form_that_htmx_sends_to_the_partial(analyst):
    page = outline(analyst.get("/ics/11J").text)
    (form,) = [f for f in page.find("form") if f.get("action") == "/ics/11J"]
    assert form["method"] == "get"
    assert form["hx-get"] == "/ics/11J/partials/overview"
    assert form["hx-target"] == "#ics-overview"
    (date,) = page.find("input", name="date")
    assert date["type"] == "date" and date["value"] == "2019-12-01"
    labels = [a for t, a in page.tags if t == "label" and a.get("for") == date["id"]]
    assert len(labels) == 1, "the date input needs exactly one <label for=...>"
    assert date["aria-describedby"] and page.find("div", id=date["aria-describedby"])
    assert page.find("button", type="submit")
    (region,) = page.find("div", id="ics-overview")
    assert region["aria-live"] == "polite"


def test_before_dorsets_pcns_started_the_overview_shows_an_empty_state(analyst):
    """Dorset's PCN memberships start on 2019-10-01: on 30 September there are none, and the
    coverage rule fails for every commissioned practice."""
    got = analyst.get("/ics/11J?date=2019-09-30")
    assert got.status_code == 200
    page = outline(got.text)
    assert page.inline == [] and [level for level, _ in page.headings][:4] == [1, 2, 2, 2]
    shown = figures(region_of(got.text))
    assert shown["summary"] == {"practices": "0", "pcns": "0", "registered": "0"}
    assert shown["pcns"] == [] and shown["csv"] == [] and not page.find("table")
    assert "There are no PCNs in NHS DORSET CCG on 30 September 2019." in got.text
    assert page.find("input", name="date")[0]["value"] == "2019-09-30"
    # the map keeps to the page's date too (it is outside the region)
    assert page.find("div", id="map")[0]["data-geojson-url"].endswith("?date=2019-09-30")
    assert len(shown["rules"]) == 5
    assert got.text.count("app-outcome--breach") == 86  # every commissioned practice uncovered


def test_the_partial_is_only_the_region_with_the_pages_figures(analyst):
    for date, pcns in [("2019-09-30", 0), ("2019-10-01", 18), ("2019-12-01", 18)]:
        full = analyst.get(f"/ics/11J?date={date}")
        part = analyst.get(f"/ics/11J/partials/overview?date={date}")
        assert part.status_code == 200
        assert part.headers["content-type"].startswith("text/html")
        assert part.headers["hx-push-url"] == f"/ics/11J?date={date}"
        assert "<html" not in part.text and "<body" not in part.text
        assert "nhsuk-header" not in part.text and "<form" not in part.text
        assert outline(part.text).inline == []
        shown = figures(part.text)
        assert shown == figures(region_of(full.text))
        assert len(shown["pcns"]) == pcns
        assert shown["csv"] == ([f"/api/v1/pcns.csv?ics=11J&date={date}"] if pcns else [])
        assert len(shown["rules"]) == 5
    assert figures(part.text)["summary"]["practices"] == "81"


def test_the_partial_with_no_date_is_the_default_date(analyst):
    part = analyst.get("/ics/11j/partials/overview")
    assert part.headers["hx-push-url"] == "/ics/11J?date=2019-12-01"
    assert "PCNs of NHS DORSET CCG on 1 December 2019" in part.text


@pytest.mark.parametrize("url", ["/ics/11J?date=2019-13-01", "/ics/11J/partials/overview?date=x"])
def test_a_bad_date_gets_a_clear_400_page_not_a_traceback(analyst, url):
    got = analyst.get(url)
    assert got.status_code == 400
    assert "date" in got.text and "Some of what was sent cannot be used" in got.text
    assert "Traceback" not in got.text and "BLANDFORD" not in got.text


def test_the_partial_sends_anonymous_visitors_to_log_in(anonymous):
    got = anonymous.get("/ics/11J/partials/overview?date=2019-09-30", follow_redirects=False)
    assert got.status_code == 303
    assert got.headers["location"].startswith("/login?next=")
    assert "BLANDFORD" not in got.text
