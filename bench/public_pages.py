"""Anonymous visitors on the public pages, against the real web server on PostgreSQL, on one core.

Run from the repository root with the project's Python:

    .venv/bin/python bench/public_pages.py [--seconds 10] [--connections 4] [--only cached|uncached]

For each of two servers, the public page cache off (PUBLIC_PAGE_CACHE_SECONDS=0: "uncached", the
before) and on (the default: "cached"), it makes its own database on the server named by
BENCH_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/postgres), loads the seed and the
demo data (`events-app demo --yes`), starts `events-app serve --workers 1` and pins every thread of
it to core 0 with `taskset`. Then `wrk` (installed with `apt-get install wrk`), pinned to core 1,
asks for the demo's Hållbarhetsdagarna event page and for the events list from 4 connections, with
no cookies (each answer a first visit: a fresh CSRF token and cookie), for `--seconds` each after a
short warm-up. It prints requests/s and p99 for each page and server; the last line is one JSON
object. The exit status is non-zero when an answer was not 200.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import subprocess
import sys

import asyncpg
from bench_server import cli, process_tree, running_server

SERVER_CORE, WRK_CORE = "0", "1"
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def ensure_wrk() -> str:
    if os.path.exists("/usr/bin/wrk"):
        return "/usr/bin/wrk"
    sys.exit("wrk is missing: apt-get install wrk")


def pin(root_pid: int, core: str) -> None:
    """Every thread of the server (and of its workers, had it any) on `core`."""
    for pid in process_tree(root_pid):
        subprocess.run(["taskset", "-a", "-c", "-p", core, str(pid)], check=True, stdout=subprocess.DEVNULL)


def _milliseconds(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return round(float(number) * _UNITS[unit], 2)


def run_wrk(wrk: str, url: str, connections: int, seconds: int) -> dict:
    command = ["taskset", "-c", WRK_CORE, wrk, "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    result = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, check=False)
    output = result.stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.M)
    if result.returncode != 0 or not (rate and p50 and p99):
        raise SystemExit(f"wrk failed ({result.returncode}):\n{output}\n{result.stderr}")
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    failed = re.search(r"Socket errors:.*", output)
    return {
        "requests_per_s": round(float(rate.group(1))),
        "p50_ms": _milliseconds(p50.group(1)),
        "p99_ms": _milliseconds(p99.group(1)),
        "non_2xx": int(errors.group(1)) if errors else 0,
        "socket_errors": failed.group(0) if failed else "",
    }


async def demo_event_slug(database_url: str) -> str:
    connection = await asyncpg.connect(database_url)
    try:
        return await connection.fetchval(
            "SELECT slug FROM event WHERE title LIKE 'Hållbarhetsdagarna%' AND status = 'published' "
            "ORDER BY starts_at DESC LIMIT 1"
        )
    finally:
        await connection.close()


async def measure(wrk: str, cached: bool, connections: int, seconds: int) -> dict:
    extra_env = {} if cached else {"PUBLIC_PAGE_CACHE_SECONDS": "0"}
    async with running_server(workers=1, role="organiser", extra_env=extra_env) as server:
        cli(server.env, "demo", "--yes")
        slug = await demo_event_slug(server.database_url)
        pin(server.process.pid, SERVER_CORE)
        figures = {}
        for name, path in (("event_page", f"/events/{slug}"), ("events_list", "/events")):
            await asyncio.to_thread(run_wrk, wrk, server.base + path, connections, 2)  # warm-up
            figures[name] = await asyncio.to_thread(run_wrk, wrk, server.base + path, connections, seconds)
            figures[name]["path"] = path
        return figures


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=10, help="wrk's duration per page (default 10)")
    parser.add_argument("--connections", type=int, default=4, help="concurrent connections (default 4)")
    parser.add_argument("--only", choices=("cached", "uncached"), help="measure one server only")
    args = parser.parse_args()
    if (os.cpu_count() or 1) < 2:
        sys.exit("this bench pins the server and wrk to two different cores")
    wrk = ensure_wrk()
    results: dict[str, dict] = {}
    for label in ("uncached", "cached"):
        if args.only in (None, label):
            results[label] = await measure(wrk, label == "cached", args.connections, args.seconds)
    for label, pages in results.items():
        for name, figures in pages.items():
            print(
                f"{label:9} {name:12} {figures['requests_per_s']:>7,} requests/s  p50 {figures['p50_ms']:7.2f} ms  "
                f"p99 {figures['p99_ms']:7.2f} ms  non-2xx {figures['non_2xx']}  {figures['path']}"
            )
    bad = any(figures["non_2xx"] for pages in results.values() for figures in pages.values())
    print(json.dumps({"connections": args.connections, "seconds": args.seconds, **results}))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
