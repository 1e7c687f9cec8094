"""Readers for the published formats and for patient-level extracts.

Each reader validates its file completely and returns typed tables shaped like the warehouse
tables in `openpcn.store.schema` (or raises `InputError` naming file, row, column and fix).
`LOADERS` maps an import KIND (as typed after `openpcn import`) to its loader.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd


@dataclass
class Loaded:
    """What a loader hands to the importer: frames per warehouse table.

    `merge_on` names, per table, the key to upsert by (rows with other keys are kept; columns the
    file does not provide keep their stored values). Tables not in `merge_on` are replaced whole.
    """

    frames: dict[str, pd.DataFrame]
    merge_on: dict[str, tuple[str, ...]] = field(default_factory=dict)
    note: str = ""


Loader = Callable[[Path], Loaded]
LOADERS: dict[str, Loader] = {}


def loader(kind: str) -> Callable[[Loader], Loader]:
    """Register a loader for `openpcn import KIND FILE`."""

    def register(fn: Loader) -> Loader:
        LOADERS[kind] = fn
        return fn

    return register
