"""`openpcn formation ...`: propose right-sized, contiguous PCNs, save and compare scenarios,
and solve every ICS in England.

The options are parsed once here into a `formation.Params`; a malformed value is a usage
error (exit 2) before any work. A solve runs on a worker thread so Ctrl-C can set the cancel
event: the solver stops and the best configuration found so far is printed (exit 130).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import typer

from openpcn.cli.options import DATE_OPTION, ICS_OPTION, JSON_OPTION, csv_option
from openpcn.cli.output import emit, err, out, table, watching, whole
from openpcn.cli.stores import app_db, warehouse
from openpcn.exceptions import UserError
from openpcn.store import appdb

if TYPE_CHECKING:
    from openpcn.formation import Params, Proposal

formation_app = typer.Typer(
    help="Propose right-sized, contiguous PCNs; save, compare and list scenarios; England.",
    no_args_is_help=True,
)

Result = TypeVar("Result")
INTERRUPTED = 130  # the shell's code for a command stopped by Ctrl-C


class Mode(StrEnum):
    fresh = "fresh"
    least_change = "least-change"


MIN_OPTION = typer.Option(None, "--min", help="band minimum (default from the rules file: 30000)")
MAX_OPTION = typer.Option(None, "--max", help="band maximum (default from the rules file: 50000)")
MODE_OPTION = typer.Option(
    Mode.fresh, "--mode", help="fresh: compactness first; least-change: fewest moves first"
)


def _band(low: float | None, high: float | None) -> Any:
    """The band asked for, either end defaulting to the rules file's; min > max is exit 2."""
    from openpcn.exceptions import ConfigError
    from openpcn.orgs.band import as_band, load_band

    default = load_band()
    low = default.min if low is None else low
    high = default.max if high is None else high
    try:
        return as_band((low, high))
    except ConfigError as exc:
        raise typer.BadParameter(f"{exc.what}: {exc.fix}", param_hint="'--min' / '--max'") from None


def _groups(values: list[str], option: str) -> tuple[tuple[str, ...], ...]:
    """Each repeated option is one comma-separated group of practice codes."""
    groups = []
    for value in values:
        codes = tuple(c.strip().upper() for c in value.split(",") if c.strip())
        if len(codes) < 2:
            raise typer.BadParameter(
                f"{value!r} names fewer than two practices: give codes separated by commas, "
                "e.g. J81002,J81003",
                param_hint=f"'{option}'",
            )
        groups.append(codes)
    return tuple(groups)


def _fixes(values: list[str]) -> tuple[tuple[str, str], ...]:
    """`--fix J81052=U80758`: (practice, PCN code or name) pairs."""
    pairs = []
    for value in values:
        practice, sep, pcn = value.partition("=")
        if not sep or not practice.strip() or not pcn.strip():
            raise typer.BadParameter(
                f"{value!r} is not PRACTICE=PCN: e.g. --fix J81052=U80758",
                param_hint="'--fix'",
            )
        pairs.append((practice.strip().upper(), pcn.strip()))
    return tuple(pairs)


def _params(**asked: Any) -> Params:
    from openpcn.formation import Params
    from openpcn.orgs.dates import checked_date

    within = asked["within"]
    return Params(
        ics=asked["ics"],
        date=checked_date(asked["date"]),
        band=_band(asked["band_min"], asked["band_max"]),
        pcns=asked["pcns"],
        mode=str(asked["mode"]),
        within=None if within is None or within.strip().lower() == "none" else within.strip(),
        keep_together=_groups(asked["keep_together"], "--keep-together"),
        keep_apart=_groups(asked["keep_apart"], "--keep-apart"),
        fix=_fixes(asked["fix"]),
        time_limit=asked["time_limit"],
    )


@contextmanager
def _sigint_held() -> Iterator[bool]:
    """Hold SIGINT back from every thread started inside (the solver's too), so that Ctrl-C is
    read by the main thread with `sigtimedwait`: CP-SAT's own Ctrl-C handler, run on a thread
    other than the solve's, aborts the process. Yields False where this is not possible."""
    if (
        not hasattr(signal, "sigtimedwait")
        or threading.current_thread() is not threading.main_thread()
    ):
        yield False
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield True
    finally:
        while signal.sigtimedwait({signal.SIGINT}, 0) is not None:
            pass  # a Ctrl-C already answered is not delivered again
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _interruptible(work: Callable[[threading.Event], Result], *, held: bool) -> tuple[Result, bool]:
    """Run `work(cancel)` on a thread (keeping the progress watcher); Ctrl-C sets `cancel` and
    waits for the best answer so far; a second Ctrl-C quits. Returns (result, interrupted)."""
    import contextvars

    cancel = threading.Event()
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["result"] = work(cancel)
        except BaseException as exc:  # handed to the main thread as it is
            box["error"] = exc

    thread = threading.Thread(target=contextvars.copy_context().run, args=(run,), daemon=True)
    thread.start()
    interrupted = False
    while thread.is_alive():
        try:
            if held:
                if signal.sigtimedwait({signal.SIGINT}, 0.2) is None:
                    continue
            else:
                thread.join(0.2)
                continue
        except KeyboardInterrupt:
            pass
        if interrupted:
            err.print("stopped")
            raise typer.Exit(INTERRUPTED)
        interrupted = True
        cancel.set()
        err.print("stopping: the best configuration found so far follows (Ctrl-C again to quit)")
    if "error" in box:
        raise box["error"]
    return box["result"], interrupted


@formation_app.command("propose")
def formation_propose(
    ics: str = ICS_OPTION,
    date: str = DATE_OPTION,
    band_min: float | None = MIN_OPTION,
    band_max: float | None = MAX_OPTION,
    pcns: int | None = typer.Option(
        None, "--pcns", min=1, help="number of networks (default: today's where the band allows)"
    ),
    mode: Mode = MODE_OPTION,
    within: str | None = typer.Option(
        None, "--within", help="keep each network inside one grouping (e.g. locality), or none"
    ),
    keep_together: list[str] = typer.Option(
        [], "--keep-together", help="practices that share a network: A,B[,C] (repeatable)"
    ),
    keep_apart: list[str] = typer.Option(
        [], "--keep-apart", help="practices in different networks: A,B[,C] (repeatable)"
    ),
    fix: list[str] = typer.Option(
        [], "--fix", help="PRACTICE=PCN: keep a practice in a current PCN (repeatable)"
    ),
    time_limit: float = typer.Option(60.0, "--time-limit", min=0.5, help="seconds for the solver"),
    save: str | None = typer.Option(None, "--save", help="save the proposal under this name"),
    as_json: bool = JSON_OPTION,
) -> None:
    """Propose networks for one ICS: in the band, contiguous, compact; with its proof or gap."""
    from openpcn import formation
    from openpcn.formation import scenarios

    params = _params(
        ics=ics, date=date, band_min=band_min, band_max=band_max, pcns=pcns, mode=mode,
        within=within, keep_together=keep_together, keep_apart=keep_apart, fix=fix,
        time_limit=time_limit,
    )  # fmt: skip
    if save is not None:
        with app_db() as db:
            save = scenarios.check_new_name(db, save)

    def work(cancel: threading.Event) -> tuple[Proposal, Proposal]:
        today = formation.current(warehouse(), params)  # its instance is the one proposed for
        return today, formation.propose_for(today.instance, params, cancel=cancel)

    with _sigint_held() as held, watching(f"Proposing networks for {params.ics}"):
        (today, proposal), interrupted = _interruptible(work, held=held)
    result: dict[str, Any] = proposal.as_dict()
    if save is not None and not interrupted:
        with app_db() as db:
            result["saved"] = scenarios.save(
                db, save, proposal, "cli", actor=appdb.Actor("cli", "openpcn formation propose")
            )
    emit(result, as_json=as_json, draw=lambda r: _print_proposal(r, today))
    if save is not None and interrupted:
        err.print(f"not saved as {save!r}: the solve was stopped before its time limit")
    if interrupted:
        raise typer.Exit(INTERRUPTED)


def _print_proposal(result: dict[str, Any], today: Proposal) -> None:
    ics, params = result["ics"], result["parameters"]
    out.print(
        f"[bold]{ics['name']}[/] ({ics['code']}) on {result['date']}: "
        f"{params['pcns']} networks ({params['pcns_note']}), band {whole(params['min'])}-"
        f"{whole(params['max'])}, mode {params['mode']}",
        highlight=False,
    )
    _print_metrics({"current": today.metrics(), "proposed": result["metrics"]})
    _print_pcns(result["pcns"])
    if result["moves"]:
        out.print(f"\n[bold]Moves[/] ({len(result['moves'])})")
        for move in result["moves"]:
            out.print(f"  - {move['text']}", highlight=False, soft_wrap=True)
    else:
        out.print("\nNo practice changes network.")
    for line in result["explanation"]:
        out.print(f"  {line}", highlight=False, soft_wrap=True)
    if result.get("unplaced"):
        out.print(f"not placed (no coordinates): {', '.join(result['unplaced'])}", highlight=False)
    metrics = result["metrics"]
    out.print(f"\nstatus: [bold]{metrics['status']}[/] ({metrics['status_reason']})")
    if result.get("saved"):
        out.print(f"saved as {result['saved']['name']!r}", highlight=False)


METRIC_ROWS = (
    ("pcns_total", "networks"),
    ("pcns_in_band", "networks in the band"),
    ("patients_outside_band", "patients outside the band"),
    ("compactness_km", "compactness (km)"),
    ("moved", "practices moved"),
    ("patients_moved", "patients moved"),
    ("joined", "practices joining a network"),
    ("contiguous", "contiguous networks"),
    ("objective", "objective (km)"),
    ("bound", "bound (km)"),
    ("optimality_gap", "optimality gap"),
    ("seconds", "seconds"),
    ("status", "status"),
)


def _cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.3f}" if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{value:,.0f}"
    return str(value)


def _print_metrics(sides: dict[str, dict[str, Any]]) -> None:
    drawn = table(("metric", *sides), right=tuple(sides))
    for key, label in METRIC_ROWS:
        drawn.add_row(label, *(_cell(m.get(key)) for m in sides.values()))
    out.print(drawn)


def _print_pcns(pcns: list[dict[str, Any]], title: str | None = None) -> None:
    drawn = table(
        ("code", "name", "practices", "patients", "band", "contiguous"),
        right=("practices", "patients"),
        title=title,
    )
    for pcn in pcns:
        drawn.add_row(
            str(pcn["code"]), str(pcn["name"]), str(len(pcn["practices"])),
            whole(pcn["patients"]), "in" if pcn["position"] == "in" else str(pcn["position"]),
            "yes" if pcn["contiguous"] else "[red]no[/]",
        )  # fmt: skip
    out.print(drawn)


def _side(name: str, other: dict[str, Any] | None) -> dict[str, Any]:
    """A saved scenario by name, or today's configuration for the other side's ICS and band."""
    from openpcn import formation
    from openpcn.formation import scenarios

    if name.strip().lower() != formation.CURRENT:
        with app_db() as db:
            return scenarios.load(db, name)
    if other is None:
        raise UserError(
            "`current` needs a saved scenario on the other side to say which ICS and band",
            fix="compare it with a saved scenario: openpcn formation compare current NAME",
        )
    from openpcn.orgs.band import as_band
    from openpcn.orgs.dates import checked_date

    given = other.get("parameters") or {}
    params = formation.Params(
        ics=str(other["ics"]["code"]),
        date=checked_date(str(other["date"])),
        band=as_band((given.get("min", 30_000), given.get("max", 50_000))),
    )
    return scenarios.as_scenario(formation.current(warehouse(), params))


@formation_app.command("compare")
def formation_compare(
    a: str = typer.Argument(..., help="a saved scenario's name, or current"),
    b: str = typer.Argument(..., help="a saved scenario's name, or current"),
    as_json: bool = JSON_OPTION,
) -> None:
    """Two configurations of one ICS: metrics side by side and the practices that move."""
    from openpcn.formation import CURRENT, scenarios

    first = None if a.strip().lower() == CURRENT else _side(a, None)
    second = _side(b, first)
    first = first if first is not None else _side(a, second)
    result = scenarios.compare(first, second)
    result["a"]["name"], result["b"]["name"] = a, b
    emit(result, as_json=as_json, draw=_print_compare)


def _print_compare(result: dict[str, Any]) -> None:
    a, b = result["a"], result["b"]
    ics = a["ics"] or {}
    out.print(
        f"[bold]{a['name']}[/] vs [bold]{b['name']}[/]: {ics.get('name')} ({ics.get('code')}), "
        f"{a['date']} / {b['date']}",
        highlight=False,
    )
    sides = {
        a["name"]: {k: v["a"] for k, v in result["metrics"].items()},
        b["name"]: {k: v["b"] for k, v in result["metrics"].items()},
    }
    if a["name"] == b["name"]:
        sides = {"A": sides[a["name"]], "B": {k: v["b"] for k, v in result["metrics"].items()}}
    _print_metrics(sides)
    changes = result["changes"]
    if not changes:
        out.print("No practice is in a different network.")
        return
    drawn = table(
        ("practice", "name", "patients", f"in {a['name']}", f"in {b['name']}"),
        right=("patients",),
        title=f"{len(changes)} practices in a different network",
    )
    for row in changes:
        drawn.add_row(
            row["practice_code"], str(row["name"] or "-"), whole(row["patients"]),
            f"{row['network_a'] or '-'} {row['network_a_name'] or ''}".strip(),
            f"{row['network_b'] or '-'} {row['network_b_name'] or ''}".strip(),
        )  # fmt: skip
    out.print(drawn)


@formation_app.command("list")
def formation_list(as_json: bool = JSON_OPTION) -> None:
    """Every saved scenario with its key metrics, who saved it and when (newest first)."""
    from openpcn.formation import scenarios

    with app_db() as db:
        rows = scenarios.list_scenarios(db)
    emit(rows, as_json=as_json, draw=_print_list)


def _print_list(rows: list[dict[str, Any]]) -> None:
    if not rows:
        out.print("No saved scenarios: save one with `openpcn formation propose --save NAME`.")
        return
    drawn = table(
        ("name", "ICS", "date", "mode", "networks", "in band", "outside", "km", "moved",
         "status", "saved by", "created (UTC)"),
        right=("networks", "in band", "outside", "km", "moved"),
    )  # fmt: skip
    for r in rows:
        drawn.add_row(
            r["name"], r["ics"], r["date"], r["mode"], _cell(r["pcns_total"]),
            _cell(r["pcns_in_band"]), _cell(r["patients_outside_band"]),
            _cell(r["compactness_km"]), _cell(r["moved"]), str(r["status"]), r["saved_by"],
            r["created"].replace("T", " "),
        )  # fmt: skip
    out.print(drawn)


@formation_app.command("show")
def formation_show(
    name: str = typer.Argument(..., help="a saved scenario's name"),
    as_json: bool = JSON_OPTION,
) -> None:
    """One saved scenario: its networks, metrics, moves and parameters."""
    from openpcn.formation import scenarios

    with app_db() as db:
        result = scenarios.load(db, name)
    emit(result, as_json=as_json, draw=_print_saved)


def _print_saved(result: dict[str, Any]) -> None:
    saved = result["scenario"]
    out.print(
        f"[bold]{saved['name']}[/]: saved by {saved['saved_by']} at {saved['created']} (UTC)",
        highlight=False,
    )
    ics, params = result["ics"], result["parameters"]
    out.print(
        f"{ics['name']} ({ics['code']}) on {result['date']}, band {whole(params['min'])}-"
        f"{whole(params['max'])}, mode {params['mode']}, time limit {params['time_limit']} s",
        highlight=False,
    )
    _print_metrics({"saved": result["metrics"]})
    _print_pcns(result["pcns"])
    for move in result["moves"]:
        out.print(f"  - {move['text']}", highlight=False, soft_wrap=True)
    for line in result["explanation"]:
        out.print(f"  {line}", highlight=False, soft_wrap=True)


@formation_app.command("delete")
def formation_delete(name: str = typer.Argument(..., help="a saved scenario's name")) -> None:
    """Remove a saved scenario (an audit row says who and when)."""
    from openpcn.formation import scenarios

    with app_db() as db:
        gone = scenarios.delete(db, name, appdb.Actor("cli", "openpcn formation delete"))
    out.print(f"Deleted {gone['name']!r} ({gone['ics']}, saved by {gone['saved_by']}).")


@formation_app.command("england")
def formation_england(
    date: str = DATE_OPTION,
    band_min: float | None = MIN_OPTION,
    band_max: float | None = MAX_OPTION,
    mode: Mode = MODE_OPTION,
    time_limit_per_ics: float = typer.Option(
        30.0, "--time-limit-per-ics", min=0.5, help="seconds for each ICS's solver"
    ),
    ics: list[str] = typer.Option(
        [], "--ics", help="only this STP (E54 code; repeatable); default every STP"
    ),
    as_json: bool = JSON_OPTION,
    csv_file: Path | None = csv_option("one row per ICS"),
) -> None:
    """Every ICS in England, region by region in two processes: one row each and a summary."""
    from openpcn.exports import csv_text
    from openpcn.formation import Params, england

    params = Params(
        date=_checked(date), band=_band(band_min, band_max), mode=str(mode),
        time_limit=time_limit_per_ics,
    )  # fmt: skip
    with watching("Proposing networks for England"):
        result = england.england(
            warehouse(), params, ics=ics or None, time_limit_per_ics=time_limit_per_ics
        )

    def csv(r: dict[str, Any]) -> str:
        rows = [{**row, "unplaced": " ".join(row["unplaced"] or [])} for row in r["rows"]]
        return csv_text(rows, england.COLUMNS)

    emit(
        result, as_json=as_json, draw=_print_england, csv_file=csv_file, csv=csv,
        rows=len(result["rows"]),
    )  # fmt: skip
    if result["summary"]["interrupted"]:
        err.print(f"stopped by Ctrl-C after {len(result['rows'])} ICSs")
        raise typer.Exit(INTERRUPTED)


def _checked(date: str) -> Any:
    from openpcn.orgs.dates import checked_date

    return checked_date(date)


def _print_england(result: dict[str, Any]) -> None:
    """One line per ICS (the region and the unplaced practices' codes are in --json/--csv)."""
    drawn = table(
        ("ICS", "name", "practices", "unplaced", "in band today", "in band proposed",
         "outside", "km", "moved", "status", "gap", "s"),
        right=("practices", "unplaced", "in band today", "in band proposed", "outside", "km",
               "moved", "gap", "s"),
        no_wrap=("ICS",),
    )  # fmt: skip
    for r in result["rows"]:
        drawn.add_row(
            r["code"], str(r["name"]).removesuffix(" STP"), _cell(r["practices"]),
            str(len(r["unplaced"])), f"{_cell(r['pcns_in_band_today'])}/{_cell(r['pcns_today'])}",
            f"{_cell(r['pcns_in_band'])}/{_cell(r['pcns_total'])}",
            _cell(r["patients_outside_band"]), _cell(r["compactness_km"]), _cell(r["moved"]),
            str(r["status"]), _cell(r["optimality_gap"]), _cell(r["seconds"]),
        )  # fmt: skip
    out.print(drawn)
    s = result["summary"]
    out.print(
        f"{s['icss']} ICSs, {s['practices']:,} practices ({s['unplaced_practices']} without "
        f"coordinates): {s['pcns_in_band_today']} of {s['pcns_today']} networks in the band "
        f"today, {s['pcns_in_band_proposed']} of {s['pcns_proposed']} proposed; "
        f"{s['icss_optimal']} ICSs proved optimal ({s['share_optimal']:.0%}); {s['seconds']} s",
        highlight=False,
    )
    if s["icss_failed"]:
        out.print(f"not solved: {', '.join(s['icss_failed'])}", highlight=False)
