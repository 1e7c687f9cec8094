"""Saved formation scenarios: save, list, load, delete and compare, on a small worked example
(six practices in two PCNs) and an app database on an empty SQLite file."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import func, select

from openpcn.exceptions import NotFoundError, StoreError, UserError
from openpcn.formation import CURRENT, Params, Proposal, propose_for, scenarios
from openpcn.formation.problem import instance_from_frame
from openpcn.formation.propose import NO_NETWORK
from openpcn.orgs.band import SizeBand
from openpcn.store import appdb

BAND = SizeBand(10_000, 25_000)
CLI = appdb.Actor("cli", "openpcn formation")


def _frame() -> pd.DataFrame:
    """Two columns of three practices; PCN U00001 is the west column, U00002 the east."""
    rows = [
        {
            "practice_code": f"A{i}{j}",
            "name": f"Practice {i}{j}",
            "lat": 50.7 + 0.02 * i,
            "lon": -2.0 + 0.03 * j,
            "registered_patients": 6000 + 1000 * i,
            "pcn_code": f"U0000{j + 1}",
        }
        for i in range(3)
        for j in range(2)
    ]
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def proposal() -> Proposal:
    params = Params(ics="TEST", band=BAND, time_limit=5)
    return propose_for(instance_from_frame(_frame()), params)


@pytest.fixture(scope="module")
def today(proposal: Proposal) -> Proposal:
    """Today's configuration, as `formation.current` builds it."""
    inst = proposal.instance
    used = sorted(set(inst.current[inst.current != NO_NETWORK].tolist()))
    return Proposal(CURRENT, inst, proposal.params, inst.current.copy(), used, CURRENT)


@pytest.fixture
def db(tmp_path: Path) -> appdb.AppDB:
    database = appdb.open_appdb(f"sqlite:///{tmp_path / 'app.db'}")
    yield database
    database.dispose()


def _count(db: appdb.AppDB, model: type) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_save_list_load_delete_round_trip(db: appdb.AppDB, proposal: Proposal) -> None:
    saved = scenarios.save(db, "west-east", proposal, "ann")
    assert saved["name"] == "west-east"
    assert (saved["ics"], saved["date"], saved["mode"], saved["saved_by"]) == (
        "TEST",
        "2019-12-01",
        "fresh",
        "ann",
    )
    listed = scenarios.list_scenarios(db)
    assert [row["name"] for row in listed] == ["west-east"]
    metrics = proposal.metrics()
    for key in scenarios.LISTED_METRICS:
        assert listed[0][key] == metrics[key]
    loaded = scenarios.load(db, "west-east")
    assert loaded["scenario"]["saved_by"] == "ann"
    assert loaded["pcns"] == scenarios.as_scenario(proposal)["pcns"]
    assert sorted(p for pcn in loaded["pcns"] for p in pcn["practices"]) == sorted(
        proposal.instance.codes
    )
    assert len(loaded["practices"]) == 6
    with db.session() as session:
        actions = session.scalars(select(appdb.AuditLog.action)).all()
    assert actions == ["formation.save"]
    gone = scenarios.delete(db, "west-east", CLI)
    assert gone["name"] == "west-east"
    assert scenarios.list_scenarios(db) == []
    with pytest.raises(NotFoundError, match="no saved scenario named 'west-east'"):
        scenarios.load(db, "west-east")
    with db.session() as session:
        actions = session.scalars(select(appdb.AuditLog.action)).all()
    assert actions == ["formation.save", "formation.delete"]


def test_a_taken_name_is_refused_and_the_first_kept(db: appdb.AppDB, proposal: Proposal) -> None:
    scenarios.save(db, "plan", proposal, "ann")
    with pytest.raises(UserError, match="a scenario named 'plan' exists") as refused:
        scenarios.save(db, "plan", proposal, "bob")
    assert "formation delete plan" in str(refused.value.fix)
    with pytest.raises(UserError, match="exists"):
        scenarios.check_new_name(db, " plan ")
    assert [r["saved_by"] for r in scenarios.list_scenarios(db)] == ["ann"]
    assert _count(db, appdb.AuditLog) == 1


@pytest.mark.parametrize("name", ["current", "CURRENT", " Current "])
def test_current_is_reserved(db: appdb.AppDB, proposal: Proposal, name: str) -> None:
    with pytest.raises(UserError, match="reserved"):
        scenarios.save(db, name, proposal, "ann")
    assert _count(db, appdb.FormationScenario) == 0


@pytest.mark.parametrize("name", ["", "  ", "-dash-first", "x" * 101, "a/b"])
def test_unusable_names_are_refused(db: appdb.AppDB, proposal: Proposal, name: str) -> None:
    with pytest.raises(UserError, match="not a usable scenario name"):
        scenarios.save(db, name, proposal, "ann")


def test_nothing_is_saved_for_an_infeasible_proposal_or_today(
    db: appdb.AppDB, proposal: Proposal, today: Proposal
) -> None:
    payload = scenarios.as_scenario(proposal)
    payload["metrics"]["status"] = "infeasible"
    with pytest.raises(UserError, match="infeasible"):
        scenarios.save(db, "bad", payload, "ann")
    with pytest.raises(UserError, match="today's configuration is not saved"):
        scenarios.save(db, "today", today, "ann")
    assert _count(db, appdb.FormationScenario) == 0
    assert _count(db, appdb.AuditLog) == 0


def test_nothing_is_saved_when_the_audit_row_fails(
    db: appdb.AppDB, proposal: Proposal, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.exc import OperationalError

    def broken(*args: object, **kwargs: object) -> None:
        raise OperationalError("insert", {}, Exception("disk full"))

    monkeypatch.setattr(appdb, "record_event", broken)
    with pytest.raises(StoreError, match="OperationalError"):
        scenarios.save(db, "plan", proposal, "ann")
    assert _count(db, appdb.FormationScenario) == 0


def test_deleting_an_unknown_scenario_names_it(db: appdb.AppDB) -> None:
    with pytest.raises(NotFoundError, match="'nope'") as missing:
        scenarios.delete(db, "nope", CLI)
    assert "none is saved yet" in str(missing.value.fix)


def test_compare_today_with_a_proposal(proposal: Proposal, today: Proposal) -> None:
    a, b = scenarios.as_scenario(today), scenarios.as_scenario(proposal)
    result = scenarios.compare(a, b)
    assert list(result["metrics"]) == list(proposal.metrics())
    moved = result["metrics"]["moved"]
    assert moved["a"] == 0
    assert moved["b"] == proposal.metrics()["moved"]
    assert moved["change"] == moved["b"]
    assert "change" not in result["metrics"]["status"]
    expected = {m["practice_code"]: m for m in proposal.moves()}
    assert {c["practice_code"] for c in result["changes"]} == set(expected)
    for change in result["changes"]:
        move = expected[change["practice_code"]]
        assert change["network_a"] == move["current_code"]
        assert change["network_b"] == move["proposed_code"]
        assert change["patients"] == move["patients"]
        assert change["name"] == move["name"]
    assert result["pcns"]["a"] == a["pcns"] and result["pcns"]["b"] == b["pcns"]
    assert result["a"]["name"] == CURRENT and result["a"]["kind"] == CURRENT


def test_compare_a_scenario_with_itself_finds_no_change(
    db: appdb.AppDB, proposal: Proposal
) -> None:
    scenarios.save(db, "one", proposal, "ann")
    loaded = scenarios.load(db, "one")
    result = scenarios.compare(loaded, loaded)
    assert result["changes"] == []
    assert result["a"]["name"] == "one"
    assert all(v.get("change", 0) == 0 for v in result["metrics"].values())


def test_compare_reads_a_bare_as_dict_too(proposal: Proposal, today: Proposal) -> None:
    bare = {k: v for k, v in scenarios.as_scenario(proposal).items() if k != "practices"}
    result = scenarios.compare(scenarios.as_scenario(today), bare)
    assert {c["practice_code"] for c in result["changes"]} == {
        m["practice_code"] for m in proposal.moves()
    }


def test_compare_refuses_two_icss(proposal: Proposal) -> None:
    a = scenarios.as_scenario(proposal)
    b = {**a, "ics": {"code": "11J", "name": "Dorset"}}
    with pytest.raises(UserError, match="different ICSs"):
        scenarios.compare(a, b)
