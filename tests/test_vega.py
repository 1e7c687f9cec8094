"""The Vega-Lite building blocks every chart shares."""

from __future__ import annotations

from openpcn.vega import SCHEMA, colour_key, spec, stacked_bars


def test_a_spec_starts_with_its_schema_title_and_description_then_its_marks():
    made = spec(title="T", description="D", width=300, height=200, mark="bar")
    assert list(made) == ["$schema", "title", "description", "width", "height", "mark"]
    assert made["$schema"] == SCHEMA and made["mark"] == "bar"


def test_a_colour_key_pairs_each_label_with_its_colour_in_order():
    labels = {"b": "Bee", "a": "Ay"}
    key = colour_key("kind", "Kind", labels, {"a": "#000000", "b": "#FFFFFF"})
    assert key == {
        "field": "kind",
        "type": "nominal",
        "title": "Kind",
        "scale": {"domain": ["Bee", "Ay"], "range": ["#FFFFFF", "#000000"]},
    }


def test_stacked_bars_are_one_bar_per_pcn_stacked_in_order():
    made = stacked_bars(
        "Title",
        "Described",
        [{"pcn": "A", "order": 0}],
        width="container",
        sort="ascending",
        x={"field": "n"},
        color={"field": "kind"},
        tooltip=[],
        y_axis={"labelLimit": 320},
    )
    assert made["title"] == {"text": "Title"} and made["height"] == {"step": 22}
    encoding = made["encoding"]
    assert encoding["y"] == {
        "field": "pcn",
        "type": "nominal",
        "sort": "ascending",
        "title": None,
        "axis": {"labelLimit": 320},
    }
    assert encoding["order"] == {"field": "order", "type": "quantitative"}
