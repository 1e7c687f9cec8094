"""The ICS funding chart's Vega-Lite spec: one stacked bar per PCN, every stream, drawable."""

from __future__ import annotations

import re

import pytest
import vl_convert as vlc

from openpcn.funding.charts import STREAM_COLOURS, STREAM_LABELS, streams_spec

ROWS = [
    {"pcn_code": "U00001", "name": "NORTH PCN", "core": 22_500.0, "clinical_director": 7_710.0,
     "network_participation": 26_415.0, "extended_hours": 21_750.0, "care_home_premium": 0.0,
     "iif_max": 12_000.5, "arrs_sum": 106_950.0, "total": 197_325.5},
    {"pcn_code": "U00002", "name": "SOUTH PCN", "core": 15_000.0, "clinical_director": 5_140.0,
     "network_participation": 17_610.0, "extended_hours": 14_500.0, "care_home_premium": 600.0,
     "iif_max": 8_000.0, "arrs_sum": 71_300.0, "total": 132_150.0},
]  # fmt: skip


def test_one_value_per_pcn_and_stream_stacking_to_the_total() -> None:
    spec = streams_spec(ROWS, title="Funding 2020/21")
    values = spec["data"]["values"]
    assert len(values) == 2 * len(STREAM_LABELS) == 2 * 13
    north = [v for v in values if v["pcn"] == "NORTH PCN (U00001)"]
    assert sum(v["amount"] for v in north) == pytest.approx(197_325.5)
    assert [v["stream"] for v in north] == list(STREAM_LABELS.values())
    assert {v["shown"] for v in north} >= {"£106,950.00", "£12,000.50"}
    assert spec["encoding"]["y"]["sort"] == ["NORTH PCN (U00001)", "SOUTH PCN (U00002)"]
    assert spec["encoding"]["x"]["stack"] == "zero"
    assert "£329,476 in all" in spec["description"]


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


@pytest.mark.parametrize("colour", sorted(STREAM_COLOURS.values()))
def test_every_stream_colour_has_3_to_1_contrast_on_white(colour: str) -> None:
    assert 1.05 / (_luminance(colour) + 0.05) >= 3.0


def test_the_spec_renders_to_svg_on_the_server() -> None:
    svg = vlc.vegalite_to_svg(streams_spec(ROWS, title="Funding 2020/21", width=600))
    assert svg.lstrip().startswith("<svg") and "Funding 2020/21" in svg
    assert len(re.findall(r"<path", svg)) >= 14


def test_no_pcns_is_an_empty_chart_not_an_error() -> None:
    spec = streams_spec([], title="Funding")
    assert spec["data"]["values"] == [] and "0 PCNs" in spec["description"]
    assert vlc.vegalite_to_svg(streams_spec([], title="Funding", width=300)).lstrip()[:4] == "<svg"
