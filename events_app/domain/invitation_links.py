"""What an invitation link is and whether it can still be used: the link's secret and its stored
hash, the invitation's deadline, and the checks a registration made with a link runs before and under
the event's lock (`registrations.register` uses them; it marks the invitation accepted in its own
transaction).

Kept apart from `invitations` (the invite list, sending, the invitee's answer), which calls
`registrations` to cancel or promote: this way both can import what they need at the top.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime
from typing import Any

from events_app.domain.errors import DomainError
from events_app.domain.tables import Event, EventStatus, Invitation, InvitationLink, InvitationStatus
from events_app.domain.transactions import utcnow
from events_app.i18n import N_
from events_app.settings import get_settings


class InvitationUnusable(DomainError):
    """An invitation link that cannot be used (any more): `code` says why (unknown, revoked, expired,
    event_cancelled)."""


def token_hash(token: str) -> str:
    return hashlib.sha256((token or "").encode()).hexdigest()


def link_secret(nonce: str) -> str:
    """The secret of the link made with `nonce` (256 bits, URL-safe)."""
    key = hashlib.sha256(b"events-app invitation links\0" + get_settings().secret_key.encode()).digest()
    return base64.urlsafe_b64encode(hmac.new(key, nonce.encode(), hashlib.sha256).digest()).rstrip(b"=").decode()


def deadline(event: dict[str, Any]) -> datetime:
    """Until when an invitation to this event can be answered."""
    return event.get("invitation_deadline") or event.get("registration_closes_at") or event["starts_at"]


EVENT_COLUMNS = (
    Event.id,
    Event.uid,
    Event.slug,
    Event.title,
    Event.title_en,
    Event.status,
    Event.audience,
    Event.capacity,
    Event.starts_at,
    Event.ends_at,
    Event.registration_closes_at,
    Event.invitation_deadline,
    Event.venue_name,
    Event.venue_address,
)


async def invitation_by_token(token: str) -> dict[str, Any] | None:
    if not token or len(token) > 100:
        return None
    link = (
        await InvitationLink.select(InvitationLink.invitation)
        .where(InvitationLink.token_hash == token_hash(token))
        .first()
    )
    if link is None:
        return None
    return await Invitation.select().where(Invitation.id == link["invitation"]).first()


def check_usable(invitation: dict[str, Any] | None, event: dict[str, Any] | None, now: datetime) -> None:
    if invitation is None or event is None:
        raise InvitationUnusable(
            N_("This invitation link is not valid. Check that you copied the whole link."), code="invitation_unknown"
        )
    if invitation["status"] == InvitationStatus.revoked.value:
        raise InvitationUnusable(N_("This invitation has been withdrawn by the organiser."), code="invitation_revoked")
    if event["status"] in (EventStatus.cancelled.value, EventStatus.archived.value):
        raise InvitationUnusable(N_("This event has been cancelled."), code="invitation_event_cancelled")
    if event["status"] != EventStatus.published.value:
        raise InvitationUnusable(
            N_("This invitation link is not valid. Check that you copied the whole link."), code="invitation_unknown"
        )
    if now >= deadline(event):
        raise InvitationUnusable(N_("The time to answer this invitation has passed."), code="invitation_expired")


async def invitation_for_registration(token: str, event_id: int) -> dict[str, Any]:
    """The invitation a registration is made with (checked again inside the registration).

    Raises InvitationUnusable when the link is unknown, for another event, revoked or expired.
    """
    invitation = await invitation_by_token(token)
    event = await Event.select(*EVENT_COLUMNS).where(Event.id == event_id).first()
    if invitation is not None and invitation["event"] != event_id:
        invitation = None
    check_usable(invitation, event, utcnow())
    assert invitation is not None
    return invitation


async def recheck_under_lock(invitation: dict[str, Any], event: dict[str, Any]) -> dict[str, Any]:
    """The invitation as it is now that the event's lock is held (an organiser may have revoked it,
    reserved a place or moved the deadline since it was first checked); `event` as read under the
    lock (`waiting_list.lock_and_read_event`)."""
    current = await Invitation.select().where(Invitation.id == invitation["id"]).first()
    check_usable(current, event, utcnow())
    assert current is not None
    return current


async def mark_accepted(invitation: dict[str, Any], person_id: int) -> None:
    """Inside the registration's transaction, after `recheck_under_lock`."""
    await Invitation.update(
        {
            Invitation.status: InvitationStatus.accepted.value,
            Invitation.answered_at: utcnow(),
            Invitation.decline_reason: "",
            Invitation.person: person_id,
        }
    ).where((Invitation.id == invitation["id"]) & (Invitation.status != InvitationStatus.revoked.value))
