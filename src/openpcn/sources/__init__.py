"""Readers for the published formats and for patient-level extracts.

Each reader validates its file completely and returns typed tables shaped like the warehouse
tables in `openpcn.store.schema`, as the importer's `Loaded` (or raises `InputError` naming file,
row, column and fix). `LOADERS` maps an import KIND (as typed after `openpcn import`) to its loader;
`openpcn.build` looks the kind up and hands the result to the store. A loader that takes options
(e.g. the QOF year) names them when it registers (`OPTIONS`); they arrive parsed, as keywords.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from openpcn.store.importer import Loaded

Loader = Callable[..., Loaded]  # (path, **options) -> Loaded
LOADERS: dict[str, Loader] = {}
OPTIONS: dict[str, tuple[str, ...]] = {}


def loader(kind: str, *, options: tuple[str, ...] = ()) -> Callable[[Loader], Loader]:
    """Register a loader for `openpcn import KIND FILE`, taking the keyword `options` named."""

    def register(fn: Loader) -> Loader:
        LOADERS[kind] = fn
        OPTIONS[kind] = options
        return fn

    return register


def call_loader(kind: str, path: Path, options: dict[str, Any]) -> Loaded:
    """Run the loader of `kind` with only the options given (None means not given)."""
    given = {name: value for name, value in options.items() if value is not None}
    return LOADERS[kind](path, **given)
