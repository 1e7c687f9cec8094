"""Readers used only by the reference build: IMD, CQC, GPPS, GP workforce, geocoded practices,
QOF organisation reference."""

from __future__ import annotations

from pathlib import Path

import pytest

from openpcn.exceptions import InputError
from openpcn.sources import cqc, geocoded, gpps, imd, qof_organisation, workforce_csv

DATA = Path(__file__).resolve().parents[1] / "data" / "good"


def test_imd_takes_one_edition() -> None:
    scores = imd.read(DATA / "imd_sample.csv")
    assert scores.values.tolist() == [["J81039", pytest.approx(13.6601962)]]
    assert imd.read(DATA / "imd_sample.csv", year=2010)["practice_code"].tolist() == ["J81039"]


def test_cqc_skips_site_codes() -> None:
    ratings = cqc.read(DATA / "cqc_sample.csv")
    assert ratings[["practice_code", "rating", "rating_year"]].values.tolist() == [
        ["J81039", "Good", 2016]
    ]


def test_cqc_rejects_an_unknown_rating(tmp_path: Path) -> None:
    bad = tmp_path / "cqc.csv"
    bad.write_text((DATA / "cqc_sample.csv").read_text().replace('"Good","N",13', '"Fine","N",13'))
    with pytest.raises(InputError) as caught:
        cqc.read(bad)
    assert (caught.value.where.row, caught.value.where.column) == (3, "latest_rating")


def test_gpps_long_format_without_unpublished_values() -> None:
    survey = gpps.read(DATA / "gpps_sample.csv")
    assert sorted(survey["measure"]) == ["appointment_good", "overall_good"]
    assert set(survey["practice_code"]) == {"J81039"}  # J81040 is NA (not published)
    overall = survey.set_index("measure").loc["overall_good", "value_pct"]
    assert overall == pytest.approx(91.4927821)
    assert survey["responses"].isna().all()


def test_workforce_nd_is_empty(tmp_path: Path) -> None:
    text = (DATA / "workforce_sample.csv").read_text().replace(",9272,", ",ND,")
    path = tmp_path / "workforce.csv"
    path.write_text(text)
    totals = dict(zip(*workforce_csv.read(path).T.values.tolist(), strict=True))
    assert totals["J81003"] == 6750.0
    assert totals["J81039"] != totals["J81039"]  # NaN


def test_geocoded_keeps_practice_codes() -> None:
    frame = geocoded.read(DATA / "geocoded_sample.json")
    assert frame["practice_code"].tolist() == ["J81052", "J81646", "V81999"]
    assert frame.set_index("practice_code").loc["J81646", "lon"] == pytest.approx(-1.79086)


def test_qof_organisation_places_practices_in_ccg_stp_and_region() -> None:
    frame = qof_organisation.read(DATA / "qof_organisation_sample.csv")
    assert list(frame.columns) == [
        "practice_code",
        "commissioner_code",
        "stp_code",
        "stp_name",
        "region_code",
        "region_name",
    ]
    assert frame.set_index("practice_code").loc["J81083"].tolist() == [
        "99N",
        "E54000040",
        "Bath, Swindon and Wiltshire STP",
        "Y58",
        "South West",
    ]


def test_qof_organisation_rejects_a_bad_stp_code(tmp_path: Path) -> None:
    bad = tmp_path / "qof.csv"
    text = (DATA / "qof_organisation_sample.csv").read_text()
    bad.write_text(text.replace("E54000037,Devon STP", "Q85,Devon STP"))
    with pytest.raises(InputError) as caught:
        qof_organisation.read(bad)
    assert (caught.value.where.row, caught.value.where.column) == (4, "STP_ONS_CODE")
