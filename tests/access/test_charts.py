"""The access charts' Vega-Lite specs, from a small summary worked by hand: each spec carries
its data inline, one value per month and category, in the categories' order and colours."""

from __future__ import annotations

import pytest

from openpcn.access.charts import CHARTS, MODE_COLOURS, chart_spec, face_to_face_spec, modes_spec
from openpcn.vega import SCHEMA

MODES = ("face_to_face", "telephone", "home_visit", "video_online", "unknown")
LEADS = ("same_day", "1_day", "2_7_days", "8_14_days", "15_21_days", "22_28_days", "over_28_days")


def _month(month: str, f2f: float, phone: float, dna: float, recorded: bool = False) -> dict:
    per = dict.fromkeys(MODES, 0.0) | {"face_to_face": f2f, "telephone": phone}
    leads = None if recorded else dict.fromkeys((*LEADS, "unknown"), 12.5)
    return {
        "month": month,
        "mode_per_1000": per,
        "face_to_face_share_pct": 100 * f2f / (f2f + phone),
        "dna_rate_pct": dna,
        "lead_times_share_pct": leads,
    }


RESULT = {
    "published": [_month("2020-03", 400, 100, 4.0), _month("2020-04", 200, 200, 3.0)],
    "recorded": [_month("2020-03", 300, 100, 5.0, recorded=True)],
}


def test_modes_are_stacked_per_1000_in_their_order_and_colours():
    spec = modes_spec(RESULT)
    assert spec["$schema"] == SCHEMA
    values = spec["data"]["values"]
    assert len(values) == 2 * 5
    april = {v["mode"]: v["per_1000"] for v in values if v["month"] == "2020-04"}
    assert (april["face to face"], april["telephone"]) == (200, 200)
    assert spec["encoding"]["color"]["scale"]["range"] == [MODE_COLOURS[k] for k in MODES]


def test_the_face_to_face_share_has_a_line_per_source():
    values = face_to_face_spec(RESULT)["data"]["values"]
    published = {v["month"]: v["value"] for v in values if v["kind"] == "published"}
    assert published == {"2020-03": pytest.approx(80.0), "2020-04": pytest.approx(50.0)}
    assert [v["value"] for v in values if v["kind"] == "recorded"] == [pytest.approx(75.0)]


def test_lead_times_come_from_published_months_only():
    values = chart_spec(RESULT, "lead_times")["data"]["values"]
    assert {v["month"] for v in values} == {"2020-03", "2020-04"}
    assert len(values) == 2 * 8


@pytest.mark.parametrize("name", CHARTS)
def test_every_chart_has_a_title_and_a_description(name):
    spec = chart_spec(RESULT, name, width="container")
    assert spec["title"]["text"] and spec["description"]
    assert spec["width"] == "container"
