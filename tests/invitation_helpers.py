"""Shared by the invitation tests: a list with good and bad rows, and putting people on a list."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from events_app.domain import invitations
from events_app.domain.invitations import InviteeInput
from events_app.domain.tables import Event
from events_app.domain.transactions import utcnow
from tests.registration_helpers import SYSTEM

# Lines 2 and 5 are good; 3 lacks a name, 4 has no valid address, 6 repeats line 5's address.
GOOD_AND_BAD = (
    "namn;e-post;organisation;meddelande\n"
    "Karin Berg;karin@energibolaget.se;Energibolaget AB;Vi hoppas du vill tala om vätgas.\n"
    ";utan.namn@example.se;;\n"
    "Per Ek;inte-en-adress;;\n"
    "Lina Holm;lina@forskning.se;Sundsvalls kommun;\n"
    "Lina Holm igen;LINA@forskning.se;;\n"
)


async def invite(slug: str, *emails: str, **fields: Any) -> list[dict]:
    """Put each address on the event's list, named after it ("Gäst karin")."""
    return [
        await invitations.add_invitee(
            slug, InviteeInput(name=f"Gäst {email.split('@')[0]}", email=email, **fields), SYSTEM
        )
        for email in emails
    ]


async def rows_by_email(slug: str) -> dict[str, dict]:
    """The organisers' overview of the list, by address (each row with its `state`)."""
    _, rows = await invitations.list_invitations(slug)
    return {row["email"]: row for row in rows}


async def pass_the_deadline(event: dict) -> None:
    """As if the time to answer had run out a minute ago (an organiser cannot set a past deadline)."""
    await Event.update({Event.invitation_deadline: utcnow() - timedelta(minutes=1)}).where(Event.id == event["id"])
