"""The staff register in the app database: import from CSV (all or nothing) and look-ups.

A register file is the whole register: importing one replaces every row held before, in one
transaction, so a bad file changes nothing. Rows name a practice (practice staff) or a PCN
(staff the network employs, e.g. ARRS roles), or both; each code must be in the warehouse.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import ibis
import pandas as pd
from sqlalchemy import delete, func, or_, select
from sqlalchemy.exc import SQLAlchemyError

from openpcn.codes import PCN_CODE, PRACTICE_CODE
from openpcn.exceptions import InputError
from openpcn.orgs.dates import DateLike, as_date
from openpcn.sources.common import (
    check_pattern,
    check_references,
    check_required,
    fail_at,
    parse_dates,
    parse_numbers,
    read_csv_text,
)
from openpcn.store.appdb import AppDB, Staff, database_error, utcnow
from openpcn.workforce.roles import known_roles

REQUIRED = ["role", "fte", "age_band", "start_date", "vacancy"]
CODES = ["practice_code", "pcn_code"]
MAX_FTE = 1.5  # one person's whole-time equivalent: above this the row is a typing error
AGE_BAND = re.compile(r"^(?:(\d{1,2})-(\d{1,3})|(\d{2})\+|under (\d{2}))$")
YES = {"yes", "y", "true", "1"}
NO = {"no", "n", "false", "0"}


def aged_55_plus(band: str | None) -> bool | None:
    """True when the whole band is 55 or over ("55-59", "65+"); None when there is no band."""
    if band is None:
        return None
    hit = AGE_BAND.fullmatch(band)
    if hit is None:
        return None
    low = hit.group(1) or hit.group(3)
    return low is not None and int(low) >= 55


def read_register(path: Path, con: ibis.BaseBackend) -> pd.DataFrame:
    """Parse and check a register CSV; InputError names the file, row, column and fix."""
    name = path.name
    frame = read_csv_text(path, columns=REQUIRED)
    if frame.empty:
        raise InputError(
            "the register has no rows", file=name, fix="add one row per post, under the header"
        )
    present = [c for c in CODES if c in frame.columns]
    if not present:
        raise InputError(
            "missing column(s): practice_code or pcn_code",
            file=name,
            row=1,
            column="practice_code",
            fix="name each post's practice (practice_code) or network (pcn_code)",
        )
    for column in CODES:
        if column not in frame.columns:
            frame[column] = pd.Series(pd.NA, index=frame.index, dtype="string")

    check_required(frame, "role", file=name)
    role = frame["role"].str.lower()
    known = known_roles()
    fail_at(
        ~role.isin(list(known)),
        "unknown role",
        file=name,
        column="role",
        fix=f"use one of: {', '.join(sorted(known))}",
    )
    fte = parse_numbers(frame, "fte", file=name, minimum=None)
    fail_at(
        (fte <= 0) | (fte > MAX_FTE),
        f"FTE must be more than 0 and at most {MAX_FTE:g}",
        file=name,
        column="fte",
        fix="give the post's whole-time equivalent, e.g. 0.6 for three days of five",
    )
    flag = frame["vacancy"].fillna("no").str.lower()
    fail_at(
        ~flag.isin(list(YES | NO)),
        "vacancy must be yes or no",
        file=name,
        column="vacancy",
        fix="write yes for an unfilled post and no (or leave it empty) for a filled one",
    )
    vacancy = flag.isin(list(YES))
    band = frame["age_band"]
    ok = band.fillna("").str.fullmatch(AGE_BAND.pattern).fillna(False).astype(bool)
    straddles = pd.Series(
        [isinstance(b, str) and _straddles_55(b) for b in band.astype(object)], index=band.index
    )
    for bad, what, fix in (
        (
            band.isna() & ~vacancy,
            "a filled post needs an age band",
            "give the age band, e.g. 55-59 (leave it empty only for a vacancy)",
        ),
        (band.notna() & ~ok, "not a valid age band", "write age bands as 55-59, 65+ or under 25"),
        (
            straddles,
            "the age band straddles 55, so the share aged 55 and over cannot be counted",
            "use bands that start or end at 55, e.g. 50-54 and 55-59",
        ),
    ):
        fail_at(bad, what, file=name, column="age_band", fix=fix)
    start = parse_dates(frame, "start_date", "%Y-%m-%d", file=name, nullable=False)
    if "end_date" in frame.columns:
        end = parse_dates(frame, "end_date", "%Y-%m-%d", file=name)
        fail_at(
            end.notna() & start.notna() & (end < start),
            "end_date is before start_date",
            file=name,
            column="end_date",
            fix="the post ends on or after the day it starts",
        )
    else:
        end = pd.Series([None] * len(frame), index=frame.index, dtype=object)
    check_pattern(frame, "practice_code", PRACTICE_CODE, file=name, what="practice code",
                  nullable=True)  # fmt: skip
    check_pattern(frame, "pcn_code", PCN_CODE, file=name, what="PCN code", nullable=True)
    fail_at(
        frame["practice_code"].isna() & frame["pcn_code"].isna(),
        "a post needs a practice or a PCN",
        file=name,
        column="practice_code",
        fix="fill in practice_code (practice staff) or pcn_code (staff the network employs)",
    )
    for column, table, what in (
        ("practice_code", "practices", "practice code"),
        ("pcn_code", "pcns", "PCN code"),
    ):
        codes = con.execute(con.table(table).select(column))[column].astype(str)
        check_references(
            frame, column, set(codes), file=name, what=what,
            fix=f"use a {what} the warehouse knows (`openpcn orgs show CODE`), or import it first",
        )  # fmt: skip
    return pd.DataFrame(
        {
            "practice_code": frame["practice_code"]
            .astype(object)
            .where(frame["practice_code"].notna(), None),
            "pcn_code": frame["pcn_code"].astype(object).where(frame["pcn_code"].notna(), None),
            "role": role.astype(str),
            "fte": fte.astype(float),
            "age_band": band.astype(object).where(band.notna(), None),
            "start_date": start,
            "end_date": end,
            "vacancy": vacancy.astype(bool),
        }
    )


def _straddles_55(band: str) -> bool:
    hit = AGE_BAND.fullmatch(band)
    if hit is None or hit.group(1) is None:
        return False
    return int(hit.group(1)) < 55 <= int(hit.group(2))


def import_register(db: AppDB, path: Path, con: ibis.BaseBackend | None = None) -> int:
    """Replace the register with the file's rows, all or nothing; returns the rows imported."""
    if con is None:
        from openpcn.store.warehouse import connect

        con = connect()
    rows = read_register(Path(path), con)
    now = utcnow()
    source = Path(path).name[:255]
    try:
        with db.session() as session:
            session.execute(delete(Staff))
            session.add_all(
                Staff(
                    practice_code=r.practice_code,
                    pcn_code=r.pcn_code,
                    role=r.role,
                    fte=float(r.fte),
                    age_band=r.age_band,
                    start_date=r.start_date,
                    end_date=r.end_date,
                    vacancy=bool(r.vacancy),
                    imported_at=now,
                    source=source,
                )
                for r in rows.itertuples()
            )
    except SQLAlchemyError as exc:
        raise database_error(exc) from exc
    return len(rows)


def register_size(db: AppDB) -> int:
    """Rows in the register (0 = empty: the risk indicators then use the warehouse)."""
    with db.session() as session:
        return int(session.scalar(select(func.count(Staff.id))) or 0)


def staff_for(
    db: AppDB,
    pcn: str | None = None,
    practice: str | None = None,
    *,
    practices: list[str] | None = None,
    on: DateLike | None = None,
) -> list[dict[str, Any]]:
    """Register rows of a PCN (its own staff, plus those of `practices`, e.g. its members) or
    of one practice; all rows when neither is given; only posts open `on` a date if given."""
    query = select(Staff)
    if pcn is not None:
        query = query.where(or_(Staff.pcn_code == pcn, Staff.practice_code.in_(practices or [])))
    if practice is not None:
        query = query.where(Staff.practice_code == practice)
    if on is not None:
        day = as_date(on)
        query = query.where(
            Staff.start_date <= day, or_(Staff.end_date.is_(None), Staff.end_date >= day)
        )
    with db.session() as session:
        found = session.scalars(query.order_by(Staff.id)).all()
        return [
            {
                "id": s.id,
                "practice_code": s.practice_code,
                "pcn_code": s.pcn_code,
                "role": s.role,
                "fte": s.fte,
                "age_band": s.age_band,
                "start_date": s.start_date.isoformat(),
                "end_date": s.end_date.isoformat() if s.end_date else None,
                "vacancy": s.vacancy,
                "source": s.source,
            }
            for s in found
        ]
