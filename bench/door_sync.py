"""Offline door sync against the real web server on PostgreSQL: an event of 10,000 today, 4 scanners.

Run from the repository root with the project's Python:

    .venv/bin/python bench/door_sync.py [--registrations 10000] [--devices 4] [--overlap 0.05] [--batch 500]

It makes its own database on the server named by BENCH_DATABASE_URL (default
postgresql://postgres@127.0.0.1:5432/postgres), starts `events-app serve --workers 2` (the Procfile's
command), publishes a one-day event taking place today through the API, writes 10,000 confirmed
registrations straight into the database (COPY, then `VACUUM (ANALYZE)`, as autovacuum will have
done by the morning) and pairs 4 scanners (API tokens of scope "checkin" for a check-in staff
member). Then, as the devices do (docs/checkin.md):

(a) the whole door list, `GET /api/v1/events/{slug}/door` with `Accept-Encoding: gzip`: seconds
    (median of 5, after a warm-up of each worker) and the compressed size;
(b) a delta: 100 check-ins made through `POST /api/v1/checkins` after the list's cursor was taken,
    then `GET …/door?since=<cursor>`: milliseconds (median of 10), and that it lists the 100
    (the 100 check-ins are undone afterwards, so that (c) starts with no one checked in);
(c) 4 devices' offline queues: each scanned 2,500 tickets of its own (10,000 distinct in all) and
    5 % of another device's tickets too (a conflict each), over the last half hour; each device
    sends its queue oldest first in batches of 500 to `POST /api/v1/checkins/batch`, the 4 devices
    at once. The total seconds from the first batch sent to the last answer.

Afterwards it checks the database: no ticket checked in twice (`double_checkins`), every ticket
scanned checked in exactly once, by its earliest scan, and one conflict for each overlapping scan.
It prints the figures and as the last line one JSON object; the exit status is 1 when a check fails.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import os
import random
import secrets
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import asyncpg
import httpx
from bench_server import ROOT, cli, cpu_seconds, create_event, database_pids, process_tree, running_server
from checkin import add_tickets

STOCKHOLM = ZoneInfo("Europe/Stockholm")
LIST_RUNS, DELTA_RUNS = 5, 10


async def pair_scanners(server, count: int) -> list[str]:
    """`count` paired scanners' tokens (scope "checkin") for the bench's check-in staff member."""
    # This process writes with the app's own code: it reads the server's settings.
    os.environ.update({name: server.env[name] for name in ("SECRET_KEY", "BASE_URL", "DATABASE_URL")})
    sys.path.insert(0, str(ROOT))
    from events_app.domain import api_tokens
    from events_app.domain.audit import Actor
    from events_app.domain.tables import StaffAccount

    staff = await StaffAccount.select(StaffAccount.id).where(StaffAccount.email == "bench-checkin@example.se").first()
    return [
        await api_tokens.create_token(
            staff["id"], f"Skanner: entré {n + 1}", Actor.system("bench"), scope=api_tokens.CHECKIN_SCOPE
        )
        for n in range(count)
    ]


async def backdate_and_vacuum(url: str) -> None:
    """The registrations made an hour ago (a delta lists only what changed since its cursor, which
    lies 10 s back), then the statistics and visibility autovacuum would have made by the morning."""
    connection = await asyncpg.connect(url)
    try:
        await connection.execute("UPDATE registration SET updated_at = updated_at - interval '1 hour'")
        await connection.execute("VACUUM (ANALYZE) registration, person, attendance")
    finally:
        await connection.close()


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def measure_list(http: httpx.AsyncClient, url: str, token: str) -> tuple[list[float], int, int, str]:
    """The whole door list LIST_RUNS times: the seconds of each, the compressed bytes, how many
    registrations it holds and its cursor."""
    headers = {**auth(token), "Accept-Encoding": "gzip"}
    for _ in range(2):  # warm each worker up
        (await http.get(url, headers=headers)).raise_for_status()
    seconds, size, listed, cursor = [], 0, 0, ""
    for _ in range(LIST_RUNS):
        started = time.perf_counter()
        async with http.stream("GET", url, headers=headers) as response:
            response.raise_for_status()
            raw = b"".join([chunk async for chunk in response.aiter_raw()])
        seconds.append(time.perf_counter() - started)
        if response.headers.get("content-encoding") != "gzip":
            raise SystemExit("the door list was not gzip-compressed")
        body = json.loads(gzip.decompress(raw))
        size, listed, cursor = len(raw), len(body["registrations"]), body["cursor"]
    return seconds, size, listed, cursor


async def measure_delta(
    http: httpx.AsyncClient, slug: str, day: str, token: str, codes: list[str], cursor: str
) -> tuple[list[float], int]:
    """len(codes) check-ins after `cursor`, then the delta since it DELTA_RUNS times: the seconds of
    each and how many registrations it lists. The check-ins are undone afterwards."""
    checkins = []
    for code in codes:
        response = await http.post(
            "/api/v1/checkins",
            json={"code": code, "event": slug, "day": day, "device": "delta", "method": "scanner"},
            headers=auth(token),
        )
        response.raise_for_status()
        if response.json()["result"] != "ok":
            raise SystemExit(f"a check-in for the delta answered {response.json()['result']}")
        checkins.append(response.json()["checkin"])
    url, headers = f"/api/v1/events/{slug}/door", {**auth(token), "Accept-Encoding": "gzip"}
    seconds, listed = [], 0
    for _ in range(DELTA_RUNS):
        started = time.perf_counter()
        response = await http.get(url, params={"since": cursor}, headers=headers)
        seconds.append(time.perf_counter() - started)
        response.raise_for_status()
        listed = len(response.json()["registrations"])
    for checkin in checkins:
        (await http.post(f"/api/v1/checkins/{checkin}/undo", headers=auth(token))).raise_for_status()
    return seconds, listed


def offline_queues(
    codes: list[str], devices: int, overlap: float, span: timedelta
) -> tuple[list[list[dict]], dict[str, tuple[datetime, str]]]:
    """Each device's queue, oldest first: its own share of `codes` and `overlap` of the next device's
    share, each scanned at a random moment within `span` before now. Also each code's earliest scan
    (its time and id): the one that must be the check-in."""
    now, share = datetime.now(UTC), len(codes) // devices
    rng = random.Random(18)
    queues, earliest = [], {}
    for device in range(devices):
        own = codes[device * share : (device + 1) * share]
        following = codes[((device + 1) % devices) * share : ((device + 1) % devices + 1) * share]
        scanned = own + rng.sample(following, round(share * overlap))
        queue = []
        for code in scanned:
            moment = now - timedelta(seconds=5 + rng.random() * (span.total_seconds() - 5))
            scan_id = str(uuid.uuid4())
            queue.append({"id": scan_id, "code": code, "scanned_at": moment.isoformat(), "method": "camera"})
            if code not in earliest or moment < earliest[code][0]:
                earliest[code] = (moment, scan_id)
        queue.sort(key=lambda scan: scan["scanned_at"])
        queues.append(queue)
    return queues, earliest


async def sync_device(base: str, token: str, bodies: list[bytes]) -> tuple[list[dict], list[float]]:
    """One device sending its batches in turn: every answer, and each batch's seconds."""
    answers, seconds = [], []
    headers = {**auth(token), "Content-Type": "application/json"}
    async with httpx.AsyncClient(base_url=base, timeout=120) as http:
        for body in bodies:
            started = time.perf_counter()
            response = await http.post("/api/v1/checkins/batch", content=body, headers=headers)
            seconds.append(time.perf_counter() - started)
            if response.status_code != 200:
                raise SystemExit(f"a batch answered {response.status_code}: {response.text[:500]}")
            answers += response.json()["scans"]
    return answers, seconds


async def check_database(url: str, slug: str, earliest_scans: dict[str, str]) -> dict[str, int]:
    """What the batches left: check-ins per ticket, by which scan (`earliest_scans`: the ticket id of
    each ticket's earliest scan, by the scan's id), and the conflicts."""
    connection = await asyncpg.connect(url)
    try:
        event_id = await connection.fetchval("SELECT id FROM event WHERE slug = $1", slug)
        doubles = await connection.fetchval(
            "SELECT count(*) FROM (SELECT registration, day FROM attendance WHERE event = $1 AND session IS NULL "
            "GROUP BY registration, day HAVING count(*) > 1) AS twice",
            event_id,
        )
        rows = await connection.fetch(
            "SELECT r.ticket_id, a.client_id FROM attendance a JOIN registration r ON r.id = a.registration "
            "WHERE a.event = $1",
            event_id,
        )
        conflicts = await connection.fetchval(
            "SELECT count(*) FROM check_in_conflict WHERE event = $1 AND kind = 'twice'", event_id
        )
        other_conflicts = await connection.fetchval(
            "SELECT count(*) FROM check_in_conflict WHERE event = $1 AND kind <> 'twice'", event_id
        )
    finally:
        await connection.close()
    by_ticket = {row["ticket_id"]: row["client_id"] for row in rows}
    return {
        "double_checkins": doubles,
        "attendance_rows": len(rows),
        "scanned_checked_in": sum(1 for ticket in earliest_scans.values() if ticket in by_ticket),
        "checked_in_by_earliest_scan": sum(
            1 for scan_id, ticket in earliest_scans.items() if by_ticket.get(ticket) == scan_id
        ),
        "conflicts": conflicts,
        "other_conflicts": other_conflicts,
    }


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--registrations", type=int, default=10_000, help="confirmed registrations (default 10000)")
    parser.add_argument("--devices", type=int, default=4, help="paired scanners syncing at once (default 4)")
    parser.add_argument("--overlap", type=float, default=0.05, help="share of another device's tickets (0.05)")
    parser.add_argument("--batch", type=int, default=500, help="scans a batch (default 500, the most allowed)")
    parser.add_argument("--delta-changes", type=int, default=100, help="check-ins before the delta (default 100)")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes (default 2)")
    args = parser.parse_args()
    midnight = datetime.now(STOCKHOLM).replace(hour=0, minute=0, second=0, microsecond=0)
    span = min(timedelta(minutes=30), datetime.now(STOCKHOLM) - midnight - timedelta(minutes=1))
    if span < timedelta(minutes=1):
        raise SystemExit("run it after 00.02 in Stockholm: the queues are of today's scans")

    async with running_server(workers=args.workers, role="checkin") as server:
        account = ("--email", "bench-organiser@example.se", "--name", "Bench organiser", "--role", "organiser")
        cli(server.env, "staff", "create", *account, f"--password={secrets.token_urlsafe(18)}")
        organiser = cli(server.env, "token", "create", "--email", "bench-organiser@example.se", "--name", "bench")
        # Check-in staff may check in for today only: the event is today, in Stockholm.
        slug = await create_event(server, capacity=None, token=organiser, starts_at=midnight)
        day, codes = await add_tickets(server, slug, args.registrations)
        await backdate_and_vacuum(server.database_url)
        scanners = await pair_scanners(server, args.devices)
        from events_app.domain import tickets  # imported by add_tickets with the server's key

        async with httpx.AsyncClient(base_url=server.base, timeout=60) as http:
            door = f"/api/v1/events/{slug}/door"
            list_seconds, list_bytes, listed, cursor = await measure_list(http, door, scanners[0])
            delta_seconds, delta_listed = await measure_delta(
                http, slug, day, scanners[1], codes[-args.delta_changes :], cursor
            )

        queues, earliest = offline_queues(codes, args.devices, args.overlap, span)
        bodies = [
            [
                json.dumps(
                    {"event": slug, "device": f"entré {device + 1}", "scans": queue[at : at + args.batch]}
                ).encode()
                for at in range(0, len(queue), args.batch)
            ]
            for device, queue in enumerate(queues)
        ]
        backends = await database_pids(server.database_url)
        server_cpu, database_cpu = server.cpu_seconds(), cpu_seconds(backends)
        workers = process_tree(server.process.pid)
        worker_cpu = [cpu_seconds([pid]) for pid in workers]
        started = time.perf_counter()
        synced = await asyncio.gather(
            *[sync_device(server.base, token, device) for token, device in zip(scanners, bodies, strict=True)]
        )
        batch_seconds = time.perf_counter() - started
        # The pool may have opened backends during the batches: what they used counts from nothing.
        opened = [pid for pid in await database_pids(server.database_url) if pid not in backends]
        server_cpu = server.cpu_seconds() - server_cpu
        database_cpu = cpu_seconds(backends) - database_cpu + cpu_seconds(opened)
        worker_cpu = [round(cpu_seconds([pid]) - before, 2) for pid, before in zip(workers, worker_cpu, strict=True)]
        # Each ticket scanned, by the id of its earliest scan.
        earliest_scans = {scan_id: tickets.verify_code(code).ticket_id for code, (_, scan_id) in earliest.items()}
        found = await check_database(server.database_url, slug, earliest_scans)

    answers = [answer for device_answers, _ in synced for answer in device_answers]
    per_batch = [seconds for _, device_seconds in synced for seconds in device_seconds]
    scans = sum(len(queue) for queue in queues)
    overlapping = scans - len(earliest)
    results = {"ok": 0, "already_checked_in": 0}
    problems_in_answers = 0
    for answer in answers:
        if answer.get("problem") or not answer.get("answer"):
            problems_in_answers += 1
        else:
            results[answer["answer"]["result"]] = results.get(answer["answer"]["result"], 0) + 1
    result = {
        "list_seconds": round(statistics.median(list_seconds), 3),
        "list_kb": round(list_bytes / 1024, 1),
        "list_registrations": listed,
        "delta_ms": round(statistics.median(delta_seconds) * 1000, 1),
        "delta_registrations": delta_listed,
        "batch_seconds": round(batch_seconds, 2),
        "scans_per_s": round(scans / batch_seconds, 1),
        "batch_p50_ms": round(statistics.median(per_batch) * 1000, 1),
        "batch_max_ms": round(max(per_batch) * 1000, 1),
        "server_cpu_s": round(server_cpu, 2),
        "database_cpu_s": round(database_cpu, 2),
        "server_process_cpu_s": sorted(worker_cpu, reverse=True),  # how the work fell to the workers
        "double_checkins": found["double_checkins"],
        "scans": scans,
        "tickets_scanned": len(earliest),
        "checked_in": found["scanned_checked_in"],
        "checked_in_by_earliest_scan": found["checked_in_by_earliest_scan"],
        "overlapping_scans": overlapping,
        "conflicts": found["conflicts"],
        "answers": results,
        "answer_problems": problems_in_answers,
        "devices": args.devices,
        "batch": args.batch,
        "workers": args.workers,
        "cpus": os.cpu_count(),
    }
    problems = []
    if listed != args.registrations:
        problems.append(f"the door list held {listed} registrations, expected {args.registrations}")
    if delta_listed < args.delta_changes:
        problems.append(f"the delta listed {delta_listed} registrations, expected at least {args.delta_changes}")
    if found["double_checkins"]:
        problems.append(f"{found['double_checkins']} tickets checked in twice")
    if found["attendance_rows"] != len(earliest) or found["scanned_checked_in"] != len(earliest):
        problems.append(
            f"{found['scanned_checked_in']} of {len(earliest)} tickets scanned checked in "
            f"({found['attendance_rows']} check-ins)"
        )
    if found["checked_in_by_earliest_scan"] != len(earliest):
        problems.append(
            f"{len(earliest) - found['checked_in_by_earliest_scan']} tickets not checked in by the earliest scan"
        )
    if found["conflicts"] != overlapping or found["other_conflicts"]:
        problems.append(
            f"{found['conflicts']} conflicts for {overlapping} overlapping scans "
            f"({found['other_conflicts']} of other kinds)"
        )
    if problems_in_answers or len(answers) != scans:
        problems.append(f"{problems_in_answers} scans with a problem, {len(answers)} answers for {scans} scans")

    print(
        f"door sync: {args.registrations} registrations, {args.devices} devices, {args.workers} workers, "
        f"{os.cpu_count()} CPUs"
    )
    print(
        f"  door list   {result['list_seconds']} s (median of {LIST_RUNS}; "
        f"{', '.join(f'{s:.3f}' for s in list_seconds)}), {result['list_kb']} KB gzip, {listed} registrations"
    )
    print(f"  delta       {result['delta_ms']} ms (median of {DELTA_RUNS}), {delta_listed} registrations")
    print(
        f"  batches     {scans} scans ({overlapping} of tickets another device scanned too) in "
        f"{len(per_batch)} batches of at most {args.batch}: {result['batch_seconds']} s, "
        f"{result['scans_per_s']} scans/s; "
        f"a batch p50 {result['batch_p50_ms']} ms, max {result['batch_max_ms']} ms"
    )
    print(
        f"  CPU         server {result['server_cpu_s']} s (by process: {result['server_process_cpu_s']}), "
        f"database {result['database_cpu_s']} s during the batches"
    )
    print(
        f"  database    {found['scanned_checked_in']} of {len(earliest)} tickets checked in, "
        f"{found['checked_in_by_earliest_scan']} by their earliest scan, {found['double_checkins']} twice; "
        f"{found['conflicts']} conflicts"
    )
    print("  checks      " + ("all right" if not problems else "FAILED: " + "; ".join(problems)))
    print(json.dumps(result, ensure_ascii=False))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
