"""Network Contract DES rules per financial year, read from data files (DESIGN convention 2).

Each year is one TOML file in openpcn/data/rules/funding/ (e.g. 2020-21.toml). Each stream is
one or more dated rows (`[[rates.KEY]]`: a rate in force from a date to a date, whole months,
with its unit, public source and whether it is UNCONFIRMED), so a mid-year change is one more
row. A user's own TOML file with the same layout can replace a stream's rows
(`rules_for(year, override=...)`); replaced rows name that file as their source.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import tomllib
from dataclasses import dataclass, field, replace
from decimal import Decimal
from fractions import Fraction
from importlib import resources
from pathlib import Path
from typing import Any

from openpcn.exceptions import InputError
from openpcn.orgs.dates import normalise_year

#: the streams a year's file may give rows for; `iif` and `arrs` are shown as iif_max, arrs_sum
RATE_KEYS = (
    "core",
    "clinical_director",
    "network_participation",
    "extended_hours",
    "enhanced_access",
    "care_home_premium",
    "pcn_support",
    "leadership_management",
    "capacity_access",
    "capacity_access_improvement",
    "iif",
    "arrs",
    "arrs_gp",
)
UNITS = (
    "per_registered_patient",
    "per_weighted_patient",
    "per_adjusted_patient",
    "per_bed",
    "per_point",
    "role_caps",
)
#: how a row's value is read: an annual rate (paid 1/12 a month), or the amount for its months
PERS = ("year", "period")
UNIT_WORDS = {
    "per_registered_patient": "per registered patient",
    "per_weighted_patient": "per weighted patient",
    "per_adjusted_patient": "per adjusted patient",
    "per_bed": "per bed",
    "per_point": "per IIF point",
    "role_caps": "x the roles' caps",
}
#: registered patients from which a PCN may claim a role's larger WTE limit ("100,000 or over")
LARGE_PCN = 100_000


def month_starts(start: dt.date, end: dt.date) -> list[dt.date]:
    """The first day of every month from start's month to end's month, inclusive."""
    out, day = [], start.replace(day=1)
    while day <= end:
        out.append(day)
        day = dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return out


def gbp(value: float) -> str:
    """GBP with at least two decimals and as many more as the figure has (GBP 1.761)."""
    exact = Decimal(str(value)).normalize()
    places = max(2, -int(exact.as_tuple().exponent))
    return f"£{value:,.{places}f}"


@dataclass(frozen=True)
class Rate:
    """One dated row of a stream: a rate in force from `start` to `end` (whole months).

    `per = "year"`: `value` is an annual rate, paid value / 12 a month; `per = "period"`: `value`
    is the amount for the row's months together, paid in equal parts (e.g. GBP 0.514 for the
    clinical director's Jul 2019-Mar 2020).
    """

    key: str
    value: float
    unit: str
    start: dt.date
    end: dt.date
    source: str
    unconfirmed: bool
    note: str = ""
    per: str = "year"

    @property
    def months(self) -> int:
        """How many months the row covers."""
        return len(month_starts(self.start, self.end))

    def in_force(self, month: dt.date) -> bool:
        """Whether the row pays for the month starting on `month`."""
        return self.start <= month <= self.end

    def monthly(self) -> Fraction:
        """GBP per unit paid for each month the row is in force (exact)."""
        value = Fraction(str(self.value))
        return value / 12 if self.per == "year" else value / self.months

    def describe(self) -> str:
        """e.g. 'GBP 1.50 per registered patient per year from 2019-04-01 to 2020-03-31 (PQ)'."""
        per = "per year" if self.per == "year" else f"for the {self.months} months"
        flag = "; assumption" if self.unconfirmed else ""
        return (
            f"{gbp(self.value)} {UNIT_WORDS[self.unit]} {per} from {self.start.isoformat()} "
            f"to {self.end.isoformat()} ({self.source}{flag})"
        )

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready, with the dates as text and `from`/`to` as in the file."""
        return {
            "key": self.key,
            "value": self.value,
            "unit": self.unit,
            "per": self.per,
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "months": self.months,
            "source": self.source,
            "unconfirmed": self.unconfirmed,
            "note": self.note,
            "rule": self.describe(),
        }


#: a cap in force from a date: (ISO date, cap per WTE per year, London cap or None, source)
CapRow = tuple[str, float, float | None, str]
#: a WTE limit in force from a date: (ISO date, limit or None = none, limit over 100,000 or None)
LimitRow = tuple[str, float | None, float | None]
BUDGETS = ("arrs", "gp")  # the ARR sum, and the ring-fenced GP sum of 2024/25


@dataclass(frozen=True)
class Role:
    """An ARRS role eligible in the year, with its reimbursement cap per WTE per year.

    Caps and WTE limits that change within the year are dated rows (`cap_changes`,
    `limit_changes`), not a new code path: a post's cost for the year is the sum over its months
    of (the cap in force that month / 12) x WTE x the reimbursement rate (`cost_per_wte`).
    Rows are kept as tuples of ISO strings and numbers so that `as_dict` stays JSON-ready.
    """

    key: str
    label: str
    max_reimbursement: float | None
    reimbursement_rate: float
    from_date: dt.date
    max_wte: float | None
    source: str
    unconfirmed: bool
    note: str = ""
    max_wte_large_pcn: float | None = None  # the limit for PCNs of 100,000 patients or more
    london_max_reimbursement: float | None = None  # the London cap where a source gives it
    london_factor: float | None = None  # else the cap x this (a labelled assumption)
    cap_changes: tuple[CapRow, ...] = ()
    limit_changes: tuple[LimitRow, ...] = ()
    budget: str = "arrs"  # which sum pays for the role: "arrs" or "gp" (the GP ring-fence)
    shares_limit_with: str | None = None  # a role whose WTE limit this one counts against

    def wte_cap(self, registered_patients: float, on: dt.date | None = None) -> float | None:
        """The WTE the PCN may claim for this role on `on` (None = no cap; `on` None = the
        limit at the role's start)."""
        large = registered_patients >= LARGE_PCN
        limit, limit_large = self.max_wte, self.max_wte_large_pcn
        for start, wte, wte_large in self.limit_changes:
            if on is not None and dt.date.fromisoformat(start) <= on:
                limit, limit_large = wte, wte_large
        if large and limit_large is not None:
            return limit_large
        return limit

    def cap_on(self, day: dt.date, london: bool = False) -> float | None:
        """The cap per WTE per year in force on `day` (London weighting when `london`)."""
        if self.max_reimbursement is None:
            return None
        cap, london_cap = self.max_reimbursement, self.london_max_reimbursement
        for start, value, london_value, _ in self.cap_changes:
            if dt.date.fromisoformat(start) <= day:
                cap, london_cap = value, london_value
        if not london:
            return cap
        if london_cap is not None:
            return london_cap
        return cap * self.london_factor if self.london_factor else cap

    def cost_per_wte(self, start: dt.date, end: dt.date, london: bool = False) -> float:
        """What one WTE can claim from `start` (or the role's own start) to `end`: the sum over
        months of cap in force / 12 x the reimbursement rate; the first month counts by its
        days left (a post from 16 Oct claims 16/31 of October)."""
        day = max(start, self.from_date)
        total = 0.0
        while day <= end:
            days = calendar.monthrange(day.year, day.month)[1]
            cap = self.cap_on(day, london) or 0.0
            total += cap / 12 * (days - day.day + 1) / days
            day = dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)
        return total * self.reimbursement_rate


@dataclass(frozen=True)
class YearRules:
    """Every rate, role and IIF figure in force in one financial year."""

    year: str
    start: dt.date
    end: dt.date
    list_date: dt.date
    rates: dict[str, tuple[Rate, ...]]  # stream -> its dated rows, earliest first
    roles: dict[str, Role]
    iif: dict[str, Any]
    source_file: str
    checked_by: str = ""
    checked_date: str = ""
    overrides: tuple[str, ...] = field(default=())

    def months(self, key: str) -> int:
        """Months of the year in which the stream is paid (0 when it is not paid)."""
        return sum(1 for m in self.month_starts() if any(r.in_force(m) for r in self.rows(key)))

    def rows(self, key: str) -> tuple[Rate, ...]:
        """The stream's dated rows (none when it is not paid this year)."""
        return self.rates.get(key, ())

    def month_starts(self) -> list[dt.date]:
        """The first day of each month of the financial year."""
        return month_starts(self.start, self.end)

    def unconfirmed(self, key: str) -> bool:
        """Whether any row of the stream rests on an assumption."""
        return any(r.unconfirmed for r in self.rows(key))

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: every rate and role with its source and UNCONFIRMED flag."""
        return {
            "year": self.year,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "list_date": self.list_date.isoformat(),
            "source_file": self.source_file,
            "checked_by": self.checked_by,
            "checked_date": self.checked_date,
            "rates": [r.as_dict() for rows in self.rates.values() for r in rows],
            "roles": [
                vars(r) | {"from_date": r.from_date.isoformat()} for r in self.roles.values()
            ],
            "iif": dict(self.iif),
        }


def _folder() -> Any:
    return resources.files("openpcn.data").joinpath("rules", "funding")


def financial_years() -> list[str]:
    """The financial years with a shipped rules file, oldest first."""
    names = sorted(p.name for p in _folder().iterdir() if p.name.endswith(".toml"))
    return [n[: -len(".toml")].replace("-", "/") for n in names]


def rules_for(year: str, override: Path | None = None) -> YearRules:
    """The rules for a financial year, with a user's file's values replacing the shipped ones."""
    key = normalise_year(year)
    known = financial_years()
    if key not in known:
        raise InputError(
            f"no funding rules for {key}",
            fix=f"use one of {', '.join(known)}, or supply a rules file with --rules",
        )
    name = f"{key.replace('/', '-')}.toml"
    text = _folder().joinpath(name).read_text(encoding="utf-8")
    data = _parse(text, f"openpcn/data/rules/funding/{name}")
    overrides: tuple[str, ...] = ()
    if override is not None:
        label = str(override)
        if not override.is_file():
            raise InputError("rules file not found", file=label, fix="check the path")
        extra = _parse(override.read_text(encoding="utf-8"), label)
        if "year" in extra and normalise_year(str(extra["year"])) != key:
            raise InputError(
                f"the file is for {extra['year']}, not {key}",
                file=label,
                column="year",
                fix="use the rules file for the year asked, or remove its `year` line",
            )
        data, overrides = _merge(data, extra, label)
    return _build(data, f"openpcn/data/rules/funding/{name}", key, overrides, override)


def _parse(text: str, label: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = re.search(r"line (\d+)", str(exc))
        raise InputError(
            f"not valid TOML: {exc}",
            file=label,
            row=int(line.group(1)) if line else None,
            fix="check the quoting and brackets on that line (see docs/funding.md for the layout)",
        ) from None


def _merge(
    base: dict[str, Any], extra: dict[str, Any], label: str
) -> tuple[dict[str, Any], tuple[str, ...]]:
    """Deep-merge the user's tables over the shipped ones; touched entries cite the user's file."""
    merged = {k: (dict(v) if isinstance(v, dict) else v) for k, v in base.items()}
    touched = []
    for section in ("rates", "roles", "iif"):
        if not isinstance(extra.get(section, {}), dict):
            raise InputError(
                f"[{section}] must be a table",
                file=label,
                column=section,
                fix=f"write [{section}.KEY] (or [iif]) followed by key = value lines",
            )
    for entry, values in extra.get("rates", {}).items():
        merged.setdefault("rates", {})
        merged["rates"][entry] = _merge_rows(merged["rates"].get(entry, []), values, entry, label)
        touched.append(f"rates.{entry}")
    for entry, values in extra.get("roles", {}).items():
        if not isinstance(values, dict):
            raise InputError(
                "expected a table of values",
                file=label,
                column=f"roles.{entry}",
                fix=f"write it as [roles.{entry}] with key = value lines",
            )
        old = dict(merged.setdefault("roles", {}).get(entry, {}))
        old.update(values)
        # the user's figures are theirs: cite their file and drop the shipped caveat
        old["source"] = values.get("source", label)
        old["unconfirmed"] = values.get("unconfirmed", False)
        old["note"] = values.get("note", f"set in {label}")
        merged["roles"][entry] = old
        touched.append(f"roles.{entry}")
    if "iif" in extra:
        iif = dict(merged.get("iif", {}))
        iif.update(extra["iif"])
        if "source" not in extra["iif"]:
            iif["source"] = label
        if "unconfirmed" not in extra["iif"]:
            iif["unconfirmed"] = False
        merged["iif"] = iif
        touched.append("iif")
    for top in ("start", "end", "list_date"):
        if top in extra:
            merged[top] = extra[top]
            touched.append(top)
    return merged, tuple(touched)


def _mine(values: dict[str, Any], label: str) -> dict[str, Any]:
    """A user's row: it cites their file and drops the shipped caveat unless it says otherwise."""
    row = dict(values)
    row.setdefault("source", label)
    row.setdefault("unconfirmed", False)
    row.setdefault("note", f"set in {label}")
    return row


def _merge_rows(shipped: Any, values: Any, entry: str, label: str) -> list[dict[str, Any]]:
    """[[rates.KEY]] rows replace the stream's rows; a [rates.KEY] table edits its only row."""
    if isinstance(values, list) and all(isinstance(v, dict) for v in values):
        return [_mine(v, label) for v in values]
    if not isinstance(values, dict):
        raise InputError(
            "expected dated rows",
            file=label,
            column=f"rates.{entry}",
            fix=f"write each row as [[rates.{entry}]] with from, to, value, unit, source lines",
        )
    rows = shipped if isinstance(shipped, list) else []
    if len(rows) != 1:
        raise InputError(
            f"{entry} has {len(rows)} dated rows this year, so a single [rates.{entry}] table "
            "cannot say which to change",
            file=label,
            column=f"rates.{entry}",
            fix=f"give all of the stream's rows as [[rates.{entry}]] with from, to, value, unit",
        )
    row = dict(rows[0]) | values
    row["source"] = values.get("source", label)
    row["unconfirmed"] = values.get("unconfirmed", False)
    row["note"] = values.get("note", f"set in {label}")
    return [row]


class _Reader:
    """Typed access to one TOML table, raising InputError that names the file and key."""

    def __init__(self, data: dict[str, Any], label: str, path: str, row: int | None = None) -> None:
        self.data, self.label, self.path, self.row = data, label, path, row

    def _fail(self, key: str, what: str, fix: str) -> InputError:
        where = ".".join(part for part in (self.path, key) if part)
        return InputError(what, file=self.label, row=self.row, column=where, fix=fix)

    def number(self, key: str, *, optional: bool = False, minimum: float = 0.0) -> float | None:
        if key not in self.data:
            if optional:
                return None
            raise self._fail(key, "missing", f"add `{key} = <number>`")
        value = self.data[key]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self._fail(key, "must be a number", f"write `{key} = 1.5` (no quotes)")
        if value < minimum:
            raise self._fail(key, f"must be at least {minimum:g}", "money and counts are >= 0")
        return float(value)

    def text(self, key: str, *, default: str | None = None) -> str:
        value = self.data.get(key, default)
        if not isinstance(value, str) or (default is None and not value.strip()):
            raise self._fail(key, "must be a non-empty text", f'write `{key} = "..."`')
        return value

    def flag(self, key: str) -> bool:
        value = self.data.get(key)
        if not isinstance(value, bool):
            raise self._fail(key, "must be true or false", f"write `{key} = true` or false")
        return value

    def date(self, key: str) -> dt.date:
        value = self.data.get(key)
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                pass
        raise self._fail(key, "must be a date", f"write `{key} = 2020-04-01` (no quotes)")


def _build(
    data: dict[str, Any],
    label: str,
    year: str,
    overrides: tuple[str, ...],
    override: Path | None,
) -> YearRules:
    # Errors name the user's file when they changed the key, else the shipped file.
    def file_for(key: str) -> str:
        return str(override) if override is not None and key in overrides else label

    top = _Reader(data, label, "")
    start, end = top.date("start"), top.date("end")
    if end <= start:
        raise top._fail("end", "must be after start", "a financial year runs 1 Apr - 31 Mar")
    rates: dict[str, tuple[Rate, ...]] = {}
    for key, rows in _streams(data, label).items():
        rates[key] = _rows(key, rows, file_for(f"rates.{key}"), start, end)
    roles: dict[str, Role] = {}
    for key, values in _table(data, "roles", label).items():
        r = _Reader(values, file_for(f"roles.{key}"), f"roles.{key}")
        share = r.number("reimbursement_rate") or 0.0
        if share > 1:
            raise r._fail("reimbursement_rate", "must be at most 1", "0.7 means 70%")
        roles[key] = _role(key, r, share)
    iif: dict[str, Any] = {}
    if data.get("iif"):
        raw = data["iif"]
        if not isinstance(raw, dict):
            raise top._fail("iif", "must be a table", "write it as [iif] with key = value lines")
        r = _Reader(raw, file_for("iif"), "iif")
        iif = {
            "points": r.number("points"),
            "per_point": rates["iif"][0].value if rates.get("iif") else r.number("per_point"),
            "average_pcn_list": r.number("average_pcn_list", minimum=1.0),
            "prevalence_adjustment": bool(raw.get("prevalence_adjustment", False)),
            "source": r.text("source"),
            "unconfirmed": r.flag("unconfirmed"),
            "note": r.text("note", default=""),
        }
    rules = YearRules(
        year=year,
        start=start,
        end=end,
        list_date=top.date("list_date"),
        rates=rates,
        roles=roles,
        iif=iif,
        source_file=label if override is None else f"{label} + {override}",
        checked_by=str(data.get("checked_by", "")),
        checked_date=str(data.get("date", "")),
        overrides=overrides,
    )
    return rules


def _role(key: str, r: _Reader, share: float) -> Role:
    """One `[roles.KEY]` table: its caps, WTE limits and budget, with dated rows checked."""
    budget = r.text("budget", default="arrs")
    if budget not in BUDGETS:
        raise r._fail("budget", f"unknown budget {budget!r}", f"use one of {', '.join(BUDGETS)}")
    caps: list[CapRow] = []
    for i, row in enumerate(_role_rows(r, "cap_changes")):
        c = _Reader(row, r.label, f"{r.path}.cap_changes[{i}]")
        caps.append(
            (
                c.date("from").isoformat(),
                c.number("max_reimbursement") or 0.0,
                c.number("london_max_reimbursement", optional=True),
                c.text("source", default=r.data.get("source", "")),
            )
        )
    limits: list[LimitRow] = []
    for i, row in enumerate(_role_rows(r, "limit_changes")):
        c = _Reader(row, r.label, f"{r.path}.limit_changes[{i}]")
        limits.append(
            (
                c.date("from").isoformat(),
                c.number("max_wte", optional=True),
                c.number("max_wte_large_pcn", optional=True),
            )
        )
    shares = r.data.get("shares_limit_with")
    return Role(
        key=key,
        label=r.text("label", default=key.replace("_", " ")),
        max_reimbursement=r.number("max_reimbursement", optional=True),
        reimbursement_rate=share,
        from_date=r.date("from_date"),
        max_wte=r.number("max_wte", optional=True),
        source=r.text("source"),
        unconfirmed=r.flag("unconfirmed"),
        note=r.text("note", default=""),
        max_wte_large_pcn=r.number("max_wte_large_pcn", optional=True),
        london_max_reimbursement=r.number("london_max_reimbursement", optional=True),
        london_factor=r.number("london_factor", optional=True),
        cap_changes=tuple(sorted(caps)),
        limit_changes=tuple(sorted(limits, key=lambda row: row[0])),
        budget=budget,
        shares_limit_with=r.text("shares_limit_with") if shares is not None else None,
    )


def _role_rows(r: _Reader, key: str) -> list[dict[str, Any]]:
    """A role's dated rows (`[[roles.KEY.cap_changes]]`), else the user's error."""
    rows = r.data.get(key, [])
    if not isinstance(rows, list) or any(not isinstance(row, dict) for row in rows):
        raise r._fail(key, "must be a list of tables", f"write [[{r.path}.{key}]] with from = DATE")
    return rows


def _table(data: dict[str, Any], name: str, label: str) -> dict[str, dict[str, Any]]:
    value = data.get(name, {})
    if not isinstance(value, dict) or any(not isinstance(v, dict) for v in value.values()):
        raise InputError(
            f"[{name}] must hold one table per entry",
            file=label,
            column=name,
            fix=f"write each entry as [{name}.KEY] followed by key = value lines",
        )
    return value


def _streams(data: dict[str, Any], label: str) -> dict[str, list[dict[str, Any]]]:
    value = data.get("rates", {})
    ok = isinstance(value, dict) and all(
        isinstance(v, list) and all(isinstance(r, dict) for r in v) for v in value.values()
    )
    if not ok:
        raise InputError(
            "[rates] must hold dated rows per stream",
            file=label,
            column="rates",
            fix="write each row as [[rates.KEY]] followed by from, to, value, unit, source lines",
        )
    return value


def _rows(
    key: str, rows: list[dict[str, Any]], label: str, start: dt.date, end: dt.date
) -> tuple[Rate, ...]:
    """Read and check one stream's rows: whole months inside the year, no two overlapping."""
    out: list[Rate] = []
    for i, values in enumerate(rows, start=1):
        r = _Reader(values, label, f"rates.{key}[{i}]", row=i)
        if key not in RATE_KEYS:
            raise r._fail("", f"unknown stream {key!r}", f"use one of {', '.join(RATE_KEYS)}")
        unit = r.text("unit")
        if unit not in UNITS:
            raise r._fail("unit", f"unknown unit {unit!r}", f"use one of {', '.join(UNITS)}")
        per = r.text("per", default="year")
        if per not in PERS:
            raise r._fail("per", f"unknown per {per!r}", 'use "year" (annual rate) or "period"')
        first, last = r.date("from"), r.date("to")
        if first.day != 1:
            raise r._fail("from", "must be the first day of a month", "e.g. from = 2019-07-01")
        if (last + dt.timedelta(days=1)).day != 1:
            raise r._fail("to", "must be the last day of a month", "e.g. to = 2020-03-31")
        if not start <= first <= last <= end:
            raise r._fail(
                "to" if first <= last else "from",
                f"must lie within the year {start} to {end}, from before to",
                "a row covers whole months of its own financial year",
            )
        unconfirmed = r.flag("unconfirmed")
        note = r.text("note", default="")
        if unconfirmed and not note.strip():
            raise r._fail("note", "an unconfirmed row needs a note", "say the assumption in words")
        rate = Rate(
            key=key,
            value=r.number("value") or 0.0,
            unit=unit,
            start=first,
            end=last,
            source=r.text("source"),
            unconfirmed=unconfirmed,
            note=note,
            per=per,
        )
        clash = next(
            (o for o in out if o.unit == unit and o.start <= last and first <= o.end), None
        )
        if clash is not None:
            raise r._fail(
                "from",
                f"overlaps the row from {clash.start} to {clash.end} with the same unit",
                "end one row the month before the next starts (a change is a new row)",
            )
        out.append(rate)
    return tuple(sorted(out, key=lambda x: x.start))


def with_rate(rules: YearRules, key: str, index: int = 0, **changes: Any) -> YearRules:
    """A copy of the rules with one row of a stream changed (for what-if questions and tests)."""
    rates = dict(rules.rates)
    rows = list(rates[key])
    rows[index] = replace(rows[index], **changes)
    rates[key] = tuple(rows)
    return replace(rules, rates=rates)
