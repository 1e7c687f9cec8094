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
# ONS codes of STPs (the 2019 footprints that became ICSs): E54 and six digits.
STP_CODE = Code("STP code", r"^E54\d{6}$", "E54000041 (E54 and six digits)")
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
    STP_CODE,
    POSTCODE,
    PSEUDONYM,
    NHS_NUMBER_LIKE,
)


# ---------------------------------------------------------------- clinical code systems
#: the code systems a codelist may use: SNOMED CT, dm+d, BNF (codes or prefixes), local codes
CODE_SYSTEMS = ("snomedct", "dmd", "bnf", "local")
#: a SNOMED CT concept id's partition identifier (the two digits before the check digit):
#: 00 for an international concept, 10 for a concept in an extension (the UK's)
CONCEPT_PARTITIONS = ("00", "10")
#: a BNF code or prefix: chapter, section, paragraph (digits), sub-paragraph, then chemical,
#: product, strength and equivalent (two letters or digits each), at most 15 characters
_BNF = re.compile(
    r"^\d{2}(\d{2}(\d{2}(\d("  # chapter, section, paragraph, sub-paragraph
    r"[0-9A-Z]{2}([0-9A-Z]{2}([0-9A-Z]{2}([0-9A-Z]{2})?)?)?"  # chemical ... equivalent
    r")?)?)?)?$"
)
# The Verhoeff dihedral group tables (SNOMED CT check digits)
_D = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 2, 3, 4, 0, 6, 7, 8, 9, 5),
    (2, 3, 4, 0, 1, 7, 8, 9, 5, 6),
    (3, 4, 0, 1, 2, 8, 9, 5, 6, 7),
    (4, 0, 1, 2, 3, 9, 5, 6, 7, 8),
    (5, 9, 8, 7, 6, 0, 4, 3, 2, 1),
    (6, 5, 9, 8, 7, 1, 0, 4, 3, 2),
    (7, 6, 5, 9, 8, 2, 1, 0, 4, 3),
    (8, 7, 6, 5, 9, 3, 2, 1, 0, 4),
    (9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
)
_P = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 5, 7, 6, 2, 8, 3, 0, 9, 4),
    (5, 8, 0, 3, 7, 9, 6, 1, 4, 2),
    (8, 9, 1, 6, 0, 4, 3, 5, 2, 7),
    (9, 4, 5, 3, 1, 2, 6, 8, 7, 0),
    (4, 2, 8, 6, 5, 7, 3, 9, 0, 1),
    (2, 7, 9, 3, 8, 0, 6, 4, 1, 5),
    (7, 0, 4, 6, 9, 1, 3, 2, 5, 8),
)


def verhoeff_valid(digits: str) -> bool:
    """True when the last digit is the Verhoeff check digit of the ones before it."""
    check = 0
    for i, digit in enumerate(reversed(digits)):
        check = _D[check][_P[i % 8][int(digit)]]
    return check == 0


def code_problem(system: str, code: str) -> str | None:
    """Why `code` is not a well-formed code of `system`, or None when it is. SNOMED CT and
    dm+d ids (dm+d concepts are SNOMED CT ids): 6-18 digits, no leading zero, a concept's
    partition and a right Verhoeff check digit. BNF: a code or prefix of the BNF's form."""
    if system in ("snomedct", "dmd"):
        if not code.isdigit() or not 6 <= len(code) <= 18 or code.startswith("0"):
            return "not a SNOMED CT identifier (6 to 18 digits, no leading zero)"
        if code[-3:-1] not in CONCEPT_PARTITIONS:
            return f"not a concept id (its partition is {code[-3:-1]}, not 00 or 10)"
        if not verhoeff_valid(code):
            return "not a SNOMED CT identifier (its check digit is wrong)"
        return None
    if system == "bnf" and not _BNF.match(code):
        return "not a BNF code or prefix (e.g. 0212000B0 for a chemical, 0212 for a section)"
    return None
