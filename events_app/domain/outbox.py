"""The mail outbox: messages are written here in the transaction of the change that causes them.

`enqueue` renders a mail template in the recipient's language and stores the result. The sender
(`mail_delivery`) claims rows with one conditional UPDATE, so several senders never take the same
message, and records the outcome of each attempt.
"""

from __future__ import annotations

import os
import re
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import lru_cache
from typing import Any

from jinja2 import Environment

from events_app.domain import audit
from events_app.domain.audit import Actor
from events_app.domain.tables import OutboxAttachment, OutboxMessage, OutboxStatus
from events_app.domain.transactions import atomic, is_sqlite, utcnow
from events_app.i18n import normalise_language, use_language
from events_app.templating import environment

MAX_ATTEMPTS = 8
# Links whose last part is a live secret (sign-in, password-reset, "my registration" and invitation links).
# Nobody but the recipient should see them: they are hidden from the admin's outbox pages and wiped once sent.
_SECRET_LINK = re.compile(r"(/login/link/|/password/reset/|/registration/|/invitation/|/evaluation/)[A-Za-z0-9_-]{16,}")


# Addresses at a domain RFC 2606 reserves as invalid (a walk-in who gave no address) never get mail.
_NO_MAIL_DOMAIN = ".invalid"


def can_receive_mail(address: str) -> bool:
    return not (address or "").lower().endswith(_NO_MAIL_DOMAIN)


def hide_secrets(text: str) -> str:
    return _SECRET_LINK.sub(r"\1…", text)


# A claim older than this is taken to belong to a sender that died mid-batch.
STALE_CLAIM = timedelta(minutes=15)
# Mail whose row must not outlive its delivery, so it is deleted once sent (or given up on): the notice
# that a person's data was erased goes to the address that was just erased; and the mails of an
# evaluation, kept, would make the admin's outbox a list of who was reminded, that is, who has not
# answered (docs/evaluations.md).
FORGOTTEN_ONCE_SENT = frozenset({"erasure_done", "evaluation_request", "evaluation_reminder"})
# Mail whose recipient the admin's outbox pages do not show while it waits: an evaluation's reminder
# goes to exactly those who have not answered.
RECIPIENT_HIDDEN = frozenset({"evaluation_reminder"})
HIDDEN_RECIPIENT = "—"


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    content: bytes
    content_id: str = ""  # set for an inline image shown in the HTML part as cid:<content_id>


@lru_cache(maxsize=4)
def _plain_text_environment(env: Environment) -> Environment:
    """`env` without autoescaping, for the subject and the text part.

    Autoescaping is fixed when a template is compiled (by its .html name), so the plain-text blocks
    need a copy of the template compiled without it; otherwise a name like "D'Ahlström & Co" reaches
    the subject and the text part as "D&#39;Ahlström &amp; Co". A new cache keeps the escaping
    compilations of `env` out of it.
    """
    return env.overlay(autoescape=False, cache_size=200)


def render(template: str, context: dict[str, Any], language: str) -> tuple[str, str, str]:
    """Render templates/mail/<template>.html: its blocks `subject`, `text` and `html`.

    The HTML part is wrapped in the shared mail layout; subject and text are rendered unescaped.
    """
    env = environment()
    base_context = {"language": language, **context}
    with use_language(language):
        plain = _plain_text_environment(env).get_template(f"mail/{template}.html")
        plain_ctx = plain.new_context(base_context)
        subject = "".join(plain.blocks["subject"](plain_ctx)).strip()
        text = "".join(plain.blocks["text"](plain_ctx)).strip() + "\n"
        tmpl = env.get_template(f"mail/{template}.html")
        body = "".join(tmpl.blocks["html"](tmpl.new_context(base_context)))
        html = env.get_template("mail/_layout.html").render(**base_context, subject=subject, body=body)
    return " ".join(subject.split()), text, html


async def enqueue(
    *,
    to_address: str,
    to_name: str = "",
    language: str,
    template: str,
    context: dict[str, Any],
    kind: str = "",
    attachments: list[Attachment] | None = None,
) -> int:
    """Render and store one message; call it inside the transaction of the change it reports.
    Returns its id (0 when the address can never receive mail and nothing was stored)."""
    if not can_receive_mail(to_address):
        return 0
    language = normalise_language(language)
    subject, text, html = render(template, context, language)
    row = OutboxMessage(
        kind=kind or template,
        to_address=to_address,
        to_name=to_name,
        language=language,
        subject=subject[:300],
        text_body=text,
        html_body=html,
    )
    await row.save()
    if attachments:
        await OutboxAttachment.insert(
            *[
                OutboxAttachment(
                    message=row.id,
                    filename=a.filename,
                    content_type=a.content_type,
                    content=a.content,
                    content_id=a.content_id,
                )
                for a in attachments
            ]
        )
    return row.id


@dataclass
class BuiltMail:
    """What a builder returns: the template to render, its context and any attachments.

    `to_address` and friends are filled in when the builder finds the recipient has changed (a
    corrected email address); None keeps what was queued.
    """

    template: str
    context: dict[str, Any]
    attachments: list[Attachment] = field(default_factory=list)
    language: str | None = None
    # False for a large attachment drawn again on every attempt anyway (a certificate's PDF): it goes
    # straight into the mail instead of through the outbox_attachment table.
    store_attachments: bool = True
    # Extra headers of the message (a mailing's List-Id and List-Unsubscribe), rebuilt on every attempt.
    headers: dict[str, str] = field(default_factory=dict)


# kind -> async function(build_args) -> BuiltMail, or None when the message no longer applies.
_BUILDERS: dict[str, Callable[[dict[str, Any]], Awaitable[BuiltMail | None]]] = {}


def mail_builder(kind: str):
    """Register the function that renders mails of `kind` queued with `enqueue_later`."""

    def register(function):
        _BUILDERS[kind] = function
        return function

    return register


async def enqueue_later(
    *, to_address: str, to_name: str = "", language: str, kind: str, build_args: dict[str, Any]
) -> int:
    """Queue a mail rendered at send time by the builder registered for `kind`.

    For the mails of busy moments (a registration rush): the request writes one small row in its
    transaction, and the sender renders the template, QR code and calendar file later.
    """
    if not can_receive_mail(to_address):
        return 0
    row = OutboxMessage(
        kind=kind,
        to_address=to_address,
        to_name=to_name,
        language=normalise_language(language),
        subject="",
        text_body="",
        builder=kind,
        build_args=build_args,
    )
    await row.save()
    return row.id


async def enqueue_later_for_registration(registration: dict[str, Any], kind: str, **build_args: Any) -> int:
    """`enqueue_later` to a registration's person: `registration` carries its uid and the person's
    email, name and language; the builder gets the registration's uid and `build_args`."""
    return await enqueue_later(
        to_address=registration["email"],
        to_name=registration["name"],
        language=registration["language"],
        kind=kind,
        build_args={"registration": str(registration["uid"]), **build_args},
    )


class NothingToSend(Exception):
    """The builder found that the queued message no longer applies (its registration is gone)."""


async def render_queued(row: dict[str, Any]) -> dict[str, Any]:
    """Render a message queued with `enqueue_later` and store the result (for the admin's outbox
    pages); other rows pass through.

    Raises NothingToSend when the builder returns None, and KeyError for an unknown builder.
    """
    if not row.get("builder"):
        return row
    # Built again on every attempt, not only the first: a retry after an SMTP outage must not send
    # a confirmation to someone who cancelled meanwhile.
    built = await _BUILDERS[row["builder"]](row["build_args"])
    if built is None:
        raise NothingToSend(row["builder"])
    language = normalise_language(built.language or row["language"])
    subject, text, html = render(built.template, built.context, language)
    # What is stored is for the admin's pages; the mail is sent from the values returned. A builder
    # renders its links again on every attempt, so the stored copy never needs them whole.
    await OutboxMessage.update(
        {
            OutboxMessage.subject: subject[:300],
            OutboxMessage.text_body: hide_secrets(text),
            OutboxMessage.html_body: hide_secrets(html),
            OutboxMessage.language: language,
        }
    ).where(OutboxMessage.id == row["id"])
    rendered = {
        **row,
        "subject": subject[:300],
        "text_body": text,
        "html_body": html,
        "language": language,
        "headers": built.headers,
    }
    if not built.store_attachments:
        return {**rendered, "attachments": [vars(a) for a in built.attachments]}
    await OutboxAttachment.delete().where(OutboxAttachment.message == row["id"])
    if built.attachments:
        await OutboxAttachment.insert(
            *[
                OutboxAttachment(
                    message=row["id"],
                    filename=a.filename,
                    content_type=a.content_type,
                    content=a.content,
                    content_id=a.content_id,
                )
                for a in built.attachments
            ]
        )
    return rendered


def new_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{os.urandom(3).hex()}"


async def claim_batch(worker_id: str, limit: int = 50) -> list[dict[str, Any]]:
    """Atomically take up to `limit` due messages for this sender and return them.

    The WHERE on status is re-checked by the UPDATE itself, so two senders racing for the same
    rows cannot both win; on PostgreSQL SKIP LOCKED lets them take different rows instead of
    waiting for each other.
    """
    now = utcnow()
    stale = now - STALE_CLAIM
    due = f"""
        SELECT id FROM outbox_message
        WHERE (status = 'pending' AND next_attempt_at <= {{}})
           OR (status = 'sending' AND claimed_at < {{}})
        ORDER BY id
        LIMIT {int(limit)}"""
    recheck = "((status = 'pending' AND next_attempt_at <= {}) OR (status = 'sending' AND claimed_at < {}))"
    if is_sqlite():  # one writer at a time: the subquery runs once, under the write lock
        sql = f"""
            UPDATE outbox_message
            SET status = 'sending', claimed_by = {{}}, claimed_at = {{}}, attempts = attempts + 1
            WHERE id IN ({due}) AND {recheck}
            RETURNING id"""
        arguments = (worker_id, now, now, stale, now, stale)
    else:
        # The rows are picked in a CTE, which PostgreSQL runs exactly once. As `WHERE id IN (…)`, the
        # planner may run the locking subquery again for every row it updates, each time taking the
        # next `limit` rows, so that one sender claimed a whole burst while the others stood idle.
        sql = f"""
            WITH due AS ({due} FOR UPDATE SKIP LOCKED)
            UPDATE outbox_message
            SET status = 'sending', claimed_by = {{}}, claimed_at = {{}}, attempts = attempts + 1
            FROM due WHERE outbox_message.id = due.id AND {recheck}
            RETURNING outbox_message.id AS id"""
        arguments = (now, stale, worker_id, now, now, stale)
    rows = await OutboxMessage.raw(sql, *arguments)
    ids = sorted(row["id"] for row in rows)
    if not ids:
        return []
    return (
        await OutboxMessage.select()
        .where(OutboxMessage.id.is_in(ids) & (OutboxMessage.claimed_by == worker_id))
        .order_by(OutboxMessage.id)
        .output(load_json=True)
    )


async def attachments_of(message_id: int) -> list[dict[str, Any]]:
    return await OutboxAttachment.select().where(OutboxAttachment.message == message_id).order_by(OutboxAttachment.id)


async def still_claimed(message_id: int, worker_id: str) -> bool:
    return await OutboxMessage.exists().where(
        (OutboxMessage.id == message_id)
        & (OutboxMessage.claimed_by == worker_id)
        & (OutboxMessage.status == OutboxStatus.sending)
    )


async def mark_sent(message: dict[str, Any], worker_id: str, smtp_message_id: str) -> None:
    """Record `message` (the claimed row, as rendered for sending) as delivered, keeping no live link."""
    if message["kind"] in FORGOTTEN_ONCE_SENT:
        await OutboxMessage.delete().where(
            (OutboxMessage.id == message["id"]) & (OutboxMessage.claimed_by == worker_id)
        )
        return
    values = {
        OutboxMessage.status: OutboxStatus.sent,
        OutboxMessage.sent_at: utcnow(),
        OutboxMessage.message_id: smtp_message_id,
        OutboxMessage.last_error: "",
    }
    if not message.get("builder"):  # a rendered mail's stored copy already hides its links (render_queued)
        values[OutboxMessage.text_body] = hide_secrets(message["text_body"])
        values[OutboxMessage.html_body] = hide_secrets(message["html_body"])
    await OutboxMessage.update(values).where(
        (OutboxMessage.id == message["id"]) & (OutboxMessage.claimed_by == worker_id)
    )


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff: 30 s, 1 min, 2 min, ... capped at one hour."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


async def mark_attempt_failed(message: dict[str, Any], worker_id: str, error: str, *, permanent: bool = False) -> None:
    """Schedule a retry with backoff, or give up after MAX_ATTEMPTS or on a permanent refusal."""
    give_up = permanent or message["attempts"] >= MAX_ATTEMPTS
    if give_up and message["kind"] in FORGOTTEN_ONCE_SENT:
        await OutboxMessage.delete().where(
            (OutboxMessage.id == message["id"]) & (OutboxMessage.claimed_by == worker_id)
        )
        return
    await OutboxMessage.update(
        {
            OutboxMessage.status: OutboxStatus.failed if give_up else OutboxStatus.pending,
            OutboxMessage.next_attempt_at: utcnow() + retry_delay(message["attempts"]),
            OutboxMessage.last_error: error[:2000],
            OutboxMessage.claimed_by: "",
        }
    ).where(
        (OutboxMessage.id == message["id"])
        & (OutboxMessage.claimed_by == worker_id)
        & (OutboxMessage.status == OutboxStatus.sending)
    )


async def queue_test_message(account: dict[str, Any], actor: Actor, language: str) -> None:
    """A test message to a staff account, to check that mail gets through; the audit log says who asked."""
    async with atomic():
        await enqueue(
            to_address=account["email"],
            to_name=account["name"],
            language=language,
            template="test_message",
            context={"name": account["name"]},
        )
        await audit.record("outbox.test_queued", actor, object_type="staff", object_id=account["uid"])


async def retry_now(message_uid: str) -> None:
    """Put a failed message back in the queue (an admin's action after fixing the cause)."""
    await OutboxMessage.update(
        {OutboxMessage.status: OutboxStatus.pending, OutboxMessage.next_attempt_at: utcnow(), OutboxMessage.attempts: 0}
    ).where((OutboxMessage.uid == message_uid) & (OutboxMessage.status == OutboxStatus.failed))


async def list_messages(*, status: str = "", limit: int = 200) -> list[dict[str, Any]]:
    select = (
        OutboxMessage.select(
            OutboxMessage.uid,
            OutboxMessage.created_at,
            OutboxMessage.kind,
            OutboxMessage.to_address,
            OutboxMessage.subject,
            OutboxMessage.status,
            OutboxMessage.attempts,
            OutboxMessage.sent_at,
            OutboxMessage.last_error,
        )
        .order_by(OutboxMessage.id, ascending=False)
        .limit(limit)
    )
    if status:
        select = select.where(OutboxMessage.status == status)
    return [_recipient_hidden(message) for message in await select]


def _recipient_hidden(message: dict[str, Any]) -> dict[str, Any]:
    if message["kind"] in RECIPIENT_HIDDEN:
        message.update({"to_address": HIDDEN_RECIPIENT, "to_name": ""})
    return message


async def counts_by_status() -> dict[str, int]:
    rows = await OutboxMessage.raw("SELECT status, COUNT(*) AS n FROM outbox_message GROUP BY status")
    return {row["status"]: row["n"] for row in rows}


async def get_message(message_uid: str) -> dict[str, Any] | None:
    """One message for the admin's outbox pages, with any live secret link hidden."""
    message = await OutboxMessage.select().where(OutboxMessage.uid == message_uid).first()
    if message is not None:
        message["text_body"] = hide_secrets(message["text_body"])
        message["html_body"] = hide_secrets(message["html_body"])
        # The name and address are in the greeting too: the body of a hidden recipient's mail goes.
        if message["kind"] in RECIPIENT_HIDDEN:
            message.update({"text_body": "", "html_body": ""})
        return _recipient_hidden(message)
    return message
