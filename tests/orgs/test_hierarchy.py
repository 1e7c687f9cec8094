"""Who belongs where on a given date, from dated memberships."""

import datetime as dt

import ibis
import pytest

from openpcn.exceptions import ConfigError, InputError, NotFoundError
from openpcn.orgs import ics_list, members_of, memberships_on, pcn_of, resolve_ics
from openpcn.orgs.dates import as_date


@pytest.fixture
def moves(warehouse, rows):
    """J81002 leaves U00001 on 2020-03-31 and joins U00002 on 2020-04-01."""
    m = rows.member
    return warehouse(
        pcns=[rows.pcn("U00001", "North PCN"), rows.pcn("U00002", "South PCN")],
        memberships=[
            m("J81001", "U00001", "2019-07-01"),
            m("J81002", "U00001", "2019-07-01", "2020-03-31"),
            m("J81002", "U00002", "2020-04-01"),
            m("J81003", "U00002", "2019-10-01"),
        ],
    )


def test_membership_depends_on_the_date(moves):
    assert pcn_of(moves, "J81002", "2019-12-01") == "U00001"
    assert pcn_of(moves, "J81002", "2020-03-31") == "U00001"  # end date is inclusive
    assert pcn_of(moves, "J81002", "2020-04-01") == "U00002"
    assert pcn_of(moves, "J81003", "2019-09-30") is None  # before it joined
    assert members_of(moves, "U00001", "2019-12-01") == ["J81001", "J81002"]
    assert members_of(moves, "U00001", dt.date(2020, 6, 1)) == ["J81001"]
    assert members_of(moves, "U00002", "2020-06-01") == ["J81002", "J81003"]


def test_memberships_on_is_an_ibis_expression_of_open_rows(moves):
    expr = memberships_on(moves, "2019-08-01")
    frame = moves.execute(expr.order_by("practice_code"))
    assert list(frame["practice_code"]) == ["J81001", "J81002"]


def test_an_ics_is_found_by_commissioner_or_ics_code(warehouse):
    con = warehouse()
    assert resolve_ics(con, "11j").commissioners == ("11J",)
    assert resolve_ics(con, "QVV").commissioners == ("11J",)
    with pytest.raises(NotFoundError):
        resolve_ics(con, "ZZZ")


def test_a_bad_date_says_how_to_write_one():
    assert as_date("2019-12-01") == dt.date(2019, 12, 1)
    with pytest.raises(InputError) as caught:
        as_date("1/12/2019")
    assert "YYYY-MM-DD" in caught.value.fix


def test_views_are_gathered_once_per_ics_and_date_only_inside_shared_views(moves):
    from openpcn.orgs.hierarchy import ics_view, shared_views

    assert ics_view(moves, "11J", "2019-12-01") is not ics_view(moves, "11J", "2019-12-01")
    with shared_views():
        first = ics_view(moves, "11J", "2019-12-01")
        assert ics_view(moves, "11J", dt.date(2019, 12, 1)) is first
        assert ics_view(moves, "11J", "2020-06-01") is not first
    assert ics_view(moves, "11J", "2019-12-01") is not first


STPS = [
    {"code": "11J", "name": "NHS Dorset CCG", "tier": "CCG", "ics_code": "QVV"}
    | {"stp_code": "E54000041", "stp_name": "Dorset STP"}
    | {"region_code": "Y58", "region_name": "South West"},
    *(
        {"code": code, "name": f"CCG {code}", "tier": "CCG", "stp_code": "E54000040"}
        | {"stp_name": "Bath, Swindon and Wiltshire STP"}
        | {"region_code": "Y58", "region_name": "South West"}
        for code in ("99N", "11E")
    ),
    {"code": "07L", "name": "NHS Barking and Dagenham CCG", "tier": "CCG"}
    | {"stp_code": "E54000029", "stp_name": "North East London STP"}
    | {"region_code": "Y56", "region_name": "London"},
    {"code": "ZZ9", "name": "A CCG without an STP", "tier": "CCG"},
]


def test_an_stp_code_stands_for_every_ccg_of_the_stp(warehouse):
    con = warehouse(commissioners=STPS)
    stp = resolve_ics(con, " e54000040 ")
    assert (stp.code, stp.name, stp.commissioners) == (
        "E54000040",
        "Bath, Swindon and Wiltshire STP",
        ("11E", "99N"),
    )
    assert resolve_ics(con, "QVV").commissioners == ("11J",)
    with pytest.raises(NotFoundError) as caught:
        resolve_ics(con, "E54000099")
    assert "E54000041" in caught.value.fix


def test_ics_list_goes_region_by_region_and_leaves_out_ccgs_without_an_stp(warehouse):
    areas = ics_list(warehouse(commissioners=STPS))
    assert [(a.region_code, a.code, a.commissioners) for a in areas] == [
        ("Y56", "E54000029", ("07L",)),
        ("Y58", "E54000040", ("11E", "99N")),
        ("Y58", "E54000041", ("11J",)),
    ]
    assert areas[0].as_dict()["region_name"] == "London"


def test_ics_list_asks_for_a_rebuild_of_a_warehouse_without_stp_columns(tmp_path):
    import duckdb

    path = tmp_path / "old.duckdb"
    with duckdb.connect(str(path)) as raw:
        raw.execute("create table commissioners (code varchar, name varchar, tier varchar)")
    with pytest.raises(ConfigError) as caught:
        ics_list(ibis.duckdb.connect(str(path), read_only=True))
    assert "openpcn init --force" in caught.value.fix
