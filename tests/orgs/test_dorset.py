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
    # memberships.csv: 81 practices (one open row each, "ePCN 2019-12", from 2019-10-01) in
    # the 18 PCNs that pcns.csv gives commissioner 11J
    assert (got["practices"], got["pcns"]) == (81, 18)
    # practice_lists.csv rows nearest 2019-12-01 are as_of 2020-01-01 (NHS Payments 2019-20,
    # raw/nhs_payments_to_general_practice_2019-20.csv): 806,922.25 for the 81
    assert 800_000 < got["registered_patients"] < 810_000
    # practices.csv: J81031 is the one member with status dormant (epraccur 2019-11)
    assert got["dormant_members"] == ["J81031"]


def test_dorset_breaches_the_band_and_calls_out_its_dormant_member(dorset):
    report = check(dorset, "11J", DAY)
    band = report.rule("size_band")
    below = {f.code for f in band.findings if "below" in f.reason}
    # the same lists by PCN: Sherborne Area 20,774.75 (3 practices), Blandford 29,136.00 (2)
    assert {"U75274", "U42510"} <= below  # Sherborne Area, Blandford
    # Weymouth & Portland 76,048.75 (6 practices), the largest of the 6 over 50,000
    assert any(f.code == "U25251" and "above" in f.reason for f in band.findings)  # Weymouth
    dormant = [f for f in report.rule("coverage").findings if f.code == "J81031"]
    assert dormant[0].outcome == "note"
    assert "BLANDFORD PCN" in dormant[0].reason
    assert report.rule("one_pcn_per_practice").status == "pass"
