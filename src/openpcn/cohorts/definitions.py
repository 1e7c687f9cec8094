"""Cohort definitions as data: one TOML file per cohort, parsed into a small criteria tree.

A definition names its codelists and look-back windows; `load_definitions` checks every name,
criterion and window when it loads (InputError naming the file and the fix), so nothing
half-valid ever reaches a query. docs/cohorts.md describes the format and the vocabulary.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from openpcn.cohorts.codelists import Codelist, load_codelists
from openpcn.config import DEFAULT_DATE
from openpcn.exceptions import InputError
from openpcn.orgs.dates import (
    EARLIEST,
    LATEST,
    DateLike,
    as_date,
    financial_year,
    normalise_year,
)

#: The seven national service specifications of NHS England's Network Contract DES (2020/21
#: onwards; listed e.g. by the Northern Cancer Alliance's DES page), in the order they are shown.
SPECS: dict[str, str] = {
    "smr": "Structured medication reviews",
    "ehch": "Enhanced health in care homes",
    "anticipatory_care": "Anticipatory care",
    "personalised_care": "Personalised care",
    "early_cancer": "Supporting early cancer diagnosis",
    "cvd": "CVD prevention and diagnosis",
    "inequalities": "Tackling neighbourhood health inequalities",
}

REQUIRED = ("id", "spec", "title", "description", "criteria", "source", "checked_by", "date")
#: years: the financial years the definition is in force (absent: every year); indicator: the
#: national indicator it counts for (e.g. "CAN-02"); local: why it has no national definition
OPTIONAL = ("years", "indicator", "local")
#: The financial years OpenPCN holds indicator definitions for, oldest first: the Investment and
#: Impact Fund's case-finding indicators (CAN-01 from 2022/23) and their successors.
YEARS = ("2022/23", "2023/24", "2024/25")
OPS = (">=", ">", "<=", "<", "==")
EFI_CATEGORIES = ("fit", "mild", "moderate", "severe")
_WINDOW = re.compile(r"^(\d+) (day|days|week|weeks|month|months|year|years)$")

# criterion -> (required params, optional params); a bare value stands for {"value": ...}.
VOCABULARY: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "has_event": (("codelist",), ("within",)),
    "no_event": (("codelist",), ("within",)),
    "latest_value": (("codelist", "op", "value"), ("within",)),
    "has_value": (("codelist", "op", "value"), ("within",)),
    "event_with": (("codelist", "with", "days_before", "days_after"), ("within",)),
    "distinct_codes": (("codelist", "at_least"), ("within",)),
    "has_medicine": (("codelist",), ("within", "repeat")),
    "no_medicine": (("codelist",), ("within", "repeat")),
    "repeat_medicines": (("at_least", "within"), ()),
    "medicines": (("at_least", "within"), ()),
    "age": (("op", "value"), ()),
    "care_home_resident": (("value",), ()),
    "care_home_aligned_to_pcn": (("value",), ()),
    "efi_category": (("value",), ()),
    "risk_centile": (("at_least",), ()),
}
COMBINATORS = ("all", "any", "not")


@dataclass(frozen=True)
class Window:
    """A look-back: events on or after `cutoff(date)` and on or before the date count."""

    count: int
    unit: str  # days | weeks | months | years

    @property
    def words(self) -> str:
        unit = self.unit if self.count != 1 else self.unit.rstrip("s")
        return f"{self.count} {unit}"

    def cutoff(self, date: dt.date) -> dt.date:
        if self.unit == "days":
            return date - dt.timedelta(days=self.count)
        if self.unit == "weeks":
            return date - dt.timedelta(weeks=self.count)
        months = self.count * (12 if self.unit == "years" else 1)
        year, month = divmod(date.year * 12 + date.month - 1 - months, 12)
        month += 1
        last = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).day
        return dt.date(year, month, min(date.day, last))


# Dates cohorts can be found on (EARLIEST..LATEST, the one range of openpcn.orgs.dates): their
# look-back windows and the risk model's years stay valid dates.


def cohort_date(value: DateLike) -> dt.date:
    """The date to find cohorts on, or an InputError for one outside EARLIEST..LATEST."""
    day = as_date(value)
    if not EARLIEST <= day <= LATEST:
        raise InputError(
            f"cannot find cohorts on {day.isoformat()}",
            column="date",
            fix=f"use a date from {EARLIEST.isoformat()} to {LATEST.isoformat()}",
        )
    return day


@dataclass(frozen=True)
class IndicatorYear:
    """The financial year whose definitions apply, and a note when it is not the one asked for
    (a date before the first year OpenPCN holds definitions for uses that first year's)."""

    year: str
    note: str = ""


def checked_year(year: str) -> str:
    """'2023-24' or '2023/24' -> '2023/24', if OpenPCN holds definitions for it (InputError)."""
    chosen = normalise_year(year)
    if chosen not in YEARS:
        raise InputError(
            f"no indicator definitions for {chosen}",
            column="year",
            fix=f"use one of {', '.join(YEARS)}",
        )
    return chosen


def indicator_year(day: dt.date, year: str | None = None) -> IndicatorYear:
    """The year `--year` names (checked), or else the financial year of the date, brought into
    YEARS: the indicators began in 2022/23, and earlier dates are read with their first rules."""
    if year is not None:
        return IndicatorYear(checked_year(year))
    own = financial_year(day)
    if own < YEARS[0]:
        return IndicatorYear(
            YEARS[0],
            f"{own} is before the first year of the national indicators; "
            f"their {YEARS[0]} definitions are used",
        )
    if own > YEARS[-1]:
        return IndicatorYear(
            YEARS[-1], f"no definitions for {own} yet; the {YEARS[-1]} definitions are used"
        )
    return IndicatorYear(own)


@dataclass(frozen=True)
class Leaf:
    """One criterion of the vocabulary with its checked parameters."""

    kind: str
    codelist: Codelist | None = None
    window: Window | None = None
    op: str = ">="
    number: float = 0
    flag: bool = True
    repeat: bool = False
    categories: tuple[str, ...] = ()
    partner: Codelist | None = None  # event_with: the list of the accompanying event
    days_before: int = 0
    days_after: int = 0

    @property
    def words(self) -> str:
        """The criterion in plain words (shown in `cohorts list` and in each patient's reason)."""
        title = self.codelist.title if self.codelist else ""
        within = f" in the last {self.window.words}" if self.window else ""
        number = f"{self.number:g}"
        match self.kind:
            case "has_event":
                return f"{title}{within or ' recorded'}"
            case "no_event":
                return f"no {title}{within or ' recorded'}"
            case "latest_value":
                return f"latest {title}{within} {self.op} {number}"
            case "has_value":
                return f"a {title} {self.op} {number}{within or ' recorded'}"
            case "event_with":
                partner = self.partner.title if self.partner else ""
                before, after = self.days_before, self.days_after
                when = f"from {before} days before to {after} days after it"
                if not after:
                    when = f"in the {before} days before it (or on its day)"
                elif not before:
                    when = f"in the {after} days after it (or on its day)"
                return f"{title}{within or ' recorded'} with a {partner} {when}"
            case "distinct_codes":
                return f"{number}+ different {title} codes{within}"
            case "has_medicine" | "no_medicine":
                kind = "repeat " if self.repeat else ""
                no = "no " if self.kind == "no_medicine" else ""
                return f"{no}{kind}{title} current{within}"
            case "repeat_medicines":
                return f"{number}+ repeat medicines current{within}"
            case "medicines":
                return f"{number}+ different medicines issued or current{within}"
            case "age":
                return f"aged {self.op} {number}"
            case "care_home_resident":
                return "care home resident" if self.flag else "not a care home resident"
            case "care_home_aligned_to_pcn":
                where = "aligned" if self.flag else "not aligned"
                return f"lives in a care home {where} to the practice's PCN"
            case "efi_category":
                return "eFI " + " or ".join(self.categories)
            case "risk_centile":
                return f"emergency-admission risk centile >= {number}"
        raise AssertionError(self.kind)


@dataclass(frozen=True)
class Node:
    """all / any / not over criteria."""

    op: str
    children: tuple[Node | Leaf, ...]

    @property
    def words(self) -> str:
        parts = [c.words if isinstance(c, Leaf) else f"({c.words})" for c in self.children]
        if self.op == "not":
            return f"not {parts[0]}"
        return (" and " if self.op == "all" else " or ").join(parts)


Criterion = Node | Leaf


@dataclass(frozen=True)
class Definition:
    id: str
    spec: str
    title: str
    description: str
    criteria: Criterion
    source: str
    checked_by: str
    date: str
    file: str
    years: tuple[str, ...] = ()  # empty: in force every year
    indicator: str = ""
    local: str = ""

    def in_force(self, year: str) -> bool:
        return not self.years or year in self.years

    @property
    def codelists(self) -> tuple[str, ...]:
        return tuple(sorted({c.name for leaf in leaves(self.criteria) for c in _lists(leaf)}))

    @property
    def uses_risk_model(self) -> bool:
        """True when a criterion is the emergency-admission risk centile: the model must be
        trained for the date before the cohort can be found."""
        return any(leaf.kind == "risk_centile" for leaf in leaves(self.criteria))

    @property
    def unverified_codelists(self) -> tuple[str, ...]:
        """The lists it searches that were not taken whole from a published list: its counts
        on a real extract rest on OpenPCN's own choice of codes there."""
        found = {
            c.name for leaf in leaves(self.criteria) for c in _lists(leaf) if c.status != "verified"
        }
        return tuple(sorted(found))

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "spec": self.spec,
            "title": self.title,
            "description": self.description,
            "criteria": self.criteria.words,
            "codelists": list(self.codelists),
            "unverified_codelists": list(self.unverified_codelists),
            "indicator": self.indicator or None,
            "years": list(self.years) or None,
            "local": self.local or None,
            "source": self.source,
            "checked_by": self.checked_by,
            "date": self.date,
        }


def _lists(leaf: Leaf) -> tuple[Codelist, ...]:
    return tuple(c for c in (leaf.codelist, leaf.partner) if c is not None)


def leaves(criterion: Criterion) -> list[Leaf]:
    if isinstance(criterion, Leaf):
        return [criterion]
    return [leaf for child in criterion.children for leaf in leaves(child)]


def default_folder() -> Path:
    return Path(str(resources.files("openpcn.data").joinpath("cohorts")))


def load_definitions(
    folder: Path | None = None,
    codelists: dict[str, Codelist] | None = None,
    year: str | None = None,
) -> dict[str, Definition]:
    """The cohort definitions in force in a financial year of YEARS (default: the year the
    default date is read with), by id, in spec order; any mistake fails here, before a query."""
    year = year or indicator_year(as_date(DEFAULT_DATE)).year
    chosen = {d.id: d for d in all_definitions(folder, codelists) if d.in_force(year)}
    order = list(SPECS)
    return dict(sorted(chosen.items(), key=lambda kv: (order.index(kv[1].spec), kv[0])))


def all_definitions(
    folder: Path | None = None, codelists: dict[str, Codelist] | None = None
) -> list[Definition]:
    """Every definition file, each year's version of a cohort included: one id may have several
    files, in force in years that do not overlap."""
    folder = folder or default_folder()
    codelists = load_codelists() if codelists is None else codelists
    found: list[Definition] = []
    for path in sorted(folder.glob("*.toml")):
        definition = parse_definition(path, codelists)
        for other in found:
            shared = [y for y in YEARS if definition.in_force(y) and other.in_force(y)]
            if other.id == definition.id and shared:
                raise InputError(
                    f"cohort id {definition.id!r} is also defined in {other.file}"
                    + (f" for {', '.join(shared)}" if definition.years or other.years else ""),
                    file=path.name,
                    column="id",
                    fix="give each cohort a unique id, or give each version of it `years` "
                    "that do not overlap",
                )
        found.append(definition)
    return found


def parse_definition(path: Path, codelists: dict[str, Codelist]) -> Definition:
    """One definition file, checked against the vocabulary and the codelists."""
    name = path.name
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise InputError(
            f"not valid TOML: {exc}", file=name, fix="correct the TOML syntax"
        ) from exc
    missing = [key for key in REQUIRED if key not in data or data[key] in ("", None)]
    unknown = sorted(set(data) - set(REQUIRED) - set(OPTIONAL))
    if missing or unknown:  # a missing key is reported first
        raise InputError(
            f"missing {', '.join(missing)}" if missing else f"unknown key {unknown[0]!r}",
            file=name,
            column=(missing or unknown)[0],
            fix=f"every definition needs: {', '.join(REQUIRED)}"
            if missing
            else f"use only: {', '.join((*REQUIRED, *OPTIONAL))}",
        )
    years = data.get("years", list(YEARS))
    if not isinstance(years, list) or not years or set(map(str, years)) - set(YEARS):
        raise InputError(
            f"years must list financial years OpenPCN holds definitions for, not {years!r}",
            file=name,
            column="years",
            fix=f'write e.g. years = ["{YEARS[0]}"], from {", ".join(YEARS)}; or leave it out '
            "for a definition in force every year",
        )
    if data["spec"] not in SPECS:
        raise InputError(
            f"unknown spec {data['spec']!r}",
            file=name,
            column="spec",
            fix=f"use one of {', '.join(SPECS)}",
        )
    criteria = _criterion(data["criteria"], name, codelists, "criteria")
    return Definition(
        id=str(data["id"]),
        spec=str(data["spec"]),
        title=str(data["title"]),
        description=" ".join(str(data["description"]).split()),
        criteria=criteria,
        source=str(data["source"]),
        checked_by=str(data["checked_by"]),
        date=str(data["date"]),
        file=name,
        years=() if "years" not in data else tuple(y for y in YEARS if y in years),
        indicator=str(data.get("indicator", "")),
        local=" ".join(str(data.get("local", "")).split()),
    )


def _criterion(raw: object, file: str, codelists: dict[str, Codelist], where: str) -> Criterion:
    if not isinstance(raw, dict) or len(raw) != 1:
        raise InputError(
            f"{where} must be a table with exactly one criterion or combinator",
            file=file,
            column=where,
            fix='write e.g. { all = [ {...}, {...} ] } or { has_event = { codelist = "..." } }',
        )
    ((kind, params),) = raw.items()
    path = f"{where}.{kind}"
    if kind in COMBINATORS:
        items = [params] if kind == "not" else params
        if not isinstance(items, list) or not items:
            raise InputError(
                f"{path} needs a non-empty list of criteria",
                file=file,
                column=path,
                fix=f"write {kind} = [ {{...}}, {{...}} ]" if kind != "not" else "not = { ... }",
            )
        children = tuple(
            _criterion(item, file, codelists, f"{path}[{i}]") for i, item in enumerate(items)
        )
        return Node(kind, children)
    if kind not in VOCABULARY:
        raise InputError(
            f"unknown criterion {kind!r}",
            file=file,
            column=path,
            fix=f"use one of {', '.join([*VOCABULARY, *COMBINATORS])} (docs/cohorts.md)",
        )
    return _leaf(kind, params, file, codelists, path)


def _leaf(kind: str, params: object, file: str, codelists: dict[str, Codelist], path: str) -> Leaf:
    required, optional = VOCABULARY[kind]
    if not isinstance(params, dict):
        params = {"value": params}
    unknown = sorted(set(params) - set(required) - set(optional))
    missing = [key for key in required if key not in params]
    if unknown or missing:
        raise InputError(
            f"{kind} " + (f"has unknown {unknown[0]!r}" if unknown else f"lacks {missing[0]!r}"),
            file=file,
            column=path,
            fix=f"{kind} takes {', '.join(required)}"
            + (f" and optionally {', '.join(optional)}" if optional else ""),
        )

    def bad(what: str, fix: str) -> InputError:
        return InputError(what, file=file, column=path, fix=fix)

    def codelist(key: str) -> Codelist:
        name = params[key]
        if name not in codelists:
            raise bad(
                f"unknown codelist {name!r}",
                "add it to src/openpcn/data/codelists/codelists.toml or correct the name",
            )
        found = codelists[name]
        wants_medicines = kind in ("has_medicine", "no_medicine")
        if found.on_medicines != wants_medicines:
            raise bad(
                f"codelist {name!r} ({found.system}) cannot be used with {kind}",
                "use dm+d or BNF lists with has_medicine / no_medicine, and SNOMED CT or "
                "local lists with the event criteria",
            )
        return found

    leaf: dict[str, Any] = {"kind": kind}
    if "codelist" in params:
        leaf["codelist"] = codelist("codelist")
    if "with" in params:
        leaf["partner"] = codelist("with")
    for key in ("days_before", "days_after"):
        if key in params:
            days = params[key]
            if isinstance(days, bool) or not isinstance(days, int) or days < 0:
                raise bad(f"{key} must be a whole number of days, 0 or more", f"write {key} = 7")
            leaf[key] = days
    if "within" in params:
        leaf["window"] = parse_window(params["within"], file, path)
    if "op" in params:
        if params["op"] not in OPS:
            raise bad(f"unknown operator {params['op']!r}", f"use one of {', '.join(OPS)}")
        leaf["op"] = params["op"]
    for key in ("value", "at_least"):
        if key in params and kind not in ("care_home_resident", "care_home_aligned_to_pcn"):
            if kind == "efi_category":
                continue
            value = params[key]
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise bad(f"{key} must be a number", f"write e.g. {key} = 10")
            leaf["number"] = float(value)
    if kind in ("care_home_resident", "care_home_aligned_to_pcn"):
        if not isinstance(params["value"], bool):
            raise bad(f"{kind} must be true or false", f"write {kind} = true")
        leaf["flag"] = params["value"]
    if kind == "efi_category":
        value = params["value"]
        values = [value] if isinstance(value, str) else value
        if not isinstance(values, list) or not values or set(values) - set(EFI_CATEGORIES):
            raise bad("unknown eFI category", f"use a list of {', '.join(EFI_CATEGORIES)}")
        leaf["categories"] = tuple(values)
    if "repeat" in params:
        if not isinstance(params["repeat"], bool):
            raise bad("repeat must be true or false", "write repeat = true")
        leaf["repeat"] = params["repeat"]
    return Leaf(**leaf)


def parse_window(raw: object, file: str = "", column: str = "") -> Window:
    """'12 months' -> Window(12, 'months'); anything else fails with the accepted forms."""
    match = _WINDOW.match(str(raw).strip()) if isinstance(raw, str) else None
    if not match or int(match.group(1)) == 0:
        raise InputError(
            f"malformed window {raw!r}",
            file=file or None,
            column=column or None,
            fix='write a positive whole number and a unit, e.g. "12 months", "5 years", "21 days"',
        )
    unit = match.group(2)
    return Window(int(match.group(1)), unit if unit.endswith("s") else unit + "s")
