"""Readers for the published formats and for patient-level extracts.

Each reader validates its file completely and returns typed tables shaped like the warehouse
tables in `openpcn.store.schema`, as the importer's `Loaded` (or raises `InputError` naming file,
row, column and fix). `LOADERS` maps an import KIND (as typed after `openpcn import`) to its loader;
`openpcn.build` looks the kind up and hands the result to the store.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from openpcn.store.importer import Loaded

Loader = Callable[[Path], Loaded]
LOADERS: dict[str, Loader] = {}


def loader(kind: str) -> Callable[[Loader], Loader]:
    """Register a loader for `openpcn import KIND FILE`."""

    def register(fn: Loader) -> Loader:
        LOADERS[kind] = fn
        return fn

    return register
