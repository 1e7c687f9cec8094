"""`openpcn report ics` writes the HTML (and, asked, the PDF) and prints their paths."""

from __future__ import annotations

from typer.testing import CliRunner

from openpcn.cli import app


def test_report_ics_writes_both_files_named_after_the_ics_and_date(
    dorset_home, tmp_path, monkeypatch
):
    monkeypatch.setenv("OPENPCN_HOME", str(dorset_home))
    monkeypatch.chdir(tmp_path)
    done = CliRunner().invoke(app, ["report", "ics", "--ics", "11j", "--pdf", "dorset.pdf"])
    assert done.exit_code == 0, done.output
    html = tmp_path / "report-11J-2019-12-01.html"
    assert "wrote report-11J-2019-12-01.html" in done.output
    assert "wrote dorset.pdf" in done.output
    text = html.read_text()
    assert 'data-figure="practices_networks.practices">81</data>' in text
    assert 'data-section="case_finding"' in text
    assert 'data-section="funding_workforce"' in text
    assert "Left out for your role" not in text  # the operator's full report
    assert (tmp_path / "dorset.pdf").read_bytes().startswith(b"%PDF")


def test_report_ics_refuses_a_bad_date(dorset_home, monkeypatch, tmp_path):
    monkeypatch.setenv("OPENPCN_HOME", str(dorset_home))
    out = tmp_path / "x.html"
    done = CliRunner().invoke(app, ["report", "ics", "--date", "2019-13-01", "--out", str(out)])
    assert done.exit_code != 0
    assert not out.exists()


def test_report_ics_says_it_builds_the_full_report():
    done = CliRunner().invoke(app, ["report", "ics", "--help"], terminal_width=200)
    assert done.exit_code == 0
    assert "builds every section" in done.output
