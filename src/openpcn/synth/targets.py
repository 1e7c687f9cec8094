"""What each practice's synthetic list is calibrated to: the data files under data/synth/targets.

The files are derived from the real publications by scripts/build_synth_targets.py, each with its
sources; the generator reads only them, so changing a target and rebuilding changes the
population with no code change. A practice absent from a file keeps the national shape.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field
from functools import cache

import pandas as pd

from openpcn.synth import parameters

#: the QOF list types' youngest ages (the shared register contract of issue 17)
LIST_MIN_AGE = {"TOTAL": 0, "16OV": 16, "17OV": 17, "18OV": 18, "50OV": 50}


@dataclass(frozen=True)
class Register:
    """A practice's published register of one condition and the list size it is a rate of."""

    register: int
    list_size: int
    list_type: str

    @property
    def rate(self) -> float:
        return self.register / self.list_size

    @property
    def min_age(self) -> int:
        return LIST_MIN_AGE[self.list_type]


@dataclass(frozen=True)
class PracticeTargets:
    """One practice's targets; None or absent = not published, keep the national figure."""

    over65: float | None = None  # share of the list aged 65+
    female: float | None = None  # share of the list female
    #: share of the list at least this old (16, 17, 18, 50) from the QOF list-type sizes
    at_least: dict[int, float] = field(default_factory=dict)
    registers: dict[str, Register] = field(default_factory=dict)


def _read(name: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(parameters.text(f"targets/{name}")), comment="#")


def _share(value: object) -> float | None:
    number = pd.to_numeric(value, errors="coerce")
    return None if pd.isna(number) else float(number) / 100


@cache
def practices() -> dict[str, PracticeTargets]:
    """Every practice with a target in targets/practice_ages.csv or practice_registers.csv."""
    ages = _read("practice_ages.csv").set_index("practice_code")
    regs = _read("practice_registers.csv")
    codes = sorted(set(ages.index) | set(regs["practice_code"]))
    by_code = {c: g for c, g in regs.groupby("practice_code")}
    out = {}
    for code in codes:
        at_least: dict[int, float] = {}
        over65 = female = None
        if code in ages.index:
            row = ages.loc[code]
            over65, female = _share(row["over65_pct"]), _share(row["female_pct"])
            total = pd.to_numeric(row["list_total"], errors="coerce")
            for age in (16, 17, 18, 50):
                size = pd.to_numeric(row[f"list_{age}ov"], errors="coerce")
                if not pd.isna(total) and total > 0 and not pd.isna(size):
                    at_least[age] = min(1.0, float(size) / float(total))
        registers = {}
        if code in by_code:
            for r in by_code[code].itertuples(index=False):
                if r.list_size > 0 and r.list_type in LIST_MIN_AGE:
                    registers[r.condition] = Register(
                        int(r.register), int(r.list_size), str(r.list_type)
                    )
        out[str(code)] = PracticeTargets(over65, female, at_least, registers)
    return out


def for_practice(code: str) -> PracticeTargets:
    """A practice's targets (empty when none are published)."""
    return practices().get(code, PracticeTargets())


def england_prevalence() -> pd.DataFrame:
    """England's 2018/19 prevalence per modelled condition (targets/england_prevalence.csv)."""
    return _read("england_prevalence.csv")


@cache
def appointments() -> pd.DataFrame:
    """NHS Dorset CCG appointments per month Apr 2019 - Mar 2020 by status, HCP type and mode."""
    frame = _read("appointments_dorset.csv")
    frame["month"] = pd.to_datetime(frame["month"])
    return frame


def is_known(value: float | None) -> bool:
    return value is not None and not math.isnan(value)
