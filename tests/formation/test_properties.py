"""Properties every proposal has, on random small worlds and on Dorset."""

from __future__ import annotations

import datetime as dt

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.formation.worlds import world

from openpcn.formation.heuristic import components
from openpcn.formation.problem import NO_NETWORK, Params, load_instance
from openpcn.formation.propose import propose_for
from openpcn.orgs.band import SizeBand
from openpcn.orgs.contiguity import pcn_contiguity, site_graph
from openpcn.orgs.hierarchy import ics_view

points = st.lists(
    st.tuples(st.integers(0, 20), st.integers(0, 20)), min_size=3, max_size=8, unique=True
)


@st.composite
def worlds(draw):
    spots = draw(points)
    patients = draw(st.lists(st.integers(1_000, 20_000), min_size=len(spots), max_size=len(spots)))
    k = draw(st.integers(1, min(3, len(spots))))
    low = draw(st.integers(5_000, 30_000))
    high = low + draw(st.integers(0, 30_000))
    inst = world([(float(x), float(y)) for x, y in spots], [float(p) for p in patients])
    return inst, k, SizeBand(low, high)


def check(proposal) -> None:
    inst, labels = proposal.instance, proposal.labels
    assert (labels != NO_NETWORK).all()  # every practice in exactly one network
    nbrs = inst.neighbours()
    for k in np.unique(labels):
        assert len(components(list(np.flatnonzero(labels == k)), nbrs)) == 1
    m = proposal.metrics()
    assert m["contiguous"] == m["pcns_total"]
    if proposal.status == "optimal":
        assert m["optimality_gap"] == 0


@settings(
    max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(worlds())
def test_every_proposal_covers_each_practice_once_in_contiguous_networks(case):
    inst, k, band = case
    proposal = propose_for(inst, Params(ics="TEST", band=band, pcns=k, time_limit=5))
    check(proposal)
    if proposal.status == "optimal" and proposal.phases[0]["value"] == 0:
        loads = [inst.patients[proposal.labels == j].sum() for j in range(k)]
        assert all(band.min <= load <= band.max for load in loads)


@settings(
    max_examples=15, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(worlds())
def test_least_change_moves_nobody_when_today_is_already_in_the_band(case):
    inst, k, band = case
    first = propose_for(inst, Params(ics="TEST", band=band, pcns=k, time_limit=5))
    if first.metrics()["patients_outside_band"] != 0:
        return  # no in-band configuration to call "today"
    today = [f"N{label}" for label in first.labels]
    frame = world(
        [tuple(xy) for xy in ((inst.xy - inst.xy.min(axis=0)) / 1000).tolist()],
        inst.patients.tolist(),
        pcns=today,
    )
    again = propose_for(frame, Params(ics="TEST", band=band, mode="least-change", time_limit=5))
    check(again)
    assert again.metrics()["moved"] == 0


def test_a_dorset_proposal_passes_the_orgs_contiguity_rule_by_construction(con):
    day = dt.date(2019, 12, 1)
    params = Params(ics="11J", date=day, time_limit=4)
    proposal = propose_for(load_instance(con, params), params)
    view = ics_view(con, "11J", day)
    cols = ["practice_code", "lat", "lon"]
    graph = site_graph(
        view.members[cols].merge(view.commissioned[cols], how="outer").drop_duplicates()
    )
    rows = proposal.pcns()
    assert sum(len(row["practices"]) for row in rows) == proposal.instance.n == 86
    for row in rows:
        assert pcn_contiguity(graph, row["practices"]).contiguous, row["name"]
    assert proposal.metrics()["pcns_total"] == 18
