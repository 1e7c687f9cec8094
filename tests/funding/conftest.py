"""Small warehouses from inline rows, and the shipped reference data, for the funding tests."""

from __future__ import annotations

from pathlib import Path

import ibis
import pytest

from openpcn.store.reference import reference_tables
from openpcn.store.warehouse import write_tables

#: P1: two practices (and X1, which left on 31 Mar 2020); P2: one practice over 100,000.
#: (practice, pcn, membership start, membership end, {as_of: (registered, weighted)})
PRACTICES = [
    ("A1", "P1", "2019-10-01", None, {"2019-01-01": (5000, 5200), "2020-01-01": (6000, 6500)}),
    ("A2", "P1", "2019-10-01", None, {"2019-01-01": (3000, 2800), "2020-01-01": (4000, 3700)}),
    ("X1", "P1", "2019-07-01", "2020-03-31", {"2019-01-01": (1000, 1000)}),
    (
        "B1",
        "P2",
        "2019-10-01",
        None,
        {"2019-01-01": (120000, 110000), "2020-01-01": (120000, 110000)},
    ),
]


def small_tables() -> dict[str, list[dict]]:
    """The inline warehouse every worked example uses (see PRACTICES; 40 beds aligned to P1)."""
    return {
        "commissioners": [{"code": "11J", "name": "NHS Dorset CCG", "tier": "CCG"}],
        "practices": [
            {
                "practice_code": c,
                "name": f"Practice {c}",
                "commissioner_code": "11J",
                "status": "active",
            }
            for c, *_ in PRACTICES
        ],
        "pcns": [
            {"pcn_code": "P1", "name": "North PCN", "commissioner_code": "11J"},
            {"pcn_code": "P2", "name": "Big PCN", "commissioner_code": "11J"},
        ],
        "memberships": [
            {"practice_code": c, "pcn_code": p, "start_date": s, "end_date": e, "source": "t"}
            for c, p, s, e, _ in PRACTICES
        ],
        "practice_lists": [
            {
                "practice_code": c,
                "as_of": d,
                "registered_patients": r,
                "weighted_patients": w,
                "source": "t",
            }
            for c, _, _, _, lists in PRACTICES
            for d, (r, w) in lists.items()
        ],
        "care_homes": [
            {"care_home_code": "H1", "name": "Oaks", "beds": 30, "aligned_pcn_code": "P1"},
            {"care_home_code": "H2", "name": "Elms", "beds": 10, "aligned_pcn_code": "P1"},
            {"care_home_code": "H3", "name": "Unaligned", "beds": 25, "aligned_pcn_code": None},
        ],
    }


@pytest.fixture
def con(tmp_path, build) -> ibis.BaseBackend:
    return build(tmp_path / "w.duckdb", **small_tables())


@pytest.fixture
def home(tmp_path, build) -> Path:
    """An OPENPCN_HOME holding the small warehouse, for the CLI."""
    build(tmp_path / "home" / "warehouse.duckdb", **small_tables()).disconnect()
    return tmp_path / "home"


@pytest.fixture(scope="session")
def dorset(tmp_path_factory) -> Path:
    """The shipped reference data (all England) in a warehouse under an OPENPCN_HOME."""
    home = tmp_path_factory.mktemp("home")
    write_tables(home / "warehouse.duckdb", reference_tables())
    return home
