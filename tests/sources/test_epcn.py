"""ePCN workbook reader: PCNs and memberships, and clear errors for a broken workbook."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from tests.corpus import Refusal, assert_refused, refusals

from openpcn.exceptions import InputError
from openpcn.sources import epcn
from openpcn.store.schema import TABLES

DATA = Path(__file__).resolve().parents[1] / "data"


def test_reads_pcns_and_memberships_in_warehouse_shape() -> None:
    data = epcn.read(DATA / "good" / "epcn_sample.xlsx", source="ePCN 2019-12")
    assert list(data.pcns.columns) == TABLES["pcns"].column_names
    assert list(data.memberships.columns) == TABLES["memberships"].column_names
    pcn = data.pcns.set_index("pcn_code").loc["U02749"]
    # Name from PCN Details (the partner sheet holds only a VLOOKUP formula).
    assert pcn["name"] == "CENTRAL BOURNEMOUTH PCN"
    assert pcn["postcode"] == "BH9 2XF"
    assert pcn["open_date"] == dt.date(2019, 10, 1)
    members = data.memberships.set_index("practice_code")
    assert members.loc["J81083", "pcn_code"] == "U55979"
    assert members.loc["J81083", "start_date"] == dt.date(2019, 12, 1)
    assert members.loc["J81039", "end_date"] is None
    assert set(data.memberships["source"]) == {"ePCN 2019-12"}
    assert data.commissioner_names["99N"] == "NHS WILTSHIRE CCG"


def test_source_defaults_to_the_file_name() -> None:
    data = epcn.read(DATA / "good" / "epcn_sample.xlsx")
    assert set(data.memberships["source"]) == {"epcn_sample.xlsx"}


PARTNERS = "[PCN Core Partner Details]"


@pytest.mark.parametrize("case", refusals(kind="epcn"))
def test_bad_workbooks(case: Refusal) -> None:
    """An error on a row names the sheet too (`<file> [<sheet>]`); a missing sheet has no row."""
    with pytest.raises(InputError) as caught:
        epcn.read(case.path)
    assert_refused(caught.value, case, file=f"{case.file} {PARTNERS}" if case.row else None)


def test_not_a_workbook(tmp_path: Path) -> None:
    fake = tmp_path / "epcn.xlsx"
    fake.write_text("PCN Code,PCN Name\n")
    with pytest.raises(InputError, match="not a readable Excel workbook"):
        epcn.read(fake)


def test_loader_replaces_pcns_and_memberships() -> None:
    loaded = epcn.load(DATA / "good" / "epcn_sample.xlsx")
    assert set(loaded.frames) == {"pcns", "memberships"}
    assert loaded.merge_on == {}
    assert len(loaded.frames["memberships"]) == 4
