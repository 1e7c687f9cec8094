"""The SMR-01A and SMR-01C codelists load from their own registry and say where they came from."""

from __future__ import annotations

import re
import tomllib

import pytest

from openpcn.cohorts.codelists import default_folder, load_codelists

REGISTRY = "smr-codelists.toml"
# each list, its code system and a code it must hold
KEY_CODES: dict[str, tuple[str, str]] = {
    "nhsd-heart-failure": ("snomedct", "84114007"),  # heart failure
    "nhsd-heart-failure-resolved": ("snomedct", "521691000000100"),  # heart failure resolved
    "nhsd-asthma": ("snomedct", "195967001"),  # asthma
    "nhsd-asthma-resolved": ("snomedct", "162660004"),  # asthma resolved
    "nhsd-peptic-ulcer": ("snomedct", "13200003"),  # peptic ulcer
    "nhsd-egfr": ("snomedct", "1011481000000105"),  # eGFR CKD-EPI creatinine per 1.73 m2
    "nhsd-palliative-care": ("snomedct", "103735009"),  # palliative care
    "pincer-oral-nsaids": ("dmd", "329807003"),  # naproxen 500mg tablets
    "pincer-gastroprotection": ("dmd", "317291008"),  # omeprazole 20mg gastro-resistant capsules
    "pincer-antiplatelets": ("dmd", "319799004"),  # clopidogrel 75mg tablets
    "pincer-aspirin": ("dmd", "319773006"),  # aspirin 75mg dispersible tablets
    "pincer-oral-anticoagulants": ("dmd", "703908001"),  # apixaban 5mg tablets
    "pincer-non-selective-beta-blockers": ("dmd", "318353009"),  # propranolol 40mg tablets
    "smr01c-opioids": ("bnf", "0407020Q0"),  # morphine sulfate
    "openpcn-aspirin": ("bnf", "0209000A0"),  # aspirin
    "openpcn-antiplatelets-not-aspirin": ("bnf", "0209000C0"),  # clopidogrel
}
# BNF chemical substance prefixes SMR-01C leaves out: weak opioids and heroin substitutes
SMR01C_EXCLUDED = {
    "0407020C0": "codeine phosphate",
    "0407020G0": "dihydrocodeine tartrate",
    "0407020L0": "meptazinol hydrochloride",
    "0407020M0": "methadone hydrochloride",
    "0407020B0": "buprenorphine",
    "0407010F0": "co-codamol (codeine/paracetamol)",
    "0407010N0": "co-dydramol (dihydrocodeine/paracetamol)",
}


def _registry() -> dict[str, dict[str, str]]:
    return tomllib.loads((default_folder() / REGISTRY).read_text("utf-8"))


def test_the_smr_registry_holds_exactly_these_lists() -> None:
    assert set(_registry()) == set(KEY_CODES)


@pytest.mark.parametrize("name", sorted(KEY_CODES))
def test_list_loads_with_its_key_code(name: str) -> None:
    listed = load_codelists()[name]  # read from smr-codelists.toml beside codelists.toml
    system, code = KEY_CODES[name]
    assert listed.system == system
    assert code in listed.codes, f"{name} lacks {code}"


@pytest.mark.parametrize("name", sorted(KEY_CODES))
def test_list_records_its_provenance(name: str) -> None:
    entry = _registry()[name]
    assert all(key in entry for key in ("repository", "path", "commit", "status"))
    listed = load_codelists()[name]
    assert re.fullmatch(r"[\w.-]+/[\w.-]+", listed.repository)
    assert listed.path
    assert re.fullmatch(r"[0-9a-f]{40}", listed.commit)
    if listed.status == "unverified":
        assert "UNVERIFIED" in listed.verified, f"{name} must say why it is unverified"
    else:
        assert listed.status == "verified"


def test_smr01c_opioids_leave_out_weak_opioids_and_heroin_substitutes() -> None:
    lists = load_codelists()
    smr = lists["smr01c-opioids"].codes
    for code in smr:
        for excluded, drug in SMR01C_EXCLUDED.items():
            assert not excluded.startswith(code), f"{code} matches {drug}"
            assert not code.startswith(excluded), f"{code} is {drug}"
    # the rest of the opioid list is kept: derived by removal only
    opioids = set(lists["openpcn-opioids"].codes)
    assert set(smr) == opioids - set(SMR01C_EXCLUDED)
    assert {"040702040", "0407020A0", "0407020AD"} <= set(smr)  # tramadol, fentanyl, oxycodone
    assert lists["smr01c-opioids"].status == "unverified"


def test_the_medicine_lists_keep_the_pincer_split() -> None:
    lists = load_codelists()
    aspirin = set(lists["pincer-aspirin"].codes)
    assert not aspirin & set(lists["pincer-antiplatelets"].codes)
    assert "318590006" not in lists["pincer-non-selective-beta-blockers"].codes  # bisoprolol
    assert "329652003" in lists["pincer-oral-nsaids"].codes  # the synthetic ibuprofen product
