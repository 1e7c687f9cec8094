"""Bench: mutation score of the rule modules (issue 19), one JSON line.

Two kinds of mutant, each a small plausible bug that the tests should catch:
- Python: mutmut (configured in pyproject.toml's [tool.mutmut]) changes one operator, number,
  string or argument at a time in the rule modules and runs the tests that reach the function.
- Data: every number in a cohort definition's [criteria] (thresholds such as 140/90, ages,
  windows in days or months, counts) moved by one either way, with the definition's spec tests
  run on a copy of the package.
Mutants that cannot change behaviour are listed, each with the reason, in docs/testing.md
("Equivalent mutants"); the score is killed / (mutants checked - equivalent), a timeout counting
as killed. Survivors that are not listed go to stderr, one per line, to be killed by a test.

The lower bound is one run of the tests mutmut selects (its own stats run, measured in this
run): `ratio_to_one_test_run` is how many such runs the whole mutation run costs.

Usage: python bench/mutation.py [--no-run] [--python-only | --data-only] [MODULE ...] [data:NAME]
  --no-run   tally the last run's results (mutants/ and bench/out/mutation-data.json) again.
  MODULE     only these modules or folders under src/openpcn, e.g. `orgs quality/stats.py`
             (`make mutation MODULES="orgs"`); mutmut keeps earlier results, so a run module
             by module adds up to the whole (naming a module runs all its mutants again).
  data:NAME  only the data mutants matching these patterns, e.g. 'data:*:within#*' (their
             verdicts replace those of the last run; the others are kept).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from collections import Counter
from fnmatch import fnmatch
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "openpcn"
DEFINITIONS = PACKAGE / "data" / "cohorts"
DOCS = ROOT / "docs" / "testing.md"
DATA_RESULTS = ROOT / "bench" / "out" / "mutation-data.json"
MARKERS = "not spark and not e2e and not long and not bench"
# A number in a definition's criteria: a threshold, an age, a window's days or length (the N
# of `within = "N months"`), or a count.
NUMBER = re.compile(
    r'\b(value|days_before|days_after|at_least|at_most|within)\s*=\s*"?(-?\d+(?:\.\d+)?)'
)
# mutmut's exit codes, as in mutmut.stats.status_by_exit_code.
STATUS = {1: "killed", 3: "killed", 0: "survived", 5: "no_tests", 33: "no_tests", 34: "skipped"}
TIMEOUTS = {24, -24, 36, 152, 255}


def equivalent_mutants(docs: Path = DOCS) -> dict[str, str]:
    """Mutant name -> why it cannot change behaviour, from docs/testing.md's table."""
    out = {}
    section = docs.read_text(encoding="utf-8").partition("## Equivalent mutants")[2]
    for line in section.splitlines():
        if line.startswith("## "):
            break
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 2 and cells[0].startswith("`") and cells[0].endswith("`"):
            out[cells[0].strip("`")] = cells[1]
    return out


def status(exit_code: int | None) -> str:
    """mutmut's verdict for a mutant's exit code; a timeout counts as killed."""
    if exit_code is None:
        return "not_checked"
    if exit_code in TIMEOUTS:
        return "timeout"
    return STATUS.get(exit_code, "suspicious")


def tally(verdicts: dict[str, str], equivalent: dict[str, str]) -> dict[str, float | int]:
    """Counts and score for one module's mutants (name -> verdict)."""
    counts = Counter(verdicts.values())
    equal = sum(1 for name, v in verdicts.items() if name in equivalent and v == "survived")
    killed = counts["killed"] + counts["timeout"]
    unchecked = counts["not_checked"] + counts["skipped"] + counts["suspicious"]
    live = len(verdicts) - equal - unchecked  # the score is over the mutants checked
    return {
        "mutants": len(verdicts),
        "killed": killed,
        "survived": counts["survived"] - equal,
        "equivalent": equal,
        "no_tests": counts["no_tests"],
        "not_checked": unchecked,
        "score": round(killed / live, 3) if live else None,
    }


def python_verdicts(root: Path = ROOT) -> dict[str, dict[str, str]]:
    """Module (path under src/openpcn) -> mutant name -> verdict, from mutmut's meta files."""
    out: dict[str, dict[str, str]] = {}
    base = root / "mutants" / "src" / "openpcn"
    for meta in sorted(base.rglob("*.py.meta")):
        module = meta.relative_to(base).as_posix().removesuffix(".meta")
        codes = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]
        out[module] = {name: status(code) for name, code in codes.items()}
    return out


def mutant_globs(modules: list[str]) -> list[str]:
    """mutmut's name patterns for modules or folders under src/openpcn (`orgs`,
    `quality/stats.py`): its mutants are named `openpcn.<module path>.<function>__mutmut_<n>`."""
    return [f"openpcn.{m.removesuffix('.py').strip('/').replace('/', '.')}.*" for m in modules]


def chosen(module: str, modules: list[str]) -> bool:
    """Whether a module (path under src/openpcn) is one of those asked for (all when none)."""
    folders = {str(folder) for folder in Path(module).parents}
    return not modules or any(m.rstrip("/") in {module, *folders} for m in modules)


def run_mutmut(modules: list[str]) -> float:
    """Run mutmut over the configured modules (or those asked for); the seconds of its stats
    run (one test run)."""
    mutmut = str(Path(sys.executable).parent / "mutmut")
    subprocess.run(
        [mutmut, "run", "--max-children", "2", *mutant_globs(modules)],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return stats_seconds()


def stats_seconds(root: Path = ROOT) -> float:
    stats = root / "mutants" / "mutmut-stats.json"
    return (
        float(json.loads(stats.read_text(encoding="utf-8"))["stats_time"]) if stats.exists() else 0
    )


def data_mutants(definitions: Path | None = None) -> list[tuple[str, Path, int, str, str]]:
    """(name, file, offset of the number, replacement) for every number in every criteria
    block, moved one down and one up."""
    out = []
    for path in sorted((definitions or DEFINITIONS).glob("*.toml")):
        text = path.read_text(encoding="utf-8")
        start = text.index("[criteria]")
        seen: Counter[str] = Counter()  # numbered per key, so adding a key renames nothing
        for match in NUMBER.finditer(text, start):
            key = match.group(1)
            seen[key] += 1
            number = float(match.group(2))
            step = 1 if number.is_integer() else 0.01
            for sign, label in ((-1, "-"), (1, "+")):
                moved = number + sign * step
                new = str(int(moved)) if number.is_integer() else f"{moved:g}"
                name = f"data:{path.stem}:{key}#{seen[key]}:{label}{step:g}"
                out.append((name, path, match.start(2), match.group(2), new))
    return out


def spec_tests(definition: Path) -> list[str]:
    """The test files that read this definition: its spec's file and any test naming it."""
    spec = tomllib.loads(definition.read_text(encoding="utf-8")).get("spec", "")
    files = set(ROOT.glob(f"tests/spec/test_{spec.replace('-', '_')}*.py"))
    for test in [*ROOT.glob("tests/spec/test_*.py"), ROOT / "tests/cohorts/test_definitions.py"]:
        if definition.stem in test.read_text(encoding="utf-8"):
            files.add(test)
    return sorted(str(f.relative_to(ROOT)) for f in files)


def _run_data_mutant(copy: Path, mutant: tuple[str, Path, int, str, str]) -> str:
    """Write one mutant into the copy, run its tests in a forked child (the parent has already
    imported pytest and the package, so a child starts at once), put the number back."""
    import pytest

    _, path, offset, old, new = mutant
    tests = spec_tests(path)
    if not tests:
        return "no_tests"
    target = copy / "openpcn" / path.relative_to(PACKAGE)
    text = path.read_text(encoding="utf-8")
    target.write_text(text[:offset] + new + text[offset + len(old) :], encoding="utf-8")
    try:
        child = os.fork()
        if child == 0:  # the child: quiet, run the tests, leave with pytest's exit code
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, 1)
            os.dup2(null, 2)
            args = ["-q", "-x", "-p", "no:cacheprovider", "-m", MARKERS, *tests]
            os._exit(int(pytest.main(args)))
        _, code = os.waitpid(child, 0)
        return {0: "survived", 1: "killed"}.get(os.waitstatus_to_exitcode(code), "suspicious")
    finally:
        target.write_text(text, encoding="utf-8")


def run_data(patterns: list[str]) -> dict[str, str]:
    """The data mutants' verdicts (those matching a pattern, all when none), on a copy of the
    package imported in place of the real one (the working tree is never changed)."""
    mutants = [m for m in data_mutants() if not patterns or any(fnmatch(m[0], p) for p in patterns)]
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder)
        shutil.copytree(PACKAGE, copy / "openpcn")
        sys.path.insert(0, str(copy))
        os.environ["PYTHONPATH"] = str(copy)  # for anything the tests start in a new process
        import openpcn.cohorts.definitions  # imported once, before the forks

        assert str(copy) in openpcn.cohorts.definitions.__file__, "the copy must be imported"
        return {m[0]: _run_data_mutant(copy, m) for m in mutants}


def data_verdicts(fresh: dict[str, str], patterns: list[str]) -> dict[str, str]:
    """A run's verdicts over the last run's (a run of some mutants updates those), keeping only
    mutants that still exist."""
    kept = {}
    if patterns and DATA_RESULTS.exists():
        kept = json.loads(DATA_RESULTS.read_text(encoding="utf-8"))
    names = {m[0] for m in data_mutants()}
    return {n: v for n, v in sorted((kept | fresh).items()) if n in names}


def main(argv: list[str]) -> int:
    run = "--no-run" not in argv
    asked = [a for a in argv if not a.startswith("--") and not a.startswith("data")]
    patterns = [a for a in argv if a.startswith("data:")]
    python = "--data-only" not in argv and (asked or not patterns)
    data = "--python-only" not in argv and (patterns or not asked)
    began = time.perf_counter()
    equivalent = equivalent_mutants()
    modules: dict[str, dict[str, str]] = {}
    if python:
        if run:
            run_mutmut(asked)
        modules.update({m: v for m, v in python_verdicts().items() if chosen(m, asked)})
    if data:
        if run:
            DATA_RESULTS.parent.mkdir(parents=True, exist_ok=True)
            verdicts = data_verdicts(run_data(patterns), patterns)
            DATA_RESULTS.write_text(json.dumps(verdicts, indent=1), encoding="utf-8")
        if DATA_RESULTS.exists():
            modules["data/cohorts/*.toml"] = json.loads(DATA_RESULTS.read_text(encoding="utf-8"))
    seconds = time.perf_counter() - began
    everything = {n: v for verdicts in modules.values() for n, v in verdicts.items()}
    for name, verdict in sorted(everything.items()):
        if verdict in ("survived", "no_tests") and name not in equivalent:
            print(f"{verdict}: {name}", file=sys.stderr)
    one_run = stats_seconds() if python else 0.0  # mutmut's stats run: a Python lower bound
    print(
        json.dumps(
            {
                "bench": "mutation",
                "modules": {m: tally(v, equivalent) for m, v in sorted(modules.items())},
                "total": tally(everything, equivalent),
                "seconds": round(seconds, 1) if run else None,
                "one_test_run_seconds": round(one_run, 1) if one_run else None,
                "ratio_to_one_test_run": round(seconds / one_run, 1) if run and one_run else None,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
