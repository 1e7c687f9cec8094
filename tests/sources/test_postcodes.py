"""Code-Point Open reader: fixed-width postcodes normalised, grid references to WGS84."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from openpcn.build import import_file
from openpcn.config import Settings
from openpcn.exceptions import InputError
from openpcn.sources import postcodes
from openpcn.sources.common import normalise_postcode
from openpcn.store.schema import TABLES
from openpcn.store.warehouse import write_tables

DATA = Path(__file__).resolve().parents[1] / "data"


def test_normalise_postcode() -> None:
    raw = pd.Series(["BH151AA", "BH9  2XF", "dt11 7dq", None, ""], dtype="string")
    assert normalise_postcode(raw).tolist() == ["BH15 1AA", "BH9 2XF", "DT11 7DQ", pd.NA, pd.NA]


def test_centroids_in_wgs84() -> None:
    frame = postcodes.read(DATA / "good" / "codepoint_sample.csv").set_index("postcode")
    assert list(frame.index) == ["BH15 1AA", "BH9 2XF", "DT11 7DQ"]
    # Moordown Medical Centre, BH9 2XF: E 408951, N 95187.
    assert frame.loc["BH9 2XF", "lat"] == pytest.approx(50.756212, abs=1e-6)
    assert frame.loc["BH9 2XF", "lon"] == pytest.approx(-1.874471, abs=1e-6)
    assert frame.loc["DT11 7DQ", "district_code"] == "E07000050"  # North Dorset


def test_bad_postcode_is_located(tmp_path: Path) -> None:
    lines = (DATA / "good" / "codepoint_sample.csv").read_text().splitlines()
    bad = tmp_path / "bh.csv"
    bad.write_text("\n".join([lines[0], lines[1].replace("BH9 2XF", "NOT A PC")]) + "\n")
    with pytest.raises(InputError) as caught:
        postcodes.read(bad)
    assert (caught.value.where.row, caught.value.where.column) == (2, "Postcode")


def test_loader_without_a_warehouse_gives_every_postcode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENPCN_HOME", str(tmp_path))
    loaded = postcodes.load(DATA / "good" / "codepoint_sample.csv")
    assert loaded.merge_on == {"practices": ("postcode",)}
    assert loaded.update_only == {"practices"}
    frame = loaded.frames["practices"]
    assert list(frame.columns) == ["postcode", "lat", "lon", "coord_source"]
    assert len(frame) == 3


def test_import_updates_only_stored_practices_postcodes(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path)
    practice = pd.DataFrame(
        {
            "practice_code": ["J81039"],
            "name": ["MOORDOWN MEDICAL CENTRE"],
            "postcode": ["BH9 2XF"],
            "commissioner_code": ["11J"],
            "status": ["active"],
        }
    )
    full = practice.reindex(columns=TABLES["practices"].column_names)
    write_tables(settings.warehouse_path, {"practices": full})
    result = import_file("postcodes", DATA / "good" / "codepoint_sample.csv", settings)
    assert result.rows == {"practices": 1}
    sql = "SELECT practice_code, round(lat, 4), coord_source FROM practices"
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        stored = con.execute(sql).fetchall()
    assert stored == [("J81039", 50.7562, "Code-Point Open (codepoint_sample.csv)")]
