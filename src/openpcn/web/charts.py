"""Vega-Lite specs for the pages' charts: data in, a JSON spec out (vega-embed draws it).

Specs carry their data inline, a title and a description (vega-embed turns these into the
SVG's accessible name), and colours with at least 3:1 contrast on white.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from openpcn import vega

FEMALE, MALE = "#AE2573", "#005EB8"  # NHS pink and NHS blue
SEX_LABELS = {"F": "Female", "M": "Male"}


def pyramid_spec(
    rows: Iterable[Mapping[str, object]], *, title: str = "Registered patients by age and sex"
) -> dict[str, object]:
    """A population pyramid: females to the left, males to the right, oldest band on top.

    A row whose `patients` is None was redacted by disclosure control: drawn as 0 and shown
    as "redacted" in its tooltip.
    """
    values = []
    bands: list[str] = []
    for row in rows:
        band, sex, count = str(row["age_band"]), str(row["sex"]), row.get("patients")
        if band not in bands:
            bands.append(band)
        number = 0 if count is None else int(count)  # type: ignore[call-overload]
        values.append(
            {
                "age_band": band,
                "sex": SEX_LABELS.get(sex, sex),
                "patients": number,
                "signed": -number if sex == "F" else number,
                "shown": "redacted" if count is None else f"{number:,}",
            }
        )
    shown = sum(v["patients"] for v in values)
    redacted = sum(v["shown"] == "redacted" for v in values)
    description = (
        f"Population pyramid of {shown:,} registered patients in {len(bands)} five-year age "
        "bands; females to the left, males to the right."
    )
    if redacted:
        description += f" {redacted} small counts are redacted and drawn as zero."
    return vega.spec(
        title=title,
        description=description,
        width="container",
        height=360,
        data={"values": values},
        mark={"type": "bar", "tooltip": True},
        encoding={
            "y": {
                "field": "age_band",
                "type": "ordinal",
                "sort": list(reversed(bands)),
                "title": "Age band (years)",
            },
            "x": {
                "field": "signed",
                "type": "quantitative",
                "title": "Patients (females left, males right)",
                "axis": {"labelExpr": "format(abs(datum.value), ',')"},
            },
            "color": {
                "field": "sex",
                "type": "nominal",
                "title": "Sex",
                "scale": {"domain": ["Female", "Male"], "range": [FEMALE, MALE]},
            },
            "tooltip": [
                {"field": "age_band", "title": "Age band"},
                {"field": "sex", "title": "Sex"},
                {"field": "shown", "title": "Patients"},
            ],
        },
        config={"view": {"stroke": None}},
    )
