"""The downloads: one self-contained HTML file, and an A4 PDF with every section."""

from __future__ import annotations

import re
import subprocess

import pytest

from openpcn.reports.render import formatted, raw, render_body


def test_the_html_is_self_contained(dorset_html):
    assert dorset_html.startswith("<!DOCTYPE html>")
    assert "<style>" in dorset_html and "@page" in dorset_html
    assert "<script" not in dorset_html and "<link" not in dorset_html
    assert not re.search(r'(src|href)="(https?:)?//', dorset_html)  # nothing fetched
    # map, sizes, CQC ratings, two funnel plots, funding streams, eFI categories
    assert dorset_html.count("<svg") >= 7


def test_every_table_and_chart_has_its_source_and_date(dorset, dorset_html):
    body = render_body(dorset, svgs={})
    sections = body.split('<section class="report-section"')[1:-1]  # not the sources list
    for section in sections:
        for block in re.split(r"<table|<figure", section)[1:]:
            assert re.search(r"Source: .+?Date: \d{1,2} \w+ \d{4}\.", block, re.S), block[:200]
    assert 'id="section-sources"' in dorset_html


@pytest.mark.parametrize(
    ("figure", "shown"),
    [
        ({"value": 806922.25, "format": "patients"}, "806,922"),
        ({"value": 87.72181899204261, "format": "pct"}, "87.7%"),
        ({"value": 2019, "format": "year"}, "2019"),
        ({"value": 3, "format": "int"}, "3"),
        ({"value": None, "format": "pct"}, "not available"),
        ({"value": "pass", "format": "text"}, "pass"),
    ],
)
def test_figures_are_formatted_for_reading(figure, shown):
    assert formatted(figure) == shown


def test_raw_values_round_trip():
    assert float(raw(87.72181899204261)) == 87.72181899204261
    assert raw(None) == "" and raw(81) == "81"


def test_the_pdf_has_every_section_the_ics_and_page_numbers(pdftotext, dorset, dorset_pdf):
    assert dorset_pdf.startswith(b"%PDF")
    text = subprocess.run(
        [pdftotext, "-layout", "-", "-"], input=dorset_pdf, capture_output=True, check=True
    ).stdout.decode()
    for section in dorset["sections"]:
        assert section["title"] in text
    assert "NHS DORSET CCG (11J), 1 December 2019" in text  # the running header
    assert "Page 1 of" in text
    assert "806,922" in text
