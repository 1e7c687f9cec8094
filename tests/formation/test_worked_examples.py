"""Formation on small worlds whose best answers are worked out by hand, on both solvers.

Distances are in km between practice sites; the objective is the patient-weighted mean
distance from each practice to its network's centre practice.
"""

from __future__ import annotations

import numpy as np
import pytest
from tests.formation.worlds import grid, path, world

from openpcn.exceptions import NotFoundError, UserError
from openpcn.formation.heuristic import components, heuristic
from openpcn.formation.problem import Params
from openpcn.formation.propose import propose_for
from openpcn.orgs.band import SizeBand


def run(inst, low, high, **kw):
    params = Params(ics="TEST", band=SizeBand(low, high), time_limit=kw.pop("time_limit", 20), **kw)
    return propose_for(inst, params)


def networks(proposal) -> list[list[str]]:
    return sorted(sorted(row["practices"]) for row in proposal.pcns())


def test_a_path_of_six_splits_into_two_threes():
    # 3 + 3, each measured from its middle practice: 2 x (10,000 x 2 km) / 60,000 = 0.667 km;
    # 2 + 4 would cost (10,000 + 40,000) / 60,000 = 0.833 km.
    p = run(path(6), 20_000, 30_000, pcns=2)
    assert p.status == "optimal"
    assert networks(p) == [["P00", "P01", "P02"], ["P03", "P04", "P05"]]
    m = p.metrics()
    assert m["objective"] == pytest.approx(2 / 3, abs=1e-3)
    assert m["bound"] == pytest.approx(2 / 3, abs=1e-3)
    assert m["optimality_gap"] == 0
    assert m["pcns_in_band"] == 2 and m["patients_outside_band"] == 0


def test_a_four_by_four_grid_splits_into_four_t_shapes():
    # Four practices measured from the best of them: a T from its middle 0 + 1 + 1 + 1 = 3 km,
    # a 2x2 square 0 + 1 + 1 + 1.414, a strip 1 + 0 + 1 + 2. The 4x4 grid tiles with four Ts:
    # 4 x 30,000 / 160,000 = 0.75 km, and nothing can beat a T.
    p = run(grid(4), 35_000, 45_000, pcns=4)
    assert p.status == "optimal"
    assert p.metrics()["objective"] == pytest.approx(0.75, abs=1e-3)
    inst = grid(4)
    dist = inst.distances()
    for members in networks(p):
        idx = [inst.codes.index(c) for c in members]
        costs = sorted(float(dist[idx][:, j].sum()) for j in idx)
        assert costs[0] == pytest.approx(3000, abs=2)  # one practice 1 km from the other three


def star():
    """A hub with five leaves around it; leaves touch only the hub."""
    angles = np.linspace(0, 2 * np.pi, 6)[:-1]
    points = [(0.0, 0.0)] + [(2 * np.cos(a), 2 * np.sin(a)) for a in angles]
    return world(points, [10_000] * 6, edges=[(0, i) for i in range(1, 6)])


def test_a_star_keeps_the_hub_with_the_leaves_it_can_and_proves_the_excess():
    # Three contiguous networks of a star: two are single leaves (leaves touch only the hub),
    # so the hub's network has four practices, 40,000, 10,000 over the maximum: proved least.
    p = run(star(), 10_000, 30_000, pcns=3)
    assert p.status == "optimal"
    m = p.metrics()
    assert m["patients_outside_band"] == 10_000
    sizes = sorted(len(n) for n in networks(p))
    assert sizes == [1, 1, 4]
    assert m["contiguous"] == 3
    assert any("no arrangement" in line for line in p.explanation)


def test_a_band_no_number_of_networks_can_meet_is_explained():
    # 40,000 patients cannot make two networks of 30,000 or more: 20,000 outside at best.
    p = run(path(4), 30_000, 50_000, pcns=2)
    m = p.metrics()
    assert m["patients_outside_band"] == 20_000
    assert p.status == "optimal"
    assert "2 networks of at least 30,000 need 60,000 patients; the ICS has 40,000" in (
        p.explanation
    )


def test_an_island_below_the_minimum_is_named():
    # P00 touches nobody: it must be a network on its own, 10,000 short of the minimum.
    points = [(0.0, 0.0), (10.0, 0.0), (11.0, 0.0), (12.0, 0.0), (13.0, 0.0)]
    inst = world(points, [10_000] * 5, edges=[(1, 2), (2, 3), (3, 4)])
    p = run(inst, 30_000, 50_000, pcns=2)
    assert p.status == "optimal"
    assert networks(p) == [["P00"], ["P01", "P02", "P03", "P04"]]
    assert p.metrics()["patients_outside_band"] == 20_000
    assert any("isolated group of practices (P00)" in line for line in p.explanation)


def test_today_in_the_band_is_kept_by_least_change():
    today = ["A", "A", "A", "B", "B", "B"]
    inst = world([(float(i), 0.0) for i in range(6)], [10_000] * 6, pcns=today)
    p = run(inst, 20_000, 30_000, mode="least-change")
    m = p.metrics()
    assert m["moved"] == 0 and m["moved_bound"] == 0
    assert p.status == "optimal"
    assert [row["code"] for row in p.pcns()] == ["A", "B"]


def test_least_change_moves_the_fewest_practices_into_the_band():
    # Today A has four practices (40,000) and B two (20,000); band 25,000-35,000: moving P03
    # from A to B is the one move that fixes both.
    today = ["A", "A", "A", "A", "B", "B"]
    inst = world([(float(i), 0.0) for i in range(6)], [10_000] * 6, pcns=today)
    p = run(inst, 25_000, 35_000, mode="least-change")
    m = p.metrics()
    assert m["moved"] == 1 and m["moved_bound"] == 1
    assert [move["practice_code"] for move in p.moves()] == ["P03"]
    assert p.moves()[0]["text"] == "P03 moves from A to B: A 40,000 -> 30,000"


def test_keep_together_keep_apart_and_fix_are_obeyed():
    params = dict(pcns=4, time_limit=20)
    together = run(grid(4), 35_000, 45_000, keep_together=(("P00", "P03"),), **params)
    assert any({"P00", "P03"} <= set(n) for n in networks(together))
    apart = run(grid(4), 35_000, 45_000, keep_apart=(("P00", "P05"),), **params)
    assert not any({"P00", "P05"} <= set(n) for n in networks(apart))
    today = ["A"] * 8 + ["B"] * 8
    fixed = run(grid(4, pcns=today), 35_000, 85_000, pcns=2, fix=(("P15", "A"),))
    owner = {c: row["code"] for row in fixed.pcns() for c in row["practices"]}
    assert owner["P15"] == "A"


def test_within_keeps_each_network_inside_one_group():
    groups = ["west"] * 3 + ["east"] * 3
    inst = world([(float(i), 0.0) for i in range(6)], [10_000] * 6, groups=groups)
    p = run(inst, 10_000, 50_000, pcns=2, within="district")
    assert networks(p) == [["P00", "P01", "P02"], ["P03", "P04", "P05"]]


def test_more_groups_than_networks_is_infeasible_with_the_reason():
    groups = ["a", "b", "c", "a", "b", "c"]
    inst = world([(float(i), 0.0) for i in range(6)], [10_000] * 6, groups=groups)
    p = run(inst, 10_000, 50_000, pcns=2, within="district")
    assert p.status == "infeasible"
    assert "needs a network in each of its 3 groups" in p.reason
    assert p.pcns() == []


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        (dict(keep_together=(("P00", "P99"),)), "practice 'P99' is not one of"),
        (dict(keep_together=(("P00",),)), "names one practice"),
        (
            dict(keep_together=(("P00", "P01"),), keep_apart=(("P01", "P00"),)),
            "contradicts --keep-together",
        ),
        (dict(fix=(("P00", "Nowhere PCN"),)), "no current PCN 'Nowhere PCN'"),
        (dict(pcns=99), "--pcns 99 is not possible with 6 practices"),
        (dict(mode="sideways"), "mode 'sideways' is not known"),
    ],
)
def test_bad_constraints_are_refused_before_solving(kw, message):
    with pytest.raises((UserError, NotFoundError)) as caught:
        run(path(6), 20_000, 30_000, **kw)
    assert message in str(caught.value)
    assert caught.value.fix


@pytest.mark.parametrize("make", [lambda: path(6), lambda: grid(4), star])
def test_the_heuristic_gives_k_contiguous_networks_covering_everyone_once(make):
    inst = make()
    labels = heuristic(inst, 3, SizeBand(10_000, 60_000), seconds=1)
    assert sorted(set(labels.tolist())) == [0, 1, 2]
    nbrs = inst.neighbours()
    for k in range(3):
        assert len(components(list(np.flatnonzero(labels == k)), nbrs)) == 1


def test_the_heuristic_alone_says_it_proves_nothing():
    params = Params(ics="TEST", band=SizeBand(20_000, 30_000), pcns=2, time_limit=5)
    p = propose_for(path(6), params, exact_solver=False)
    assert p.status == "feasible"
    assert p.reason == "heuristic only (no proof)"
    assert p.metrics()["bound"] is None


def test_networks_of_one_practice_have_nothing_to_improve():
    # Three networks for three practices: each is its own centre, 0 km, proved.
    p = run(path(3, each=1_000), 500, 5_000, pcns=3)
    m = p.metrics()
    assert p.status == "optimal"
    assert (m["objective"], m["bound"], m["optimality_gap"]) == (0, 0, 0)
