"""The quality pages on the 1% Dorset warehouse: the ICS quality page (CQC position, one section
per survey measure with its funnel plot, outliers named, every practice in a sortable table and
a CSV download), the CSV itself, and the quality sections of the PCN and practice pages (htmx
partials with a no-JavaScript fallback), with the same scope rules as the organisation pages.
"""

from __future__ import annotations

import csv
import html
import io
from html.parser import HTMLParser
from itertools import pairwise

import pytest


class Outline(HTMLParser):
    """Headings, elements with their attributes, and any inline script or style."""

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[tuple[int, str]] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.inline: list[str] = []
        self._heading: int | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        found = dict(attrs)
        self.tags.append((tag, found))
        if tag in ("h1", "h2", "h3", "h4"):
            self._heading, self._text = int(tag[1]), []
        if tag == "script" and not found.get("src") and found.get("type") != "application/json":
            self.inline.append("script")
        if "style" in found or tag == "style" or any(k.startswith("on") for k in found):
            self.inline.append(tag)

    def handle_endtag(self, tag):
        if self._heading and tag == f"h{self._heading}":
            self.headings.append((self._heading, " ".join("".join(self._text).split())))
            self._heading = None

    def handle_data(self, data):
        if self._heading:
            self._text.append(data)

    def find(self, tag: str, **attrs: str) -> list[dict[str, str | None]]:
        want = {k.rstrip("_").replace("_", "-"): v for k, v in attrs.items()}
        return [a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in want.items())]


def outline(html: str) -> Outline:
    parser = Outline()
    parser.feed(html)
    return parser


def rows_of(html: str, table_id: str) -> list[str]:
    """The data-code of each body row of a table."""
    start = html.index(f'id="{table_id}"')
    end = html.index("</table>", start)
    return [
        a["data-code"] for t, a in outline(html[start:end]).tags if t == "tr" and a.get("data-code")
    ]


@pytest.fixture(scope="module")
def analyst(client_as):
    return client_as("ics_analyst")


@pytest.fixture(scope="module")
def page(analyst):
    got = analyst.get("/ics/11J/quality")
    assert got.status_code == 200
    return got.text


@pytest.fixture(scope="module")
def variations(analyst):
    return {
        m: analyst.get(f"/api/v1/ics/11J/quality/variation/{m}").json()
        for m in ("appointment_good", "overall_good")
    }


def test_the_quality_page_is_well_formed_with_one_section_per_measure(page):
    shape = outline(page)
    levels = [level for level, _ in shape.headings]
    assert levels.count(1) == 1 and levels[0] == 1
    assert all(b <= a + 1 for a, b in pairwise(levels)), shape.headings
    assert shape.inline == []
    titles = [t for _, t in shape.headings]
    assert titles[:3] == ["NHS DORSET CCG (11J)", "CQC ratings", "GP Patient Survey"]
    assert titles[3:] == [
        "Good experience of making an appointment",
        "Practices outside the limits",
        "Good overall experience of the GP practice",
        "Practices outside the limits",
        "Support links",  # the footer's
    ]
    for table in shape.find("table"):
        assert "nhsuk-table" in (table.get("class") or "")


def test_the_cqc_position_shows_the_counts_a_chart_and_a_pcn_table(page):
    for key, text in [
        ("outstanding", "2 of 81"),
        ("good", "40 of 81"),
        ("requires_improvement", "0 of 81"),
        ("not_rated", "39 of 81"),
    ]:
        assert f'data-cqc="{key}">{text} practices' in page
    shape = outline(page)
    (chart,) = shape.find(
        "div", data_spec_url="/api/v1/ics/11J/quality/ratings/chart?date=2019-12-01"
    )
    assert "app-spec-chart" in chart["class"]
    assert "data-sortable" in shape.find("table", id="pcn-quality-table")[0]
    assert page.count('href="/pcns/U') >= 18


def test_each_measure_has_ics_and_england_a_funnel_the_outliers_and_every_practice(
    page, variations
):
    shape = outline(page)
    assert '<dd class="nhsuk-summary-list__value" data-gpps="overall_good-ics">87.7%' in page
    assert 'data-gpps="overall_good-england">82.9%' in page
    for measure, result in variations.items():
        assert shape.find(
            "div",
            data_spec_url=f"/api/v1/ics/11J/quality/variation/{measure}/chart?date=2019-12-01",
        )
        flagged = result["flagged"]["high"] + result["flagged"]["low"]
        section = page.split(f'id="section-{measure}"')[1].split("</section>")[0]
        named = [
            a["data-code"] for t, a in outline(section).tags if t == "li" and a.get("data-code")
        ]
        assert sorted(named) == sorted(flagged)
        for code in flagged:
            unit = next(u for u in result["units"] if u["code"] == code)
            limit = "99.8%" if unit["flag_level"] == 0.998 else "95%"
            side = "above" if unit["flag"] == "high" else "below"
            assert f"{side} the {limit} limit" in section
        assert result["method_note"] in html.unescape(section)
        assert rows_of(page, f"practices-{measure}") == [u["code"] for u in result["units"]]
        assert (
            f"/ics/11J/quality/variation/{measure}.csv?by=practice&amp;date=2019-12-01" in section
        )


def test_the_overall_outliers_in_dorset_are_the_three_low_practices(variations):
    result = variations["overall_good"]
    assert result["flagged"] == {"high": [], "low": ["J81049", "J81021", "J81003"]}


def test_csv_has_one_row_per_practice_or_pcn(analyst, variations):
    got = analyst.get("/ics/11J/quality/variation/overall_good.csv")
    assert got.status_code == 200
    assert got.headers["content-type"].startswith("text/csv")
    assert (
        'filename="overall_good-practice-11J-2019-12-01.csv"' in got.headers["content-disposition"]
    )
    rows = list(csv.DictReader(io.StringIO(got.text)))
    assert len(rows) == 81
    assert len({r["code"] for r in rows}) == 81
    assert {"value_pct", "ci_lower_pct", "limit95_lower_pct", "flag"} <= set(rows[0])
    first = variations["overall_good"]["units"][0]
    assert (rows[0]["code"], float(rows[0]["value_pct"])) == (first["code"], first["value_pct"])
    by_pcn = analyst.get("/ics/11J/quality/variation/overall_good.csv?by=pcn")
    assert len(list(csv.DictReader(io.StringIO(by_pcn.text)))) == 18


def test_unknown_measure_csv_is_a_404_page(analyst):
    got = analyst.get("/ics/11J/quality/variation/no_such_measure.csv")
    assert got.status_code == 404
    assert "text/html" in got.headers["content-type"]


def test_a_date_without_survey_or_pcns_gets_helpful_empty_states(analyst):
    got = analyst.get("/ics/11J/quality?date=2018-06-01")
    assert got.status_code == 200
    assert "Note: no practice is a core member" in got.text
    assert "There are no PCNs in NHS DORSET CCG on 1 June 2018" in got.text
    assert "app-funnel" not in got.text and "ratings/chart" not in got.text
    assert "There are no GP Patient Survey results for the practices of NHS DORSET CCG" in got.text
    assert "openpcn import gpps FILE" in got.text
    assert 'value="2018-06-01"' in got.text


def test_pcn_and_practice_pages_load_their_quality_section_with_a_fallback_link(analyst):
    for url, partial in [
        ("/pcns/U42510", "/pcns/U42510/partials/quality?date=2019-12-01"),
        ("/practices/J81019", "/practices/J81019/partials/quality?date=2019-12-01"),
    ]:
        shape = outline(analyst.get(url).text)
        (region,) = shape.find("div", hx_get=partial)
        assert region["hx-trigger"] == "load"
        assert shape.find("a", href=partial), "no link for browsers without JavaScript"
        assert "Quality and patient experience" in [t for _, t in shape.headings]


def test_the_pcn_partial_rates_each_member_and_compares_with_ics_and_england(analyst):
    got = analyst.get("/pcns/U42510/partials/quality", headers={"HX-Request": "true"})
    assert got.status_code == 200
    assert "<html" not in got.text  # a fragment for htmx
    assert rows_of(got.text, "pcn-ratings-table") == ["J81019", "J81031"]
    assert 'data-measure="overall_good"' in got.text
    assert 'data-value="england">82.9%' in got.text
    assert 'data-value="ics">87.7%' in got.text


def test_the_practice_partial_without_htmx_is_a_whole_page(analyst):
    got = analyst.get("/practices/J81002/partials/quality")
    assert got.status_code == 200
    shape = outline(got.text)
    assert [t for level, t in shape.headings if level == 1] == ["Quality: ORCHID HOUSE SURGERY"]
    assert 'data-practice-cqc="good"' in got.text and "issued in 2018" in got.text
    assert 'data-value="england">82.9%' in got.text
    assert shape.inline == []


def test_scope_of_the_partials_follows_the_organisation_pages(client_as):
    manager = client_as("pcn_manager", pcn="U42510")
    assert manager.get("/pcns/U42510/partials/quality").status_code == 200
    assert manager.get("/pcns/U19923/partials/quality").status_code == 403
    assert manager.get("/practices/J81002/partials/quality").status_code == 403
    assert manager.get("/ics/11J/quality").status_code == 200  # public to every role
    user = client_as("practice_user", practice="J81019")
    assert user.get("/practices/J81019/partials/quality").status_code == 200
    assert user.get("/practices/J81031/partials/quality").status_code == 403


@pytest.mark.parametrize(
    "path",
    [
        "/ics/11J/quality",
        "/ics/11J/quality/variation/overall_good.csv",
        "/pcns/U42510/partials/quality",
        "/practices/J81019/partials/quality",
    ],
)
def test_anonymous_visitors_are_sent_to_log_in(anonymous, path):
    got = anonymous.get(path, follow_redirects=False)
    assert got.status_code == 303
    assert got.headers["location"].startswith("/login?next=")


def test_quality_is_linked_from_the_header_and_the_ics_overview(analyst):
    overview = outline(analyst.get("/ics/11J").text)
    assert overview.find("a", class_="nhsuk-header__navigation-link", href="/ics/11J/quality")
    assert overview.find("a", href="/ics/11J/quality?date=2019-12-01")


def test_before_pcns_began_the_survey_is_shown_by_practice_with_a_note(analyst):
    """On 1 June 2019 the 2019 survey exists but no PCN does: practices have no PCN."""
    got = analyst.get("/ics/11J/quality?date=2019-06-01")
    assert got.status_code == 200
    assert "PCNs began on 1 July 2019" in got.text
    assert ">no PCN</td>" in got.text
    result = analyst.get("/api/v1/ics/11J/quality/variation/overall_good?date=2019-06-01").json()
    assert result["units"] and all(u["pcn_code"] is None for u in result["units"])
    assert "PCNs began" in result["note"]
    assert (
        analyst.get(
            "/api/v1/ics/11J/quality/variation/overall_good/chart?date=2019-06-01"
        ).status_code
        == 200
    )


def test_a_column_the_survey_file_leaves_empty_is_said_once_not_on_every_row(page, variations):
    """The 2019 practice file has no response counts (so no intervals): rather than "not known"
    and "none" on every practice, the table leaves those columns out and says why once."""
    for measure, result in variations.items():
        section = page.split(f'id="section-{measure}"')[1].split("</section>")[0]
        table = section[section.index(f'id="practices-{measure}"') :]
        has_responses = any(u["responses"] is not None for u in result["units"])
        has_interval = any(u["ci_lower_pct"] is not None for u in result["units"])
        assert (">Responses<" in table) is has_responses
        assert (">95% interval<" in table) is has_interval
        note = f'id="missing-columns-{measure}"' in section
        assert note is not (has_responses and has_interval)
        assert "not known" not in table or has_responses
