"""Properties of the adjacency method that must hold for any set of practice sites."""

from __future__ import annotations

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openpcn.orgs import pcn_contiguity, site_graph

# Sites somewhere in Dorset, to about 10 m; duplicates and collinear sets arise naturally.
LAT = st.floats(50.5, 51.1).map(lambda v: round(v, 4))
LON = st.floats(-2.9, -1.7).map(lambda v: round(v, 4))
SITES = st.lists(st.tuples(LAT, LON), min_size=1, max_size=25)


def frame(sites: list[tuple[float, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "practice_code": [f"J{81000 + i}" for i in range(len(sites))],
            "lat": [lat for lat, _ in sites],
            "lon": [lon for _, lon in sites],
        }
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(SITES)
def test_the_whole_ics_as_one_network_is_always_contiguous(sites):
    practices = frame(sites)
    result = pcn_contiguity(site_graph(practices), practices["practice_code"])
    assert result.contiguous
    assert sorted(c for part in result.components for c in part) == sorted(
        practices["practice_code"]
    )


@settings(max_examples=60, deadline=None)
@given(SITES, st.data())
def test_a_split_network_names_every_member_once_and_a_gap(sites, data):
    practices = frame(sites)
    codes = list(practices["practice_code"])
    members = data.draw(st.lists(st.sampled_from(codes), min_size=1, unique=True))
    result = pcn_contiguity(site_graph(practices), members)
    assert sorted(c for part in result.components for c in part) == sorted(members)
    if result.contiguous:
        assert result.gap_km is None and result.separators == []
    else:
        assert len(result.components) > 1 and result.gap_km is not None
        assert not set(result.separators) & set(members)


@settings(max_examples=30, deadline=None)
@given(SITES)
def test_practices_without_coordinates_are_reported_not_dropped(sites):
    practices = frame(sites)
    practices.loc[0, ["lat", "lon"]] = None
    graph = site_graph(practices)
    result = pcn_contiguity(graph, practices["practice_code"])
    assert result.unplaced == ["J81000"] and graph.unplaced == ("J81000",)
