"""The electronic Frailty Index (eFI, Clegg et al 2016) for people aged 65+, as one Ibis query.

Score = deficits present / 36. 35 deficits are coded events (codelist `efi-deficits.csv`: the
original eFI code sets, one or more SNOMED CT codes per deficit, recorded on or before the date;
a code of two deficits' sets names both, `a|b`, and each deficit counts once per person); the
36th, polypharmacy, is 5+ current repeat medicines. Categories use the exact score: fit <= 0.12,
mild <= 0.24, moderate <= 0.36, severe > 0.36, i.e. 0-4, 5-8, 9-12 and 13+ deficits (13/36 =
0.361 is severe even though it shows as 0.36 at two decimals). The query runs unchanged on
DuckDB and Spark.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from functools import cache
from importlib import resources

import ibis
import ibis.expr.types as ir

from openpcn.codes import code_problem
from openpcn.exceptions import InputError
from openpcn.orgs.dates import DateLike, as_date
from openpcn.orgs.hierarchy import memberships_on, resolve_ics
from openpcn.orgs.population import registered_on

CODELIST_FILE = "efi-deficits.csv"
#: separates the deficits of a code that is in more than one deficit's set (`a|b`)
DEFICIT_SEPARATOR = "|"
DEFICITS = 36
POLYPHARMACY = "polypharmacy"
POLYPHARMACY_MIN = 5
MIN_AGE = 65
CATEGORIES = ("fit", "mild", "moderate", "severe")
#: upper score of each category but the last (fit to 0.12, mild to 0.24, moderate to 0.36, severe
#: above), in hundredths so comparisons are exact. Clegg et al., Age and Ageing 2016;45(3):353-360,
#: doi:10.1093/ageing/afw039 (the paper defines the categories; the cut-offs as usually quoted)
CUTS_PERCENT = (12, 24, 36)
#: a repeat medicine stays current for this long after its latest issue
REPEAT_CURRENT_DAYS = 365


@dataclass(frozen=True)
class EfiCodelist:
    """The coded deficits: code -> the deficits it counts as (one, or more when the published
    sets put it in several), and the deficit names in file order."""

    deficits_of: dict[str, tuple[str, ...]]
    deficits: tuple[str, ...]

    @property
    def codes(self) -> list[str]:
        return sorted(self.deficits_of)

    @property
    def pairs(self) -> list[tuple[str, str]]:
        """Every (code, deficit): a code in two deficits' sets gives two pairs."""
        return [(code, d) for code, names in self.deficits_of.items() for d in names]

    @property
    def deficit_of(self) -> dict[str, str]:
        """code -> its FIRST deficit only (kept for callers that map a code to one name;
        counting deficits needs `pairs` or `deficits_of`, as a code can be in two sets)."""
        return {code: names[0] for code, names in self.deficits_of.items()}


@cache
def load_codelist() -> EfiCodelist:
    """Read and check the shipped eFI codelist: 35 coded deficits plus polypharmacy = 36."""
    path = resources.files("openpcn.data").joinpath("codelists", CODELIST_FILE)
    reader = csv.DictReader(io.StringIO(path.read_text("utf-8-sig")))
    if reader.fieldnames is None or not {"code", "term", "deficit"} <= set(reader.fieldnames):
        raise InputError(
            "the eFI codelist needs the columns code, term, deficit",
            file=CODELIST_FILE,
            row=1,
            fix="use the OpenCodelists layout `code,term` plus a `deficit` column",
        )
    deficits_of: dict[str, tuple[str, ...]] = {}
    order: list[str] = []
    for line, row in enumerate(reader, start=2):
        code, deficit = (row["code"] or "").strip(), (row["deficit"] or "").strip()
        if not code or not deficit:
            raise InputError(
                "empty code or deficit",
                file=CODELIST_FILE,
                row=line,
                column="code" if not code else "deficit",
                fix="fill both",
            )
        problem = code_problem("snomedct", code)
        if problem:
            raise InputError(
                f"{code} is {problem}",
                file=CODELIST_FILE,
                row=line,
                column="code",
                fix="correct or remove the code, then run `openpcn codelists check`",
            )
        if code in deficits_of:
            raise InputError(
                "duplicate code",
                file=CODELIST_FILE,
                row=line,
                column="code",
                fix=f"list it once, naming all its deficits as a{DEFICIT_SEPARATOR}b",
            )
        names = tuple(d.strip() for d in deficit.split(DEFICIT_SEPARATOR))
        if "" in names or len(set(names)) != len(names):
            raise InputError(
                f"deficit {deficit!r} has an empty or repeated name",
                file=CODELIST_FILE,
                row=line,
                column="deficit",
                fix=f"name each deficit once, separated by {DEFICIT_SEPARATOR!r}",
            )
        deficits_of[code] = names
        if names[0] not in order:  # file order: where a deficit's own rows start
            order.append(names[0])
    named = {name for names in deficits_of.values() for name in names}
    order.extend(sorted(named - set(order)))
    if POLYPHARMACY in order or len(order) != DEFICITS - 1:
        raise InputError(
            f"the eFI codelist names {len(order)} deficits; it must name {DEFICITS - 1} "
            f"(polypharmacy, the 36th, is read from medications)",
            file=CODELIST_FILE,
            column="deficit",
            fix="give every coded eFI deficit at least one code, and no polypharmacy rows",
        )
    return EfiCodelist(deficits_of, tuple(order))


def category_of(deficits: ir.IntegerValue) -> ir.StringValue:
    """The eFI category from a deficit count, on the exact score (no rounding)."""
    hundredths = deficits * 100
    fit, mild, moderate = (cut * DEFICITS for cut in CUTS_PERCENT)
    return ibis.cases(
        (hundredths <= fit, "fit"),
        (hundredths <= mild, "mild"),
        (hundredths <= moderate, "moderate"),
        else_="severe",
    )


def repeat_medicines(
    con: ibis.BaseBackend, date: DateLike, people: ir.Table | None = None
) -> ir.Table:
    """patient_id, repeat_medicines: distinct repeat medicines (dm+d) current on the date.

    A repeat is current from its first issue until 365 days after its latest issue, so
    monthly issues and extracts that keep only the first and latest issue count alike.
    Shared with the risk model (and usable by SMR rules) so every count agrees; `people`
    (optional) limits the scan to those people.
    """
    day = as_date(date)
    m = con.table("medications")
    m = m.filter(m.repeat)
    if people is not None:
        m = m.semi_join(people, "patient_id")
    spans = m.group_by(["patient_id", "dmd_code"]).aggregate(
        first=m.date.min(), latest=m.date.max()
    )
    current = spans.filter(
        (spans.first <= day) & (spans.latest >= day - dt.timedelta(days=REPEAT_CURRENT_DAYS))
    )
    return current.group_by("patient_id").aggregate(repeat_medicines=current.dmd_code.count())


def coded_deficits(
    con: ibis.BaseBackend, date: DateLike, people: ir.Table | None = None
) -> ir.Table:
    """patient_id, coded_deficits: how many distinct coded deficits are recorded by the date
    (for `people` only, when given: a semi-join keeps the scan to the people asked about)."""
    day = as_date(date)
    codelist = load_codelist()
    # a join with a code -> deficit table (one row per pair: a code of two deficits' sets
    # gives two rows, and nunique counts each deficit once), not IN (...) plus CASE
    pairs = codelist.pairs
    index = {name: k for k, name in enumerate(codelist.deficits)}
    codes = ibis.memtable(
        {
            "snomed_code": [code for code, _ in pairs],
            "deficit": [index[name] for _, name in pairs],
        }
    )
    e = con.table("events")
    e = e.filter(e.date <= day)
    if people is not None:
        e = e.semi_join(people, "patient_id")
    named = e.inner_join(codes, "snomed_code").select("patient_id", "deficit")
    return named.group_by("patient_id").aggregate(coded_deficits=named.deficit.nunique())


def deficit_count(coded: ir.IntegerValue, repeats: ir.IntegerValue) -> ir.IntegerValue:
    """Deficits present: coded ones plus polypharmacy (5+ current repeats); nulls read as 0."""
    poly = (repeats.fill_null(0) >= POLYPHARMACY_MIN).ifelse(1, 0)
    return (coded.fill_null(0) + poly).cast("int64")


def efi_table(con: ibis.BaseBackend, date: DateLike, among: ir.Table | None = None) -> ir.Table:
    """One row per person aged 65+ registered and alive on the date (and in `among`'s
    patient_id, when given): patient_id, practice_code, efi_score (deficits / 36),
    efi_deficits, efi_category."""
    day = as_date(date)
    people = registered_on(con, day)
    people = people.filter(people.age >= MIN_AGE).select("patient_id", "practice_code")
    if among is not None:
        people = people.semi_join(among, "patient_id")
    coded = coded_deficits(con, day, people)
    repeats = repeat_medicines(con, day, people)
    joined = people.left_join(coded, "patient_id").left_join(repeats, "patient_id")
    count = deficit_count(joined.coded_deficits, joined.repeat_medicines)
    scored = joined.select(
        "patient_id",
        "practice_code",
        efi_score=count.cast("float64") / DEFICITS,
        efi_deficits=count,
    )
    return scored.mutate(efi_category=category_of(scored.efi_deficits))


def efi_distribution(
    con: ibis.BaseBackend, ics: str, date: DateLike, scored: ir.Table | None = None
) -> dict[str, dict[str, int]]:
    """Raw counts per eFI category for every PCN of the ICS on the date:
    {pcn_code: {"fit": n, "mild": n, "moderate": n, "severe": n}} (zeros included).

    A person counts for the PCN their practice is a core member of on the date. Counts are
    raw: surfaces pass them through `openpcn.cohorts.disclosure` for users without patient
    rights. `scored`: the eFI table for the date when the caller has it already.
    """
    day = as_date(date)
    footprint = resolve_ics(con, ics)
    pcns = con.table("pcns")
    ics_pcns = pcns.filter(pcns.commissioner_code.isin(footprint.commissioners))
    members = memberships_on(con, day).select("practice_code", "pcn_code")
    members = members.filter(members.pcn_code.isin(ics_pcns.pcn_code))
    efi = efi_table(con, day) if scored is None else scored
    placed = efi.inner_join(members, "practice_code")
    counted = con.execute(
        placed.group_by(["pcn_code", "efi_category"]).aggregate(people=placed.patient_id.count())
    )
    codes = sorted(str(c) for c in con.execute(ics_pcns.select("pcn_code").distinct())["pcn_code"])
    out = {code: dict.fromkeys(CATEGORIES, 0) for code in codes}
    for row in counted.itertuples():
        out.setdefault(str(row.pcn_code), dict.fromkeys(CATEGORIES, 0))[str(row.efi_category)] = (
            int(row.people)
        )
    return out
