"""Counts per spec, PCN and cohort for an ICS, plus the indicators built on them (raw counts).

Surfaces without patient-level rights show `disclosed(summary(...))`: every count through
`openpcn.cohorts.disclosure.disclose`, and every rate recomputed from the disclosed counts; the
FIT indicator's status (CAN-01, CAN-02 or CAN-04 by year, `openpcn.cohorts.indicators`) is
judged on the exact counts (`openpcn.cohorts.thresholds`); CVD-02 has none.
"""

from __future__ import annotations

import copy
import datetime as dt
import weakref
from typing import Any

import ibis
import pandas as pd

from openpcn.cohorts.compile import compile_cohorts, registered
from openpcn.cohorts.definitions import (
    SPECS,
    Definition,
    IndicatorYear,
    cohort_date,
    indicator_year,
    load_definitions,
)
from openpcn.cohorts.disclosure import disclose
from openpcn.cohorts.efi import efi_distribution, efi_table
from openpcn.cohorts.indicators import fit_bands, fit_indicator
from openpcn.cohorts.thresholds import Bands
from openpcn.exceptions import InputError
from openpcn.orgs.dates import DateLike
from openpcn.orgs.hierarchy import resolve_ics
from openpcn.progress import part, report
from openpcn.quality.stats import wilson_interval

#: the eFI columns the summary keeps (in memory) for its cohorts and distribution
EFI_COLUMNS = ("patient_id", "practice_code", "efi_category")
#: patient columns the summary's one query carries for the inequalities breakdowns
BREAKDOWN_COLUMNS = ("imd_decile", "ethnicity_group")
#: CVD-02 is the hypertension register as a share of the list: NHS England uses it to adjust
#: the CVD indicators for prevalence, not as a target, so it is shown without a status (an
#: expected prevalence would come from the published QOF prevalence, not a constant here).
CVD02_ABOUT = "people on the hypertension register per registered person"


def fit_bands_of(indicator: dict[str, Any]) -> Bands:
    """The bands of a summary's (or trend's) FIT indicator, from the thresholds it carries."""
    return fit_bands(indicator["thresholds"]["lower_pct"], indicator["thresholds"]["upper_pct"])


def judged_rate(bands: Bands, numerator: int | None, denominator: int | None) -> dict[str, Any]:
    """`rate` with its status against the bands, judged on these (exact) counts."""
    return rate(numerator, denominator) | {"status": bands.judged(numerator, denominator)}


def disclosed_rate(bands: Bands, exact: dict[str, Any]) -> dict[str, Any]:
    """An exact `judged_rate` as it may be shown: the counts disclosed, the share recomputed
    from them, and the status judged on the exact counts (or suppressed, see `thresholds`)."""
    numerator, denominator = exact["numerator"], exact["denominator"]
    shown = rate(disclose(numerator), disclose(denominator))
    return shown | {"status": bands.disclosed(numerator, denominator)}


def rate(numerator: int | None, denominator: int | None) -> dict[str, Any]:
    """A proportion with its Wilson 95% interval, in percent (None where it cannot be formed)."""
    out: dict[str, Any] = {"numerator": numerator, "denominator": denominator}
    if numerator is None or denominator is None or denominator <= 0:
        return out | {"pct": None, "ci_lower_pct": None, "ci_upper_pct": None}
    numerator = min(numerator, denominator)
    low, high = wilson_interval(numerator, denominator)
    return out | {
        "pct": round(100 * numerator / denominator, 2),
        "ci_lower_pct": round(100 * low, 2),
        "ci_upper_pct": round(100 * high, 2),
    }


# Summaries already counted, per connection, ICS and date: the ICS view, each PCN dashboard and
# the report all start from the same counts. The warehouse is read-only while it is open, so
# they cannot go stale; weak keys let them go with the connection, and each connection keeps
# its KEPT_PER_CONNECTION latest (a summary is tens of kilobytes).
KEPT_PER_CONNECTION = 16
_COUNTED: weakref.WeakKeyDictionary[
    ibis.BaseBackend, dict[tuple[str, dt.date, str], dict[str, Any]]
] = weakref.WeakKeyDictionary()


def summary(
    con: ibis.BaseBackend, ics: str, date: DateLike, year: str | None = None
) -> dict[str, Any]:
    """{spec: {pcn_code: {cohort: count}}} for every spec, "efi", and "indicators" (raw), with
    the definitions of `year` (default: the date's, `indicator_year`). Counted once per
    connection, ICS, date and year; each caller gets its own copy."""
    day = cohort_date(date)
    chosen = indicator_year(day, year)
    memo = _COUNTED.setdefault(con, {})
    key = (ics.strip().upper(), day, chosen.year)
    if key not in memo:
        memo[key] = _summary(con, ics, day, chosen)
        while len(memo) > KEPT_PER_CONNECTION:
            del memo[next(iter(memo))]
    found = copy.deepcopy(memo[key])
    found["year_note"] = chosen.note  # the same counts, asked for by date or by year
    return found


def _summary(
    con: ibis.BaseBackend, ics: str, day: dt.date, chosen: IndicatorYear
) -> dict[str, Any]:
    footprint = resolve_ics(con, ics)
    pcns = con.table("pcns")
    codes = sorted(
        str(c)
        for c in con.execute(
            pcns.filter(pcns.commissioner_code.isin(footprint.commissioners)).select("pcn_code")
        )["pcn_code"]
    )
    definitions = load_definitions(year=chosen.year)
    fit = fit_indicator(chosen.year)
    with part(0, 2):  # the risk model: most of the time, when it is not trained for the date
        counted, unknown = _countable(con, day, list(definitions.values()))
    report("Working out the electronic frailty index", 4, 8)
    # one query for everything: counts per PCN and cohort, split by the breakdowns the
    # inequalities indicator needs (summed over them here for the plain counts)
    # the eFI of the ICS's people, worked out once for the cohorts that use it and the
    # distribution by PCN
    people = registered(con, day, pcns=codes)
    efi_people = con.execute(efi_table(con, day, people.select("patient_id")))
    frame = efi_people.loc[:, list(EFI_COLUMNS)]
    scored = ibis.memtable(frame, schema=dict.fromkeys(EFI_COLUMNS, "string"))
    report("Counting every cohort in every PCN", 5, 8)
    expr = compile_cohorts(con, counted, day, pcns=codes, carry=BREAKDOWN_COLUMNS, efi=scored)
    imd_quintile = ((expr.imd_decile + 1) // 2).cast("int64").cast("string").fill_null("unknown")
    cells = con.execute(
        expr.group_by(
            "spec",
            "pcn_code",
            "cohort",
            imd_quintile=imd_quintile,
            ethnicity_group=expr.ethnicity_group.fill_null("unknown"),
        ).aggregate(n=expr.patient_id.count())
    )
    counts = cells.groupby(["spec", "pcn_code", "cohort"], as_index=False)["n"].sum()
    out: dict[str, Any] = {
        spec: {code: {d.id: 0 for d in definitions.values() if d.spec == spec} for code in codes}
        for spec in SPECS
    }
    for row in counts.itertuples():
        out[row.spec][row.pcn_code][row.cohort] = int(row.n)
    for cohort in unknown:  # not counted: None, never a zero nobody counted
        for code in codes:
            out[definitions[cohort].spec][code][cohort] = None
    listed = con.execute(people.group_by("pcn_code").aggregate(n=people.patient_id.count()))
    registered_n = dict.fromkeys(codes, 0) | {
        str(r.pcn_code): int(r.n) for r in listed.itertuples()
    }

    report("Frailty by PCN and the indicators", 7, 8)
    out["efi"] = efi_distribution(con, ics, day, scored)
    out["not_counted"] = unknown
    out["year"] = chosen.year  # its note is added to each copy (`summary`)
    out["indicators"] = {
        "registered": registered_n,
        "can01_fit_share": {
            "indicator": fit.code,
            "year": fit.year,
            "about": fit.about,
            "thresholds": fit.thresholds,
            "source": fit.source,
            "pcns": {
                code: judged_rate(
                    fit.bands,
                    out["early_cancer"][code][fit.numerator],
                    _plus(
                        out["early_cancer"][code][fit.numerator],
                        out["early_cancer"][code][fit.rest],
                    ),
                )
                for code in codes
            },
        },
        "cvd02_hypertension_register": {
            "about": CVD02_ABOUT,
            "pcns": {
                code: rate(out["cvd"][code]["cvd-02-hypertension-register"], registered_n[code])
                for code in codes
            },
        },
        "inequalities_raised_bp_diagnosed": _inequalities(cells),
    }
    return out


def _plus(a: int | None, b: int | None) -> int | None:
    """A sum of two counts, unknown when either is (a cohort not counted)."""
    return None if a is None or b is None else a + b


def _countable(
    con: ibis.BaseBackend, day: dt.date, definitions: list[Definition]
) -> tuple[list[Definition], dict[str, str]]:
    """The definitions that can be counted, and why the others cannot: cohorts on the risk
    model are left out (with the reason) when the warehouse cannot train it, e.g. one that holds
    the reference data only or too little hospital activity."""
    from openpcn.cohorts.admission_risk import scored

    risky = [d for d in definitions if d.uses_risk_model]
    if not risky:
        return definitions, {}
    try:
        scored(con, day)
    except InputError as err:
        reason = f"the risk model could not be trained: {err.what}"
        left_out = {d.id for d in risky}
        return [d for d in definitions if d.id not in left_out], dict.fromkeys(left_out, reason)
    return definitions, {}


def _inequalities(counted: pd.DataFrame) -> dict[str, Any]:
    """Share of people with a raised latest BP who are diagnosed, by IMD quintile and ethnicity
    (`counted`: the summary's counts per spec, PCN, cohort, IMD quintile and ethnicity)."""
    ineq = counted[counted["spec"] == "inequalities"]
    result: dict[str, Any] = {
        "about": "people whose latest BP is >= 140/90 who have a hypertension diagnosis "
        "(IMD quintile 1 = most deprived); Wilson 95% intervals",
    }
    for key, column in (("by_imd_quintile", "imd_quintile"), ("by_ethnicity", "ethnicity_group")):
        frame = ineq.groupby(["pcn_code", column, "cohort"], as_index=False)["n"].sum()
        cells: dict[tuple[str, str], dict[str, int]] = {}
        for row in frame.itertuples():
            cell = cells.setdefault((str(row.pcn_code), str(getattr(row, column))), {})
            cell[str(row.cohort)] = int(row.n)
        groups = sorted({g for _, g in cells})
        ics_total = {
            g: rate(
                sum(
                    c.get("inequalities-raised-bp-diagnosed", 0)
                    for (_, gg), c in cells.items()
                    if gg == g
                ),
                sum(c.get("inequalities-raised-bp", 0) for (_, gg), c in cells.items() if gg == g),
            )
            for g in groups
        }
        per_pcn: dict[str, dict[str, Any]] = {}
        for (pcn, group), cell in sorted(cells.items()):
            per_pcn.setdefault(pcn, {})[group] = rate(
                cell.get("inequalities-raised-bp-diagnosed", 0),
                cell.get("inequalities-raised-bp", 0),
            )
        result[key] = {"ics": ics_total, "pcns": per_pcn}
    return result


def disclosed(raw: dict[str, Any]) -> dict[str, Any]:
    """The summary as it may be shown without patient rights: counts disclosed, rates redone,
    statuses judged on the exact counts (`disclosed_rate`)."""
    shown = _walk(copy.deepcopy(raw))
    fit = raw["indicators"]["can01_fit_share"]
    bands = fit_bands_of(fit)
    shown["indicators"]["can01_fit_share"]["pcns"] = {
        code: disclosed_rate(bands, exact) for code, exact in fit["pcns"].items()
    }
    return shown


def _walk(node: Any) -> Any:
    if isinstance(node, dict):
        if "numerator" in node and "denominator" in node:
            return rate(disclose(node["numerator"]), disclose(node["denominator"]))
        return {k: (v if k == "thresholds" else _walk(v)) for k, v in node.items()}
    if isinstance(node, bool) or not isinstance(node, int):
        return node
    return disclose(node)
