"""`openpcn evaluate ...`: define, run, show, list and delete matched-control studies of
whether a new way of working changed hospital use (the engine is `openpcn.evaluation`).

`new` parses the options once into a `StudyDefinition` (an intervention file is read and
checked against the warehouse here: a bad file exits 65) and saves its JSON; `run` rebuilds
the definition from what was saved, runs it with a progress bar and keeps the aggregate
summary as the study's last run (the matched sets are patient-level: never stored, never
printed); `show` prints the last run. Exactly one of --intervention, --cohort and --event is
a usage rule (exit 2 otherwise).
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Any

import typer

from openpcn.cli.options import ICS_OPTION, JSON_OPTION
from openpcn.cli.output import emit, err, out, table, watching
from openpcn.cli.stores import app_db, warehouse
from openpcn.exceptions import NotFoundError
from openpcn.store import appdb, studies

evaluate_app = typer.Typer(
    help="Matched-control studies: did a new service change hospital use?",
    no_args_is_help=True,
)

AUTHOR = "cli"  # who saved or ran a study from the command line, as formation names it


class Controls(StrEnum):
    other_pcns = "other-pcns"
    same_pcns = "same-pcns"
    all = "all"


class Method(StrEnum):
    psm = "psm"
    prognostic = "prognostic"
    cem = "cem"


NAME_ARGUMENT = typer.Argument(..., help="the study's name (letters, digits, . _ -)")


def _one_intervention(file: Path | None, cohort: str | None, event: str | None) -> str:
    given = [
        name for name, value in (("file", file), ("cohort", cohort), ("event", event)) if value
    ]
    if len(given) != 1:
        raise typer.BadParameter(
            "give exactly one of --intervention FILE, --cohort SPEC or --event CODE"
            + (f" (got {len(given)})" if given else ""),
            param_hint="'--intervention' / '--cohort' / '--event'",
        )
    return given[0]


def _check_event(code: str) -> None:
    """An event code nobody in the warehouse has is refused now, not after a long run."""
    con = warehouse()
    events = con.table("events")
    if not int(events.filter(events.snomed_code == code).count().execute()):
        raise NotFoundError(
            f"no event coded {code!r} in the warehouse",
            fix="check the code (the planted integrated care team referral is "
            "OPENPCN-ICT-REFERRAL)",
        )


def _check_cohort(spec: str) -> None:
    from openpcn.cohorts.definitions import all_definitions

    ids = sorted({d.id for d in all_definitions()})
    if spec not in ids:
        raise NotFoundError(
            f"no cohort with id {spec!r}",
            fix="use an id from `openpcn cohorts list`, e.g. " + ", ".join(ids[:3]),
        )


@evaluate_app.command("new")
def evaluate_new(
    name: str = NAME_ARGUMENT,
    intervention: Path | None = typer.Option(
        None, "--intervention", help="CSV of patient_id,index_date: the people the service saw"
    ),
    cohort: str | None = typer.Option(
        None, "--cohort", help="a cohort id (`openpcn cohorts list`): its members are treated"
    ),
    event: str | None = typer.Option(
        None, "--event", help="a clinical code: people with it are treated from the first one"
    ),
    ics: str = ICS_OPTION,
    controls: Controls = typer.Option(
        Controls.other_pcns,
        "--controls",
        help="where controls come from: PCNs without the service, the same PCNs, or anyone",
    ),
    followup: int = typer.Option(12, "--followup", min=1, max=60, help="months after index"),
    prior: int = typer.Option(12, "--prior", min=1, max=60, help="months before index"),
    description: str = typer.Option("", "--description", help="what the service is, in words"),
) -> None:
    """Define a study and save it (run it with `openpcn evaluate run NAME`)."""
    from openpcn.evaluation.definition import Intervention, StudyDefinition

    kind = _one_intervention(intervention, cohort, event)
    with app_db() as db:
        name = studies.check_new_name(db, name)
    if kind == "file":
        from openpcn.sources.intervention import read_checked

        assert intervention is not None
        chosen = Intervention(kind="file", people=read_checked(intervention, warehouse()))
    elif kind == "cohort":
        assert cohort is not None
        _check_cohort(cohort.strip())
        chosen = Intervention(kind="cohort", code=cohort.strip())
    else:
        assert event is not None
        _check_event(event.strip())
        chosen = Intervention(kind="event", code=event.strip())
    definition = StudyDefinition(
        name=name, ics=ics.strip().upper(), intervention=chosen, controls=str(controls),
        followup_months=followup, prior_months=prior, description=description.strip(),
    )  # fmt: skip
    with app_db() as db:
        saved = studies.create(
            db, definition.to_json(), AUTHOR, actor=appdb.Actor(AUTHOR, "openpcn evaluate new")
        )
    out.print(f"Saved study [bold]{saved['name']}[/].", highlight=False)
    _print_design(studies.public_definition(definition.to_json()), None)
    out.print(f"Run it with: openpcn evaluate run {saved['name']}", highlight=False)


@evaluate_app.command("run")
def evaluate_run(
    name: str = NAME_ARGUMENT,
    method: Method = typer.Option(Method.psm, "--method", help="psm, prognostic or cem"),
    caliper: float = typer.Option(
        0.2, "--caliper", min=0.001, max=5.0, help="SDs of the logit of the score (psm)"
    ),
    ratio: int = typer.Option(1, "--ratio", min=1, max=10, help="controls per treated person"),
    seed: int = typer.Option(2019, "--seed", help="the seed (the same seed: the same matches)"),
    as_json: bool = JSON_OPTION,
) -> None:
    """Match, estimate and keep the summary as the study's last run (a progress bar shows)."""
    from openpcn.evaluation.definition import StudyDefinition
    from openpcn.evaluation.study import run_study

    with app_db() as db:
        saved = studies.load(db, name)
    definition = StudyDefinition.from_json(saved["definition"])
    with watching(f"Running study {definition.name}"):
        result = run_study(
            warehouse(), definition, method=str(method), caliper=caliper, ratio=ratio, seed=seed
        )
    summary = result.summary
    with app_db() as db:
        kept = studies.record_run(
            db, definition.name, method=str(method),
            parameters={"caliper": caliper, "ratio": ratio, "seed": seed}, summary=summary,
            run_by=AUTHOR, actor=appdb.Actor(AUTHOR, "openpcn evaluate run"),
        )  # fmt: skip
    emit(shown(kept), as_json=as_json, draw=_print_study)


def shown(study: dict[str, Any]) -> dict[str, Any]:
    """A study as `show --json` prints it: the last run's summary (the issue's keys) with the
    study's author and dates, the definition made public (a file's people as their number)."""
    last = study["last_run"] or {}
    summary = dict(last.get("summary") or {})
    summary["name"] = study["name"]
    summary["definition"] = studies.public_definition(study["definition"])
    summary.setdefault("method", last.get("method"))
    summary.setdefault("parameters", last.get("parameters"))
    summary["study"] = {
        "author": study["author"],
        "created": study["created"],
        "run_by": last.get("run_by"),
        "run_at": last.get("run_at"),
    }
    return summary


@evaluate_app.command("show")
def evaluate_show(name: str = NAME_ARGUMENT, as_json: bool = JSON_OPTION) -> None:
    """A study's design, balance, effects with 95% CIs, sensitivity results and warnings."""
    with app_db() as db:
        study = studies.load(db, name)
    emit(shown(study), as_json=as_json, draw=_print_study)


@evaluate_app.command("list")
def evaluate_list(as_json: bool = JSON_OPTION) -> None:
    """Every saved study: its author and date, and its last run."""
    with app_db() as db:
        rows = studies.list_studies(db)
    emit(rows, as_json=as_json, draw=_print_list)


@evaluate_app.command("delete")
def evaluate_delete(name: str = NAME_ARGUMENT) -> None:
    """Remove a saved study (an audit row says who and when)."""
    with app_db() as db:
        gone = studies.delete(db, name, actor=appdb.Actor(AUTHOR, "openpcn evaluate delete"))
    out.print(f"Deleted study {gone['name']!r} (by {gone['author']}, {gone['created']}).")


# -- printing ---------------------------------------------------------------------------------


def _number(value: object, places: int = 2) -> str:
    if value is None:
        return "-"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.{places}f}"
    return str(value)


def _print_design(definition: dict[str, Any], method: str | None) -> None:
    from openpcn.evaluation import explain

    for line in explain.design(definition, method):
        out.print(f"  {line}", highlight=False, soft_wrap=True)


def _print_list(rows: list[dict[str, Any]]) -> None:
    if not rows:
        out.print(
            "No saved studies: define one with `openpcn evaluate new NAME --event CODE` "
            "(e.g. --event OPENPCN-ICT-REFERRAL)."
        )
        return
    drawn = table(
        ("name", "treated by", "ICS", "author", "created (UTC)", "last run", "method",
         "matched", "warnings"),
        right=("matched", "warnings"),
    )  # fmt: skip
    for r in rows:
        drawn.add_row(
            r["name"], f"{r['intervention']} {r['code'] or ''}".strip(), str(r["ics"]),
            r["author"], str(r["created"]).replace("T", " "),
            str(r["run_at"] or "not run").replace("T", " "), r["method"] or "-",
            _number(r["n_matched"]), _number(r["warnings"]),
        )  # fmt: skip
    out.print(drawn)


def _print_study(s: dict[str, Any]) -> None:
    from openpcn.evaluation import explain

    study = s["study"]
    out.print(
        f"[bold]{s['name']}[/]: defined by {study['author']} at {study['created']} (UTC)",
        highlight=False,
    )
    _print_design(s["definition"], s.get("method"))
    if not study.get("run_at"):
        out.print(f"Not run yet: openpcn evaluate run {s['name']}", highlight=False)
        return
    params = s.get("parameters") or {}
    out.print(
        f"Last run by {study['run_by']} at {study['run_at']} (UTC): method {s.get('method')}, "
        f"caliper {params.get('caliper')}, ratio {params.get('ratio')}, seed {params.get('seed')}"
        f"; {_number(s.get('seconds'), 1)} s",
        highlight=False,
    )
    for warning in s.get("warnings") or []:
        err.print(f"[bold yellow]warning:[/] {warning}", highlight=False, soft_wrap=True)
    out.print(
        f"{_number(s.get('n_treated'))} treated, {_number(s.get('n_eligible_controls'))} "
        f"eligible controls, {_number(s.get('n_matched'))} treated matched "
        f"({_number(s.get('unmatched_treated'))} unmatched)",
        highlight=False,
    )
    _print_balance(s.get("balance") or [])
    _print_outcomes(s.get("outcomes") or [], s.get("naive") or [])
    _print_sensitivity(s.get("sensitivity") or {})
    out.print("\n[bold]What this shows[/]")
    for line in explain.caveats(s):
        out.print(f"  - {line}", highlight=False, soft_wrap=True)


def _print_balance(rows: list[dict[str, Any]]) -> None:
    drawn = table(
        ("covariate", "SMD before", "SMD after", "VR before", "VR after"),
        right=("SMD before", "SMD after", "VR before", "VR after"),
        title="Balance (target: |SMD| under 0.1 after matching)",
    )
    for row in rows:
        after = row.get("smd_after")
        flag = after is not None and abs(after) >= 0.1
        drawn.add_row(
            str(row.get("label") or row.get("covariate")), _number(row.get("smd_before"), 3),
            f"[red]{_number(after, 3)}[/]" if flag else _number(after, 3),
            _number(row.get("variance_ratio_before")), _number(row.get("variance_ratio_after")),
        )  # fmt: skip
    out.print(drawn)


def _ci(row: dict[str, Any]) -> str:
    if row.get("ci_low") is None or row.get("ci_high") is None:
        return "-"
    return f"{row['ci_low']:.2f}-{row['ci_high']:.2f}"


def _print_outcomes(rows: list[dict[str, Any]], naive: list[dict[str, Any]]) -> None:
    unmatched = {r.get("outcome"): r for r in naive}
    drawn = table(
        ("outcome", "treated /py", "control /py", "rate ratio", "95% CI", "p", "model",
         "naive ratio", "naive CI"),
        right=("treated /py", "control /py", "rate ratio", "95% CI", "p", "naive ratio",
               "naive CI"),
        title="Effects on the matched sample (rates per person-year; naive: unmatched, "
        "unadjusted, what matching corrected)",
    )  # fmt: skip
    for row in rows:
        plain = unmatched.get(row.get("outcome")) or {}
        drawn.add_row(
            str(row.get("label") or row.get("outcome")),
            _number((row.get("treated") or {}).get("rate"), 3),
            _number((row.get("control") or {}).get("rate"), 3),
            _number(row.get("rate_ratio")), _ci(row), _number(row.get("p_value"), 3),
            str(row.get("model") or "-"), _number(plain.get("rate_ratio")), _ci(plain),
        )  # fmt: skip
    out.print(drawn)


def _print_sensitivity(sensitivity: dict[str, Any]) -> None:
    from openpcn.evaluation import explain

    did = sensitivity.get("difference_in_differences") or []
    if did:
        drawn = table(
            ("outcome", "rate ratio", "95% CI"),
            right=("rate ratio", "95% CI"),
            title="Sensitivity: difference-in-differences against the prior period",
        )
        for row in did:
            drawn.add_row(
                str(row.get("label") or row.get("outcome")),
                _number(row.get("rate_ratio")),
                _ci(row),
            )
        out.print(drawn)
    others = explain.other_method_rows({"sensitivity": sensitivity})
    if others:
        drawn = table(
            ("method", "outcome", "rate ratio", "95% CI"),
            right=("rate ratio", "95% CI"),
            title="Sensitivity: the other matching methods",
        )
        for row in others:
            drawn.add_row(
                str(row["method"]), str(row["label"]), _number(row["rate_ratio"]), _ci(row)
            )
        out.print(drawn)
