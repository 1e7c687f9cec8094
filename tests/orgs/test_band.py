"""The size band comes from data, with its source."""

import pytest

from openpcn.exceptions import ConfigError
from openpcn.orgs import load_band
from openpcn.orgs.band import SizeBand, as_band


def test_the_default_band_is_30_to_50_thousand_with_its_source():
    band = load_band()
    assert (band.min, band.max) == (30_000, 50_000)
    assert "BJGP 70(701) e899" in band.source
    assert band.checked_by
    assert band.date


def test_the_band_edges_are_inside():
    band = SizeBand(30_000, 50_000)
    assert [band.position(x) for x in (29_999.75, 30_000, 50_000, 50_000.25)] == [
        "below",
        "in",
        "in",
        "above",
    ]


def test_the_default_band_says_who_checked_it_and_when():
    # size_band.toml: checked_by = "OpenPCN orgs helper (h2); ...", date = "2026-11-25".
    band = load_band()
    assert band.checked_by.startswith("OpenPCN orgs helper")
    assert band.date == "2026-11-25"


def test_a_band_from_zero_and_a_band_of_one_size_are_ranges():
    # 0 <= min <= max: a minimum of 0 (no floor) and min == max (exactly 40,000) are allowed.
    assert as_band((0, 50_000)) == SizeBand(0, 50_000)
    assert as_band((40_000, 40_000)) == SizeBand(40_000, 40_000)


def test_a_band_that_is_not_a_range_is_refused_with_the_fix():
    for low, high in [(50_000, 30_000), (-1, 50_000)]:
        with pytest.raises(ConfigError) as refused:
            as_band((low, high))
        assert refused.value.what == f"the size band {low:,}-{high:,} is not a range"
        assert refused.value.fix == "give a minimum no larger than the maximum, e.g. 30000 50000"


def test_whole_bounds_show_as_whole_numbers_and_fractions_stay():
    # JSON shows 30000, not 30000.0; a bound of 30,000.5 stays 30,000.5.
    whole = SizeBand(30_000.0, 50_000.0).as_list()
    assert whole == [30_000, 50_000] and all(type(x) is int for x in whole)
    assert SizeBand(30_000.5, 50_000.0).as_list() == [30_000.5, 50_000]
