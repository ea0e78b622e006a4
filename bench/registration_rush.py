"""A registration rush against the real web server on PostgreSQL: 1,000 attempts from 100 clients.

Run from the repository root with the project's Python:

    .venv/bin/python bench/registration_rush.py [--workers 4] [--requests 1000] [--clients 100] [--capacity 300]

It makes its own database `bench_<random>` on the server named by BENCH_DATABASE_URL (default
postgresql://postgres@127.0.0.1:5432/postgres), migrates and seeds it, starts `events-app serve` on a
free loopback port, creates and publishes an event through the API, fires the registrations at
`POST /api/v1/events/{slug}/registrations`, stops the server and checks the database: exactly
`capacity` confirmed, the rest waitlisted, one queued confirmation mail per registration. The database
is dropped at the end whatever happens. The last line printed is one JSON object with the figures;
the exit status is non-zero when a count is wrong or a request failed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import statistics
import sys
import time
from collections import Counter

import asyncpg
import httpx
from bench_server import create_event, percentile, rss_mb, running_server


async def warm_up(base: str, slug: str, workers: int) -> None:
    """A few reads, so every worker has imported its templates and opened a database connection."""
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=httpx.Limits(max_connections=workers * 8)) as http:
        await asyncio.gather(*[http.get(f"/api/v1/events/{slug}") for _ in range(workers * 16)])


async def rush(
    base: str, slug: str, requests: int, clients: int, server_pid: int, distinct_ips: bool
) -> tuple[float, list[float], Counter, Counter, float | None]:
    latencies: list[float] = []
    statuses: Counter = Counter()
    outcomes: Counter = Counter()
    peak_rss: list[float] = []
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(requests):
        queue.put_nowait(n)
    run_id = secrets.token_hex(3)

    async def client(http: httpx.AsyncClient, number: int) -> None:
        headers = {"X-Forwarded-For": f"10.{number // 250}.{number % 250}.1"} if distinct_ips else {}
        while True:
            try:
                n = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            body = {
                "name": f"Deltagare {n}",
                "email": f"rush{n}.{run_id}@example.se",
                "organisation": "sundsvall",
                "consent": True,
            }
            began = time.perf_counter()
            try:
                response = await http.post(f"/api/v1/events/{slug}/registrations", json=body, headers=headers)
                statuses[response.status_code] += 1
                if response.status_code == 201:
                    outcomes[response.json()["status"]] += 1
            except httpx.HTTPError as error:
                statuses[type(error).__name__] += 1
            latencies.append(time.perf_counter() - began)

    async def sample_memory(stop: asyncio.Event) -> None:
        while not stop.is_set():
            value = rss_mb(server_pid)
            if value:
                peak_rss.append(value)
            await asyncio.sleep(0.25)

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as http:
        stop = asyncio.Event()
        sampler = asyncio.create_task(sample_memory(stop))
        began = time.perf_counter()
        await asyncio.gather(*[client(http, number) for number in range(clients)])
        seconds = time.perf_counter() - began
        stop.set()
        await sampler
    return seconds, latencies, statuses, outcomes, max(peak_rss) if peak_rss else None


async def check_database(url: str, slug: str) -> dict[str, int]:
    connection = await asyncpg.connect(url)
    try:
        event_id = await connection.fetchval("SELECT id FROM event WHERE slug = $1", slug)
        counts = dict(
            await connection.fetch(
                "SELECT status, count(*) FROM registration WHERE event = $1 GROUP BY status", event_id
            )
        )
        mails = await connection.fetchval("SELECT count(*) FROM outbox_message WHERE kind = 'registration_received'")
        # Each registration exactly once: as many distinct registrations named as rows, all of them real.
        distinct = await connection.fetchval(
            "SELECT count(DISTINCT r.id) FROM outbox_message m JOIN registration r "
            "ON r.uid::text = (m.build_args::jsonb ->> 'registration') WHERE m.kind = 'registration_received'"
        )
        return {
            "confirmed": counts.get("confirmed", 0),
            "waitlisted": counts.get("waitlisted", 0),
            "mails_queued": mails,
            "mails_distinct": distinct,
            "registrations": sum(counts.values()),
        }
    finally:
        await connection.close()


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes (default 2, as the Procfile)")
    parser.add_argument("--requests", type=int, default=1000, help="registration attempts (default 1000)")
    parser.add_argument("--clients", type=int, default=100, help="concurrent clients and connections (default 100)")
    parser.add_argument("--capacity", type=int, default=300, help="the event's places (default 300)")
    parser.add_argument(
        "--distinct-ips",
        action="store_true",
        help="give each client its own IP via X-Forwarded-For (uvicorn trusts it from 127.0.0.1)",
    )
    args = parser.parse_args()

    # One machine sends the whole rush, so the per-IP limits would refuse it or hold it as a bot's burst.
    ceiling = str(max(args.requests * 10, 200))
    extra_env = {"REGISTRATIONS_PER_IP": ceiling, "REGISTRATION_BURST_PER_IP": ceiling}
    async with running_server(workers=args.workers, role="organiser", extra_env=extra_env) as server:
        slug = await create_event(server, capacity=args.capacity)
        await warm_up(server.base, slug, args.workers)
        idle_rss = server.rss_mb()
        seconds, latencies, statuses, outcomes, peak_rss = await rush(
            server.base, slug, args.requests, args.clients, server.process.pid, args.distinct_ips
        )
        found = await check_database(server.database_url, slug)

    errors = sum(count for status, count in statuses.items() if status != 201)
    expected_confirmed = min(args.capacity, args.requests)
    result = {
        "seconds": round(seconds, 3),
        "requests_per_s": round(args.requests / seconds, 1),
        "p50_ms": round(percentile(latencies, 0.50) * 1000, 1),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
        "max_ms": round(max(latencies) * 1000, 1),
        "mean_ms": round(statistics.fmean(latencies) * 1000, 1),
        "confirmed": found["confirmed"],
        "waitlisted": found["waitlisted"],
        "mails_queued": found["mails_queued"],
        "workers": args.workers,
        "clients": args.clients,
        "requests": args.requests,
        "errors": errors,
        "status_codes": {str(status): count for status, count in sorted(statuses.items(), key=str)},
        "rss_mb": peak_rss,
        "rss_idle_mb": idle_rss,
        "cpus": os.cpu_count(),
        "distinct_ips": args.distinct_ips,
    }
    problems = []
    if found["confirmed"] != expected_confirmed:
        problems.append(f"confirmed {found['confirmed']}, expected {expected_confirmed}")
    if found["waitlisted"] != args.requests - expected_confirmed:
        problems.append(f"waitlisted {found['waitlisted']}, expected {args.requests - expected_confirmed}")
    if found["mails_queued"] != args.requests or found["mails_distinct"] != args.requests:
        problems.append(
            f"{found['mails_queued']} confirmation mails for {found['mails_distinct']} registrations, "
            f"expected {args.requests} for {args.requests}"
        )
    if (outcomes["confirmed"], outcomes["waitlisted"]) != (found["confirmed"], found["waitlisted"]):
        problems.append(f"the responses said {dict(outcomes)}, the database {found}")
    if errors:
        problems.append(f"{errors} requests did not get 201")

    print(
        f"registration rush: {args.requests} attempts from {args.clients} clients, {args.workers} workers, "
        f"{os.cpu_count()} CPUs, capacity {args.capacity}"
    )
    print(f"  time        {seconds:.2f} s, {result['requests_per_s']} requests/s")
    print(
        f"  latency     p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms, max {result['max_ms']} ms, "
        f"mean {result['mean_ms']} ms"
    )
    print(f"  responses   {dict(sorted(statuses.items(), key=str))}; {dict(outcomes)}")
    print(
        f"  database    {found['confirmed']} confirmed, {found['waitlisted']} waitlisted, "
        f"{found['mails_queued']} confirmation mails queued"
    )
    print(f"  memory      server RSS over all processes: {idle_rss} MB before, {peak_rss} MB at peak")
    print("  checks      " + ("all counts right" if not problems else "FAILED: " + "; ".join(problems)))
    print(json.dumps(result))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
