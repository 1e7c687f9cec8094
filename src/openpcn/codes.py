"""One home for the identifiers OpenPCN reads and keys on: one `Code` per kind, with its rule.

Readers validate columns with these, the orgs and funding capabilities tell a PCN from a
practice with them, the app DB checks a user's scope with them, and the web declares its path
parameters from them, so the rule for "a PCN code" is written once (model: ehrQL's
`ehrql/codes.py`). ODS codes are keys; what tier a commissioner is (CCG, sub-ICB, ICB) is data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Code:
    """An identifier kind: its name, the regular expression a valid value matches in full, and
    an example to show in an error's fix. Quacks like `re.Pattern` for `match`/`fullmatch`."""

    name: str
    pattern: str
    example: str
    regex: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "regex", re.compile(self.pattern))

    def match(self, value: str) -> re.Match[str] | None:
        return self.regex.match(value)

    def fullmatch(self, value: str) -> re.Match[str] | None:
        return self.regex.fullmatch(value)

    def search(self, value: str) -> re.Match[str] | None:
        return self.regex.search(value)

    def is_valid(self, value: object) -> bool:
        """True when `value` is a string that matches the rule in full."""
        return isinstance(value, str) and self.regex.fullmatch(value) is not None


# ODS codes of GP practices (and other prescribing cost centres): a letter and five digits.
PRACTICE_CODE = Code("practice code", r"^[A-Z]\d{5}$", "J81002 (a letter and five digits)")
# ODS codes of Primary Care Networks: U and five digits.
PCN_CODE = Code("PCN code", r"^U\d{5}$", "U02749 (U and five digits)")
# Commissioners (CCG, sub-ICB location, ICB/ICS) and NHS England regions: three characters.
COMMISSIONER_CODE = Code("commissioner code", r"^[0-9A-Z]{3}$", "11J (three characters)")
# Full UK postcodes as normalised by the readers: outward code, one space, inward code.
POSTCODE = Code("postcode", r"^[A-Z]{1,2}\d[A-Z\d]? \d[A-Z]{2}$", "BH9 2XF")
# Pseudonymous patient ids in an extract (never an NHS number).
PSEUDONYM = Code("pseudonymous id", r"^[A-Za-z0-9_-]{6,64}$", "6-64 letters, digits, '-' or '_'")
# What an NHS number looks like: refused wherever a pseudonym is expected.
NHS_NUMBER_LIKE = Code("NHS number", r"^\d{3}\s?\d{3}\s?\d{4}$", "943 476 5919")

ALL: tuple[Code, ...] = (
    PRACTICE_CODE,
    PCN_CODE,
    COMMISSIONER_CODE,
    POSTCODE,
    PSEUDONYM,
    NHS_NUMBER_LIKE,
)
