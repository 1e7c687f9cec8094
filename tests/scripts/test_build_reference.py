"""The shipped reference data: schema columns, Dorset figures, integrity and the rules applied.

Reads only the committed CSVs (never ../shared), so it runs anywhere.
"""

from __future__ import annotations

import datetime as dt
import gzip
import importlib.util
from pathlib import Path

import pandas as pd
import pytest

from openpcn.store.reference import reference_tables
from openpcn.store.schema import ORG_TABLES, PUBLICATION_TABLES

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "build_reference.py"
AT = dt.date(2019, 12, 1)


@pytest.fixture(scope="module")
def ref() -> dict[str, pd.DataFrame]:
    return reference_tables()


def _build_module():
    spec = importlib.util.spec_from_file_location("build_reference", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


FOLDER = SCRIPT.parents[1] / "src" / "openpcn" / "data" / "reference"


def _header(name: str) -> list[str]:
    plain, packed = FOLDER / f"{name}.csv", FOLDER / f"{name}.csv.gz"
    text = plain.read_text() if plain.exists() else gzip.decompress(packed.read_bytes()).decode()
    return text.splitlines()[0].split(",")


def test_every_table_is_shipped_with_the_schema_columns() -> None:
    for spec in (*ORG_TABLES, *PUBLICATION_TABLES):
        assert _header(spec.name) == spec.column_names, spec.name
    assert (FOLDER / "PROVENANCE.md").is_file()


def test_gzipped_tables_are_deterministic_bytes() -> None:
    """mtime 0 and no file name in the gzip header: a re-run rewrites the same bytes."""
    build = _build_module()
    for name in sorted(build.GZIPPED):
        data = (FOLDER / f"{name}.csv.gz").read_bytes()
        assert data[4:8] == b"\0\0\0\0", name  # MTIME
        assert data[3] & 0x08 == 0, name  # no FNAME
        assert not (FOLDER / f"{name}.csv").exists(), name


def _prevalence(frame: pd.DataFrame, year: str, group: str) -> float:
    """Registers over the lists of the practices that published one (as NHS Digital sums)."""
    rows = frame[(frame["year"] == year) & (frame["group_code"] == group)]
    rows = rows[rows["register"].notna()]
    return float(100 * rows["register"].sum() / rows["list_size"].sum())


def test_qof_prevalence_gives_the_published_england_and_dorset_figures(
    ref: dict[str, pd.DataFrame],
) -> None:
    """SOURCES.md: England hypertension 2018/19 13.98% (NHS Digital publishes 14.0%), Dorset
    (J81 + Y03661, 85 codes) 15.87%; 399 blank registers in 2018/19 and 252 in 2017/18."""
    prev = ref["qof_prevalence"]
    assert round(_prevalence(prev, "2018/19", "HYP"), 2) == 13.98
    assert round(_prevalence(prev, "2018/19", "DEP"), 2) == 10.76
    dorset = prev[prev["practice_code"].str.startswith(("J81", "Y03661"))]
    assert dorset.loc[dorset["year"] == "2018/19", "practice_code"].nunique() == 85
    assert round(_prevalence(dorset, "2018/19", "HYP"), 2) == 15.87
    assert round(_prevalence(dorset, "2018/19", "DM"), 2) == 6.59
    blank = prev[prev["register"].isna()].groupby("year").size().to_dict()
    assert blank == {"2017/18": 252, "2018/19": 399}
    assert len(prev) == 149_100 + 144_333


def test_qof_groups_and_practices(ref: dict[str, pd.DataFrame]) -> None:
    groups = ref["qof_groups"].set_index(["year", "group_code"])
    assert groups.loc[("2018/19", "DM"), "list_type"] == "17OV"
    assert (
        groups.loc[("2018/19", "CVDPP"), "description"]
        == "Cardiovascular disease – primary prevention"
    )
    assert groups.loc[("2017/18", "OST"), "list_type"] == "50OV"
    assert "descriptions from the QOF 2018/19" in groups.loc[("2017/18", "HYP"), "source"]
    assert len(groups.loc["2018/19"]) == 25 and len(groups.loc["2017/18"]) == 21
    practices = ref["qof_practices"]
    assert len(practices) == 6873
    assert (practices["ccg_code"] == "11J").sum() == 84


def test_covariates_and_dorset_appointments(ref: dict[str, pd.DataFrame]) -> None:
    """SOURCES.md: May 2019 Dorset 371,991 appointments, 305,102 face to face, 52,518 by
    telephone; April 2020 265,249 (163,952 / 91,747)."""
    cov = ref["practice_covariates"]
    assert len(cov) == 6720 and set(cov["year"]) == {"2019/20"}
    assert int(cov["over65_pct"].isna().sum()) == 138
    assert cov["over65_pct"].max() <= 100
    appts = ref["appointments_published"]
    assert set(appts["org_code"]) == {"11J"} and set(appts["level"]) == {"ccg"}
    by_mode = appts.groupby(["month", "mode"])["count"].sum()
    may, april = dt.date(2019, 5, 1), dt.date(2020, 4, 1)
    assert int(by_mode.loc[may].sum()) == 371_991
    assert int(by_mode.loc[(may, "face_to_face")]) == 305_102
    assert int(by_mode.loc[(may, "telephone")]) == 52_518
    assert (int(by_mode.loc[april].sum()), int(by_mode.loc[(april, "telephone")])) == (
        265_249,
        91_747,
    )


def test_dorset_has_18_pcns_and_81_member_practices(ref: dict[str, pd.DataFrame]) -> None:
    pcns = ref["pcns"]
    dorset = set(pcns.loc[pcns["commissioner_code"] == "11J", "pcn_code"])
    members = ref["memberships"]
    open_at = (members["start_date"] <= AT) & members["end_date"].map(
        lambda end: end is None or end >= AT
    )
    in_dorset = members[open_at & members["pcn_code"].isin(dorset)]
    assert len(dorset) == 18
    assert in_dorset["practice_code"].nunique() == 81
    lists = ref["practice_lists"]
    pay = lists[lists["source"] == "NHS Payments 2019-20 (last known figure)"]
    total = pay[pay["practice_code"].isin(in_dorset["practice_code"])]["registered_patients"]
    assert total.sum() == pytest.approx(806_922.25)
    assert ref["commissioners"].set_index("code").loc["11J", "ics_code"] == "QVV"


def test_england_counts(ref: dict[str, pd.DataFrame]) -> None:
    assert len(ref["pcns"]) == 1250
    assert len(ref["memberships"]) == 6757
    assert ref["practices"]["practice_code"].is_unique


def test_references_resolve(ref: dict[str, pd.DataFrame]) -> None:
    practices = set(ref["practices"]["practice_code"])
    assert set(ref["memberships"]["practice_code"]) <= practices
    assert set(ref["memberships"]["pcn_code"]) <= set(ref["pcns"]["pcn_code"])
    assert set(ref["practice_lists"]["practice_code"]) <= practices
    assert set(ref["cqc_ratings"]["practice_code"]) <= practices
    assert set(ref["groupings"]["practice_code"]) <= practices
    commissioners = set(ref["commissioners"]["code"])
    assert set(ref["practices"]["commissioner_code"]) <= commissioners
    assert set(ref["pcns"]["commissioner_code"]) <= commissioners


def test_named_conflicts_are_resolved_by_the_rules(ref: dict[str, pd.DataFrame]) -> None:
    conflicts = ref["source_conflicts"].set_index(["subject_code", "field"])
    portesham = conflicts.loc[("J81609", "pcn_code")]
    assert (portesham["chosen_value"], portesham["other_value"]) == ("U58840", "U38731")
    membership = ref["memberships"].set_index("practice_code")
    assert membership.loc["J81609", "pcn_code"] == "U58840"  # ePCN wins
    assert conflicts.loc[("J81031", "status"), "chosen_value"] == "dormant"
    practices = ref["practices"].set_index("practice_code")
    assert practices.loc["J81031", "status"] == "dormant"
    assert membership.loc["J81031", "pcn_code"] == "U42510"  # still a Blandford member
    assert conflicts.loc[("J81083", "commissioner_code"), "chosen_value"] == "99N"
    assert practices.loc["J81083", "commissioner_code"] == "99N"
    assert "J81083" not in set(ref["groupings"]["practice_code"])


def test_dorset_coordinates_and_districts(ref: dict[str, pd.DataFrame]) -> None:
    practices = ref["practices"].set_index("practice_code")
    moordown = practices.loc["J81039"]
    assert moordown["coord_source"] == "Code-Point Open 2014-08"
    assert (moordown["lat"], moordown["lon"]) == pytest.approx((50.756212, -1.874471))
    assert practices.loc["J81052", "coord_source"] == "geocoded 2026-03"  # postcode after 2014
    districts = ref["groupings"].set_index("practice_code")
    assert districts.loc["J81039", "group_name"] == "Bournemouth"
    assert set(districts["grouping"]) == {"district"}


def test_every_ccg_is_placed_in_an_stp_and_region(ref: dict[str, pd.DataFrame]) -> None:
    commissioners = ref["commissioners"].set_index("code")
    with_practices = set(ref["practices"]["commissioner_code"])
    stp_columns = ["stp_code", "stp_name", "region_code", "region_name"]
    assert commissioners.loc[sorted(with_practices), stp_columns].notna().all().all()
    assert commissioners["stp_code"].notna().all()
    assert commissioners["stp_code"].nunique() == 42
    assert commissioners["region_code"].nunique() == 7
    assert (commissioners.groupby("stp_code")["region_code"].nunique() == 1).all()
    dorset = commissioners.loc["11J", stp_columns].tolist()
    assert dorset == ["E54000041", "Dorset STP", "Y58", "South West"]
    assert (commissioners["stp_code"] == "E54000041").sum() == 1  # coterminous with QVV


def test_a_ccg_formed_in_april_2019_has_its_stp(ref: dict[str, pd.DataFrame]) -> None:
    """NHS Devon CCG (15N) replaced 99P and 99Q on 2019-04-01; the QOF file already names it,
    and every one of its practices the file holds sits in the same STP."""
    commissioners = ref["commissioners"].set_index("code")
    assert commissioners.loc["15N", "stp_code"] == "E54000037"
    assert commissioners.loc["15N", "stp_name"] == "Devon STP"
    assert not {"99P", "99Q"} & set(commissioners.index)
    provenance = (SCRIPT.parents[1] / "src/openpcn/data/reference/PROVENANCE.md").read_text()
    assert "`qof_organisation_reference_2018-19.csv` | `a20c5ef1" in provenance
    assert "- commissioners_stp_from_practices: []" in provenance
    assert "- commissioners_practices_span_stps: {}" in provenance
    assert "- commissioners_without_an_stp: []" in provenance


def test_a_ccg_the_qof_file_does_not_name_takes_the_stp_of_most_of_its_practices() -> None:
    build = _build_module()
    qof = pd.DataFrame(
        [
            ("P00001", "AAA", "E54000001", "North STP", "Y01", "North"),
            ("P00002", "AAA", "E54000001", "North STP", "Y01", "North"),
            ("P00003", "BBB", "E54000002", "South STP", "Y02", "South"),
        ],
        columns=["practice_code", "commissioner_code", *build.STP_COLUMNS],
    )
    practices = pd.DataFrame(
        {
            "practice_code": ["P00001", "P00002", "P00003", "P00009"],
            "commissioner_code": ["NEW", "NEW", "NEW", "LON"],  # NEW: a 2019 merger of AAA + BBB
        }
    )
    frame, figures = build.stp_of_commissioners(["LON", "BBB", "NEW"], practices, qof)
    assert frame.loc["NEW"].tolist() == ["E54000001", "North STP", "Y01", "North"]
    assert frame.loc["BBB", "stp_code"] == "E54000002"  # named in the file: taken directly
    assert frame.loc["LON"].isna().all()  # no practice in the file: left empty, not guessed
    assert figures["commissioners_stp_from_practices"] == ["NEW"]
    assert figures["commissioners_practices_span_stps"] == {"NEW": {"E54000001": 2, "E54000002": 1}}
    assert figures["commissioners_without_an_stp"] == ["LON"]
    assert (figures["stps"], figures["regions"]) == (2, 2)


def test_csv_output_is_sorted_and_stably_formatted() -> None:
    build = _build_module()
    frame = pd.DataFrame(
        {
            "practice_code": ["J81047", "J81039"],
            "as_of": [dt.date(2020, 1, 1), dt.date(2020, 1, 1)],
            "registered_patients": [9209.25, 1 / 3],
            "weighted_patients": [float("nan"), 2.0],
            "source": ["x", "x"],
        }
    )
    text = build.to_csv("practice_lists", frame)
    assert text.splitlines() == [
        "practice_code,as_of,registered_patients,weighted_patients,source",
        "J81039,2020-01-01,0.333333,2,x",
        "J81047,2020-01-01,9209.25,,x",
    ]
    assert build.to_csv("practice_lists", frame.iloc[::-1]) == text
