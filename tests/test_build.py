"""The orchestration above store, sources and synth: `import_file` finds the reader for a kind
and hands its tables to the store's all-or-nothing writer, so a bad file still changes nothing."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest

from openpcn.build import available_loaders, import_file
from openpcn.config import Settings
from openpcn.exceptions import InputError, NotFoundError
from openpcn.store.schema import TABLES
from openpcn.store.warehouse import write_tables

DATA = Path(__file__).parent / "data"


def digest(settings: Settings) -> str:
    return hashlib.sha256(settings.warehouse_path.read_bytes()).hexdigest()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """A warehouse holding one practice, J81039 at BH9 2XF."""
    settings = Settings(home=tmp_path / "home")
    practice = pd.DataFrame(
        {
            "practice_code": ["J81039"],
            "name": ["MOORDOWN MEDICAL CENTRE"],
            "postcode": ["BH9 2XF"],
            "commissioner_code": ["11J"],
            "status": ["active"],
        }
    ).reindex(columns=TABLES["practices"].column_names)
    write_tables(settings.warehouse_path, {"practices": practice})
    return settings


def test_every_reader_module_registers_its_kinds():
    modules = {kind: fn.__module__ for kind, fn in available_loaders().items()}
    assert modules["epraccur"] == "openpcn.sources.epraccur"
    assert modules["postcodes"] == "openpcn.sources.postcodes"
    assert modules["groupings"] == modules["band-exceptions"] == "openpcn.sources.local_files"
    assert modules["extract"] == modules["patients"] == "openpcn.sources.extract"
    assert list(modules) == sorted(modules)  # listed in order for the "use one of" fix


def test_a_bad_file_read_by_a_real_reader_changes_nothing(settings):
    bad = DATA / "bad" / "registrations_duplicate_practice.csv"
    before = digest(settings)
    with pytest.raises(InputError) as caught:
        import_file("registrations", bad, settings)
    assert digest(settings) == before
    assert (caught.value.where.row, caught.value.where.column) == (3, "CODE")


def test_a_good_file_lands_and_reports_its_rows_and_note(settings):
    result = import_file("postcodes", DATA / "good" / "codepoint_sample.csv", settings)
    assert (result.kind, result.rows) == ("postcodes", {"practices": 1})
    assert result.note.startswith("update-only")


def test_an_update_only_import_without_a_warehouse_is_refused_and_creates_none(tmp_path):
    settings = Settings(home=tmp_path / "fresh")
    with pytest.raises(InputError, match="not in the warehouse yet"):
        import_file("postcodes", DATA / "good" / "codepoint_sample.csv", settings)
    assert not settings.home.exists()


def test_the_dispatch_refuses_before_reading_anything(tmp_path):
    settings = Settings(home=tmp_path / "fresh")
    with pytest.raises(NotFoundError, match="unknown import kind"):
        import_file("spreadsheet", tmp_path, settings)
    with pytest.raises(NotFoundError, match="file not found"):
        import_file("epraccur", tmp_path / "nowhere.csv", settings)
    assert not settings.home.exists()


def test_an_imported_codelist_replaces_the_shipped_one_and_a_refused_one_changes_nothing(
    tmp_path, monkeypatch
):
    from openpcn.build import import_codelist
    from openpcn.cohorts.codelists import default_folder, load_codelists
    from openpcn.config import Settings
    from openpcn.exceptions import InputError

    monkeypatch.setenv("OPENPCN_HOME", str(tmp_path))
    settings = Settings(home=tmp_path)
    download = tmp_path / "pcsp.csv"
    download.write_text("code,term\n38341003,a\n59621000,b\n", "utf-8")
    result = import_codelist(download, "openpcn-care-plan", settings=settings)
    assert result.rows == {"openpcn-care-plan": 2}
    mine = load_codelists()["openpcn-care-plan"]
    assert mine.codes == ("38341003", "59621000") and mine.status == "unverified"
    assert "pcsp.csv" in mine.source
    shipped = load_codelists(default_folder())
    assert set(load_codelists()) == set(shipped)  # one list replaced, none added
    assert all(load_codelists()[n] == shipped[n] for n in shipped if n != "openpcn-care-plan")

    kept = {p.name: p.read_bytes() for p in (tmp_path / "codelists").iterdir()}
    bad = tmp_path / "bad.csv"
    bad.write_text("code,term\n38341003,a\n300309006,b\n", "utf-8")
    with pytest.raises(InputError):
        import_codelist(bad, "openpcn-care-plan", settings=settings)
    with pytest.raises(InputError, match="cannot name a codelist"):
        import_codelist(download, "Care Plan!", settings=settings)
    assert {p.name: p.read_bytes() for p in (tmp_path / "codelists").iterdir()} == kept
