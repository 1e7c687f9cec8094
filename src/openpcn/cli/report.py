"""`openpcn report ...`: the ICS's report on its networks, as HTML and PDF."""

from __future__ import annotations

from pathlib import Path

import typer

from openpcn.cli.options import DATE_OPTION, ICS_OPTION
from openpcn.cli.output import out, watching
from openpcn.cli.stores import warehouse

report_app = typer.Typer(help="Reports generated from the warehouse.", no_args_is_help=True)


@report_app.callback()
def report() -> None:
    """Keep `report` a group of commands."""


@report_app.command("ics")
def report_ics(
    ics: str = ICS_OPTION,
    date: str = DATE_OPTION,
    html_out: Path | None = typer.Option(
        None, "--out", help="HTML file to write (default: report-<ics>-<date>.html here)"
    ),
    pdf_out: Path | None = typer.Option(None, "--pdf", help="also write the report as a PDF"),
) -> None:
    """The ICS's full report: organisations, CQC, survey, funding, workforce, case-finding.

    An operator's tool on the warehouse: it builds every section, whoever runs it.
    The web app gives each role only the sections it may see, and names the rest.
    """
    from openpcn.orgs.dates import as_date
    from openpcn.reports.render import render_html, render_pdf
    from openpcn.reports.sections import ics_report_data

    day = as_date(date)
    code = ics.strip().upper()
    target = html_out or Path(f"report-{code}-{day.isoformat()}.html")
    with watching(f"The report for {code} on {day.isoformat()}"):
        data = ics_report_data(warehouse(), code, day)
        html_text = render_html(data)
        target.write_text(html_text, encoding="utf-8")
        pdf_bytes = render_pdf(html_text) if pdf_out else None
        if pdf_out and pdf_bytes is not None:
            pdf_out.write_bytes(pdf_bytes)
    out.print(f"wrote {target}", highlight=False)
    if pdf_out:
        out.print(f"wrote {pdf_out}", highlight=False)
