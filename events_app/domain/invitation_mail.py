"""The invitation and reminder mails, rendered when the sender sends them.

Each carries its own link, whose secret is computed from the nonce in the queued mail's build_args
(`invitation_links.link_secret`). A mail whose invitation has been answered or revoked in the meantime,
or whose deadline has passed, is not sent at all.
"""

from __future__ import annotations

from typing import Any

from events_app.domain import invitation_links, invitations, links
from events_app.domain.outbox import BuiltMail, mail_builder
from events_app.domain.programme import programme
from events_app.domain.tables import Event, EventStatus, Invitation
from events_app.domain.transactions import utcnow
from events_app.domain.validation import parse_uid


async def _build(template: str, args: dict[str, Any]) -> BuiltMail | None:
    uid = parse_uid(args["invitation"])
    invitation = await Invitation.select().where(Invitation.uid == uid).first() if uid else None
    if invitation is None or invitation["status"] != invitations.PENDING:
        return None
    event = await Event.select().where(Event.id == invitation["event"]).first()
    if event["status"] != EventStatus.published.value or utcnow() >= invitation_links.deadline(event):
        return None  # a cancelled event is not invited to, and an expired link is of no use
    sessions = [s for s in await programme(event["id"]) if s["status"] == "scheduled"]
    return BuiltMail(
        template=template,
        language=invitation["language"],
        context={
            "invitation": invitation,
            "event": event,
            "sessions": sessions,
            "message": args.get("message", ""),
            "deadline": invitation_links.deadline(event),
            "invitation_url": links.invitation_url(invitation_links.link_secret(args["link"])),
        },
    )


@mail_builder("invitation")
async def invitation(args: dict[str, Any]) -> BuiltMail | None:
    return await _build("invitation", args)


@mail_builder("invitation_reminder")
async def invitation_reminder(args: dict[str, Any]) -> BuiltMail | None:
    return await _build("invitation_reminder", args)
