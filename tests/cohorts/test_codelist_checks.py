"""Every code of every codelist is well formed before a query runs: SNOMED CT and dm+d ids are
concept ids with the right Verhoeff check digit, BNF codes have the BNF's form; a bad code is
refused naming its file, row and code; every shipped list passes and names its source."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from openpcn.cli.codelists import codelists_app
from openpcn.codes import code_problem, verhoeff_valid
from openpcn.cohorts import codelists
from openpcn.cohorts.codelists import check_codelists, read_codes
from openpcn.exceptions import InputError


def with_check_digit(stem: str) -> str:
    """`stem` plus the digit that makes it Verhoeff-valid."""
    return next(stem + d for d in "0123456789" if verhoeff_valid(stem + d))


@pytest.mark.parametrize("code", ["38341003", "59621000", "162659009", "1085871000000105"])
def test_published_snomed_ct_concepts_pass(code):
    assert verhoeff_valid(code) and code_problem("snomedct", code) is None


@pytest.mark.parametrize(
    ("code", "why"),
    [
        ("300309006", "check digit"),  # shipped once as "Limitation of activity"
        ("1097891000000109", "check digit"),  # shipped once as bowel screening non-response
        ("38341004", "check digit"),  # one digit off
        ("038341003", "leading zero"),
        ("3834", "6 to 18 digits"),
        ("38341X03", "6 to 18 digits"),
        (with_check_digit("3834101"), "partition is 01"),  # a description id, not a concept
    ],
)
def test_malformed_snomed_ct_and_dmd_codes_are_named(code, why):
    for system in ("snomedct", "dmd"):
        assert why in (code_problem(system, code) or "")


def test_bnf_codes_and_prefixes_have_the_bnf_form():
    for code in ("04", "0407", "040701", "0407010", "0407010F0", "0407010F0AAAAAA"):
        assert code_problem("bnf", code) is None, code
    for code in ("4", "04-07", "0407010f0", "0407010F0AAAAAAA"):
        assert code_problem("bnf", code), code


def test_a_list_with_a_bad_code_is_refused_naming_file_row_and_code(tmp_path):
    path = tmp_path / "mine.csv"
    path.write_text("code,term\n38341003,Hypertensive disorder\n300309006,Limitation\n", "utf-8")
    with pytest.raises(InputError) as refused:
        read_codes(path, "snomedct")
    error = refused.value
    assert (error.where.file, error.where.row, error.where.column) == ("mine.csv", 3, "code")
    assert error.what.startswith("300309006 is not a SNOMED CT identifier")
    assert "openpcn codelists check" in (error.fix or "")


def test_every_shipped_codelist_passes_and_names_its_source():
    assert check_codelists() == []
    assert all(c.source.strip() for c in codelists.load_codelists().values())


def test_the_cli_lists_shows_and_checks(tmp_path, monkeypatch):
    runner = CliRunner()
    listed = runner.invoke(codelists_app, ["list", "--json"])
    assert listed.exit_code == 0, listed.output
    assert '"status"' in listed.stdout and '"openpcn-hypertension"' in listed.stdout
    shown = runner.invoke(codelists_app, ["show", "openpcn-hypertension"], env={"COLUMNS": "200"})
    assert shown.exit_code == 0 and "38341003" in shown.output
    assert runner.invoke(codelists_app, ["check"]).exit_code == 0

    (tmp_path / "codelists.toml").write_text(
        '[bad]\nfile = "bad.csv"\nsystem = "snomedct"\ntitle = "t"\nsource = "s"\nverified = "v"\n',
        "utf-8",
    )
    (tmp_path / "bad.csv").write_text("code,term\n300309006,Limitation of activity\n", "utf-8")
    monkeypatch.setattr(codelists, "default_folder", lambda: tmp_path)
    checked = runner.invoke(codelists_app, ["check"], env={"COLUMNS": "200"})
    assert checked.exit_code == 1
    assert "300309006" in checked.output and "check digit" in checked.output
    missing = runner.invoke(codelists_app, ["show", "nothing"])
    assert isinstance(missing.exception, InputError)
