"""Saved evaluation studies: create, list, load, record a run, delete, each audited; names are
checked; a file's people never show through `public_definition`."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from openpcn.exceptions import NotFoundError, UserError
from openpcn.store import appdb, studies

CLI = appdb.Actor("cli", "openpcn evaluate")
DEFINITION = {
    "name": "ict-2018",
    "ics": "11J",
    "intervention": {"kind": "event", "code": "OPENPCN-ICT-REFERRAL", "people": []},
    "controls": "other-pcns",
    "followup_months": 12,
    "prior_months": 12,
    "description": "Integrated care teams",
}


@pytest.fixture
def db(tmp_path: Path) -> appdb.AppDB:
    database = appdb.open_appdb(f"sqlite:///{tmp_path / 'app.db'}")
    yield database
    database.dispose()


def _actions(db: appdb.AppDB) -> list[tuple[str, str]]:
    with db.session() as session:
        rows = session.execute(select(appdb.AuditLog.action, appdb.AuditLog.scope)).all()
    return [(a, s) for a, s in rows]


def test_a_study_is_saved_listed_and_loaded_whole(db):
    saved = studies.create(db, DEFINITION, "ann", actor=CLI)
    assert saved["name"] == "ict-2018" and saved["author"] == "ann"
    assert saved["run_at"] is None

    [listed] = studies.list_studies(db)
    assert listed["intervention"] == "event" and listed["code"] == "OPENPCN-ICT-REFERRAL"
    loaded = studies.load(db, "ict-2018")
    assert loaded["definition"] == DEFINITION
    assert loaded["last_run"] is None
    assert _actions(db) == [("evaluation.new", "study ict-2018 (11J)")]


def test_a_run_replaces_the_last_run_and_is_audited(db):
    studies.create(db, DEFINITION, "ann", actor=CLI)
    summary = {"n_treated": 120, "n_matched": 110, "warnings": ["small numbers"]}
    studies.record_run(
        db, "ict-2018", method="psm", parameters={"caliper": 0.2}, summary=summary,
        run_by="bob", actor=CLI,
    )  # fmt: skip
    studies.record_run(
        db, "ict-2018", method="cem", parameters={"caliper": 0.2}, summary=summary | {
            "n_matched": 90}, run_by="cy", actor=CLI,
    )  # fmt: skip
    last = studies.load(db, "ict-2018")["last_run"]
    assert last["method"] == "cem" and last["run_by"] == "cy"
    assert last["summary"]["n_matched"] == 90
    [listed] = studies.list_studies(db)
    assert (listed["method"], listed["n_matched"], listed["warnings"]) == ("cem", 90, 1)
    assert [a for a, _ in _actions(db)] == ["evaluation.new", "evaluation.run", "evaluation.run"]


def test_names_are_checked_and_not_reused(db):
    studies.create(db, DEFINITION, "ann", actor=CLI)
    with pytest.raises(UserError, match="exists"):
        studies.create(db, DEFINITION, "bob", actor=CLI)
    with pytest.raises(UserError, match="exists"):
        studies.check_new_name(db, "ict-2018")
    with pytest.raises(UserError, match="not a usable study name"):
        studies.create(db, DEFINITION | {"name": "two words"}, "ann", actor=CLI)
    assert studies.check_new_name(db, " other ") == "other"


def test_deleting_removes_it_and_says_what_it_was(db):
    studies.create(db, DEFINITION, "ann", actor=CLI)
    gone = studies.delete(db, "ict-2018", actor=CLI)
    assert gone["name"] == "ict-2018"
    assert studies.list_studies(db) == []
    with pytest.raises(NotFoundError, match="none is saved yet"):
        studies.load(db, "ict-2018")
    assert _actions(db)[-1][0] == "evaluation.delete"


def test_the_public_definition_counts_a_files_people_and_names_none():
    definition = DEFINITION | {
        "intervention": {"kind": "file", "people": [["pat-000001", "2019-01-02"]] * 3}
    }
    shown = studies.public_definition(definition)
    assert shown["intervention"] == {"kind": "file", "people": 3}
    assert "pat-000001" not in str(shown)
    assert definition["intervention"]["people"][0][0] == "pat-000001"  # the input is untouched
