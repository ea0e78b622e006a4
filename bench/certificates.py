"""Issuing 1,000 certificates end to end against the real web server: the organiser's issue request,
then every certificate's mail rendered with its PDF by the servers' mail senders and handed to SMTP.

Run from the repository root with the project's Python:

    .venv/bin/python bench/certificates.py [--workers 2] [--certificates 1000] [--database postgresql://...]

It makes a fresh database (a SQLite file in a temporary folder by default; with `--database
postgresql://user@host:port/postgres` a new database `bench_<random>` on that server, dropped at the
end), migrates and seeds it, and prepares in this process, through the domain: a one-day event that
ended yesterday (completion rule "any", 6 hours a day, a signatory), 1,000 registrations made by an
organiser (Swedish names, some Sámi and Polish ones) all checked in yesterday (attendance rows
written in bulk), and an organiser account. The registrations' confirmation mails are marked sent:
they left long ago, and only the certificates' mails are measured.

It runs an SMTP sink itself (aiosmtpd on a free loopback port) and starts `events-app serve` (the
Procfile's `web`) with `--workers` workers and, where the app's settings leave the mail to it (by
default on PostgreSQL; `--mail-sender` chooses), `events-app worker` (the Procfile's `worker`); the
senders deliver to that sink. It signs in as
the organiser through /login and posts `POST /organiser/events/{slug}/certificates/issue` (or, with
`--issue-in-process`, calls `certificates.issue_certificates` from this process instead), and times
from that request until the sink has received every certificate's mail. Meanwhile it samples the
server's RSS (summed over every process of the run: uvicorn's supervisor and workers, the mail
worker and its drawing process, and multiprocessing's resource trackers; and the largest process
alone) every 100 ms.

Afterwards it checks: as many valid certificates as registrations, with distinct numbers, every
certificate mail marked sent in the outbox, and every mail received with its certificate attached as
a PDF (named by the certificate's number, all numbers distinct). The last line printed is one JSON
object with the figures; the exit status is non-zero when a check fails.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path

import httpx
from bench_server import ROOT, _wait_until_up, cli, cpu_seconds, free_port, process_tree, stop_server, with_database

# Issue 18's targets: seconds on PostgreSQL and on SQLite; RSS summed over every process of the run.
TARGET_SECONDS = {"postgresql": 10, "sqlite": 15}
TARGET_RSS_MB = 220
ORGANISER_EMAIL = "bench-organiser@example.se"
SIGNATORY = ("Eva Sundin", "Ordförande")

# Names as the county's staff and their guests write them: Swedish mostly, some Finnish, Sámi,
# Polish and others; every letter must reach the certificate.
FIRST_NAMES = [
    "Anna",
    "Erik",
    "Karin",
    "Lars",
    "Maria",
    "Johan",
    "Eva",
    "Per",
    "Kristina",
    "Anders",
    "Åsa",
    "Örjan",
    "Ingrid",
    "Björn",
    "Märta",
    "Gösta",
    "Linnéa",
    "Sven-Åke",
    "Ebba",
    "Måns",
    "Sofia",
    "Nils",
    "Elin",
    "Olof",
    "Ylva",
    "Torbjörn",
    "Agneta",
    "Mattias",
    "Päivi",
    "Jukka",
    "Máret",
    "Ánde",
    "Sunná",
    "Łukasz",
    "Małgorzata",
    "Zofia",
    "Amira",
    "Mehmet",
    "Saga",
    "Hampus",
]
LAST_NAMES = [
    "Andersson",
    "Johansson",
    "Karlsson",
    "Nilsson",
    "Eriksson",
    "Larsson",
    "Olsson",
    "Persson",
    "Svensson",
    "Gustafsson",
    "Lindström",
    "Öberg",
    "Åkesson",
    "Sjödin",
    "Näslund",
    "Hägglund",
    "Ångström",
    "Bäckström",
    "Forsgren",
    "Wikström",
    "Sundin",
    "Höglund",
    "Östlund",
    "Nordin",
    "Lundqvist",
    "Järvinen",
    "Heikkilä",
    "Čuđetsá",
    "Gaup",
    "Sara",
    "Żółw",
    "Wiśniewska",
    "Kowalczyk",
    "Al-Hassan",
    "Yılmaz",
    "Brännström",
]
ORGANISATIONS = [
    "sundsvall",
    "harnosand",
    "kramfors",
    "solleftea",
    "Region Västernorrland",
    "SCA Skog AB",
    "Mittuniversitetet",
]
FIXED_NAMES = ["Máret Čuđetsá", "Łukasz Żółw"]


def people(count: int) -> list[tuple[str, str]]:
    """(name, language) for `count` participants, the same on every run."""
    rng = random.Random(2027)
    found = [(name, "sv") for name in FIXED_NAMES[:count]]
    while len(found) < count:
        found.append((f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}", "en" if rng.random() < 0.15 else "sv"))
    return found


# --- The SMTP sink -------------------------------------------------------------------------------


class Sink:
    """aiosmtpd's handler: keeps every message as received and the time it arrived. It does no more
    than that while the clock runs (the sink shares the machine's two cores with the server); the
    messages are parsed and checked afterwards."""

    def __init__(self, expected: int) -> None:
        self.expected = expected
        self.messages: list[bytes] = []
        self.arrivals: list[float] = []
        self.lock = threading.Lock()
        self.all_in = threading.Event()

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's hook name
        arrived = time.perf_counter()
        with self.lock:
            self.messages.append(envelope.original_content or envelope.content)
            self.arrivals.append(arrived)
            if len(self.messages) >= self.expected:
                self.all_in.set()
        return "250 Message accepted for delivery"

    @property
    def count(self) -> int:
        return len(self.messages)


@contextlib.contextmanager
def smtp_sink(expected: int) -> Iterator[tuple[Sink, int]]:
    from aiosmtpd.controller import Controller

    sink = Sink(expected)
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield sink, port
    finally:
        controller.stop()


_NUMBER = re.compile(r"(HR-\d{4}-\d+)\.pdf$")


def check_mails(raw: list[bytes]) -> dict:
    """Parse what the sink received: each mail with one PDF attached, named by its number."""
    numbers, recipients, without_pdf, pdfs = [], [], 0, {}
    for data in raw:
        message = message_from_bytes(data, policy=policy.default)
        recipients.append(message["To"].addresses[0].addr_spec)
        found = None
        for part in message.iter_attachments():
            if part.get_content_type() == "application/pdf":
                content = part.get_payload(decode=True)
                match = _NUMBER.search(part.get_filename() or "")
                if content.startswith(b"%PDF-") and match:
                    found = match.group(1)
                    pdfs[found] = (message["To"].addresses[0].display_name, content)
        if found is None:
            without_pdf += 1
        else:
            numbers.append(found)
    return {
        "with_pdf": len(numbers),
        "without_pdf": without_pdf,
        "distinct_numbers": len(set(numbers)),
        "distinct_recipients": len(set(recipients)),
        "pdf_bytes_mean": round(sum(len(pdf) for _, pdf in pdfs.values()) / len(pdfs)) if pdfs else 0,
        "pdfs": pdfs,
    }


def names_in_pdfs(pdfs: dict[str, tuple[str, bytes]], names: list[str]) -> dict[str, bool]:
    """Whether each of `names` can be read back from its certificate's PDF (pypdf, when installed)."""
    try:
        import io

        from pypdf import PdfReader
    except ImportError:
        return {}
    found = {}
    for name in names:
        pdf = next((content for recipient, content in pdfs.values() if recipient == name), None)
        text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages) if pdf else ""
        found[name] = name in text
    return found


# --- Memory --------------------------------------------------------------------------------------


def processes_of(roots: list[int]) -> list[int]:
    """The server's processes: each root (the web server, the mail worker) and its descendants."""
    return [pid for root in roots for pid in process_tree(root)]


def tree_rss_kb(roots: list[int]) -> tuple[int, int, int]:
    """(RSS summed over the process trees, the largest process's RSS, processes) in kB, from /proc."""
    total = largest = processes = 0
    for pid in processes_of(roots):
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    value = int(line.split()[1])
                    total += value
                    largest = max(largest, value)
                    processes += 1
                    break
        except OSError:
            continue
    return total, largest, processes


@dataclass
class MemorySampler:
    """Samples the server's RSS every `interval` seconds in a thread of its own."""

    roots: list[int]
    interval: float = 0.1
    peak_total_kb: int = 0
    peak_largest_kb: int = 0
    samples: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def _run(self) -> None:
        while not self._stop.is_set():
            total, largest, _ = tree_rss_kb(self.roots)
            self.peak_total_kb = max(self.peak_total_kb, total)
            self.peak_largest_kb = max(self.peak_largest_kb, largest)
            self.samples += 1
            self._stop.wait(self.interval)

    def __enter__(self) -> MemorySampler:
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()


def mb(kb: int) -> float:
    return round(kb / 1024, 1)


def tree_pss_mb(roots: list[int]) -> float | None:
    """Proportional set size summed over the trees: shared pages (libraries) counted once in all."""
    total = 0
    for pid in processes_of(roots):
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return mb(total) if total else None


def machine_busy_seconds() -> float:
    """CPU time every process on the machine has used so far (all cores), from /proc/stat."""
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, Path("/proc/stat").read_text().split()[1:9])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def idle_rss_by_process(roots: list[int]) -> list[float]:
    found = []
    for pid in processes_of(roots):
        try:
            line = next(
                line for line in Path(f"/proc/{pid}/status").read_text().splitlines() if line.startswith("VmRSS:")
            )
        except (OSError, StopIteration):
            continue
        found.append(mb(int(line.split()[1])))
    return sorted(found, reverse=True)


# --- The database and the server -----------------------------------------------------------------


@contextlib.asynccontextmanager
async def fresh_database(database: str, folder: Path) -> AsyncIterator[tuple[str, str]]:
    """(DATABASE_URL, kind) of an empty database: a SQLite file in `folder`, or a new PostgreSQL
    database on the server `database` names (dropped afterwards)."""
    if not database.startswith(("postgresql://", "postgres://")):
        yield f"sqlite:///{folder / 'bench.sqlite'}", "sqlite"
        return
    import asyncpg

    name = f"bench_{secrets.token_hex(6)}"
    admin = await asyncpg.connect(database)
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield with_database(database, name), "postgresql"
    finally:
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


@contextlib.asynccontextmanager
async def running_server(
    env: dict[str, str], port: int, workers: int, log_path: Path
) -> AsyncIterator[subprocess.Popen]:
    """`events-app serve` (the Procfile's command) on `port` until the block ends."""
    log = open(log_path, "w")  # noqa: SIM115 - closed below
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
    try:
        await _wait_until_up(f"http://127.0.0.1:{port}", process)
        yield process
    finally:
        stop_server(process)
        log.close()


@contextlib.asynccontextmanager
async def running_worker(env: dict[str, str], log_path: Path, timeout: float = 60) -> AsyncIterator[subprocess.Popen]:
    """`events-app worker` (the Procfile's mail sender) until the block ends; ready once it says so."""
    log = open(log_path, "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [sys.executable, "-m", "events_app.cli", "worker"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + timeout
        while "mail sender running" not in log_path.read_text(errors="replace"):
            if process.poll() is not None:
                raise SystemExit(f"events-app worker exited with {process.returncode}: {log_path.read_text()[-2000:]}")
            if time.monotonic() > deadline:
                raise SystemExit(f"events-app worker did not start within {timeout:.0f} s")
            await asyncio.sleep(0.1)
        yield process
    finally:
        stop_server(process)
        log.close()


# --- Preparing the event, in this process --------------------------------------------------------


async def prepare(count: int, password: str) -> dict:
    """The finished event with `count` participants checked in, and the organiser; returns the
    event's slug and id, the organiser's actor and the time it took."""
    from events_app.domain import events, registrations, staff
    from events_app.domain.audit import Actor
    from events_app.domain.events import EventInput
    from events_app.domain.registrations import RegistrationInput
    from events_app.domain.tables import Attendance, OutboxMessage, OutboxStatus, Registration
    from events_app.domain.transactions import utcnow
    from events_app.i18n import STOCKHOLM, localtime

    began = time.perf_counter()
    system = Actor.system("benchmark")
    organiser = await staff.create_staff(
        email=ORGANISER_EMAIL, name="Olle Organisatör", role="organiser", password=password, actor=system
    )
    actor = Actor(label=organiser["name"], staff_id=organiser["id"])
    yesterday = (localtime(utcnow()) - timedelta(days=1)).date()

    def at(clock: tuple[int, int]) -> datetime:
        return datetime(yesterday.year, yesterday.month, yesterday.day, *clock, tzinfo=STOCKHOLM)

    event = await events.create_event(
        EventInput(
            title="Hållbarhetsdagen i Sundsvall",
            kind="sustainability_day",
            audience="public",
            capacity=None,
            starts_at=at((9, 0)),
            ends_at=at((16, 0)),
            venue_name="Folkets hus, Sundsvall",
            venue_address="Esplanaden 29, Sundsvall",
            completion_rule="any",
            hours_credit="day",
            hours_per_day=6,
            signatory_name=SIGNATORY[0],
            signatory_title=SIGNATORY[1],
        ),
        actor,
    )
    event = await events.publish_event(event["slug"], actor)
    day = event["days"][0]["day"]

    by_organiser = registrations.Registrant(source="organiser", actor=actor)
    names = people(count)
    for n, (name, language) in enumerate(names):
        address = f"{events.slugify(name).replace('-', '.')}.{n}@example.se"
        await registrations.register(
            event["slug"],
            RegistrationInput(
                name=name,
                email=address,
                organisation=ORGANISATIONS[n % len(ORGANISATIONS)],
                language=language,
                consent=True,
            ),
            by_organiser,
        )
    registered_seconds = time.perf_counter() - began

    # Everyone came: one check-in each, yesterday morning at the door, written in bulk.
    ids = [row["id"] for row in await Registration.select(Registration.id).where(Registration.event == event["id"])]
    door = at((8, 30))
    rows = [
        Attendance(
            scope=f"{rid}/{day.isoformat()}",
            registration=rid,
            event=event["id"],
            day=day,
            checked_in_at=door + timedelta(seconds=3 * n),
            staff_name="Kim på entrén",
            method="scanner",
        )
        for n, rid in enumerate(ids)
    ]
    for start in range(0, len(rows), 250):
        await Attendance.insert(*rows[start : start + 250])
    # The registrations' confirmations left long ago: only the certificates' mails are measured.
    await OutboxMessage.update({OutboxMessage.status: OutboxStatus.sent, OutboxMessage.sent_at: utcnow()}).where(
        OutboxMessage.status == OutboxStatus.pending
    )
    return {
        "slug": event["slug"],
        "event_id": event["id"],
        "actor": actor,
        "registrations": len(ids),
        "names": [name for name, _ in names],
        "seconds": time.perf_counter() - began,
        "registration_seconds": registered_seconds,
    }


# --- The organiser, over HTTP --------------------------------------------------------------------

_CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')


async def sign_in(http: httpx.AsyncClient, email: str, password: str) -> None:
    page = await http.get("/login")
    token = _CSRF.search(page.text)
    if token is None:
        raise SystemExit(f"no CSRF token on /login ({page.status_code})")
    response = await http.post(
        "/login", data={"email": email, "password": password, "next": "", "_csrf_token": token.group(1)}
    )
    if response.status_code not in (302, 303) or "/login" in response.headers.get("location", ""):
        raise SystemExit(f"signing in as {email} failed: {response.status_code}")


async def csrf_token(http: httpx.AsyncClient, slug: str) -> str:
    """The token of the event's certificates page, as the organiser's browser would post it (any
    page's token will do: Litestar's token is the csrftoken cookie's value)."""
    for path in (f"/organiser/events/{slug}/certificates", f"/organiser/events/{slug}", "/login"):
        page = await http.get(path)
        token = _CSRF.search(page.text) if page.status_code == 200 else None
        if token:
            return token.group(1)
    raise SystemExit("found no CSRF token to post with")


# --- Checks afterwards ---------------------------------------------------------------------------


async def wait_until_marked_sent(event_id: int, expected: int, timeout: float = 30) -> int:
    """The sender marks a mail sent just after SMTP accepted it: wait for the last marks."""
    from events_app.domain.tables import Certificate

    deadline = time.monotonic() + timeout
    while True:
        sent = await Certificate.count().where((Certificate.event == event_id) & (Certificate.message.status == "sent"))
        if sent >= expected or time.monotonic() > deadline:
            return sent
        await asyncio.sleep(0.2)


async def check_database(event_id: int) -> dict:
    from events_app.domain.tables import Certificate, OutboxMessage

    rows = await Certificate.select(
        Certificate.number,
        Certificate.status,
        Certificate.message.status.as_alias("mail_status"),
        Certificate.message.claimed_by.as_alias("sender"),
    ).where(Certificate.event == event_id)
    statuses = Counter(row["status"] for row in rows)
    mail_statuses = Counter(row["mail_status"] for row in rows)
    senders = Counter(row["sender"] for row in rows if row["mail_status"] == "sent")
    outbox = Counter(
        row["status"]
        for row in await OutboxMessage.select(OutboxMessage.status).where(OutboxMessage.kind == "certificate")
    )
    return {
        "certificates": len(rows),
        "valid": statuses.get("valid", 0),
        "distinct_numbers": len({row["number"] for row in rows}),
        "mails_sent": mail_statuses.get("sent", 0),
        "outbox": dict(outbox),
        "mails_per_sender": sorted(senders.values(), reverse=True),
    }


def log_errors(path: Path) -> int:
    """How many errors the server logged; the log's end goes to stderr when there are any."""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return 0
    errors = len(re.findall(r"^Traceback|\bERROR\b", text, flags=re.MULTILINE))
    if errors:
        print(f"the server logged {errors} errors; its log ends:\n{text[-4000:]}", file=sys.stderr)
    return errors


# --- The run -------------------------------------------------------------------------------------


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes (default 2, as the Procfile)")
    parser.add_argument("--certificates", type=int, default=1000, help="participants checked in (default 1000)")
    parser.add_argument(
        "--database",
        default="sqlite",
        help="sqlite (default: a file in a temporary folder) or postgresql://user@host:port/db "
        "(a server where the user may create databases)",
    )
    parser.add_argument(
        "--issue-in-process",
        action="store_true",
        help="issue with certificates.issue_certificates from this process instead of the "
        "organiser's POST .../certificates/issue",
    )
    parser.add_argument(
        "--mail-poll-seconds",
        type=float,
        default=None,
        help="the senders' MAIL_POLL_SECONDS (default: the app's own, 2 s)",
    )
    parser.add_argument(
        "--mail-sender",
        choices=["default", "web", "worker"],
        default="default",
        help="who sends: the app's default for the database (the worker on PostgreSQL, the web "
        "processes on SQLite), each web process, or `events-app worker` (started by this script)",
    )
    parser.add_argument("--timeout", type=float, default=300, help="give up waiting for the mails after this long")
    args = parser.parse_args()
    count = args.certificates

    with (
        tempfile.TemporaryDirectory(prefix="bench-certificates-") as folder_name,
        smtp_sink(count) as (sink, smtp_port),
    ):
        folder = Path(folder_name)
        async with fresh_database(args.database, folder) as (database_url, database_kind):
            port = free_port()
            base = f"http://127.0.0.1:{port}"
            env = {
                **os.environ,
                "DATABASE_URL": database_url,
                "SECRET_KEY": secrets.token_urlsafe(32),
                "BASE_URL": base,
                "VAR_DIR": str(folder / "var"),
                "PYTHONUNBUFFERED": "1",
                "SMTP_HOST": "127.0.0.1",
                "SMTP_PORT": str(smtp_port),
                "SMTP_TLS": "none",
                "SMTP_USERNAME": "",
                "SMTP_PASSWORD": "",
                "MAIL_FROM": "Hållbarhetsrådet i Västernorrland <intyg@example.se>",
            }
            env.pop("DEV", None)
            env.pop("MAIL_SENDER_SEPARATE", None)
            if args.mail_sender != "default":
                env["MAIL_SENDER_SEPARATE"] = "1" if args.mail_sender == "worker" else "0"
            if args.mail_poll_seconds is not None:
                env["MAIL_POLL_SECONDS"] = str(args.mail_poll_seconds)
            else:
                env.pop("MAIL_POLL_SECONDS", None)
            cli(env, "seed")  # migrates, then loads the organisations and themes
            from events_app.settings import Settings

            mail_sender = "web" if Settings.from_env(env).mail_sender_in_web else "worker"

            # This process prepares the data through the domain, on the same database.
            os.environ.update(env)
            sys.path.insert(0, str(ROOT))
            from events_app.domain import certificates
            from events_app.domain.transactions import engine, is_sqlite

            if not is_sqlite():
                await engine().start_connection_pool(min_size=1, max_size=2)
            try:
                password = secrets.token_urlsafe(18)
                prepared = await prepare(count, password)
                print(
                    f"prepared in {prepared['seconds']:.1f} s: {prepared['registrations']} registrations "
                    f"({prepared['registration_seconds']:.1f} s), all checked in",
                    file=sys.stderr,
                )
                if prepared["registrations"] != count:
                    raise SystemExit(f"{prepared['registrations']} registrations, expected {count}")

                async with (
                    running_server(env, port, args.workers, folder / "server.log") as server,
                    contextlib.AsyncExitStack() as stack,
                    httpx.AsyncClient(base_url=base, timeout=120) as http,
                ):
                    roots = [server.pid]
                    if mail_sender == "worker":
                        worker = await stack.enter_async_context(running_worker(env, folder / "worker.log"))
                        roots.append(worker.pid)
                    if not args.issue_in_process:
                        await sign_in(http, ORGANISER_EMAIL, password)
                        token = await csrf_token(http, prepared["slug"])
                    await asyncio.sleep(1)  # let the workers settle: imports done, senders' first round over
                    idle_total, _, processes = tree_rss_kb(roots)
                    idle_each = idle_rss_by_process(roots)
                    idle_pss = tree_pss_mb(roots)
                    load = os.getloadavg()[0]
                    with MemorySampler(roots) as memory:
                        cpu_before, own_before = cpu_seconds(processes_of(roots)), time.process_time()
                        machine_before = machine_busy_seconds()
                        began = time.perf_counter()
                        if args.issue_in_process:
                            issued = await certificates.issue_certificates(prepared["slug"], prepared["actor"])
                            issue_status = f"in process: {issued.new} new, {issued.mailed} mailed"
                        else:
                            response = await http.post(
                                f"/organiser/events/{prepared['slug']}/certificates/issue", data={"_csrf_token": token}
                            )
                            issue_status = f"HTTP {response.status_code} -> {response.headers.get('location', '')}"
                            if response.status_code not in (302, 303):
                                raise SystemExit(
                                    f"the issue request answered {response.status_code}"
                                    + (
                                        " (no such route: try --issue-in-process)"
                                        if response.status_code in (404, 405)
                                        else ""
                                    )
                                )
                        issue_seconds = time.perf_counter() - began
                        deadline = time.monotonic() + args.timeout
                        last_report = time.monotonic()
                        while not sink.all_in.is_set() and time.monotonic() < deadline:
                            await asyncio.to_thread(sink.all_in.wait, 0.5)
                            if server.poll() is not None:
                                raise SystemExit(f"the server exited with {server.returncode}")
                            if time.monotonic() - last_report > 5:
                                last_report = time.monotonic()
                                print(
                                    f"  … {sink.count} mails after {time.perf_counter() - began:.0f} s", file=sys.stderr
                                )
                    server_cpu = cpu_seconds(processes_of(roots)) - cpu_before
                    own_cpu = time.process_time() - own_before
                    end_pss, end_rss = tree_pss_mb(roots), mb(tree_rss_kb(roots)[0])
                    other_cpu = machine_busy_seconds() - machine_before - server_cpu - own_cpu
                    arrivals = list(sink.arrivals)
                    seconds = (arrivals[-1] - began) if len(arrivals) >= count else time.perf_counter() - began
                    first_mail = (arrivals[0] - began) if arrivals else None
                    marked = await wait_until_marked_sent(prepared["event_id"], count)
                    found = await check_database(prepared["event_id"])
                    found["marked_sent_when_checked"] = marked
            finally:
                if not is_sqlite():
                    await engine().close_connection_pool()
                server_errors = log_errors(folder / "server.log") + log_errors(folder / "worker.log")

    mails = check_mails(sink.messages)
    readable = names_in_pdfs(mails.pop("pdfs"), FIXED_NAMES)
    received = sink.count
    result = {
        "certificates": found["valid"],
        "seconds": round(seconds, 2),
        "peak_rss_mb": mb(memory.peak_total_kb),
        "per_second": round(received / seconds, 1) if seconds else None,
        "issue_request_ms": round(issue_seconds * 1000, 1),
        "first_mail_s": round(first_mail, 2) if first_mail is not None else None,
        "mails_received": received,
        "mails_with_pdf": mails["with_pdf"],
        "peak_rss_largest_process_mb": mb(memory.peak_largest_kb),
        "idle_rss_mb": mb(idle_total),
        "idle_rss_by_process_mb": idle_each,
        "idle_pss_mb": idle_pss,
        "end_rss_mb": end_rss,
        "end_pss_mb": end_pss,
        "server_cpu_seconds": round(server_cpu, 1),
        "server_cpu_cores": round(server_cpu / seconds, 2) if seconds else None,
        "bench_cpu_seconds": round(own_cpu, 1),
        "other_cpu_seconds": round(max(other_cpu, 0.0), 1),
        "load_before": round(load, 2),
        "server_processes": processes,
        "server_errors_logged": server_errors,
        "rss_samples": memory.samples,
        "mails_per_sender": found["mails_per_sender"],
        "pdf_kb_mean": round(mails["pdf_bytes_mean"] / 1024, 1),
        "issue": "in-process" if args.issue_in_process else "http",
        "workers": args.workers,
        "mail_sender": mail_sender,
        "database": database_kind,
        "cpus": os.cpu_count(),
        "target_met": False,  # below
    }
    problems = []
    if found["valid"] != count or found["certificates"] != count:
        problems.append(f"{found['valid']} valid certificates of {found['certificates']}, expected {count}")
    if found["distinct_numbers"] != found["certificates"]:
        problems.append(f"{found['distinct_numbers']} distinct numbers for {found['certificates']} certificates")
    if found["mails_sent"] != count:
        problems.append(
            f"{found['mails_sent']} certificate mails marked sent (outbox {found['outbox']}), expected {count}"
        )
    if received != count:
        problems.append(f"{received} mails received within {args.timeout:.0f} s, expected {count}")
    if mails["with_pdf"] != received or mails["distinct_numbers"] != received:
        problems.append(
            f"{mails['with_pdf']} of {received} mails with a certificate's PDF, "
            f"{mails['distinct_numbers']} distinct numbers"
        )
    if mails["distinct_recipients"] != received:
        problems.append(f"{mails['distinct_recipients']} distinct recipients for {received} mails")
    if server_errors:
        problems.append(f"the server logged {server_errors} errors")
    if readable and not all(readable.values()):
        problems.append(f"names not read back from their PDFs: {[n for n, ok in readable.items() if not ok]}")

    # The target is for 1,000 certificates, all delivered and right.
    result["target_met"] = (
        count >= 1000
        and not problems
        and seconds < TARGET_SECONDS[database_kind]
        and memory.peak_total_kb / 1024 < TARGET_RSS_MB
    )
    print(
        f"certificates: {count} participants, {args.workers} web workers, mail sent by "
        f"{'the web workers' if mail_sender == 'web' else 'events-app worker'}, {os.cpu_count()} CPUs, "
        f"{database_kind}, issued {'in this process' if args.issue_in_process else 'over HTTP'}"
    )
    print(f"  issue request  {result['issue_request_ms']} ms ({issue_status})")
    print(
        f"  all mailed     {result['seconds']} s from the request to the last mail at the SMTP sink: "
        f"{result['per_second']} certificates/s; first mail after {result['first_mail_s']} s"
    )
    print(
        f"  senders        mails per sender: {found['mails_per_sender']} "
        + ("(each web process's)" if mail_sender == "web" else "(events-app worker)")
    )
    print(
        f"  cpu            the server used {result['server_cpu_seconds']} CPU-seconds meanwhile "
        f"({result['server_cpu_cores']} of {os.cpu_count()} cores); this process (SMTP sink) "
        f"{result['bench_cpu_seconds']} s; everything else on the machine {result['other_cpu_seconds']} s"
        + (" (PostgreSQL's included)" if database_kind == "postgresql" else "")
    )
    print(
        f"  memory         server RSS over {processes} processes ({idle_each} MB each): "
        f"{result['idle_rss_mb']} MB before, "
        f"{result['peak_rss_mb']} MB at peak (largest process {result['peak_rss_largest_process_mb']} MB; "
        f"{memory.samples} samples); PSS {idle_pss} MB before, {end_pss} MB at the end (RSS {end_rss} MB)"
    )
    print(
        f"  database       {found['valid']} valid certificates, {found['distinct_numbers']} distinct numbers, "
        f"outbox {found['outbox']}"
    )
    print(
        f"  mails          {received} received, {mails['with_pdf']} with the PDF "
        f"(mean {result['pdf_kb_mean']} kB), {mails['distinct_numbers']} distinct numbers"
        + (f"; names read back from the PDFs: {readable}" if readable else "")
    )
    print(
        f"  target         1,000 certificates under {TARGET_SECONDS[database_kind]} s and {TARGET_RSS_MB} MB: "
        + ("met" if result["target_met"] else "NOT met")
    )
    print("  checks         " + ("all right" if not problems else "FAILED: " + "; ".join(problems)))
    print(json.dumps(result))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
