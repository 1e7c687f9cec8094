"""Derive the synthetic population's calibration targets from the real public files.

Usage: python scripts/build_synth_targets.py [--raw ../shared/data/raw]
Writes src/openpcn/data/synth/targets/*.csv (each with its sources in '#' lines). Besides
build_reference.py this is the only code that reads ../shared; the output is deterministic, so a
re-run on the same files gives an empty diff. The build reads only the files written here:
change one and rebuild, and the population changes with no code change.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "openpcn" / "data" / "synth" / "targets"
DEFAULT_RAW = ROOT.parent / "shared" / "data" / "raw"

QOF = "qof_prevalence_2018-19.csv"
ORGS = "qof_organisation_reference_2018-19.csv"
COVARIATES = "practice_covariates_2019-20_DERIVED.csv"
PCNS = "dorset_pcn_practices_2019_joined_DERIVED.csv"
AGP = "appointments_in_general_practice_dorset_11J_2019-03_2021-08.csv"
SOURCE_QOF = "NHS Digital QOF 2018/19 prevalence (qof_prevalence_2018-19.csv, PREVALENCE_1819_v2)"
DORSET_CCG = "11J"

#: synthetic condition -> QOF group (the shared register contract of issue 17)
GROUPS = {
    "hypertension": "HYP",
    "diabetes": "DM",
    "chd": "CHD",
    "stroke_tia": "STIA",
    "af": "AF",
    "heart_failure": "HF",
    "copd": "COPD",
    "asthma": "AST",
    "ckd": "CKD",
    "depression": "DEP",
    "dementia": "DEM",
    "cancer": "CAN",
    "osteoporosis": "OST",
    "pad": "PAD",
    "epilepsy": "EP",
    "smi": "MH",
    "learning_disability": "LD",
    "rheumatoid_arthritis": "RA",
}
LIST_TYPES = ("TOTAL", "16OV", "17OV", "18OV", "50OV")
MONTHS = pd.period_range("2019-04", "2020-03", freq="M")
CATEGORIES = {
    "APPT_STATUS": {"Attended": "attended", "DNA": "dna", "Unknown": "unknown"},
    "HCP_TYPE": {"GP": "gp", "Other Practice staff": "other_practice_staff", "Unknown": "unknown"},
    "APPT_MODE": {
        "Face-to-Face": "face_to_face",
        "Home Visit": "home_visit",
        "Telephone": "telephone",
        "Video/Online": "video_online",
        "Unknown": "unknown",
    },
}
PREFIX = {"APPT_STATUS": "status", "HCP_TYPE": "hcp", "APPT_MODE": "mode"}


def _write(name: str, header: list[str], frame: pd.DataFrame) -> None:
    text = "".join(f"# {line}\n" for line in header) + frame.to_csv(
        index=False, lineterminator="\n"
    )
    (OUT / name).write_text(text, encoding="utf-8")


def dorset_practices(raw: Path) -> list[str]:
    """Practices commissioned by NHS Dorset CCG (11J) in QOF 2018/19 and those in Dorset PCNs."""
    orgs = pd.read_csv(raw / ORGS, dtype=str)
    ccg = set(orgs.loc[orgs["CCG_CODE"] == DORSET_CCG, "PRACTICE_CODE"])
    pcn = set(pd.read_csv(raw / PCNS, dtype=str)["practice_code"])
    return sorted(ccg | pcn)


def practice_ages(raw: Path, codes: list[str]) -> pd.DataFrame:
    """Per practice: the QOF 2018/19 list-type sizes and the 2019/20 female and 65+ shares."""
    qof = pd.read_csv(raw / QOF, dtype={"REGISTER": "Int64", "PATIENT_LIST_SIZE": "Int64"})
    qof = qof[qof["PRACTICE_CODE"].isin(codes) & qof["PATIENT_LIST_TYPE"].isin(LIST_TYPES)]
    lists = (
        qof.groupby(["PRACTICE_CODE", "PATIENT_LIST_TYPE"])["PATIENT_LIST_SIZE"]
        .max()
        .unstack()
        .reindex(index=codes, columns=list(LIST_TYPES))
    )
    lists.columns = [f"list_{c.lower()}" for c in lists.columns]
    cov = pd.read_csv(raw / COVARIATES, na_values=["NA"]).set_index("PRACTICE_CODE")
    cov = cov.reindex(codes)
    out = lists.astype("Int64")
    out["female_pct"] = cov["PERCENTAGE_FEMALE"].round(2)
    out["over65_pct"] = cov["PERCENTAGE_O65"].round(2)
    out = out.rename_axis("practice_code").reset_index()
    keep = out.drop(columns="practice_code").notna().any(axis=1)
    return out[keep]


def practice_registers(raw: Path, codes: list[str]) -> pd.DataFrame:
    """Per practice and modelled condition: the QOF 2018/19 register and its list size."""
    qof = pd.read_csv(raw / QOF, dtype={"REGISTER": "Int64", "PATIENT_LIST_SIZE": "Int64"})
    to_condition = {g: c for c, g in GROUPS.items()}
    qof = qof[qof["PRACTICE_CODE"].isin(codes) & qof["INDICATOR_GROUP_CODE"].isin(to_condition)]
    out = pd.DataFrame(
        {
            "practice_code": qof["PRACTICE_CODE"],
            "condition": qof["INDICATOR_GROUP_CODE"].map(to_condition),
            "group_code": qof["INDICATOR_GROUP_CODE"],
            "list_type": qof["PATIENT_LIST_TYPE"],
            "register": qof["REGISTER"],
            "list_size": qof["PATIENT_LIST_SIZE"],
        }
    )
    out = out.dropna(subset=["register", "list_size"])
    out = out[out["list_size"] > 0]
    return out.sort_values(["practice_code", "condition"]).reset_index(drop=True)


def england_prevalence(raw: Path) -> pd.DataFrame:
    """England's 2018/19 prevalence per modelled condition: registers over list sizes, summed."""
    qof = pd.read_csv(raw / QOF, dtype={"REGISTER": "Int64", "PATIENT_LIST_SIZE": "Int64"})
    qof = qof.dropna(subset=["REGISTER", "PATIENT_LIST_SIZE"])
    rows = []
    for condition, group in GROUPS.items():
        g = qof[qof["INDICATOR_GROUP_CODE"] == group]
        register, size = int(g["REGISTER"].sum()), int(g["PATIENT_LIST_SIZE"].sum())
        rows.append(
            {
                "condition": condition,
                "group_code": group,
                "list_type": g["PATIENT_LIST_TYPE"].mode().iloc[0],
                "register": register,
                "list_size": size,
                "prevalence_pct": round(100 * register / size, 2),
            }
        )
    return pd.DataFrame(rows)


def appointments(raw: Path, list_size: int) -> pd.DataFrame:
    """NHS Dorset CCG appointments per month, Apr 2019 - Mar 2020, by status, HCP type and mode."""
    agp = pd.read_csv(raw / AGP)
    agp["month"] = pd.to_datetime(agp["Appointment_Month"], format="%b%Y").dt.to_period("M")
    agp = agp[agp["month"].isin(MONTHS)]
    out = pd.DataFrame(index=MONTHS)
    out["appointments"] = agp.groupby("month")["COUNT_OF_APPOINTMENTS"].sum()
    for column, names in CATEGORIES.items():
        counts = agp.groupby(["month", column])["COUNT_OF_APPOINTMENTS"].sum().unstack()
        for raw_name, name in names.items():
            out[f"{PREFIX[column]}_{name}"] = counts[raw_name]
    out = out.fillna(0).astype("int64")
    out.insert(1, "list_size", list_size)
    out.index = [p.start_time.strftime("%Y-%m-%d") for p in out.index]
    return out.rename_axis("month").reset_index()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", type=Path, default=DEFAULT_RAW)
    raw = parser.parse_args().raw
    OUT.mkdir(parents=True, exist_ok=True)
    codes = dorset_practices(raw)
    ages = practice_ages(raw, codes)
    _write(
        "practice_ages.csv",
        [
            "Per practice age-sex targets of the synthetic population",
            "(scripts/build_synth_targets.py).",
            f"list_total..list_50ov: {SOURCE_QOF}, PATIENT_LIST_SIZE of list type",
            "TOTAL, 16OV, 17OV, 18OV, 50OV (patients registered, all ages / aged 16+ / 17+ /",
            "18+ / 50+).",
            f"female_pct, over65_pct: {COVARIATES} (2019/20 publication; PERCENTAGE_FEMALE,",
            "PERCENTAGE_O65 of the list); blank = not published (NA). Practices: NHS Dorset CCG",
            "(11J) in",
            f"{ORGS} and those in {PCNS}.",
        ],
        ages,
    )
    registers = practice_registers(raw, codes)
    _write(
        "practice_registers.csv",
        [
            "Per practice and modelled condition: the QOF 2018/19 register (31 Mar 2019) and",
            "the list size",
            f"of its list type, the denominator of its prevalence. Source: {SOURCE_QOF};",
            "blank registers are left out. Groups: the synthetic condition -> QOF group mapping",
            "of issue 17.",
        ],
        registers,
    )
    _write(
        "england_prevalence.csv",
        [
            f"England 2018/19 register prevalence per modelled condition: {SOURCE_QOF},",
            "REGISTER and PATIENT_LIST_SIZE summed over every practice with a register (blank",
            "ones left out).",
            "conditions.csv prevalence_pct carries these figures.",
        ],
        england_prevalence(raw),
    )
    dorset = ages[ages["practice_code"].isin(_ccg_codes(raw))]
    list_size = int(dorset["list_total"].sum())
    _write(
        "appointments_dorset.csv",
        [
            "NHS Dorset CCG (11J) appointments per month, Apr 2019 - Mar 2020: NHS Digital",
            "Appointments in",
            f"General Practice, CCG monthly file ({AGP}), COUNT_OF_APPOINTMENTS summed",
            "by APPT_STATUS (status_*), HCP_TYPE (hcp_*) and APPT_MODE (mode_*).",
            f"list_size = QOF 2018/19 TOTAL list of the 11J practices ({QOF}), the per 1,000",
            "denominator.",
            "The generator's mapping (rates.toml [appointments]): mode face_to_face =",
            "Face-to-Face + Home",
            "Visit; Video/Online split into video and online by video_online_split",
            "(assumption); HCP_TYPE",
            "Other Practice staff -> nurse/pharmacist/other by other_staff_shares (assumption);",
            "status DNA",
            "-> did_not_attend; every Unknown folded in proportionally to the known categories.",
        ],
        appointments(raw, list_size),
    )


def _ccg_codes(raw: Path) -> set[str]:
    orgs = pd.read_csv(raw / ORGS, dtype=str)
    return set(orgs.loc[orgs["CCG_CODE"] == DORSET_CCG, "PRACTICE_CODE"])


if __name__ == "__main__":
    main()
