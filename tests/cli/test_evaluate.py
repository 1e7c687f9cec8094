"""`openpcn evaluate ...` on the shared Dorset home: defining studies by event, cohort or file
(exactly one: a usage error otherwise), bad intervention files refused with file, row and
column (exit 65), a run on the planted integrated care team referrals kept as the study's last
run and shown again, the list and delete."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from tests.cli.conftest import run
from tests.conftest import run_in_process
from tests.corpus import Refusal, assert_cli_refused, refusals

from openpcn.exceptions import NotFoundError
from openpcn.store import appdb, studies

DATA = Path(__file__).parents[1] / "data"
BAD = DATA / "bad" / "intervention"
ICT = "OPENPCN-ICT-REFERRAL"


def _names(home: Path) -> list[str]:
    db = appdb.open_appdb(f"sqlite:///{home / 'app.db'}")
    try:
        return [row["name"] for row in studies.list_studies(db)]
    finally:
        db.dispose()


def _real_ids(home: Path, count: int) -> list[str]:
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        query = f"select patient_id from patients order by patient_id limit {count}"
        return [row[0] for row in con.execute(query).fetchall()]
    finally:
        con.close()


@pytest.mark.parametrize(
    "options",
    [
        [],
        ["--event", ICT, "--cohort", "smr-01a-medication-errors"],
        ["--event", ICT, "--intervention", str(DATA / "good" / "intervention.csv")],
    ],
    ids=["none", "event-and-cohort", "event-and-file"],
)
def test_exactly_one_intervention_is_a_usage_rule(dorset_home, monkeypatch, capsys, options):
    code, _, err = run_in_process(
        dorset_home, monkeypatch, capsys, "evaluate", "new", "x1", *options
    )
    assert code == 2, err
    assert "Usage: openpcn evaluate new" in err
    assert "exactly one of --intervention FILE, --cohort SPEC or --event CODE" in " ".join(
        err.split()
    )
    assert "Traceback" not in err
    assert "x1" not in _names(dorset_home)


def test_an_unknown_event_or_cohort_is_refused_before_saving(dorset_home, monkeypatch, capsys):
    code, _, err = run_in_process(
        dorset_home, monkeypatch, capsys, "evaluate", "new", "x2", "--event", "NO-SUCH-CODE"
    )
    assert code == NotFoundError.exit_code, err
    assert "no event coded 'NO-SUCH-CODE'" in err
    code, _, err = run_in_process(
        dorset_home, monkeypatch, capsys, "evaluate", "new", "x2", "--cohort", "no-such-cohort"
    )
    assert code == NotFoundError.exit_code, err
    assert "openpcn cohorts list" in err
    assert "x2" not in _names(dorset_home)


@pytest.mark.parametrize("case", refusals(BAD / "MANIFEST.csv"))
def test_a_bad_intervention_file_exits_65_naming_its_reason_file_row_and_column(
    dorset_home, tmp_path, monkeypatch, capsys, case: Refusal
):
    """The corpus's known ids (p-000001, p-000002) become two of the warehouse's patients."""
    first, second = _real_ids(dorset_home, 2)
    text = case.path.read_bytes().replace(b"p-000001", first.encode())
    path = tmp_path / case.file
    path.write_bytes(text.replace(b"p-000002", second.encode()))
    code, _, err = run_in_process(
        dorset_home, monkeypatch, capsys, "evaluate", "new", "bad-file", "--intervention", str(path)
    )
    assert_cli_refused(code, err, case)
    assert "p-000777" not in err and "9434765919" not in err
    assert "bad-file" not in _names(dorset_home)


def test_a_file_of_the_warehouses_patients_defines_a_study_that_shows_no_ids(
    dorset_home, tmp_path, monkeypatch, capsys
):
    ids = _real_ids(dorset_home, 3)
    listed = tmp_path / "service.csv"
    listed.write_text(
        "patient_id,index_date\n"
        + "".join(f"{pid},2019-0{k + 1}-15\n" for k, pid in enumerate(ids))
    )
    code, out, err = run_in_process(
        dorset_home, monkeypatch, capsys, "evaluate", "new", "from-file",
        "--intervention", str(listed), "--controls", "all", "--followup", "6",
    )  # fmt: skip
    assert code == 0, err
    assert "the 3 people listed in the service's file" in " ".join(out.split())
    code, out, err = run_in_process(
        dorset_home, monkeypatch, capsys, "evaluate", "show", "from-file", "--json"
    )
    assert code == 0, err
    shown = json.loads(out)
    assert shown["definition"]["intervention"] == {"kind": "file", "people": 3}
    assert shown["definition"]["followup_months"] == 6
    assert shown["study"]["run_at"] is None
    assert not any(pid in out for pid in ids)
    code, out, _ = run_in_process(
        dorset_home, monkeypatch, capsys, "evaluate", "delete", "from-file"
    )
    assert code == 0 and "Deleted study 'from-file'" in out
    assert "from-file" not in _names(dorset_home)


def test_a_study_is_defined_listed_shown_before_its_run_and_deleted(
    dorset_home, monkeypatch, capsys
):
    code, out, err = run_in_process(
        dorset_home, monkeypatch, capsys, "evaluate", "new", "ict-draft", "--event", ICT,
        "--description", "Integrated care teams",
    )  # fmt: skip
    assert code == 0, err
    assert "Saved study ict-draft" in out
    code, _, err = run_in_process(
        dorset_home, monkeypatch, capsys, "evaluate", "new", "ict-draft", "--event", ICT
    )
    assert code == 2 and "a study named 'ict-draft' exists" in err
    code, out, _ = run_in_process(dorset_home, monkeypatch, capsys, "evaluate", "list", "--json")
    [row] = [r for r in json.loads(out) if r["name"] == "ict-draft"]
    assert (row["author"], row["intervention"], row["code"], row["run_at"]) == (
        "cli", "event", ICT, None
    )  # fmt: skip
    code, out, _ = run_in_process(dorset_home, monkeypatch, capsys, "evaluate", "show", "ict-draft")
    assert code == 0 and "Not run yet: openpcn evaluate run ict-draft" in out
    assert "Integrated care teams" in out
    code, _, err = run_in_process(
        dorset_home, monkeypatch, capsys, "evaluate", "delete", "ict-draft"
    )
    assert code == 0
    code, _, err = run_in_process(dorset_home, monkeypatch, capsys, "evaluate", "show", "ict-draft")
    assert code == NotFoundError.exit_code and "no study named 'ict-draft'" in err


def test_a_run_is_kept_printed_and_shown_again_without_running(dorset_home, monkeypatch, capsys):
    """The planted referrals, run once through the installed command (its own process: the
    progress bar and exit code as a user sees them), then shown from what was kept."""
    code, _, err = run_in_process(
        dorset_home, monkeypatch, capsys, "evaluate", "new", "ict-run", "--event", ICT
    )
    assert code == 0, err
    done = run(dorset_home, "evaluate", "run", "ict-run", "--json")
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    summary = json.loads(done.stdout)
    for key in ("n_treated", "n_eligible_controls", "n_matched", "unmatched_treated", "balance",
                "outcomes", "sensitivity", "method", "warnings"):  # fmt: skip
        assert key in summary, key
    assert summary["method"] == "psm"
    assert summary["parameters"] == {"caliper": 0.2, "ratio": 1, "seed": 2019}
    assert {o["outcome"] for o in summary["outcomes"]} >= {"emergency_admission", "ae"}
    assert summary["study"]["run_by"] == "cli"
    assert "matched" not in summary  # the matched set is never printed

    code, out, err = run_in_process(
        dorset_home, monkeypatch, capsys, "evaluate", "show", "ict-run", "--json"
    )
    assert code == 0, err
    shown = json.loads(out)
    assert shown["outcomes"] == summary["outcomes"] and shown["balance"] == summary["balance"]

    code, out, err = run_in_process(dorset_home, monkeypatch, capsys, "evaluate", "show", "ict-run")
    assert code == 0, err
    text = " ".join(out.split())
    assert "What this shows" in text and "Balance (target: |SMD| under 0.1" in text
    first = summary["outcomes"][0]
    if first["rate_ratio"] is not None:
        assert f"{first['rate_ratio']:.2f}" in out
    for warning in summary["warnings"]:
        assert " ".join(warning.split())[:40] in " ".join(err.split())
    code, out, _ = run_in_process(dorset_home, monkeypatch, capsys, "evaluate", "list")
    assert "ict-run" in out and "psm" in out
    run_in_process(dorset_home, monkeypatch, capsys, "evaluate", "delete", "ict-run")
