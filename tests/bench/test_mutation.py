"""bench/mutation.py: how mutants are scored, where the equivalent ones are read from, and the
numbers in a cohort definition it moves. The mutation run itself is `make mutation`."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


def load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("mutation", ROOT / "bench" / "mutation.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


mutation = load()


def test_the_score_leaves_out_equivalent_mutants_and_counts_a_timeout_as_killed():
    # 10 mutants: 6 killed, 1 timed out, 3 survived of which 1 is listed as equivalent.
    # Score = (6 + 1) / (10 - 1) = 7 / 9 = 0.778.
    verdicts = {f"m{i}": "killed" for i in range(6)} | {"t": "timeout"}
    verdicts |= {"s1": "survived", "s2": "survived", "eq": "survived"}
    got = mutation.tally(verdicts, {"eq": "a reason"})
    assert got == {
        "mutants": 10,
        "killed": 7,
        "survived": 2,
        "equivalent": 1,
        "no_tests": 0,
        "not_checked": 0,
        "score": 0.778,
    }


def test_a_listed_mutant_that_was_killed_is_not_counted_as_equivalent():
    got = mutation.tally({"a": "killed", "b": "survived"}, {"a": "listed by mistake"})
    assert (got["killed"], got["equivalent"], got["score"]) == (1, 0, 0.5)


def test_mutmut_exit_codes_map_to_verdicts():
    assert [mutation.status(c) for c in (1, 0, 33, 36, -24, None, 99)] == [
        "killed",
        "survived",
        "no_tests",
        "timeout",
        "timeout",
        "not_checked",
        "suspicious",
    ]


def test_the_equivalent_table_is_read_from_its_section_only(tmp_path):
    docs = tmp_path / "testing.md"
    docs.write_text(
        "## Other\n| `not.this` | elsewhere |\n"
        "## Equivalent mutants\nText.\n\n| mutant | why |\n|---|---|\n"
        "| `openpcn.orgs.band.x_f__mutmut_1` | UTF-8 is the default here |\n"
        "## Next\n| `nor.this` | after |\n",
        encoding="utf-8",
    )
    assert mutation.equivalent_mutants(docs) == {
        "openpcn.orgs.band.x_f__mutmut_1": "UTF-8 is the default here"
    }


def test_the_shipped_equivalent_table_parses():
    # Every row of docs/testing.md's table names a mutant and gives a reason.
    listed = mutation.equivalent_mutants()
    assert all(name and reason for name, reason in listed.items())


def test_each_number_in_the_criteria_is_moved_one_down_and_one_up(tmp_path):
    # Three numbers in [criteria] (140, 365 days and the 6 of "6 months"), none before it: six
    # mutants, numbered per key, each replacing exactly the number's characters.
    text = (
        'id = "x"\nvalue = 7\n[criteria]\n'
        'all = [{ latest_value = { op = ">=", value = 140, within = "6 months" } },\n'
        "       { event = { days_before = 365 } }]\n"
    )
    (tmp_path / "x.toml").write_text(text, encoding="utf-8")
    mutants = mutation.data_mutants(tmp_path)
    assert [(name, old, new) for name, _, _, old, new in mutants] == [
        ("data:x:value#1:-1", "140", "139"),
        ("data:x:value#1:+1", "140", "141"),
        ("data:x:within#1:-1", "6", "5"),
        ("data:x:within#1:+1", "6", "7"),
        ("data:x:days_before#1:-1", "365", "364"),
        ("data:x:days_before#1:+1", "365", "366"),
    ]
    assert all(text[at : at + len(old)] == old for _, _, at, old, _ in mutants)


def test_mutmut_meta_files_are_tallied_per_module(tmp_path):
    meta = tmp_path / "mutants" / "src" / "openpcn" / "orgs" / "band.py.meta"
    meta.parent.mkdir(parents=True)
    meta.write_text(json.dumps({"exit_code_by_key": {"a": 1, "b": 0, "c": None}}), "utf-8")
    assert mutation.python_verdicts(tmp_path) == {
        "orgs/band.py": {"a": "killed", "b": "survived", "c": "not_checked"}
    }


def test_modules_asked_for_become_mutmut_name_patterns_and_filter_the_tally():
    assert mutation.mutant_globs(["orgs", "quality/stats.py"]) == [
        "openpcn.orgs.*",
        "openpcn.quality.stats.*",
    ]
    assert mutation.chosen("orgs/band.py", ["orgs"])
    assert mutation.chosen("orgs/band.py", ["orgs/"])
    assert not mutation.chosen("orgsx/band.py", ["orgs"])  # a folder, not a prefix of a name
    assert mutation.chosen("quality/stats.py", ["quality/stats.py"])
    assert not mutation.chosen("quality/stats.py", ["orgs"])
    assert mutation.chosen("funding/split.py", [])  # nothing asked: everything


def test_a_run_of_some_data_mutants_updates_only_theirs(tmp_path, monkeypatch):
    # Two numbers in one definition: four mutants. The last run found all four; a run of the
    # two "value" ones replaces just those, and a name no longer listed is dropped.
    (tmp_path / "x.toml").write_text(
        '[criteria]\nall = [{ a = { value = 140, within = "6 months" } }]\n', encoding="utf-8"
    )
    monkeypatch.setattr(mutation, "DEFINITIONS", tmp_path)
    monkeypatch.setattr(mutation, "DATA_RESULTS", tmp_path / "last.json")
    last = {n: "survived" for n in ["data:x:value#1:-1", "data:x:value#1:+1"]}
    last |= {"data:x:within#1:-1": "killed", "data:x:within#1:+1": "survived", "data:gone": "x"}
    (tmp_path / "last.json").write_text(json.dumps(last), encoding="utf-8")
    fresh = {"data:x:value#1:-1": "killed", "data:x:value#1:+1": "killed"}
    assert mutation.data_verdicts(fresh, ["data:x:value#*"]) == {
        "data:x:value#1:+1": "killed",
        "data:x:value#1:-1": "killed",
        "data:x:within#1:+1": "survived",
        "data:x:within#1:-1": "killed",
    }
    assert mutation.data_verdicts(fresh, []) == fresh  # a whole run starts afresh


def test_mutants_not_yet_checked_are_left_out_of_the_score():
    # 4 mutants: 1 killed, 1 survived, 2 not checked (a run stopped early): 1 / 2, not 1 / 4.
    verdicts = {"a": "killed", "b": "survived", "c": "not_checked", "d": "not_checked"}
    got = mutation.tally(verdicts, {})
    assert (got["not_checked"], got["score"]) == (2, 0.5)
    assert mutation.tally({"c": "not_checked"}, {})["score"] is None  # nothing checked yet
