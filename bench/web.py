"""Benchmark the web app under concurrent load; prints one JSON line of figures.

Usage: python bench/web.py [--home DIR] [--scale 1.0] [--clients 20] [--seconds 30]

Starts `uvicorn openpcn.web.app:create_app` as a subprocess on a free loopback port over the full
Dorset warehouse (built with `openpcn init` into a temporary OPENPCN_HOME unless --home names
one), creates an admin account in a temporary app database (a --home's own accounts are left
alone), logs in through the real form, then runs `--clients` concurrent clients for a bounded
`--seconds`, each cycling through the ICS overview, a PCN page and /api/v1/pcns.

The peer (lower bound) is the same clients against `GET /health` for `--peer-seconds` in the
same run: the cost of the HTTP stack, the session check and the load generator itself, with no
page work. Before the main run one client alone measures each target's own time per request
(`one_client_p50_ms`): with 20 clients and no think time, the rest of the latency is queueing.
`server_cpu_ms_per_request` is the server process's CPU time divided by the requests served.
Targets: p95 <= 200 ms for pages, <= 50 ms for the API.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np

TARGETS = {"ics_page": "/ics/11J", "pcn_page": "/pcns/U42510", "pcns_api": "/api/v1/pcns"}
PEER = "/health"
GOALS_MS = {"ics_page": 200.0, "pcn_page": 200.0, "pcns_api": 50.0}
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def build_warehouse(home: Path, scale: float) -> float:
    """`openpcn init` into `home`; returns the seconds it took."""
    started = time.perf_counter()
    env = {**os.environ, "OPENPCN_HOME": str(home)}
    subprocess.run(
        [sys.executable, "-m", "openpcn", "init", "--scale", str(scale)],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def add_admin(appdb_url: str) -> tuple[str, str]:
    """An admin account in the bench's own app database (a --home's accounts are not touched)."""
    from openpcn.store.appdb import add_user, open_appdb

    db = open_appdb(appdb_url)
    username, password = f"bench-{secrets.token_hex(4)}", secrets.token_urlsafe(18)
    try:
        add_user(db, username, password, "admin")
    finally:
        db.dispose()
    return username, password


def start_server(home: Path, appdb_url: str, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "OPENPCN_HOME": str(home),
        "OPENPCN_APPDB_URL": appdb_url,
        "OPENPCN_INSECURE_COOKIES": "1",
    }
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "openpcn.web.app:create_app",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    with log.open("wb") as sink:
        return subprocess.Popen(command, env=env, stdout=sink, stderr=subprocess.STDOUT)


def wait_until_up(base: str, server: subprocess.Popen[bytes], timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited with code {server.returncode} while starting")
        try:
            if httpx.get(base + "/login", timeout=2.0).status_code < 500:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"the server did not answer on {base} within {timeout:.0f} s")


def log_in(base: str, username: str, password: str) -> httpx.Cookies:
    """The session cookies after a real form login (CSRF token read from the form)."""
    with httpx.Client(base_url=base, follow_redirects=False, timeout=30.0) as client:
        form = client.get("/login")
        match = CSRF.search(form.text)
        data = {"username": username, "password": password}
        if match:
            data["csrf_token"] = match.group(1) or match.group(2)
        client.post("/login", data=data)
        check = client.get(TARGETS["ics_page"])
        if check.status_code != 200:
            raise SystemExit(f"log-in failed: {TARGETS['ics_page']} gave {check.status_code}")
        return client.cookies


async def drive(
    base: str, cookies: httpx.Cookies, paths: dict[str, str], clients: int, seconds: float
) -> tuple[dict[str, list[float]], dict[str, int], float]:
    """`clients` concurrent loops over `paths` until `seconds` pass; latencies in ms."""
    latencies: dict[str, list[float]] = {name: [] for name in paths}
    errors: dict[str, int] = dict.fromkeys(paths, 0)
    names = list(paths)
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(
        base_url=base, cookies=cookies, limits=limits, timeout=30.0
    ) as http:

        async def client(offset: int, stop: float) -> None:
            step = offset
            while time.perf_counter() < stop:
                name = names[step % len(names)]
                step += 1
                started = time.perf_counter()
                try:
                    response = await http.get(paths[name])
                    await response.aread()
                    ok = response.status_code == 200
                except httpx.HTTPError:
                    ok = False
                elapsed = (time.perf_counter() - started) * 1000.0
                if ok:
                    latencies[name].append(elapsed)
                else:
                    errors[name] += 1

        started = time.perf_counter()
        stop = started + seconds
        await asyncio.gather(*(client(i, stop) for i in range(clients)))
        wall = time.perf_counter() - started
    return latencies, errors, wall


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process so far (Linux /proc; None elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def summarise(samples: list[float], errors: int, wall: float) -> dict[str, float | int]:
    values = np.asarray(samples) if samples else np.asarray([np.nan])
    p50, p95, p99 = np.percentile(values, [50, 95, 99])
    return {
        "p50_ms": round(float(p50), 1),
        "p95_ms": round(float(p95), 1),
        "p99_ms": round(float(p99), 1),
        "requests": len(samples),
        "requests_per_s": round(len(samples) / wall, 1),
        "errors": errors,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, help="an OPENPCN_HOME with a built warehouse")
    parser.add_argument("--scale", type=float, default=1.0, help="scale for a fresh `init`")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30.0, help="bound of the main run")
    parser.add_argument("--peer-seconds", type=float, default=10.0, help="bound of the peer")
    parser.add_argument("--solo-seconds", type=float, default=3.0, help="one-client phase")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="openpcn-bench-web-") as scratch:
        home = args.home or Path(scratch)
        built = None
        if not (home / "warehouse.duckdb").exists():
            built = round(build_warehouse(home, args.scale), 1)
        appdb_url = f"sqlite:///{Path(scratch) / 'bench-app.db'}"
        username, password = add_admin(appdb_url)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        log = Path(scratch) / "server.log"
        server = start_server(home, appdb_url, port, log)
        try:
            wait_until_up(base, server)
            cookies = log_in(base, username, password)
            # Warm-up: the first requests fill caches and compile templates.
            asyncio.run(drive(base, cookies, TARGETS, 2, 2.0))
            # One client alone: the server's own time per request, without queueing.
            solo_lat, _, _ = asyncio.run(drive(base, cookies, TARGETS, 1, args.solo_seconds))
            cpu_before = cpu_seconds(server.pid)
            latencies, errors, wall = asyncio.run(
                drive(base, cookies, TARGETS, args.clients, args.seconds)
            )
            cpu_main = cpu_seconds(server.pid)
            peer_lat, peer_err, peer_wall = asyncio.run(
                drive(base, cookies, {"health": PEER}, args.clients, args.peer_seconds)
            )
            cpu_peer = cpu_seconds(server.pid)
        except BaseException:
            sys.stderr.write(log.read_text(encoding="utf-8", errors="replace")[-4000:])
            raise
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()

    results = {name: summarise(latencies[name], errors[name], wall) for name in TARGETS}
    peer = summarise(peer_lat["health"], peer_err["health"], peer_wall)
    for name, figures in results.items():
        figures["goal_p95_ms"] = GOALS_MS[name]
        figures["meets_goal"] = bool(figures["p95_ms"] <= GOALS_MS[name])
        figures["p95_vs_peer"] = round(float(figures["p95_ms"]) / float(peer["p95_ms"]), 1)
        figures["one_client_p50_ms"] = round(float(np.median(solo_lat[name] or [np.nan])), 1)
    served = sum(len(v) for v in latencies.values())

    def per_request(start: float | None, end: float | None, count: int) -> float | None:
        if start is None or end is None or not count:
            return None
        return round((end - start) * 1000.0 / count, 2)

    line = {
        "bench": "web",
        "scale": args.scale if built is not None else None,
        "home": str(args.home) if args.home else "temporary",
        "warehouse_build_s": built,
        "clients": args.clients,
        "seconds": args.seconds,
        "cpus": os.cpu_count(),
        "targets": {name: {"path": TARGETS[name], **results[name]} for name in TARGETS},
        "total_requests_per_s": round(served / wall, 1),
        "server_cpu_ms_per_request": per_request(cpu_before, cpu_main, served),
        "peer": {
            "path": PEER,
            **peer,
            "server_cpu_ms_per_request": per_request(cpu_main, cpu_peer, len(peer_lat["health"])),
        },
    }
    print(json.dumps(line))


if __name__ == "__main__":
    main()
