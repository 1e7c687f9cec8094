"""What the evaluation pages and API answer: saved studies of the ICS, a run as a job, the
summary as every web viewer may see it, and the matched set of a manager's own PCN.

A run is worked out as a job (`openpcn.web.kit.jobs.soon`: a progress page, other pages never
blocked) on its own warehouse cursor; the job keeps the summary as the study's last run (an
audit row says who ran it) and the result stays in the answer cache under the run's key, so
the matched set can be downloaded without running again. The summary a viewer sees has every
count of people or events disclosure-controlled (`openpcn.cohorts.disclosure`) and rates
worked out again from the shown counts: no role has patient-level rights over a whole ICS.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from typing import Any

import ibis
import pandas as pd

from openpcn.cohorts.disclosure import disclose
from openpcn.evaluation import explain
from openpcn.evaluation.definition import StudyDefinition
from openpcn.evaluation.study import StudyResult, run_study
from openpcn.exceptions import NotFoundError, UserError
from openpcn.store import appdb, studies
from openpcn.web.auth import forbid_unless
from openpcn.web.kit.access import WHOLE_ICS, Ask, may_see_ics, record_view
from openpcn.web.kit.cache import Cache
from openpcn.web.kit.jobs import soon
from openpcn.web.routes.evaluation.params import RunAsk

cached = Cache("evaluation", size=16)

#: counts of people at the top of a summary
PEOPLE = (
    "n_treated_found",
    "n_treated",
    "n_eligible_controls",
    "n_matched",
    "n_matched_controls",
    "unmatched_treated",
)
#: a count of people written into a warning ("only 12 treated people were matched", "3 of the
#: 40 people in the intervention file")
PEOPLE_IN_WORDS = re.compile(
    r"\b(\d[\d,]*)( (?:of the |(?:treated |eligible )?(?:people|controls|patients)))"
)
#: keys that hold a count of people or events wherever they appear in a summary
COUNTS = frozenset({*PEOPLE, "events", "people", "n", "count", "patients"})
CSV_COLUMNS = ("pair_id", "patient_id", "arm", "index_date", "practice_code", "pcn_code")
DISCLOSURE_NOTE = (
    "counts of people and events are disclosure-controlled: 1 to 7 are not shown and the rest "
    "are rounded to the nearest 5; rates are worked out from the shown counts, effects and "
    "balance from the exact ones"
)


def may_run(ask: Ask) -> bool:
    """Analysts and admins define and run studies; a PCN manager only reads them."""
    return ask.principal.role in WHOLE_ICS


def _db(ask: Ask) -> appdb.AppDB:
    return ask.request.app.state.appdb


def actor(ask: Ask) -> appdb.Actor:
    principal = ask.principal
    return appdb.Actor(principal.username, ask.request.url.path, principal.user_id)


def studies_of(ask: Ask, ics: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The ICS's footprint and its saved studies, newest first (counts disclosed)."""
    footprint = may_see_ics(ask, ics)
    rows = [
        row | {"n_treated": _count(row["n_treated"]), "n_matched": _count(row["n_matched"])}
        for row in studies.list_studies(_db(ask))
        if row["ics"] == footprint["code"]
    ]
    return footprint, rows


def study_of(ask: Ask, ics: str, name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The ICS's footprint and one of its saved studies, whole (404 for another ICS's)."""
    footprint = may_see_ics(ask, ics)
    study = studies.load(_db(ask), name)
    if study["definition"].get("ics") != footprint["code"]:
        raise NotFoundError(
            f"no study named {name!r} in {footprint['code']}",
            fix=f"open the list of studies: /ics/{footprint['code']}/evaluation",
        )
    return footprint, study


def _count(value: object) -> int | None:
    return None if value is None else disclose(int(value))  # type: ignore[call-overload]


def _disclosed(value: Any) -> Any:
    """Every count in the structure disclosed; a rate beside person-years worked out again."""
    if isinstance(value, list):
        return [_disclosed(v) for v in value]
    if not isinstance(value, Mapping):
        return value
    out = {}
    for key, item in value.items():
        if key in COUNTS and isinstance(item, int | float) and not isinstance(item, bool):
            out[key] = _count(item)
        elif key in COUNTS and isinstance(item, list):
            out[key] = [_count(v) if isinstance(v, int | float) else v for v in item]
        else:
            out[key] = _disclosed(item)
    if "events" in out and "rate" in out and "person_years" in out:
        years = out["person_years"]
        out["rate"] = None if out["events"] is None or not years else out["events"] / years
    return out


def _in_words(match: re.Match[str]) -> str:
    shown = _count(int(match.group(1).replace(",", "")))
    return f"{'fewer than 8' if shown is None else f'about {shown:,}'}{match.group(2)}"


def in_words(text: str) -> str:
    """A sentence with each count of people in it disclosed ("about 80", "fewer than 8")."""
    return PEOPLE_IN_WORDS.sub(_in_words, text)


def _monthly(rows: list[dict[str, Any]], people: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Monthly rates worked out again from disclosed counts. A row with its `events` count
    (runs since issue 18's last change) is exact: 1-7 events redacted, the rest rounded to the
    nearest 5 and the rate scaled by the same factor. A row of an older run holds a rate only,
    so its count is estimated from the arm's matched people (the whole exposure before the
    index date, an upper bound after it) and treated the same way."""
    out = []
    for row in rows:
        if isinstance(row.get("events"), int | float) and not isinstance(row["events"], bool):
            exact = int(row["events"])
            events = _count(exact)
            rate = row.get("rate_per_1000_person_months")
            if events is None or rate is None:
                shown = None
            else:
                shown = round(float(rate) * events / exact, 3) if exact else float(rate)
            out.append(dict(row) | {"events": events, "rate_per_1000_person_months": shown})
            continue
        arm_size = people.get("n_matched" if row.get("arm") == "treated" else "n_matched_controls")
        rate = row.get("rate_per_1000_person_months")
        if rate is None or not arm_size:
            out.append(dict(row) | {"rate_per_1000_person_months": None})
            continue
        events = _count(round(float(rate) * int(arm_size) / 1000))
        shown = None if events is None else round(1000 * events / int(arm_size), 3)
        out.append(dict(row) | {"rate_per_1000_person_months": shown})
    return out


def disclosed(summary: Mapping[str, Any]) -> dict[str, Any]:
    """The summary as a web viewer sees it: counts disclosed (the overlap histogram's, those
    in the warnings' words and those behind the monthly rates too)."""
    exact = dict(summary)
    shown = _disclosed(copy.deepcopy(exact))
    overlap = shown.get("overlap") or {}
    for key in ("treated", "controls"):
        if isinstance(overlap.get(key), list):
            overlap[key] = [_count(v) if v is not None else None for v in overlap[key]]
    shown["warnings"] = [
        PEOPLE_IN_WORDS.sub(_in_words, str(w)) for w in exact.get("warnings") or []
    ]
    shown["monthly"] = _monthly(list(exact.get("monthly") or []), exact)
    return shown


def shown(study: Mapping[str, Any]) -> dict[str, Any]:
    """A study as the page and the API show it: the definition public (a file's people as
    their number), the last run's summary disclosed, and the words that go with it."""
    definition = studies.public_definition(study["definition"])
    last = study.get("last_run")
    summary = disclosed(last["summary"]) if last else None
    return {
        "name": study["name"],
        "author": study["author"],
        "created": study["created"],
        "definition": definition,
        "design": explain.design(definition, last["method"] if last else None),
        "last_run": None
        if last is None
        else {key: last[key] for key in ("method", "parameters", "run_by", "run_at")},
        "summary": summary,
        "caveats": explain.caveats(summary) if summary else [],
        "unbalanced": explain.unbalanced(summary) if summary else [],
        "other_methods": explain.other_method_rows(summary) if summary else [],
        "disclosure_controlled": True,
        "disclosure_note": DISCLOSURE_NOTE,
    }


def _key(study: Mapping[str, Any], how: RunAsk) -> tuple[object, ...]:
    """One run: the study (as created: a new study of the same name is another) and how."""
    return ("run", study["name"], study["created"], how.method, how.caliper, how.ratio, how.seed)


def run(ask: Ask, study: Mapping[str, Any], how: RunAsk) -> StudyResult:
    """Run the study as a job (analysts and admins); its summary becomes the last run."""
    forbid_unless(may_run(ask))
    definition = StudyDefinition.from_json(study["definition"])
    db, who = _db(ask), actor(ask)

    def compute(con: ibis.BaseBackend) -> StudyResult:
        result = run_study(
            con, definition, method=how.method, caliper=how.caliper, ratio=how.ratio,
            seed=how.seed,
        )  # fmt: skip
        studies.record_run(
            db, definition.name, method=how.method, parameters=how.parameters(),
            summary=result.summary, run_by=who.username, actor=who,
        )  # fmt: skip
        return result

    label = f"Study {definition.name} ({how.method}) for {definition.ics}"
    try:
        result = soon(ask, cached, _key(study, how), compute, label=label)
    except UserError as exc:  # no overlap, no eligible controls: counts in it disclosed
        shown = copy.copy(exc)
        shown.what = in_words(exc.what)
        shown.args = (shown.message,)
        raise shown.with_traceback(None) from None
    last = studies.load(db, definition.name)["last_run"]
    if last is None or (last["method"], last["parameters"]) != (how.method, how.parameters()):
        # a run kept from before another one: asked for again, it is the last run again
        studies.record_run(
            db, definition.name, method=how.method, parameters=how.parameters(),
            summary=result.summary, run_by=who.username, actor=who,
        )  # fmt: skip
    return result


def matched_rows(ask: Ask, study: Mapping[str, Any]) -> list[dict[str, Any]] | None:
    """The last run's matched people registered in the manager's PCN (None: no run yet).
    Worked out again as a job if the server no longer keeps them (the same definition and
    seed give the same matches); the download is audited."""
    last = study.get("last_run")
    if last is None:
        return None
    params = last["parameters"] or {}
    how = RunAsk(method=last["method"], **params)
    definition = StudyDefinition.from_json(study["definition"])

    def compute(con: ibis.BaseBackend) -> StudyResult:
        return run_study(
            con, definition, method=how.method, caliper=how.caliper, ratio=how.ratio,
            seed=how.seed,
        )  # fmt: skip

    result = soon(
        ask, cached, _key(study, how), compute, label=f"Matched set of study {definition.name}"
    )
    pcn = ask.principal.pcn_code
    frame: pd.DataFrame = result.matched
    mine = frame[frame["pcn_code"] == pcn]  # their patients, treated or control, with pair ids
    rows = [
        {**row, "index_date": str(row["index_date"])[:10]}
        for row in mine.loc[:, list(CSV_COLUMNS)].to_dict("records")
    ]
    record_view(
        ask, scope=f"study {study['name']} matched set ({pcn})", rows=len(rows), action="export"
    )
    return rows
