"""The synthetic population is a valid extract: exported as files, it imports unchanged.

This keeps `synth/` honest to the documented extract format (docs/extract-format.md), so
everything built on the synthetic data runs on a real extract too.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from openpcn.build import import_file
from openpcn.config import Settings
from openpcn.store.reference import reference_tables
from openpcn.store.schema import PATIENT_TABLES
from openpcn.store.warehouse import write_tables
from openpcn.synth import build

DORSET_THREE = pd.DataFrame(
    {
        "practice_code": ["J81002", "J81019", "J81031"],
        "pcn_code": ["U19923", "U42510", "U42510"],
        "registered_patients": [8906.0, 20486.0, 8650.0],
        "rurality": ["Urban", "Rural", "Rural"],
        "imd2019_score": [10.0, 14.0, 15.5],
        "lat": [50.80, 50.86, 50.86],
        "lon": [-1.89, -2.17, -2.17],
    }
)


REFERRALS = "SELECT count(*) FROM events WHERE snomed_code = 'OPENPCN-ICT-REFERRAL'"


def test_an_exported_synthetic_population_imports_as_a_real_extract(tmp_path):
    built = tmp_path / "built.duckdb"
    write_tables(built, reference_tables())
    counts = build(built, DORSET_THREE, scale=0.05, seed=11)

    extract = tmp_path / "extract"
    extract.mkdir()
    with duckdb.connect(str(built), read_only=True) as con:
        planted = con.execute(REFERRALS).fetchone()[0]
        for spec in PATIENT_TABLES:
            suffix = "csv" if spec.name == "patients" else "parquet"
            target = extract / f"{spec.name}.{suffix}"
            fmt = "(HEADER, DELIMITER ',')" if suffix == "csv" else "(FORMAT parquet)"
            con.execute(f"COPY {spec.name} TO '{target}' {fmt}")

    settings = Settings(home=tmp_path / "fresh")
    write_tables(settings.warehouse_path, reference_tables())
    result = import_file("extract", extract, settings)

    assert result.rows == {name: n for name, n in counts.items() if n}
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        landed = con.execute("SELECT count(*) FROM events").fetchone()[0]
        referrals = con.execute(REFERRALS).fetchone()[0]
    assert landed == counts["events"]
    assert referrals == planted > 0  # the local ICT referral code is part of the format
