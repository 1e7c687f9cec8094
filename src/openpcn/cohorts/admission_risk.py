"""Risk of an emergency admission in the next 12 months, from what is known on the index date.

Features are built in Ibis (DuckDB or Spark) and pulled into pandas for scikit-learn. The
split is in time, never at random: a model trained on one index date is tested on people one
year later, with outcomes the training never saw. When the warehouse has no 12 months after
`date` (the usual case: `date` is the extract date), the test is the year before:

    a year of data after `date`:    train index date-1y (outcomes to date),  test index date
    otherwise (back-test):          train index date-2y (outcomes to date-1y), test index date-1y
                                    and the model used for scoring is refitted on index date-1y

"A year of data" allows the extract to end up to a week early. Deterministic for a fixed seed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.metadata
import json
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import brier_score_loss, roc_auc_score
from threadpoolctl import threadpool_limits  # installed with scikit-learn

from openpcn.cohorts.efi import (
    DEFICITS,
    MIN_AGE,
    coded_deficits,
    deficit_count,
    load_codelist,
    repeat_medicines,
)
from openpcn.exceptions import InputError
from openpcn.orgs.dates import DateLike, as_date
from openpcn.orgs.population import registered_on
from openpcn.progress import part, report

log = logging.getLogger(__name__)

OUTCOME = "emergency_admission"
#: the model's inputs, in order; all known on the index date
FEATURES = (
    "age",
    "male",
    "imd_decile",
    "conditions",
    "efi_score",
    "repeat_medicines",
    "prior_emergency_admissions",
    "prior_ae_attendances",
)
FEATURE_WORDS = {
    "age": "age in whole years on the index date",
    "male": "sex (1 = male)",
    "imd_decile": "IMD 2019 decile of the patient's area (1 = most deprived; missing allowed)",
    "conditions": "count of long-term conditions recorded by the index date "
    "(codelist openpcn-long-term-conditions, or the eFI diagnoses if it is absent)",
    "efi_score": "electronic Frailty Index score (0 for people under 65)",
    "repeat_medicines": "distinct repeat medicines current on the index date",
    "prior_emergency_admissions": "emergency admissions in the 12 months before the index date",
    "prior_ae_attendances": "A&E attendances in the 12 months before the index date",
}
CONDITIONS_FILE = "openpcn-long-term-conditions.csv"
MIN_POSITIVES = 10
DECILES = 10
#: larger training sets are sampled down (seeded): the fit stays fast at national scale
MAX_TRAIN = 200_000
#: OpenMP threads for scikit-learn: one. On a shared 2-core machine a 200,000-person fit took
#: 1.2 s on one thread and 7.3 s on two (spin-waiting against other work); results are the same.
THREADS = 1
#: an extract whose last records fall this close to the end of the year still covers the year
#: (the last days of an extract are often empty: the synthetic one's end on the day before)
END_GRACE = dt.timedelta(days=7)


def years_later(day: dt.date, years: int) -> dt.date:
    """The same calendar day `years` later (or earlier); 29 February becomes the 28th."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


@dataclass
class RiskModel:
    """A fitted model with what the model card reports about it."""

    estimator: HistGradientBoostingClassifier
    seed: int
    date: dt.date
    train_index: dt.date
    train_outcome_end: dt.date
    test_index: dt.date
    test_outcome_end: dt.date
    back_test: bool
    train_people: int
    train_rate: float
    test_people: int
    test_rate: float
    auroc: float
    brier: float
    calibration: pd.DataFrame = field(repr=False)
    fit_index: dt.date = field(default=dt.date.min)  # index date of the data the estimator saw

    def predict(self, features: pd.DataFrame) -> np.ndarray:
        """Probability of an emergency admission in the 12 months after the index date."""
        with threadpool_limits(THREADS):
            return self.estimator.predict_proba(features.loc[:, list(FEATURES)].to_numpy(float))[
                :, 1
            ]


def _condition_codes() -> list[str]:
    """Long-term condition codes: C1's shared codelist when shipped, else eFI diagnoses."""
    path = resources.files("openpcn.data").joinpath("codelists", CONDITIONS_FILE)
    if path.is_file():
        lines = path.read_text("utf-8-sig").splitlines()[1:]
        codes = [line.split(",", 1)[0].strip() for line in lines if line.strip()]
        if codes:
            return sorted(set(codes))
    return load_codelist().codes


def features_table(con: ibis.BaseBackend, index: DateLike) -> ir.Table:
    """One row per person registered and alive on the index date, with FEATURES and
    practice_code; nothing after the index date is read (except repeats' latest issue, which
    only says a medicine started before the date was still being issued)."""
    day = as_date(index)
    people = registered_on(con, day)
    people = people.select(
        "patient_id",
        "practice_code",
        "age",
        male=(people.sex == "M").ifelse(1, 0),
        imd_decile=people.imd_decile,
    )
    e = con.table("events")
    cond = e.filter(e.snomed_code.isin(_condition_codes()) & (e.date <= day))
    conditions = cond.group_by("patient_id").aggregate(conditions=cond.snomed_code.nunique())
    h = con.table("hospital_activity")
    before = h.filter((h.start_date <= day) & (h.start_date > years_later(day, -1)))
    prior = before.group_by("patient_id").aggregate(
        prior_emergency_admissions=(before.kind == OUTCOME).ifelse(1, 0).sum(),
        prior_ae_attendances=(before.kind == "ae").ifelse(1, 0).sum(),
    )
    joined = (
        people.left_join(conditions, "patient_id")
        .left_join(coded_deficits(con, day), "patient_id")
        .left_join(repeat_medicines(con, day), "patient_id")
        .left_join(prior, "patient_id")
    )
    # the eFI of efi_table, computed on the rows already here (one scan of each table)
    deficits = deficit_count(joined.coded_deficits, joined.repeat_medicines)
    efi_score = (joined.age >= MIN_AGE).ifelse(deficits.cast("float64") / DEFICITS, 0.0)
    return joined.select(
        "patient_id",
        "practice_code",
        "age",
        "male",
        "imd_decile",
        conditions=joined.conditions.fill_null(0),
        efi_score=efi_score,
        repeat_medicines=joined.repeat_medicines.fill_null(0),
        prior_emergency_admissions=joined.prior_emergency_admissions.fill_null(0),
        prior_ae_attendances=joined.prior_ae_attendances.fill_null(0),
    )


def outcomes_table(con: ibis.BaseBackend, index: DateLike) -> ir.Table:
    """patient_id of everyone with an emergency admission in the 12 months after the index."""
    day = as_date(index)
    h = con.table("hospital_activity")
    end = years_later(day, 1)
    after = h.filter((h.kind == OUTCOME) & (h.start_date > day) & (h.start_date <= end))
    return after.select("patient_id").distinct()


def _frame(con: ibis.BaseBackend, index: dt.date, *, with_outcome: bool) -> pd.DataFrame:
    """Features (and the outcome) as pandas, sorted by patient_id so runs are repeatable."""
    expr = features_table(con, index)
    if with_outcome:
        flagged = outcomes_table(con, index).mutate(outcome=ibis.literal(1))
        expr = expr.left_join(flagged, "patient_id")
        expr = expr.mutate(outcome=expr.outcome.fill_null(0))
    # sorted by the engine, and a plain Arrow conversion: both faster than pandas doing it
    frame = con.to_pyarrow(expr.order_by("patient_id")).to_pandas()
    numeric = [c for c in FEATURES if c != "imd_decile"]
    frame[numeric] = frame[numeric].astype("float64")
    frame["imd_decile"] = pd.to_numeric(frame["imd_decile"]).astype("float64")  # NaN = missing
    return frame


def data_end(con: ibis.BaseBackend) -> dt.date | None:
    """The last date the extract covers (latest hospital activity or coded event): outcomes
    after it are not known. None when there is no hospital activity at all."""
    h, e = con.table("hospital_activity"), con.table("events")
    hospital = con.execute(h.start_date.max())
    if hospital is None or pd.isna(hospital):
        return None
    events = con.execute(e.date.max())
    values = [
        pd.Timestamp(v).date() for v in (hospital, events) if v is not None and not pd.isna(v)
    ]
    return max(values)


def _estimator(seed: int) -> HistGradientBoostingClassifier:
    # 50 trees at rate 0.15 test as well as 100 at 0.08 on full Dorset (AUROC 0.7588 both) and
    # fit and score in half the time
    return HistGradientBoostingClassifier(
        learning_rate=0.15,
        max_iter=50,
        max_leaf_nodes=15,
        min_samples_leaf=40,
        l2_regularization=1.0,
        early_stopping=False,
        random_state=seed,
    )


def _fit(frame: pd.DataFrame, seed: int, what: str) -> HistGradientBoostingClassifier:
    positives = int(frame["outcome"].sum())
    if positives < MIN_POSITIVES or positives == len(frame):
        raise InputError(
            f"too few emergency admissions to train the risk model on the {what} "
            f"({positives} of {len(frame)} people)",
            fix="use a date with at least a year of hospital activity before it, "
            "or a larger warehouse",
        )
    if len(frame) > MAX_TRAIN:
        keep = np.random.default_rng(seed).choice(len(frame), MAX_TRAIN, replace=False)
        frame = frame.iloc[np.sort(keep)]
    model = _estimator(seed)
    with threadpool_limits(THREADS):
        model.fit(frame.loc[:, list(FEATURES)].to_numpy(float), frame["outcome"].to_numpy(int))
    return model


def calibration_table(predicted: np.ndarray, observed: np.ndarray) -> pd.DataFrame:
    """Deciles of predicted risk (1 = lowest): people, mean predicted, observed rate."""
    order = np.lexsort((np.arange(len(predicted)), predicted))
    decile = np.empty(len(predicted), dtype=np.int64)
    decile[order] = np.arange(len(predicted)) * DECILES // max(len(predicted), 1) + 1
    frame = pd.DataFrame({"decile": decile, "predicted": predicted, "observed": observed})
    table = frame.groupby("decile").agg(
        people=("predicted", "size"),
        mean_predicted=("predicted", "mean"),
        observed_rate=("observed", "mean"),
    )
    return table.reindex(range(1, DECILES + 1), fill_value=0).reset_index()


def fit_model(con: ibis.BaseBackend, date: DateLike, *, seed: int = 2019) -> RiskModel:
    """Train and test in time (see the module docstring); the returned model scores `date`."""
    day = as_date(date)
    end = data_end(con)
    if end is None:
        raise InputError("the warehouse has no hospital activity", fix="run `openpcn init`")
    back_test = end < years_later(day, 1) - END_GRACE
    test_index = years_later(day, -1) if back_test else day
    train_index = years_later(test_index, -1)
    report("Risk model: reading the training year", 0, 5)
    train = _frame(con, train_index, with_outcome=True)
    report("Risk model: reading the test year", 1, 5)
    test = _frame(con, test_index, with_outcome=True)
    report("Risk model: training", 2, 5)
    estimator = _fit(train, seed, f"index date {train_index}")
    if test["outcome"].nunique() < 2:
        raise InputError(
            f"the test year after {test_index} has no emergency admissions to test against",
            fix="use an earlier date",
        )
    report("Risk model: testing", 3, 5)
    with threadpool_limits(THREADS):
        predicted = estimator.predict_proba(test.loc[:, list(FEATURES)].to_numpy(float))[:, 1]
    observed = test["outcome"].to_numpy(int)
    fit_index = train_index
    if back_test:  # the model that scores `date` learns from the latest complete year
        report("Risk model: training on the latest complete year", 4, 5)
        estimator = _fit(test, seed, f"index date {test_index}")
        fit_index = test_index
    return RiskModel(
        estimator=estimator,
        seed=seed,
        date=day,
        train_index=train_index,
        train_outcome_end=years_later(train_index, 1),
        test_index=test_index,
        test_outcome_end=years_later(test_index, 1),
        back_test=back_test,
        train_people=len(train),
        train_rate=float(train["outcome"].mean()),
        test_people=len(test),
        test_rate=float(observed.mean()),
        auroc=float(roc_auc_score(observed, predicted)),
        brier=float(brier_score_loss(observed, predicted)),
        calibration=calibration_table(predicted, observed),
        fit_index=fit_index,
    )


@dataclass(frozen=True)
class Scored:
    """The default model's scores for one date and its model card."""

    scores: pd.DataFrame
    card: dict[str, object]


# Scores with the default model, per warehouse and date: a worklist, the summary and the
# anticipatory-care cohort would otherwise each train the model again (about 10 s on full data).
# Kept twice: in memory, the last KEPT_IN_MEMORY (warehouse, date) pairs (about 30 MB each on
# full Dorset), shared by every cursor on one warehouse file; and on disk beside a DuckDB
# warehouse file, so a new process (the next CLI call, a restarted web app, the report) reads
# them in milliseconds, as a practice system's nightly risk run would leave them. The disk copy
# is keyed by the warehouse file's size and modification time and by the model's settings: an
# import or a rebuild, or a new scikit-learn, trains afresh. Two callers asking for the same
# pair at once (two web requests) train it once: the second waits for the first.
KEPT_IN_MEMORY = 4
_SCORED: OrderedDict[tuple[object, dt.date], Scored] = OrderedDict()
_TRAINING: dict[tuple[object, dt.date], threading.Lock] = {}
_GUARD = threading.Lock()
#: bump when FEATURES, the estimator's settings or the scoring rule change
MODEL_VERSION = "2"
DEFAULT_SEED = 2019
STORE_SUFFIX = ".risk"


def _warehouse_file(con: ibis.BaseBackend) -> Path | None:
    """The DuckDB file behind the connection; None for Spark or an in-memory database."""
    if getattr(con, "name", None) != "duckdb":
        return None
    row = con.con.execute(
        "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchone()
    return Path(row[0]) if row and row[0] else None


def _store_key(warehouse: Path) -> str:
    """Changes whenever the warehouse file or the model's definition changes."""
    stat = warehouse.stat()
    parts = (
        stat.st_size,
        stat.st_mtime_ns,
        MODEL_VERSION,
        DEFAULT_SEED,
        FEATURES,
        sorted(_estimator(DEFAULT_SEED).get_params().items()),
        importlib.metadata.version("scikit-learn"),
    )
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


def _stored(con: ibis.BaseBackend, day: dt.date, compute: Callable[[], Scored]) -> Scored:
    """compute() unless this warehouse's scores for the day are on disk; saves what it computes.

    Files are written whole then renamed, so a reader never sees half of one; a folder that
    cannot be written (a read-only mount) only means the scores are not kept.
    """
    warehouse = _warehouse_file(con)
    if warehouse is None or not warehouse.exists():
        return compute()
    folder = warehouse.with_name(warehouse.name + STORE_SUFFIX)
    key = _store_key(warehouse)
    scores_file = folder / f"{day.isoformat()}-{key}.parquet"
    card_file = folder / f"{day.isoformat()}-{key}.json"
    if scores_file.exists() and card_file.exists():
        return Scored(pd.read_parquet(scores_file), json.loads(card_file.read_text("utf-8")))
    result = compute()
    try:
        folder.mkdir(exist_ok=True)
        for stale in folder.iterdir():  # scores of an earlier build or import of the warehouse
            if key not in stale.name:
                stale.unlink(missing_ok=True)
        for path, write in (
            (scores_file, lambda tmp: result.scores.to_parquet(tmp, index=False)),
            (card_file, lambda tmp: tmp.write_text(json.dumps(result.card), "utf-8")),
        ):
            tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            write(tmp)
            os.replace(tmp, path)
    except OSError as err:
        log.info("risk scores not kept on disk (%s): %s", folder, err.strerror)
    return result


def _memory_key(con: ibis.BaseBackend) -> object:
    """The warehouse file and its version when there is one (every cursor shares it), else
    the connection itself (held while its scores are kept, so its id is never reused)."""
    warehouse = _warehouse_file(con)
    if warehouse is None or not warehouse.exists():
        return con
    return (str(warehouse), _store_key(warehouse))


def scored(con: ibis.BaseBackend, date: DateLike) -> Scored:
    """The default model (seed 2019) for the date: its scores and its model card, trained at
    most once per warehouse and date (see above)."""
    day = as_date(date)
    key = (_memory_key(con), day)
    with _GUARD:
        training = _TRAINING.setdefault(key, threading.Lock())
    with training:
        with _GUARD:
            if key in _SCORED:
                _SCORED.move_to_end(key)
                return _SCORED[key]

        def compute() -> Scored:
            with part(0, 2):
                model = fit_model(con, day, seed=DEFAULT_SEED)
            report("Risk model: scoring everyone registered", 1, 2)
            return Scored(risk_scores(con, day, model), model_card(model))

        try:
            found = _stored(con, day, compute)
        finally:
            with _GUARD:
                _TRAINING.pop(key, None)
        with _GUARD:
            _SCORED[key] = found
            while len(_SCORED) > KEPT_IN_MEMORY:
                _SCORED.popitem(last=False)
        return found


def risk_scores(
    con: ibis.BaseBackend, date: DateLike, model: RiskModel | None = None
) -> pd.DataFrame:
    """patient_id, practice_code, risk, centile (1-100, 100 = highest risk) for everyone
    registered on the date; ties in risk are broken by patient_id so centiles are stable.
    Without a model, the default model's scores (`scored`)."""
    day = as_date(date)
    if model is None:
        return scored(con, day).scores.copy()
    frame = _frame(con, day, with_outcome=False)
    out = frame.loc[:, ["patient_id", "practice_code"]].copy()
    out["risk"] = model.predict(frame)
    rank = np.empty(len(out), dtype=np.int64)
    rank[np.lexsort((out["patient_id"].to_numpy(), out["risk"].to_numpy()))] = np.arange(len(out))
    out["centile"] = (rank * 100 // max(len(out), 1) + 1).astype("int64")
    return out.sort_values(["risk", "patient_id"], ascending=[False, True]).reset_index(drop=True)


def top_centile(scores: pd.DataFrame) -> pd.DataFrame:
    """The people in the highest risk centile (the anticipatory care 'top 1%' list)."""
    return scores[scores["centile"] == 100].reset_index(drop=True)


def model_card(model: RiskModel) -> dict[str, object]:
    """What the model is, what it learnt from and how well it did, JSON-ready for a page."""
    calibration = [
        {
            "decile": int(r.decile),
            "people": int(r.people),
            "mean_predicted": round(float(r.mean_predicted), 4),
            "observed_rate": round(float(r.observed_rate), 4),
        }
        for r in model.calibration.itertuples()
    ]
    return {
        "name": "12-month emergency admission risk",
        "outcome": "one or more emergency admissions in the 12 months after the index date",
        "population": "everyone registered and alive on the index date (training: a seeded "
        f"sample of at most {MAX_TRAIN:,} people)",
        "algorithm": "scikit-learn HistGradientBoostingClassifier "
        f"(scikit-learn {importlib.metadata.version('scikit-learn')}, seed {model.seed})",
        "inputs": [{"name": name, "meaning": FEATURE_WORDS[name]} for name in FEATURES],
        "scoring_date": model.date.isoformat(),
        "validation": "back-test on the latest complete year" if model.back_test else "forward",
        "training_window": {
            "index_date": model.train_index.isoformat(),
            "outcomes_to": model.train_outcome_end.isoformat(),
            "people": model.train_people,
            "outcome_rate": round(model.train_rate, 4),
        },
        "test_window": {
            "index_date": model.test_index.isoformat(),
            "outcomes_to": model.test_outcome_end.isoformat(),
            "people": model.test_people,
            "outcome_rate": round(model.test_rate, 4),
        },
        "scoring_model_trained_on_index": model.fit_index.isoformat(),
        "metrics": {
            "auroc": round(model.auroc, 4),
            "brier": round(model.brier, 4),
            "calibration": calibration,
        },
        "limits": [
            "trained and tested on one warehouse's history; check calibration before "
            "using it elsewhere",
            "a risk score supports clinical judgement; it does not replace it",
        ],
    }
