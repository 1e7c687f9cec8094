"""The importer: merges by key, replaces a practice's patient rows, checks references against the
store and the same import, and writes once — a refused import leaves the warehouse untouched."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from openpcn.build import available_loaders, import_file
from openpcn.config import Settings
from openpcn.exceptions import InputError, NotFoundError
from openpcn.sources import LOADERS
from openpcn.store.importer import Loaded, conform, import_loaded
from openpcn.store.schema import TABLES
from openpcn.store.warehouse import write_tables

D = dt.date


def typed(table: str, **columns: list) -> pd.DataFrame:
    """A whole warehouse frame: the columns given, the others empty."""
    return conform(pd.DataFrame(columns), TABLES[table])


def practices(*codes: str, **extra: list) -> pd.DataFrame:
    n = len(codes)
    return typed(
        "practices",
        practice_code=list(codes),
        name=[f"Practice {c}" for c in codes],
        commissioner_code=["11J"] * n,
        status=["active"] * n,
        **extra,
    )


def patients(*rows: tuple[str, str]) -> pd.DataFrame:
    n = len(rows)
    return typed(
        "patients",
        patient_id=[r[0] for r in rows],
        practice_code=[r[1] for r in rows],
        sex=["F"] * n,
        birth_month=[D(1950, 1, 1)] * n,
        ethnicity_group=["White"] * n,
        registration_date=[D(2000, 1, 1)] * n,
    )


def events(*rows: tuple[str, str]) -> pd.DataFrame:
    n = len(rows)
    return typed(
        "events",
        patient_id=[r[0] for r in rows],
        date=[D(2019, 1, 1)] * n,
        snomed_code=[r[1] for r in rows],
    )


@pytest.fixture
def settings(tmp_path) -> Settings:
    """A warehouse with practices A00001 (rural) and B00002 in PCN U00001, and 3 patients."""
    settings = Settings(home=tmp_path / "home")
    write_tables(
        settings.warehouse_path,
        {
            "practices": practices("A00001", "B00002", rurality=["Rural", "Urban"]),
            "pcns": typed("pcns", pcn_code=["U00001"], name=["One"], commissioner_code=["11J"]),
            "patients": patients(
                ("pa-0001", "A00001"), ("pa-0002", "A00001"), ("pb-0001", "B00002")
            ),
            "events": events(("pa-0001", "111111"), ("pa-0002", "222222"), ("pb-0001", "333333")),
        },
    )
    return settings


@pytest.fixture
def fake() -> Iterator[dict]:
    """Register loaders for the test; each returns the Loaded it is given."""
    added: dict[str, Loaded] = {}
    for kind in ("fake", "fake2"):
        LOADERS[kind] = lambda path, kind=kind: added[kind]
    yield added
    for kind in ("fake", "fake2"):
        LOADERS.pop(kind, None)


def read(settings: Settings, sql: str) -> list[tuple]:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        return con.execute(sql).fetchall()


def digest(settings: Settings) -> str:
    return hashlib.sha256(settings.warehouse_path.read_bytes()).hexdigest()


def refused(kind: str, settings: Settings, path: Path) -> InputError:
    before = digest(settings)
    with pytest.raises(InputError) as caught:
        import_file(kind, path, settings)
    assert digest(settings) == before
    return caught.value


# -- merge by key -----------------------------------------------------------------------------


def test_a_partial_frame_updates_its_columns_and_keeps_the_rest(settings, fake, tmp_path):
    update = pd.DataFrame({"practice_code": ["A00001"], "contract_type": ["GMS"]})
    fake["fake"] = Loaded(frames={"practices": update}, merge_on={"practices": ("practice_code",)})

    result = import_file("fake", tmp_path, settings)

    assert result.rows == {"practices": 1}
    assert read(
        settings, "SELECT practice_code, name, rurality, contract_type FROM practices ORDER BY 1"
    ) == [
        ("A00001", "Practice A00001", "Rural", "GMS"),
        ("B00002", "Practice B00002", "Urban", None),
    ]


def test_a_new_key_with_every_required_column_is_added_with_nulls_elsewhere(
    settings, fake, tmp_path
):
    new = practices("C00003").drop(columns=["status"]).assign(status=["dormant"])
    fake["fake"] = Loaded(frames={"practices": new}, merge_on={"practices": ("practice_code",)})
    import_file("fake", tmp_path, settings)
    assert read(settings, "SELECT practice_code, status, rurality FROM practices ORDER BY 1") == [
        ("A00001", "active", "Rural"),
        ("B00002", "active", "Urban"),
        ("C00003", "dormant", None),
    ]


def test_a_new_key_lacking_a_required_column_is_refused_before_writing(settings, fake, tmp_path):
    update = pd.DataFrame({"practice_code": ["A00001", "Z99999"], "rurality": ["Urban", "Rural"]})
    update.attrs.update(file="payments.csv", row_numbers=[7, 9])
    fake["fake"] = Loaded(frames={"practices": update}, merge_on={"practices": ("practice_code",)})
    error = refused("fake", settings, tmp_path)
    assert (error.where.file, error.where.row, error.where.column) == (
        "payments.csv",
        9,
        "practice_code",
    )
    assert "not in the warehouse yet" in error.message


def test_a_repeated_merge_key_is_refused(settings, fake, tmp_path):
    update = pd.DataFrame({"practice_code": ["A00001", "A00001"], "rurality": ["Urban", "Rural"]})
    fake["fake"] = Loaded(frames={"practices": update}, merge_on={"practices": ("practice_code",)})
    error = refused("fake", settings, tmp_path)
    assert "duplicate practice_code" in error.message
    assert "record 2" in error.message  # the loader gave no row numbers


def test_a_table_without_merge_key_is_replaced_whole(settings, fake, tmp_path):
    groups = typed(
        "groupings",
        grouping=["district"],
        group_code=["E07000049"],
        group_name=["East Dorset"],
        practice_code=["A00001"],
    )
    fake["fake"] = Loaded(frames={"groupings": groups})
    import_file("fake", tmp_path, settings)
    import_file("fake", tmp_path, settings)
    assert read(settings, "SELECT group_code, practice_code FROM groupings") == [
        ("E07000049", "A00001")
    ]


# -- update only ------------------------------------------------------------------------------


def test_an_update_only_frame_updates_stored_keys_and_inserts_none(settings):
    update = pd.DataFrame({"practice_code": ["Z99999", "A00001"], "contract_type": ["PMS", "GMS"]})
    loaded = Loaded(
        frames={"practices": update},
        merge_on={"practices": ("practice_code",)},
        update_only=frozenset({"practices"}),
    )

    assert import_loaded(loaded, settings, file="contracts.csv") == {"practices": 1}

    assert read(settings, "SELECT practice_code, contract_type FROM practices ORDER BY 1") == [
        ("A00001", "GMS"),
        ("B00002", None),
    ]


def test_an_update_only_frame_still_names_the_file_row_of_a_kept_row(settings):
    bands = typed(
        "band_exceptions", pcn_code=["U00009"], reason=["rural"], start_date=[D(2019, 7, 1)]
    )
    write_tables(settings.warehouse_path, {"band_exceptions": bands})  # refers to no stored PCN
    update = typed(
        "band_exceptions",
        pcn_code=["U00005", "U00009"],
        reason=["island", "rural"],
        start_date=[D(2019, 7, 1)] * 2,
    )
    update.attrs.update(file="bands.csv", first_row=2)
    loaded = Loaded(
        frames={"band_exceptions": update},
        merge_on={"band_exceptions": ("pcn_code", "start_date")},
        update_only=frozenset({"band_exceptions"}),
    )
    before = digest(settings)

    with pytest.raises(InputError) as caught:
        import_loaded(loaded, settings, file="ignored.csv")

    assert digest(settings) == before
    where = caught.value.where
    assert (where.file, where.row, where.column) == ("bands.csv", 3, "pcn_code")


# -- references -------------------------------------------------------------------------------


def memberships(*pairs: tuple[str, str]) -> pd.DataFrame:
    return typed(
        "memberships",
        practice_code=[p for p, _ in pairs],
        pcn_code=[q for _, q in pairs],
        start_date=[D(2019, 7, 1)] * len(pairs),
        source=["test"] * len(pairs),
    )


def test_memberships_may_refer_to_pcns_arriving_in_the_same_import(settings, fake, tmp_path):
    new_pcn = typed("pcns", pcn_code=["U00002"], name=["Two"], commissioner_code=["11J"])
    fake["fake"] = Loaded(
        frames={"pcns": new_pcn, "memberships": memberships(("A00001", "U00002"))},
        merge_on={"pcns": ("pcn_code",)},
    )
    import_file("fake", tmp_path, settings)
    assert read(settings, "SELECT pcn_code FROM pcns ORDER BY 1") == [("U00001",), ("U00002",)]
    assert read(settings, "SELECT practice_code, pcn_code FROM memberships") == [
        ("A00001", "U00002")
    ]


def test_memberships_of_unknown_practices_or_pcns_are_refused(settings, fake, tmp_path):
    frame = memberships(("A00001", "U00001"), ("A00001", "U09999"))
    frame.attrs.update(file="epcn.xlsx", first_row=2)
    fake["fake"] = Loaded(frames={"memberships": frame})
    error = refused("fake", settings, tmp_path)
    assert (error.where.file, error.where.row, error.where.column) == ("epcn.xlsx", 3, "pcn_code")
    assert "unknown PCN code" in error.message

    fake["fake"] = Loaded(frames={"memberships": memberships(("Q12345", "U00001"))})
    assert refused("fake", settings, tmp_path).where.column == "practice_code"


def test_events_may_refer_to_patients_arriving_in_the_same_import(settings, fake, tmp_path):
    fake["fake"] = Loaded(
        frames={
            "patients": patients(("pa-0009", "A00001")),
            "events": events(("pa-0009", "999999")),
        }
    )
    import_file("fake", tmp_path, settings)
    assert read(settings, "SELECT patient_id FROM patients ORDER BY 1") == [
        ("pa-0009",),
        ("pb-0001",),
    ]


def test_events_of_a_patient_the_same_import_removes_are_refused(settings, fake, tmp_path):
    fake["fake"] = Loaded(
        frames={
            "patients": patients(("pa-0009", "A00001")),  # pa-0001 leaves A00001's list
            "events": events(("pa-0001", "999999")),
        }
    )
    assert refused("fake", settings, tmp_path).where.column == "patient_id"


# -- patient-level replacement by practice ----------------------------------------------------


def test_a_patients_import_replaces_only_the_practices_it_covers(settings, fake, tmp_path):
    fake["fake"] = Loaded(frames={"patients": patients(("pa-0003", "A00001"))})
    import_file("fake", tmp_path, settings)
    assert read(settings, "SELECT patient_id, practice_code FROM patients ORDER BY 1") == [
        ("pa-0003", "A00001"),
        ("pb-0001", "B00002"),
    ]


def test_a_patient_who_moves_practice_is_not_duplicated(settings, fake, tmp_path):
    fake["fake"] = Loaded(frames={"patients": patients(("pa-0001", "B00002"))})
    import_file("fake", tmp_path, settings)
    assert read(settings, "SELECT patient_id, practice_code FROM patients ORDER BY 1") == [
        ("pa-0001", "B00002"),
        ("pa-0002", "A00001"),
    ]


def test_an_events_import_replaces_the_events_of_its_practices_patients(settings, fake, tmp_path):
    fake["fake"] = Loaded(frames={"events": events(("pa-0001", "444444"))})
    import_file("fake", tmp_path, settings)
    # A00001's events (pa-0001 and pa-0002) are replaced; B00002's are kept
    assert read(settings, "SELECT patient_id, snomed_code FROM events ORDER BY 1") == [
        ("pa-0001", "444444"),
        ("pb-0001", "333333"),
    ]


def test_workforce_is_replaced_per_practice_and_per_pcn(settings, fake, tmp_path):
    def staff(*rows: tuple[str, str | None, str | None]) -> pd.DataFrame:
        return typed(
            "workforce",
            staff_id=[r[0] for r in rows],
            practice_code=[r[1] for r in rows],
            pcn_code=[r[2] for r in rows],
            role=["GP"] * len(rows),
            fte=[1.0] * len(rows),
        )

    fake["fake"] = Loaded(
        frames={
            "workforce": staff(
                ("s1", "A00001", None), ("s2", "B00002", None), ("s3", None, "U00001")
            )
        }
    )
    import_file("fake", tmp_path, settings)
    fake["fake2"] = Loaded(frames={"workforce": staff(("s4", None, "U00001"))})
    import_file("fake2", tmp_path, settings)
    assert read(settings, "SELECT staff_id FROM workforce ORDER BY 1") == [
        ("s1",),
        ("s2",),
        ("s4",),
    ]


def test_the_extract_folder_lands_whole_and_reimporting_replaces_it(tmp_path):
    settings = Settings(home=tmp_path / "home")
    write_tables(
        settings.warehouse_path,
        {
            "practices": practices("J81002", "J81003"),
            "pcns": typed("pcns", pcn_code=["U83711"], name=["N"], commissioner_code=["11J"]),
        },
    )
    folder = Path(__file__).parents[1] / "data" / "good" / "extract"
    first = import_file("extract", folder, settings)
    import_file("extract", folder, settings)
    assert first.rows["patients"] == 4 and first.rows["medications"] == 3
    assert read(settings, "SELECT count(*) FROM patients") == [(4,)]
    assert read(settings, "SELECT count(*) FROM events") == [(4,)]
    assert read(settings, "SELECT beds FROM care_homes") == [(42,)]


def test_a_folder_with_one_bad_table_writes_none_of_them(settings, tmp_path):
    folder = tmp_path / "extract"
    folder.mkdir()
    header = ",".join(TABLES["patients"].column_names)
    (folder / "patients.csv").write_text(
        f"{header}\npa-0077,A00001,F,1950-01-01,,White,,2000-01-01,,\n", encoding="utf-8"
    )
    (folder / "events.csv").write_text(
        "patient_id,date,snomed_code,value\npa-0077,2019-01-01,12345,\n", encoding="utf-8"
    )
    error = refused("extract", settings, folder)
    assert (error.where.file, error.where.row, error.where.column) == (
        "extract/events.csv",
        2,
        "snomed_code",
    )


# -- what happens around the import -----------------------------------------------------------


def test_an_unknown_kind_lists_the_known_ones(settings, tmp_path):
    with pytest.raises(NotFoundError) as caught:
        import_file("spreadsheet", tmp_path, settings)
    assert "extract" in caught.value.fix and "patients" in caught.value.fix


def test_a_missing_file_is_reported(settings, tmp_path):
    with pytest.raises(NotFoundError, match="file not found"):
        import_file("patients", tmp_path / "nowhere.csv", settings)


def test_a_refused_import_creates_no_warehouse_and_a_good_one_does(fake, tmp_path):
    settings = Settings(home=tmp_path / "fresh")
    fake["fake"] = Loaded(frames={"patients": patients(("pa-0001", "A00001"))})
    with pytest.raises(InputError, match="unknown practice code"):
        import_file("fake", tmp_path, settings)
    assert not settings.home.exists()

    fake["fake"] = Loaded(frames={"practices": practices("A00001")})
    import_file("fake", tmp_path, settings)
    assert read(settings, "SELECT practice_code FROM practices") == [("A00001",)]


def test_every_loader_module_registers_when_asked():
    kinds = available_loaders()
    assert {"extract", "patients", "events", "workforce"} <= set(kinds)
