"""The app database on PostgreSQL, by URL: the same migrations, accounts and tokens as SQLite.

Starts a throw-away PostgreSQL server from the machine's binaries (the set-up installs
Debian's `postgresql`) on a Unix socket in a temporary folder, as an unprivileged user.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from openpcn.store import appdb

BINARIES = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
PASSWORD = "correct horse battery staple"


def _as_postgres_user() -> dict[str, object]:
    """initdb refuses to run as root: drop to the `postgres` account when we are root."""
    if os.geteuid() != 0:
        return {}
    user = pwd.getpwnam("postgres")
    return {"user": user.pw_uid, "group": user.pw_gid}


@pytest.fixture(scope="module")
def postgres_url(needs: Callable[[bool, str, str], None]) -> Iterator[str]:
    needs(bool(BINARIES), "PostgreSQL's server binaries", "apt-get install -y postgresql")
    bin_dir = Path(BINARIES[-1])
    # Straight under /tmp: pytest's own temporary folders are closed to other users.
    folder = Path(tempfile.mkdtemp(prefix="openpcn-pg-"))
    data, sock = folder / "data", folder / "sock"
    sock.mkdir()
    owner = _as_postgres_user()
    if owner:
        for path in (folder, sock):
            shutil.chown(path, owner["user"], owner["group"])  # type: ignore[arg-type]
    run = {"check": True, "capture_output": True, **owner}
    subprocess.run([bin_dir / "initdb", "-D", data, "-U", "openpcn", "--auth=trust"], **run)
    options = f"-k {sock} -c listen_addresses='' -c fsync=off"
    # The server outlives pg_ctl: give it a log file, not our pipes, or the call never returns.
    start = [bin_dir / "pg_ctl", "-D", data, "-l", folder / "log", "-o", options, "-w", "start"]
    subprocess.run(start, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **owner)
    try:
        subprocess.run([bin_dir / "createdb", "-h", sock, "-U", "openpcn", "openpcn"], **run)
        yield f"postgresql+psycopg://openpcn@/openpcn?host={sock}"
    finally:
        subprocess.run([bin_dir / "pg_ctl", "-D", data, "-m", "fast", "stop"], **run)
        shutil.rmtree(folder, ignore_errors=True)


def test_migrations_accounts_and_tokens_work_on_postgresql(postgres_url):
    db = appdb.open_appdb(postgres_url)
    try:
        appdb.add_user(db, "ann", PASSWORD, "ics_analyst")
        appdb.migrate(db.engine)  # again: nothing changes
        assert [u.username for u in appdb.list_users(db)] == ["ann"]
        assert appdb.authenticate(db, "ann", PASSWORD) is not None
        assert appdb.authenticate(db, "ann", "wrong password!") is None
        token = appdb.create_token(db, "ann", label="report")
        assert appdb.user_for_token(db, token).username == "ann"
    finally:
        db.engine.dispose()
