"""The size band comes from data, with its source."""

from openpcn.orgs import load_band
from openpcn.orgs.band import SizeBand


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
