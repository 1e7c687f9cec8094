"""A refused request value in plain words: which field, what is wrong with it, how to fix it.

FastAPI's own messages ("query.date: Input should be a valid date") are for programmers; a
page shows these instead, and the API adds the fix to its problem+json. Nothing here repeats
the value that was sent (it may be anything, even patient data pasted by mistake).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from openpcn.orgs.dates import RANGE_WORDS

#: plain names of the parameters the routes share (anything else: its name, spaced)
NAMES = {
    "date": "date",
    "year": "financial year",
    "code": "code",
    "ics": "ICS code",
    "points": "number of dates",
    "step": "months between dates",
    "limit": "number of rows",
}
PLACES = {"query": "in the address", "path": "in the address", "body": "in the form"}
#: how to write a well-formed value of the parameters with a fixed form
FORMS = {
    "date": f"write a date as YYYY-MM-DD, {RANGE_WORDS}",
    "year": "write a financial year such as 2020/21",
    "code": "use a code such as U42510 (a PCN), J81019 (a practice) or 11J (an ICS)",
    "ics": "use an ICS or commissioner code such as 11J",
}
_NOT_A_DATE = "is not a real date"
PROBLEMS = {
    "date_parsing": _NOT_A_DATE,
    "date_from_datetime_parsing": _NOT_A_DATE,
    "date_from_datetime_inexact": _NOT_A_DATE,
    "date_type": _NOT_A_DATE,
    "greater_than_equal": "is too small or too early",
    "greater_than": "is too small or too early",
    "less_than_equal": "is too large or too late",
    "less_than": "is too large or too late",
    "string_pattern_mismatch": "is not written in the right form",
    "int_parsing": "is not a whole number",
    "int_type": "is not a whole number",
    "int_from_float": "is not a whole number",
    "float_parsing": "is not a number",
    "finite_number": "is not a number",
    "enum": "is not one of the choices",
    "literal_error": "is not one of the choices",
    "missing": "is missing",
    "string_too_long": "is too long",
}
BOUNDS = {"ge": "at least", "gt": "more than", "le": "at most", "lt": "less than"}


@dataclass(frozen=True)
class Refusal:
    """One refused value: the parameter's name, a sentence saying what is wrong, its fix."""

    name: str
    where: str  # query, path or body
    problem: str
    fix: str

    @property
    def sentence(self) -> str:
        return f"The {NAMES.get(self.name, self.name.replace('_', ' '))} {self.problem}."


def refusal(error: dict[str, Any]) -> Refusal:
    """One of pydantic's validation errors in plain words."""
    loc = [str(part) for part in error.get("loc", ())]
    where = loc[0] if loc else ""
    name = loc[1] if len(loc) > 1 else (loc[0] if loc else "value")
    kind = str(error.get("type", ""))
    context = error.get("ctx") or {}
    place = PLACES.get(where, "")
    problem = PROBLEMS.get(kind, "cannot be used") + (f" ({place})" if place else "")
    if name in FORMS:
        fix = FORMS[name]
    elif kind in ("enum", "literal_error") and "expected" in context:
        fix = f"use one of: {context['expected']}"
    elif bound := next((k for k in BOUNDS if k in context), None):
        fix = f"use a value {BOUNDS[bound]} {context[bound]}"
    elif kind == "missing":
        fix = "give it a value"
    else:
        fix = "check it and try again"
    return Refusal(name=name, where=where, problem=problem, fix=fix[0].upper() + fix[1:] + ".")
