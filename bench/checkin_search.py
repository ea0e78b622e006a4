"""The door's search by name against the real web server on PostgreSQL: an event of 10,000.

Run from the repository root with the project's Python:

    .venv/bin/python bench/checkin_search.py [--registrations 10000] [--connections 4] [--seconds 20]

It makes its own database on the server named by BENCH_DATABASE_URL (default
postgresql://postgres@127.0.0.1:5432/postgres), starts `events-app serve` with one worker and pins
it to the first CPU (`taskset -c 0`; PostgreSQL itself is not pinned), publishes a one-day event
through the API and writes 10,000 confirmed registrations straight into the database (Swedish
names, many with å, ä, ö, spread over the county's organisations and some typed ones). A check-in
staff member signs in through the sign-in form; then `wrk` (on the second CPU, `--connections`
connections) asks the scanner page's search (`GET /checkin/<event>/search?part=1&q=…`, what the
page's script asks for) for names as staff type them on a phone, in turn ("asa oberg", "lindq",
"marta sjob", …), for `--seconds`.

It prints requests per second, the latency (p50, p99, max), the server's CPU time per request (and
so how many requests a second of its CPU answers: the figure that a machine busy with other work
moves least), how many answers each query found, and as the last line one JSON object. The exit
status is 1 when an answer is not 200 or a connection failed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import subprocess
import sys
import tempfile
import uuid
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

import asyncpg
import httpx
from bench_server import ROOT, cli, cpu_seconds, create_event, process_tree, running_server
from checkin import ensure_wrk
from registration_list import sign_in

LUA = Path(__file__).with_name("checkin_search.lua")
THREADS = 2
FIRST = [
    "Anna",
    "Åsa",
    "Björn",
    "Erik",
    "Märta",
    "Örjan",
    "Karin",
    "Lars",
    "Ingrid",
    "Per",
    "Sofia",
    "Gustav",
    "Ulla",
    "Mikael",
    "Elin",
    "Jonas",
    "Maria",
    "Olof",
    "Lena",
    "Håkan",
    "Ebba",
    "Nils",
    "Kerstin",
    "Johan",
    "Ylva",
    "Anders",
    "Birgitta",
    "Stefan",
    "Helena",
    "Tomas",
    "Anna-Karin",
    "Jörgen",
]
LAST = [
    "Öberg",
    "Andersson",
    "Lindqvist",
    "Åström",
    "Sjöberg",
    "Ekström",
    "Näslund",
    "Johansson",
    "Berglund",
    "Holm",
    "Sundström",
    "Bäckström",
    "Nilsson",
    "Wikström",
    "Hägglund",
    "Lundgren",
    "Öhman",
    "Forsberg",
    "Strömberg",
    "Eriksson",
    "Sandberg",
    "Ödman",
    "Jonsson",
    "Westerlund",
    "Håkansson",
    "Persson",
    "Nordin",
    "Lindström",
    "Karlsson",
    "Ågren",
    "Bergström",
    "Hedlund",
    "Sjödin",
    "Norberg",
    "Dahlberg",
    "Engström",
    "Vikström",
    "Ljung",
    "Åkesson",
    "Fransson",
]
TYPED = ("Energibolaget AB", "Ångermanlands folkhögskola", "Mittuniversitetet", "Höga kusten turism")
# What staff type at the door: whole names, first letters, a surname alone, an organisation.
QUERIES = (
    "asa oberg",
    "lindq",
    "marta sjob",
    "orjan",
    "anna-karin",
    "hakan ag",
    "ekstrom",
    "bjorn nas",
    "sundsv",
    "ylva wik",
    "hedl",
    "sofia n",
    "ingrid hagg",
    "energibolaget",
    "per holm",
    "elin ljung",
)


def name_of(n: int) -> str:
    """Distinct enough: a first name and a surname, and from the 1,281st on a second surname."""
    combos = len(FIRST) * len(LAST)
    name = f"{FIRST[n % len(FIRST)]} {LAST[(n // len(FIRST)) % len(LAST)]}"
    return name if n < combos else f"{name}-{LAST[(n // combos + n) % len(LAST)]}"


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
        # The code before the door's search had its own column wrote none (for a figure of before).
        folded = await connection.fetchval(
            "SELECT count(*) FROM information_schema.columns WHERE table_name = 'registration' "
            "AND column_name = 'search_text'"
        )
        now = datetime.now(event["starts_at"].tzinfo)
        run = secrets.token_hex(3)
        people = [(uuid.uuid4(), name_of(n), f"dorr{n}.{run}@example.se", now, now) for n in range(count)]
        await connection.copy_records_to_table(
            "person", records=people, columns=["uid", "name", "email", "created_at", "updated_at"]
        )
        ids = dict(await connection.fetch("SELECT email, id FROM person WHERE email LIKE $1", f"%.{run}@example.se"))
        columns = ["uid", "event", "person", "status", "name", "email", "organisation", "organisation_text"]
        columns += ["days", "ticket_id", "short_code", "manage_token", "source", "created_at", "updated_at"]
        columns += ["confirmed_at"]
        rows = []
        for n, (_, name, email, _, _) in enumerate(people):
            typed = TYPED[n % len(TYPED)] if n % 5 == 0 else ""
            row = [uuid.uuid4(), event["id"], ids[email], "confirmed", name, email]
            row += [None if typed else organisations[n % len(organisations)], typed]
            row += [json.dumps([day.isoformat()]), tickets.new_ticket_id(), tickets.new_short_code()]
            row += [secrets.token_urlsafe(32), "api", now, now, now]
            rows.append(row)
        if folded:
            from events_app.domain.text_folding import search_text

            columns.append("search_text")
            for row in rows:
                row.append(search_text(row[4], row[7]))
        await connection.copy_records_to_table("registration", records=[tuple(row) for row in rows], columns=columns)
        # As autovacuum will have done by the morning of the event: statistics for the planner, and the
        # rows just written moved from the trigram index's pending list (read through on every search
        # until then, it took 1 of a search's 2 ms) into the index itself.
        await connection.execute("VACUUM (ANALYZE) registration, person")
    finally:
        await connection.close()


def pin_to_first_cpu(server) -> None:
    """The server's processes, and every thread of them, on CPU 0 (wrk runs on CPU 1)."""
    for pid in process_tree(server.process.pid):
        subprocess.run(["taskset", "-a", "-cp", "0", str(pid)], check=True, stdout=subprocess.DEVNULL)


async def signed_in_cookie(server, slug: str, email: str, password: str, paths: list[str]) -> tuple[str, dict]:
    """Sign in through the form; warm the worker up with every query once. The session's Cookie
    header, and how many each query found (the page's "N found.")."""
    async with httpx.AsyncClient(base_url=server.base, timeout=60) as http:
        await sign_in(http, email, password)
        found = {}
        for query, path in zip(QUERIES, paths, strict=True):
            response = await http.get(path)
            if response.status_code != 200:
                raise SystemExit(f"{path} answered {response.status_code}")
            found[query] = response.text.count("data-registration=")
        cookie = "; ".join(f"{cookie.name}={cookie.value}" for cookie in http.cookies.jar)
    return cookie, found


def run_wrk(wrk: str, server, cookie: str, paths_file: Path, connections: int, seconds: int) -> dict:
    command = ["taskset", "-c", "1", wrk, f"-t{THREADS}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    command += ["--timeout", "10s", "-H", f"Cookie: {cookie}", "-s", str(LUA), server.base, "--", str(paths_file)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, check=False)
    line = next((line for line in result.stdout.splitlines() if line.startswith("WRK ")), None)
    if result.returncode != 0 or line is None:
        raise SystemExit(f"wrk failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return json.loads(line[4:])


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--registrations", type=int, default=10_000, help="the event's registrations (default 10000)")
    parser.add_argument("--connections", type=int, default=4, help="wrk's connections (default 4)")
    parser.add_argument("--seconds", type=int, default=20, help="how long wrk asks (default 20)")
    args = parser.parse_args()
    wrk = ensure_wrk()

    async with running_server(workers=1, role="organiser") as server:  # the organiser publishes the event
        pin_to_first_cpu(server)
        email, password = "bench-dorr@example.se", secrets.token_urlsafe(18)
        account = ("--email", email, "--name", "Bench", "--role", "checkin", f"--password={password}")
        cli(server.env, "staff", "create", *account)
        slug = await create_event(server, capacity=None)
        await add_registrations(server, slug, args.registrations)
        paths = [f"/checkin/{slug}/search?part=1&q={quote(query)}" for query in QUERIES]
        cookie, found = await signed_in_cookie(server, slug, email, password, paths)
        with tempfile.NamedTemporaryFile("w", suffix=".txt", prefix="door-search-") as paths_file:
            paths_file.write("\n".join(paths) + "\n")
            paths_file.flush()
            cpu_before = cpu_seconds(process_tree(server.process.pid))
            figures = run_wrk(wrk, server, cookie, Path(paths_file.name), args.connections, args.seconds)
            cpu_used = cpu_seconds(process_tree(server.process.pid)) - cpu_before

    seconds = figures["duration_us"] / 1e6
    result = {
        "requests_per_s": round(figures["requests"] / seconds, 1),
        "p50_ms": round(figures["p50_us"] / 1000, 1),
        "p99_ms": round(figures["p99_us"] / 1000, 1),
        "max_ms": round(figures["max_us"] / 1000, 1),
        # On a shared machine the figure that moves least: the server's CPU per answer, and so what
        # one core of its own would answer (the database's CPU, on the other core, not counted).
        "server_cpu_ms_per_request": round(cpu_used * 1000 / max(1, figures["requests"]), 2),
        "requests_per_cpu_s": round(figures["requests"] / cpu_used, 1) if cpu_used else None,
        "requests": figures["requests"],
        "answers_finding_someone": figures["found"],
        "answers_finding_no_one": figures["empty"],
        "non_2xx": figures["non_2xx"],
        "socket_errors": figures["socket_errors"],
        "found_by_query": found,
        "registrations": args.registrations,
        "connections": args.connections,
        "seconds": round(seconds, 1),
        "server_cpus": 1,
        "cpus": os.cpu_count(),
    }
    problems = []
    if figures["non_2xx"] or figures["socket_errors"] or not figures["requests"]:
        problems.append(f"{figures['non_2xx']} answers not 2xx, {figures['socket_errors']} socket errors")

    print(
        f"door search: {args.registrations} registrations, {len(QUERIES)} queries in turn, {args.connections} "
        f"connections (wrk on CPU 1), 1 worker pinned to CPU 0, {seconds:.0f} s"
    )
    print(
        f"  throughput  {result['requests_per_s']} requests/s ({result['requests']} requests); latency p50 "
        f"{result['p50_ms']} ms, p99 {result['p99_ms']} ms, max {result['max_ms']} ms"
    )
    print(
        f"  server CPU  {result['server_cpu_ms_per_request']} ms per request: {result['requests_per_cpu_s']} requests "
        "per second of the worker's CPU"
    )
    print("  found       " + ", ".join(f"{query!r}: {count}" for query, count in found.items()))
    print("  checks      " + ("all right" if not problems else "FAILED: " + "; ".join(problems)))
    print(json.dumps(result, ensure_ascii=False))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
