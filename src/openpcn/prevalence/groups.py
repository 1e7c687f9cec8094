"""QOF indicator groups as registers read from the records: data/rules/qof_groups.toml.

The rules are data so that a register's codelists, list type or simplification can be changed
(and cited) without a code change; the year end dates turn a QOF year into the date its
registers are counted on.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass
from importlib import resources

from openpcn.exceptions import InputError

RULES = "qof_groups.toml"
YEAR_PATTERN = re.compile(r"^(\d{4})/(\d{2})$")


@dataclass(frozen=True)
class QofGroup:
    """One QOF register: who is on it (codelists) and what it is a share of (list type)."""

    code: str
    description: str
    list_type: str
    min_age: int
    codelists: tuple[str, ...]
    condition: str
    register_indicator: str
    simplification: str
    source: str


def _rules() -> dict:
    text = resources.files("openpcn.data").joinpath("rules", RULES).read_text("utf-8")
    return tomllib.loads(text)


def list_type_ages() -> dict[str, int]:
    """{list type: youngest age in it}, e.g. {'TOTAL': 0, '17OV': 17}."""
    return {str(k): int(v) for k, v in _rules()["list_types"].items()}


def load_groups() -> dict[str, QofGroup]:
    """{group code: QofGroup}, in the file's order; a min_age that disagrees with its list type
    is refused, since the denominator and the register must share one age rule."""
    rules = _rules()
    ages = {str(k): int(v) for k, v in rules["list_types"].items()}
    groups: dict[str, QofGroup] = {}
    for row, entry in enumerate(rules["group"], start=1):
        group = QofGroup(
            code=str(entry["code"]),
            description=str(entry["description"]),
            list_type=str(entry["list_type"]),
            min_age=int(entry["min_age"]),
            codelists=tuple(str(name) for name in entry["codelists"]),
            condition=str(entry["condition"]),
            register_indicator=str(entry["register_indicator"]),
            simplification=str(entry["simplification"]),
            source=str(entry["source"]),
        )
        if ages.get(group.list_type) != group.min_age:
            raise InputError(
                f"group {group.code}: min_age {group.min_age} is not the youngest age of list "
                f"type {group.list_type}",
                file=RULES,
                row=row,
                column="min_age",
                fix="make min_age the list type's age in [list_types]",
            )
        groups[group.code] = group
    return groups


def parse_year(text: str) -> str:
    """'2018/19', '2018-19' or '201819' -> '2018/19'; anything else is an InputError."""
    raw = text.strip().replace("-", "/")
    if re.fullmatch(r"\d{6}", raw):
        raw = f"{raw[:4]}/{raw[4:]}"
    match = YEAR_PATTERN.match(raw)
    if not match or (int(match.group(1)) + 1) % 100 != int(match.group(2)):
        raise InputError(
            f"{text!r} is not a QOF year", fix="give the financial year as YYYY/YY, e.g. 2018/19"
        )
    return raw


def year_end(year: str) -> dt.date:
    """The date a QOF year's registers are counted on: 31 March at the end of the year."""
    return dt.date(int(parse_year(year)[:4]) + 1, 3, 31)


def previous_year(year: str) -> str:
    """'2018/19' -> '2017/18'."""
    start = int(parse_year(year)[:4]) - 1
    return f"{start}/{(start + 1) % 100:02d}"
