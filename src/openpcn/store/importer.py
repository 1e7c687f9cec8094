"""The all-or-nothing import writer: validate everything, then write once, so a bad file changes
nothing.

A reader (see `openpcn.sources`) turns a file into a `Loaded`; `import_loaded` stores it. Order of
work: the reader has validated the file; the stored rows the import touches are
read through a read-only connection (the warehouse file is never opened for writing before every
check has passed); merges and referential checks run in memory; then one `write_tables` call
applies the result in a single transaction. With no warehouse yet, one is created only on success.

How rows replace stored rows:
- a table in `Loaded.merge_on` is upserted by that key (other stored rows are kept; columns the
  file does not carry keep their stored values for existing keys and are empty for new ones);
  in `Loaded.replace_by` too, stored rows sharing those columns' values with the file (e.g. its
  QOF year) are dropped first;
  in `Loaded.update_only` too, its rows whose key is not stored are dropped (never inserted);
- a patient-level table replaces, for the practices the file covers, that table's stored rows
  (see `SCOPES`); other practices' rows are kept;
- any other table is replaced whole.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import duckdb
import pandas as pd
import pyarrow as pa

from openpcn.config import Settings
from openpcn.exceptions import InputError, StoreError, UserError
from openpcn.store.schema import TABLES, Table
from openpcn.store.warehouse import connect, write_tables

# (table, column, target table, target column, what): values must exist in the target, either
# stored or arriving in the same import. practice_lists, cqc_ratings and gpps are not checked:
# national publications name practices outside the register a warehouse holds.
REFERENCES: tuple[tuple[str, str, str, str, str], ...] = (
    ("memberships", "practice_code", "practices", "practice_code", "practice code"),
    ("memberships", "pcn_code", "pcns", "pcn_code", "PCN code"),
    ("groupings", "practice_code", "practices", "practice_code", "practice code"),
    ("band_exceptions", "pcn_code", "pcns", "pcn_code", "PCN code"),
    ("care_homes", "aligned_pcn_code", "pcns", "pcn_code", "PCN code"),
    ("patients", "practice_code", "practices", "practice_code", "practice code"),
    ("patients", "care_home_code", "care_homes", "care_home_code", "care home code"),
    ("events", "patient_id", "patients", "patient_id", "patient id"),
    ("medications", "patient_id", "patients", "patient_id", "patient id"),
    ("hospital_activity", "patient_id", "patients", "patient_id", "patient id"),
    ("appointments", "patient_id", "patients", "patient_id", "patient id"),
    ("appointments", "practice_code", "practices", "practice_code", "practice code"),
    ("workforce", "practice_code", "practices", "practice_code", "practice code"),
    ("workforce", "pcn_code", "pcns", "pcn_code", "PCN code"),
)

# How a patient-level table's rows belong to practices: by its own practice_code, or through
# its patient's practice. Tables are written in this order (dependants before `patients`, whose
# stored rows their delete predicates read).
SCOPES: dict[str, str] = {
    "events": "patient",
    "medications": "patient",
    "hospital_activity": "patient",
    "appointments": "practice",
    "workforce": "workforce",
    "patients": "practice",
}


@dataclass
class Loaded:
    """What a reader hands to the importer: frames per warehouse table.

    `merge_on` names, per table, the key to upsert by (rows with other keys are kept; columns the
    file does not provide keep their stored values). Tables not in `merge_on` are replaced whole.
    `update_only` names merged tables whose rows may only update stored keys: rows with a key the
    warehouse does not hold are dropped (when there is a warehouse). `replace_by` names, per
    merged table, columns whose values the file covers whole: stored rows sharing them with any
    incoming row are removed before the merge (a QOF year's file replaces that year).
    """

    frames: dict[str, pd.DataFrame]
    merge_on: dict[str, tuple[str, ...]] = field(default_factory=dict)
    update_only: frozenset[str] = frozenset()
    replace_by: dict[str, tuple[str, ...]] = field(default_factory=dict)
    note: str = ""


@dataclass
class Plan:
    """The single write an import makes, decided before the warehouse is opened for writing.

    `rows` counts the rows taken from the file per table (after update-only rows are dropped).
    """

    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    delete_where: dict[str, str] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)


def import_loaded(loaded: Loaded, settings: Settings, *, file: str) -> dict[str, int]:
    """Check `loaded` against itself and the stored rows, then write it once: all or nothing.

    Returns the rows taken from the file per warehouse table.
    """
    with Stored(settings) as stored:
        plan = plan_import(loaded, stored, file=file)
    frames = {name: to_arrow(frame, TABLES[name]) for name, frame in plan.frames.items()}
    write_tables(settings.warehouse_path, frames, replace=True, delete_where=plan.delete_where)
    return plan.rows


class Stored:
    """Read-only view of what the warehouse holds; empty tables when there is no warehouse.

    Closed before the write: DuckDB refuses a read-write connection to a file this process
    still holds open read-only.
    """

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._con = None
        self._tables: set[str] = set()

    def __enter__(self) -> Stored:
        if self._settings.warehouse_path.exists():
            self._con = connect(self._settings, engine="duckdb")
            self._tables = set(self._con.list_tables())
        return self

    def __exit__(self, *exc: object) -> None:
        if self._con is not None:
            self._con.disconnect()
            self._con = None

    def holds(self, name: str) -> bool:
        """Whether there is a warehouse and it has table `name`."""
        return self._con is not None and name in self._tables

    def frame(self, name: str, columns: Iterable[str] | None = None) -> pd.DataFrame:
        """Stored rows of `name` (selected columns), typed like a loader's frames."""
        spec = TABLES[name]
        wanted = list(columns) if columns is not None else spec.column_names
        if not self.holds(name):
            return conform(pd.DataFrame(columns=wanted), spec, wanted)
        try:
            data = self._con.table(name).select(wanted).to_pandas()
        except duckdb.Error as exc:
            raise StoreError(f"cannot read {name} from the warehouse: {exc}") from exc
        return conform(data, spec, wanted)

    def values(self, name: str, column: str) -> pd.Series:
        """Distinct stored values of one column."""
        if not self.holds(name):
            return pd.Series([], dtype="string")
        t = self._con.table(name)
        data = t.select(column).distinct().to_pandas()[column]
        return data.dropna().astype("string")


def conform(frame: pd.DataFrame, spec: Table, columns: Iterable[str] | None = None) -> pd.DataFrame:
    """Cast to the dtypes loaders produce (string, date objects, Int64, float64, boolean)."""
    wanted = list(columns) if columns is not None else spec.column_names
    dtypes = {c.name: c.dtype for c in spec.columns}
    out = pd.DataFrame(index=frame.index)
    for name in wanted:
        values = frame[name] if name in frame else pd.Series(None, index=frame.index, dtype=object)
        kind = dtypes[name]
        if kind == "date":
            stamps = pd.to_datetime(values)
            out[name] = stamps.dt.date.astype("object").where(stamps.notna(), None)
        elif kind == "int64":
            out[name] = pd.to_numeric(values).astype("Int64")
        elif kind == "float64":
            out[name] = pd.to_numeric(values).astype("float64")
        elif kind == "boolean":
            out[name] = values.astype("boolean")
        elif isinstance(values.dtype, pd.StringDtype):
            out[name] = values
        else:
            out[name] = values.astype("string")
    return out


def to_arrow(frame: pd.DataFrame, spec: Table) -> pa.Table:
    """The frame as an Arrow table with the schema's exact types, for DuckDB to scan."""
    schema = spec.arrow_schema()
    return pa.Table.from_pandas(frame[spec.column_names], schema=schema, preserve_index=False)


# -- planning ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Origin:
    """How to name a frame's rows in errors: its file and the source row of each position."""

    file: str
    first_row: int | None
    row_numbers: tuple[int, ...] | None

    @classmethod
    def of(cls, frame: pd.DataFrame, default_file: str) -> _Origin:
        numbers = frame.attrs.get("row_numbers")
        return cls(
            file=str(frame.attrs.get("file", default_file)),
            first_row=frame.attrs.get("first_row"),
            row_numbers=tuple(numbers) if numbers is not None else None,
        )

    def kept(self, mask: pd.Series) -> _Origin:
        """The origin of the rows `mask` keeps, so errors still name their source rows."""
        if self.row_numbers is not None:
            numbers: Iterable[int] = self.row_numbers
        elif self.first_row is not None:
            numbers = range(self.first_row, self.first_row + len(mask))
        else:
            return self
        keep = mask.to_numpy(dtype=bool)
        return _Origin(self.file, None, tuple(n for n, k in zip(numbers, keep, strict=True) if k))

    def error(self, what: str, position: int, column: str, fix: str) -> InputError:
        if self.row_numbers is not None:
            row: int | None = self.row_numbers[position]
        elif self.first_row is not None:
            row = self.first_row + position
        else:
            row, what = None, f"{what} (record {position + 1} of the rows read)"
        return InputError(what, file=self.file, row=row, column=column, fix=fix)


def plan_import(loaded: Loaded, stored: Stored, *, file: str) -> Plan:
    """Check the loaded frames against each other and the store, and decide the one write."""
    origins = {name: _Origin.of(frame, file) for name, frame in loaded.frames.items()}
    incoming = _shape(loaded, origins)
    for name in loaded.update_only:
        key = loaded.merge_on[name]
        if stored.holds(name):
            known = _key_isin(incoming[name], stored.frame(name, key), key)
            incoming[name] = incoming[name][known].reset_index(drop=True)
            origins[name] = origins[name].kept(known)
    final: dict[str, pd.DataFrame] = {}  # the table as it will be, where the import decides it
    plan = Plan()
    for name, frame in incoming.items():
        key = loaded.merge_on.get(name)
        if key:
            kept = stored.frame(name)
            scope = loaded.replace_by.get(name)
            if scope:
                kept = kept[~_key_isin(kept, frame, scope)]
            merged = _merge(TABLES[name], frame, kept, key, origins[name])
            plan.frames[name] = final[name] = merged
        elif name in SCOPES:
            plan.frames[name] = frame
        else:
            plan.frames[name] = final[name] = frame
    _patient_scopes(incoming, stored, plan, final)
    _check_references(incoming, stored, final, origins)
    order = [*SCOPES, *(n for n in TABLES if n not in SCOPES)]
    plan.frames = {n: plan.frames[n] for n in order if n in plan.frames}
    plan.rows = {name: len(frame) for name, frame in incoming.items()}
    return plan


def _shape(loaded: Loaded, origins: dict[str, _Origin]) -> dict[str, pd.DataFrame]:
    """Typed frames with schema columns; required columns present unless merged by key."""
    out = {}
    for name, frame in loaded.frames.items():
        if name not in TABLES:
            raise UserError(f"the loader produced an unknown table {name!r}")
        spec = TABLES[name]
        extra = [c for c in frame.columns if c not in spec.column_names]
        if extra:
            raise UserError(f"the loader produced unknown {name} column(s): {', '.join(extra)}")
        key = loaded.merge_on.get(name)
        if key:
            for column in key:
                if column not in frame:
                    raise UserError(f"the loader's {name} frame lacks its key column {column!r}")
            columns = [c for c in spec.column_names if c in frame]
        else:
            columns = spec.column_names
            frame = frame.reset_index(drop=True)
        typed = conform(frame.reset_index(drop=True), spec, columns)
        origin = origins[name]
        for col in spec.columns:
            if col.name in typed and not col.nullable:
                bad = _first(typed[col.name].isna())
                if bad is not None:
                    raise origin.error(
                        "a required value is empty",
                        bad,
                        col.name,
                        f"fill in {col.name} on every row",
                    )
        unique = key or spec.key
        if unique:
            bad = _first(typed.duplicated(list(unique), keep="first"))
            if bad is not None:
                raise origin.error(
                    f"duplicate {' + '.join(unique)}",
                    bad,
                    unique[0],
                    "each key may appear once; remove or merge the repeated row",
                )
        out[name] = typed
    return out


def _merge(
    spec: Table, frame: pd.DataFrame, stored: pd.DataFrame, key: tuple[str, ...], origin: _Origin
) -> pd.DataFrame:
    """Upsert by key: replace stored rows with the same key, keep the rest, fill absent columns."""
    spec_columns = list(stored.columns)
    absent = [c for c in spec_columns if c not in frame]
    updated = frame.merge(stored[[*key, *absent]], on=list(key), how="left", indicator=True)
    new = (updated.pop("_merge") == "left_only").to_numpy()
    kept = stored[~_key_isin(stored, frame, key)]
    result = pd.concat([kept, updated[spec_columns]], ignore_index=True)
    for col in spec.columns:
        if col.nullable or col.name not in absent:
            continue
        bad = _first(pd.Series(new & updated[col.name].isna().to_numpy()))
        if bad is not None:
            raise origin.error(
                f"not in the warehouse yet, and this file does not give {col.name}",
                bad,
                key[0],
                f"import the file that defines each {spec.name} row first "
                "(e.g. epraccur for practices, epcn for PCNs), or correct the code",
            )
    return conform(result, spec)


def _key_isin(rows: pd.DataFrame, among: pd.DataFrame, key: tuple[str, ...]) -> pd.Series:
    """Which of `rows` have a key that `among` has too."""
    left = pd.MultiIndex.from_frame(rows[list(key)].astype("object"))
    right = pd.MultiIndex.from_frame(among[list(key)].astype("object"))
    return pd.Series(left.isin(right), index=rows.index)


def _patient_scopes(
    incoming: dict[str, pd.DataFrame],
    stored: Stored,
    plan: Plan,
    final: dict[str, pd.DataFrame],
) -> None:
    """Delete predicates that replace each patient-level table's rows for the practices covered."""
    scoped = [n for n in SCOPES if n in incoming and n not in final]
    if not scoped:
        return
    stored_patients = stored.frame("patients", ["patient_id", "practice_code"])
    new_patients = incoming.get("patients")
    if new_patients is not None and "patients" in scoped:
        covered = set(new_patients["practice_code"].dropna())
        gone = stored_patients["practice_code"].isin(list(covered)) | stored_patients[
            "patient_id"
        ].isin(new_patients["patient_id"])
        final["patients"] = pd.concat(
            [stored_patients[~gone], new_patients[["patient_id", "practice_code"]]],
            ignore_index=True,
        )
    else:
        final["patients"] = stored_patients
    practice_of = final["patients"].set_index("patient_id")["practice_code"]
    for name in scoped:
        frame = incoming[name]
        scope = SCOPES[name]
        if scope == "practice":
            where = f"practice_code IN ({_sql_list(frame['practice_code'])})"
            if name == "patients":
                where += " OR patient_id IN (SELECT patient_id FROM _incoming)"
        elif scope == "patient":
            practices = practice_of.reindex(frame["patient_id"].unique()).dropna()
            where = (
                "patient_id IN (SELECT patient_id FROM patients WHERE practice_code IN "
                f"({_sql_list(practices)})) OR patient_id IN (SELECT patient_id FROM _incoming)"
            )
        else:  # workforce: staff of a practice, or employed by a PCN
            pcn_staff = frame.loc[frame["practice_code"].isna(), "pcn_code"]
            where = (
                f"practice_code IN ({_sql_list(frame['practice_code'])}) OR "
                f"(practice_code IS NULL AND pcn_code IN ({_sql_list(pcn_staff)}))"
            )
        plan.delete_where[name] = where


def _sql_list(values: Iterable[object]) -> str:
    """A SQL list literal of distinct codes; NULL when empty (so `x IN (NULL)` matches nothing)."""
    codes = sorted({str(v) for v in values if v is not None and not pd.isna(v)})
    if not codes:
        return "NULL"
    return ", ".join("'" + code.replace("'", "''") + "'" for code in codes)


def _check_references(
    incoming: dict[str, pd.DataFrame],
    stored: Stored,
    final: dict[str, pd.DataFrame],
    origins: dict[str, _Origin],
) -> None:
    """Every code a row refers to exists after the import (stored, or arriving with it)."""
    for name, column, target, target_column, what in REFERENCES:
        frame = incoming.get(name)
        if frame is None or column not in frame:
            continue
        if target in final:
            known = final[target][target_column].dropna()
        else:
            known = stored.values(target, target_column)
        values = frame[column]
        bad = _first(values.notna() & ~values.isin(known))
        if bad is not None:
            raise origins[name].error(
                f"unknown {what}",
                bad,
                column,
                f"import the {target} that define each {what} first (or in the same import), "
                "or correct it",
            )


def _first(mask: pd.Series) -> int | None:
    hits = mask.fillna(False).to_numpy(dtype=bool).nonzero()[0]
    return int(hits[0]) if len(hits) else None
