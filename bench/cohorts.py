"""Benchmark case-finding on full Dorset; prints one JSON line of figures.

Usage: python bench/cohorts.py [--scale 1.0] [--seed 2019] [--date 2019-12-01] [--home DIR]
                               [--spark-sample 0.01]

The warehouse is built first in a temporary OPENPCN_HOME (in a child process, so neither its
time nor its memory is counted), unless --home names one that exists. Then, on DuckDB:
- the risk model trained and everyone scored from nothing kept (in a child process), as
  `openpcn init` does once per warehouse: reported, and added in `total_with_risk_training`;
- every cohort in one query (as `summary` and the ICS view run them; the risk cohort reads the
  kept scores) plus the eFI: `total_seconds`; then each cohort through
  `openpcn.cohorts.engine.run`, one call per cohort, as a practice opens its worklists;
- the lower bound: one pass that reads only the columns the cohorts need from every patient,
  event, medication and hospital row (min/max aggregates, nothing else); and, to show where
  the time goes, a grouping reference: every event grouped by person and every medicine by
  person and product, counted and nothing else (the kind of work the cohorts need, without a
  single criterion; the cohorts group fewer events, those on their codelists, but more ways);
- the peer: a straightforward pandas implementation of the SMR specification (priority groups
  A-D) and the eFI, reading the same warehouse, with its answers checked against the engine's
  (the eFI table, then the SMR cohorts compiled into one query given it, members only).
With --spark-sample S, a second warehouse at scale S is built and every cohort's count and the
eFI categories are compared between DuckDB and Spark.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import ibis
import pandas as pd

from openpcn.cohorts import efi
from openpcn.config import DEFAULT_DATE, Settings
from openpcn.orgs.dates import as_date
from openpcn.store.warehouse import connect

try:
    from openpcn.cohorts import engine
    from openpcn.cohorts.codelists import load_codelists
    from openpcn.cohorts.compile import compile_cohorts
    from openpcn.cohorts.definitions import Window, load_definitions
except ImportError:  # the cohort engine has not landed: time the eFI only
    engine = None

#: the columns any cohort or the eFI reads, per table (the lower bound reads exactly these)
NEEDED = {
    "patients": (
        "patient_id",
        "practice_code",
        "birth_month",
        "care_home_code",
        "registration_date",
        "deregistration_date",
        "death_date",
    ),
    "events": ("patient_id", "date", "snomed_code", "value"),
    "medications": ("patient_id", "date", "dmd_code", "bnf_code", "repeat"),
    "hospital_activity": ("patient_id", "kind", "start_date"),
}


def build(home: Path, scale: float, seed: int) -> float:
    """Build a warehouse in a child process; returns its seconds (reported, not counted)."""
    code = (
        "import sys; from pathlib import Path; from openpcn.config import Settings; "
        "from openpcn.build import build_default; "
        "build_default(Settings(home=Path(sys.argv[1])), scale=float(sys.argv[2]), "
        "seed=int(sys.argv[3]))"
    )
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code, str(home), str(scale), str(seed)], check=True)
    return time.perf_counter() - start


def best_of_two(path: Path, queries: list[str] | tuple[str, ...]) -> float:
    """Seconds for the queries run in turn, best of two, on a connection of their own."""
    best = float("inf")
    with duckdb.connect(str(path), read_only=True) as con:
        for _ in range(2):
            start = time.perf_counter()
            for query in queries:
                con.execute(query).fetchall()
            best = min(best, time.perf_counter() - start)
    return best


def lower_bound(path: Path) -> float:
    """One DuckDB pass over every row of the needed columns."""
    return best_of_two(
        path,
        [
            f"SELECT count(*), {', '.join(f'max({c})' for c in cols)} FROM {table}"
            for table, cols in NEEDED.items()
        ],
    )


#: a grouping reference: every person's events, and each person's medicines as products (first
#: and latest issue); min/max/count aggregates only, no criteria
GROUPING_FLOOR = (
    "SELECT count(*), max(n) FROM (SELECT patient_id, count(*) AS n FROM events GROUP BY 1)",
    "SELECT count(*), max(latest) FROM (SELECT patient_id, dmd_code, min(date) AS first, "
    "max(date) AS latest FROM medications GROUP BY 1, 2)",
)


def timed(fn, *args, **kwargs):
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - start


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ---- the pandas peer -------------------------------------------------------------------------


SMR = ("smr-01a-medication-errors", "smr-01b-severe-frailty", "smr-01c-addictive-medicines",
       "smr-01d-care-home", "smr-polypharmacy", "smr-learning-disability")  # fmt: skip
#: the lists the SMR cohorts name (their 2022/23 definitions: the default date's), by registry name
PEER_LISTS = ("openpcn-smr", "openpcn-nsaids", "openpcn-ppis", "openpcn-oral-anticoagulants",
              "openpcn-antiplatelets", "openpcn-aspirin", "openpcn-antiplatelets-not-aspirin",
              "pincer-non-selective-beta-blockers", "nhsd-peptic-ulcer", "nhsd-heart-failure",
              "nhsd-heart-failure-resolved", "nhsd-egfr", "nhsd-asthma", "nhsd-asthma-resolved",
              "smr01c-opioids", "openpcn-gabapentinoids", "openpcn-benzodiazepines",
              "openpcn-z-drugs", "nhsd-sevfrail-cod", "nhsd-ld-cod")  # fmt: skip


def pandas_peer(path: Path, date: str, codes: dict[str, tuple[str, ...]]) -> dict[str, object]:
    """The SMR cohorts (2022/23 definitions) and the eFI in plain pandas, from the warehouse."""
    day = pd.Timestamp(as_date(date))
    three = pd.Timestamp(Window(3, "months").cutoff(day.date()))
    twelve = pd.Timestamp(Window(12, "months").cutoff(day.date()))
    start = time.perf_counter()
    with duckdb.connect(str(path), read_only=True) as con:
        patients = con.execute(f"SELECT {', '.join(NEEDED['patients'])} FROM patients").df()
        events = con.execute("SELECT patient_id, date, snomed_code, value FROM events").df()
        meds = con.execute(
            "SELECT patient_id, date, dmd_code, bnf_code, repeat FROM medications"
        ).df()
    loaded = time.perf_counter()
    for frame, cols in ((patients, NEEDED["patients"][2:]), (events, ["date"]), (meds, ["date"])):
        for col in cols:
            if col != "care_home_code":
                frame[col] = pd.to_datetime(frame[col])

    alive = patients[
        (patients.registration_date <= day)
        & (patients.deregistration_date.isna() | (patients.deregistration_date > day))
        & (patients.death_date.isna() | (patients.death_date > day))
    ].copy()
    born = alive.birth_month
    alive["age"] = day.year - born.dt.year - (born.dt.month > day.month).astype(int)
    everyone = set(alive.patient_id)
    older = set(alive.loc[alive.age >= 65, "patient_id"])
    adults = set(alive.loc[alive.age >= 18, "patient_id"])

    events = events[events.date <= day]

    def coded(name: str) -> set[str]:
        return set(events.loc[events.snomed_code.isin(codes[name]), "patient_id"])

    smr_done = set(
        events.loc[
            events.snomed_code.isin(codes["openpcn-smr"]) & (events.date >= twelve), "patient_id"
        ]
    )
    # each product a person gets is one span, first to latest issue; it counts in a window when
    # it started by the date and its latest issue is on or after the window's cutoff
    spans = meds.groupby(["patient_id", "dmd_code", "bnf_code", "repeat"]).date.agg(["min", "max"])
    spans = spans[spans["min"] <= day].reset_index()

    # eFI: distinct coded deficits + polypharmacy (5+ current repeats), people 65+
    codelist = efi.load_codelist()
    # a code may count for more than one deficit: one (code, deficit) pair per deficit
    pairs = pd.DataFrame(codelist.pairs, columns=["snomed_code", "deficit"])
    deficits = events.merge(pairs, on="snomed_code").groupby("patient_id").deficit.nunique()
    # a repeat is current from its first issue to a year after its latest issue
    cutoff = day - pd.Timedelta(days=efi.REPEAT_CURRENT_DAYS)
    current = spans[spans.repeat & (spans["max"] >= cutoff)]
    n_current = current.groupby("patient_id").dmd_code.nunique()
    people = alive.loc[alive.age >= efi.MIN_AGE, ["patient_id"]].set_index("patient_id")
    people["efi_deficits"] = deficits.reindex(people.index).fillna(0).astype(int) + (
        n_current.reindex(people.index).fillna(0) >= efi.POLYPHARMACY_MIN
    ).astype(int)

    # SMR-01A: the nine prescribing-safety criteria, medicines in the last 3 months, 18+
    recent = spans[spans["max"] >= three]

    def on(name: str, frame: pd.DataFrame = recent) -> set[str]:
        if name.startswith("pincer-"):  # a dm+d list: exact product codes
            return set(frame.loc[frame.dmd_code.isin(codes[name]), "patient_id"])
        return set(frame.loc[frame.bnf_code.str.startswith(codes[name]), "patient_id"])

    nsaid, antiplatelet = on("openpcn-nsaids"), on("openpcn-antiplatelets")
    anticoagulant, ulcer = on("openpcn-oral-anticoagulants"), coded("nhsd-peptic-ulcer")
    egfr = events[events.snomed_code.isin(codes["nhsd-egfr"]) & events.value.notna()]
    latest_egfr = egfr.sort_values("date").groupby("patient_id").value.last()
    low_egfr = set(latest_egfr[latest_egfr < 45].index)
    heart_failure = coded("nhsd-heart-failure") - coded("nhsd-heart-failure-resolved")
    asthma = coded("nhsd-asthma") - coded("nhsd-asthma-resolved")
    smr_01a = (
        ((nsaid & older) - on("openpcn-ppis"))
        | (ulcer & nsaid)
        | (ulcer & antiplatelet)
        | (anticoagulant & nsaid)
        | (anticoagulant & antiplatelet)
        | (on("openpcn-aspirin") & on("openpcn-antiplatelets-not-aspirin"))
        | (heart_failure & nsaid)
        | (low_egfr & nsaid)
        | (asthma & on("pincer-non-selective-beta-blockers"))
    ) & adults
    # SMR-01B (2022/23): coded severe frailty, or a severe eFI (over 0.36: 13 or more deficits)
    severe_efi = set(people.index[people.efi_deficits * 100 > 36 * efi.DEFICITS])
    smr_01b = (coded("nhsd-sevfrail-cod") & everyone) | severe_efi
    # SMR-01C: a dependence-forming medicine on repeat in the last 3 months
    addictive = recent[recent.repeat]
    smr_01c = set().union(
        *(on(name, addictive) for name in ("smr01c-opioids", "openpcn-gabapentinoids",
                                           "openpcn-benzodiazepines", "openpcn-z-drugs"))
    ) & everyone  # fmt: skip
    # SMR-01D: care home residents aged 18+
    smr_01d = set(alive.loc[alive.care_home_code.notna(), "patient_id"]) & adults
    # polypharmacy: 10+ different medicines (repeat or acute) in the last 12 months
    counts = spans[spans["max"] >= twelve].groupby("patient_id").dmd_code.nunique()
    polypharmacy = set(counts[counts >= 10].index) & everyone
    learning_disability = coded("nhsd-ld-cod") & everyone
    done = time.perf_counter()
    found = dict(
        zip(
            SMR,
            (smr_01a, smr_01b, smr_01c, smr_01d, polypharmacy, learning_disability),
            strict=True,
        )
    )
    return {
        "smr": {cohort: people_ - smr_done for cohort, people_ in found.items()},
        "efi": people["efi_deficits"].sort_index(),
        "seconds": done - start,
        "compute_seconds": done - loaded,
    }


# ---- the engine ------------------------------------------------------------------------------


def risk_training(settings: Settings, date: str) -> float:
    """Seconds to train the default risk model and score everyone on the date, from nothing
    kept: what `openpcn init` does once per warehouse (then cohorts read the kept scores).
    Timed in a child process so the scores this process uses are read as the app reads them."""
    from openpcn.cohorts.admission_risk import STORE_SUFFIX

    kept = settings.warehouse_path.with_name(settings.warehouse_path.name + STORE_SUFFIX)
    shutil.rmtree(kept, ignore_errors=True)
    code = (
        "import sys, time; from pathlib import Path; from openpcn.config import Settings; "
        "from openpcn.store.warehouse import connect; "
        "from openpcn.cohorts.admission_risk import scored; "
        "con = connect(Settings(home=Path(sys.argv[1]))); start = time.perf_counter(); "
        "scored(con, sys.argv[2]); print(time.perf_counter() - start)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(settings.home), date],
        check=True,
        capture_output=True,
        text=True,
    )
    return float(done.stdout.strip().splitlines()[-1])


def engine_figures(settings: Settings, date: str) -> dict[str, object]:
    con = connect(settings)
    _, efi_seconds = timed(lambda: con.execute(efi.efi_table(con, date)))
    out: dict[str, object] = {"efi_seconds": round(efi_seconds, 3)}
    if engine is None:
        out["cohorts"] = "engine.py not present: eFI only"
        out["total_seconds"] = round(efi_seconds, 3)
        return out
    training = risk_training(settings, date)
    # every cohort in one query, as `openpcn cohorts summary` and the ICS view run them
    definitions = load_definitions()
    expr = compile_cohorts(con, definitions.values(), as_date(date))
    counted, all_cohorts = timed(
        lambda: con.execute(expr.group_by("cohort").aggregate(n=expr.count()))
    )
    counts = {d: 0 for d in definitions} | {r.cohort: int(r.n) for r in counted.itertuples()}
    # and one worklist call per cohort, as a practice opens them
    per_cohort = {}
    for cohort_id in definitions:
        frame, seconds = timed(engine.run, con, cohort_id, date)
        per_cohort[cohort_id] = round(seconds, 3)
        if len(frame) != counts[cohort_id]:
            raise AssertionError(f"{cohort_id}: run and one query disagree")
    total = all_cohorts + efi_seconds
    out |= {
        "all_cohorts_one_query_seconds": round(all_cohorts, 3),
        "total_seconds": round(total, 3),
        "risk_model_train_and_score_seconds": round(training, 3),
        "total_with_risk_training_seconds": round(total + training, 3),
        "per_cohort_run_seconds_sum": round(sum(per_cohort.values()), 3),
        "per_cohort_run_seconds": per_cohort,
        "cohort_counts": counts,
    }
    return out


def engine_peer_answers(settings: Settings, date: str) -> dict[str, object]:
    """The engine's answers to the peer's questions (the eFI, then the SMR spec's cohorts in one
    query given that eFI, as `summary` does; members only: the peer gives no reasons either),
    and their seconds."""
    con = connect(settings)
    start = time.perf_counter()
    efi_frame = con.execute(efi.efi_table(con, date))
    known = ibis.memtable(efi_frame.loc[:, ["patient_id", "efi_category"]])
    expr = compile_cohorts(con, engine.select("smr"), as_date(date), efi=known)
    rows = con.execute(expr.select("patient_id", "cohort"))
    seconds = time.perf_counter() - start
    return {
        "smr": {cohort: set(rows.loc[rows.cohort == cohort, "patient_id"]) for cohort in SMR},
        "efi": efi_frame.set_index("patient_id")["efi_deficits"].astype(int).sort_index(),
        "seconds": seconds,
    }


def peer_codes() -> dict[str, tuple[str, ...]]:
    lists = load_codelists()
    return {name: tuple(lists[name].codes) for name in PEER_LISTS}


def peer_figures(settings: Settings, date: str) -> dict[str, object]:
    mine = engine_peer_answers(settings, date)
    peer = pandas_peer(settings.warehouse_path, date, peer_codes())
    same = {cohort: mine["smr"][cohort] == peer["smr"][cohort] for cohort in SMR}
    same["efi"] = mine["efi"].equals(peer["efi"].astype(int))
    return {
        "peer": "plain pandas: the SMR cohorts (2022/23) and the eFI, from the warehouse file",
        "engine_seconds": round(mine["seconds"], 3),
        "pandas_seconds": round(peer["seconds"], 3),
        "pandas_compute_seconds": round(peer["compute_seconds"], 3),
        "speedup": round(peer["seconds"] / mine["seconds"], 2),
        "speedup_vs_compute_only": round(peer["compute_seconds"] / mine["seconds"], 2),
        "answers_equal": same,
        "sizes": {cohort: len(mine["smr"][cohort]) for cohort in SMR}
        | {"efi_65_plus": len(mine["efi"])},
    }


# ---- Spark parity ----------------------------------------------------------------------------


def spark_parity(scale: float, seed: int, date: str) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(home=Path(tmp) / "home")
        build(settings.home, scale, seed)
        duck, spark = connect(settings), connect(settings, engine="pyspark")
        mismatches = {}
        checked = 0
        ids = list(load_definitions()) if engine is not None else []
        for cohort_id in ids:
            a = engine.run(duck, cohort_id, date)
            b = engine.run(spark, cohort_id, date)
            checked += 1
            if len(a) != len(b) or set(a.patient_id) != set(b.patient_id):
                mismatches[cohort_id] = {"duckdb": len(a), "spark": len(b)}

        def categories(con) -> dict[str, int]:
            t = efi.efi_table(con, date)
            frame = con.execute(t.group_by("efi_category").aggregate(n=t.patient_id.count()))
            return {str(r.efi_category): int(r.n) for r in frame.itertuples()}

        efi_duck, efi_spark = categories(duck), categories(spark)
        if efi_duck != efi_spark:
            mismatches["efi"] = {"duckdb": efi_duck, "spark": efi_spark}
        return {
            "scale": scale,
            "cohorts_checked": checked,
            "efi_checked": True,
            "equal": not mismatches,
            "mismatches": mismatches,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=2019)
    parser.add_argument("--date", default=DEFAULT_DATE)
    parser.add_argument("--home", type=Path, help="reuse the warehouse in this OPENPCN_HOME")
    parser.add_argument("--spark-sample", type=float, help="also check Spark parity at this scale")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        home = args.home or Path(tmp) / "home"
        settings = Settings(home=home)
        build_seconds = None
        if not settings.warehouse_path.exists():
            build_seconds = round(build(home, args.scale, args.seed), 1)
        with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
            patients = con.execute("SELECT count(*) FROM patients").fetchone()[0]
            rows = sum(con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in NEEDED)
        bound = lower_bound(settings.warehouse_path)
        floor = best_of_two(settings.warehouse_path, GROUPING_FLOOR)
        figures = engine_figures(settings, args.date)
        peak = peak_mib()  # before the pandas peer loads whole tables into memory
        result: dict[str, object] = {
            "bench": "cohorts",
            "date": args.date,
            "scale": args.scale if args.home is None else "existing warehouse",
            "patients": patients,
            "rows_read": rows,
            "build_seconds_excluded": build_seconds,
            **figures,
            "peak_memory_mib": round(peak, 1),
            "lower_bound_seconds": round(bound, 3),
            "ratio_to_lower_bound": round(figures["total_seconds"] / bound, 2),
            "grouping_floor_seconds": round(floor, 3),
            "ratio_to_grouping_floor": round(figures["total_seconds"] / floor, 2),
        }
        if engine is not None:
            result["peer"] = peer_figures(settings, args.date)
        if args.spark_sample:
            result["spark_parity"] = spark_parity(args.spark_sample, args.seed, args.date)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
