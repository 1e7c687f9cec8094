"""The shipped reference data (src/openpcn/data/reference/*.csv, large ones *.csv.gz) as typed
warehouse tables.

The CSVs are derived from the published NHS files by scripts/build_reference.py and committed
with their provenance; this module only reads them, so the product never needs ../shared.
"""

from __future__ import annotations

import gzip
from importlib import resources

import pandas as pd

from openpcn.store.schema import ORG_TABLES, PUBLICATION_TABLES, Table

PACKAGE = "openpcn.data.reference"


def _typed(frame: pd.DataFrame, spec: Table) -> pd.DataFrame:
    """Cast CSV strings to the schema's types (ISO dates, true/false booleans)."""
    out = pd.DataFrame(index=frame.index)
    for col in spec.columns:
        values = frame[col.name] if col.name in frame else pd.Series(pd.NA, index=frame.index)
        if col.dtype == "date":
            parsed = pd.to_datetime(values, format="%Y-%m-%d")
            out[col.name] = parsed.dt.date.astype("object").where(parsed.notna(), None)
        elif col.dtype == "float64":
            out[col.name] = pd.to_numeric(values).astype("float64")
        elif col.dtype == "int64":
            out[col.name] = pd.to_numeric(values).astype("Int64")
        elif col.dtype == "boolean":
            out[col.name] = values.map({"true": True, "false": False}).astype("boolean")
        else:
            out[col.name] = values.astype("string")
    return out


def reference_tables() -> dict[str, pd.DataFrame]:
    """Every organisation table shipped with the package, typed; absent files give empty tables."""
    folder = resources.files(PACKAGE)
    tables = {}
    for spec in (*ORG_TABLES, *PUBLICATION_TABLES):
        source = folder / f"{spec.name}.csv"
        packed = folder / f"{spec.name}.csv.gz"
        if source.is_file() or packed.is_file():
            with (source if source.is_file() else packed).open("rb") as handle:
                stream = handle if source.is_file() else gzip.GzipFile(fileobj=handle)
                raw = pd.read_csv(stream, dtype="string", keep_default_na=False, na_values=[""])
        else:
            raw = pd.DataFrame(columns=spec.column_names, dtype="string")
        tables[spec.name] = _typed(raw, spec)
    return tables
