"""The organiser's registration list against the real web server on PostgreSQL: an event of 10,000.

Run from the repository root with the project's Python:

    .venv/bin/python bench/registration_list.py [--workers 2] [--registrations 10000] [--requests 400] [--clients 2]

It makes its own database on the server named by BENCH_DATABASE_URL (default
postgresql://postgres@127.0.0.1:5432/postgres), starts `events-app serve` (the Procfile's command),
publishes a one-day event through the API and writes 10,000 registrations straight into the
database (confirmed, spread over the county's organisations, each with an answer). An organiser
signs in through the sign-in form, and `--clients` clients (default: as many as the workers, so that
a request's time is its own and not a queue's) ask for the list `--requests` times in all, in turn:
the first page, sorted by name, by organisation backwards, page 100, a search, a status filter.

It prints the latency (p50, p99, max; from sending a request to its last byte), requests per second,
the largest page in bytes, the server's memory (RSS summed over uvicorn's processes, before and at
the peak), and as the last line one JSON object. The exit status is 1 when a check fails: a
response that is not 200, a page that does not show 50 rows or the whole selection's count, a page
over 300 KB, or a p50 over 150 ms (the issue's targets at 10,000 registrations).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import secrets
import statistics
import sys
import time
import uuid
from collections import Counter
from datetime import datetime
from urllib.parse import urlencode

import asyncpg
import httpx
from bench_server import ROOT, cli, create_event, percentile, running_server

TARGET_P50_MS = 150
TARGET_BYTES = 300_000
PER_PAGE = 50
# What the clients ask for, in turn: (query, rows expected on the page).
QUERIES = [
    ({}, PER_PAGE),
    ({"sort": "name"}, PER_PAGE),
    ({"sort": "organisation", "dir": "desc"}, PER_PAGE),
    ({"page": "100"}, PER_PAGE),
    ({"q": "deltagare 01"}, PER_PAGE),  # Deltagare 01000 ... 01999: 1,000 of them
    ({"status": "confirmed", "organisation": "sundsvall"}, PER_PAGE),
]
ROW = re.compile(r'<th scope="row">')


async def add_registrations(server, slug: str, count: int) -> None:
    """`count` confirmed registrations of the event, written with COPY (a person each)."""
    os.environ.update({name: server.env[name] for name in ("SECRET_KEY", "BASE_URL", "DATABASE_URL")})
    sys.path.insert(0, str(ROOT))
    from events_app.domain import tickets

    connection = await asyncpg.connect(server.database_url)
    try:
        event = await connection.fetchrow("SELECT id, starts_at FROM event WHERE slug = $1", slug)
        day = await connection.fetchval("SELECT day FROM event_day WHERE event = $1 ORDER BY day LIMIT 1", event["id"])
        organisations = [row["id"] for row in await connection.fetch("SELECT id FROM organisation ORDER BY id")]
        now = datetime.now(event["starts_at"].tzinfo)
        run = secrets.token_hex(3)
        people = [(uuid.uuid4(), f"Deltagare {n:05d}", f"lista{n}.{run}@example.se", now, now) for n in range(count)]
        await connection.copy_records_to_table(
            "person", records=people, columns=["uid", "name", "email", "created_at", "updated_at"]
        )
        ids = dict(await connection.fetch("SELECT email, id FROM person WHERE email LIKE $1", f"%.{run}@example.se"))
        answers = json.dumps({"lunch": "Vegetariskt"})
        rows = [
            (
                uuid.uuid4(),
                event["id"],
                ids[email],
                "confirmed",
                f"{name} Långnamnsson-Österberg",
                email,
                organisations[n % len(organisations)],
                "Miljöstrateg",
                answers,
                json.dumps([day.isoformat()]),
                tickets.new_ticket_id(),
                tickets.new_short_code(),
                secrets.token_urlsafe(32),
                "api",
                now,
                now,
                now,
            )
            for n, (_, name, email, _, _) in enumerate(people)
        ]
        await connection.copy_records_to_table(
            "registration",
            records=rows,
            columns=[
                "uid",
                "event",
                "person",
                "status",
                "name",
                "email",
                "organisation",
                "title",
                "answers",
                "days",
                "ticket_id",
                "short_code",
                "manage_token",
                "source",
                "created_at",
                "updated_at",
                "confirmed_at",
            ],
        )
        await connection.execute("ANALYZE registration; ANALYZE person")
    finally:
        await connection.close()


async def sign_in(http: httpx.AsyncClient, email: str, password: str) -> None:
    """Through the sign-in form, as a browser would: the CSRF token from the form, then the POST."""
    form = await http.get("/login")
    token = re.search(r'name="_csrf_token" value="([^"]+)"', form.text)
    if token is None:
        raise SystemExit("the sign-in form has no CSRF token")
    response = await http.post("/login", data={"email": email, "password": password, "_csrf_token": token.group(1)})
    if response.status_code not in (302, 303):
        raise SystemExit(f"signing in answered {response.status_code}")


async def run(server, slug: str, requests: int, clients: int, email: str, password: str, total: int) -> dict:
    url = f"/organiser/events/{slug}/registrations"
    latencies: list[float] = []
    by_query: dict[str, list[float]] = {}
    sizes: list[int] = []
    statuses: Counter = Counter()
    problems: list[str] = []
    peaks: list[float] = []
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=server.base, timeout=60, limits=limits) as http:
        await sign_in(http, email, password)
        # Warm every worker up (imports, templates, a connection, the planner's statistics).
        await asyncio.gather(*[http.get(url, params=query) for query, _ in QUERIES for _ in range(2)])
        counter = iter(range(requests))
        stop = asyncio.Event()

        async def client() -> None:
            for n in counter:
                query, expected_rows = QUERIES[n % len(QUERIES)]
                began = time.perf_counter()
                response = await http.get(url, params=query)
                latencies.append(time.perf_counter() - began)
                by_query.setdefault(urlencode(query) or "first page", []).append(latencies[-1])
                statuses[response.status_code] += 1
                sizes.append(len(response.content))
                rows = len(ROW.findall(response.text))
                if response.status_code == 200 and rows != expected_rows and len(problems) < 10:
                    problems.append(f"{query}: {rows} rows, expected {expected_rows}")

        async def sample_memory() -> None:
            while not stop.is_set():
                value = server.rss_mb()
                if value:
                    peaks.append(value)
                await asyncio.sleep(0.25)

        sampler = asyncio.create_task(sample_memory())
        began = time.perf_counter()
        await asyncio.gather(*[client() for _ in range(clients)])
        seconds = time.perf_counter() - began
        stop.set()
        await sampler
        first = await http.get(url)
        if f">{total} " not in first.text:  # "10000 registrations match"
            problems.append(f"the first page does not count the whole selection ({total})")
    return {
        "seconds": seconds,
        "latencies": latencies,
        "by_query": by_query,
        "sizes": sizes,
        "statuses": statuses,
        "problems": problems,
        "rss_peak": max(peaks) if peaks else None,
    }


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes (default 2, as the Procfile)")
    parser.add_argument("--registrations", type=int, default=10_000, help="the event's registrations (default 10000)")
    parser.add_argument("--requests", type=int, default=400, help="list pages asked for (default 400)")
    parser.add_argument("--clients", type=int, default=0, help="concurrent clients (default: as many as workers)")
    args = parser.parse_args()
    clients = args.clients or args.workers

    async with running_server(workers=args.workers, role="organiser") as server:
        email, password = "bench-lista@example.se", secrets.token_urlsafe(18)
        account = ("--email", email, "--name", "Bench", "--role", "organiser", f"--password={password}")
        cli(server.env, "staff", "create", *account)
        slug = await create_event(server, capacity=None)
        await add_registrations(server, slug, args.registrations)
        idle_rss = server.rss_mb()
        measured = await run(server, slug, args.requests, clients, email, password, args.registrations)

    latencies, sizes, statuses = measured["latencies"], measured["sizes"], measured["statuses"]
    result = {
        "p50_ms": round(percentile(latencies, 0.50) * 1000, 1),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
        "max_ms": round(max(latencies) * 1000, 1),
        "mean_ms": round(statistics.fmean(latencies) * 1000, 1),
        "requests_per_s": round(len(latencies) / measured["seconds"], 1),
        "p50_ms_by_query": {
            query: round(percentile(values, 0.50) * 1000, 1) for query, values in measured["by_query"].items()
        },
        "max_bytes": max(sizes),
        "mean_bytes": round(statistics.fmean(sizes)),
        "requests": len(latencies),
        "registrations": args.registrations,
        "status_codes": {str(status): count for status, count in sorted(statuses.items())},
        "rss_idle_mb": idle_rss,
        "rss_mb": measured["rss_peak"],
        "workers": args.workers,
        "clients": clients,
        "cpus": os.cpu_count(),
    }
    problems = list(measured["problems"])
    if set(statuses) != {200}:
        problems.append(f"status codes {dict(statuses)}, expected only 200")
    if result["max_bytes"] > TARGET_BYTES:
        problems.append(f"a page of {result['max_bytes']} bytes, over {TARGET_BYTES}")
    if result["p50_ms"] > TARGET_P50_MS:
        problems.append(f"p50 {result['p50_ms']} ms, over {TARGET_P50_MS} ms")

    print(
        f"registration list: {args.registrations} registrations, {result['requests']} pages from {clients} clients, "
        f"{args.workers} workers, {os.cpu_count()} CPUs"
    )
    print(
        f"  latency     p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms, max {result['max_ms']} ms, "
        f"mean {result['mean_ms']} ms; {result['requests_per_s']} pages/s"
    )
    print("  by query    " + ", ".join(f"{query}: p50 {ms} ms" for query, ms in result["p50_ms_by_query"].items()))
    print(f"  size        largest page {result['max_bytes']} bytes, mean {result['mean_bytes']} bytes")
    print(f"  memory      server RSS over all processes: {idle_rss} MB before, {result['rss_mb']} MB at peak")
    print("  checks      " + ("all right" if not problems else "FAILED: " + "; ".join(problems)))
    print(json.dumps(result))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
