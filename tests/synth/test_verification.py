"""The synthetic vocabulary says where each code was checked: a `verified = yes` row names the
published list it was read from, every SNOMED CT and dm+d code is well formed (partition and
Verhoeff check digit), and the codes that could not be verified are listed in docs/synth.md."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from openpcn.codes import code_problem, verhoeff_valid
from openpcn.cohorts.codelists import load_codelists
from openpcn.synth import parameters

DOC = Path(__file__).resolve().parents[2] / "docs" / "synth.md"
#: owner/repository:path@commit (40 hex digits), or codelist:NAME for a shipped, verified list.
CITATION = re.compile(r"^[\w.-]+/[\w.-]+:[^@\s][^@]*@[0-9a-f]{40}$")


def _vocabularies() -> dict[str, tuple[pd.DataFrame, str, str]]:
    """file -> (table, code column, code system)."""
    return {
        "codes.csv": (parameters.codes(), "code", "snomedct"),
        "medicines.csv": (parameters.medicines(), "dmd_code", "dmd"),
    }


def _citation_problem(source: object, code: str, lists: dict) -> str | None:
    """Why `source` does not cite a published list holding `code`, or None when it does."""
    if not isinstance(source, str) or not source.strip():
        return "names no source"
    if source.startswith("codelist:"):
        name = source.removeprefix("codelist:")
        if name not in lists:
            return f"cites {name}, which is not a shipped codelist"
        if lists[name].status != "verified":
            return f"cites {name}, which is not verified"
        if code not in lists[name].codes:
            return f"cites {name}, which does not hold it"
        return None
    if not CITATION.match(source):
        return f"source {source!r} is not owner/repository:path@commit"
    return None


@pytest.mark.parametrize("name", ["codes.csv", "medicines.csv"])
def test_every_verified_code_cites_the_list_it_was_checked_against(name):
    table, column, _ = _vocabularies()[name]
    lists = load_codelists()
    problems = {
        row[column]: why
        for _, row in table[table["verified"] == "yes"].iterrows()
        if (why := _citation_problem(row["source"], row[column], lists))
    }
    assert problems == {}


def test_a_citation_must_name_a_commit_or_a_verified_list_holding_the_code():
    lists = load_codelists()
    good = "opensafely/pincer-measures:codelists/pincer-acei.csv@" + "2e1589432d" * 4
    assert _citation_problem(good, "408051007", lists) is None
    assert _citation_problem("codelist:pincer-oral-nsaids", "329652003", lists) is None
    assert "no source" in _citation_problem("", "1", lists)
    assert "not owner" in _citation_problem("opensafely/pincer-measures", "1", lists)
    assert "does not hold" in _citation_problem("codelist:pincer-oral-nsaids", "319733000", lists)
    assert "not verified" in _citation_problem("codelist:openpcn-care-plan", "734163000", lists)


@pytest.mark.parametrize("name", ["codes.csv", "medicines.csv"])
def test_every_snomed_and_dmd_code_is_well_formed(name):
    table, column, system = _vocabularies()[name]
    codes = [c for c in table[column] if not c.startswith("OPENPCN-")]
    assert {c: code_problem(system, c) for c in codes if code_problem(system, c)} == {}
    assert all(verhoeff_valid(c) for c in codes)


def test_the_check_digit_catches_a_one_digit_slip():
    # 319733000 (Warfarin 1mg tablets) is valid; changing its check digit is caught.
    assert verhoeff_valid("319733000")
    assert not verhoeff_valid("319733001")


def test_bnf_codes_are_chemical_substance_codes():
    meds = parameters.medicines()
    assert meds["bnf_code"].str.len().eq(9).all()
    assert {c: p for c in meds["bnf_code"] if (p := code_problem("bnf", c))} == {}


def test_unverified_codes_are_listed_in_the_docs():
    doc = DOC.read_text("utf-8")
    section = doc.split("### Verification", 1)[1]
    for table, column, _ in _vocabularies().values():
        for code in table.loc[table["verified"] == "no", column]:
            assert code in section, f"{code} is unverified but not listed in docs/synth.md"


def test_drugs_keep_one_product_each_and_the_safety_lists_still_see_them():
    """Replacing a dm+d code must not move a drug out of the PINCER list its SMR rule reads."""
    meds = parameters.medicines().set_index("drug")
    assert meds.index.is_unique and meds["dmd_code"].is_unique
    lists = load_codelists()
    assert meds.loc["warfarin", "dmd_code"] in lists["pincer-oral-anticoagulants"].codes
    assert meds.loc["apixaban", "dmd_code"] in lists["pincer-oral-anticoagulants"].codes
    for drug in ("ibuprofen", "naproxen"):
        assert meds.loc[drug, "dmd_code"] in lists["pincer-oral-nsaids"].codes
    for drug in ("omeprazole", "lansoprazole"):
        assert meds.loc[drug, "dmd_code"] in lists["pincer-gastroprotection"].codes
