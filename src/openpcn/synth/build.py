"""Build the synthetic patient-level tables into the warehouse, practice by practice.

Every practice draws from its own RNG stream (SeedSequence(seed, spawn_key=(practice index,)),
practices sorted by code), so batching never changes the result: the same seed and scale give
identical tables. The codes events are written as (code_mix.csv) come from a second stream per
practice (spawn_key=(practice index, CODE_MIX_STREAM)), so the mix changes codes only.
Batches of practices are written with `write_tables(..., replace=False)` after the patient
tables are cleared, so memory stays low. Each practice is calibrated to its published figures
(data/synth/targets: list on the reference date, age and sex, QOF registers; `practice_list`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from openpcn.exceptions import UserError
from openpcn.store.schema import PATIENT_TABLES, table
from openpcn.store.warehouse import write_tables
from openpcn.synth import (
    activity,
    appointments,
    arrow,
    care_homes,
    conditions,
    events,
    medicines,
    mortality,
    parameters,
    population,
    targets,
    workforce,
)
from openpcn.synth.constants import REFERENCE_DAY
from openpcn.synth.ids import key, pseudonyms

REQUIRED = ("practice_code", "pcn_code", "registered_patients")
MIN_SCALE, MAX_SCALE = 0.01, 1.0
BATCH_PATIENTS = 150_000  # patients per write: bounds memory, not results
#: spawn-key tail of a practice's second stream, which only chooses the codes events are written
#: as (code_mix.csv): changing the mix changes no other generated value
CODE_MIX_STREAM = 0x636F6465
FRAILTY_CODE_STREAM = 0x66726C  # coded severe frailty: its own stream, nothing else moves


def check_scale(scale: object) -> float:
    """Scale must be a number in [0.01, 1.0]."""
    try:
        value = float(scale)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        value = math.nan
    if not (MIN_SCALE <= value <= MAX_SCALE):
        raise UserError(
            f"scale must be a number from {MIN_SCALE} to {MAX_SCALE}, got {scale!r}",
            fix="pass --scale 0.1 for a tenth of the population or --scale 1 for all of it",
        )
    return value


def _check_practices(practices: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in REQUIRED if c not in practices.columns]
    if missing:
        raise UserError(
            f"the practices frame lacks column(s) {', '.join(missing)}",
            fix="load the reference data (openpcn init) before building the synthetic population",
        )
    frame = practices.copy()
    for col in ("rurality", "imd2019_score", "lat", "lon"):
        if col not in frame.columns:
            frame[col] = None
    lists = pd.to_numeric(frame["registered_patients"], errors="coerce")
    if lists.isna().any() or (lists < 0).any():
        row = int(np.nonzero((lists.isna() | (lists < 0)).to_numpy())[0][0]) + 1
        raise UserError(
            "registered_patients must be a number of 0 or more",
            row=row,
            column="registered_patients",
            fix="give every practice its registered list size",
        )
    if frame["practice_code"].duplicated().any():
        raise UserError(
            "practice_code is repeated", column="practice_code", fix="give one row per practice"
        )
    frame["registered_patients"] = lists.astype(float)
    for col in ("imd2019_score", "lat", "lon"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype(float)
    frame["rurality"] = frame["rurality"].astype(object).where(frame["rurality"].notna(), None)
    return frame.sort_values("practice_code", kind="stable").reset_index(drop=True)


def patients_for(list_size: float, scale: float) -> int:
    """People on a practice's list on the reference date: round(list x scale), at least 1."""
    return max(1, round(list_size * scale))


def build(
    path: Path,
    practices: pd.DataFrame,
    *,
    scale: float = 1.0,
    seed: int = 2019,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, int]:
    """Write every patient-level table for `practices`; returns rows written per table."""
    scale = check_scale(scale)
    frame = _check_practices(practices)
    names = [t.name for t in PATIENT_TABLES]
    write_tables(path, {n: arrow.empty(table(n)) for n in names}, replace=True)
    counts = dict.fromkeys(names, 0)
    ict_set = set(activity.ict_pcns(frame["pcn_code"].dropna().astype(str).tolist(), seed))
    coords = (
        frame["lat"].to_numpy(float),
        frame["lon"].to_numpy(float),
        frame["pcn_code"].astype(str).to_numpy(object),
    )
    total = len(frame)
    pending: dict[str, list[pa.Table]] = {n: [] for n in names}
    pending_patients = 0
    next_home = 1
    for index, row in enumerate(frame.itertuples(index=False)):
        out, homes = _practice(index, row, seed, scale, ict_set, next_home, coords)
        next_home += homes
        for name, tbl in out.items():
            pending[name].append(tbl)
        pending_patients += out["patients"].num_rows
        if pending_patients >= BATCH_PATIENTS or index == total - 1:
            _flush(path, pending, counts)
            pending_patients = 0
        if progress:
            progress(index + 1, total)
    staff = _pcn_workforce(frame, seed)
    write_tables(path, {"workforce": staff}, replace=False)
    counts["workforce"] += staff.num_rows
    return counts


def _flush(path: Path, pending: dict[str, list[pa.Table]], counts: dict[str, int]) -> None:
    frames = {n: pa.concat_tables(ts) for n, ts in pending.items() if ts}
    write_tables(path, frames, replace=False)
    for n, t in frames.items():
        counts[n] += t.num_rows
        pending[n].clear()


def _practice(index, row, seed, scale, ict_set, first_home, coords):
    """Generate every table's rows for one practice from its own RNG stream."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(index,)))
    code = str(row.practice_code)
    pcn = None if pd.isna(row.pcn_code) else str(row.pcn_code)
    n = patients_for(row.registered_patients, scale)
    rurality = row.rurality if row.rurality in ("Urban", "Rural") else None
    imd = None if pd.isna(row.imd2019_score) else float(row.imd2019_score)
    goal = targets.for_practice(code)
    people, morbidity, rx, efi_cat = practice_list(rng, n, rurality, imd, goal)
    n = people.n
    n_cond = morbidity.count
    act = activity.generate(rng, people, efi_cat, n_cond, pcn in ict_set)
    code_rng = np.random.default_rng(
        np.random.SeedSequence(seed, spawn_key=(index, CODE_MIX_STREAM))
    )
    ev = events.generate(rng, people, morbidity, rx, act.referral_day, code_rng)
    frailty_rng = np.random.default_rng(
        np.random.SeedSequence(seed, spawn_key=(index, FRAILTY_CODE_STREAM))
    )
    events.coded_frailty(frailty_rng, ev, people, efi_cat)
    appts = appointments.generate(rng, people, n_cond)
    lat = None if pd.isna(row.lat) else float(row.lat)
    lon = None if pd.isna(row.lon) else float(row.lon)
    homes = care_homes.site(rng, people, lat, lon, first_home)
    staff = workforce.practice_staff(rng, row.registered_patients * scale)

    ids = pseudonyms("p", key(seed, code, "patients"), n)
    home_codes = [f"CH{k:05d}" for k in homes.number]
    out = {
        "patients": _patients(people, ids, code, homes, home_codes),
        "events": _events(ev, ids),
        "medications": _medications(rng, people, rx, ids),
        "hospital_activity": _hospital(act, ids),
        "appointments": _appointments(appts, ids, code),
        "care_homes": _homes(homes, home_codes, pcn, coords),
        "workforce": _staff(staff, key(seed, code, "staff"), practice=code, pcn=None),
    }
    return out, len(homes.number)


def practice_list(rng, n, rurality, imd, goal):
    """Draw more people than the list, live their history, then keep the list on the day.


    Exactly `n` people are on the list on the reference date, in each age piece x sex cell as
    the targets share them; leavers, joiners and deaths around the day are thinned alike. The
    conditions' registers on QOF's day are then matched to the practice's published ones.
    """
    people = population.generate(rng, n, rurality, imd, goal)
    morbidity = conditions.generate(rng, people, goal.registers)
    care_homes.select_residents(rng, people)
    care = morbidity.deficit_names.index("requirement_for_care")
    morbidity.deficit[:, care] |= people.care_home
    no_poly = np.zeros(people.n, dtype=bool)
    frail = conditions.efi_category(conditions.deficit_counts(morbidity, no_poly)) >= 2
    rx = medicines.generate(rng, people, morbidity, frail)
    efi_cat = conditions.efi_category(conditions.deficit_counts(morbidity, rx.repeat_count >= 5))
    mortality.apply(rng, people, efi_cat)
    weights, female = population.year_weights(rurality, imd, goal)
    counts = population.cell_counts(n, weights, female)
    keep = population.select(rng, people, counts, REFERENCE_DAY)
    people, morbidity, rx, efi_cat = (
        people.take(keep),
        morbidity.take(keep),
        rx.take(keep),
        efi_cat[keep],
    )
    conditions.match_registers(rng, people, morbidity, goal.registers)
    return people, morbidity, rx, efi_cat


def _patients(people, ids, code, homes, home_codes) -> pa.Table:
    n = people.n
    has_home = homes.resident_home >= 0
    home = arrow.labels(home_codes or [""], np.where(has_home, homes.resident_home, 0))
    home = (
        pa.array(
            np.where(has_home, np.asarray(home.to_pylist(), dtype=object), None), type=pa.string()
        )
        if has_home.any()
        else pa.nulls(n, pa.string())
    )
    return arrow.build(
        table("patients"),
        {
            "patient_id": ids,
            "practice_code": pa.array(np.full(n, code, dtype=object), type=pa.string()),
            "sex": arrow.labels(["F", "M"], people.male.astype(np.int64)),
            "birth_month": arrow.dates(people.birth_day),
            "imd_decile": pa.array(people.imd_decile, mask=people.imd_decile == 0),
            "ethnicity_group": arrow.labels(population.ETHNICITY_GROUPS, people.ethnicity),
            "care_home_code": home,
            "registration_date": arrow.dates(people.reg_day),
            "deregistration_date": arrow.dates(people.dereg_day, people.dereg_day < 0),
            "death_date": arrow.dates(people.death_day, people.death_day < 0),
        },
    )


def _dated_rows(name: str, ids, person: np.ndarray, when: np.ndarray, columns) -> pa.Table:
    """Table `name` from per-row arrays, its rows in patient then date order like an extract."""
    order = np.lexsort((when, person))
    data = {"patient_id": ids.take(pa.array(person)), "date": arrow.dates(when), **columns}
    return arrow.build(table(name), data).take(pa.array(order))


def _events(ev, ids) -> pa.Table:
    person, when, code, value = ev.arrays()
    columns = {
        "snomed_code": arrow.labels(ev.vocabulary, code),
        "value": pa.array(value, mask=np.isnan(value)),
    }
    return _dated_rows("events", ids, person, when, columns)


def _medications(rng, people, rx, ids) -> pa.Table:
    """A repeat is written as its first issue and its latest issue; acute items once."""
    meds = parameters.medicines()
    recent = parameters.rates()["medicines"]["recent_issue_days"]
    i, j = np.nonzero(rx.on)
    rep = rx.repeat[i, j]
    start, end = people.obs_start[i], people.obs_end[i]
    span = np.maximum(end - start, 1)
    first = start + np.floor(rng.random(len(i)) * span).astype(np.int64)
    last = np.maximum(first, end - rng.integers(0, recent, len(i)))
    person = np.concatenate([i, i[rep]])
    when = np.concatenate([first, last[rep]])
    drug = np.concatenate([j, j[rep]])
    repeat = np.concatenate([rep, rep[rep]])
    columns = {
        "dmd_code": arrow.labels(meds["dmd_code"].tolist(), drug),
        "bnf_code": arrow.labels(meds["bnf_code"].tolist(), drug),
        "repeat": pa.array(repeat),
    }
    return _dated_rows("medications", ids, person, when, columns)


def _hospital(act, ids) -> pa.Table:
    los = act.los
    end = np.where(act.kind == 0, act.start, act.start + los)
    return arrow.build(
        table("hospital_activity"),
        {
            "patient_id": ids.take(pa.array(act.person)),
            "kind": arrow.labels(list(activity.KINDS), act.kind),
            "start_date": arrow.dates(act.start),
            "end_date": arrow.dates(end, (act.kind != 0) & (los < 0)),
            "los_days": pa.array(los, mask=los < 0),
        },
    )


def _appointments(appts, ids, code) -> pa.Table:
    a = parameters.rates()["appointments"]
    k = len(appts.person)
    return arrow.build(
        table("appointments"),
        {
            "patient_id": ids.take(pa.array(appts.person)),
            "practice_code": pa.array(np.full(k, code, dtype=object), type=pa.string()),
            "date": arrow.dates(appts.when),
            "mode": arrow.labels(a["modes"], appts.mode),
            "staff_role": arrow.labels(a["roles"], appts.role),
            "status": arrow.labels(a["statuses"], appts.status),
        },
    )


def _homes(homes, home_codes, pcn, coords) -> pa.Table:
    p_lat, p_lon, p_pcn = coords
    aligned = care_homes.nearest_pcn(homes.lat, homes.lon, p_lat, p_lon, p_pcn, pcn)
    return arrow.build(
        table("care_homes"),
        {
            "care_home_code": pa.array(home_codes, type=pa.string()),
            "name": pa.array([f"Synthetic Care Home {k:03d}" for k in homes.number], pa.string()),
            "beds": pa.array(homes.beds, type=pa.int64()),
            "lat": pa.array(homes.lat, mask=np.isnan(homes.lat)),
            "lon": pa.array(homes.lon, mask=np.isnan(homes.lon)),
            "aligned_pcn_code": pa.array(list(aligned), type=pa.string()),
        },
    )


def _staff(staff, base: int, *, practice: str | None, pcn: str | None) -> pa.Table:
    k = len(staff["role"])
    return arrow.build(
        table("workforce"),
        {
            "staff_id": pseudonyms("s", base, k),
            "practice_code": pa.array([practice] * k, type=pa.string()),
            "pcn_code": pa.array([pcn] * k, type=pa.string()),
            "role": pa.array(staff["role"], type=pa.string()),
            "fte": pa.array(staff["fte"], type=pa.float64()),
            "age_band": pa.array(staff["age_band"], type=pa.string()),
            "start_date": arrow.dates(staff["start"]),
        },
    )


def _pcn_workforce(frame: pd.DataFrame, seed: int) -> pa.Table:
    parts = [arrow.empty(table("workforce"))]
    sizes = frame.dropna(subset=["pcn_code"]).groupby("pcn_code")["registered_patients"].sum()
    for pcn, size in sizes.sort_index().items():
        rng = np.random.default_rng(
            np.random.SeedSequence(seed, spawn_key=(2**31 - 2, key(pcn) % 2**31))
        )
        staff = workforce.pcn_staff(rng, float(size))
        parts.append(_staff(staff, key(seed, pcn, "pcn-staff"), practice=None, pcn=str(pcn)))
    return pa.concat_tables(parts)
