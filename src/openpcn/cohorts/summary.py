"""Counts per spec, PCN and cohort for an ICS, plus the indicators built on them (raw counts).

Surfaces without patient-level rights show `disclosed(summary(...))`: every count through
`openpcn.cohorts.disclosure.disclose`, and every rate recomputed from the disclosed counts; the
CAN-01 and CVD-02 statuses are judged on the exact counts (`openpcn.cohorts.thresholds`).
"""

from __future__ import annotations

import copy
import datetime as dt
import weakref
from typing import Any

import ibis
import pandas as pd

from openpcn.cohorts.compile import compile_cohorts, registered
from openpcn.cohorts.definitions import SPECS, Definition, cohort_date, load_definitions
from openpcn.cohorts.disclosure import disclose
from openpcn.cohorts.efi import efi_distribution, efi_table
from openpcn.cohorts.thresholds import Bands
from openpcn.exceptions import InputError
from openpcn.orgs.dates import DateLike
from openpcn.orgs.hierarchy import resolve_ics
from openpcn.progress import part, report
from openpcn.quality.stats import wilson_interval

#: CVD-02 comparator. NHS Digital, Quality and Outcomes Framework 2018-19, England recorded
#: hypertension (HYP register) prevalence, all ages, as reproduced in
#: src/openpcn/data/synth/conditions.csv (not re-checked against the publication). The modelled
#: *expected* prevalence (Public Health England, Hypertension prevalence estimates in England,
#: 2017, published March 2020) is higher and not used, so the recorded national figure stands in.
CVD02_EXPECTED_PCT = 13.96
CVD02_EXPECTED_SOURCE = (
    "NHS Digital, Quality and Outcomes Framework 2018-19, England recorded hypertension "
    "prevalence, all ages (as reproduced in conditions.csv); UNCONFIRMED as an expected-prevalence "
    "figure: Public Health England's modelled estimates (Hypertension prevalence estimates in "
    "England, 2017) are higher"
)
#: the eFI columns the summary keeps (in memory) for its cohorts and distribution
EFI_COLUMNS = ("patient_id", "practice_code", "efi_category")
#: patient columns the summary's one query carries for the inequalities breakdowns
BREAKDOWN_COLUMNS = ("imd_decile", "ethnicity_group")
#: NHS England, Investment and Impact Fund 2022/23 guidance, CAN-01 lower and upper thresholds
#: (as reproduced by Ardens: support-ew.ardens.org.uk/support/solutions/articles/31000166935)
CAN01_THRESHOLDS = {"lower_pct": 40.0, "upper_pct": 80.0}
CAN01_BANDS = Bands(
    (CAN01_THRESHOLDS["lower_pct"], CAN01_THRESHOLDS["upper_pct"]),
    ("below", "between", "above"),
    ("Below 40%", "Between 40% and 80%", "At or above 80%"),
)
CVD02_BANDS = Bands(
    (CVD02_EXPECTED_PCT,), ("below", "above"), ("Below expected", "At or above expected")
)
#: the indicators with a status, by their key in the summary's (and the trend's) answer
BANDS = {"can01_fit_share": CAN01_BANDS, "cvd02_hypertension_register": CVD02_BANDS}


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
_COUNTED: weakref.WeakKeyDictionary[ibis.BaseBackend, dict[tuple[str, dt.date], dict[str, Any]]] = (
    weakref.WeakKeyDictionary()
)


def summary(con: ibis.BaseBackend, ics: str, date: DateLike) -> dict[str, Any]:
    """{spec: {pcn_code: {cohort: count}}} for every spec, "efi", and "indicators" (raw).
    Counted once per connection, ICS and date; each caller gets its own copy."""
    day = cohort_date(date)
    memo = _COUNTED.setdefault(con, {})
    key = (ics.strip().upper(), day)
    if key not in memo:
        memo[key] = _summary(con, ics, day)
        while len(memo) > KEPT_PER_CONNECTION:
            del memo[next(iter(memo))]
    return copy.deepcopy(memo[key])


def _summary(con: ibis.BaseBackend, ics: str, day: dt.date) -> dict[str, Any]:
    footprint = resolve_ics(con, ics)
    pcns = con.table("pcns")
    codes = sorted(
        str(c)
        for c in con.execute(
            pcns.filter(pcns.commissioner_code.isin(footprint.commissioners)).select("pcn_code")
        )["pcn_code"]
    )
    definitions = load_definitions()
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
    out["indicators"] = {
        "registered": registered_n,
        "can01_fit_share": {
            "about": "share of lower-GI urgent referrals (last 12 months) with a FIT",
            "thresholds": CAN01_THRESHOLDS,
            "pcns": {
                code: judged_rate(
                    CAN01_BANDS,
                    out["early_cancer"][code]["early-cancer-lgi-with-fit"],
                    out["early_cancer"][code]["early-cancer-lgi-with-fit"]
                    + out["early_cancer"][code]["early-cancer-lgi-without-fit"],
                )
                for code in codes
            },
        },
        "cvd02_hypertension_register": {
            "about": "people on the hypertension register per registered person",
            "expected_pct": CVD02_EXPECTED_PCT,
            "expected_source": CVD02_EXPECTED_SOURCE,
            "pcns": {
                code: judged_rate(
                    CVD02_BANDS,
                    out["cvd"][code]["cvd-02-hypertension-register"],
                    registered_n[code],
                )
                for code in codes
            },
        },
        "inequalities_raised_bp_diagnosed": _inequalities(cells),
    }
    return out


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
    for key, bands in BANDS.items():
        pcns = raw["indicators"][key]["pcns"]
        shown["indicators"][key]["pcns"] = {
            code: disclosed_rate(bands, exact) for code, exact in pcns.items()
        }
    return shown


def _walk(node: Any) -> Any:
    if isinstance(node, dict):
        if "numerator" in node and "denominator" in node:
            return rate(disclose(node["numerator"]), disclose(node["denominator"]))
        return {
            k: (v if k in ("expected_pct", "thresholds") else _walk(v)) for k, v in node.items()
        }
    if isinstance(node, bool) or not isinstance(node, int):
        return node
    return disclose(node)
