"""The set-partitioning solver (formation/partition.py) on worlds small enough to list by hand,
and against the centre model on the same worlds."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
from tests.formation.worlds import grid, path, world

from openpcn.formation import exact, partition
from openpcn.formation.heuristic import heuristic
from openpcn.formation.problem import Params
from openpcn.orgs.band import SizeBand


def params(low: float, high: float, **kw) -> Params:
    return Params(ics="TEST", band=SizeBand(low, high), time_limit=kw.pop("time_limit", 20), **kw)


def listed(inst, p: Params) -> list[list[str]]:
    sets = partition.connected_sets(inst, p)
    return sorted(sorted(inst.codes[i] for i in np.flatnonzero(row)) for row in sets)


def test_a_path_lists_each_run_of_two_or_three_practices_once():
    # Six practices of 10,000 in a line, band 20,000-30,000: a joined-up set is a run of
    # neighbours, so the runs of two (5 of them) and of three (4) and nothing else.
    sets = listed(path(6), params(20_000, 30_000))
    assert len(sets) == 9
    assert ["P00", "P01"] in sets and ["P03", "P04", "P05"] in sets
    assert ["P00", "P02"] not in sets  # not joined up
    assert len({tuple(s) for s in sets}) == 9  # each once


def test_keep_together_and_keep_apart_remove_the_sets_that_break_them():
    # Keeping P01 and P02 together leaves the runs holding both or neither: P01-P02,
    # P00-P01-P02, P01-P02-P03, P03-P04, P04-P05, P03-P04-P05 (6 of the 9).
    together = listed(path(6), params(20_000, 30_000, keep_together=(("P01", "P02"),)))
    assert len(together) == 6
    assert all(("P01" in s) == ("P02" in s) for s in together)
    # Keeping P00 and P01 apart removes P00-P01 and P00-P01-P02 (7 left).
    apart = listed(path(6), params(20_000, 30_000, keep_apart=(("P00", "P01"),)))
    assert len(apart) == 7
    assert not any({"P00", "P01"} <= set(s) for s in apart)


def test_a_set_costs_its_best_centres_weighted_distance():
    # A run of three 1 km apart, 10,000 each, measured from the middle: 2 x 10,000 x 1 km,
    # in units of 10 m: 2 x 10,000 x 100 = 2,000,000; measured from an end it would be 3,000,000.
    inst = path(3)
    sets = np.array([[True, True, True]])
    costs, centres = partition.set_costs(inst, sets, 10.0)
    assert costs.tolist() == [2_000_000.0]
    assert centres.tolist() == [1]


def solve(inst, p: Params, k: int):
    start = heuristic(inst, k, p.band, least_change=False, seconds=0.2)
    return partition.solve(inst, p, k, start, time.monotonic() + 20, exact.DISTANCE_UNIT)


def test_a_path_of_six_is_proved_as_two_threes():
    # 3 + 3 from their middles: 2 x 2 x 10,000 x 100 units = 4,000,000; 2 + 4 costs 5,000,000.
    found = solve(path(6), params(20_000, 30_000), 2)
    assert found is not None and found.status == "optimal"
    assert found.value == found.bound == 4_000_000
    assert sorted(np.bincount(found.labels).tolist()) == [3, 3]


def test_a_band_no_plan_can_meet_is_left_to_the_centre_model():
    # 40,000 patients cannot make two networks of 30,000: no cover by in-band sets exists,
    # so the partition declines and the centre model measures the least violation.
    assert solve(path(4), params(30_000, 50_000), 2) is None


@pytest.mark.parametrize(
    "make, low, high, k",
    [
        (lambda: grid(4), 35_000, 45_000, 4),
        (lambda: grid(5, each=7_000), 30_000, 50_000, 4),
        (
            lambda: world(
                [(x, y) for x, y in np.random.default_rng(7).uniform(0, 9, size=(14, 2))],
                list(np.random.default_rng(8).integers(4_000, 16_000, size=14)),
            ),
            30_000,
            50_000,
            4,
        ),
    ],
)
def test_the_partition_and_the_centre_model_prove_the_same_optimum(make, low, high, k):
    inst, p = make(), params(low, high)
    start = heuristic(inst, k, p.band, least_change=False, seconds=0.2)
    listed_result = exact.solve(inst, p, k, start)
    centre = exact.solve(inst, p, k, start, partition=False)
    assert listed_result.method == "set partitioning"
    assert centre.method == "centre model"
    assert listed_result.status == centre.status == "optimal"
    assert listed_result.phases[-1].value == centre.phases[-1].value


def test_a_cancel_before_any_plan_stops_at_once_and_leaves_the_start_plan_to_the_caller():
    # The cancel is checked while the sets are listed and costed, not only inside HiGHS: set
    # before the solve, it answers "cancelled" with no plan, and exact.solve does not go on to
    # the centre model (propose then keeps the heuristic's plan, the best found so far).
    inst, p = path(6), params(20_000, 30_000)
    cancel = threading.Event()
    cancel.set()
    start = heuristic(inst, 2, p.band, least_change=False, seconds=0.2)
    stopped = partition.solve(inst, p, 2, start, time.monotonic() + 20, 10.0, cancel)
    assert stopped is not None and stopped.status == "cancelled" and stopped.labels is None
    answer = exact.solve(inst, p, 2, start, cancel=cancel)
    assert answer.status == "cancelled" and answer.labels is None
    assert answer.method == "set partitioning"
