"""Saved formation scenarios: named proposals kept in the app database, and their comparison.

A scenario is the proposal's whole JSON (`Proposal.as_dict()` plus one row per practice), so
what was saved reads back the same after the solver changes. The name `current` is reserved:
it stands for today's configuration, which a surface builds with `formation.current` and
turns into the same shape with `as_scenario`.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from typing import Any

import numpy as np
from sqlalchemy import delete as sql_delete
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from openpcn.exceptions import NotFoundError, UserError
from openpcn.formation.propose import CURRENT, Proposal
from openpcn.store import appdb

NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._()+-]{0,99}")
#: the metrics `list_scenarios` shows for each scenario
LISTED_METRICS = (
    "pcns_total",
    "pcns_in_band",
    "patients_outside_band",
    "compactness_km",
    "moved",
    "status",
)


def _plain(value: object) -> object:
    """NumPy numbers and dates as JSON's own types."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


def as_scenario(proposal: Proposal) -> dict[str, Any]:
    """The proposal as plain JSON: `as_dict()` plus `practices` (current and proposed network
    per practice), which `compare` reads."""
    payload = proposal.as_dict() | {"practices": proposal.practices()}
    return json.loads(json.dumps(payload, default=_plain))


def checked_name(name: str) -> str:
    """A usable scenario name (not `current`), stripped; a UserError says how to fix it."""
    text = name.strip()
    if text.lower() == CURRENT:
        raise UserError(
            f"{CURRENT!r} is reserved: it means today's configuration",
            fix="choose another name, e.g. dorset-fresh-2019",
        )
    if not NAME.fullmatch(text):
        raise UserError(
            f"{name!r} is not a usable scenario name",
            fix="use 1-100 letters, digits, spaces or . _ ( ) + -, starting with a letter or digit",
        )
    return text


def check_new_name(db: appdb.AppDB, name: str) -> str:
    """Refuse a reserved, malformed or taken name before a long solve, not after it."""
    text = checked_name(name)
    with db.session() as session:
        if _row(session, text) is not None:
            raise _taken(text)
    return text


def _taken(name: str) -> UserError:
    return UserError(
        f"a scenario named {name!r} exists",
        fix=f"choose another name, or remove it first with `openpcn formation delete {name}`",
    )


def _row(session: Any, name: str) -> appdb.FormationScenario | None:
    return session.scalar(
        select(appdb.FormationScenario).where(appdb.FormationScenario.name == name)
    )


def save(
    db: appdb.AppDB,
    name: str,
    proposal: Proposal | Mapping[str, Any],
    saved_by: str,
    *,
    actor: appdb.Actor | None = None,
) -> dict[str, Any]:
    """Keep a proposal under a new name, with an audit row, in one transaction.

    Refuses the reserved name, a taken name, today's configuration and an infeasible proposal;
    nothing is written unless all of it is."""
    text = checked_name(name)
    payload = as_scenario(proposal) if isinstance(proposal, Proposal) else dict(proposal)
    metrics = payload.get("metrics") or {}
    if payload.get("kind") == CURRENT:
        raise UserError(
            "today's configuration is not saved: it is always there as `current`",
            fix="save a proposal from `openpcn formation propose --save NAME`",
        )
    if metrics.get("status") == "infeasible":
        raise UserError(
            "an infeasible proposal is not saved",
            fix="widen the band, allow more networks or drop a constraint, then save again",
        )
    params = payload.get("parameters") or {}
    ics = str((payload.get("ics") or {}).get("code") or params.get("ics") or "")
    actor = actor or appdb.Actor(saved_by, "openpcn formation")
    try:
        with db.session() as session:
            if _row(session, text) is not None:
                raise _taken(text)
            row = appdb.FormationScenario(
                name=text,
                ics=ics,
                date=dt.date.fromisoformat(str(payload.get("date") or params.get("date"))),
                mode=str(params.get("mode") or "fresh"),
                payload=payload,
                saved_by=saved_by[:64],
                created=appdb.utcnow(),
            )
            session.add(row)
            session.flush()
            appdb.record_event(
                session,
                user_id=actor.user_id,
                username=actor.username,
                action="formation.save",
                route=actor.route,
                scope=f"formation scenario {text} ({ics})",
            )
            return _summary(row)
    except IntegrityError as exc:  # saved by someone else between the check and the insert
        raise _taken(text) from exc
    except SQLAlchemyError as exc:
        raise appdb.database_error(exc) from exc


def _summary(row: appdb.FormationScenario) -> dict[str, Any]:
    payload = row.payload or {}
    metrics = payload.get("metrics") or {}
    return {
        "name": row.name,
        "ics": row.ics,
        "ics_name": (payload.get("ics") or {}).get("name"),
        "date": row.date.isoformat(),
        "mode": row.mode,
        **{key: metrics.get(key) for key in LISTED_METRICS},
        "saved_by": row.saved_by,
        "created": row.created.isoformat(timespec="seconds"),
    }


def list_scenarios(db: appdb.AppDB) -> list[dict[str, Any]]:
    """Every saved scenario, newest first, with its key metrics and who saved it when."""
    with db.session() as session:
        rows = session.scalars(
            select(appdb.FormationScenario).order_by(
                appdb.FormationScenario.created.desc(), appdb.FormationScenario.id.desc()
            )
        ).all()
        return [_summary(row) for row in rows]


def load(db: appdb.AppDB, name: str) -> dict[str, Any]:
    """A saved scenario: its proposal JSON with `scenario` (name, who saved it, when)."""
    with db.session() as session:
        row = _row(session, name.strip())
        if row is None:
            raise _not_found(session, name)
        return dict(row.payload) | {"scenario": _summary(row)}


def _not_found(session: Any, name: str) -> NotFoundError:
    names = session.scalars(
        select(appdb.FormationScenario.name).order_by(appdb.FormationScenario.name)
    ).all()
    known = ", ".join(names[:5]) if names else "none is saved yet"
    return NotFoundError(
        f"no saved scenario named {name!r}",
        fix=f"use `current` or a name from `openpcn formation list` ({known})",
    )


def delete(db: appdb.AppDB, name: str, actor: appdb.Actor) -> dict[str, Any]:
    """Remove a saved scenario, with an audit row; what it was is returned."""
    try:
        with db.session() as session:
            row = _row(session, name.strip())
            if row is None:
                raise _not_found(session, name)
            gone = _summary(row)
            session.execute(
                sql_delete(appdb.FormationScenario).where(appdb.FormationScenario.id == row.id)
            )
            appdb.record_event(
                session,
                user_id=actor.user_id,
                username=actor.username,
                action="formation.delete",
                route=actor.route,
                scope=f"formation scenario {gone['name']} ({gone['ics']})",
            )
            return gone
    except SQLAlchemyError as exc:
        raise appdb.database_error(exc) from exc


# ---------------------------------------------------------------------------------------------
# Comparing two configurations


def _label(side: Mapping[str, Any]) -> dict[str, Any]:
    scenario = side.get("scenario") or {}
    metrics = side.get("metrics") or {}
    return {
        "name": scenario.get("name") or (CURRENT if side.get("kind") == CURRENT else "proposal"),
        "kind": side.get("kind"),
        "ics": side.get("ics"),
        "date": side.get("date"),
        "status": metrics.get("status"),
        "parameters": side.get("parameters"),
    }


def _networks(side: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """practice -> {network code, network name, practice name, patients} for one side."""
    out: dict[str, dict[str, Any]] = {}
    for row in side.get("practices") or []:
        out[str(row["practice_code"])] = {
            "code": row.get("proposed_code"),
            "network": row.get("proposed_name"),
            "name": row.get("name"),
            "patients": row.get("patients"),
        }
    if out:
        return out
    for pcn in side.get("pcns") or []:  # a bare as_dict(): networks from `pcns`
        for code in pcn.get("practices") or []:
            out[str(code)] = {
                "code": pcn.get("code"),
                "network": pcn.get("name"),
                "name": None,
                "patients": None,
            }
    return out


def compare(a: Mapping[str, Any], b: Mapping[str, Any]) -> dict[str, Any]:
    """Two configurations of one ICS side by side: every metric, each side's networks, and the
    practices whose network differs (by network code) between A and B."""
    ics_a = (a.get("ics") or {}).get("code")
    ics_b = (b.get("ics") or {}).get("code")
    if ics_a != ics_b:
        raise UserError(
            f"the two scenarios are of different ICSs ({ics_a} and {ics_b})",
            fix="compare two configurations of one ICS",
        )
    metrics_a, metrics_b = a.get("metrics") or {}, b.get("metrics") or {}
    keys = list(metrics_a) + [k for k in metrics_b if k not in metrics_a]
    metrics: dict[str, dict[str, Any]] = {}
    for key in keys:
        va, vb = metrics_a.get(key), metrics_b.get(key)
        entry: dict[str, Any] = {"a": va, "b": vb}
        if _number(va) and _number(vb):
            entry["change"] = round(float(vb) - float(va), 4)
        metrics[key] = entry
    net_a, net_b = _networks(a), _networks(b)
    changes = []
    for code in sorted(set(net_a) | set(net_b)):
        pa, pb = net_a.get(code, {}), net_b.get(code, {})
        if pa.get("code") == pb.get("code"):
            continue
        changes.append(
            {
                "practice_code": code,
                "name": pa.get("name") or pb.get("name"),
                "patients": pa.get("patients") if pa.get("patients") is not None
                else pb.get("patients"),
                "network_a": pa.get("code"),
                "network_a_name": pa.get("network"),
                "network_b": pb.get("code"),
                "network_b_name": pb.get("network"),
            }
        )  # fmt: skip
    return {
        "a": _label(a),
        "b": _label(b),
        "metrics": metrics,
        "changes": changes,
        "pcns": {"a": list(a.get("pcns") or []), "b": list(b.get("pcns") or [])},
    }


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
