"""Print docs/cohorts.md's table of every cohort and indicator, by year, from the definitions.

    .venv/bin/python scripts/cohorts_table.py > /tmp/table.md   # then paste between the markers

tests/test_docs.py regenerates the table and fails when docs/cohorts.md differs from it.
"""

from __future__ import annotations

from openpcn.cohorts.definitions import SPECS, YEARS, all_definitions
from openpcn.cohorts.indicators import fit_indicators


def cohorts_table() -> str:
    """One row per definition file: cohort, indicator, years, basis, codelists, source."""
    rows = [
        "| Specification | Cohort | Indicator | Years | Basis | Unverified codelists | Source |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    order = list(SPECS)
    every = sorted(
        all_definitions(),
        key=lambda d: (order.index(d.spec), d.id, d.years[0] if d.years else ""),
    )
    for d in every:
        years = ", ".join(d.years) if d.years else "every year"
        basis = f"local: {d.local}" if d.local else "national"
        unverified = ", ".join(f"`{name}`" for name in d.unverified_codelists) or "none"
        source = d.source.replace("|", "/")
        rows.append(
            f"| {SPECS[d.spec]} | `{d.id}` | {d.indicator or '-'} | {years} | {basis} | "
            f"{unverified} | {source} |"
        )
    rows += [
        "",
        "| Year | FIT indicator | Thresholds | Source |",
        "| --- | --- | --- | --- |",
    ]
    for year in YEARS:
        fit = fit_indicators()[year]
        confirmed = "" if fit.thresholds_confirmed else " (UNCONFIRMED)"
        rows.append(
            f"| {year} | {fit.code}: share of {fit.about} | {fit.lower_pct:g}% and "
            f"{fit.upper_pct:g}%{confirmed} | {fit.source.replace('|', '/')} |"
        )
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    print(cohorts_table(), end="")
