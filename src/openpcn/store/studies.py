"""Saved evaluation studies: a named study definition (its JSON), who wrote it and when, and
the last run's method, parameters and aggregate summary.

The layering copies `openpcn.formation.scenarios`: plain JSON in and out, an audit row in the
same transaction as each change. This module sits in the store, below the evaluation
capability: the surfaces turn a `StudyDefinition` into JSON (`to_json`) before saving it and
back (`from_json`) before running it, so the engine's types never reach down here. The matched
sets are patient-level and never stored: a rerun recomputes them from the definition and seed.
A definition made from a file of patients holds their pseudonymous ids and index dates;
`public_definition` is what any surface shows instead (the number of people, not who).
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete as sql_delete
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from openpcn.exceptions import NotFoundError, UserError
from openpcn.store import appdb

NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
RESERVED = ("new",)  # /ics/{ics}/evaluation/new is the form that defines a study
NAME_FIX = "use 1-100 letters, digits or . _ -, starting with a letter or digit, e.g. ict-2018"


def checked_name(name: str) -> str:
    """A usable study name, stripped (it goes in URLs, so no spaces); a UserError otherwise."""
    text = name.strip()
    if not NAME.fullmatch(text):
        raise UserError(f"{name[:120]!r} is not a usable study name", fix=NAME_FIX)
    if text.lower() in RESERVED:
        raise UserError(f"{text!r} is reserved (a page of its own)", fix=NAME_FIX)
    return text


def _row(session: Session, name: str) -> appdb.Study | None:
    return session.scalar(select(appdb.Study).where(appdb.Study.name == name))


def _taken(name: str) -> UserError:
    return UserError(
        f"a study named {name!r} exists",
        fix=f"choose another name, or remove it first with `openpcn evaluate delete {name}`",
    )


def _not_found(session: Session, name: str) -> NotFoundError:
    names = session.scalars(select(appdb.Study.name).order_by(appdb.Study.name)).all()
    known = ", ".join(names[:5]) if names else "none is saved yet"
    return NotFoundError(
        f"no study named {name[:120]!r}",
        fix=f"use a name from `openpcn evaluate list` ({known})",
    )


def public_definition(definition: Mapping[str, Any]) -> dict[str, Any]:
    """The definition as any surface shows it: a file's people become their number."""
    shown = copy.deepcopy(dict(definition))
    intervention = dict(shown.get("intervention") or {})
    people = intervention.pop("people", None)
    if intervention.get("kind") == "file" or people:
        intervention["people"] = len(people or [])
    shown["intervention"] = intervention
    return shown


def _time(value: dt.datetime | None) -> str | None:
    return None if value is None else value.isoformat(timespec="seconds")


def _summary(row: appdb.Study) -> dict[str, Any]:
    """One study as the list shows it: name, design in brief, author, last run."""
    definition = row.definition or {}
    intervention = definition.get("intervention") or {}
    last = row.summary or {}
    return {
        "name": row.name,
        "description": str(definition.get("description") or ""),
        "ics": definition.get("ics"),
        "intervention": intervention.get("kind"),
        "code": intervention.get("code"),
        "controls": definition.get("controls"),
        "author": row.author,
        "created": _time(row.created),
        "method": row.method,
        "run_by": row.run_by,
        "run_at": _time(row.run_at),
        "n_treated": last.get("n_treated"),
        "n_matched": last.get("n_matched"),
        "warnings": len(last.get("warnings") or []),
    }


def _whole(row: appdb.Study) -> dict[str, Any]:
    return {
        "name": row.name,
        "definition": dict(row.definition),
        "author": row.author,
        "created": _time(row.created),
        "last_run": None
        if row.run_at is None
        else {
            "method": row.method,
            "parameters": row.parameters,
            "summary": row.summary,
            "run_by": row.run_by,
            "run_at": _time(row.run_at),
        },
    }


def create(
    db: appdb.AppDB, definition: Mapping[str, Any], author: str, *, actor: appdb.Actor
) -> dict[str, Any]:
    """Keep a new study under the definition's name, with an audit row (one transaction)."""
    name = checked_name(str(definition.get("name") or ""))
    try:
        with db.session() as session:
            if _row(session, name) is not None:
                raise _taken(name)
            row = appdb.Study(
                name=name,
                definition=dict(definition) | {"name": name},
                author=author[:64],
                created=appdb.utcnow(),
            )
            session.add(row)
            session.flush()
            _audit(session, actor, "evaluation.new", row)
            return _summary(row)
    except IntegrityError as exc:  # saved by someone else between the check and the insert
        raise _taken(name) from exc
    except SQLAlchemyError as exc:
        raise appdb.database_error(exc) from exc


def check_new_name(db: appdb.AppDB, name: str) -> str:
    """Refuse a malformed or taken name before reading a file or the warehouse."""
    text = checked_name(name)
    with db.session() as session:
        if _row(session, text) is not None:
            raise _taken(text)
    return text


def list_studies(db: appdb.AppDB) -> list[dict[str, Any]]:
    """Every saved study, newest first, with its author, date and last run."""
    with db.session() as session:
        rows = session.scalars(
            select(appdb.Study).order_by(appdb.Study.created.desc(), appdb.Study.id.desc())
        ).all()
        return [_summary(row) for row in rows]


def load(db: appdb.AppDB, name: str) -> dict[str, Any]:
    """A saved study: name, definition (whole: the surfaces show `public_definition`), author,
    created, and `last_run` (method, parameters, summary, run_by, run_at) or None."""
    with db.session() as session:
        row = _row(session, name.strip())
        if row is None:
            raise _not_found(session, name)
        return _whole(row)


def record_run(
    db: appdb.AppDB,
    name: str,
    *,
    method: str,
    parameters: Mapping[str, Any],
    summary: Mapping[str, Any],
    run_by: str,
    actor: appdb.Actor,
) -> dict[str, Any]:
    """Keep a run's aggregate summary as the study's last run (the one before is replaced)."""
    try:
        with db.session() as session:
            row = _row(session, name.strip())
            if row is None:
                raise _not_found(session, name)
            row.method = method
            row.parameters = dict(parameters)
            row.summary = dict(summary)
            row.run_by = run_by[:64]
            row.run_at = appdb.utcnow()
            _audit(session, actor, "evaluation.run", row, detail=f", {method}")
            session.flush()
            return _whole(row)
    except SQLAlchemyError as exc:
        raise appdb.database_error(exc) from exc


def delete(db: appdb.AppDB, name: str, *, actor: appdb.Actor) -> dict[str, Any]:
    """Remove a saved study, with an audit row; what it was is returned."""
    try:
        with db.session() as session:
            row = _row(session, name.strip())
            if row is None:
                raise _not_found(session, name)
            gone = _summary(row)
            _audit(session, actor, "evaluation.delete", row)
            session.execute(sql_delete(appdb.Study).where(appdb.Study.id == row.id))
            return gone
    except SQLAlchemyError as exc:
        raise appdb.database_error(exc) from exc


def _audit(
    session: Session, actor: appdb.Actor, action: str, row: appdb.Study, detail: str = ""
) -> None:
    ics = (row.definition or {}).get("ics") or "-"
    appdb.record_event(
        session,
        user_id=actor.user_id,
        username=actor.username,
        action=action,
        route=actor.route,
        scope=f"study {row.name} ({ics}{detail})",
    )
