"""What the `openpcn` commands print: one stdout console, one stderr console (progress and
messages, so `--json` output stays clean), plain JSON and the tables every group draws."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from openpcn.progress import watched

out = Console()
err = Console(stderr=True)

Result = TypeVar("Result")


def print_json(payload: Any) -> None:
    """JSON on stdout, plain (no colour codes), dates as ISO strings."""
    sys.stdout.write(json.dumps(payload, indent=2, default=str) + "\n")


def emit(
    result: Result,
    *,
    as_json: bool,
    draw: Callable[[Result], None],
    csv_file: Path | None = None,
    csv: Callable[[Result], str] | None = None,
    rows: int = 0,
) -> None:
    """How every command hands over its result: `--csv FILE` writes the file and says so,
    `--json` prints JSON, and otherwise (no file asked for) `draw` prints it for people."""
    if csv_file is not None and csv is not None:
        csv_file.write_text(csv(result), encoding="utf-8")
        out.print(f"wrote {rows} rows to {csv_file}")
    if as_json:
        print_json(result)
    elif csv_file is None:
        draw(result)


def progress_bar() -> Progress:
    """A bar per stage on stderr, kept on screen when done: the build takes minutes."""
    return Progress(
        TextColumn("{task.description:<22}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=False,
    )


@contextmanager
def watching(what: str) -> Iterator[None]:
    """One bar on stderr for a long computation, moved by what it reports through
    `openpcn.progress` (the risk model's steps, the cohort count, each report section); gone
    when it ends, and never drawn when stderr is not a terminal."""
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as bar:
        task = bar.add_task(what, total=100)

        def moved(fraction: float, step: str) -> None:
            bar.update(task, completed=round(100 * fraction), description=f"{what}: {step}")

        with watched(moved):
            yield


def table(
    columns: Iterable[str],
    *,
    right: Collection[str] = (),
    no_wrap: Collection[str] = (),
    title: str | None = None,
    edge: bool = False,
) -> Table:
    """A table with these columns: the ones in `right` (the figures) right-aligned."""
    drawn = Table(title=title, show_edge=edge)
    for column in columns:
        drawn.add_column(
            column, justify="right" if column in right else "left", no_wrap=column in no_wrap
        )
    return drawn


def print_row_counts(rows: Mapping[str, int], *, edge: bool = False) -> None:
    """How many rows each warehouse table holds, as `init` and `import` report them."""
    counts = table(("table", "rows"), right=("rows",), edge=edge)
    for name, count in rows.items():
        counts.add_row(name, f"{count:,}")
    out.print(counts)


def whole(value: object) -> str:
    """Whole patients (or posts) for display; the fractions stay in the JSON."""
    return "-" if value is None else f"{float(value):,.0f}"  # type: ignore[arg-type]


def percent(value: object) -> str:
    """A percentage to one decimal place, or '-' when there is none."""
    return "-" if value is None else f"{float(value):.1f}%"  # type: ignore[arg-type]


def money(value: float) -> str:
    """Pounds and pence, with thousands separators."""
    return f"-£{-value:,.2f}" if value < 0 else f"£{value:,.2f}"
