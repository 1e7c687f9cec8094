"""England's national summary and its rows for ICSs that could not be solved (the runner itself
is run on two real STPs in tests/cli/test_formation.py)."""

from __future__ import annotations

from concurrent.futures import Future

from openpcn.formation import england


def _row(code: str, status: str, **kw: object) -> dict:
    return {"code": code, "status": status, "unplaced": [], **kw}


def test_the_summary_adds_up_the_rows_and_counts_the_proofs() -> None:
    rows = [
        _row("E1", "optimal", practices=50, unplaced=["A1"], pcns_today=8, pcns_in_band_today=3,
             pcns_total=8, pcns_in_band=8, seconds=2.5),
        _row("E2", "feasible", practices=200, pcns_today=30, pcns_in_band_today=20,
             pcns_total=31, pcns_in_band=29, seconds=1.0),
        _row("E3", "error", practices=0),
    ]  # fmt: skip
    s = england.summary(rows, 12.34)
    assert (s["icss"], s["icss_solved"], s["icss_failed"]) == (3, 2, ["E3"])
    assert (s["practices"], s["unplaced_practices"]) == (250, 1)
    assert (s["pcns_today"], s["pcns_in_band_today"]) == (38, 23)
    assert (s["pcns_proposed"], s["pcns_in_band_proposed"]) == (39, 37)
    assert (s["icss_optimal"], s["share_optimal"]) == (1, 0.333)
    assert (s["solver_seconds"], s["seconds"]) == (3.5, 12.3)


def test_a_failed_solve_keeps_its_row_with_the_reason() -> None:
    failed: Future[dict] = Future()
    failed.set_exception(MemoryError())
    assert england._result(failed) == {
        "status": "error",
        "status_reason": "the solve failed (MemoryError)",
    }
    solved: Future[dict] = Future()
    solved.set_result({"status": "optimal", "objective": 1.0, "pcns_total": 3})
    assert england._result(solved) == {"status": "optimal", "pcns_total": 3}
    assert england._result(None) == {}
