"""Who is on a practice's list: age, sex, deprivation, ethnicity, registration and frailty.

Age and sex follow England's mid-2019 structure, tilted per practice (Dorset older, rural
older, deprived younger); everyone carries a latent frailty `z` that later drives conditions,
eFI deficits, care-home residence, deaths and hospital use, so they cluster as in real records.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields

import numpy as np
from scipy.optimize import brentq
from scipy.special import expit, logit

from openpcn.synth import parameters
from openpcn.synth.constants import END_DAY, REFERENCE_DAY, START_DAY, YEAR
from openpcn.synth.targets import PracticeTargets, is_known

#: lower ends of the age pieces (whole years on the reference date) a list is calibrated in:
#: QOF's list types (16+, 17+, 18+, 50+) and the covariates' 65+; 5-year bands within a piece
#: follow England's shape
PIECES = (0, 16, 17, 18, 50, 65)
MAX_AGE = 100


@dataclass
class People:
    """One practice's synthetic list as parallel numpy arrays (index = person)."""

    n: int
    age: np.ndarray  # exact age in years at the extract date (if alive)
    male: np.ndarray  # bool
    birth_day: np.ndarray  # days since 1970 of the first day of the birth month
    imd_decile: np.ndarray  # 1..10, 0 = unknown
    depr: np.ndarray  # deprivation position: +1 decile 1 .. -1 decile 10, 0 unknown
    ethnicity: np.ndarray  # index into ETHNICITY_GROUPS
    z: np.ndarray  # latent frailty, standard normal
    reg_day: np.ndarray
    dereg_day: np.ndarray  # -1 = still registered
    death_day: np.ndarray  # -1 = alive at the extract date
    care_home: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))

    @property
    def obs_start(self) -> np.ndarray:
        """First day the person's record is observed in the history window."""
        return np.maximum(np.maximum(self.reg_day, self.birth_day), START_DAY)

    @property
    def obs_end(self) -> np.ndarray:
        """Last day observed: death, leaving, or the extract date."""
        end = np.full(self.n, END_DAY, dtype=np.int64)
        end = np.where(self.death_day >= 0, np.minimum(end, self.death_day), end)
        return np.where(self.dereg_day >= 0, np.minimum(end, self.dereg_day), end)

    def age_at(self, days: np.ndarray | int) -> np.ndarray:
        return (np.asarray(days) - self.birth_day) / YEAR

    def years_on(self, day: int) -> np.ndarray:
        """Whole years of age on `day` from the birth month (negative before birth)."""
        return whole_years(self.birth_day, day)

    def on_list(self, day: int) -> np.ndarray:
        """Registered on `day`: joined on or before it, neither left nor died by it."""
        return (
            (self.reg_day <= day)
            & ((self.dereg_day < 0) | (self.dereg_day > day))
            & ((self.death_day < 0) | (self.death_day > day))
        )

    def take(self, keep: np.ndarray) -> People:
        """The people at indices `keep`, every array subset alike."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        out = {k: (v[keep] if isinstance(v, np.ndarray) else v) for k, v in values.items()}
        out["n"] = len(keep)
        return People(**out)


def whole_years(birth_day: np.ndarray, day: int) -> np.ndarray:
    """Age in whole years on `day` of people born on the first of the month `birth_day`."""
    born = np.asarray(birth_day).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    on = np.datetime64(int(day), "D").astype("datetime64[M]").astype(np.int64)
    months = on - born  # birth on the 1st: a birthday month counts from its first day
    return np.floor_divide(months, 12)


ETHNICITY_GROUPS = [*parameters.rates()["ethnicity"]["groups"], "Unknown"]


def age_weights(rurality: str | None, imd_score: float | None) -> tuple[np.ndarray, np.ndarray]:
    """Band probabilities for a practice: England's shape with the documented tilts."""
    bands = parameters.age_sex()
    p = parameters.rates()["population"]
    mid = (bands["age_from"].to_numpy() + bands["age_to"].to_numpy() + 1) / 2
    tilt = p["dorset_tilt"] + (p["rural_tilt"] if rurality == "Rural" else 0.0)
    if imd_score is not None and not math.isnan(imd_score):
        tilt += p["imd_tilt_per_10"] * (imd_score - 20.0) / 10.0
    w = bands["persons_thousands"].to_numpy(float) * np.exp(tilt * (mid - 40.0) / 40.0)
    return w / w.sum(), bands["male_share"].to_numpy(float)


def year_weights(
    rurality: str | None, imd_score: float | None, target: PracticeTargets | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Single-year age weights (0..99 on the reference date) and each year's female share.

    Without targets: the tilted England shape of `age_weights`. With them, the pieces between
    the published ages (16, 17, 18, 50 from QOF's list types, 65 from the covariates) take their
    published shares, each filled in England's shape, and the female share is shifted on the
    log-odds scale in every year alike until the list's share matches.
    """
    bands = parameters.age_sex()
    lo, hi = bands["age_from"].to_numpy(int), bands["age_to"].to_numpy(int) + 1
    width = hi - lo
    years = np.arange(MAX_AGE)
    band = np.searchsorted(lo, years, side="right") - 1
    tilted, male_share = age_weights(rurality, imd_score)
    base = tilted[band] / width[band]
    female = 1 - male_share[band]
    if target is None:
        return base / base.sum(), female
    england = bands["persons_thousands"].to_numpy(float)[band] / width[band]
    at_least = {a: float(base[a:].sum() / base.sum()) for a in PIECES[1:]}
    at_least |= {a: v for a, v in target.at_least.items() if a in at_least}
    if is_known(target.over65):
        at_least[65] = float(target.over65)  # type: ignore[arg-type]
    edges = [*PIECES, MAX_AGE]
    cum = [1.0]
    for a in PIECES[1:]:
        cum.append(min(max(at_least[a], 0.0), cum[-1]))
    cum.append(0.0)
    weights = np.zeros(MAX_AGE)
    for k in range(len(PIECES)):
        piece = slice(edges[k], edges[k + 1])
        weights[piece] = england[piece] / england[piece].sum() * (cum[k] - cum[k + 1])
    weights = weights / weights.sum()
    if is_known(target.female) and 0 < target.female < 1:  # type: ignore[operator]
        odds = logit(female)

        def gap(c: float) -> float:
            return float((weights * expit(odds + c)).sum() - target.female)  # type: ignore[operator]

        female = expit(odds + brentq(gap, -10, 10))
    return weights, female


def strata(people: People, day: int) -> np.ndarray:
    """Calibration cell of each person: age piece on `day` x sex (female even, male odd)."""
    piece = np.searchsorted(np.asarray(PIECES), people.years_on(day), side="right") - 1
    return np.maximum(piece, 0) * 2 + people.male.astype(np.int64)


def cell_counts(n: int, weights: np.ndarray, female: np.ndarray) -> np.ndarray:
    """`n` shared over the age-piece x sex cells in proportion, by largest remainder."""
    piece = np.searchsorted(np.asarray(PIECES), np.arange(MAX_AGE), side="right") - 1
    share = np.zeros(len(PIECES) * 2)
    np.add.at(share, piece * 2, weights * female)
    np.add.at(share, piece * 2 + 1, weights * (1 - female))
    exact = n * share / share.sum()
    counts = np.floor(exact).astype(np.int64)
    extra = n - counts.sum()
    order = np.argsort(-(exact - counts), kind="stable")
    counts[order[:extra]] += 1
    return counts


def select(rng: np.random.Generator, people: People, counts: np.ndarray, day: int) -> np.ndarray:
    """Indices kept so exactly `counts[cell]` people are on the list on `day` in each cell.

    The people not on the list that day (left, died or joined around it) are thinned by their
    cell's ratio, so turnover stays in proportion; a cell with too few keeps all it has.
    """
    cell = strata(people, day)
    on = people.on_list(day)
    u = rng.random(people.n)
    keep = np.zeros(people.n, dtype=bool)
    short = []
    for c, want in enumerate(counts):
        members = np.nonzero((cell == c) & on)[0]
        chosen = members[np.argsort(u[members], kind="stable")[:want]]
        keep[chosen] = True
        short.extend([c] * (int(want) - len(chosen)))
        ratio = min(1.0, want / len(members)) if len(members) else 1.0
        keep |= (cell == c) & ~on & (u < ratio)
    for c in short:  # a tiny cell (one year of age) drew too few: the same sex, nearest age
        spare = np.nonzero(on & ~keep & (cell % 2 == c % 2))[0]
        if len(spare):
            distance = np.abs(cell[spare] // 2 - c // 2)
            keep[spare[np.lexsort((u[spare], distance))[0]]] = True
    return np.nonzero(keep)[0]


def deciles_from_scores(scores: np.ndarray) -> np.ndarray:
    """IMD 2019 score -> national decile (1 = most deprived) with the documented cut-points."""
    cuts = np.asarray(parameters.rates()["deprivation"]["cut_points"])
    return (10 - np.searchsorted(cuts, scores, side="right")).astype(np.int64)


def generate(
    rng: np.random.Generator,
    n: int,
    rurality: str | None,
    imd_score: float | None,
    target: PracticeTargets | None = None,
) -> People:
    """Draw more people than the `n` on the list (vectorised; deaths, care homes come later).

    Each age-piece x sex cell draws its share of `n` (`cell_counts`), grown by the inverse
    chance of still being on the list on the reference date (`_losses`) and `oversample`, so
    `select` can then keep exactly the list; ages are drawn on the reference date from
    `year_weights`. The babies born between that day and the extract are added pro rata.
    """
    rates = parameters.rates()
    weights, female = year_weights(rurality, imd_score, target)
    counts = cell_counts(n, weights, female)
    oversample = rates["population"]["oversample"]
    years = np.arange(MAX_AGE)
    piece = np.searchsorted(np.asarray(PIECES), years, side="right") - 1
    loss = _losses(years + 0.5)
    picks, males = [], []
    for c, want in enumerate(counts):
        if want == 0:
            continue
        inside = piece == c // 2
        sex = (1 - female) if c % 2 else female
        w = (weights * sex)[inside]
        grown = w * loss[inside]
        size = math.ceil(want * oversample * grown.sum() / w.sum()) + 2
        picks.append(rng.choice(years[inside], size=size, p=grown / grown.sum()).astype(float))
        males.append(np.full(size, c % 2 == 1))
    lead = (END_DAY - REFERENCE_DAY) / YEAR
    babies = round(n * weights[0] * lead * oversample)
    picks.append(np.full(babies, -lead))
    males.append(rng.random(babies) >= female[0])
    pick = np.concatenate(picks)
    male = np.concatenate(males)
    n = len(pick)
    fraction = rng.random(n)
    age_on_ref = np.where(pick < 0, pick * fraction, pick + fraction)
    birth = REFERENCE_DAY - np.floor(age_on_ref * YEAR).astype(np.int64)
    birth_day = _first_of_month(np.minimum(birth, END_DAY))
    age = (END_DAY - birth_day) / YEAR

    known_imd = imd_score is not None and not math.isnan(imd_score)
    if known_imd:
        spread = rates["deprivation"]["spread"]
        scores = imd_score * np.exp(rng.normal(-(spread**2) / 2, spread, n))
        decile = deciles_from_scores(scores)
        depr = (5.5 - decile) / 4.5
    else:
        decile = np.zeros(n, dtype=np.int64)
        depr = np.zeros(n)

    ethnicity = _ethnicity(rng, n, rurality, imd_score if known_imd else 20.0)
    # latent frailty: deprived people a little frailer (assumption)
    z = rng.standard_normal(n) + 0.15 * depr
    reg_day, dereg_day = _registration(rng, age, birth_day)
    return People(
        n=n,
        age=age,
        male=male,
        birth_day=birth_day,
        imd_decile=decile,
        depr=depr,
        ethnicity=ethnicity,
        z=z,
        reg_day=reg_day,
        dereg_day=dereg_day,
        death_day=np.full(n, -1, dtype=np.int64),
        care_home=np.zeros(n, dtype=bool),
    )


def _losses(age: np.ndarray) -> np.ndarray:
    """How many to draw per person on the list at `age` on the reference date: the inverse of
    the chance of neither dying nor leaving between the window's start and that day, so the
    cells `select` fills are full and, within a cell, ages keep their shape after deaths."""
    m = parameters.rates()["mortality"]
    p = parameters.rates()["population"]
    r = parameters.rates()["registration"]
    years = (REFERENCE_DAY - START_DAY) / YEAR
    hazard = np.exp(m["a"] + m["b"] * age) * p["survival_hr"]
    leave = r["left_per_year"] * np.where((age >= 18) & (age < 35), 2.0, 1.0)
    return np.exp((hazard + leave) * years)


def _first_of_month(days: np.ndarray) -> np.ndarray:
    as_dates = days.astype("datetime64[D]").astype("datetime64[M]").astype("datetime64[D]")
    return as_dates.astype(np.int64)


def _ethnicity(rng: np.random.Generator, n: int, rurality: str | None, imd: float) -> np.ndarray:
    e = parameters.rates()["ethnicity"]
    shares = np.asarray(e["shares"], float)
    odds = 1.0
    if rurality != "Rural":
        odds *= e["urban_odds"]
    odds *= e["imd_odds_per_10"] ** ((imd - 20.0) / 10.0)
    shares = np.concatenate([shares[:1], shares[1:] * odds])
    shares = shares / shares.sum()
    group = rng.choice(len(shares), size=n, p=shares)
    unknown = rng.random(n) < e["unknown_share"]
    return np.where(unknown, len(shares), group)


def _registration(
    rng: np.random.Generator, age: np.ndarray, birth_day: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Registration before or during the window; some people leave during it."""
    r = parameters.rates()["registration"]
    n = len(age)
    born_in_window = birth_day >= START_DAY
    joined = (rng.random(n) < r["joined_in_window"]) & ~born_in_window
    window = END_DAY - START_DAY
    join_day = START_DAY + np.floor(rng.random(n) * window).astype(np.int64)
    # before the window: some time since birth (at most 30 years before the window)
    earliest = np.maximum(birth_day, START_DAY - int(30 * YEAR))
    before = earliest + np.floor(rng.random(n) * np.maximum(START_DAY - earliest, 1)).astype(
        np.int64
    )
    reg = np.where(born_in_window, birth_day + 14, np.where(joined, join_day, before))
    reg = np.minimum(reg, END_DAY)
    leave_rate = r["left_per_year"] * np.where((age >= 18) & (age < 35), 2.0, 1.0)
    t = rng.exponential(1.0 / leave_rate) * YEAR
    leave = np.maximum(reg, START_DAY) + np.floor(t).astype(np.int64)
    dereg = np.where(leave < END_DAY, leave, -1)
    return reg.astype(np.int64), dereg.astype(np.int64)
