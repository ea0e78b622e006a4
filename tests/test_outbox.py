"""The mail outbox and its sender, through the real parts: the database, the Jinja2 mail templates,
aiosmtplib and a real SMTP server (aiosmtpd) whose received messages are parsed and read back.

Runs on SQLite by default and on PostgreSQL when DATABASE_URL says so (see tests/conftest.py).
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
from collections import Counter
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from jinja2 import ChoiceLoader, DictLoader

from events_app import i18n
from events_app.domain import mail_delivery, outbox
from events_app.domain.outbox import Attachment
from events_app.domain.tables import OutboxAttachment, OutboxMessage, OutboxStatus
from events_app.domain.transactions import atomic, utcnow
from events_app.templating import environment

TEST_SENTENCE = "This is a test message. If you read it, mail from the platform reaches you."

# A mail template used only here: its subject carries the recipient's name and the event's name, and
# its HTML part shows an inline image by Content-ID. It goes through the same rendering as the real
# templates (the shared environment, gettext, the mail layout).
EVENT_TEMPLATE = """\
{% block subject %}Hållbarhetsdagarna 2027 – {{ name }}{% endblock %}
{% block text %}
{{ _("Hello %(name)s,", name=name) }}

Välkommen till Hållbarhetsdagarna i Härnösand. Programmet finns i bilagan.
{% endblock %}
{% block html %}
<p><img src="cid:{{ logo_cid }}" alt="Hållbarhetsrådet" width="120"></p>
<p>{{ _("Hello %(name)s,", name=name) }}</p>
<p>Välkommen till Hållbarhetsdagarna i Härnösand. Programmet finns i bilagan.</p>
{% endblock %}
"""
LOGO_CID = "logo@hallbarhetsradet.se"
# The 8-byte PNG signature and an IHDR chunk: enough to be recognisably a PNG.
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n" + bytes(range(256))


# --- helpers --------------------------------------------------------------------------------------


class Mailbox:
    """An aiosmtpd handler that keeps every accepted message, parsed, and the connection it came on.

    `refuse` are recipient addresses answered with 550 at RCPT; `accept_only` (when set) is how many
    messages are accepted before every further MAIL FROM is answered 421 and the connection dropped;
    `tempfail_first` answers 451 to the first DATA it receives (after the content did arrive).
    """

    def __init__(
        self, *, refuse: tuple[str, ...] = (), accept_only: int | None = None, tempfail_first: bool = False
    ) -> None:
        self.messages: list[EmailMessage] = []
        self.peers: list[tuple] = []
        self.data_attempts: list[str] = []  # the Message-ID of every DATA, accepted or not
        self.refuse = set(refuse)
        self.accept_only = accept_only
        self.tempfail_first = tempfail_first

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.accept_only is not None and len(self.messages) >= self.accept_only:
            server.transport.close()
            return "421 4.3.2 Service shutting down"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        self.data_attempts.append(message["Message-ID"])
        if self.tempfail_first and len(self.data_attempts) == 1:
            return "451 4.3.0 Try again later"
        self.messages.append(message)
        self.peers.append(session.peer)
        return "250 Message accepted for delivery"


def start_smtp(handler, port: int) -> Controller:
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    return controller


def smtp_settings(settings, port: int):
    return dataclasses.replace(settings, smtp_host="127.0.0.1", smtp_port=port, smtp_tls="none")


@pytest.fixture
def mailbox_server(free_port, settings):
    """Start a Mailbox server: `start(**options)` returns (handler, settings pointing at it)."""
    controllers: list[Controller] = []

    def start(**options):
        handler = Mailbox(**options)
        controllers.append(start_smtp(handler, free_port))
        return handler, smtp_settings(settings, free_port)

    yield start
    for controller in controllers:
        controller.stop()


@pytest.fixture
def event_template(monkeypatch):
    """Make templates/mail/_test_event.html available to `outbox.render` (in memory, for this test)."""
    base = environment()
    env = base.overlay(loader=ChoiceLoader([DictLoader({"mail/_test_event.html": EVENT_TEMPLATE}), base.loader]))
    monkeypatch.setattr(outbox, "environment", lambda: env)
    return "_test_event"


async def rows(ids: list[int]) -> list[dict]:
    return await OutboxMessage.select().where(OutboxMessage.id.is_in(ids)).order_by(OutboxMessage.id)


async def make_due() -> None:
    """Simulate the backoff delay passing: every pending message becomes due now."""
    await OutboxMessage.update({OutboxMessage.next_attempt_at: utcnow() - timedelta(seconds=1)}).where(
        OutboxMessage.status == OutboxStatus.pending
    )


async def enqueue_many(count: int, prefix: str = "deltagare") -> list[int]:
    return [
        await outbox.enqueue(
            to_address=f"{prefix}{n}@example.se",
            to_name=f"Deltagare {n} Östlund",
            language="sv",
            template="test_message",
            context={"name": f"Deltagare {n} Östlund"},
        )
        for n in range(count)
    ]


def translated(language: str, message: str, **params) -> str:
    with i18n.use_language(language):
        return i18n.gettext(message, **params)


def text_part(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def html_part(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def by_recipient(messages: list[EmailMessage]) -> dict[str, EmailMessage]:
    return {message["To"].addresses[0].addr_spec: message for message in messages}


# --- 1. delivery, headers, parts, language, characters -------------------------------------------


async def test_delivers_multipart_mail_in_the_recipients_language(smtp_server, settings, event_template):
    asa = await outbox.enqueue(
        to_address="asa.oberg@example.se",
        to_name="Åsa Öberg",
        language="sv",
        template="test_message",
        context={"name": "Åsa Öberg"},
    )
    lukasz = await outbox.enqueue(
        to_address="lukasz@example.pl",
        to_name="Łukasz Żółw",
        language="en",
        template="test_message",
        context={"name": "Łukasz Żółw"},
    )
    maret = await outbox.enqueue(
        to_address="maret@example.no",
        to_name="Máret Čuđetsá",
        language="sv",
        template=event_template,
        context={"name": "Máret Čuđetsá", "logo_cid": LOGO_CID},
    )

    delivered = await mail_delivery.deliver_due(outbox.new_worker_id(), settings=smtp_server.settings)

    assert delivered == 3
    received = by_recipient(smtp_server.collector.messages)
    assert set(received) == {"asa.oberg@example.se", "lukasz@example.pl", "maret@example.no"}
    stored = {row["id"]: row for row in await rows([asa, lukasz, maret])}
    assert {row["status"] for row in stored.values()} == {OutboxStatus.sent}

    for row_id, address, name, language in (
        (asa, "asa.oberg@example.se", "Åsa Öberg", "sv"),
        (lukasz, "lukasz@example.pl", "Łukasz Żółw", "en"),
        (maret, "maret@example.no", "Máret Čuđetsá", "sv"),
    ):
        message = received[address]
        assert message["To"].addresses[0].display_name == name
        sender = message["From"].addresses[0]
        assert (sender.display_name, sender.addr_spec) == ("Hållbarhetsrådet i Västernorrland", "noreply@localhost")
        assert message["Content-Language"] == language
        assert message["Auto-Submitted"] == "auto-generated"
        assert abs(message["Date"].datetime - utcnow()) < timedelta(minutes=1)  # a real, timezone-aware date
        # The Message-ID that arrived is the one the outbox recorded, and it names the outbox row.
        assert message["Message-ID"] == stored[row_id]["message_id"]
        assert str(stored[row_id]["uid"]).replace("-", "") in message["Message-ID"]
        assert message.get_content_type() == "multipart/alternative"
        assert [part.get_content_type() for part in message.iter_parts()] == ["text/plain", "text/html"]
        greeting = translated(language, "Hello %(name)s,", name=name)
        assert name in greeting
        assert greeting in text_part(message)
        assert f"<p>{greeting}</p>" in html_part(message)
        assert f'<html lang="{language}">' in html_part(message)

    for address, language in (("asa.oberg@example.se", "sv"), ("lukasz@example.pl", "en")):
        message = received[address]
        assert message["Subject"] == translated(language, "Test message from the events platform")
        sentence = translated(language, TEST_SENTENCE)
        assert sentence in text_part(message).splitlines()
        assert f"<p>{sentence}</p>" in html_part(message)
    # English is English, and the Swedish mail is really in Swedish (the catalog has the sentence).
    assert TEST_SENTENCE in text_part(received["lukasz@example.pl"]).splitlines()
    assert translated("sv", TEST_SENTENCE) != TEST_SENTENCE
    assert TEST_SENTENCE not in text_part(received["asa.oberg@example.se"])

    maret_mail = received["maret@example.no"]
    assert maret_mail["Subject"] == "Hållbarhetsdagarna 2027 – Máret Čuđetsá"
    assert "Välkommen till Hållbarhetsdagarna i Härnösand." in text_part(maret_mail)
    assert "Välkommen till Hållbarhetsdagarna i Härnösand." in html_part(maret_mail)


async def test_plain_text_part_and_subject_are_not_html_escaped(smtp_server, event_template):
    """The subject and text part are plain text: a name with & or ' must not arrive as &amp; or &#39;."""
    name = "Anna-Karin D'Ahlström & Co <Sundsvall>"
    await outbox.enqueue(
        to_address="anna@example.se",
        to_name=name,
        language="sv",
        template=event_template,
        context={"name": name, "logo_cid": LOGO_CID},
    )

    assert await mail_delivery.deliver_due("w1", settings=smtp_server.settings) == 1

    [message] = smtp_server.collector.messages
    assert message["Subject"] == f"Hållbarhetsdagarna 2027 – {name}"
    assert translated("sv", "Hello %(name)s,", name=name) in text_part(message)
    assert "&amp;" not in text_part(message) and "&#39;" not in text_part(message)
    # ... while the HTML part escapes it, once.
    assert "D&#39;Ahlström &amp; Co &lt;Sundsvall&gt;" in html_part(message)
    assert "&amp;amp;" not in html_part(message)


# --- 2. attachments and inline images ------------------------------------------------------------


async def test_attachment_and_inline_image_arrive(smtp_server, event_template):
    await outbox.enqueue(
        to_address="asa.oberg@example.se",
        to_name="Åsa Öberg",
        language="sv",
        template=event_template,
        context={"name": "Åsa Öberg", "logo_cid": LOGO_CID},
        attachments=[
            Attachment(filename="Program – Hållbarhetsdagarna.pdf", content_type="application/pdf", content=PDF),
            Attachment(filename="logo.png", content_type="image/png", content=PNG, content_id=LOGO_CID),
        ],
    )

    assert await mail_delivery.deliver_due("w1", settings=smtp_server.settings) == 1

    [message] = smtp_server.collector.messages
    assert message.get_content_type() == "multipart/mixed"
    body, *attachments = message.iter_parts()
    assert body.get_content_type() == "multipart/alternative"

    # The PDF is an attachment of the message, intact, with its Swedish file name.
    [pdf] = attachments
    assert pdf.get_content_type() == "application/pdf"
    assert pdf.get_content_disposition() == "attachment"
    assert pdf.get_filename() == "Program – Hållbarhetsdagarna.pdf"
    assert pdf.get_content() == PDF

    # The PNG sits with the HTML part in a multipart/related, which refers to it by Content-ID.
    plain, related = body.iter_parts()
    assert plain.get_content_type() == "text/plain"
    assert related.get_content_type() == "multipart/related"
    html, image = related.iter_parts()
    assert html.get_content_type() == "text/html"
    assert f'src="cid:{LOGO_CID}"' in html.get_content()
    assert image.get_content_type() == "image/png"
    assert image["Content-ID"] == f"<{LOGO_CID}>"
    assert image.get_content_disposition() == "inline"
    assert image.get_content() == PNG
    # A mail client shows the PNG in the text, not as a second attachment.
    assert [part.get_filename() for part in message.iter_attachments()] == ["Program – Hållbarhetsdagarna.pdf"]


# --- 3. an SMTP outage, and a server that fails in the middle of a batch -------------------------


async def test_messages_queued_during_an_outage_are_delivered_once_when_it_is_over(smtp_server):
    smtp_server.stop()
    ids = await enqueue_many(5)

    before = utcnow()
    assert await mail_delivery.deliver_due("w1", settings=smtp_server.settings) == 0

    assert smtp_server.collector.messages == []
    for row in await rows(ids):
        assert row["status"] == OutboxStatus.pending
        assert row["attempts"] == 1
        assert row["next_attempt_at"] > before + timedelta(seconds=20)  # backoff, not an immediate retry
        assert row["last_error"]
        assert row["claimed_by"] == ""
    # Nothing is due before the backoff has passed: another round does not even try.
    assert await mail_delivery.deliver_due("w1", settings=smtp_server.settings) == 0
    assert {row["attempts"] for row in await rows(ids)} == {1}

    # The server comes back (a stopped Controller cannot be restarted: a new one on the same port).
    restarted = start_smtp(smtp_server.handler, smtp_server.port)
    try:
        await make_due()
        assert await mail_delivery.deliver_due("w2", settings=smtp_server.settings) == 5
        assert await mail_delivery.deliver_due("w2", settings=smtp_server.settings) == 0
        await make_due()  # even with time passing, nothing is left to send
        assert await mail_delivery.deliver_due("w3", settings=smtp_server.settings) == 0
    finally:
        restarted.stop()

    stored = await rows(ids)
    arrived = Counter(message["Message-ID"] for message in smtp_server.collector.messages)
    assert arrived == Counter({row["message_id"]: 1 for row in stored})
    assert len(arrived) == 5
    assert {(row["status"], row["attempts"], row["last_error"]) for row in stored} == {(OutboxStatus.sent, 2, "")}


async def test_a_connection_lost_mid_batch_does_not_resend_what_was_delivered(mailbox_server):
    """Two messages go through, then the server says 421 and hangs up: only the other three are retried."""
    handler, smtp = mailbox_server(accept_only=2)
    ids = await enqueue_many(5)

    assert await mail_delivery.deliver_due("w1", settings=smtp) == 2

    stored = await rows(ids)
    assert [row["status"] for row in stored] == [OutboxStatus.sent] * 2 + [OutboxStatus.pending] * 3
    assert all(row["last_error"] for row in stored[2:])

    handler.accept_only = None
    await make_due()
    assert await mail_delivery.deliver_due("w2", settings=smtp) == 3
    await make_due()
    assert await mail_delivery.deliver_due("w2", settings=smtp) == 0

    stored = await rows(ids)
    assert {row["status"] for row in stored} == {OutboxStatus.sent}
    arrived = Counter(message["Message-ID"] for message in handler.messages)
    assert arrived == Counter({row["message_id"]: 1 for row in stored})


async def test_a_retried_message_keeps_its_message_id(mailbox_server):
    """The server takes the content, answers 451, and accepts it next time: both carry one Message-ID."""
    handler, smtp = mailbox_server(tempfail_first=True)
    [message_id] = await enqueue_many(1)

    assert await mail_delivery.deliver_due("w1", settings=smtp) == 0
    [row] = await rows([message_id])
    assert (row["status"], row["attempts"]) == (OutboxStatus.pending, 1)
    assert "451" in row["last_error"]

    await make_due()
    assert await mail_delivery.deliver_due("w1", settings=smtp) == 1
    [row] = await rows([message_id])
    assert len(handler.data_attempts) == 2
    assert handler.data_attempts[0] == handler.data_attempts[1] == row["message_id"]


# --- 4. several senders ---------------------------------------------------------------------------


async def test_concurrent_senders_deliver_each_message_exactly_once(smtp_server):
    ids = await enqueue_many(40)

    # Small batches, so the four senders really compete for the rows.
    counts = await asyncio.gather(
        *(mail_delivery.deliver_due(f"worker-{n}", settings=smtp_server.settings, batch_size=5) for n in range(4))
    )

    assert sum(counts) == 40
    arrived = Counter(message["Message-ID"] for message in smtp_server.collector.messages)
    assert len(smtp_server.collector.messages) == 40
    assert set(arrived.values()) == {1}
    stored = await rows(ids)
    assert {(row["status"], row["attempts"]) for row in stored} == {(OutboxStatus.sent, 1)}
    assert set(arrived) == {row["message_id"] for row in stored}
    assert Counter(message["To"].addresses[0].addr_spec for message in smtp_server.collector.messages) == Counter(
        {f"deltagare{n}@example.se": 1 for n in range(40)}
    )


async def test_claim_batch_hands_each_row_to_one_sender():
    ids = await enqueue_many(30)

    claimed = await asyncio.gather(*(outbox.claim_batch(f"worker-{n}", limit=4) for n in range(10)))

    taken = [row["id"] for batch in claimed for row in batch]
    assert sorted(taken) == sorted(set(taken))
    assert len(taken) == 30
    for n, batch in enumerate(claimed):
        assert all(row["claimed_by"] == f"worker-{n}" and row["status"] == OutboxStatus.sending for row in batch)
    assert {row["claimed_by"] for row in await rows(ids)} == {f"worker-{n}" for n in range(10) if claimed[n]}


# --- 5. a recipient the server refuses ----------------------------------------------------------


async def test_a_refused_recipient_fails_at_once_and_the_batch_goes_on(mailbox_server):
    handler, smtp = mailbox_server(refuse=("nobody@example.se",))
    first = await outbox.enqueue(
        to_address="asa.oberg@example.se",
        to_name="Åsa Öberg",
        language="sv",
        template="test_message",
        context={"name": "Åsa Öberg"},
    )
    refused = await outbox.enqueue(
        to_address="nobody@example.se", language="sv", template="test_message", context={"name": "Ingen"}
    )
    last = await outbox.enqueue(
        to_address="maret@example.no",
        to_name="Máret Čuđetsá",
        language="sv",
        template="test_message",
        context={"name": "Máret Čuđetsá"},
    )

    assert await mail_delivery.deliver_due("w1", settings=smtp) == 2

    assert sorted(by_recipient(handler.messages)) == ["asa.oberg@example.se", "maret@example.no"]
    # One connection carried the whole batch, the refusal included.
    assert len(set(handler.peers)) == 1
    stored = {row["id"]: row for row in await rows([first, refused, last])}
    assert stored[first]["status"] == stored[last]["status"] == OutboxStatus.sent
    assert stored[refused]["status"] == OutboxStatus.failed
    assert stored[refused]["attempts"] == 1
    assert "550" in stored[refused]["last_error"] and "no such user" in stored[refused]["last_error"]

    # A permanent failure is not retried, however much time passes.
    await OutboxMessage.update({OutboxMessage.next_attempt_at: utcnow() - timedelta(days=1)}).where(
        OutboxMessage.id == refused
    )
    assert await mail_delivery.deliver_due("w1", settings=smtp) == 0
    assert len(handler.messages) == 2
    assert (await rows([refused]))[0]["attempts"] == 1


# --- 6. in the transaction of the change ---------------------------------------------------------


async def test_enqueue_is_rolled_back_with_its_transaction():
    class Boom(Exception):
        pass

    with pytest.raises(Boom):
        async with atomic():
            await outbox.enqueue(
                to_address="asa.oberg@example.se",
                language="sv",
                template="test_message",
                context={"name": "Åsa Öberg"},
                attachments=[Attachment(filename="a.pdf", content_type="application/pdf", content=PDF)],
            )
            assert await OutboxMessage.count() == 1  # visible inside the transaction
            raise Boom

    assert await OutboxMessage.count() == 0
    assert await OutboxAttachment.count() == 0

    async with atomic():
        await outbox.enqueue(
            to_address="asa.oberg@example.se", language="sv", template="test_message", context={"name": "Åsa Öberg"}
        )
    assert await OutboxMessage.count() == 1


# --- 7. development: .eml files instead of SMTP ---------------------------------------------------


async def test_without_smtp_settings_mail_is_written_as_eml_files(settings, tmp_path, event_template):
    dev = dataclasses.replace(settings, smtp_host="", var_dir=tmp_path / "var")
    ids = [
        await outbox.enqueue(
            to_address="asa.oberg@example.se",
            to_name="Åsa Öberg",
            language="sv",
            template="test_message",
            context={"name": "Åsa Öberg"},
        ),
        await outbox.enqueue(
            to_address="maret@example.no",
            to_name="Máret Čuđetsá",
            language="sv",
            template=event_template,
            context={"name": "Máret Čuđetsá", "logo_cid": LOGO_CID},
            attachments=[Attachment("logo.png", "image/png", PNG, content_id=LOGO_CID)],
        ),
    ]

    assert await mail_delivery.deliver_due("dev", settings=dev) == 2

    stored = await rows(ids)
    files = sorted((tmp_path / "var" / "mail").iterdir())
    assert sorted(path.name for path in files) == sorted(f"{row['uid']}.eml" for row in stored)
    for row in stored:
        assert row["status"] == OutboxStatus.sent
        message = message_from_bytes(
            (tmp_path / "var" / "mail" / f"{row['uid']}.eml").read_bytes(), policy=policy.default
        )
        assert message["Subject"] == row["subject"]
        assert message["Message-ID"] == row["message_id"]
        assert message["To"].addresses[0].addr_spec == row["to_address"]
        assert text_part(message) == row["text_body"]
    assert {row["subject"] for row in stored} >= {"Hållbarhetsdagarna 2027 – Máret Čuđetsá"}


# --- 8. a sender that died holding a claim -------------------------------------------------------


async def test_a_stale_claim_is_taken_over_by_another_sender(smtp_server):
    stale, fresh = await enqueue_many(2)
    now = utcnow()
    for row_id, claimed_at in ((stale, now - timedelta(minutes=16)), (fresh, now - timedelta(minutes=1))):
        await OutboxMessage.update(
            {
                OutboxMessage.status: OutboxStatus.sending,
                OutboxMessage.claimed_by: "dead-worker",
                OutboxMessage.claimed_at: claimed_at,
                OutboxMessage.attempts: 1,
            }
        ).where(OutboxMessage.id == row_id)

    assert await mail_delivery.deliver_due("w2", settings=smtp_server.settings) == 1

    stale_row, fresh_row = await rows([stale, fresh])
    assert (stale_row["status"], stale_row["claimed_by"], stale_row["attempts"]) == (OutboxStatus.sent, "w2", 2)
    assert [message["Message-ID"] for message in smtp_server.collector.messages] == [stale_row["message_id"]]
    # A claim younger than 15 minutes belongs to a sender that may still be working on it.
    assert (fresh_row["status"], fresh_row["claimed_by"]) == (OutboxStatus.sending, "dead-worker")


async def test_a_sender_that_lost_its_claim_does_not_send_that_message(smtp_server, monkeypatch):
    """A stalled sender whose claim was taken over skips the message instead of sending it twice."""
    first, second = await enqueue_many(2)
    real_claim = outbox.claim_batch

    async def claim_then_lose_the_second(worker_id, limit=50):
        batch = await real_claim(worker_id, limit)
        # Meanwhile another sender took the second message over (as after a stale claim).
        await OutboxMessage.update({OutboxMessage.claimed_by: "other-worker"}).where(OutboxMessage.id == second)
        return batch

    monkeypatch.setattr(outbox, "claim_batch", claim_then_lose_the_second)
    assert await mail_delivery.deliver_due("stalled", settings=smtp_server.settings, batch_size=10) == 1
    first_row, second_row = await rows([first, second])
    assert first_row["status"] == OutboxStatus.sent
    assert (second_row["status"], second_row["claimed_by"]) == (OutboxStatus.sending, "other-worker")
    assert [m["Message-ID"] for m in smtp_server.collector.messages] == [first_row["message_id"]]


async def test_a_message_that_cannot_be_built_fails_and_the_batch_goes_on(smtp_server):
    broken, fine = await enqueue_many(2)
    await OutboxAttachment.insert(OutboxAttachment(message=broken, filename="x", content_type="nonsense", content=b"x"))
    assert await mail_delivery.deliver_due("w1", settings=smtp_server.settings) == 1
    broken_row, fine_row = await rows([broken, fine])
    assert broken_row["status"] == OutboxStatus.failed and "cannot build message" in broken_row["last_error"]
    assert fine_row["status"] == OutboxStatus.sent


async def test_secret_links_are_hidden_from_admins_and_wiped_once_sent(smtp_server, client, staff_accounts):
    from events_app.domain import people
    from events_app.domain.audit import Actor
    from events_app.domain.people import MemberInput, create_member
    from tests.conftest import sign_in

    await create_member(
        MemberInput(name="Åsa Öberg", email="asa@sundsvall.se", organisation="sundsvall", side="majority"),
        Actor.system("test"),
    )
    await people.request_sign_in_link("asa@sundsvall.se", ip="10.1.1.1", language="sv")
    row = await OutboxMessage.select().where(OutboxMessage.to_address == "asa@sundsvall.se").first()
    token = re.search(r"/login/link/([A-Za-z0-9_-]+)", row["text_body"]).group(1)

    await sign_in(client, "admin@test.se")
    page = await client.get(f"/admin/outbox/{row['uid']}")
    html_part = await client.get(f"/admin/outbox/{row['uid']}/html")
    assert page.status_code == html_part.status_code == 200
    assert token not in page.text and token not in html_part.text
    assert "/login/link/…" in page.text

    await mail_delivery.deliver_due("w1", settings=smtp_server.settings)
    [delivered] = smtp_server.collector.messages
    assert token in text_part(delivered)  # the recipient gets the working link
    stored = await OutboxMessage.select().where(OutboxMessage.id == row["id"]).first()
    assert token not in stored["text_body"] and token not in stored["html_body"]
