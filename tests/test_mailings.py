"""Follow-up mailings: each audience picks the right people, a mailing goes out once whatever happens
(a second send, two at once), it reaches its people through a real SMTP server with a personal link
that works, and an empty audience cannot be sent."""

from __future__ import annotations

import asyncio
import re

import pytest

from events_app.domain import mailing_mail, mailings
from events_app.domain.errors import DomainError, ValidationFailed
from events_app.domain.mailings import MailingInput
from events_app.domain.tables import (
    AuditEntry,
    Invitation,
    Mailing,
    MailingRecipient,
    OutboxMessage,
)
from tests.account_helpers import text_of, tr
from tests.certificate_helpers import (
    BY_HAND,
    check_in,
    days_of,
    finished_event,
    participant,
)
from tests.conftest import sign_in
from tests.invitation_helpers import invite
from tests.registration_helpers import SYSTEM, deliver, form, parts, registered

LINK = re.compile(r"http://testserver(/registration/[A-Za-z0-9_-]+)#material")


def draft(audience: str = "attended", **fields) -> MailingInput:
    fields.setdefault("subject_sv", "Tack för i dag")
    fields.setdefault("body_sv", "Hej!\n\nHär är materialet & presentationerna.\nVälkommen åter.")
    return MailingInput(audience=audience, **fields)


async def earlier_mail_delivered(smtp_server) -> None:
    """The registration mails of the fixture go out first, so that only the mailing's mails remain."""
    await deliver(smtp_server.settings)
    smtp_server.collector.messages.clear()


async def new_mailing(event: dict, audience: str = "attended", **fields) -> dict:
    return await mailings.create_draft(event["slug"], draft(audience, **fields), SYSTEM)


async def audience(event: dict, audience: str = "attended", **fields) -> set[str]:
    mailing = await mailings.get_mailing(event["slug"], str((await new_mailing(event, audience, **fields))["uid"]))
    return {r.email for r in await mailings.audience_of(mailing)}


@pytest.fixture
async def event():
    """Last week's event: Anna and Bo came (Bo in Workshop A), Cilla had a place and did not come,
    Dan was only on the waiting list for nothing: cancelled."""
    event = await finished_event()
    anna = await participant(event, "Anna Andersson", "anna@example.se")
    bo = await registered(
        event["slug"],
        form("bo@example.se", name="Bo Berg", language="en", sessions=[str(event["sessions"]["Workshop A"]["uid"])]),
        BY_HAND,
    )
    await participant(event, "Cilla Ceder", "cilla@example.se")
    await check_in(event, anna, days_of(event)[0])
    await check_in(event, bo, days_of(event)[1])
    event["people"] = {"anna": anna, "bo": bo}
    return event


async def test_a_mailing_to_those_who_attended_reaches_exactly_them_with_a_working_personal_link(
    event, smtp_server, client
):
    await earlier_mail_delivered(smtp_server)
    mailing = await new_mailing(
        event,
        "attended",
        survey_url="https://enkat.example.se/q?id=1",
        subject_en="Thank you",
        body_en="Hello!\n\nHere is the material.",
    )
    assert await mailings.send(event["slug"], str(mailing["uid"]), SYSTEM) == 2
    await deliver(smtp_server.settings)

    mails = {m["To"].addresses[0].addr_spec: m for m in smtp_server.collector.messages}
    assert set(mails) == {"anna@example.se", "bo@example.se"}
    anna, bo = parts(mails["anna@example.se"]), parts(mails["bo@example.se"])
    anna["text"], bo["text"] = anna["text"].replace("\r\n", "\n"), bo["text"].replace("\r\n", "\n")
    assert mails["anna@example.se"]["Subject"] == "Tack för i dag"
    assert "Här är materialet & presentationerna.\nVälkommen åter." in anna["text"]
    assert "<p>Här är materialet &amp; presentationerna.<br>Välkommen åter.</p>" in anna["html"]
    assert "https://enkat.example.se/q?id=1" in anna["text"]
    # Bo chose English and the mailing has an English version.
    assert mails["bo@example.se"]["Subject"] == "Thank you" and "Here is the material." in bo["text"]
    for address, found in (("anna@example.se", anna), ("bo@example.se", bo)):
        [path] = LINK.findall(found["text"])
        assert path == f"/registration/{event['people'][address.split('@')[0]]['manage_token']}"
        assert (await client.get(path)).status_code == 200

    mailing = await mailings.get_mailing(event["slug"], str(mailing["uid"]))
    progress = await mailings.progress(mailing)
    assert (progress["sent"], progress["total"], mailing["status"]) == (2, 2, "sent")
    assert {r["email"]: r["state"] for r in await mailings.recipients(mailing)} == {
        "anna@example.se": "sent",
        "bo@example.se": "sent",
    }
    assert await AuditEntry.count().where(AuditEntry.action == "mailing.sent") == 1


async def test_a_second_send_sends_nothing(event, smtp_server):
    await earlier_mail_delivered(smtp_server)
    mailing = await new_mailing(event)
    await mailings.send(event["slug"], str(mailing["uid"]), SYSTEM)
    with pytest.raises(DomainError) as again:
        await mailings.send(event["slug"], str(mailing["uid"]), SYSTEM)
    assert again.value.code == "already_sent"
    await deliver(smtp_server.settings)
    assert len(smtp_server.collector.messages) == 2
    assert await OutboxMessage.count().where(OutboxMessage.kind == "mailing") == 2
    with pytest.raises(DomainError):  # and it cannot be changed any more either
        await mailings.update_draft(event["slug"], str(mailing["uid"]), draft("registered"), SYSTEM)


async def test_two_sends_at_once_queue_each_recipient_once(event):
    mailing = await new_mailing(event, "registered")
    results = await asyncio.gather(
        *[mailings.send(event["slug"], str(mailing["uid"]), SYSTEM) for _ in range(4)], return_exceptions=True
    )
    assert sorted(str(r) if isinstance(r, int) else r.code for r in results) == [
        "3",
        "already_sent",
        "already_sent",
        "already_sent",
    ]
    assert await OutboxMessage.count().where(OutboxMessage.kind == "mailing") == 3
    assert await MailingRecipient.count() == 3


async def test_each_audience_picks_the_right_people(event):
    assert await audience(event, "registered") == {"anna@example.se", "bo@example.se", "cilla@example.se"}
    assert await audience(event, "attended") == {"anna@example.se", "bo@example.se"}
    assert await audience(event, "not_attended") == {"cilla@example.se"}
    workshop_a = str(event["sessions"]["Workshop A"]["uid"])
    assert await audience(event, "session", session=workshop_a) == {"bo@example.se"}
    assert await audience(event, "session", session=str(event["sessions"]["Workshop B"]["uid"])) == set()
    await invite(event["slug"], "nej@example.se", "kanske@example.se")
    await Invitation.update({Invitation.status: "declined"}).where(Invitation.email == "nej@example.se")
    assert await audience(event, "declined") == {"nej@example.se"}


async def test_a_walk_in_without_an_address_is_left_out(event):
    await participant(event, "Gustav Ek", "walkin-1@no-address.invalid", send_mail=False)
    assert "walkin-1@no-address.invalid" not in await audience(event, "registered")


async def test_an_empty_audience_cannot_be_sent_and_stays_a_draft(event):
    mailing = await new_mailing(event, "session", session=str(event["sessions"]["Workshop C"]["uid"]))
    with pytest.raises(DomainError) as refused:
        await mailings.send(event["slug"], str(mailing["uid"]), SYSTEM)
    assert refused.value.code == "empty_audience"
    row = await Mailing.select().where(Mailing.id == mailing["id"]).first()
    assert (row["status"], row["sent_at"]) == ("draft", None)
    assert await OutboxMessage.count().where(OutboxMessage.kind == "mailing") == 0


async def test_a_declined_invitee_gets_the_event_page_in_their_language(event, smtp_server):
    await invite(event["slug"], "guest@example.org", language="en")
    await Invitation.update({Invitation.status: "declined"}).where(Invitation.email == "guest@example.org")
    await earlier_mail_delivered(smtp_server)
    mailing = await new_mailing(event, "declined")  # no English version: the Swedish one
    preview = await mailings.preview(event["slug"], str(mailing["uid"]))
    assert preview["recipient"].email == "guest@example.org" and preview["language"] == "sv"
    await mailings.send(event["slug"], str(mailing["uid"]), SYSTEM)
    await deliver(smtp_server.settings)
    [message] = smtp_server.collector.messages
    assert f"http://testserver/events/{event['slug']}" in parts(message)["text"]
    assert "/registration/" not in parts(message)["text"]


async def test_the_preview_shows_one_recipient_in_their_language(event):
    mailing = await new_mailing(event, "attended", subject_en="Thank you", body_en="Hello <b>all</b>")
    first = await mailings.preview(event["slug"], str(mailing["uid"]))
    assert first["recipient"].email == "anna@example.se" and first["subject"] == "Tack för i dag"
    bo = await mailings.preview(event["slug"], str(mailing["uid"]), "bo@example.se")
    assert bo["subject"] == "Thank you" and "Hello &lt;b&gt;all&lt;/b&gt;" in bo["html"]
    assert len(bo["audience"]) == 2
    # The preview shows where the personal link goes, never the live private link itself (opening it
    # would let the organiser act as Bo, recorded as Bo); nothing was queued.
    for shown in (bo["text"], bo["html"], first["text"], first["html"]):
        assert all(person["manage_token"] not in shown for person in event["people"].values())
        assert f"/registration/{mailing_mail.PREVIEW_TOKEN}#material" in shown
    assert await OutboxMessage.count().where(OutboxMessage.kind == "mailing") == 0


async def test_a_draft_is_checked_field_by_field(event):
    with pytest.raises(ValidationFailed) as failure:
        await mailings.create_draft(
            event["slug"],
            MailingInput(
                subject_sv="",
                body_sv=" ",
                subject_en="Only a subject",
                audience="session",
                session="nonsense",
                survey_url="javascript:alert(1)",
            ),
            SYSTEM,
        )
    assert set(failure.value.errors) == {"subject_sv", "body_sv", "body_en", "session", "survey_url"}
    with pytest.raises(ValidationFailed) as failure:
        await mailings.create_draft(event["slug"], draft("everyone", body_en="Text only"), SYSTEM)
    assert set(failure.value.errors) == {"audience", "subject_en"}
    assert await Mailing.count() == 0


async def test_a_mail_whose_registration_is_gone_is_not_sent(event, smtp_server):
    from events_app.domain.tables import Registration

    await earlier_mail_delivered(smtp_server)
    mailing = await new_mailing(event, "attended")
    await mailings.send(event["slug"], str(mailing["uid"]), SYSTEM)
    await Registration.delete().where(Registration.email == "anna@example.se")
    await deliver(smtp_server.settings)
    assert [m["To"].addresses[0].addr_spec for m in smtp_server.collector.messages] == ["bo@example.se"]
    mailing = await mailings.get_mailing(event["slug"], str(mailing["uid"]))
    states = {r["email"]: r["state"] for r in await mailings.recipients(mailing)}
    assert states == {"anna@example.se": "skipped", "bo@example.se": "sent"}


# --- Declining further mailings (List-Unsubscribe) -----------------------------------------------


async def test_a_mailing_is_bulk_mail_with_a_one_click_way_to_decline_the_events_mailings(
    event, smtp_server, client, staff_accounts
):
    await earlier_mail_delivered(smtp_server)
    mailing = await new_mailing(event, "attended")
    await mailings.send(event["slug"], str(mailing["uid"]), SYSTEM)
    await deliver(smtp_server.settings)
    by_address = {m["To"].addresses[0].addr_spec: m for m in smtp_server.collector.messages}
    anna = by_address["anna@example.se"]
    assert anna["List-Id"] == f"Hållbarhetsdagarna <{event['slug']}.mailings.localhost>"
    assert anna["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = re.fullmatch(r"<http://testserver(/mailings/decline/[^>]+)>", anna["List-Unsubscribe"]).group(1)
    assert f"http://testserver{link}" in parts(anna)["text"]  # the same link, readable in the mail
    assert anna["List-Unsubscribe"] != by_address["bo@example.se"]["List-Unsubscribe"]  # each their own

    # Opening the link (as a mail scanner does) changes nothing; the page asks.
    page = await client.get(link)
    assert page.status_code == 200 and "<button" in page.text
    # The mail program's one-click POST (RFC 8058): no cookie, no CSRF token.
    one_click = await client.post(
        link, content=b"List-Unsubscribe=One-Click", headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert one_click.status_code == 200
    assert (await client.post(link)).status_code == 200  # a second click changes nothing more
    forged = await client.post(link[:-3] + "abc")
    assert forged.status_code == 404

    second = await new_mailing(event, "attended", subject_sv="Ett till utskick")
    second = await mailings.get_mailing(event["slug"], str(second["uid"]))
    assert {r.email for r in await mailings.audience_of(second)} == {"bo@example.se"}  # Anna is left out
    await sign_in(client, "organiser@test.se")
    shown = await client.get(f"/organiser/events/{event['slug']}/mailings/{mailing['uid']}")
    assert "Anna Andersson (anna@example.se)" in shown.text
    assert tr("sv", "Has since declined further mailings") in text_of(shown)
    assert await AuditEntry.count().where(AuditEntry.action == "mailing.declined") == 1


async def test_the_preview_has_no_working_link_to_decline(event):
    mailing = await new_mailing(event, "attended")
    preview = await mailings.preview(event["slug"], str(mailing["uid"]))
    assert f"/mailings/decline/{mailing_mail.PREVIEW_TOKEN}" in preview["text"]
