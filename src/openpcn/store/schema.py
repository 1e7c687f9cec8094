"""Every warehouse table, its columns and their meaning: the one place the layout is defined.

Organisation tables come from the shipped reference data (or an import of the published
files); patient-level tables come from `synth/` or from an extract loaded through `sources/`.
Column types are Ibis type names so the same definition serves DuckDB and Spark.
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis
import ibis.expr.schema as sch
import pyarrow as pa

# The Arrow type each column type is written as (synthetic tables, imports, Parquet extracts).
ARROW_TYPES: dict[str, pa.DataType] = {
    "string": pa.string(),
    "date": pa.date32(),
    "float64": pa.float64(),
    "int64": pa.int64(),
    "boolean": pa.bool_(),
}


@dataclass(frozen=True)
class Column:
    name: str
    dtype: str  # an Ibis type name: string, date, float64, int64, boolean
    nullable: bool = False
    doc: str = ""


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    patient_level: bool = False
    doc: str = ""

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def ibis_schema(self) -> sch.Schema:
        return ibis.schema(
            {c.name: ibis.dtype(c.dtype).copy(nullable=c.nullable) for c in self.columns}
        )

    def arrow_schema(self) -> pa.Schema:
        return pa.schema(
            [pa.field(c.name, ARROW_TYPES[c.dtype], nullable=c.nullable) for c in self.columns]
        )


def _t(name: str, doc: str, key: tuple[str, ...], *cols: Column, patient: bool = False) -> Table:
    return Table(name=name, columns=cols, key=key, patient_level=patient, doc=doc)


C = Column

ORG_TABLES: tuple[Table, ...] = (
    _t(
        "commissioners",
        "Commissioning footprints (CCG in 2019, sub-ICB later); an ICS is asked for by this code.",
        ("code",),
        C("code", "string", doc="ODS code, e.g. 11J"),
        C("name", "string"),
        C("tier", "string", doc="label only: CCG, sub-ICB location, ICB"),
        C("ics_code", "string", True, doc="STP/ICS code where known, e.g. QVV"),
        C("stp_code", "string", True, doc="ONS code of the 2019 STP (ICS footprint): E54000041"),
        C("stp_name", "string", True, doc="e.g. Dorset STP"),
        C("region_code", "string", True, doc="NHS England region, e.g. Y58"),
        C("region_name", "string", True, doc="e.g. South West"),
    ),
    _t(
        "practices",
        "GP practices (epraccur prescribing setting 4), with the attributes the product uses.",
        ("practice_code",),
        C("practice_code", "string", doc="ODS code, letter + 5 digits, e.g. J81002"),
        C("name", "string"),
        C("postcode", "string", True),
        C("commissioner_code", "string", doc="commissioner in epraccur"),
        C("status", "string", doc="active | dormant | closed | proposed (epraccur A/D/C/P)"),
        C("open_date", "date", True),
        C("close_date", "date", True),
        C("rurality", "string", True, doc="Urban | Rural (payments file)"),
        C("dispensing", "boolean", True),
        C("contract_type", "string", True, doc="GMS | PMS | APMS"),
        C("lat", "float64", True),
        C("lon", "float64", True),
        C("coord_source", "string", True),
        C("imd2019_score", "float64", True, doc="Fingertips 93553, IMD 2019"),
    ),
    _t(
        "pcns",
        "Primary Care Networks from the ePCN file.",
        ("pcn_code",),
        C("pcn_code", "string", doc="U + 5 digits"),
        C("name", "string"),
        C("commissioner_code", "string", doc="the PCN's parent (lead) commissioner"),
        C("open_date", "date", True),
        C("close_date", "date", True),
        C("postcode", "string", True),
    ),
    _t(
        "memberships",
        "Dated practice -> PCN core membership; end_date null means still open.",
        ("practice_code", "pcn_code", "start_date"),
        C("practice_code", "string"),
        C("pcn_code", "string"),
        C("start_date", "date"),
        C("end_date", "date", True),
        C("source", "string"),
    ),
    _t(
        "practice_lists",
        "List sizes per practice at a date; weighted = Carr-Hill weighted list.",
        ("practice_code", "as_of", "source"),
        C("practice_code", "string"),
        C("as_of", "date"),
        C("registered_patients", "float64"),
        C("weighted_patients", "float64", True),
        C("source", "string"),
    ),
    _t(
        "groupings",
        "Custom groupings of practices (e.g. localities) alongside the PCN hierarchy.",
        ("grouping", "practice_code"),
        C("grouping", "string", doc="kind of grouping, e.g. locality"),
        C("group_code", "string"),
        C("group_name", "string"),
        C("practice_code", "string"),
    ),
    _t(
        "band_exceptions",
        "PCNs allowed outside the size band, with the reason (e.g. rural, single large practice).",
        ("pcn_code", "start_date"),
        C("pcn_code", "string"),
        C("reason", "string"),
        C("start_date", "date"),
        C("end_date", "date", True),
    ),
    _t(
        "source_conflicts",
        "Where published sources disagree, what each says and which rule chose the value.",
        ("subject_code", "field"),
        C("subject_code", "string"),
        C("field", "string"),
        C("chosen_value", "string", True),
        C("chosen_source", "string"),
        C("other_value", "string", True),
        C("other_source", "string"),
        C("rule", "string"),
    ),
    _t(
        "cqc_ratings",
        "CQC overall ratings per practice with the year (and, where known, the day) published.",
        ("practice_code", "rating_year"),
        C("practice_code", "string"),
        C("rating", "string", doc="Outstanding | Good | Requires improvement | Inadequate"),
        C("rating_year", "int64"),
        C("source", "string"),
        C(
            "rating_date",
            "date",
            True,
            doc="publication date where the file gives it (CQC layout); empty for year-only rows",
        ),
    ),
    _t(
        "gpps",
        "GP Patient Survey practice results: percentage and, where published, the responses.",
        ("practice_code", "year", "measure"),
        C("practice_code", "string"),
        C("year", "int64"),
        C("measure", "string", doc="overall_good | appointment_good"),
        C("value_pct", "float64"),
        C("responses", "int64", True),
        C("source", "string"),
    ),
)

# Published statistics (QOF, practice covariates, Appointments in General Practice): each
# names its publication year or month, so several years sit side by side.
PUBLICATION_TABLES: tuple[Table, ...] = (
    _t(
        "qof_prevalence",
        "QOF disease registers per practice and year, with the list the register is a share of.",
        ("practice_code", "year", "group_code"),
        C("practice_code", "string"),
        C("year", "string", doc="QOF year, e.g. 2018/19 (registers at 31 March 2019)"),
        C("group_code", "string", doc="QOF indicator group, e.g. HYP, DM, COPD"),
        C("register", "int64", True, doc="patients on the register; null where not published"),
        C("list_type", "string", doc="the denominator's list: TOTAL, 16OV, 17OV, 18OV, 50OV ..."),
        C("list_size", "int64", True, doc="patients in that list (the prevalence denominator)"),
        C("source", "string"),
    ),
    _t(
        "qof_groups",
        "QOF indicator groups per year: what a group code means and its denominator list type.",
        ("year", "group_code"),
        C("year", "string"),
        C("group_code", "string"),
        C("description", "string", doc="e.g. Hypertension"),
        C("list_type", "string", doc="e.g. TOTAL, 17OV"),
        C("source", "string"),
    ),
    _t(
        "qof_practices",
        "The QOF organisation reference: each practice's CCG, STP and region in a QOF year.",
        ("year", "practice_code"),
        C("year", "string"),
        C("practice_code", "string"),
        C("practice_name", "string", True),
        C("ccg_code", "string", True),
        C("stp_code", "string", True, doc="ONS code, e.g. E54000041"),
        C("region_code", "string", True),
        C("source", "string"),
    ),
    _t(
        "practice_covariates",
        "Practice characteristics of a year: list, QOF achievement, IT supplier, age and sex mix.",
        ("practice_code", "year"),
        C("practice_code", "string"),
        C("year", "string", doc="financial year, e.g. 2019/20"),
        C("list_size", "int64", True),
        C("qof_achievement_pct", "float64", True, doc="% of QOF points achieved"),
        C("system_supplier", "string", True, doc="GP IT system, e.g. EMIS, SYSTMONE"),
        C("imd_score", "float64", True),
        C("female_pct", "float64", True, doc="% of the list female"),
        C("over65_pct", "float64", True, doc="% of the list aged 65 or over"),
        C("source", "string"),
    ),
    _t(
        "appointments_published",
        "Appointments in General Practice (NHS Digital): counts per month, organisation and kind.",
        ("month", "level", "org_code", "status", "hcp_type", "mode", "lead_time"),
        C("month", "date", doc="first day of the month"),
        C("level", "string", doc="ccg | pcn | practice"),
        C("org_code", "string", doc="e.g. 11J, U14261, J81002"),
        C("org_name", "string", True),
        C("status", "string", doc="attended | dna | unknown"),
        C("hcp_type", "string", doc="gp | other_practice_staff | unknown"),
        C("mode", "string", doc="face_to_face | home_visit | telephone | video_online | unknown"),
        C(
            "lead_time",
            "string",
            doc="same_day | 1_day | 2_7_days | 8_14_days | 15_21_days | 22_28_days | "
            "over_28_days | unknown (time between booking and appointment)",
        ),
        C("count", "int64"),
        C("source", "string"),
    ),
)

PATIENT_TABLES: tuple[Table, ...] = (
    _t(
        "patients",
        "One row per registered person; ids are pseudonymous and never NHS numbers.",
        ("patient_id",),
        C("patient_id", "string"),
        C("practice_code", "string"),
        C("sex", "string", doc="F | M"),
        C("birth_month", "date", doc="first day of the birth month"),
        C("imd_decile", "int64", True, doc="1 = most deprived"),
        C("ethnicity_group", "string", doc="White | Asian | Black | Mixed | Other | Unknown"),
        C("care_home_code", "string", True),
        C("registration_date", "date"),
        C("deregistration_date", "date", True),
        C("death_date", "date", True),
        patient=True,
    ),
    _t(
        "events",
        "Coded clinical events (SNOMED CT) with an optional value, e.g. a blood pressure.",
        (),
        C("patient_id", "string"),
        C("date", "date"),
        C("snomed_code", "string"),
        C("value", "float64", True),
        patient=True,
    ),
    _t(
        "medications",
        "Prescribed medicines (dm+d code with BNF code); repeat=True for repeat templates.",
        (),
        C("patient_id", "string"),
        C("date", "date"),
        C("dmd_code", "string"),
        C("bnf_code", "string"),
        C("repeat", "boolean"),
        patient=True,
    ),
    _t(
        "hospital_activity",
        "A&E attendances and emergency and elective admissions with length of stay.",
        (),
        C("patient_id", "string"),
        C("kind", "string", doc="ae | emergency_admission | elective_admission"),
        C("start_date", "date"),
        C("end_date", "date", True),
        C("los_days", "int64", True),
        patient=True,
    ),
    _t(
        "appointments",
        "General practice appointments by mode, staff role and status.",
        (),
        C("patient_id", "string"),
        C("practice_code", "string"),
        C("date", "date"),
        C("mode", "string", doc="face_to_face | telephone | video | online"),
        C("staff_role", "string", doc="gp | nurse | pharmacist | other"),
        C("status", "string", doc="attended | did_not_attend | cancelled"),
        patient=True,
    ),
    _t(
        "care_homes",
        "Care homes with beds, location and the PCN aligned to each under EHCH.",
        ("care_home_code",),
        C("care_home_code", "string"),
        C("name", "string"),
        C("beds", "int64"),
        C("lat", "float64", True),
        C("lon", "float64", True),
        C("aligned_pcn_code", "string", True),
    ),
    _t(
        "workforce",
        "Staff in post: role, FTE and age band, at a practice or employed by the PCN.",
        (),
        C("staff_id", "string"),
        C("practice_code", "string", True),
        C("pcn_code", "string", True),
        C("role", "string"),
        C("fte", "float64"),
        C("age_band", "string", True, doc="e.g. 55-59"),
        C("start_date", "date", True),
    ),
)

TABLES: dict[str, Table] = {t.name: t for t in (*ORG_TABLES, *PUBLICATION_TABLES, *PATIENT_TABLES)}


def table(name: str) -> Table:
    """The definition of one table; a KeyError here is a programming error, not a user's."""
    return TABLES[name]
