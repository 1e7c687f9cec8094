"""The CLI tests' shared warehouse: one Dorset home built by the installed command itself."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


def run(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`openpcn *args` in its own process (`python -m openpcn`) with OPENPCN_HOME=home."""
    env = {**os.environ, "OPENPCN_HOME": str(home), "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "openpcn", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.fixture(scope="session")
def dorset_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`openpcn init` at 1% scale (seed 7): the Dorset reference data and a small population."""
    home = tmp_path_factory.mktemp("openpcn")
    done = run(home, "init", "--scale", "0.01", "--seed", "7")
    assert done.returncode == 0, done.stderr
    assert "synthetic population" in done.stderr  # the progress bar
    assert "patients" in done.stdout
    return home
