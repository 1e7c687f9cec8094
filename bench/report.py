"""Benchmark the ICS report; prints one JSON line of figures.

Usage: python bench/report.py [--home DIR] [--runs 5] [--limit N] [--date 2019-12-01]

Without --home the default warehouse (reference data plus the synthetic population, as
`openpcn init` builds it, risk model scored) is built in a temporary folder by a child process,
not timed: the case-finding section counts patient-level rows. Timed:
- Dorset HTML: `ics_report_data` + `render_html` (charts to SVG included), median of --runs
  after one cold run (reported separately: it counts every cohort, which later runs and the web
  app's pages share, see openpcn.cohorts.summary);
- Dorset PDF: `render_pdf` of that HTML, median of the runs;
- every ICS (commissioner) with PCN members on the date: data + HTML, one run each;
- the lower bound, in the same run: the capability calls the report is made of, as it makes
  them (orgs.summary, pcn_table, check, ics_geojson, quality_summary once, variation per
  measure), with nothing else; the ratio of the Dorset HTML time to it is the report's own
  overhead (charts to SVG, template, provenance queries). `render_only_s` is the template and
  SVG step alone on data already fetched.
Targets: Dorset HTML <= 2 s, PDF <= 10 s.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ibis

from openpcn import orgs
from openpcn.cohorts.summary import summary
from openpcn.config import DEFAULT_DATE, DEFAULT_ICS, Settings
from openpcn.funding.entitlements import entitlements
from openpcn.funding.report import year_of
from openpcn.orgs.geo import ics_geojson
from openpcn.orgs.hierarchy import shared_views
from openpcn.quality.summary import quality_summary
from openpcn.quality.variation import variation
from openpcn.reports.render import render_html, render_pdf
from openpcn.reports.sections import ics_report_data
from openpcn.store.warehouse import connect
from openpcn.workforce.indicators import staffing_indicators

TARGET_HTML_S = 2.0
TARGET_PDF_S = 10.0


def timed(function: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    value = function()
    return time.perf_counter() - start, value


def cpu_timed(function: Callable[[], Any]) -> float:
    """CPU seconds of this process (all threads): steadier than wall time on a busy machine."""
    start = time.process_time()
    function()
    return time.process_time() - start


def default_warehouse(home: Path) -> float:
    """Build the default warehouse and score the risk model, as `openpcn init` does, in a child
    process; returns its seconds (reported, not counted)."""
    code = (
        "import sys; from pathlib import Path; from openpcn.config import DEFAULT_DATE, Settings; "
        "from openpcn.build import build_default; from openpcn.store.warehouse import "
        "connect; from openpcn.cohorts.admission_risk import scored; "
        "s = Settings(home=Path(sys.argv[1])); "
        "build_default(s); scored(connect(s), DEFAULT_DATE)"
    )
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code, str(home)], check=True)
    return time.perf_counter() - start


def ics_with_members(con: ibis.BaseBackend, date: str) -> list[str]:
    """Commissioners that are the lead of a PCN with a member on the date."""
    on = orgs.memberships_on(con, date)
    pcns = con.table("pcns")
    expr = (
        on.join(pcns, "pcn_code")
        .select(code=pcns.commissioner_code)
        .filter(lambda t: t.code.notnull())
        .distinct()
        .order_by("code")
    )
    return [str(c) for c in con.execute(expr)["code"]]


def queries_alone(con: ibis.BaseBackend, ics: str, date: str) -> None:
    """The capability calls the report is built from, as it makes them (sharing one ICS view),
    and nothing else: no figures, charts or templates."""
    with shared_views():
        orgs.summary(con, ics, date)
        orgs.pcn_table(con, ics, date)
        orgs.check(con, ics, date)
        ics_geojson(con, ics, date)
        quality = quality_summary(con, ics, date)
        for measure in sorted(quality["gpps"]):
            variation(con, ics, date, measure)
        year = year_of(date)
        if year is not None:
            entitlements(con, year, ics=ics)
            staffing_indicators(con, None, ics, date)
        summary(con, ics, date)


def report_html(con: ibis.BaseBackend, ics: str, date: str) -> str:
    return render_html(ics_report_data(con, ics, date))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, help="an OPENPCN_HOME with a built warehouse")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--limit", type=int, default=None, help="only the first N ICSs")
    parser.add_argument("--date", default=DEFAULT_DATE)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = args.home or Path(tmp) / "home"
        built = None if args.home else round(default_warehouse(home), 1)
        con = connect(Settings(home=home))
        line = run(con, args.date, args.runs, args.limit)
        con.disconnect()
    print(json.dumps(line | {"build_seconds_excluded": built}))


def run(con: ibis.BaseBackend, date: str, runs: int, limit: int | None) -> dict[str, Any]:
    cold, html = timed(lambda: report_html(con, DEFAULT_ICS, date))
    data = ics_report_data(con, DEFAULT_ICS, date)
    # Interleaved, so the report and its lower bound see the same load on a shared machine.
    html_runs, query_runs, render_runs, html_cpu = [], [], [], []
    for _ in range(runs):
        html_runs.append(timed(lambda: report_html(con, DEFAULT_ICS, date))[0])
        query_runs.append(timed(lambda: queries_alone(con, DEFAULT_ICS, date))[0])
        render_runs.append(timed(lambda: render_html(data))[0])
        html_cpu.append(cpu_timed(lambda: report_html(con, DEFAULT_ICS, date)))
    pdf_runs = []
    pdf = b""
    for _ in range(max(1, runs // 2)):
        seconds, pdf = timed(lambda: render_pdf(html))
        pdf_runs.append(seconds)
    pdf_cpu = cpu_timed(lambda: render_pdf(html))

    codes = ics_with_members(con, date)[:limit]
    per_ics = {}
    for code in codes:
        per_ics[code] = timed(lambda code=code: report_html(con, code, date))[0]
    html_s = statistics.median(html_runs)
    pdf_s = statistics.median(pdf_runs)
    lower = statistics.median(query_runs)
    slowest = max(per_ics, key=per_ics.__getitem__) if per_ics else None
    return {
        "bench": "report",
        "ics": DEFAULT_ICS,
        "date": date,
        "runs": runs,
        "dorset_html_s": round(html_s, 3),
        "dorset_html_cold_s": round(cold, 3),
        "dorset_html_bytes": len(html.encode()),
        "dorset_html_cpu_s": round(statistics.median(html_cpu), 3),
        "dorset_pdf_s": round(pdf_s, 3),
        "dorset_pdf_cpu_s": round(pdf_cpu, 3),
        "dorset_pdf_bytes": len(pdf),
        "all_ics_count": len(per_ics),
        "all_ics_html_s": round(sum(per_ics.values()), 2),
        "all_ics_mean_s": round(statistics.mean(per_ics.values()), 3) if per_ics else None,
        "all_ics_max_s": round(per_ics[slowest], 3) if slowest else None,
        "all_ics_slowest": slowest,
        "lower_bound": "the capability calls alone (orgs, quality, funding, workforce, cohorts), "
        "same run",
        "lower_bound_s": round(lower, 3),
        "ratio_html_to_lower_bound": round(html_s / lower, 2) if lower else None,
        "render_only_s": round(statistics.median(render_runs), 3),
        "target_html_s": TARGET_HTML_S,
        "target_pdf_s": TARGET_PDF_S,
        "meets_targets": html_s <= TARGET_HTML_S and pdf_s <= TARGET_PDF_S,
        "load_average_1m": round(os.getloadavg()[0], 2),
        "cpus": os.cpu_count(),
    }


if __name__ == "__main__":
    main()
