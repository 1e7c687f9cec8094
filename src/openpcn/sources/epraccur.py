"""ODS epraccur: the national register of GP practices (no header, 27 columns).

The national file holds every prescribing organisation, including non-England codes such as
ALD200 (Alderney). We keep GP practices (prescribing setting 4) and check the ODS practice
code pattern (a letter and five digits) only on the rows we keep; every row must still have
27 fields, a code, a known status and valid dates.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from openpcn.codes import COMMISSIONER_CODE, PRACTICE_CODE
from openpcn.sources import loader
from openpcn.sources.common import (
    check_required,
    check_unique,
    fail_at,
    matches,
    normalise_postcode,
    parse_dates,
    read_csv_text,
)
from openpcn.store.importer import Loaded

# 0-based positions of the fields we use in the 27-column layout. Errors name a column by
# its label, e.g. "field 1 (organisation code)", since the file has no header.
POSITIONS = {
    "code": 0,
    "name": 1,
    "postcode": 9,
    "open_date": 10,
    "close_date": 11,
    "status_code": 12,
    "commissioner": 14,
    "prescribing_setting": 25,
}
NAMES = {"code": "organisation code", "status_code": "status code"}
LABEL = {
    key: f"field {i + 1} ({NAMES.get(key, key.replace('_', ' '))})" for key, i in POSITIONS.items()
}
WIDTH = 27
GP_PRACTICE_SETTING = "4"
STATUS = {"A": "active", "D": "dormant", "C": "closed", "P": "proposed"}
PRACTICE_COLUMNS = [
    "practice_code",
    "name",
    "postcode",
    "commissioner_code",
    "status",
    "open_date",
    "close_date",
]


def read(path: Path) -> pd.DataFrame:
    """GP practices (setting 4) as a `practices` frame subset, validated line by line."""
    everything = read_all(path)
    kept = everything["prescribing_setting"].eq(GP_PRACTICE_SETTING).fillna(False)
    return everything.loc[kept.to_numpy(dtype=bool), PRACTICE_COLUMNS].reset_index(drop=True)


def read_all(path: Path) -> pd.DataFrame:
    """Every organisation in the file, with `prescribing_setting` (4 = GP practice).

    For the reference build: ePCN lists a few core partners that are not setting 4.
    """
    name = path.name
    raw = read_csv_text(path, header=False, columns=WIDTH)
    frame = raw.rename(columns={f"col{i}": LABEL[key] for key, i in POSITIONS.items()})
    c = LABEL
    check_required(frame, c["code"], file=name, first_row=1)
    check_unique(frame, [c["code"]], file=name, first_row=1, what="organisation code")
    check_required(frame, c["status_code"], file=name, first_row=1)
    fail_at(
        ~frame[c["status_code"]].isin(list(STATUS)),
        "status code must be A, C, D or P",
        file=name,
        column=c["status_code"],
        fix="use the ODS status codes: A active, C closed, D dormant, P proposed",
        first_row=1,
    )
    kept = (frame[c["prescribing_setting"]] == GP_PRACTICE_SETTING).fillna(False).astype(bool)
    for column, code, what in (
        (c["code"], PRACTICE_CODE, "ODS practice code"),
        (c["commissioner"], COMMISSIONER_CODE, "commissioner code"),
    ):
        fail_at(
            kept & ~matches(frame[column], code),
            f"not a valid {what}",
            file=name,
            column=column,
            fix=f"{code.name}s look like {code.example}",
            first_row=1,
        )
    fail_at(
        kept & frame[c["name"]].isna(),
        "a required value is empty",
        file=name,
        column=c["name"],
        fix="every practice needs a name",
        first_row=1,
    )
    open_date = parse_dates(frame, c["open_date"], "%Y%m%d", file=name, first_row=1)
    close_date = parse_dates(frame, c["close_date"], "%Y%m%d", file=name, first_row=1)
    out = pd.DataFrame(
        {
            "practice_code": frame[c["code"]],
            "name": frame[c["name"]],
            "postcode": normalise_postcode(frame[c["postcode"]]),
            "commissioner_code": frame[c["commissioner"]],
            "status": frame[c["status_code"]].map(STATUS).astype("string"),
            "open_date": open_date,
            "close_date": close_date,
            "prescribing_setting": frame[c["prescribing_setting"]],
        }
    )
    return out


@loader("epraccur")
def load(path: Path) -> Loaded:
    """Update practices' name, postcode, status, commissioner and dates by practice code."""
    practices = read(path)
    return Loaded(
        frames={"practices": practices},
        merge_on={"practices": ("practice_code",)},
        note=f"{len(practices)} GP practices from epraccur",
    )
