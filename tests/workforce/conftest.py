"""A small inline warehouse and an empty app database, for the workforce tests.

ICS 11J has PCN U00001 (practices J81001, 10,000 patients, and J81002, 5,000) and PCN U00002
(J81003, 10,000); lists as of 2019-10-01.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import ibis
import pandas as pd
import pytest

from openpcn.store import appdb
from openpcn.store.schema import TABLES
from openpcn.store.warehouse import write_tables

DATA = Path(__file__).parents[1] / "data"
D = dt.date


def frame(table: str, rows: list[dict]) -> pd.DataFrame:
    out = pd.DataFrame(rows).reindex(columns=TABLES[table].column_names).astype(object)
    return out.where(out.notna(), None)


def org_tables() -> dict[str, pd.DataFrame]:
    practices = ["J81001", "J81002", "J81003"]
    return {
        "commissioners": frame("commissioners", [{"code": "11J", "name": "DORSET", "tier": "CCG"}]),
        "pcns": frame(
            "pcns",
            [
                {"pcn_code": "U00001", "name": "NORTH PCN", "commissioner_code": "11J"},
                {"pcn_code": "U00002", "name": "SOUTH PCN", "commissioner_code": "11J"},
            ],
        ),
        "practices": frame(
            "practices",
            [
                {
                    "practice_code": p,
                    "name": f"Practice {p[-1]}",
                    "commissioner_code": "11J",
                    "status": "active",
                }
                for p in practices
            ],
        ),
        "memberships": frame(
            "memberships",
            [
                {"practice_code": p, "pcn_code": pcn, "start_date": D(2019, 7, 1), "source": "t"}
                for p, pcn in zip(practices, ["U00001", "U00001", "U00002"], strict=True)
            ],
        ),
        "practice_lists": frame(
            "practice_lists",
            [
                {
                    "practice_code": p,
                    "as_of": D(2019, 10, 1),
                    "registered_patients": n,
                    "weighted_patients": n,
                    "source": "t",
                }
                for p, n in zip(practices, [10_000.0, 5_000.0, 10_000.0], strict=True)
            ],
        ),
    }


@pytest.fixture
def warehouse(tmp_path: Path) -> Iterator[ibis.BaseBackend]:
    path = tmp_path / "warehouse.duckdb"
    write_tables(path, org_tables())
    con = ibis.duckdb.connect(str(path), read_only=True)
    yield con
    con.disconnect()


@pytest.fixture
def db(tmp_path: Path) -> Iterator[appdb.AppDB]:
    database = appdb.open_appdb(f"sqlite:///{tmp_path / 'app.db'}")
    yield database
    database.dispose()
