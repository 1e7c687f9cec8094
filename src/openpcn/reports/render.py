"""The ICS report as HTML (one self-contained file, or the body for the app's page) and as PDF.

Templates live in `openpcn/reports/templates/`. Every figure in the text goes through one macro
(`fig` in `_macros.html`) that writes `<data value="RAW" data-figure="section.key">shown</data>`,
so a test can check each shown figure against the function it came from. Charts are the
Vega-Lite specs of the report data rendered to SVG here (vl-convert), inline in the HTML.
"""

from __future__ import annotations

import html
import math
from functools import lru_cache
from importlib import resources
from typing import Any

import jinja2
from markupsafe import Markup

from openpcn.figures import FONT, long_date

TEMPLATES = "templates"


def raw(value: Any) -> str:
    """The machine-readable value of a figure: repr of a float (round-trips), '' for None."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return repr(value)
    return str(value)


def formatted(figure: dict[str, Any]) -> str:
    """How a figure reads in the text: whole patients with separators, percentages to 0.1."""
    value, fmt = figure.get("value"), figure.get("format", "int")
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "not available"
    if fmt == "year":
        return str(int(value))
    if fmt == "pct":
        return f"{float(value):.1f}%"
    if fmt in ("int", "patients"):
        return f"{float(value):,.0f}"
    if fmt == "gbp":
        return f"£{float(value):,.0f}"
    if fmt == "decimal":
        return f"{float(value):,.1f}"
    return str(value)


def plural(count: Any, word: str, many: str | None = None) -> str:
    return word if count == 1 else (many or word + "s")


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The report's Jinja environment (templates are package data of openpcn.reports)."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("openpcn.reports", TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters |= {
        "raw": raw,
        "formatted": formatted,
        "long_date": long_date,
        "rating_label": lambda key: key.replace("_", " ").capitalize(),
    }
    env.globals |= {"plural": plural}
    return env


def stylesheet() -> str:
    """The report's CSS (inlined in the download, served as a file for the app's page)."""
    return (
        resources.files("openpcn.reports")
        .joinpath(TEMPLATES, "report.css")
        .read_text(encoding="utf-8")
    )


def chart_svgs(data: dict[str, Any]) -> dict[str, str]:
    """Each chart of the report (by key) rendered to SVG from its Vega-Lite spec."""
    import vl_convert as vlc

    out = {}
    for section in data["sections"]:
        for chart in section.get("charts", []):
            if chart.get("spec"):
                out[chart["key"]] = vlc.vegalite_to_svg(_with_report_font(chart["spec"]))
    return out


def _with_report_font(spec: dict[str, Any]) -> dict[str, Any]:
    """The spec with the report's font unless it names one: vl-convert lays text out with the
    font it is given, so a chart drawn in Vega's default overflows in the PDF's Arial."""
    config = spec.get("config", {})
    if "font" in config:
        return spec
    return spec | {"config": config | {"font": FONT}}


def _svg_markup(svgs: dict[str, str]) -> dict[str, Markup]:
    """SVG from vl-convert is trusted markup (made here from our own specs); the XML prolog
    is dropped so it can sit inline in HTML."""
    out = {}
    for key, svg in svgs.items():
        start = svg.find("<svg")
        out[key] = Markup(svg[start:] if start >= 0 else html.escape(svg))
    return out


def render_body(data: dict[str, Any], svgs: dict[str, str] | None = None) -> str:
    """The report's content (title, sections, sources) without <html>, for the app's page."""
    svgs = chart_svgs(data) if svgs is None else svgs
    template = environment().get_template("body.html")
    return template.render(report=data, figures=data["figures"], svgs=_svg_markup(svgs))


def render_html(data: dict[str, Any], svgs: dict[str, str] | None = None) -> str:
    """The whole report as one self-contained HTML document (CSS inline, charts as SVG)."""
    body = render_body(data, svgs)
    template = environment().get_template("report.html")
    return template.render(report=data, body=Markup(body), css=Markup(stylesheet()))


def render_pdf(html_text: str) -> bytes:
    """The report's HTML as an A4 PDF (WeasyPrint) with the title, ICS, date and page numbers
    in the page margins (the @page rules of the inline stylesheet)."""
    import logging

    from weasyprint import HTML

    # WeasyPrint logs every CSS property it ignores at WARNING; none matter for this report.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    return HTML(string=html_text).write_pdf()
