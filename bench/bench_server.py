"""What the benchmarks share: a fresh PostgreSQL database, the real server (`events-app serve`, the
Procfile's command) on a free loopback port, a staff account with an API token, the server's
memory, and percentiles. The database and the server are gone afterwards whatever happens.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cli(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "events_app.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"events-app {' '.join(args[:2])} failed:\n{result.stdout}{result.stderr}")
    return result.stdout.strip()


def process_tree(root: int) -> list[int]:
    """The server's process and its descendants (uvicorn's workers), from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def rss_mb(root: int) -> float | None:
    total = 0
    for pid in process_tree(root):
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return round(total / 1024, 1) if total else None


def cpu_seconds(pids: list[int]) -> float:
    """CPU time (user and system, every thread) the processes have used so far, from /proc."""
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


async def database_pids(url: str) -> list[int]:
    """The PostgreSQL backends serving the database of `url` (on this machine, their CPU is readable)."""
    connection = await asyncpg.connect(url)
    try:
        rows = await connection.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return [row["pid"] for row in rows]
    finally:
        await connection.close()


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


@dataclass
class Server:
    base: str  # http://127.0.0.1:<port>
    token: str  # the staff account's API token
    database_url: str
    process: subprocess.Popen
    env: dict[str, str]

    def rss_mb(self) -> float | None:
        return rss_mb(self.process.pid)

    def cpu_seconds(self) -> float:
        return cpu_seconds(process_tree(self.process.pid))


async def _wait_until_up(base: str, server: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(base_url=base, timeout=2) as http:
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise SystemExit(f"the server exited with {server.returncode} before answering")
            try:
                if (await http.get("/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.2)
    raise SystemExit(f"the server did not answer within {timeout:.0f} s")


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is not None:
        return
    try:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=10)
    except ProcessLookupError:
        pass


@contextlib.asynccontextmanager
async def running_server(*, workers: int, role: str, extra_env: dict[str, str] | None = None) -> AsyncIterator[Server]:
    """A fresh database on BENCH_DATABASE_URL's server, migrated and seeded; a staff account of
    `role` with an API token; the server started with `workers` workers (mail is left queued)."""
    admin_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    name = f"bench_{secrets.token_hex(6)}"
    database_url = with_database(admin_url, name)
    admin = await asyncpg.connect(admin_url)
    await admin.execute(f'CREATE DATABASE "{name}"')
    process: subprocess.Popen | None = None
    var_dir = tempfile.TemporaryDirectory(prefix="bench-var-")
    try:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "SECRET_KEY": secrets.token_urlsafe(32),
            "BASE_URL": base,
            "MAIL_SENDER_SEPARATE": "1",
            "VAR_DIR": var_dir.name,
            "PYTHONUNBUFFERED": "1",
            **(extra_env or {}),
        }
        env.pop("DEV", None)
        cli(env, "migrate")
        cli(env, "seed")
        email = f"bench-{role}@example.se"
        cli(
            env,
            "staff",
            "create",
            "--email",
            email,
            "--name",
            f"Bench {role}",
            "--role",
            role,
            f"--password={secrets.token_urlsafe(18)}",  # "=": a password may begin with "-"
        )
        token = cli(env, "token", "create", "--email", email, "--name", "benchmark")
        log = open(Path(var_dir.name) / "server.log", "w")  # noqa: SIM115 - closed with the folder
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "events_app.cli",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(workers),
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        await _wait_until_up(base, process)
        yield Server(base=base, token=token, database_url=database_url, process=process, env=env)
    finally:
        if process is not None:
            stop_server(process)
            if process.returncode not in (0, None, -signal.SIGTERM):
                print((Path(var_dir.name) / "server.log").read_text()[-5000:], file=sys.stderr)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()
            var_dir.cleanup()


async def create_event(
    server: Server, *, capacity: int | None, token: str | None = None, starts_at: datetime | None = None
) -> str:
    """A one-day event (a month ahead unless `starts_at` says when), published through the API; returns its slug."""
    start = starts_at or (datetime.now(UTC) + timedelta(days=30)).replace(hour=7, minute=0, second=0, microsecond=0)
    headers = {"Authorization": f"Bearer {token or server.token}"}
    async with httpx.AsyncClient(base_url=server.base, timeout=30) as http:
        response = await http.post(
            "/api/v1/events",
            headers=headers,
            json={
                "title": f"Hållbarhetsdagarna bench {secrets.token_hex(3)}",
                "kind": "sustainability_day",
                "starts_at": start.isoformat(),
                "ends_at": (start + timedelta(hours=8)).isoformat(),
                "capacity": capacity,
                "venue_name": "Folkets hus, Sundsvall",
            },
        )
        response.raise_for_status()
        slug = response.json()["slug"]
        (await http.post(f"/api/v1/events/{slug}/publish", headers=headers)).raise_for_status()
    return slug
