"""`openpcn init` and `openpcn import` end to end. Init builds the shared home
(tests/cli/conftest.py) and refuses to overwrite it. Import: every bad file is refused with exit
code 65, its reason, file, row and column (tests/corpus.py), and the warehouse stays
byte-for-byte the same; a good extract lands and re-importing replaces it.

The manifests are walked through the command's entry point (`openpcn.cli.main`) in this process:
a fresh interpreter costs two seconds of importing pandas and Ibis per file. One test runs the
installed command (`python -m openpcn`) in its own process for the exit code and output.
"""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from tests.cli.conftest import run
from tests.conftest import fingerprint, run_in_process
from tests.corpus import Refusal, assert_cli_refused, refusals

from openpcn.exceptions import InputError
from openpcn.store.importer import conform
from openpcn.store.schema import TABLES
from openpcn.store.warehouse import write_tables

DATA = Path(__file__).parents[1] / "data"
MANIFESTS = {
    "extract": DATA / "bad" / "extract" / "MANIFEST.csv",
    "organisation": DATA / "bad" / "MANIFEST.csv",
}
CASES = [
    pytest.param(*case.values, id=f"{name}:{case.id}")
    for name, manifest in MANIFESTS.items()
    for case in refusals(manifest)
]


def small_warehouse(path: Path) -> None:
    """Two Dorset practices in one PCN, and two patients of the first."""
    frames = {
        "commissioners": {"code": ["11J"], "name": ["NHS Dorset CCG"], "tier": ["CCG"]},
        "practices": {
            "practice_code": ["J81002", "J81003"],
            "name": ["Practice A", "Practice B"],
            "commissioner_code": ["11J", "11J"],
            "status": ["active", "active"],
        },
        "pcns": {"pcn_code": ["U83711"], "name": ["Network"], "commissioner_code": ["11J"]},
        "memberships": {
            "practice_code": ["J81002", "J81003"],
            "pcn_code": ["U83711", "U83711"],
            "start_date": [dt.date(2019, 7, 1)] * 2,
            "source": ["test", "test"],
        },
        "patients": {
            "patient_id": ["p-000001", "p-000002"],
            "practice_code": ["J81002", "J81002"],
            "sex": ["F", "M"],
            "birth_month": [dt.date(1938, 4, 1), dt.date(1961, 11, 1)],
            "ethnicity_group": ["White", "Asian"],
            "registration_date": [dt.date(1990, 5, 14), dt.date(2004, 2, 2)],
        },
    }
    write_tables(
        path, {name: conform(pd.DataFrame(data), TABLES[name]) for name, data in frames.items()}
    )


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "warehouse.duckdb"
    small_warehouse(path)
    return path


@pytest.mark.parametrize("case", CASES)
def test_a_bad_file_is_refused_for_its_reason_and_changes_nothing(
    template, tmp_path, monkeypatch, capsys, case: Refusal
):
    shutil.copy(template, tmp_path / "warehouse.duckdb")
    before = fingerprint(tmp_path)

    code, _, err = run_in_process(
        tmp_path, monkeypatch, capsys, "import", case.kind, str(case.path), *case.args
    )

    assert_cli_refused(code, err, case)
    assert fingerprint(tmp_path) == before


def test_every_file_of_the_corpus_is_in_a_manifest():
    """A bad file added without its manifest row would never be imported by any test."""
    not_cases = {"MANIFEST.csv", "README.md", "make_parquet.py",  # the manifest, notes, a maker
                 "extract", "intervention", "workforce",  # folders with their own manifests
                 # the third file of a QOF import (--indicators): its own test below
                 "qof_indicator_mappings_two_list_types.csv"}  # fmt: skip
    for manifest in MANIFESTS.values():
        listed = {c.values[0].file for c in refusals(manifest)}
        assert listed == {p.name for p in manifest.parent.iterdir()} - not_cases


def test_the_installed_command_refuses_a_bad_file_then_imports_a_good_one(template, tmp_path):
    shutil.copy(template, tmp_path / "warehouse.duckdb")
    before = fingerprint(tmp_path)

    bad = run(tmp_path, "import", "patients", str(DATA / "bad/extract/nhs_number.csv"))
    assert bad.returncode == 65  # EX_DATAERR
    assert "Traceback" not in bad.stderr
    assert "looks like an NHS number" in bad.stderr
    assert "999" not in bad.stderr  # the offending value is never echoed
    assert fingerprint(tmp_path) == before

    good = run(tmp_path, "import", "extract", str(DATA / "good/extract"))
    assert good.returncode == 0, good.stderr
    assert "medications" in good.stdout
    assert fingerprint(tmp_path) != before


def test_the_extract_manifest_covers_the_required_cases():
    with MANIFESTS["extract"].open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) >= 11
    for row in rows:
        assert (MANIFESTS["extract"].parent / row["file"]).exists(), row["file"]
        assert row["row"] and row["column"], row["file"]


def test_an_unknown_kind_lists_the_kinds(tmp_path, monkeypatch, capsys):
    code, _, err = run_in_process(tmp_path, monkeypatch, capsys, "import", "nonsense", "x.csv")
    assert code != 0
    assert "unknown import kind" in err
    assert "extract" in err and "patients" in err
    assert not (tmp_path / "warehouse.duckdb").exists()


def test_a_good_extract_imports_and_a_second_import_replaces_it(tmp_path, monkeypatch, capsys):
    small_warehouse(tmp_path / "warehouse.duckdb")
    extract = str(DATA / "good" / "extract")

    first = run_in_process(tmp_path, monkeypatch, capsys, "import", "extract", extract)
    assert first[0] == 0, first[2]
    assert "patients" in first[1] and "workforce" in first[1]
    second = run_in_process(tmp_path, monkeypatch, capsys, "import", "extract", extract)
    assert second[0] == 0, second[2]
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        counts = {
            t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("patients", "events", "medications", "hospital_activity", "appointments")
        }
        per_practice = dict(
            con.execute(
                "SELECT practice_code, count(*) FROM patients GROUP BY 1 ORDER BY 1"
            ).fetchall()
        )
    # the file's 4 patients replaced the 2 stored for J81002: no duplicates after two imports
    assert counts == {
        "patients": 4,
        "events": 4,
        "medications": 3,
        "hospital_activity": 3,
        "appointments": 3,
    }
    assert per_practice == {"J81002": 2, "J81003": 2}


def test_init_refuses_to_overwrite_without_force(dorset_home):
    again = run(dorset_home, "init", "--scale", "0.01")
    assert again.returncode == 2
    assert "--force" in again.stderr and "Traceback" not in again.stderr


def test_init_rejects_a_scale_out_of_range(tmp_path):
    done = run(tmp_path, "init", "--scale", "2")
    assert done.returncode == 2 and "0.01 to 1" in done.stderr
    assert not (tmp_path / "warehouse.duckdb").exists()


def test_import_codelist_names_it_and_refuses_without_a_name(tmp_path, monkeypatch, capsys):
    download = tmp_path / "pcsp.csv"
    download.write_text("code,term\n38341003,a\n59621000,b\n", "utf-8")
    code, out, _ = run_in_process(
        tmp_path, monkeypatch, capsys, "import", "codelist", str(download), "--name",
        "openpcn-care-plan",
    )  # fmt: skip
    assert code == 0 and "Imported codelist openpcn-care-plan from pcsp.csv: 2 codes" in out
    code, _, err = run_in_process(tmp_path, monkeypatch, capsys, "import", "codelist",
                                  str(download))  # fmt: skip
    assert code == InputError.exit_code and "a codelist needs a name" in err and "--name" in err
    code, _, err = run_in_process(tmp_path, monkeypatch, capsys, "import", "cqc", str(download),
                                  "--name", "x")  # fmt: skip
    assert code == InputError.exit_code and "for codelists only" in err


# -- the publications: QOF prevalence, practice covariates, Appointments in General Practice


def _rows(home: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_a_qof_import_lands_its_three_files_and_replaces_only_its_year(
    template, tmp_path, monkeypatch, capsys
):
    shutil.copy(template, tmp_path / "warehouse.duckdb")
    good = DATA / "good"
    args = ["import", "qof-prevalence", str(good / "qof_prevalence_sample.csv")]
    extra = ["--organisations", str(good / "qof_organisation_reference_sample.csv"),
             "--indicators", str(good / "qof_indicator_mappings_sample.csv")]  # fmt: skip
    for year in ("2017/18", "2018/19"):
        code, out, err = run_in_process(tmp_path, monkeypatch, capsys, *args, "--year", year,
                                        *extra)  # fmt: skip
        assert code == 0, err
    assert "QOF 2018/19: 6 registers" in " ".join(out.split())
    smaller = tmp_path / "prevalence_2018-19_corrected.csv"
    smaller.write_text(
        "PRACTICE_CODE,INDICATOR_GROUP_CODE,REGISTER,PATIENT_LIST_TYPE,PATIENT_LIST_SIZE\n"
        "J81002,HYP,1510,TOTAL,10010\n"
    )
    code, _, err = run_in_process(tmp_path, monkeypatch, capsys, "import", "qof-prevalence",
                                  str(smaller), "--year", "2018/19")  # fmt: skip
    assert code == 0, err
    counts = _rows(tmp_path, "SELECT year, count(*), sum(register) FROM qof_prevalence "
                             "GROUP BY 1 ORDER BY 1")  # fmt: skip
    # 2018/19 is the corrected file's one row; 2017/18 keeps its 6 (4 registers published)
    assert counts == [("2017/18", 6, 1500 + 510 + 12 + 8), ("2018/19", 1, 1510)]
    assert _rows(tmp_path, "SELECT count(*) FROM qof_groups")[0][0] == 8  # 4 groups x 2 years
    assert _rows(tmp_path, "SELECT count(*) FROM qof_practices")[0][0] == 4


def test_a_qof_import_with_a_bad_second_file_changes_nothing(
    template, tmp_path, monkeypatch, capsys
):
    """All three files are read and checked before anything is written."""
    shutil.copy(template, tmp_path / "warehouse.duckdb")
    before = fingerprint(tmp_path)
    bad = DATA / "bad" / "qof_indicator_mappings_two_list_types.csv"
    code, _, err = run_in_process(
        tmp_path, monkeypatch, capsys, "import", "qof-prevalence",
        str(DATA / "good" / "qof_prevalence_sample.csv"), "--year", "2018/19",
        "--organisations", str(DATA / "good" / "qof_organisation_reference_sample.csv"),
        "--indicators", str(bad),
    )  # fmt: skip
    case = Refusal(bad, "qof-prevalence", 3, "PATIENT_LIST_TYPE",
                   "a second PATIENT_LIST_TYPE for this indicator group")  # fmt: skip
    assert_cli_refused(code, err, case)
    assert fingerprint(tmp_path) == before


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["appointments", "appointments_ccg_sample.csv", "--year", "2018/19"], "--year"),
        (["qof-prevalence", "qof_prevalence_sample.csv", "--year", "2018/20"], "YYYY/YY"),
        (["qof-prevalence", "qof_prevalence_sample.csv"], "--year"),
        (["cqc", "cqc_sample.csv", "--indicators", "qof_prevalence_sample.csv"], "--indicators"),
    ],
)
def test_options_a_kind_does_not_take_or_a_bad_year_are_usage_errors(
    template, tmp_path, monkeypatch, capsys, args, words
):
    shutil.copy(template, tmp_path / "warehouse.duckdb")
    before = fingerprint(tmp_path)
    kind, name, *rest = args
    rest = [str(DATA / "good" / r) if r.endswith(".csv") else r for r in rest]
    code, _, err = run_in_process(tmp_path, monkeypatch, capsys, "import", kind,
                                  str(DATA / "good" / name), *rest)  # fmt: skip
    assert code == 2, err
    assert "Traceback" not in err and words in err
    assert fingerprint(tmp_path) == before


def test_appointments_upsert_by_month_and_covariates_by_practice_and_year(
    template, tmp_path, monkeypatch, capsys
):
    shutil.copy(template, tmp_path / "warehouse.duckdb")
    good = DATA / "good"
    for args in (
        ["appointments", str(good / "appointments_ccg_sample.csv")],
        ["appointments", str(good / "Practice_Level_Crosstab_Mar_21_sample.csv")],
        ["appointments", str(good / "appointments_ccg_sample.csv")],  # again: replaces, not adds
        ["practice-covariates", str(good / "practice_covariates_sample.csv")],
        ["practice-covariates", str(good / "practice_covariates_sample.csv"), "--year", "2020/21"],
    ):
        code, _, err = run_in_process(tmp_path, monkeypatch, capsys, "import", *args)
        assert code == 0, err
    by_level = _rows(tmp_path, "SELECT level, count(*), sum(count) FROM appointments_published "
                               "GROUP BY 1 ORDER BY 1")  # fmt: skip
    assert by_level == [("ccg", 5, 143), ("practice", 2, 34)]
    years = _rows(tmp_path, "SELECT year, count(*) FROM practice_covariates GROUP BY 1 ORDER BY 1")
    assert years == [("2019/20", 2), ("2020/21", 2)]
