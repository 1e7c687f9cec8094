"""Patient-level extracts: one CSV or Parquet file per patient table, validated before any write.

The layout is the warehouse schema itself (`openpcn.store.schema.PATIENT_TABLES`); the rules a
file must pass are in docs/extract-format.md. Errors name the file, the row (the 1-based line of a
CSV, header = line 1; the 1-based record number of a Parquet file), the column and the fix, and
never quote a value: the values are patient-level.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from openpcn.codes import NHS_NUMBER_LIKE, PCN_CODE, PRACTICE_CODE, PSEUDONYM
from openpcn.exceptions import InputError
from openpcn.sources import loader
from openpcn.sources.common import (
    check_pattern,
    check_required,
    check_unique,
    fail_at,
    first_bad,
    refuse_columns,
)
from openpcn.store.importer import Loaded
from openpcn.store.schema import ARROW_TYPES, PATIENT_TABLES, Table, table

SUFFIXES = (".csv", ".parquet")
STRING = pd.StringDtype("pyarrow")  # Arrow-backed text: vectorised checks on millions of rows
EARLIEST = dt.date(1900, 1, 1)

SNOMED_ID = re.compile(r"^\d{6,18}$")  # SNOMED CT and dm+d identifiers (SCTIDs)
# A clinical code is a SNOMED CT id or a documented local code in capitals with hyphens
# (e.g. OPENPCN-ICT-REFERRAL): GP systems carry local codes for activity with no national code.
CLINICAL_CODE = re.compile(r"^(?:\d{6,18}|[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+)$")
# BNF codes: chapter, section, paragraph, sub-paragraph + chemical substance, product, strength
# and formulation, generic equivalent (e.g. 0212000B0AAABAB); shorter prefixes name a group.
BNF_CODE = re.compile(
    r"^\d{2}(?:\d{2}(?:\d{2}(?:\d[0-9A-Z]{2}(?:[0-9A-Z]{2}(?:[0-9A-Z]{4})?)?)?)?)?$"
)
CARE_HOME_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")  # CQC location id or ODS code
STAFF_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
AGE_BAND = re.compile(r"^(?:\d{1,2}-\d{1,3}|\d{2}\+|under \d{2})$")

ALLOWED: dict[tuple[str, str], tuple[str, ...]] = {
    ("patients", "sex"): ("F", "M"),
    ("patients", "ethnicity_group"): ("White", "Asian", "Black", "Mixed", "Other", "Unknown"),
    ("hospital_activity", "kind"): ("ae", "emergency_admission", "elective_admission"),
    ("appointments", "mode"): ("face_to_face", "telephone", "video", "online"),
    ("appointments", "staff_role"): ("gp", "nurse", "pharmacist", "other"),
    ("appointments", "status"): ("attended", "did_not_attend", "cancelled"),
}

CODES: dict[tuple[str, str], tuple[re.Pattern[str], str]] = {
    ("patients", "practice_code"): (PRACTICE_CODE, "practice code"),
    ("patients", "care_home_code"): (CARE_HOME_CODE, "care home code"),
    ("events", "snomed_code"): (CLINICAL_CODE, "SNOMED CT id (or LOCAL-STYLE local code)"),
    ("medications", "dmd_code"): (SNOMED_ID, "dm+d id"),
    ("medications", "bnf_code"): (BNF_CODE, "BNF code"),
    ("appointments", "practice_code"): (PRACTICE_CODE, "practice code"),
    ("care_homes", "care_home_code"): (CARE_HOME_CODE, "care home code"),
    ("care_homes", "aligned_pcn_code"): (PCN_CODE, "PCN code"),
    ("workforce", "staff_id"): (STAFF_ID, "staff id"),
    ("workforce", "practice_code"): (PRACTICE_CODE, "practice code"),
    ("workforce", "pcn_code"): (PCN_CODE, "PCN code"),
    ("workforce", "age_band"): (AGE_BAND, "age band"),
}

# (table, column): inclusive (low, high); None = open
RANGES: dict[tuple[str, str], tuple[float | None, float | None]] = {
    ("patients", "imd_decile"): (1, 10),
    ("hospital_activity", "los_days"): (0, None),
    ("care_homes", "beds"): (0, None),
    ("care_homes", "lat"): (49.0, 61.0),  # the United Kingdom
    ("care_homes", "lon"): (-9.0, 2.0),
    ("workforce", "fte"): (0, None),
}

# (table, later column, earlier column): the later date may not be before the earlier one
ORDERED_DATES: tuple[tuple[str, str, str], ...] = (
    ("patients", "registration_date", "birth_month"),
    ("patients", "deregistration_date", "registration_date"),
    ("patients", "death_date", "birth_month"),
    ("hospital_activity", "end_date", "start_date"),
)


@dataclass(frozen=True)
class _Source:
    """Where rows came from: the file name and the row number of the first data row."""

    file: str
    first_row: int
    note: str

    def fail_at(self, bad: pd.Series, what: str, column: str, fix: str) -> None:
        """Raise InputError at the first True of `bad`, naming this file's row."""
        fail_at(bad, what, file=self.file, column=column, fix=fix, first_row=self.first_row)


def read_table(name: str, path: Path, *, label: str | None = None) -> pd.DataFrame:
    """Read and fully validate one extract file (CSV or Parquet) for patient table `name`.

    Returns the warehouse frame (schema columns and order; string, date, Int64, float64 and
    boolean dtypes). `frame.attrs` carries `file` and `first_row` so later checks (the importer's
    referential integrity) can name the file and row too. `label` names the file in errors
    (default: its name).
    """
    spec = table(name)
    shown = label or path.name
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise InputError(
            f"an extract file must be .csv or .parquet, not {suffix or 'no suffix'!r}",
            file=shown,
            fix=f"export the {name} table as {name}.csv or {name}.parquet",
        )
    if not path.is_file():
        raise InputError("file not found", file=str(path), fix="check the path")
    if suffix == ".csv":
        source = _Source(shown, 2, "row = line in the file, the header is line 1")
    else:
        source = _Source(shown, 1, "row = Parquet record number, counting from 1")
    try:
        if suffix == ".csv":
            frame = _read_csv(spec, path, source)
        else:
            frame = _read_parquet(spec, path, source)
        _validate(spec, frame, source)
    except InputError as exc:
        if exc.where.row is None:
            raise
        raise InputError(
            f"{exc.what} ({source.note})",
            fix=exc.fix,
            file=exc.where.file,
            row=exc.where.row,
            column=exc.where.column,
        ) from None
    frame.attrs.update(file=source.file, first_row=source.first_row)
    return frame


def read_folder(path: Path) -> dict[str, pd.DataFrame]:
    """Read every table file of an extract folder (patients.csv, events.parquet, ...)."""
    if not path.is_dir():
        raise InputError(
            "an extract must be a folder of table files",
            file=str(path),
            fix="point at the folder that holds patients.csv, events.csv, ...",
        )
    names = [t.name for t in PATIENT_TABLES]
    found: dict[str, Path] = {}
    for item in sorted(path.iterdir()):
        if item.suffix.lower() not in SUFFIXES:
            continue
        if item.stem not in names:
            raise InputError(
                "not the name of a patient-level table",
                file=item.name,
                fix=f"name each file after its table: {', '.join(names)} (.csv or .parquet)",
            )
        if item.stem in found:
            raise InputError(
                f"the {item.stem} table is given twice",
                file=item.name,
                fix=f"keep one of {found[item.stem].name} and {item.name}",
            )
        found[item.stem] = item
    if not found:
        raise InputError(
            "the folder holds no extract tables",
            file=str(path),
            fix=f"add files named after the tables: {', '.join(names)} (.csv or .parquet)",
        )
    return {
        name: read_table(name, found[name], label=f"{path.name}/{found[name].name}")
        for name in names
        if name in found
    }


# -- reading ----------------------------------------------------------------------------------


def _read_csv(spec: Table, path: Path, source: _Source) -> pd.DataFrame:
    raw = _csv_strings(spec, path, source.file)
    out = pd.DataFrame(index=raw.index)
    for col in spec.columns:
        values = raw[col.name]
        if col.dtype == "date":
            out[col.name] = _csv_dates(values, col.name, source)
        elif col.dtype in ("float64", "int64"):
            out[col.name] = _csv_numbers(values, col.name, col.dtype, source)
        elif col.dtype == "boolean":
            out[col.name] = _csv_booleans(values, col.name, source)
        else:
            out[col.name] = values.astype(STRING)
    return out


def _csv_strings(spec: Table, path: Path, file: str) -> pd.DataFrame:
    """The cells as stripped strings ("" -> missing), after checking encoding, header and widths.

    Like `read_csv_text`, but every problem also names a column (the field holding a bad byte,
    the first field a short line lacks), so a person can go straight to the cell.
    """
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(
            "the file is not valid UTF-8 text",
            file=file,
            row=line,
            column=_column_of_bad_byte(raw, line),
            fix="save the file as UTF-8 (in Excel: CSV UTF-8)",
        ) from None
    if not text.strip():
        raise InputError(
            "the file is empty", file=file, row=1, fix="export the table with its header row"
        )
    fast = _csv_fast(spec, text, file)
    if fast is not None:
        return fast
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        head = [cell.strip() for cell in next(reader)]
        rows, starts, end = [], [], 1
        for row in reader:
            starts.append(end + 1)
            end = reader.line_num
            rows.append(row)
    except csv.Error as exc:
        raise InputError(
            f"the CSV cannot be parsed ({exc})",
            file=file,
            row=reader.line_num,
            fix="re-export the file; quotes must be closed on the same field",
        ) from None
    while rows and not any(cell.strip() for cell in rows[-1]):
        rows.pop()
    _check_header(spec, head, file)
    width = len(head)
    for row, start in zip(rows, starts, strict=False):
        broken = [i for i, cell in enumerate(row) if "\n" in cell or "\r" in cell]
        if broken:
            raise InputError(
                "a value runs over a line break",
                file=file,
                row=start,
                column=head[broken[0]] if broken[0] < width else None,
                fix="remove line breaks from values, so that each record is one line",
            )
        if len(row) < width:
            raise InputError(
                f"expected {width} fields, found {len(row)} (truncated line?)",
                file=file,
                row=start,
                column=head[len(row)],
                fix="re-export the file; every line needs a field for every column",
            )
        if len(row) > width:
            raise InputError(
                f"expected {width} fields, found {len(row)}: extra field(s) after the last column",
                file=file,
                row=start,
                column=head[-1],
                fix="re-export the file; quote any field that contains a comma",
            )
    frame = pd.DataFrame(rows, columns=head, dtype=STRING)
    return frame.apply(lambda s: s.str.strip()).replace({"": pd.NA})


def _csv_fast(spec: Table, text: str, file: str) -> pd.DataFrame | None:
    """Arrow's CSV reader, when each record is exactly one line (so row = index + 2).

    Anything unusual (a parse error, blank lines, quoted line breaks) returns None and the
    careful reader above finds and names the problem.
    """
    head = [cell.strip() for cell in next(csv.reader([text.split("\n", 1)[0].rstrip("\r")]))]
    missing = [c for c in spec.column_names if c not in head]
    if missing or len(set(head)) != len(head) or not set(head) <= set(spec.column_names):
        return None
    lines = text.rstrip("\r\n").count("\n")  # records expected if one per line
    try:
        data = pacsv.read_csv(
            io.BytesIO(text.encode("utf-8")),
            read_options=pacsv.ReadOptions(column_names=head, skip_rows=1),
            parse_options=pacsv.ParseOptions(newlines_in_values=False),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(head, pa.string()), strings_can_be_null=False
            ),
        )
    except pa.ArrowInvalid:
        return None
    if data.num_rows != lines:
        return None
    columns = {}
    for name in head:
        values = pc.utf8_trim_whitespace(data.column(name))
        columns[name] = pc.if_else(pc.equal(values, ""), pa.scalar(None, pa.string()), values)
    return pa.table(columns).to_pandas(types_mapper={pa.string(): STRING}.get)


def _column_of_bad_byte(raw: bytes, line: int) -> str | None:
    """The header name of the field holding the first undecodable byte on `line`."""
    lines = raw.split(b"\n")
    head = next(csv.reader([lines[0].decode("utf-8-sig", errors="replace")]), [])
    cells = next(csv.reader([lines[line - 1].decode("utf-8", errors="replace")]), [])
    for index, cell in enumerate(cells):
        if "\ufffd" in cell and index < len(head):
            return head[index].strip()
    return None


def _check_header(spec: Table, names: list[str], file: str, row: int | None = 1) -> None:
    """Exactly the schema's columns (any order): none missing, no extras, no repeats."""
    fix = f"the {spec.name} columns are exactly: {', '.join(spec.column_names)}"
    missing = [c for c in spec.column_names if c not in names]
    refuse_columns("missing column(s)", missing, file=file, fix=fix, row=row)
    extra = [n for n in names if n not in spec.column_names]
    refuse_columns("unexpected column(s)", extra, file=file, fix=fix, row=row)
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise InputError(
            "a column is named twice",
            file=file,
            row=row,
            column=repeated[0],
            fix="give each column once",
        )


def _csv_dates(values: pd.Series, column: str, source: _Source) -> pd.Series:
    ok = values.fillna("").str.fullmatch(r"\d{4}-\d{2}-\d{2}").astype(bool)
    text = pa.array(values.where(ok).astype(object).where(ok, None), pa.string())
    stamps = pc.strptime(text, format="%Y-%m-%d", unit="s", error_is_null=True)
    parsed = pd.Series(stamps.cast(pa.date32()).to_pandas(), index=values.index, dtype=object)
    source.fail_at(
        values.notna() & parsed.isna(),
        "not a valid date",
        column,
        "write dates as YYYY-MM-DD (ISO 8601), e.g. 2019-07-01",
    )
    return parsed.where(parsed.notna(), None)


def _csv_numbers(values: pd.Series, column: str, dtype: str, source: _Source) -> pd.Series:
    parsed = pd.to_numeric(values, errors="coerce").astype("float64")
    ok = np.isfinite(parsed.to_numpy(dtype="float64", na_value=np.nan))
    source.fail_at(
        values.notna() & ~pd.Series(ok, index=values.index),
        "not a number",
        column,
        "use digits with '.' as the decimal point and no thousands separators",
    )
    if dtype == "int64":
        source.fail_at(
            parsed.notna() & (parsed % 1 != 0),
            "not a whole number",
            column,
            f"{column} is a count: write it without a fraction",
        )
        return parsed.astype("Int64")
    return parsed


def _csv_booleans(values: pd.Series, column: str, source: _Source) -> pd.Series:
    lowered = values.str.lower()
    parsed = lowered.map({"true": True, "false": False}, na_action="ignore")
    source.fail_at(
        values.notna() & parsed.isna(),
        "not true or false",
        column,
        "write booleans as true or false",
    )
    return parsed.astype("boolean")


def _read_parquet(spec: Table, path: Path, source: _Source) -> pd.DataFrame:
    try:
        data = pq.read_table(path)
    except (pa.ArrowException, OSError) as exc:
        raise InputError(
            f"not a readable Parquet file ({type(exc).__name__})",
            file=source.file,
            fix="write the table with a Parquet writer (pyarrow, Spark, DuckDB), or use CSV",
        ) from None
    _check_header(spec, data.column_names, source.file, row=None)  # no header line in Parquet
    out = pd.DataFrame(index=pd.RangeIndex(data.num_rows))
    for col in spec.columns:
        out[col.name] = _parquet_column(data.column(col.name), col.name, col.dtype, source.file)
    return out


def _parquet_column(values: pa.ChunkedArray, column: str, dtype: str, file: str) -> pd.Series:
    kind = values.type
    if pa.types.is_dictionary(kind):
        values = values.cast(kind.value_type)
        kind = values.type
    if pa.types.is_null(kind):
        values, kind = values.cast(ARROW_TYPES[dtype]), ARROW_TYPES[dtype]
    accepted = {
        "string": pa.types.is_string(kind) or pa.types.is_large_string(kind),
        "date": pa.types.is_date(kind) or pa.types.is_timestamp(kind),
        "float64": pa.types.is_integer(kind) or pa.types.is_floating(kind),
        "int64": pa.types.is_integer(kind) or pa.types.is_floating(kind),
        "boolean": pa.types.is_boolean(kind),
    }[dtype]
    if not accepted:
        raise _wrong_type(values, column, dtype, file, f"has Parquet type {kind}")
    series = values.to_pandas()
    if dtype == "string":
        series = series.astype(STRING).str.strip().replace({"": pd.NA})
        return series
    if dtype == "date":
        if pa.types.is_timestamp(kind):
            stamps = pd.to_datetime(series)
            if stamps.dt.tz is not None:
                stamps = stamps.dt.tz_localize(None)
            if (stamps.notna() & (stamps != stamps.dt.normalize())).any():
                raise _wrong_type(values, column, dtype, file, "has a time of day")
            series = stamps.dt.date.astype("object").where(stamps.notna(), None)
        return series.astype("object").where(series.notna(), None)
    if dtype == "boolean":
        return series.astype("boolean")
    numbers = series.astype("float64")
    bad = first_bad(pd.Series(np.isinf(numbers.to_numpy()), index=numbers.index))
    if bad is not None:
        raise InputError(
            "not a finite number", file=file, row=bad + 1, column=column, fix="use real numbers"
        )
    if dtype == "int64":
        bad = first_bad(numbers.notna() & (numbers % 1 != 0))
        if bad is not None:
            raise InputError(
                "not a whole number",
                file=file,
                row=bad + 1,
                column=column,
                fix=f"{column} is a count: store whole numbers (an integer column)",
            )
        return numbers.astype("Int64")
    return numbers


def _wrong_type(
    values: pa.ChunkedArray, column: str, dtype: str, file: str, problem: str
) -> InputError:
    """Name the first record holding a value, so the error has a row like every other."""
    valid = values.is_valid().to_numpy(zero_copy_only=False)
    hits = np.flatnonzero(valid)
    return InputError(
        f"the column {problem}; expected {dtype}",
        file=file,
        row=int(hits[0]) + 1 if len(hits) else 1,
        column=column,
        fix=f"write {column} as {_HUMAN_TYPE[dtype]}",
    )


_HUMAN_TYPE = {
    "string": "text (a string column), so codes keep their leading zeros",
    "date": "a date column (not text or a number)",
    "float64": "a numeric column (not text)",
    "int64": "an integer column (not text)",
    "boolean": "a boolean column (true/false, not text)",
}


# -- validation -------------------------------------------------------------------------------


def _validate(spec: Table, frame: pd.DataFrame, source: _Source) -> None:
    """Every rule of docs/extract-format.md, first failure wins, in column order."""
    file, first = source.file, source.first_row
    for col in spec.columns:
        if not col.nullable:
            check_required(frame, col.name, file=file, first_row=first)
    if "patient_id" in frame:
        _check_pseudonyms(frame, "patient_id", source)
    for col in spec.columns:
        key = (spec.name, col.name)
        if key in CODES:
            pattern, what = CODES[key]
            check_pattern(
                frame, col.name, pattern, file=file, what=what, first_row=first, nullable=True
            )
        if key in ALLOWED:
            _check_allowed(frame, col.name, ALLOWED[key], source)
        if key in RANGES:
            _check_range(frame, col.name, *RANGES[key], source)
        if col.dtype == "date":
            _check_date_range(frame, col.name, source)
    if spec.name == "patients":
        _check_first_of_month(frame, "birth_month", source)
    for name, later, earlier in ORDERED_DATES:
        if name == spec.name:
            _check_order(frame, later, earlier, source)
    if spec.name == "workforce":
        source.fail_at(
            frame["practice_code"].isna() & frame["pcn_code"].isna(),
            "a post needs a practice or a PCN",
            "practice_code",
            "give practice_code, or pcn_code for staff the PCN employs",
        )
    if spec.key:
        check_unique(frame, list(spec.key), file=file, first_row=first)


def _check_pseudonyms(frame: pd.DataFrame, column: str, source: _Source) -> None:
    file, first = source.file, source.first_row
    values = frame[column].fillna("")
    bad = first_bad(values.str.fullmatch(NHS_NUMBER_LIKE.pattern).astype(bool))
    if bad is not None:
        raise InputError(
            "looks like an NHS number; extracts must be pseudonymised",
            file=file,
            row=first + bad,
            column=column,
            fix="replace every NHS number with a pseudonymous id before export "
            "(6-64 letters, digits, '-' or '_', and not 10 digits)",
        )
    check_pattern(frame, column, PSEUDONYM, file=file, what="pseudonymous id", first_row=first)


def _check_allowed(
    frame: pd.DataFrame, column: str, allowed: tuple[str, ...], source: _Source
) -> None:
    values = frame[column]
    source.fail_at(
        values.notna() & ~values.isin(allowed),
        "not an allowed value",
        column,
        f"use one of: {', '.join(allowed)}",
    )


def _check_range(
    frame: pd.DataFrame,
    column: str,
    low: float | None,
    high: float | None,
    source: _Source,
) -> None:
    values = frame[column].astype("float64")
    out = pd.Series(False, index=values.index)
    if low is not None:
        out |= values < low
    if high is not None:
        out |= values > high
    bad = first_bad(out.fillna(False).astype(bool))
    if bad is not None:
        if high is None:
            fix = f"{column} must be at least {low:g}"
        elif low is None:
            fix = f"{column} must be at most {high:g}"
        else:
            fix = f"{column} must be between {low:g} and {high:g}"
        raise InputError(
            "out of range", file=source.file, row=source.first_row + bad, column=column, fix=fix
        )


def _check_date_range(frame: pd.DataFrame, column: str, source: _Source) -> None:
    today = dt.date.today()
    out = [isinstance(d, dt.date) and not EARLIEST <= d <= today for d in frame[column]]
    source.fail_at(
        pd.Series(out, index=frame.index, dtype=bool),
        "date out of range",
        column,
        f"dates must fall between {EARLIEST.isoformat()} and today",
    )


def _check_first_of_month(frame: pd.DataFrame, column: str, source: _Source) -> None:
    out = [isinstance(d, dt.date) and d.day != 1 for d in frame[column]]
    source.fail_at(
        pd.Series(out, index=frame.index, dtype=bool),
        "not the first day of a month",
        column,
        "give the first day of the birth month (YYYY-MM-01), never a full date of birth",
    )


def _check_order(frame: pd.DataFrame, later: str, earlier: str, source: _Source) -> None:
    pairs = zip(frame[later], frame[earlier], strict=True)
    out = [isinstance(a, dt.date) and isinstance(b, dt.date) and a < b for a, b in pairs]
    source.fail_at(
        pd.Series(out, index=frame.index, dtype=bool),
        f"before {earlier}",
        later,
        f"{later} cannot be earlier than {earlier}",
    )


# -- loaders for `openpcn import` -------------------------------------------------------------

MERGE_KEYS: dict[str, tuple[str, ...]] = {"care_homes": ("care_home_code",)}


def _table_loader(name: str) -> None:
    def load(path: Path) -> Loaded:
        frames = {name: read_table(name, path)}
        return Loaded(frames=frames, merge_on=_merge_on(frames), note=_NOTE)

    load.__name__ = f"load_{name}"
    load.__doc__ = f"One {name} file of a patient-level extract (CSV or Parquet)."
    loader(name)(load)


def _merge_on(frames: dict[str, pd.DataFrame]) -> dict[str, tuple[str, ...]]:
    return {name: key for name, key in MERGE_KEYS.items() if name in frames}


_NOTE = "patient-level rows of the practices in the file replace the stored ones"

for _spec in PATIENT_TABLES:
    _table_loader(_spec.name)


@loader("extract")
def load_extract(path: Path) -> Loaded:
    """A folder of extract tables, imported together: all of them land or none do."""
    frames = read_folder(path)
    return Loaded(frames=frames, merge_on=_merge_on(frames), note=_NOTE)
