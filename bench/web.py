"""Benchmark the web app under concurrent load; prints one JSON line of figures.

Usage: python bench/web.py [--home DIR] [--scale 1.0] [--clients 20] [--seconds 30] [--workers 2]

Starts `uvicorn openpcn.web.app:create_app` (httptools, uvloop, `--workers` processes) as a
subprocess on a free loopback port over the full Dorset warehouse (built with `openpcn init`
into a temporary OPENPCN_HOME unless --home names one), creates an admin account in a temporary
app database (a --home's own accounts are left alone), logs in through the real form, then runs
`--clients` concurrent connections for a bounded `--seconds` over the ICS overview, a PCN page
and /api/v1/pcns.

The load generator is `wrk` when it is on PATH (`load_generator` in the JSON): one wrk process
per target, one thread each, the connections split between them (20 -> 7, 7, 6); pages send the
session cookie of the login, the API a bearer token; any answer but 200 is an error. Without wrk
the fallback is Python clients (httpx, asyncio), each cycling through the three targets; they
share the CPUs with the server, so their own work inflates the latencies.

The peer (lower bound) is the same clients against `GET /health` for `--peer-seconds` in the
same run: the cost of the HTTP stack, the session check and the load generator itself, with no
page work (with wrk, the three processes' quantiles are pooled, weighted by requests). Before the
main run one client alone measures each target's own time per request (`one_client_p50_ms`):
with 20 clients and no think time, the rest of the latency is queueing.
`server_cpu_ms_per_request` is the server's CPU time (all its processes) divided by the requests
served. Targets: p95 <= 200 ms for pages, <= 50 ms for the API.

Before any warm-up, a cold-cache phase (`cold` in the JSON) asks the heavy pages (ICS
case-finding, the risk model card, a 24-point trend, the report) for dates no request has
asked for yet, one at a time, as a browser would: a slow answer is a 202 progress page whose
job is polled once a second until the page answers. Per page: the first request's time
(`first_p95_ms`), the time until the answer is there (`ready_p95_ms`, polls included), the
same URL again (`warm_p95_ms`, the lower bound), and the slowest single request
(`blocked_max_ms`); the server's resident memory (all its processes) before and after.
Target (issue 13): no request blocks longer than 2 s.
"""

from __future__ import annotations

import argparse
import asyncio
import html
import json
import os
import re
import secrets
import shutil
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
COLD_PAGES = {
    "ics_cohorts": "/ics/11J/cohorts?date={date}",
    "risk_model": "/cohorts/risk-model?date={date}",
    "pcn_trend_24": "/pcns/U42510/partials/cohort-trend?date={date}&points=24&step=1",
    "ics_report": "/ics/11J/report?date={date}",
}
COLD_DATES = ("2019-07-01", "2019-08-15", "2020-01-31")
COLD_GOAL_MS = 2000.0
POLL_SECONDS = 1.0  # as the progress page polls
POLL = re.compile(r'hx-get="(/jobs/[^"]+)"')
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


def start_server(
    home: Path, appdb_url: str, port: int, log: Path, workers: int
) -> subprocess.Popen[bytes]:
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
        "--http",
        "httptools",
        "--loop",
        "uvloop",
        "--workers",
        str(workers),
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


# wrk's Lua hooks: count every answer that is not 200 (wrk itself counts only >= 400) and, at
# the end, print one JSON line with the latency quantiles (microseconds) from 0.1% to 100%.
WRK_LUA = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) not_ok = 0 end
function response(status, headers, body) if status ~= 200 then not_ok = not_ok + 1 end end
function done(summary, latency, requests)
  local bad = 0
  for _, thread in ipairs(threads) do bad = bad + thread:get("not_ok") end
  local e = summary.errors
  local q = {}
  for i = 1, 1000 do q[i] = string.format("%d", latency:percentile(i / 10)) end
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"not_200":%d,"socket_errors":%d,' ..
    '"quantiles_us":[%s]}\\n',
    summary.requests, summary.duration, bad, e.connect + e.read + e.write + e.timeout,
    table.concat(q, ",")))
end
"""


def split(total: int, parts: int) -> list[int]:
    """`total` connections over `parts` targets as evenly as possible (20 -> 7, 7, 6)."""
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


def drive_wrk(
    base: str,
    headers: dict[str, list[str]],
    paths: dict[str, str],
    connections: dict[str, int],
    seconds: float,
    script: Path,
) -> dict[str, dict[str, object]]:
    """One wrk process per path (one thread each, `connections[name]` connections), all at
    once for `seconds`; the parsed JSON of each process's `done` hook."""
    procs = {}
    for name, path in paths.items():
        command = ["wrk", "-t1", f"-c{connections[name]}", f"-d{max(1, round(seconds))}s"]
        command += ["--timeout", "30s", "-s", str(script)]
        for header in headers[name]:
            command += ["-H", header]
        procs[name] = subprocess.Popen(
            [*command, base + path], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
    results = {}
    for name, proc in procs.items():
        out, err = proc.communicate(timeout=seconds + 120)
        line = next((x for x in out.splitlines() if x.startswith("WRKJSON ")), None)
        if proc.returncode != 0 or line is None:
            raise SystemExit(f"wrk failed for {paths[name]}: {err.strip() or out.strip()}")
        results[name] = json.loads(line.removeprefix("WRKJSON "))
    return results


def summarise_wrk(runs: list[dict[str, object]]) -> dict[str, float | int]:
    """p50/p95/p99 over one or more wrk runs (their quantiles pooled, weighted by requests)."""
    values, weights = [], []
    for run in runs:
        quantiles = np.asarray(run["quantiles_us"], dtype=float) / 1000.0
        values.append(quantiles)
        weights.append(np.full(quantiles.size, float(run["requests"]) / quantiles.size))
    order = np.argsort(np.concatenate(values))
    sorted_values = np.concatenate(values)[order]
    cumulative = np.cumsum(np.concatenate(weights)[order])
    requests = sum(int(run["requests"]) for run in runs)
    wall = max(float(run["duration_us"]) for run in runs) / 1e6

    def at(share: float) -> float:
        if not requests:
            return float("nan")
        index = int(np.searchsorted(cumulative, share * cumulative[-1]))
        return round(float(sorted_values[min(index, sorted_values.size - 1)]), 1)

    errors = sum(int(run["not_200"]) + int(run["socket_errors"]) for run in runs)
    return {
        "p50_ms": at(0.50),
        "p95_ms": at(0.95),
        "p99_ms": at(0.99),
        "requests": requests - sum(int(run["not_200"]) for run in runs),
        "requests_per_s": round(requests / wall, 1) if wall else 0.0,
        "errors": errors,
    }


def _stat(pid: int | str) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time so far of a process and its children, i.e. uvicorn's workers
    (Linux /proc; None elsewhere)."""
    fields = _stat(pid)
    if fields is None:
        return None
    total = int(fields[11]) + int(fields[12])
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and entry.name != str(pid):
            child = _stat(entry.name)
            if child is not None and child[1] == str(pid):  # field 4, the parent's pid
                total += int(child[11]) + int(child[12])
    return total / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float | None:
    """Resident memory of a process and its children (uvicorn's workers), in MB (Linux)."""
    pids = [str(pid)] + [
        entry.name
        for entry in Path("/proc").iterdir()
        if entry.name.isdigit() and (_stat(entry.name) or ["", ""])[1] == str(pid)
    ]
    total = 0
    for each in pids:
        try:
            status = Path(f"/proc/{each}/status").read_text()
        except OSError:
            continue
        match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)
        total += int(match.group(1)) if match else 0
    return round(total / 1024, 1) if total else None


def open_as_a_browser(
    client: httpx.Client, path: str, fragment: bool, blocked: list[float]
) -> tuple[int, float]:
    """GET `path` as the page (or, for a fragment, htmx) would, following a 202's progress
    polls until the answer itself arrives: (status of the first answer, ms until the answer).
    Each single request's time goes into `blocked`."""

    def get(url: str, htmx: bool) -> httpx.Response:
        start = time.perf_counter()
        response = client.get(url, headers={"HX-Request": "true"} if htmx else {})
        blocked.append((time.perf_counter() - start) * 1000.0)
        return response

    began = time.perf_counter()
    first = response = get(path, fragment)
    while response.status_code == 202:
        time.sleep(POLL_SECONDS)
        if fragment:  # the fragment polls its own URL
            response = get(path, True)
            continue
        found = POLL.search(response.text)
        if found is None:  # the page itself again (no job to poll): ask it again
            response = get(path, False)
            continue
        poll = html.unescape(found.group(1))
        status = get(poll, True)
        if "HX-Redirect" in status.headers:
            response = get(status.headers["HX-Redirect"], False)
        else:
            response = status if status.status_code != 200 else first
    return first.status_code, (time.perf_counter() - began) * 1000.0


def cold_phase(base: str, cookies: httpx.Cookies, pid: int) -> dict[str, object]:
    """Each heavy page for dates not asked before: the first request, the time until the
    answer is there (progress polls included), and the same URL again (warm)."""
    before = rss_mb(pid)
    pages: dict[str, object] = {}
    every: list[float] = []
    with httpx.Client(base_url=base, cookies=cookies, timeout=600.0) as client:
        for name, template in COLD_PAGES.items():
            first, ready, warm, statuses, blocked = [], [], [], set(), []
            fragment = "/partials/" in template
            for day in COLD_DATES:
                path = template.format(date=day)
                mark = len(blocked)
                status, took = open_as_a_browser(client, path, fragment, blocked)
                first.append(blocked[mark])
                ready.append(took)
                statuses.add(status)
                again = len(blocked)
                open_as_a_browser(client, path, fragment, blocked)
                warm.append(blocked[again])
            every += blocked
            pages[name] = {
                "path": template,
                "first_p95_ms": round(float(np.percentile(first, 95)), 1),
                "first_max_ms": round(max(first), 1),
                "ready_p95_ms": round(float(np.percentile(ready, 95)), 1),
                "warm_p95_ms": round(float(np.percentile(warm, 95)), 1),
                "blocked_max_ms": round(max(blocked), 1),
                "first_statuses": sorted(statuses),
            }
    blocked_max = max(every)
    return {"dates": list(COLD_DATES), "pages": pages, "blocked_max_ms": round(blocked_max, 1),
            "goal_ms": COLD_GOAL_MS, "meets_goal": bool(blocked_max <= COLD_GOAL_MS),
            "rss_mb_before": before, "rss_mb_after": rss_mb(pid)}  # fmt: skip


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
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument(
        "--load-generator", choices=["auto", "wrk", "httpx"], default="auto",
        help="wrk when on PATH (auto), else the Python clients",
    )  # fmt: skip
    args = parser.parse_args()
    generator = args.load_generator
    if generator == "auto":
        generator = "wrk" if shutil.which("wrk") else "httpx"
    elif generator == "wrk" and not shutil.which("wrk"):
        raise SystemExit("wrk is not on PATH (apt-get install wrk, or `make bench`)")

    with tempfile.TemporaryDirectory(prefix="openpcn-bench-web-") as scratch:
        home = args.home or Path(scratch)
        built = None
        if not (home / "warehouse.duckdb").exists():
            built = round(build_warehouse(home, args.scale), 1)
        from openpcn.web.auth import load_secret

        load_secret(home)  # made once here, so the workers do not race to create it
        appdb_url = f"sqlite:///{Path(scratch) / 'bench-app.db'}"
        username, password = add_admin(appdb_url)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        log = Path(scratch) / "server.log"
        server = start_server(home, appdb_url, port, log, args.workers)
        try:
            wait_until_up(base, server)
            cookies = log_in(base, username, password)
            cold = cold_phase(base, cookies, server.pid)
            # Warm-up: the first requests fill caches and compile templates (in every worker).
            asyncio.run(drive(base, cookies, TARGETS, 2 * args.workers, 2.0))
            if generator == "wrk":
                results, peer, served, wall, cpu = run_wrk(
                    base, cookies, username, appdb_url, server.pid, args, Path(scratch)
                )
            else:
                results, peer, served, wall, cpu = run_httpx(base, cookies, server.pid, args)
        except BaseException:
            sys.stderr.write(log.read_text(encoding="utf-8", errors="replace")[-4000:])
            raise
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()

    for name, figures in results.items():
        figures["goal_p95_ms"] = GOALS_MS[name]
        figures["meets_goal"] = bool(figures["p95_ms"] <= GOALS_MS[name])
        figures["p95_vs_peer"] = round(float(figures["p95_ms"]) / float(peer["p95_ms"]), 1)

    def per_request(start: float | None, end: float | None, count: int) -> float | None:
        if start is None or end is None or not count:
            return None
        return round((end - start) * 1000.0 / count, 2)

    cpu_before, cpu_main, cpu_peer = cpu
    line = {
        "bench": "web",
        "load_generator": generator,
        "workers": args.workers,
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
            "server_cpu_ms_per_request": per_request(cpu_main, cpu_peer, int(peer["requests"])),
        },
        "cold": cold,
    }
    print(json.dumps(line))


Figures = dict[str, float | int]
Run = tuple[
    dict[str, Figures], Figures, int, float, tuple[float | None, float | None, float | None]
]


def run_wrk(
    base: str,
    cookies: httpx.Cookies,
    username: str,
    appdb_url: str,
    pid: int,
    args: argparse.Namespace,
    scratch: Path,
) -> Run:
    """The one-client, main and peer phases with wrk: one process per target, pages with the
    session cookie of the real login, the API with a bearer token."""
    from openpcn.store.appdb import create_token, open_appdb

    db = open_appdb(appdb_url)
    try:
        token = create_token(db, username, "bench")
    finally:
        db.dispose()
    cookie = "Cookie: " + "; ".join(f"{name}={value}" for name, value in cookies.items())
    headers = {name: [cookie] for name in TARGETS}
    headers["pcns_api"] = [f"Authorization: Bearer {token}"]
    script = scratch / "bench.lua"
    script.write_text(WRK_LUA, encoding="utf-8")
    results: dict[str, Figures] = {}
    for name, path in TARGETS.items():  # one client alone, one target at a time
        solo = drive_wrk(base, headers, {name: path}, {name: 1}, args.solo_seconds, script)
        results[name] = {"one_client_p50_ms": summarise_wrk([solo[name]])["p50_ms"]}
    connections = dict(zip(TARGETS, split(args.clients, len(TARGETS)), strict=True))
    cpu_before = cpu_seconds(pid)
    main = drive_wrk(base, headers, TARGETS, connections, args.seconds, script)
    cpu_main = cpu_seconds(pid)
    peer_paths = dict.fromkeys(TARGETS, PEER)
    peer_headers = {name: [cookie] for name in TARGETS}
    peer_runs = drive_wrk(base, peer_headers, peer_paths, connections, args.peer_seconds, script)
    cpu_peer = cpu_seconds(pid)
    for name in TARGETS:
        results[name] = {**summarise_wrk([main[name]]), **results[name]}
    served = sum(int(figures["requests"]) for figures in results.values())
    wall = max(float(run["duration_us"]) for run in main.values()) / 1e6
    peer = summarise_wrk(list(peer_runs.values()))
    return results, peer, served, wall, (cpu_before, cpu_main, cpu_peer)


def run_httpx(base: str, cookies: httpx.Cookies, pid: int, args: argparse.Namespace) -> Run:
    """The same phases with Python clients (httpx, asyncio) when wrk is not installed: they
    share the CPUs with the server, so their own work shows in the latencies."""
    solo_lat, _, _ = asyncio.run(drive(base, cookies, TARGETS, 1, args.solo_seconds))
    cpu_before = cpu_seconds(pid)
    latencies, errors, wall = asyncio.run(drive(base, cookies, TARGETS, args.clients, args.seconds))
    cpu_main = cpu_seconds(pid)
    peer_lat, peer_err, peer_wall = asyncio.run(
        drive(base, cookies, {"health": PEER}, args.clients, args.peer_seconds)
    )
    cpu_peer = cpu_seconds(pid)
    results = {name: summarise(latencies[name], errors[name], wall) for name in TARGETS}
    for name, figures in results.items():
        figures["one_client_p50_ms"] = round(float(np.median(solo_lat[name] or [np.nan])), 1)
    peer = summarise(peer_lat["health"], peer_err["health"], peer_wall)
    served = sum(len(v) for v in latencies.values())
    return results, peer, served, wall, (cpu_before, cpu_main, cpu_peer)


if __name__ == "__main__":
    main()
