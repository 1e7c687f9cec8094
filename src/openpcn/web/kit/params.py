"""The API prefix and the query and path parameters several route modules declare.

Codes in a path follow the rules of `openpcn.codes`, read case-blind (the handlers upper-case
them, as the CLI does): `/pcns/u42510/...` is U42510; a malformed code is a 422.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from fastapi import Path, Query

from openpcn.codes import COMMISSIONER_CODE, PCN_CODE, PRACTICE_CODE, Code
from openpcn.config import DEFAULT_DATE, DEFAULT_ICS

API = "/api/v1"
DAY = dt.date.fromisoformat(DEFAULT_DATE)  # the default date, and the one scope is read on


def case_blind(code: Code) -> str:
    """The code's pattern with lower-case letters allowed wherever upper-case ones are."""
    out: list[str] = []
    in_class = escaped = False
    for char in code.pattern:
        if escaped or char == "\\":
            escaped = not escaped
        elif char in "[]":
            in_class = char == "["
        elif char.isupper() and not in_class:
            char = f"[{char}{char.lower()}]"
        out.append(char)
    return re.sub("A-Z(?!a-z)", "A-Za-z", "".join(out))


ICS_PATTERN = case_blind(COMMISSIONER_CODE)


def date_query(description: str, **extra: Any) -> Any:
    """A `date` query parameter defaulting to DEFAULT_DATE, described for the OpenAPI schema."""
    return Query(DAY, description=description, **extra)


IcsQuery = Query(DEFAULT_ICS, pattern=ICS_PATTERN, description="commissioner or ICS code")
ICS_PATH = Path(pattern=ICS_PATTERN, description="commissioner or ICS code", examples=["11J"])
PCN_PATH = Path(pattern=case_blind(PCN_CODE), description="PCN code", examples=["U42510"])
PRACTICE_PATH = Path(
    pattern=case_blind(PRACTICE_CODE), description="practice code", examples=["J81019"]
)
HierarchyDateQuery = date_query("the date the hierarchy is read on (YYYY-MM-DD)")
YearQuery = Query(
    "2020/21",
    pattern=r"^\d{4}[/-]\d{2}$",
    description="financial year, April to March, e.g. 2020/21 (or 2020-21)",
    examples=["2020/21"],
)
