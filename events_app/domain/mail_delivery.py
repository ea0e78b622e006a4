"""The mail sender: takes due messages from the outbox and delivers them.

With SMTP settings it sends through aiosmtplib, one connection per batch of 50; without them
(development) it writes each message as an .eml file under var/mail/, so every message stays
readable. It runs as `events-app worker` (the Procfile's `worker`) in production on PostgreSQL, and
as a background task of each web process in development and on SQLite (settings.mail_sender_in_web).

A batch is a small pipeline: the next few mails are rendered (a certificate's PDF drawn in the
worker's drawing process, or in a thread; see pdf_drawing) while the current one is with the SMTP
server, and each mail is marked sent as soon as the server took it. aiosmtplib (5.x) sends its
commands one at a time and does not pipeline them (RFC 2920).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from pathlib import Path
from typing import Any

import aiosmtplib

from events_app.domain import (
    certificate_mail,
    evaluation_requests,
    invitation_mail,
    mailing_mail,
    outbox,
    registration_holds,
    registration_mail,
    reminders,
    retention,
)
from events_app.domain.transactions import utcnow
from events_app.settings import Settings, get_settings

log = logging.getLogger(__name__)
# Imported for its side effect: it registers the builders of the mails rendered at send time.
assert registration_mail and invitation_mail and certificate_mail and mailing_mail
PURGE_EVERY_SECONDS = 3600
# How many mails a sender renders at once ahead of the one being sent: enough to keep the drawing
# process busy with the next certificates' PDFs while SMTP and the database answer for the current
# mail, few enough that little rendered work (and memory) waits when a connection fails.
RENDER_AHEAD = 4
REMINDERS_EVERY_SECONDS = 60  # also releases the held registrations nobody confirmed


@dataclass(frozen=True)
class Prepared:
    """A claimed mail rendered and ready to send: its row (as rendered) and the message."""

    row: dict[str, Any]
    message: EmailMessage


# A mail being rendered: None when it turned out not to be sent.
Preparing = asyncio.Task[Prepared | None]


def build_message(row: dict[str, Any], attachments: list[dict[str, Any]], settings: Settings) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = row["subject"]
    message["From"] = settings.mail_from
    message["To"] = formataddr((row["to_name"], row["to_address"])) if row["to_name"] else row["to_address"]
    domain = settings.mail_from.rsplit("@", 1)[-1].strip("> ") or "localhost"
    # The Message-ID is derived from the outbox row alone, so a retried delivery carries the same id
    # (make_msgid would add the time and a random number, giving every attempt a new one).
    message["Message-ID"] = f"<{str(row['uid']).replace('-', '')}@{domain}>"
    message["Auto-Submitted"] = "auto-generated"
    # RFC 5322 requires a Date; relays that do not add one leave a message that spam filters punish.
    message["Date"] = format_datetime(utcnow())
    for name, value in (row.get("headers") or {}).items():
        message[name] = value
    message.set_content(row["text_body"])
    if row["html_body"]:
        message.add_alternative(row["html_body"], subtype="html")
        html_part = message.get_payload()[-1]
        for attachment in attachments:
            if attachment["content_id"]:
                maintype, subtype = attachment["content_type"].split("/", 1)
                html_part.add_related(
                    bytes(attachment["content"]),
                    maintype=maintype,
                    subtype=subtype,
                    cid=f"<{attachment['content_id']}>",
                    filename=attachment["filename"],
                    disposition="inline",  # with a filename alone it would be marked as an attachment
                )
    for attachment in attachments:
        if not attachment["content_id"]:
            maintype, subtype = attachment["content_type"].split("/", 1)
            message.add_attachment(
                bytes(attachment["content"]), maintype=maintype, subtype=subtype, filename=attachment["filename"]
            )
    # Set last: set_content() drops every Content-* header and add_alternative() moves them into a
    # subpart, so a Content-Language set before the body would not reach the message's header.
    message["Content-Language"] = row["language"]
    return message


class FileDelivery:
    """Development delivery: each message becomes var/mail/<uid>.eml."""

    def __init__(self, folder: Path):
        self.folder = folder

    async def __aenter__(self) -> FileDelivery:
        self.folder.mkdir(parents=True, exist_ok=True)
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None

    async def send(self, message: EmailMessage, row: dict[str, Any]) -> None:
        (self.folder / f"{row['uid']}.eml").write_bytes(bytes(message))


class SMTPDelivery:
    """One SMTP connection for a whole batch."""

    def __init__(self, settings: Settings):
        self.client = aiosmtplib.SMTP(
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            use_tls=settings.smtp_tls == "tls",
            start_tls=settings.smtp_tls == "starttls",
            username=settings.smtp_username or None,
            password=settings.smtp_password or None,
            timeout=30,
        )

    async def __aenter__(self) -> SMTPDelivery:
        await self.client.connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        try:
            await self.client.quit()
        except aiosmtplib.SMTPException:
            self.client.close()

    async def send(self, message: EmailMessage, row: dict[str, Any]) -> None:
        await self.client.send_message(message)


def delivery_for(settings: Settings):
    if settings.smtp_host:
        return SMTPDelivery(settings)
    return FileDelivery(settings.var_dir / "mail")


async def _prepare(row: dict[str, Any], worker_id: str, settings: Settings) -> Prepared | None:
    """Render and build one claimed mail; None when it is not to be sent (what happened is recorded)."""
    # A sender stalled past STALE_CLAIM may have lost its claim to another, and a row may have been
    # deleted (an erased person): skip what is no longer ours rather than risk sending it twice.
    if not await outbox.still_claimed(row["id"], worker_id):
        return None
    try:
        row = await outbox.render_queued(row)
    except outbox.NothingToSend:
        await outbox.mark_attempt_failed(row, worker_id, "no longer applies; not sent", permanent=True)
        return None
    except Exception as error:  # a builder's database hiccup: try again later
        log.exception("rendering queued mail %s failed", row["uid"])
        await outbox.mark_attempt_failed(row, worker_id, f"cannot render: {type(error).__name__}")
        return None
    try:
        attachments = row["attachments"] if "attachments" in row else await outbox.attachments_of(row["id"])
        return Prepared(row, build_message(row, attachments, settings))
    except (ValueError, TypeError) as error:  # a malformed stored message never gets better
        await outbox.mark_attempt_failed(row, worker_id, f"cannot build message: {error}", permanent=True)
        return None


async def _prepare_all(
    batch: list[dict[str, Any]], worker_id: str, settings: Settings, ready: asyncio.Queue[Preparing | None]
) -> None:
    """Start rendering the batch's mails, in order, into `ready`, then None. The queue's bound keeps
    this a few mails ahead of the one being sent; those few render at once, so the drawing process
    has the next PDF to draw while this process waits on the database for the one after."""
    for row in batch:
        preparing = asyncio.create_task(_prepare(row, worker_id, settings))
        try:
            await ready.put(preparing)
        except asyncio.CancelledError:
            preparing.cancel()
            raise
    await ready.put(None)


async def _send(delivery: FileDelivery | SMTPDelivery, prepared: Prepared, worker_id: str) -> bool:
    """Send one mail and record the outcome; True when it was delivered."""
    row, message = prepared.row, prepared.message
    try:
        await delivery.send(message, row)
    except aiosmtplib.SMTPRecipientsRefused as error:
        await outbox.mark_attempt_failed(row, worker_id, str(error), permanent=True)
        return False
    except aiosmtplib.SMTPResponseException as error:
        # 5xx is a permanent refusal of this message; 4xx is worth another try.
        await outbox.mark_attempt_failed(row, worker_id, str(error), permanent=error.code >= 500)
        return False
    # Marked at once, mail by mail: a sender that dies now leaves at most this one mail sent but
    # unmarked (to be sent again after STALE_CLAIM), never a whole batch.
    await outbox.mark_sent(row, worker_id, message["Message-ID"])
    return True


async def _stop(renderer: asyncio.Task, ready: asyncio.Queue[Preparing | None]) -> None:
    """Stop rendering: the renderer and every mail it started that was not sent."""
    renderer.cancel()
    tasks = [renderer]
    while not ready.empty():
        if (preparing := ready.get_nowait()) is not None:
            preparing.cancel()
            tasks.append(preparing)
    await asyncio.gather(*tasks, return_exceptions=True)


async def _deliver_batch(batch: list[dict[str, Any]], worker_id: str, settings: Settings) -> tuple[int, bool]:
    """Send a claimed batch over one connection, rendering the next mails (a certificate's PDF is
    drawn in a drawing process or a thread) while the current one is with the SMTP server and the
    database. Returns how many were delivered, and False when the connection failed."""
    ready: asyncio.Queue[Preparing | None] = asyncio.Queue(maxsize=RENDER_AHEAD)
    renderer = asyncio.create_task(_prepare_all(batch, worker_id, settings, ready))
    delivered = 0
    try:
        async with delivery_for(settings) as delivery:
            while (preparing := await ready.get()) is not None:
                if (prepared := await preparing) is not None:
                    delivered += await _send(delivery, prepared, worker_id)
    except (OSError, aiosmtplib.SMTPException) as error:
        await _stop(renderer, ready)
        # The connection failed: every message of the batch not yet marked goes back for a retry
        # (mark_attempt_failed leaves alone those already marked sent or settled).
        log.warning("mail delivery failed: %s", error)
        for row in batch:
            await outbox.mark_attempt_failed(row, worker_id, f"{type(error).__name__}: {error}")
        return delivered, False
    finally:
        await _stop(renderer, ready)
    return delivered, True


async def deliver_due(worker_id: str, settings: Settings | None = None, batch_size: int = 50) -> int:
    """Deliver every message that is due now; return how many were delivered."""
    settings = settings or get_settings()
    delivered = 0
    while batch := await outbox.claim_batch(worker_id, batch_size):
        sent, connected = await _deliver_batch(batch, worker_id, settings)
        delivered += sent
        if not connected:
            break
    return delivered


async def run_sender(stop: asyncio.Event, settings: Settings | None = None) -> None:
    """Deliver due mail every few seconds until `stop` is set; queue due reminders (and evaluations set
    to go out automatically) every minute."""
    settings = settings or get_settings()
    worker_id = outbox.new_worker_id()
    log.info("mail sender %s started", worker_id)
    last_purge = last_reminders = 0.0
    while not stop.is_set():
        try:
            if time.monotonic() - last_reminders > REMINDERS_EVERY_SECONDS:
                last_reminders = time.monotonic()
                if queued := await reminders.queue_due_reminders():
                    log.info("queued %s event reminders", queued)
                if released := await registration_holds.release_expired():
                    log.info("released %s unconfirmed held registrations", released)
                if asked := await evaluation_requests.ask_due():
                    log.info("asked %s people to evaluate what they attended", asked)
            await deliver_due(worker_id, settings)
            if time.monotonic() - last_purge > PURGE_EVERY_SECONDS:
                last_purge = time.monotonic()
                log.info("purged expired data: %s", await retention.purge_expired(settings))
                if applied := await retention.apply_retention_if_due(settings):
                    log.info("applied the retention rules: %s", applied)
        except Exception:  # the loop must survive a database hiccup
            log.exception("mail sender round failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=settings.mail_poll_seconds)
