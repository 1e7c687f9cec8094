"""Compile cohort definitions into one Ibis expression that runs unchanged on DuckDB and Spark.

Every criterion that reads events becomes one conditional aggregate in a single pass over
`events` (likewise for `medications`), joined once onto the people registered on the date;
each cohort is then a filter over that joined table. An `event_with` criterion (an event with
a partner event days around it) is a join of its two lists' events, per patient, joined the
same way. Windows become literal cutoff dates, so both engines compare the same values.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

import ibis
import ibis.expr.types as ir

from openpcn.cohorts.codelists import Codelist
from openpcn.cohorts.definitions import Criterion, Definition, Leaf, Node, leaves
from openpcn.orgs.hierarchy import memberships_on

OUTPUT = ("patient_id", "practice_code", "pcn_code", "spec", "cohort", "reason")
_EVENT_KINDS = ("has_event", "no_event", "latest_value", "has_value", "distinct_codes")
_MEDICINE_KINDS = ("has_medicine", "no_medicine", "repeat_medicines", "medicines")


def _efi_table(con: ibis.BaseBackend, date: dt.date, people: ir.Table | None) -> ir.Table:
    """C2's eFI per patient (patient_id, efi_category), for `people` only when given; a seam the
    spec tests can replace."""
    from openpcn.cohorts.efi import efi_table

    return efi_table(con, date, people)


def _risk_table(con: ibis.BaseBackend, date: dt.date, at_least: float) -> ir.Table:
    """C2's risk centile (patient_id, centile) for the people at or above the lowest centile a
    criterion asks for: nobody below it can match, and a short table joins fast."""
    from openpcn.cohorts.admission_risk import scored

    scores = scored(con, date).scores  # the kept frame, read only: the filter makes the copy
    scores = scores.loc[scores["centile"] >= at_least, ["patient_id", "centile"]]
    return ibis.memtable(scores.astype({"centile": "int64"}).reset_index(drop=True))


def registered(
    con: ibis.BaseBackend,
    date: dt.date,
    *,
    pcns: Sequence[str] | None = None,
    practice: str | None = None,
) -> ir.Table:
    """People registered and alive on the date, with their practice's PCN, age and care home."""
    p = con.table("patients")
    alive = p.filter(
        p.registration_date <= date,
        p.deregistration_date.isnull() | (p.deregistration_date > date),
        p.death_date.isnull() | (p.death_date > date),
    )
    m = memberships_on(con, date)
    # A practice wrongly in two PCNs on one date is counted once (orgs `check` reports it).
    m = m.group_by("practice_code").aggregate(pcn_code=m.pcn_code.min())
    homes = con.table("care_homes").select("care_home_code", "aligned_pcn_code")
    base = alive.left_join(m, "practice_code").select(alive, m.pcn_code)
    base = base.left_join(homes, "care_home_code").select(base, homes.aligned_pcn_code)
    birth = base.birth_month
    age = (date.year - birth.year()) - ibis.ifelse(birth.month() > date.month, 1, 0)
    base = base.mutate(age=age.cast("int64"))
    if pcns is not None:
        base = base.filter(base.pcn_code.isin(list(pcns)))
    if practice is not None:
        base = base.filter(base.practice_code == practice)
    return base


def _key(leaf: Leaf) -> tuple[object, ...]:
    name = leaf.codelist.name if leaf.codelist else None
    family = {"no_event": "has_event", "no_medicine": "has_medicine"}.get(leaf.kind, leaf.kind)
    key: tuple[object, ...] = (family, name, leaf.window, leaf.repeat)
    if leaf.kind == "has_value":
        key += (leaf.op, leaf.number)
    if leaf.kind == "event_with":
        key += (leaf.partner.name if leaf.partner else None, leaf.days_before, leaf.days_after)
    return key


def _medicine_match(med: ir.Table, codelist: Codelist) -> ir.BooleanValue:
    """Whether a product (dmd_code, bnf_code) is on the codelist: dm+d codes, or BNF prefixes."""
    if codelist.system == "dmd":
        return med.dmd_code.isin(list(codelist.codes))
    by_length: dict[int, list[str]] = {}
    for prefix in codelist.codes:
        by_length.setdefault(len(prefix), []).append(prefix)
    tests = [med.bnf_code.substr(0, n).isin(sorted(p)) for n, p in sorted(by_length.items())]
    out = tests[0]
    for test in tests[1:]:
        out = out | test
    return out


class Compiled:
    """The joined per-patient table and how to read each criterion off it."""

    def __init__(
        self,
        con: ibis.BaseBackend,
        date: dt.date,
        definitions: Iterable[Definition],
        efi: ir.Table | None = None,
    ):
        self.date = date
        self.definitions = list(definitions)
        self.columns: dict[tuple[object, ...], str] = {}
        self.con = con
        self.people: ir.Table | None = None
        self.efi = efi

    def table(self, base: ir.Table, *, narrow: bool = False) -> ir.Table:
        """`base` with a column per criterion; `narrow` reads only the events, medicines and
        eFI of the people in `base` (a PCN's or practice's, not the whole warehouse's)."""
        self.people = base.select("patient_id") if narrow else None
        all_leaves = [leaf for d in self.definitions for leaf in leaves(d.criteria)]
        events = [leaf for leaf in all_leaves if leaf.kind in _EVENT_KINDS]
        medicines = [leaf for leaf in all_leaves if leaf.kind in _MEDICINE_KINDS]
        joined = base
        if events:
            joined = self._join(joined, self._events(events))
        if medicines:
            joined = self._join(joined, self._medicines(medicines))
        for leaf in all_leaves:
            if leaf.kind == "event_with" and (name := self._name(leaf, "p")) is not None:
                joined = self._join(joined, self._paired(leaf, name))
        if any(leaf.kind == "efi_category" for leaf in all_leaves):
            efi = self.efi
            if efi is None:
                efi = _efi_table(self.con, self.date, self.people)
            efi = efi.select("patient_id", "efi_category")
            joined = self._join(joined, efi)
        centiles = [leaf.number for leaf in all_leaves if leaf.kind == "risk_centile"]
        if centiles:
            joined = self._join(joined, _risk_table(self.con, self.date, min(centiles)))
        return joined

    @staticmethod
    def _join(left: ir.Table, right: ir.Table) -> ir.Table:
        extra = [c for c in right.columns if c != "patient_id"]
        return left.left_join(right, "patient_id").select(left, *(right[c] for c in extra))

    def _name(self, leaf: Leaf, prefix: str) -> str | None:
        key = _key(leaf)
        if key in self.columns:
            return None
        self.columns[key] = f"{prefix}{len(self.columns)}"
        return self.columns[key]

    def _events(self, wanted: list[Leaf]) -> ir.Table:
        # Events are joined to a small table of (code, codelist number) for every codelist the
        # cohorts name, so each aggregate compares an integer, not a string against a list
        # (faster on DuckDB than IN lists). A code in two codelists gives its event two rows,
        # which none of these aggregates (any, latest value, distinct codes) counts twice.
        names = sorted({leaf.codelist.name for leaf in wanted if leaf.codelist})
        number = {name: i for i, name in enumerate(names)}
        lists = {leaf.codelist.name: leaf.codelist for leaf in wanted if leaf.codelist}
        pairs = sorted({(code, number[n]) for n in names for code in lists[n].codes})
        codes = ibis.memtable(
            {"snomed_code": [c for c, _ in pairs], "codelist": [i for _, i in pairs]}
        )
        ev = self._dated_events().inner_join(codes, "snomed_code")
        aggs: dict[str, ir.Value] = {}
        for leaf in wanted:
            name = self._name(leaf, "e")
            if name is None:
                continue
            assert leaf.codelist is not None
            cond = ev.codelist == number[leaf.codelist.name]
            if leaf.window:
                cond = cond & (ev.date >= leaf.window.cutoff(self.date))
            if leaf.kind in ("has_event", "no_event"):
                aggs[name] = ibis.ifelse(cond, 1, 0).max()
            elif leaf.kind == "latest_value":
                aggs[name] = ev.value.argmax(ev.date, where=cond & ev.value.notnull())
            elif leaf.kind == "has_value":
                meets = _compare(ev.value, leaf.op, leaf.number).fill_null(False)
                aggs[name] = ibis.ifelse(cond & meets, 1, 0).max()
            else:
                aggs[name] = ev.snomed_code.nunique(where=cond)
        return ev.group_by("patient_id").aggregate(**aggs)

    def _dated_events(self) -> ir.Table:
        """The events recorded on or before the date, of the people asked for (if narrowed)."""
        ev = self.con.table("events")
        ev = ev.filter(ev.date <= self.date)
        if self.people is not None:
            ev = ev.semi_join(self.people, "patient_id")
        return ev

    def _paired(self, leaf: Leaf, name: str) -> ir.Table:
        """People with an event on the leaf's list (in its window) that has an event on its
        partner list from `days_before` before to `days_after` after it (both on or before the
        date): a pair per patient, compared as whole days on either engine."""
        assert leaf.codelist is not None and leaf.partner is not None
        ev = self._dated_events()
        first = ev.filter(ev.snomed_code.isin(sorted(leaf.codelist.codes)))
        if leaf.window:
            first = first.filter(first.date >= leaf.window.cutoff(self.date))
        first = first.select("patient_id", index=first.date).distinct()
        second = ev.filter(ev.snomed_code.isin(sorted(leaf.partner.codes)))
        second = second.select(partner_id=second.patient_id, partner_date=second.date).distinct()
        pairs = first.inner_join(
            second,
            [
                first.patient_id == second.partner_id,
                second.partner_date >= first.index - ibis.interval(days=leaf.days_before),
                second.partner_date <= first.index + ibis.interval(days=leaf.days_after),
            ],
        )
        return pairs.select("patient_id").distinct().mutate(**{name: ibis.literal(1)})

    def _medicines(self, wanted: list[Leaf]) -> ir.Table:
        # Each product a person gets is one span, first to latest issue (an extract may keep
        # only those two issues of a repeat, as the synthetic one does): it counts in a window
        # when it started by the date and its latest issue is on or after the cutoff, the rule
        # openpcn.cohorts.efi.repeat_medicines uses too. A product is its dm+d code, issued as a
        # repeat or not; its BNF code is the one dm+d maps it to (should an extract give one
        # product two, the first in BNF order is used). One span per product and kind makes
        # "distinct repeat medicines" a plain count: a third faster than counting distinct.
        m = self.con.table("medications")
        if self.people is not None:
            m = m.semi_join(self.people, "patient_id")
        med = m.group_by(["patient_id", "dmd_code", "repeat"]).aggregate(
            first=m.date.min(), latest=m.date.max()
        )
        med = med.filter(med.first <= self.date)
        lists = {leaf.codelist.name: leaf.codelist for leaf in wanted if leaf.codelist}
        flag = {name: f"on_list{i}" for i, name in enumerate(sorted(lists))}
        if lists:
            # which codelists each product is on, worked out once a product (a few hundred),
            # not once a span (over a million), then joined to the spans
            products = m.group_by("dmd_code").aggregate(bnf_code=m.bnf_code.min())
            products = products.select(
                "dmd_code", **{flag[n]: _medicine_match(products, lists[n]) for n in lists}
            )
            med = med.inner_join(products, "dmd_code").select(
                med, *(products[column] for column in flag.values())
            )
        aggs: dict[str, ir.Value] = {}
        for leaf in wanted:
            name = self._name(leaf, "m")
            if name is None:
                continue
            cond = med.repeat if leaf.repeat or leaf.kind == "repeat_medicines" else None
            if leaf.codelist is not None:
                match = med[flag[leaf.codelist.name]]
                cond = match if cond is None else cond & match
            if leaf.window:
                recent = med.latest >= leaf.window.cutoff(self.date)
                cond = recent if cond is None else cond & recent
            if leaf.kind == "repeat_medicines":  # cond holds for repeat spans only: one a product
                aggs[name] = med.dmd_code.count(where=cond)
            elif leaf.kind == "medicines":  # repeat and acute spans: a product may have both
                aggs[name] = med.dmd_code.nunique(where=cond)
            else:
                aggs[name] = ibis.ifelse(cond, 1, 0).max()
        return med.group_by("patient_id").aggregate(**aggs)

    def condition(self, t: ir.Table, c: Criterion) -> ir.BooleanValue:
        """The criterion as a boolean over the joined table (missing data reads as 'no')."""
        if isinstance(c, Node):
            parts = [self.condition(t, child) for child in c.children]
            if c.op == "not":
                return ~parts[0]
            out = parts[0]
            for part in parts[1:]:
                out = (out & part) if c.op == "all" else (out | part)
            return out
        column = t[self.columns[_key(c)]] if _key(c) in self.columns else None
        match c.kind:
            case "has_event" | "has_medicine" | "has_value" | "event_with":
                return column.fill_null(0) == 1
            case "no_event" | "no_medicine":
                return column.fill_null(0) == 0
            case "latest_value" | "distinct_codes" | "repeat_medicines" | "medicines" | "age":
                value = t.age if c.kind == "age" else column
                if c.kind in ("distinct_codes", "repeat_medicines", "medicines"):
                    return _compare(value.fill_null(0), ">=", c.number)
                return _compare(value, c.op, c.number).fill_null(False)
            case "care_home_resident":
                return t.care_home_code.notnull() == c.flag
            case "care_home_aligned_to_pcn":
                aligned = (t.aligned_pcn_code == t.pcn_code).fill_null(False)
                return aligned == c.flag
            case "efi_category":
                return t.efi_category.isin(list(c.categories)).fill_null(False)
            case "risk_centile":
                return (t.centile >= c.number).fill_null(False)
        raise AssertionError(c.kind)

    def reason(self, t: ir.Table, c: Criterion) -> ir.StringValue:
        """Plain words for what matched: every satisfied criterion, '; '-separated."""
        parts = self._reasons(t, c)
        text: ir.StringValue = ibis.literal("")
        for cond, words in parts:
            text = text + ibis.ifelse(cond, "; " + words, "")
        return text.substr(2)

    def _reasons(self, t: ir.Table, c: Criterion) -> list[tuple[ir.BooleanValue, str]]:
        if isinstance(c, Leaf):
            return [(self.condition(t, c), c.words)]
        if c.op == "not":
            return [(self.condition(t, c), c.words)]
        if c.op == "all":
            return [pair for child in c.children for pair in self._reasons(t, child)]
        # any: only the branches that hold explain the match
        out = []
        for child in c.children:
            holds = self.condition(t, child)
            out += [(holds & cond, words) for cond, words in self._reasons(t, child)]
        return out


def _compare(value: ir.NumericValue, op: str, number: float) -> ir.BooleanValue:
    match op:
        case ">=":
            return value >= number
        case ">":
            return value > number
        case "<=":
            return value <= number
        case "<":
            return value < number
    return value == number


def compile_cohorts(
    con: ibis.BaseBackend,
    definitions: Iterable[Definition],
    date: dt.date,
    *,
    pcns: Sequence[str] | None = None,
    practice: str | None = None,
    carry: Sequence[str] = (),
    efi: ir.Table | None = None,
) -> ir.Table:
    """One expression: a row per patient per cohort they belong to (columns: OUTPUT, then any
    `carry` columns of the patients table, e.g. imd_decile for a breakdown). A caller that has
    the eFI already (patient_id, efi_category on the date) passes it as `efi`, so the query
    does not work it out again."""
    compiled = Compiled(con, date, definitions, efi)
    if not compiled.definitions:
        raise ValueError("no definitions to compile")
    base = registered(con, date, pcns=pcns, practice=practice)
    t = compiled.table(base, narrow=pcns is not None or practice is not None)
    pieces = [
        t.filter(compiled.condition(t, d.criteria)).select(
            "patient_id",
            "practice_code",
            "pcn_code",
            *carry,
            spec=ibis.literal(d.spec),
            cohort=ibis.literal(d.id),
            reason=compiled.reason(t, d.criteria),
        )
        for d in compiled.definitions
    ]
    return ibis.union(*pieces) if len(pieces) > 1 else pieces[0]
