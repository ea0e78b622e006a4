"""A follow-up mailing's mail to one recipient, rendered when the sender sends it.

The organiser's text (plain text, escaped, its paragraphs kept) in the recipient's language: the
English version for a recipient whose language is English when the mailing has one, the Swedish
otherwise. Then the survey link, if any, and a personal link to the material the recipient may
see: a registration's private page (its `#material` section), or, for an invitee who declined and
so has no registration, the event's public page. Nothing is sent when the mailing or the
registration is gone.
"""

from __future__ import annotations

import re
from typing import Any

from events_app.domain import links, mailing_opt_outs
from events_app.domain.outbox import BuiltMail, mail_builder
from events_app.domain.tables import Event, Invitation, Mailing, MailingRecipient, Registration
from events_app.domain.validation import parse_uid
from events_app.settings import get_settings


def paragraphs(text: str) -> list[list[str]]:
    """The text's paragraphs (split at blank lines), each as its lines."""
    return [
        [line.rstrip() for line in block.strip("\n").split("\n")]
        for block in re.split(r"\n[ \t]*\n", (text or "").replace("\r\n", "\n").strip())
        if block.strip()
    ]


def version(mailing: dict[str, Any], language: str) -> tuple[str, str, str]:
    """(language, subject, body) the recipient gets."""
    if language == "en" and mailing.get("subject_en") and mailing.get("body_en"):
        return "en", mailing["subject_en"], mailing["body_en"]
    return "sv", mailing["subject_sv"], mailing["body_sv"]


def material_url(event: dict[str, Any], registration: dict[str, Any] | None) -> str:
    """A registration's own material section, or for someone without one the event's public page."""
    if registration is not None:
        return links.my_registration_material_url(registration["manage_token"])
    return links.event_url(event["slug"])


# What the organisers' preview shows in place of a recipient's private link: opening the real one
# would let the organiser act as the registrant, recorded as the registrant.
PREVIEW_TOKEN = "personlig-lank-visas-inte-i-forhandsvisningen"


def build(
    mailing: dict[str, Any],
    event: dict[str, Any],
    name: str,
    language: str,
    registration: dict[str, Any] | None,
    *,
    opt_out_token: str = "",
    preview: bool = False,
) -> BuiltMail:
    """The mail for one recipient; with `preview`, as the organisers' preview shows it (no live
    private link, nor a working link to decline). `opt_out_token` is the recipient's link to
    decline further mailings about the event (`mailing_opt_outs.token_for`)."""
    chosen, subject, body = version(mailing, language)
    if preview:
        registration = {**registration, "manage_token": PREVIEW_TOKEN} if registration is not None else None
        opt_out_token = PREVIEW_TOKEN
    opt_out_url = links.mailing_opt_out_url(opt_out_token) if opt_out_token else ""
    return BuiltMail(
        template="mailing",
        language=chosen,
        headers=_list_headers(event, opt_out_url),
        context={
            "event": event,
            "name": name,
            "mailing_subject": subject,
            "mailing_body": body,
            "paragraphs": paragraphs(body),
            "survey_url": mailing.get("survey_url") or "",
            "material_url": material_url(event, registration),
            "personal": registration is not None,
            "opt_out_url": opt_out_url,
        },
    )


def _list_headers(event: dict[str, Any], opt_out_url: str) -> dict[str, str]:
    """A mailing is bulk mail: List-Id names the event's list, and List-Unsubscribe with
    List-Unsubscribe-Post (RFC 8058) lets a mail program decline further mailings in one click."""
    domain = get_settings().mail_from.rsplit("@", 1)[-1].strip("> ") or "localhost"
    headers = {"List-Id": f"{event['title'][:100]} <{event['slug']}.mailings.{domain}>"}
    if opt_out_url:
        headers["List-Unsubscribe"] = f"<{opt_out_url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return headers


@mail_builder("mailing")
async def mailing(args: dict[str, Any]) -> BuiltMail | None:
    recipient = await MailingRecipient.select().where(MailingRecipient.scope == args.get("scope", "")).first()
    if recipient is None:
        return None
    row = await Mailing.select().where(Mailing.id == recipient["mailing"]).first()
    if row is None:
        return None
    registration = None
    if args.get("registration"):
        uid = parse_uid(args["registration"])
        registration = await Registration.select().where(Registration.uid == uid).first() if uid else None
        if registration is None:
            return None  # the registration was deleted since: its private page is gone too
    event = (
        await Event.select(Event.id, Event.slug, Event.title, Event.title_en, Event.starts_at, Event.ends_at)
        .where(Event.id == row["event"])
        .first()
    )
    if registration is not None:
        opt_out = mailing_opt_outs.token_for("r", registration["uid"])
    else:
        invitation = await Invitation.select(Invitation.uid).where(Invitation.id == recipient["invitation"]).first()
        opt_out = mailing_opt_outs.token_for("i", invitation["uid"]) if invitation else ""
    return build(row, event, recipient["name"], recipient["language"], registration, opt_out_token=opt_out)
