"""Rule 5: a PCN's practice sites must form one connected piece of the Delaunay site graph."""

import pandas as pd

from openpcn.orgs import check, pcn_contiguity, site_graph

DAY = "2019-12-01"
LAT, LON = 50.7, -2.0  # Dorset; steps of 0.01 degrees are about 1 km


def sites(*rows):
    """(code, lat offset, lon offset) in hundredths of a degree; None offsets = no coordinates."""
    return pd.DataFrame(
        [
            {
                "practice_code": code,
                "lat": None if dy is None else LAT + dy / 100,
                "lon": None if dx is None else LON + dx / 100,
            }
            for code, dy, dx in rows
        ]
    )


# A row of three with one above and one below the middle: A1 . B1 . A2 on the middle line.
SPLIT = sites(("A1", 0, 0), ("B1", 0, 2), ("A2", 0, 4), ("C1", 1.5, 2), ("C2", -1.5, 2))


def test_practices_separated_by_another_pcns_practice_are_split():
    graph = site_graph(SPLIT)
    assert graph.method == "delaunay"
    result = pcn_contiguity(graph, ["A1", "A2"])
    assert not result.contiguous
    assert result.components == [["A1"], ["A2"]]
    assert result.separators == ["B1"]
    assert 2.5 < result.gap_km < 3.0  # 0.04 degrees of longitude at 50.7N is about 2.8 km


def test_a_compact_pcn_is_contiguous():
    graph = site_graph(SPLIT)
    result = pcn_contiguity(graph, ["B1", "C1", "C2"])
    assert result.contiguous
    assert result.components == [["B1", "C1", "C2"]]
    assert result.separators == []


def test_one_and_two_practice_pcns():
    graph = site_graph(SPLIT)
    assert pcn_contiguity(graph, ["A1"]).contiguous
    assert pcn_contiguity(graph, ["A1", "B1"]).contiguous  # neighbours
    assert not pcn_contiguity(graph, ["A1", "A2"]).contiguous  # B1 lies between


def test_practices_at_one_site_are_merged_and_count_as_together():
    graph = site_graph(sites(("A1", 0, 0), ("A2", 0, 0), ("B1", 0, 2), ("B2", 0, 2)))
    assert len(graph.xy) == 2
    assert graph.site_of["A1"] == graph.site_of["A2"]
    assert pcn_contiguity(graph, ["A1", "A2"]).contiguous
    # a site shared by two PCNs belongs to both
    assert pcn_contiguity(graph, ["A1", "B1", "A2"]).contiguous


def test_collinear_sites_are_chained_along_their_line():
    graph = site_graph(sites(("A1", 0, 0), ("A2", 0, 1), ("B1", 0, 2), ("A3", 0, 3)))
    assert graph.method == "chain (collinear sites)"
    result = pcn_contiguity(graph, ["A1", "A2", "A3"])
    assert result.components == [["A1", "A2"], ["A3"]]
    assert result.separators == ["B1"]


def test_a_single_site_and_no_sites():
    assert site_graph(sites(("A1", 0, 0), ("A2", 0, 0))).method == "single site"
    empty = site_graph(sites(("A1", None, None)))
    assert empty.method == "no sites"
    assert empty.unplaced == ("A1",)
    assert pcn_contiguity(empty, ["A1"]).contiguous


def test_practices_without_coordinates_are_listed_not_dropped():
    graph = site_graph(sites(("A1", 0, 0), ("A2", None, None), ("B1", 0, 2)))
    assert graph.unplaced == ("A2",)
    result = pcn_contiguity(graph, ["A1", "A2"])
    assert result.contiguous
    assert result.unplaced == ["A2"]


def icsrows(rows, layout):
    """Warehouse tables from (code, pcn, lat offset, lon offset) rows."""
    pcns = sorted({p for _, p, _, _ in layout})
    return {
        "practices": [
            rows.practice(
                c,
                None if dy is None else LAT + dy / 100,
                None if dx is None else LON + dx / 100,
            )
            for c, _, dy, dx in layout
        ],
        "pcns": [rows.pcn(p, f"{p} PCN") for p in pcns],
        "memberships": [rows.member(c, p) for c, p, _, _ in layout],
        "practice_lists": [rows.listed(c, 40_000 / 3) for c, _, _, _ in layout],
    }


def test_the_check_names_the_parts_and_what_lies_between(warehouse, rows):
    layout = [
        ("J81001", "U00001", 0, 0),
        ("J81002", "U00002", 0, 2),
        ("J81003", "U00001", 0, 4),
        ("J81004", "U00002", 1.5, 2),
        ("J81005", "U00002", -1.5, 2),
        ("J81006", "U00001", 0, 5),
    ]
    report = check(warehouse(**icsrows(rows, layout)), "11J", DAY)
    rule = report.rule("contiguity")
    assert rule.status == "fail"
    [split] = [f for f in rule.findings if f.outcome == "breach"]
    assert split.code == "U00001"
    assert split.reason.startswith("is split into 2 parts, [J81003, J81006] and [J81001], up to 2.")
    assert split.reason.endswith("km apart; between them lie J81002 (U00002 U00002 PCN)")
    assert split.details["separators"] == ["J81002"]
    assert rule.summary == "1 of 2 PCNs contiguous on a graph of 6 practice sites (delaunay)"


def test_the_check_reports_members_without_coordinates(warehouse, rows):
    layout = [
        ("J81001", "U00001", 0, 0),
        ("J81002", "U00001", None, None),
        ("J81003", "U00001", 0, 1),
        ("J81004", "U00002", 3, 3),
    ]
    rule = check(warehouse(**icsrows(rows, layout)), "11J", DAY).rule("contiguity")
    assert rule.status == "pass"
    [note] = rule.findings
    assert (note.code, note.outcome) == ("U00001", "note")
    assert note.reason == (
        "1 member practice without coordinates cannot be placed: J81002; contiguity was "
        "judged on the other 2"
    )
    assert rule.summary.endswith("; 1 without coordinates: J81002")


def test_the_reported_gap_is_the_widest_of_each_parts_nearest_distance_to_another_part():
    # One line at 50.7N, longitude steps of 0.01 degree (111.32 km x cos 50.7 = about 0.705 km):
    #   A1 at 0, B1 at 1, A2 at 2, B2 at 3, B3 at 5, A3 at 6 hundredths, with C1/C2 above and
    #   below B2 so the sites are not collinear (a Delaunay graph, as in SPLIT).
    # Parts: {A1}, {A2}, {A3}. Each part's nearest other part: A1 -> A2 0.02 deg (1.4 km),
    # A2 -> A1 0.02 deg (1.4 km), A3 -> A2 0.04 deg (2.8 km). The widest is 2.8 km (min: 1.4).
    graph = site_graph(
        sites(
            ("A1", 0, 0),
            ("B1", 0, 1),
            ("A2", 0, 2),
            ("B2", 0, 3),
            ("B3", 0, 5),
            ("A3", 0, 6),
            ("C1", 1.5, 3),
            ("C2", -1.5, 3),
        )
    )
    result = pcn_contiguity(graph, ["A1", "A2", "A3"])
    assert result.components == [["A1"], ["A2"], ["A3"]]
    assert 2.7 <= result.gap_km <= 2.9
