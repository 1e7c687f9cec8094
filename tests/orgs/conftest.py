"""Small warehouses built from inline rows, for the orgs tests.

Rows are dicts with only the columns a test cares about; the rest are filled with nulls and
every column is cast to its schema type. Commissioners 11J (Dorset) and 99N (Wiltshire) are
there unless a test gives its own.
"""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace

import ibis
import pytest
from tests.conftest import typed

from openpcn.store.warehouse import write_tables

COMMISSIONERS = [
    {"code": "11J", "name": "NHS Dorset CCG", "tier": "CCG", "ics_code": "QVV"},
    {"code": "99N", "name": "NHS Wiltshire CCG", "tier": "CCG", "ics_code": "QOX"},
]


def practice(code: str, lat: float | None = None, lon: float | None = None, **kw) -> dict:
    """A practice row: active, commissioned by 11J unless said otherwise."""
    row = {"practice_code": code, "name": f"Practice {code}", "commissioner_code": "11J"}
    row |= {"status": "active", "lat": lat, "lon": lon}
    return row | kw


def pcn(code: str, name: str, commissioner: str = "11J", **kw) -> dict:
    return {"pcn_code": code, "name": name, "commissioner_code": commissioner} | kw


def member(practice_code: str, pcn_code: str, start: str = "2019-07-01", end=None) -> dict:
    return {
        "practice_code": practice_code,
        "pcn_code": pcn_code,
        "start_date": start,
        "end_date": end,
        "source": "test",
    }


def listed(
    practice_code: str,
    registered: float,
    as_of: str = "2019-10-01",
    weighted: float | None = None,
    source: str = "test",
) -> dict:
    return {
        "practice_code": practice_code,
        "as_of": as_of,
        "registered_patients": registered,
        "weighted_patients": weighted,
        "source": source,
    }


Build = Callable[..., ibis.BaseBackend]


@pytest.fixture
def warehouse(tmp_path) -> Build:
    """`warehouse(practices=[...], pcns=[...], ...)` -> a read-only Ibis connection.

    `path` puts the file somewhere else (e.g. under a Settings home for the Spark engine).
    """
    count = 0

    def build(path=None, **tables: list[dict]) -> ibis.BaseBackend:
        nonlocal count
        count += 1
        path = path or tmp_path / f"w{count}.duckdb"
        tables.setdefault("commissioners", COMMISSIONERS)
        write_tables(path, {name: typed(name, rows) for name, rows in tables.items()})
        return ibis.duckdb.connect(str(path), read_only=True)

    return build


@pytest.fixture
def rows() -> SimpleNamespace:
    """The row helpers above, as a fixture (test modules cannot import conftest)."""
    return SimpleNamespace(practice=practice, pcn=pcn, member=member, listed=listed)
