"""Check-in at the door against the real web server on PostgreSQL: 10,000 tickets, 16 connections.

Run from the repository root with the project's Python:

    .venv/bin/python bench/checkin.py [--workers 2] [--tickets 10000] [--connections 16] [--seconds 20]

It makes its own database on the server named by BENCH_DATABASE_URL (default
postgresql://postgres@127.0.0.1:5432/postgres), starts `events-app serve` (the Procfile's command)
with a check-in staff member's API token, publishes a one-day event through the API and writes
10,000 confirmed registrations straight into the database. Then `wrk` (a compiled load generator,
so that the client does not eat the server's CPU; installed with apt-get when missing) posts the
tickets' signed QR codes to `POST /api/v1/checkins` from 16 connections: first every ticket once
(first scans, within `--seconds`), then the same tickets again for `--repeat-seconds` (repeat
scans). Afterwards it checks the database: every ticket checked in exactly once. The last line
printed is one JSON object with the figures; the exit status is non-zero when a check fails.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import uuid
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import asyncpg
import httpx
from bench_server import ROOT, cli, cpu_seconds, create_event, database_pids, running_server

LUA = Path(__file__).with_name("checkin.lua")
THREADS = 2
STOCKHOLM = ZoneInfo("Europe/Stockholm")


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    print("wrk is missing: installing it with apt-get", file=sys.stderr)
    subprocess.run(
        ["apt-get", "install", "-y", "-q", "wrk"],
        check=True,
        stdout=subprocess.DEVNULL,
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
    )
    return shutil.which("wrk") or sys.exit("wrk could not be installed")


async def add_tickets(server, slug: str, count: int) -> tuple[str, list[str]]:
    """`count` confirmed registrations for the event's day, written directly; the day and their QR codes."""
    # The codes are signed with the server's key: this process reads the server's settings.
    os.environ.update({name: server.env[name] for name in ("SECRET_KEY", "BASE_URL", "DATABASE_URL")})
    sys.path.insert(0, str(ROOT))
    from events_app.domain import tickets

    connection = await asyncpg.connect(server.database_url)
    try:
        event = await connection.fetchrow("SELECT id, uid, starts_at FROM event WHERE slug = $1", slug)
        day = await connection.fetchval("SELECT day FROM event_day WHERE event = $1 ORDER BY day LIMIT 1", event["id"])
        now = datetime.now(event["starts_at"].tzinfo)
        run = secrets.token_hex(3)
        people = [(uuid.uuid4(), f"Deltagare {n}", f"incheckning{n}.{run}@example.se", now, now) for n in range(count)]
        await connection.copy_records_to_table(
            "person", records=people, columns=["uid", "name", "email", "created_at", "updated_at"]
        )
        ids = dict(await connection.fetch("SELECT email, id FROM person WHERE email LIKE $1", f"%.{run}@example.se"))
        rows, codes = [], []
        for _, name, email, _, _ in people:
            ticket_id = tickets.new_ticket_id()
            rows.append(
                (
                    uuid.uuid4(),
                    event["id"],
                    ids[email],
                    "confirmed",
                    name,
                    email,
                    json.dumps([day.isoformat()]),
                    ticket_id,
                    tickets.new_short_code(),
                    secrets.token_urlsafe(32),
                    "api",
                    now,
                    now,
                    now,
                )
            )
            codes.append(tickets.ticket_code(ticket_id, event["uid"]))
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
        return day.isoformat(), codes
    finally:
        await connection.close()


def run_wrk(wrk: str, server, slug: str, day: str, codes_file: Path, mode: str, connections: int, seconds: int) -> dict:
    command = [
        wrk,
        f"-t{THREADS}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--latency",
        "--timeout",
        "10s",
        "-s",
        str(LUA),
        server.base,
        "--",
        str(codes_file),
        slug,
        day,
        str(THREADS),
        mode,
        server.token,
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, check=False)
    line = next((line for line in result.stdout.splitlines() if line.startswith("WRK ")), None)
    if result.returncode != 0 or line is None:
        raise SystemExit(f"wrk failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return json.loads(line[4:])


async def sample_memory(server, stop: asyncio.Event, peaks: list[float]) -> None:
    while not stop.is_set():
        value = server.rss_mb()
        if value:
            peaks.append(value)
        await asyncio.sleep(0.25)


async def while_sampling(server, function, *args) -> tuple[dict, float | None, float, float]:
    """`function`'s figures, the server's peak RSS meanwhile, and the CPU seconds the server and the
    database's backends used meanwhile (on a busy machine a steadier figure than scans per second)."""
    peaks: list[float] = []
    stop = asyncio.Event()
    backends = await database_pids(server.database_url)
    server_before, database_before = server.cpu_seconds(), cpu_seconds(backends)
    sampler = asyncio.create_task(sample_memory(server, stop, peaks))
    try:
        figures = await asyncio.to_thread(function, *args)
    finally:
        stop.set()
        await sampler
    server_cpu, database_cpu = server.cpu_seconds() - server_before, cpu_seconds(backends) - database_before
    return figures, max(peaks) if peaks else None, server_cpu, database_cpu


async def check_database(url: str, slug: str) -> dict[str, int]:
    connection = await asyncpg.connect(url)
    try:
        event_id = await connection.fetchval("SELECT id FROM event WHERE slug = $1", slug)
        checked_in = await connection.fetchval(
            "SELECT count(DISTINCT registration) FROM attendance WHERE event = $1", event_id
        )
        doubles = await connection.fetchval(
            "SELECT count(*) FROM (SELECT registration, day FROM attendance WHERE event = $1 AND session IS NULL "
            "GROUP BY registration, day HAVING count(*) > 1) AS twice",
            event_id,
        )
        rows = await connection.fetchval("SELECT count(*) FROM attendance WHERE event = $1", event_id)
        return {"checked_in": checked_in, "double_checkins": doubles, "attendance_rows": rows}
    finally:
        await connection.close()


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes (default 2, as the Procfile)")
    parser.add_argument("--tickets", type=int, default=10_000, help="confirmed registrations (default 10000)")
    parser.add_argument("--connections", type=int, default=16, help="concurrent connections (default 16)")
    parser.add_argument("--seconds", type=int, default=20, help="at most this long for the first scans (default 20)")
    parser.add_argument("--repeat-seconds", type=int, default=10, help="repeat scans for this long (default 10)")
    args = parser.parse_args()
    wrk = ensure_wrk()

    async with running_server(workers=args.workers, role="checkin") as server:
        async with httpx.AsyncClient(base_url=server.base, timeout=30) as http:
            organiser = secrets.token_urlsafe(18)
            cli(
                server.env,
                "staff",
                "create",
                "--email",
                "bench-organiser@example.se",
                "--name",
                "Bench organiser",
                "--role",
                "organiser",
                f"--password={organiser}",  # "=": a password may begin with "-"
            )
            organiser_token = cli(
                server.env, "token", "create", "--email", "bench-organiser@example.se", "--name", "bench"
            )
            # Check-in staff may check in for today only: the event is today, in Stockholm, all day.
            midnight = datetime.now(STOCKHOLM).replace(hour=0, minute=0, second=0, microsecond=0)
            slug = await create_event(server, capacity=None, token=organiser_token, starts_at=midnight)
            day, codes = await add_tickets(server, slug, args.tickets)
            # Warm every worker up (imports, templates, a database connection) with scans of one ticket.
            warm = {"code": codes[0], "event": slug, "day": day, "device": "warm-up", "method": "api"}
            await asyncio.gather(
                *[
                    http.post("/api/v1/checkins", json=warm, headers={"Authorization": f"Bearer {server.token}"})
                    for _ in range(args.workers * 8)
                ]
            )
        with tempfile.TemporaryDirectory(prefix="bench-checkin-") as folder:
            codes_file = Path(folder) / "codes.txt"
            codes_file.write_text("\n".join(codes[1:]) + "\n")  # the warmed-up ticket is not a first scan
            idle_rss = server.rss_mb()
            first, first_rss, first_cpu, first_db_cpu = await while_sampling(
                server, run_wrk, wrk, server, slug, day, codes_file, "first", args.connections, args.seconds
            )
            repeat, repeat_rss, repeat_cpu, repeat_db_cpu = await while_sampling(
                server, run_wrk, wrk, server, slug, day, codes_file, "repeat", args.connections, args.repeat_seconds
            )
        found = await check_database(server.database_url, slug)

    first_scans = args.tickets - 1
    pass_seconds = first["pass_seconds"] or args.seconds
    result = {
        "first_scans_per_s": round(first["ok"] / pass_seconds, 1),
        "first_p50_ms": round(first["p50_us"] / 1000, 2),
        "first_p99_ms": round(first["p99_us"] / 1000, 2),
        "first_max_ms": round(first["max_us"] / 1000, 2),
        "first_scans": first["ok"],
        "first_seconds": round(pass_seconds, 2),
        "first_server_cpu_ms": round(first_cpu * 1000 / max(first["requests"], 1), 3),
        "first_database_cpu_ms": round(first_db_cpu * 1000 / max(first["requests"], 1), 3),
        "repeat_scans_per_s": round(repeat["scans"] / (repeat["duration_us"] / 1e6), 1),
        "repeat_p50_ms": round(repeat["p50_us"] / 1000, 2),
        "repeat_p99_ms": round(repeat["p99_us"] / 1000, 2),
        "repeat_scans": repeat["scans"],
        "repeat_server_cpu_ms": round(repeat_cpu * 1000 / max(repeat["requests"], 1), 3),
        "repeat_database_cpu_ms": round(repeat_db_cpu * 1000 / max(repeat["requests"], 1), 3),
        "double_checkins": found["double_checkins"],
        "checked_in": found["checked_in"],
        "errors": first["other"] + first["socket_errors"] + repeat["other"] + repeat["socket_errors"],
        "rss_idle_mb": idle_rss,
        "rss_mb": max(value for value in (first_rss, repeat_rss, idle_rss) if value is not None),
        "workers": args.workers,
        "connections": args.connections,
        "cpus": os.cpu_count(),
    }
    problems = []
    if first["ok"] != first_scans:
        problems.append(f"{first['ok']} first scans answered ok, expected {first_scans}")
    if found["checked_in"] != args.tickets or found["attendance_rows"] != args.tickets:
        problems.append(
            f"{found['checked_in']} tickets checked in ({found['attendance_rows']} rows), expected {args.tickets}"
        )
    if found["double_checkins"]:
        problems.append(f"{found['double_checkins']} tickets checked in twice")
    if repeat["ok"] or repeat["other"]:
        problems.append(f"repeat scans: {repeat['ok']} answered ok and {repeat['other']} otherwise, expected none")
    if result["errors"]:
        problems.append(f"{result['errors']} failed requests")

    print(
        f"check-in: {args.tickets} tickets, {args.connections} connections (wrk, {THREADS} threads), "
        f"{args.workers} workers, {os.cpu_count()} CPUs"
    )
    print(
        f"  first scans   {result['first_scans']} in {result['first_seconds']} s: {result['first_scans_per_s']}/s, "
        f"p50 {result['first_p50_ms']} ms, p99 {result['first_p99_ms']} ms, max {result['first_max_ms']} ms"
    )
    print(
        f"  repeat scans  {result['repeat_scans']} in {args.repeat_seconds} s: {result['repeat_scans_per_s']}/s, "
        f"p50 {result['repeat_p50_ms']} ms, p99 {result['repeat_p99_ms']} ms"
    )
    print(
        f"  CPU per scan  server {result['first_server_cpu_ms']} ms + database {result['first_database_cpu_ms']} ms "
        f"(first), {result['repeat_server_cpu_ms']} + {result['repeat_database_cpu_ms']} ms (repeat)"
    )
    print(f"  database      {found['checked_in']} tickets checked in, {found['double_checkins']} twice")
    print(f"  memory        server RSS over all processes: {idle_rss} MB before, {result['rss_mb']} MB at peak")
    print("  checks        " + ("all right" if not problems else "FAILED: " + "; ".join(problems)))
    print(json.dumps(result))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
