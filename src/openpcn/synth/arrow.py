"""Turn the generators' numpy arrays into Arrow tables shaped exactly like the warehouse tables."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pyarrow as pa

from openpcn.store.schema import Table


def empty(spec: Table) -> pa.Table:
    return spec.arrow_schema().empty_table()


def dates(days: np.ndarray, missing: np.ndarray | None = None) -> pa.Array:
    """Days since 1970 as Arrow dates; `missing` marks nulls."""
    arr = pa.array(np.asarray(days, dtype=np.int32), mask=missing)
    return arr.view(pa.date32())


def labels(values: list[str] | pa.Array, index: np.ndarray) -> pa.Array:
    """values[index] as a plain string column (a C++ take, no Python loop)."""
    source = values if isinstance(values, pa.Array) else pa.array(values, type=pa.string())
    return source.take(pa.array(np.asarray(index, dtype=np.int64)))


def build(spec: Table, columns: Mapping[str, pa.Array | np.ndarray]) -> pa.Table:
    """An Arrow table in the schema's column order and types."""
    target = spec.arrow_schema()
    arrays = []
    for field in target:
        value = columns[field.name]
        arr = value if isinstance(value, pa.Array) else pa.array(value)
        arrays.append(arr if arr.type == field.type else arr.cast(field.type))
    return pa.Table.from_arrays(arrays, schema=target)
