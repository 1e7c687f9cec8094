"""The real Dorset 2019 hierarchy (shipped reference data): what the rules must find.

The reference tables ship in src/openpcn/data/reference, so these tests always run: a missing
file fails them, never skips them. Every other orgs test uses inline tables.
"""

import ibis
import pytest

from openpcn.orgs import check, summary

DAY = "2019-12-01"


@pytest.fixture(scope="module")
def dorset(tmp_path_factory):
    from openpcn.store.reference import reference_tables
    from openpcn.store.warehouse import write_tables

    tables = reference_tables()  # a file that is absent gives an empty table
    assert len(tables["memberships"]), "src/openpcn/data/reference/memberships.csv is missing"
    path = tmp_path_factory.mktemp("dorset") / "w.duckdb"
    write_tables(path, tables)
    return ibis.duckdb.connect(str(path), read_only=True)


def test_dorset_has_81_practices_in_18_pcns_and_about_805_thousand_patients(dorset):
    got = summary(dorset, "11J", DAY)
    assert (got["practices"], got["pcns"]) == (81, 18)
    assert 800_000 < got["registered_patients"] < 810_000
    assert got["dormant_members"] == ["J81031"]


def test_dorset_breaches_the_band_and_calls_out_its_dormant_member(dorset):
    report = check(dorset, "11J", DAY)
    band = report.rule("size_band")
    below = {f.code for f in band.findings if "below" in f.reason}
    assert {"U75274", "U42510"} <= below  # Sherborne Area, Blandford
    assert any(f.code == "U25251" and "above" in f.reason for f in band.findings)  # Weymouth
    dormant = [f for f in report.rule("coverage").findings if f.code == "J81031"]
    assert dormant[0].outcome == "note"
    assert "BLANDFORD PCN" in dormant[0].reason
    assert report.rule("one_pcn_per_practice").status == "pass"
