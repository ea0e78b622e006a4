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
    assert "3 staff, 16 members, 4 events" in first.stdout  # the seed is loaded already
    counts = await demo_counts()
    # Events: Hållbarhetsdagarna (14 sessions from the CSV), a training module (3), a council meeting (4)
    # and last year's Hållbarhetsdagarna, archived (14). The 16 members and 4 external guests are
    # registered for this year's days, which makes the guests people too; 6 members for the module
    # and 14 people for last year's days (checked in, for certificates) make 40 registrations.
    assert counts == (10, 7, 3, 20, 4, 35, 40)
    kinds = sorted((row["kind"], row["status"]) for row in await Event.select(Event.kind, Event.status))
    assert kinds == [
        ("council_meeting", "published"),
        ("sustainability_day", "archived"),
        ("sustainability_day", "published"),
        ("training_module", "published"),
    ]
    second = run_cli("demo")
    assert second.returncode == 0, second.stderr
    assert "0 organisations, 0 themes, 0 staff, 0 members, 0 events" in second.stdout
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
