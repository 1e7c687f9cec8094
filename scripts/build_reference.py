"""Derive the shipped reference CSVs (src/openpcn/data/reference/) from the raw public files.

    .venv/bin/python scripts/build_reference.py --raw ../shared/data/raw

The only code that reads ../shared. Output is deterministic (sorted rows, fixed float format,
the build date kept while the outputs are unchanged), so a re-run gives an empty diff. The
reconciliation rules are applied here and every case is written to source_conflicts.csv;
PROVENANCE.md records inputs (sha256, repository, commit), row counts and the rules.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import gzip
import hashlib
import io
import math
import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from openpcn.sources import (
    appointments,
    cqc,
    epcn,
    epraccur,
    geocoded,
    gpps,
    imd,
    payments,
    postcodes,
    practice_covariates,
    qof_organisation,
    qof_prevalence,
    workforce_csv,
)
from openpcn.store.schema import ORG_TABLES, PUBLICATION_TABLES, TABLES

OUT = Path(__file__).resolve().parents[1] / "src" / "openpcn" / "data" / "reference"

INPUTS = {
    "epraccur": "epraccur_2019-11.csv",
    "epcn": "ePCN_2019-12.xlsx",
    "pay1920": "nhs_payments_to_general_practice_2019-20.csv",
    "pay1819": "nhs_payments_to_general_practice_2018-19.csv",
    "imd": "gp_practice_imd_score_fingertips_93553.csv",
    "cqc": "cqc_gp_practice_ratings_heec.csv",
    "gpps": "gpps_2019_practice_dorset_11J.csv",
    "workforce": "gp_workforce_2019-09_practice_J81.csv",
    "geocoded": "practices_geocoded_2026-03.json",
    "cp_bh": "codepoint_open_2014-08_bh.csv",
    "cp_dt": "codepoint_open_2014-08_dt.csv",
    "cp_sp": "codepoint_open_2014-08_sp.csv",
    "qof_org": "qof_organisation_reference_2018-19.csv",
    "qof_1718": "qof_prevalence_2017-18.csv",
    "qof_1819": "qof_prevalence_2018-19.csv",
    "qof_map": "qof_indicator_mappings_2018-19.csv",
    "covariates": "practice_covariates_2019-20_DERIVED.csv",
    "appointments": "appointments_in_general_practice_dorset_11J_2019-03_2021-08.csv",
}
# Publication tables large enough to ship gzipped (written with mtime 0: deterministic bytes).
GZIPPED = {"qof_prevalence", "practice_covariates"}

DORSET_CCG = "11J"
ICS_OF = {"11J": "QVV"}  # the only STP/ICS code we hold a source for (FACTS.md)
CUTOFF = dt.date(2019, 4, 1)  # practices closed before FY 2019/20 are dropped
EPCN_SOURCE = "ePCN 2019-12"
EPRACCUR_SOURCE = "epraccur 2019-11"
PAY_SOURCE = "NHS Payments 2019-20"
WORKFORCE_SOURCE = "NHS Digital GP Workforce 2019-09"
WORKFORCE_AS_OF = dt.date(2019, 9, 30)
GPPS_SOURCE = "GP Patient Survey 2019"
CODEPOINT = "Code-Point Open 2014-08"
GEOCODED = "geocoded 2026-03"

# Local authority districts and unitary authorities (codes as used in Code-Point Open 2014-08)
# that hold Dorset practices. Names: ONS Register of Geographic Codes / "Local Authority
# Districts (December 2014) Names and Codes in the United Kingdom", before the 2019 merger into
# Dorset Council and Bournemouth, Christchurch and Poole Council.
DISTRICTS_2014 = {
    "E06000028": "Bournemouth",
    "E06000029": "Poole",
    "E07000048": "Christchurch",
    "E07000049": "East Dorset",
    "E07000050": "North Dorset",
    "E07000051": "Purbeck",
    "E07000052": "West Dorset",
    "E07000053": "Weymouth and Portland",
    "E06000054": "Wiltshire",
    "E07000091": "New Forest",
    "E07000189": "South Somerset",
}

RULES = {
    "pcn_code": (
        "ODS ePCN is the register of record for memberships: the ePCN PCN is kept and the "
        "payments file's PCN recorded as the other value"
    ),
    "status": (
        "kept as a core member with the epraccur status (the orgs rules decide what to say "
        "about a non-active member)"
    ),
    "commissioner_code": (
        "the commissioner in epraccur/ePCN decides, not the J81 code prefix: not a Dorset practice"
    ),
    "prescribing_setting": (
        "ePCN lists it as a core partner, so it is kept as a practice (and member) with its "
        "epraccur details although epraccur does not class it as a GP practice (setting 4)"
    ),
}


# ---------------------------------------------------------------- reading


def _repo_of(sources_md: str) -> dict[str, tuple[str, str]]:
    """file name -> (repository : path, commit) from the SOURCES.md table."""
    found: dict[str, tuple[str, str]] = {}
    for line in sources_md.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 3 or not cells[0].startswith("`"):
            continue
        for name in re.findall(r"`([^`]+)`", cells[0]):
            base = name if "." in name else None
            if base is None:  # "`_dt.csv`" style short names
                continue
            if name.startswith("_"):
                name = "codepoint_open_2014-08" + name
            found[name] = (cells[1], cells[2])
    return found


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ---------------------------------------------------------------- building


def build(raw: Path) -> tuple[dict[str, pd.DataFrame], dict[str, object]]:
    """Every reference table (warehouse columns) and the figures worth printing."""
    src = {key: raw / name for key, name in INPUTS.items()}
    orgs = epraccur.read_all(src["epraccur"])
    gp = orgs[orgs["prescribing_setting"].eq(epraccur.GP_PRACTICE_SETTING).fillna(False)]
    ep = epcn.read(src["epcn"], source=EPCN_SOURCE)
    pay = payments.read(src["pay1920"])
    pay_old = payments.read(src["pay1819"])
    pay_gp = pay[pay["practice_type"].eq("GP practice")]
    members = set(ep.memberships["practice_code"])

    # --- practices: active/dormant GP practices + ePCN partners + payments 2019-20 practices
    in_scope = gp["status"].isin(["active", "dormant"]) | gp["practice_code"].isin(
        members | set(pay_gp["practice_code"])
    )
    extra = orgs[
        orgs["practice_code"].isin(members) & ~orgs["practice_code"].isin(gp["practice_code"])
    ]
    practices = pd.concat([gp[in_scope], extra], ignore_index=True)
    closed_early = practices["close_date"].map(lambda d: d is not None and d < CUTOFF)
    practices = practices[~closed_early.to_numpy(dtype=bool)].copy()
    unknown_members = members - set(practices["practice_code"])
    assert not unknown_members, f"ePCN members missing from practices: {unknown_members}"

    attrs = pd.concat([pay_gp, pay_old]).drop_duplicates("practice_code", keep="first")
    attrs = attrs.set_index("practice_code")
    codes = practices["practice_code"]
    for column in ("rurality", "dispensing", "contract_type"):
        practices[column] = codes.map(attrs[column]).to_numpy()
    practices["imd2019_score"] = codes.map(
        imd.read(src["imd"]).set_index("practice_code")["imd_score"]
    ).to_numpy()

    # --- Dorset: commissioner 11J or a member of an 11J PCN
    pcn_ccg = ep.pcns.set_index("pcn_code")["commissioner_code"]
    dorset_pcns = set(pcn_ccg[pcn_ccg == DORSET_CCG].index)
    dorset_members = set(
        ep.memberships.loc[ep.memberships["pcn_code"].isin(dorset_pcns), "practice_code"]
    )
    is_dorset = practices["commissioner_code"].eq(DORSET_CCG) | codes.isin(dorset_members)

    # --- coordinates
    centroids = pd.concat(
        [postcodes.read(src[k]) for k in ("cp_bh", "cp_dt", "cp_sp")], ignore_index=True
    ).drop_duplicates("postcode")
    by_postcode = centroids.set_index("postcode")
    geo = geocoded.read(src["geocoded"]).set_index("practice_code")
    cp_lat = practices["postcode"].map(by_postcode["lat"])
    cp_lon = practices["postcode"].map(by_postcode["lon"])
    use_cp = is_dorset & cp_lat.notna()
    geo_lat, geo_lon = codes.map(geo["lat"]), codes.map(geo["lon"])
    use_geo = ~use_cp & geo_lat.notna()
    practices["lat"] = np.where(use_cp, cp_lat, np.where(use_geo, geo_lat, np.nan))
    practices["lon"] = np.where(use_cp, cp_lon, np.where(use_geo, geo_lon, np.nan))
    practices["coord_source"] = np.where(use_cp, CODEPOINT, np.where(use_geo, GEOCODED, None))

    practices = practices[TABLES["practices"].column_names]
    known = set(practices["practice_code"])

    # --- commissioners
    names: dict[str, str] = {}
    for frame in (pay, pay_old):
        for code, label in zip(frame["commissioner_code"], frame["commissioner_name"], strict=True):
            if isinstance(label, str):
                names.setdefault(code, label)
    names.update(ep.commissioner_names)  # ePCN names win
    seen = set(practices["commissioner_code"]) | set(ep.pcns["commissioner_code"])
    seen |= set(ep.partners["practice_commissioner_code"].dropna())
    nameless = sorted(c for c in seen if c not in names)
    commissioners = pd.DataFrame(
        {
            "code": sorted(seen),
            "name": [names.get(c, c) for c in sorted(seen)],
            "tier": "CCG",
            "ics_code": [ICS_OF.get(c) for c in sorted(seen)],
        }
    )
    qof_org = qof_organisation.read(src["qof_org"])
    footprints, mapping = stp_of_commissioners(commissioners["code"], practices, qof_org)
    commissioners = commissioners.join(footprints, on="code")

    # --- list sizes
    lists = [
        payments.practice_lists(pay_gp, "2019-20"),
        payments.practice_lists(pay_old[pay_old["practice_type"].eq("GP practice")], "2018-19"),
    ]
    wf = workforce_csv.read(src["workforce"]).dropna(subset=["total_patients"])
    lists.append(
        pd.DataFrame(
            {
                "practice_code": wf["practice_code"],
                "as_of": [WORKFORCE_AS_OF] * len(wf),
                "registered_patients": wf["total_patients"],
                "weighted_patients": np.nan,
                "source": WORKFORCE_SOURCE,
            }
        )
    )
    practice_lists = pd.concat(lists, ignore_index=True)
    dropped_lists = int((~practice_lists["practice_code"].isin(known)).sum())
    practice_lists = practice_lists[practice_lists["practice_code"].isin(known)]

    # --- quality
    ratings = cqc.read(src["cqc"])
    dropped_ratings = int((~ratings["practice_code"].isin(known)).sum())
    ratings = ratings[ratings["practice_code"].isin(known)]
    survey = gpps.read(src["gpps"]).assign(source=GPPS_SOURCE)

    # --- groupings: 2014 local authority district of each Dorset practice's postcode
    dorset = practices[is_dorset.to_numpy(dtype=bool)]
    district = dorset["postcode"].map(by_postcode["district_code"])
    nearest = _nearest_district(dorset[district.isna()], centroids)
    district = district.fillna(nearest)
    unnamed = sorted(set(district.dropna()) - set(DISTRICTS_2014))
    assert not unnamed, f"name these district codes in DISTRICTS_2014: {unnamed}"
    groupings = pd.DataFrame(
        {
            "grouping": "district",
            "group_code": district,
            "group_name": district.map(DISTRICTS_2014),
            "practice_code": dorset["practice_code"],
        }
    ).dropna(subset=["group_code"])

    conflicts = _conflicts(ep, orgs, gp, pay, practices, workforce=wf)

    publications, pub_figures = build_publications(src)

    tables = {
        "commissioners": commissioners,
        "practices": practices,
        "pcns": ep.pcns,
        "memberships": ep.memberships,
        "practice_lists": practice_lists,
        "groupings": groupings,
        "band_exceptions": pd.DataFrame(columns=TABLES["band_exceptions"].column_names),
        "source_conflicts": conflicts,
        "cqc_ratings": ratings,
        "gpps": survey,
        **publications,
    }
    d_members = ep.memberships[ep.memberships["pcn_code"].isin(dorset_pcns)]
    d_pay = pay_gp.set_index("practice_code")["registered_patients"]
    figures = {
        "dorset_pcns": len(dorset_pcns),
        "dorset_member_practices": d_members["practice_code"].nunique(),
        "dorset_registered_payments_2019_20": float(
            d_pay.reindex(d_members["practice_code"]).sum()
        ),
        "dorset_practices_in_scope": int(is_dorset.sum()),
        "dorset_coords": practices.loc[is_dorset.to_numpy(dtype=bool), "coord_source"]
        .value_counts(dropna=False)
        .to_dict(),
        "district_by_nearest_centroid": dict(
            zip(practices.loc[nearest.index, "practice_code"], nearest, strict=True)
        ),
        "england_practices": len(practices),
        "practices_by_status": practices["status"].value_counts().to_dict(),
        "non_gp_partners_kept": sorted(extra["practice_code"]),
        "payments_non_gp_rows_excluded": int((~pay["practice_type"].eq("GP practice")).sum()),
        "list_rows_dropped_unknown_practice": dropped_lists,
        "cqc_rows_dropped_unknown_practice": dropped_ratings,
        "commissioners_without_a_name": nameless,
        **mapping,
        "conflicts_by_field": conflicts["field"].value_counts().to_dict(),
        **pub_figures,
    }
    return tables, figures


DORSET_QOF = ("J81", "Y03661")  # Dorset CCG's practices in QOF 2018/19 (SOURCES.md)
QOF_1718_GROUPS_SOURCE = (
    "NHS Digital QOF 2017/18 raw prevalence (groups and list types seen in it); descriptions "
    "from the QOF 2018/19 indicator mappings"
)


def build_publications(src: dict[str, Path]) -> tuple[dict[str, pd.DataFrame], dict[str, object]]:
    """QOF prevalence (2017/18, 2018/19), groups, organisations; covariates; Dorset AGP."""
    prev_1718, _ = qof_prevalence.read(src["qof_1718"], "2017/18")
    prev_1819, _ = qof_prevalence.read(src["qof_1819"], "2018/19")
    groups_1819 = qof_prevalence.read_groups(src["qof_map"], "2018/19")
    seen = prev_1718.drop_duplicates("group_code")[["group_code", "list_type"]]
    described = groups_1819.set_index("group_code")["description"]
    missing = sorted(set(seen["group_code"]) - set(described.index))
    assert not missing, f"2017/18 groups without a 2018/19 description: {missing}"
    groups_1718 = seen.assign(
        year="2017/18",
        description=seen["group_code"].map(described),
        source=QOF_1718_GROUPS_SOURCE,
    )
    covariates, _ = practice_covariates.read(src["covariates"], "2019/20")
    appts, _ = appointments.read(src["appointments"])
    tables = {
        "qof_prevalence": pd.concat([prev_1718, prev_1819], ignore_index=True),
        "qof_groups": pd.concat([groups_1718, groups_1819], ignore_index=True),
        "qof_practices": qof_organisation.read_practices(src["qof_org"], "2018/19"),
        "practice_covariates": covariates,
        "appointments_published": appts,
    }
    return tables, publication_figures(tables)


def publication_figures(tables: dict[str, pd.DataFrame]) -> dict[str, object]:
    """The figures SOURCES.md quotes, recomputed from the shipped tables."""
    prev = tables["qof_prevalence"]
    # Prevalence over the practices that published a register (a blank register's list is
    # not in the denominator): England HYP 13.98%, as SOURCES.md and NHS Digital (14.0%) give.
    published = prev[prev["register"].notna()]
    hyp = published[(published["year"] == "2018/19") & (published["group_code"] == "HYP")]
    dorset = hyp[hyp["practice_code"].str.startswith(DORSET_QOF)]
    appts = tables["appointments_published"]
    may = appts[appts["month"] == dt.date(2019, 5, 1)]
    return {
        "qof_england_hyp_2018_19_pct": round(
            100 * hyp["register"].sum() / hyp["list_size"].sum(), 2
        ),
        "qof_dorset_hyp_2018_19_pct": round(
            100 * dorset["register"].sum() / dorset["list_size"].sum(), 2
        ),
        "qof_dorset_practices_2018_19": dorset["practice_code"].nunique(),
        "qof_registers_not_published": {
            year: int(group["register"].isna().sum()) for year, group in prev.groupby("year")
        },
        "qof_registers_above_their_list": [
            f"{r.year} {r.practice_code} {r.group_code}"
            for r in prev[prev["register"] > prev["list_size"]].itertuples()
        ],
        "appointments_dorset_2019_05": int(may["count"].sum()),
        "appointments_dorset_2019_05_face_to_face": int(
            may.loc[may["mode"] == "face_to_face", "count"].sum()
        ),
        "covariates_practices": len(tables["practice_covariates"]),
        "covariates_without_age_sex_mix": int(
            tables["practice_covariates"]["over65_pct"].isna().sum()
        ),
    }


STP_COLUMNS = ["stp_code", "stp_name", "region_code", "region_name"]


def stp_of_commissioners(
    codes: Iterable[str], practices: pd.DataFrame, qof_org: pd.DataFrame
) -> tuple[pd.DataFrame, dict[str, object]]:
    """Each commissioner's STP and NHS region (index code), and the figures of how it was found.

    The QOF file is 2018/19 and the commissioners 2019/20, so a CCG the file does not name
    (e.g. one formed by an April 2019 merger) takes the STP of most of its practices found in
    the file by practice code (ties: the lowest STP code); with none found it stays empty.
    """
    footprint = qof_org.drop_duplicates("stp_code").set_index("stp_code")[STP_COLUMNS[1:]]
    direct = qof_org.drop_duplicates("commissioner_code").set_index("commissioner_code")
    ccg_stps = qof_org.groupby("commissioner_code")["stp_code"].nunique()
    assert (ccg_stps == 1).all(), f"CCGs in more than one STP: {list(ccg_stps[ccg_stps > 1].index)}"
    found = practices[["practice_code", "commissioner_code"]].merge(
        qof_org[["practice_code", "stp_code"]], on="practice_code"
    )
    counts = found.groupby(["commissioner_code", "stp_code"]).size().rename("n").reset_index()
    spanning = {
        code: dict(zip(group["stp_code"], group["n"].astype(int), strict=True))
        for code, group in counts.groupby("commissioner_code")
        if len(group) > 1
    }
    by_practices = counts.sort_values(
        ["commissioner_code", "n", "stp_code"], ascending=[True, False, True]
    ).drop_duplicates("commissioner_code")
    majority = by_practices.set_index("commissioner_code")["stp_code"]
    rows, via_practices, unmapped = [], [], []
    for code in sorted(codes):
        if code in direct.index:
            stp = direct.loc[code, "stp_code"]
        elif code in majority.index:
            stp = majority[code]
            via_practices.append(code)
        else:
            stp = None
            unmapped.append(code)
        values = [stp, *footprint.loc[stp]] if stp is not None else [None] * len(STP_COLUMNS)
        rows.append([code, *values])
    frame = pd.DataFrame(rows, columns=["code", *STP_COLUMNS]).set_index("code")
    mapped = frame.dropna(subset=["stp_code"])
    figures = {
        "stps": mapped["stp_code"].nunique(),
        "regions": mapped["region_code"].nunique(),
        "commissioners_stp_from_qof_ccg_code": len(frame) - len(via_practices) - len(unmapped),
        "commissioners_stp_from_practices": via_practices,
        "commissioners_practices_span_stps": spanning,
        "commissioners_without_an_stp": unmapped,
    }
    return frame, figures


def _nearest_district(practices: pd.DataFrame, centroids: pd.DataFrame) -> pd.Series:
    """District of the nearest Code-Point centroid, for postcodes newer than the 2014 file."""
    out = {}
    for index, lat, lon in zip(practices.index, practices["lat"], practices["lon"], strict=True):
        if pd.isna(lat):
            continue
        dist = (centroids["lat"] - lat) ** 2 + (
            (centroids["lon"] - lon) * math.cos(math.radians(lat))
        ) ** 2
        out[index] = centroids["district_code"].iloc[int(np.nanargmin(dist.to_numpy()))]
    return pd.Series(out, dtype="object")


def _conflicts(
    ep: epcn.Epcn,
    orgs: pd.DataFrame,
    gp: pd.DataFrame,
    pay: pd.DataFrame,
    practices: pd.DataFrame,
    *,
    workforce: pd.DataFrame,
) -> pd.DataFrame:
    rows: list[dict[str, object]] = []
    member_pcn = ep.memberships.set_index("practice_code")["pcn_code"]
    pay_pcn = pay.set_index("practice_code")["pcn_code"]
    for code in sorted(set(member_pcn.index) | set(pay_pcn.dropna().index)):
        ours = member_pcn.get(code)
        theirs = pay_pcn.get(code)
        theirs = None if theirs is None or pd.isna(theirs) else theirs
        if code in pay_pcn.index and ours != theirs:
            rows.append(
                {
                    "subject_code": code,
                    "field": "pcn_code",
                    "chosen_value": ours,
                    "chosen_source": EPCN_SOURCE,
                    "other_value": theirs if theirs is not None else payments.NO_PCN,
                    "other_source": PAY_SOURCE,
                    "rule": RULES["pcn_code"],
                }
            )
    status = practices.set_index("practice_code")["status"]
    registered = pay.set_index("practice_code")["registered_patients"]
    for code in sorted(member_pcn.index):
        if status.get(code, "active") != "active":
            patients = registered.get(code)
            other = f"core member of {member_pcn[code]}"
            if patients is not None and not pd.isna(patients):
                other += f" with {patients:,.0f} registered patients in {PAY_SOURCE}"
            rows.append(
                {
                    "subject_code": code,
                    "field": "status",
                    "chosen_value": status[code],
                    "chosen_source": EPRACCUR_SOURCE,
                    "other_value": other,
                    "other_source": f"{EPCN_SOURCE}; {PAY_SOURCE}",
                    "rule": RULES["status"],
                }
            )
    setting = orgs.set_index("practice_code")["prescribing_setting"]
    for code in sorted(set(member_pcn.index) - set(gp["practice_code"])):
        rows.append(
            {
                "subject_code": code,
                "field": "prescribing_setting",
                "chosen_value": f"core member of {member_pcn[code]}",
                "chosen_source": EPCN_SOURCE,
                "other_value": f"prescribing setting {setting.get(code)}",
                "other_source": EPRACCUR_SOURCE,
                "rule": RULES["prescribing_setting"],
            }
        )
    # J81xxx codes are Dorset's series; a practice with one that another commissioner holds.
    commissioner = practices.set_index("practice_code")["commissioner_code"]
    in_workforce = set(workforce["practice_code"])
    for code in sorted(c for c in commissioner.index if c.startswith("J81")):
        if commissioner[code] != DORSET_CCG and code in in_workforce:
            rows.append(
                {
                    "subject_code": code,
                    "field": "commissioner_code",
                    "chosen_value": commissioner[code],
                    "chosen_source": f"{EPRACCUR_SOURCE}; {EPCN_SOURCE}",
                    "other_value": DORSET_CCG,
                    "other_source": f"J81 code prefix; {WORKFORCE_SOURCE} (J81 extract)",
                    "rule": RULES["commissioner_code"],
                }
            )
    return pd.DataFrame(rows, columns=TABLES["source_conflicts"].column_names)


# ---------------------------------------------------------------- writing


def _text(value: object, dtype: str) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if dtype == "date":
        return value.isoformat() if isinstance(value, dt.date) else str(value)
    if dtype == "boolean":
        return "true" if bool(value) else "false"
    if dtype == "float64":
        number = round(float(value), 6)
        return f"{number:.12g}"
    if dtype == "int64":
        return str(int(value))
    return str(value)


def to_csv(name: str, frame: pd.DataFrame) -> str:
    """The table as CSV text: schema columns, sorted by key (then all columns), fixed formats."""
    spec = TABLES[name]
    rows = [
        [_text(v, c.dtype) for v, c in zip(values, spec.columns, strict=True)]
        for values in frame[spec.column_names].itertuples(index=False, name=None)
    ]
    key = [spec.column_names.index(k) for k in spec.key] if spec.key else []
    rows.sort(key=lambda r: ([r[i] for i in key], r))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(spec.column_names)
    writer.writerows(rows)
    return buffer.getvalue()


def file_name(name: str) -> str:
    return f"{name}.csv.gz" if name in GZIPPED else f"{name}.csv"


def write_output(folder: Path, name: str, text: str) -> None:
    """The CSV, gzipped for the large tables with a fixed header (mtime 0, no file name), so
    the same text always gives the same bytes and a re-run leaves git clean."""
    data = text.encode("utf-8")
    target = folder / file_name(name)
    if name in GZIPPED:
        buffer = io.BytesIO()
        with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0, compresslevel=9) as gz:
            gz.write(data)
        data = buffer.getvalue()
    if not target.exists() or target.read_bytes() != data:
        target.write_bytes(data)


def provenance(raw: Path, texts: dict[str, str], figures: dict[str, object], built: str) -> str:
    sources = _repo_of((raw / "SOURCES.md").read_text(encoding="utf-8"))
    lines = [
        "# Provenance of the shipped reference data",
        "",
        "Derived by `scripts/build_reference.py --raw ../shared/data/raw` from public NHS / ONS /",
        "OS open data (Open Government Licence; OS OpenData). Do not edit the CSVs by hand:",
        "change the script and re-run it (the output is deterministic).",
        "",
        f"Build date: {built}",
        "",
        "## Raw inputs",
        "",
        "| file | sha256 | source repository : path | commit |",
        "|---|---|---|---|",
    ]
    for name in sorted(INPUTS.values()):
        repo, commit = sources.get(name, ("?", "?"))
        lines.append(f"| `{name}` | `{sha256(raw / name)}` | {repo} | {commit} |")
    lines += [
        "",
        "## Outputs",
        "",
        "| file | rows | sha256 | derived from |",
        "|---|---|---|---|",
    ]
    for spec in (*ORG_TABLES, *PUBLICATION_TABLES):
        text = texts[spec.name]
        digest = hashlib.sha256(text.encode()).hexdigest()
        rows = text.count("\n") - 1
        lines.append(f"| `{file_name(spec.name)}` | {rows} | `{digest}` | {DERIVED[spec.name]} |")
    lines += [
        "",
        "The sha256 of a `.csv.gz` output is that of its CSV text (uncompressed).",
        "",
        "## Rules",
        "",
        *RULE_TEXT,
        "",
        "## Figures at build time",
        "",
    ]
    for key, value in figures.items():
        lines.append(f"- {key}: {value}")
    return "\n".join(lines) + "\n"


DERIVED = {
    "commissioners": "every CCG in ePCN (PCN and practice parents) and of every practice; names "
    "from ePCN, else payments; tier CCG; ics_code QVV for 11J only; STP and NHS region from the "
    "QOF 2018/19 organisation reference (rule below)",
    "practices": "epraccur 2019-11 setting 4 (active/dormant, or in ePCN/payments 2019-20), ePCN "
    "partners; payments 2019-20 (else 2018-19) attributes; Fingertips IMD 2019; coordinates",
    "pcns": "ePCN 2019-12 PCN Details",
    "memberships": "ePCN 2019-12 PCN Core Partner Details",
    "practice_lists": "payments 2019-20 (as_of 2020-01-01), 2018-19 (as_of 2019-01-01); GP "
    "workforce 2019-09 TOTAL_PATIENTS (as_of 2019-09-30, J81 extract)",
    "groupings": "Code-Point Open 2014-08 Admin_district_code of Dorset practices' postcodes",
    "band_exceptions": "none documented (header only)",
    "source_conflicts": "the reconciliation rules below",
    "cqc_ratings": "CQC overall ratings via HEEC (practice-coded rows; year only, rating_date "
    "empty)",
    "gpps": "GPPS 2019 Dorset extract (overall_good, appointment_good)",
    "qof_prevalence": "QOF raw prevalence 2017/18 and 2018/19, national, every row (blank "
    "registers kept, empty)",
    "qof_groups": "2018/19: the indicator mappings, one row per group; 2017/18: the groups and "
    "list types seen in the 2017/18 prevalence file, with the 2018/19 descriptions",
    "qof_practices": "QOF 2018/19 organisation reference (practice -> CCG -> STP -> region)",
    "practice_covariates": "practice covariates extract 2019/20, national (NA -> empty)",
    "appointments_published": "Appointments in General Practice, NHS Dorset CCG (11J) monthly, "
    "Mar 2019 - Aug 2021 (level ccg)",
}

RULE_TEXT = [
    "- **Scope of practices**: epraccur (Nov 2019) GP practices (prescribing setting 4) that are",
    "  active or dormant, plus any in ePCN Dec 2019 or in payments 2019-20; those closed before",
    '  2019-04-01 are dropped. Payments rows whose Practice Type is not "GP practice" (walk-in',
    "  and out-of-hours centres, 0 patients) are left out of practices and practice_lists. ePCN",
    "  core partners that epraccur does not class as setting 4 are kept (source_conflicts,",
    "  field prescribing_setting).",
    "- **Memberships**: ODS ePCN is the register of record, so ePCN wins over the PCN in",
    "  payments 2019-20 (e.g. J81609). Every practice where the two differ is recorded (field",
    '  pcn_code), including payments\' "Unknown or no PCN"; names differing are not conflicts.',
    "- **Dormant members**: a practice dormant in epraccur but a core member in ePCN (e.g.",
    "  J81031, Blandford PCN, 8,650 patients in payments) stays a member with status dormant;",
    "  each is recorded (field status).",
    "- **Commissioner decides Dorset**: J81083 (Sixpenny Handley) has a J81 code but epraccur",
    "  and ePCN give commissioner 99N (Wiltshire) and a Wiltshire PCN: not a Dorset practice",
    "  (field commissioner_code).",
    "- **Coordinates**: Dorset practices (commissioner 11J or in an 11J PCN) from the Code-Point",
    "  Open 2014-08 centroid of their epraccur postcode (EPSG:27700 -> WGS84 with pyproj, no",
    "  grid shift), else practices_geocoded 2026-03 by ODS code; every other practice from",
    "  practices_geocoded by ODS code; else empty.",
    "- **Districts** (groupings, grouping=district): Code-Point Open's Admin_district_code of the",
    "  postcode; postcodes newer than Aug 2014 take the district of the nearest 2014 centroid.",
    "  Names are the December 2014 ONS names (before the 2019 Dorset / BCP reorganisation).",
    "- **Lists**: payments as the last known figure (fractions are averages and kept);",
    '  workforce TOTAL_PATIENTS "ND" rows are skipped.',
    "- **CQC**: rows coded NA or with 9-character site codes are skipped; only ratings of",
    "  practices in practices.csv are kept. HEEC gives the year a rating was issued, not the",
    "  day, so rating_date is empty (an import of CQC's own ratings file fills it).",
    '- **GPPS**: "NA" values (not published) are skipped; responses are empty (the extract has',
    "  none).",
    "- **STP and region** (commissioners stp_code, stp_name, region_code, region_name): from the",
    "  QOF 2018/19 organisation reference (practice -> CCG -> STP -> region). A CCG named there",
    "  takes its STP (ONS E54 code) and region (e.g. Y56) directly. The file is 2018/19 and the",
    "  commissioners 2019/20, so a CCG it does not name (one formed by an April 2019 merger) takes",
    "  the STP of the majority, by count, of its practices (practices.csv commissioner_code) found",
    "  in the file by practice code, ties to the lowest STP code; with none found the columns stay",
    "  empty (never guessed). The figures below list the CCGs mapped through their practices,",
    "  those whose practices span more than one STP, and those left without an STP. The v2 file",
    "  already names the CCGs formed in April 2019 (e.g. 15N NHS Devon CCG, from 99P and 99Q),",
    "  so in this build every CCG is mapped directly and the practice rule is a guard only.",
    "- **QOF prevalence**: read by `openpcn.sources.qof_prevalence` (the importer's reader), one",
    "  row per practice and group as published. A blank REGISTER is kept with an empty register",
    "  (not published); a register above its list (2018/19 Y05750 LD) is kept as published. The",
    "  year is the QOF year of the file (2017/18: registers at 31 March 2018).",
    "- **QOF groups 2017/18**: no 2017/18 mappings file is held, so 2017/18's groups are those",
    "  its prevalence file names, with the list type it gives them and the 2018/19 description",
    "  (the `source` column says so).",
    "- **Covariates**: `NA` is not published (empty); REGION_NAME is not kept.",
    "- **Appointments**: category text mapped to the schema codes by",
    "  `openpcn.sources.appointments.CATEGORIES` (e.g. `15  to 21 Days` -> 15_21_days,",
    "  `Unknown / Data Issue` -> unknown); months MAR2019 -> 2019-03-01; level ccg, org 11J.",
]


def _previous_build_date(path: Path, texts: dict[str, str]) -> str | None:
    """Keep the recorded build date while every output is byte-identical (reproducible diffs)."""
    if not path.exists():
        return None
    old = path.read_text(encoding="utf-8")
    for text in texts.values():
        if hashlib.sha256(text.encode()).hexdigest() not in old:
            return None
    found = re.search(r"^Build date: (\S+)$", old, re.MULTILINE)
    return found.group(1) if found else None


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", type=Path, required=True, help="folder of the raw public files")
    parser.add_argument("--out", type=Path, default=OUT, help="where to write the CSVs")
    args = parser.parse_args(list(argv) if argv is not None else None)
    tables, figures = build(args.raw)
    texts = {name: to_csv(name, frame) for name, frame in tables.items()}
    args.out.mkdir(parents=True, exist_ok=True)
    target = args.out / "PROVENANCE.md"
    built = _previous_build_date(target, texts) or dt.date.today().isoformat()
    for name, text in texts.items():
        write_output(args.out, name, text)
    target.write_text(provenance(args.raw, texts, figures, built), encoding="utf-8")
    for key, value in figures.items():
        print(f"{key}: {value}")
    ok = (
        figures["dorset_pcns"] == 18
        and figures["dorset_member_practices"] == 81
        and 805_000 <= float(figures["dorset_registered_payments_2019_20"]) <= 807_000
    )
    ok = ok and (
        figures["qof_england_hyp_2018_19_pct"] == 13.98
        and figures["qof_dorset_hyp_2018_19_pct"] == 15.87
        and figures["appointments_dorset_2019_05"] == 371_991
        and figures["appointments_dorset_2019_05_face_to_face"] == 305_102
    )
    print(
        "sanity (18 PCNs, 81 practices, 805-807k patients; HYP 13.98% / 15.87%; May 2019 "
        "371,991 appointments, 305,102 face to face):",
        "OK" if ok else "FAILED",
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
