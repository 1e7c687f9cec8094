"""The API prefix and the query and path parameters several route modules declare.

Each is a type for `Annotated` parameters: `date: HierarchyDate = DAY`, `code: PcnPath`.
Codes in a path follow the rules of `openpcn.codes`, read case-blind (the handlers upper-case
them, as the CLI does): `/pcns/u42510/...` is U42510; a malformed code is a 422.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from fastapi import Path, Query

from openpcn.codes import COMMISSIONER_CODE, PCN_CODE, PRACTICE_CODE, Code
from openpcn.config import DEFAULT_DATE
from openpcn.orgs.dates import EARLIEST, LATEST, RANGE_WORDS

API = "/api/v1"
Answer = dict[str, Any]  # a JSON answer; the route's response_model describes it
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


def date_type(description: str, **extra: Any) -> Any:
    """The type of a `date` query parameter (default it to DAY), described for the schema:
    one range for every capability (`openpcn.orgs.dates`), refused before the handler runs."""
    words = f"{description}, {RANGE_WORDS}"
    return Annotated[dt.date, Query(description=words, ge=EARLIEST, le=LATEST, **extra)]


HierarchyDate = date_type("the date the hierarchy is read on (YYYY-MM-DD)")
IcsQuery = Annotated[str, Query(pattern=ICS_PATTERN, description="commissioner or ICS code")]
IcsPath = Annotated[
    str, Path(pattern=ICS_PATTERN, description="commissioner or ICS code", examples=["11J"])
]
PcnPath = Annotated[
    str, Path(pattern=case_blind(PCN_CODE), description="PCN code", examples=["U42510"])
]
PracticePath = Annotated[
    str,
    Path(pattern=case_blind(PRACTICE_CODE), description="practice code", examples=["J81019"]),
]
DEFAULT_YEAR = "2020/21"
Year = Annotated[
    str,
    Query(
        pattern=r"^\d{4}[/-]\d{2}$",
        description="financial year, April to March, e.g. 2020/21 (or 2020-21)",
        examples=[DEFAULT_YEAR],
    ),
]
