"""The operator's command line, run as a real process against the test database."""

from __future__ import annotations

import subprocess
import sys

from events_app.domain.passwords import verify_password
from events_app.domain.tables import (
    AuditEntry,
    Event,
    Organisation,
    Person,
    ProgrammeSession,
    Registration,
    StaffAccount,
    Theme,
)


def run_cli(*args: str, input: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "events_app.cli", *args], capture_output=True, text=True, input=input, timeout=120
    )


def test_help_lists_the_subcommands():
    result = run_cli("--help")
    assert result.returncode == 0
    for command in ("dev", "serve", "migrate", "seed", "demo", "worker", "staff"):
        assert command in result.stdout


async def demo_counts() -> tuple[int, ...]:
    return (
        await Organisation.count(),
        await Theme.count(),
        await StaffAccount.count(),
        await Person.count(),
        await Event.count(),
        await ProgrammeSession.count(),
        await Registration.count(),
    )


async def test_demo_is_idempotent():
    first = run_cli("demo")
    assert first.returncode == 0, first.stderr
    assert "3 staff, 16 members, 5 events" in first.stdout  # the seed is loaded already
    counts = await demo_counts()
    # Events: Hållbarhetsdagarna (14 sessions from the CSV), a training module (3), a council meeting (4)
    # and last year's Hållbarhetsdagarna, archived (14). The 16 members and 4 external guests are
    # registered for this year's days, which makes the guests people too; 6 members for the module
    # and 14 people for last year's days (checked in, for certificates) make 40 registrations. Six
    # personal substitutes and three officials of the preparatory group make 29 people in all. The
    # council meeting held two months ago (a copy of the coming one, 4 sessions) has 16 present, each
    # registered when ticked: 13 members, a substitute in a member's place and two officials.
    assert counts == (10, 7, 3, 29, 5, 39, 56)
    kinds = sorted((row["kind"], row["status"]) for row in await Event.select(Event.kind, Event.status))
    assert kinds == [
        ("council_meeting", "published"),
        ("council_meeting", "published"),
        ("sustainability_day", "archived"),
        ("sustainability_day", "published"),
        ("training_module", "published"),
    ]
    second = run_cli("demo")
    assert second.returncode == 0, second.stderr
    assert "0 organisations, 0 themes, 0 evaluation forms, 0 staff, 0 members, 0 events" in second.stdout
    assert await demo_counts() == counts


async def test_demo_organiser_can_sign_in_with_the_readme_password(client):
    assert run_cli("demo").returncode == 0
    response = await client.submit(
        "/login", {"email": "organisator@exempel.se", "password": "Klimatdag-i-Sundsvall-27"}
    )
    assert response.headers["location"] == "/staff"


async def test_staff_create_with_password():
    result = run_cli(
        "staff",
        "create",
        "--email",
        "Ny.Person@Example.se",
        "--name",
        "Ny Person",
        "--role",
        "checkin",
        "--password",
        "fyra-ord-som-ingen-gissar",
    )
    assert result.returncode == 0, result.stderr
    account = await StaffAccount.select().where(StaffAccount.email == "ny.person@example.se").first()
    assert account["role"] == "checkin"
    assert verify_password(account["password_hash"], "fyra-ord-som-ingen-gissar")
    assert await AuditEntry.exists().where(AuditEntry.action == "staff.created")


async def test_staff_create_refuses_a_weak_password():
    result = run_cli(
        "staff", "create", "--email", "a@example.se", "--name", "A", "--role", "admin", "--password", "kort"
    )
    assert result.returncode != 0
    assert "12" in result.stderr  # the message names the minimum length
    assert not await StaffAccount.exists().where(StaffAccount.email == "a@example.se")


def test_staff_create_without_password_and_terminal_explains():
    result = run_cli("staff", "create", "--email", "b@example.se", "--name", "B", "--role", "admin", input="")
    assert result.returncode != 0
    assert "--password" in result.stderr


async def test_demo_refuses_outside_development_mode():
    import os

    env = {key: value for key, value in os.environ.items() if key != "DEV"}
    result = subprocess.run(
        [sys.executable, "-m", "events_app.cli", "demo"], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "--yes" in result.stderr
    assert await StaffAccount.count() == 0


def fresh_site_env(tmp_path, **extra: str) -> dict[str, str]:
    """The environment of a new SQLite site in tmp_path, whatever database the suite runs on."""
    import os

    env = {key: value for key, value in os.environ.items() if key not in {"BASE_URL", "DATABASE_URL"}}
    env.update(DEV="1", VAR_DIR=str(tmp_path), DATABASE_URL=f"sqlite:///{tmp_path / 'site.sqlite'}", **extra)
    return env


def table_count(tmp_path, table: str) -> int:
    import sqlite3

    with sqlite3.connect(tmp_path / "site.sqlite") as connection:
        return connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_migrate_on_a_new_database_reports_once_and_loads_the_reference_data(tmp_path):
    """The Procfile's release step alone gives a deployment the county's organisations and themes."""
    first = subprocess.run(
        [sys.executable, "-m", "events_app.cli", "migrate"],
        env=fresh_site_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert first.returncode == 0, first.stderr
    assert "already" not in first.stdout  # Piccolo's report says "N already complete" and "N not yet run"
    assert "new database:" in first.stdout
    assert "10 organisations, 7 themes, 2 evaluation forms added" in first.stdout
    assert (table_count(tmp_path, "organisation"), table_count(tmp_path, "theme")) == (10, 7)

    second = subprocess.run(
        [sys.executable, "-m", "events_app.cli", "migrate"],
        env=fresh_site_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert second.returncode == 0, second.stderr
    assert "database up to date" in second.stdout
    assert "not yet run" not in second.stdout
    assert "reference data (organisations, themes, evaluation forms): up to date" in second.stdout
    assert (table_count(tmp_path, "organisation"), table_count(tmp_path, "theme")) == (10, 7)


def test_procfile_release_step_is_migrate():
    from pathlib import Path

    procfile = (Path(__file__).resolve().parent.parent / "Procfile").read_text()
    assert "release: events-app migrate" in procfile.splitlines()


def test_dev_help_explains_each_option():
    result = run_cli("dev", "--help")
    assert result.returncode == 0
    for option in ("--host", "--port", "--workers"):
        line = next(line for line in result.stdout.splitlines() if line.strip().startswith(option))
        assert "(default" in line.split(option[2:].upper(), 1)[-1]  # a description follows the metavar
    assert "BASE_URL" in result.stdout


def test_development_base_url_follows_host_and_port():
    from events_app.cli import development_base_url

    assert development_base_url("127.0.0.1", 8123) == "http://127.0.0.1:8123"
    assert development_base_url("0.0.0.0", 9000) == "http://localhost:9000"
    assert development_base_url("::1", 9000) == "http://[::1]:9000"


def test_dev_on_another_port_puts_that_port_in_links_and_names_the_demo_accounts(tmp_path):
    import re
    import socket
    import time
    import urllib.request

    import icalendar

    from events_app.domain.seed import DEMO_PASSWORD, DEMO_STAFF

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = tmp_path / "dev.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "events_app.cli", "dev", "--port", str(port)],
            env=fresh_site_env(tmp_path),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                    break
            except OSError:
                assert process.poll() is None, log.read_text()
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.5)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/events") as listing:
            slug = re.search(r'href="/events/([a-z0-9-]+)"', listing.read().decode()).group(1)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/events/{slug}/calendar.ics") as file:
            calendar = icalendar.Calendar.from_ical(file.read())
        urls = [str(event.get("url")) for event in calendar.walk("VEVENT")]
        assert urls and all(url.startswith(f"http://127.0.0.1:{port}/") for url in urls), urls
    finally:
        process.terminate()
        process.wait(timeout=30)
    banner = log.read_text()
    assert f"http://127.0.0.1:{port}/login" in banner
    assert DEMO_PASSWORD in banner
    for email, _, _ in DEMO_STAFF:
        assert email in banner
