"""Invitations: the invite list, sending through a real SMTP server, answering, reserved places,
revoked and expired links, and reminders never twice within the interval. Runs on both databases."""

from __future__ import annotations

import asyncio
import contextlib
import io
import re
import tracemalloc
import zipfile
from datetime import timedelta

import pytest
from openpyxl import Workbook

from events_app.domain import events, invitation_links, invitations, registrations, retention, uploaded_tables
from events_app.domain.errors import DomainError, ValidationFailed
from events_app.domain.invitations import InviteeInput
from events_app.domain.registrations import Registrant
from events_app.domain.tables import (
    Invitation,
    InvitationLink,
    OutboxMessage,
    Registration,
)
from events_app.domain.transactions import utcnow
from tests.account_helpers import database_snapshot
from tests.invitation_helpers import (
    GOOD_AND_BAD,
    invite,
    pass_the_deadline,
    rows_by_email,
)
from tests.registration_helpers import SYSTEM, deliver, form, parts, published_event

STRANGER = Registrant(ip="198.51.100.9")
LINK = re.compile(r"/invitation/([A-Za-z0-9_-]{20,})")


async def sent_links(smtp_server) -> dict[str, str]:
    """Deliver the queued mail and return each invitation's recipient with the link's secret
    (other mail, such as registration confirmations, is passed over)."""
    await deliver(smtp_server.settings)
    links = {}
    for message in smtp_server.collector.messages:
        found = LINK.findall(parts(message)["text"])
        if found:
            links[message["To"].addresses[0].addr_spec] = found[0]
    smtp_server.collector.messages.clear()
    return links


# --- The list ---------------------------------------------------------------------------------


async def test_an_import_reports_each_bad_row_and_imports_nothing_until_told():
    event = await published_event(audience="invitation")
    raw = GOOD_AND_BAD.encode()

    report = await invitations.check_import(event["slug"], raw)

    assert [row.line for row in report.good_rows] == [2, 5]
    errors = {row.line: set(row.errors) for row in report.bad_rows}
    assert errors == {3: {"name"}, 4: {"email"}, 6: {"email"}}
    with pytest.raises(DomainError) as refused:
        await invitations.import_invitees(event["slug"], raw, SYSTEM)
    assert refused.value.code == "import_has_errors"
    assert await Invitation.count() == 0

    assert await invitations.import_invitees(event["slug"], raw, SYSTEM, only_good_rows=True) == 2
    rows = await rows_by_email(event["slug"])
    assert set(rows) == {"karin@energibolaget.se", "lina@forskning.se"}
    assert rows["karin@energibolaget.se"]["organisation_text"] == "Energibolaget AB"
    assert rows["karin@energibolaget.se"]["note"] == "Vi hoppas du vill tala om vätgas."
    assert rows["lina@forskning.se"]["organisation"] is not None  # "Sundsvalls kommun" is a seed organisation
    assert {row["state"] for row in rows.values()} == {"not_sent"}
    # Importing the same file again finds everyone already invited.
    again = await invitations.check_import(event["slug"], raw)
    assert not again.good_rows


async def test_an_xlsx_list_is_read_like_a_csv():
    event = await published_event(audience="invitation")
    book = Workbook()
    sheet = book.active
    sheet.append(["Name", "Email", "Organisation", "Language"])
    sheet.append(["Karin Berg", "karin@energibolaget.se", "Energibolaget AB", "en"])
    sheet.append([None, None, None, None])
    sheet.append(["Olle Ny", "olle@example.se", None, None])
    buffer = io.BytesIO()
    book.save(buffer)

    assert await invitations.import_invitees(event["slug"], buffer.getvalue(), SYSTEM) == 2
    rows = await rows_by_email(event["slug"])
    assert rows["karin@energibolaget.se"]["language"] == "en"
    assert rows["olle@example.se"]["language"] == "sv"


async def test_a_list_without_the_needed_columns_is_refused_whole():
    event = await published_event(audience="invitation")
    report = await invitations.check_import(event["slug"], b"namn;telefon\nKarin;070\n")
    assert report.missing_columns == ["email"]
    with pytest.raises(DomainError):
        await invitations.import_invitees(event["slug"], b"namn;telefon\nKarin;070\n", SYSTEM, only_good_rows=True)
    assert await Invitation.count() == 0


async def test_one_address_is_invited_once_and_bad_input_changes_nothing():
    event = await published_event(audience="invitation")
    await invite(event["slug"], "karin@energibolaget.se")
    before = await database_snapshot()
    for data, field in (
        (InviteeInput(name="Karin", email="KARIN@energibolaget.se"), "email"),
        (InviteeInput(name="", email="ny@example.se"), "name"),
        (InviteeInput(name="Ny", email="ny@"), "email"),
        (InviteeInput(name="Ny", email="ny@example.se", note="x" * 2001), "note"),
    ):
        with pytest.raises(ValidationFailed) as failure:
            await invitations.add_invitee(event["slug"], data, SYSTEM)
        assert field in failure.value.errors
    assert await database_snapshot() == before


# --- Sending and answering --------------------------------------------------------------------


async def test_a_batch_is_delivered_each_with_its_own_link_and_only_hashes_are_stored(smtp_server):
    event = await published_event(audience="invitation")
    people = [f"gast{n}@example.se" for n in range(12)]
    await invite(event["slug"], *people)

    assert await invitations.send_invitations(event["slug"], "Välkommen till årets dagar!", SYSTEM) == 12
    assert {row["state"] for row in (await rows_by_email(event["slug"])).values()} == {"queued"}
    links = await sent_links(smtp_server)

    assert set(links) == set(people) and len(set(links.values())) == 12
    stored = {row["token_hash"] for row in await InvitationLink.select(InvitationLink.token_hash)}
    assert stored == {invitation_links.token_hash(token) for token in links.values()}
    everything = str(await OutboxMessage.select()) + str(await Invitation.select()) + str(await InvitationLink.select())
    assert not any(token in everything for token in links.values()), "a working link is readable in the database"
    assert {row["state"] for row in (await rows_by_email(event["slug"])).values()} == {"sent"}
    # Sending again mails nobody twice.
    assert await invitations.send_invitations(event["slug"], "", SYSTEM) == 0


async def test_the_mail_has_the_message_the_note_the_facts_and_the_programme(smtp_server):
    event = await published_event(audience="invitation")
    await invitations.add_invitee(
        event["slug"],
        InviteeInput(
            name="Karin Berg",
            email="karin@energibolaget.se",
            note="Vi vill gärna höra om vätgas & <el>.",
            language="en",
        ),
        SYSTEM,
    )
    await invitations.send_invitations(event["slug"], "Hjärtligt välkommen!", SYSTEM)
    await deliver(smtp_server.settings)
    [message] = smtp_server.collector.messages
    body = parts(message)
    assert message["Subject"] == "Invitation: Hållbarhetsdagarna"
    for text in (
        "Hello Karin Berg",
        "Hjärtligt välkommen!",
        "Vi vill gärna höra om vätgas & <el>.",
        "Folkets hus",
        "Workshop A: Klimat",
        "Please answer by",
    ):
        assert text in body["text"], text
    assert "vätgas &amp; &lt;el&gt;" in body["html"]


async def test_two_organisers_sending_at_once_send_each_invitation_once():
    event = await published_event(audience="invitation")
    await invite(event["slug"], *[f"g{n}@example.se" for n in range(20)])
    counts = await asyncio.gather(*[invitations.send_invitations(event["slug"], "", SYSTEM) for _ in range(4)])
    assert sum(counts) == 20
    assert await OutboxMessage.count().where(OutboxMessage.kind == "invitation") == 20


async def test_accepting_registers_the_invitee_even_when_the_event_is_full(smtp_server):
    event = await published_event(audience="invitation", capacity=1)
    await invite(event["slug"], "forst@example.se")
    await invite(event["slug"], "karin@energibolaget.se", "olle@example.se", reserved_place=True)
    await invite(event["slug"], "sist@example.se")
    await invitations.send_invitations(event["slug"], "", SYSTEM)
    links = await sent_links(smtp_server)

    first = await registrations.register(
        event["slug"], form("forst@example.se", invitation_token=links["forst@example.se"]), STRANGER
    )
    karin = await registrations.register(
        event["slug"], form("karin@energibolaget.se", invitation_token=links["karin@energibolaget.se"]), STRANGER
    )
    last = await registrations.register(
        event["slug"], form("sist@example.se", invitation_token=links["sist@example.se"]), STRANGER
    )

    assert [first.registration["status"], karin.registration["status"], last.registration["status"]] == [
        "confirmed",
        "confirmed",
        "waitlisted",
    ]
    rows = await rows_by_email(event["slug"])
    assert rows["karin@energibolaget.se"]["state"] == "accepted"
    assert rows["karin@energibolaget.se"]["registration"]["status"] == "confirmed"
    assert rows["olle@example.se"]["state"] == "sent"
    # The reserved place is on top of the public one: when Karin cancels, nobody is promoted.
    await registrations.cancel_registration(str(karin.registration["uid"]), SYSTEM)
    assert (await Registration.select(Registration.status).where(Registration.email == "sist@example.se").first())[
        "status"
    ] == "waitlisted"


async def test_a_link_cannot_register_another_person(smtp_server):
    event = await published_event(audience="invitation")
    await invite(event["slug"], "karin@energibolaget.se")
    await invitations.send_invitations(event["slug"], "", SYSTEM)
    links = await sent_links(smtp_server)
    with pytest.raises(ValidationFailed) as failure:
        await registrations.register(
            event["slug"], form("someone.else@example.se", invitation_token=links["karin@energibolaget.se"]), STRANGER
        )
    assert "email" in failure.value.errors
    assert await Registration.count() == 0


async def test_declining_with_a_reason_reaches_the_organiser_and_cancels_a_registration(smtp_server):
    event = await published_event(audience="invitation", capacity=1)
    await invite(event["slug"], "karin@energibolaget.se", "olle@example.se")
    await invitations.send_invitations(event["slug"], "", SYSTEM)
    links = await sent_links(smtp_server)
    await registrations.register(
        event["slug"], form("karin@energibolaget.se", invitation_token=links["karin@energibolaget.se"]), STRANGER
    )
    await registrations.register(
        event["slug"], form("olle@example.se", invitation_token=links["olle@example.se"]), STRANGER
    )

    answered = await invitations.decline(links["karin@energibolaget.se"], "Krockar med styrelsemöte.")

    assert answered["status"] == "declined" and answered["registration"] is None
    row = (await rows_by_email(event["slug"]))["karin@energibolaget.se"]
    assert row["state"] == "declined" and row["decline_reason"] == "Krockar med styrelsemöte."
    # Karin's place went to Olle, who was waiting.
    assert (await Registration.select(Registration.status).where(Registration.email == "olle@example.se").first())[
        "status"
    ] == "confirmed"
    # The link still works until the deadline: Karin can change her mind.
    again = await registrations.register(
        event["slug"], form("karin@energibolaget.se", invitation_token=links["karin@energibolaget.se"]), STRANGER
    )
    assert again.registration["status"] == "waitlisted"
    assert (await rows_by_email(event["slug"]))["karin@energibolaget.se"]["state"] == "accepted"


async def test_revoked_and_expired_links_are_refused_and_change_nothing(smtp_server):
    event = await published_event(audience="invitation")
    await invite(event["slug"], "karin@energibolaget.se", "olle@example.se")
    await invitations.send_invitations(event["slug"], "", SYSTEM)
    links = await sent_links(smtp_server)
    rows = await rows_by_email(event["slug"])
    await invitations.revoke(event["slug"], str(rows["karin@energibolaget.se"]["uid"]), SYSTEM)
    await pass_the_deadline(event)
    await Invitation.update({Invitation.opened_at: None}).where(Invitation.id > 0)
    before = await database_snapshot()

    for email, code in (("karin@energibolaget.se", "invitation_revoked"), ("olle@example.se", "invitation_expired")):
        with pytest.raises(invitation_links.InvitationUnusable) as refused:
            await invitations.open_invitation(links[email])
        assert refused.value.code == code
        with pytest.raises(DomainError) as refused:
            await invitations.decline(links[email], "nej")
        assert refused.value.code == code
        with pytest.raises(DomainError) as refused:
            await registrations.register(event["slug"], form(email, invitation_token=links[email]), STRANGER)
        assert refused.value.code == code
    with pytest.raises(invitation_links.InvitationUnusable) as refused:
        await invitations.open_invitation(links["olle@example.se"][:-1])
    assert refused.value.code == "invitation_unknown"
    assert await database_snapshot() == {
        **before,
        "rate_limit_counter": (await database_snapshot())["rate_limit_counter"],
    }
    states = {email: row["state"] for email, row in (await rows_by_email(event["slug"])).items()}
    assert states == {"karin@energibolaget.se": "revoked", "olle@example.se": "expired"}


async def test_reminders_go_only_to_those_who_have_not_answered_and_never_twice_in_the_interval(smtp_server, settings):
    assert settings.invitation_reminder_interval_days == 3
    event = await published_event(audience="invitation")
    people = ["svarar.ja@example.se", "svarar.nej@example.se", "tyst@example.se", "oppnat@example.se"]
    await invite(event["slug"], *people)
    await invitations.send_invitations(event["slug"], "", SYSTEM)
    links = await sent_links(smtp_server)
    await invite(event["slug"], "aldrig.skickad@example.se")  # on the list, never sent: not reminded either
    await registrations.register(
        event["slug"], form("svarar.ja@example.se", invitation_token=links["svarar.ja@example.se"]), STRANGER
    )
    await invitations.decline(links["svarar.nej@example.se"], "")
    await invitations.open_invitation(links["oppnat@example.se"])

    # Too soon: the invitations went out just now.
    assert await invitations.send_reminders(event["slug"], SYSTEM) == 0
    later = utcnow() + timedelta(days=3, minutes=1)
    reminded = await asyncio.gather(*[invitations.send_reminders(event["slug"], SYSTEM, now=later) for _ in range(3)])
    assert sum(reminded) == 2
    reminder_links = await sent_links(smtp_server)
    assert set(reminder_links) == {"tyst@example.se", "oppnat@example.se"}
    # A day later: still within the interval since the reminder.
    assert await invitations.send_reminders(event["slug"], SYSTEM, now=later + timedelta(days=1)) == 0
    # Both the invitation's link and the reminder's work.
    for token in (links["tyst@example.se"], reminder_links["tyst@example.se"]):
        assert (await invitations.open_invitation(token))["email"] == "tyst@example.se"


async def test_members_are_invited_the_same_way(smtp_server):
    from tests.account_helpers import add_member

    event = await published_event(audience="invitation")
    anna = await add_member(email="anna.lindqvist@example.se")
    assert await invitations.invite_members(event["slug"], [str(anna)], SYSTEM) == 1
    assert await invitations.invite_members(event["slug"], [str(anna)], SYSTEM) == 0
    await invitations.send_invitations(event["slug"], "", SYSTEM)
    links = await sent_links(smtp_server)
    assert set(links) == {"anna.lindqvist@example.se"}


async def test_no_stored_copy_of_a_mail_holds_a_working_link_and_a_retry_sends_the_same_link(smtp_server):
    from events_app.domain import outbox

    event = await published_event(audience="invitation")
    await invite(event["slug"], "karin@energibolaget.se")
    await invitations.send_invitations(event["slug"], "", SYSTEM)
    # Rendered for a first attempt (say the SMTP server then failed): the stored copy hides the link.
    [claimed] = await outbox.claim_batch("test-sender")
    first_attempt = await outbox.render_queued(claimed)
    [link] = LINK.findall(first_attempt["text_body"])
    [stored] = await OutboxMessage.select(
        OutboxMessage.text_body, OutboxMessage.html_body, OutboxMessage.build_args
    ).output(load_json=True)
    assert link not in str(stored) and "/invitation/…" in stored["text_body"]
    await OutboxMessage.update({OutboxMessage.status: "pending", OutboxMessage.claimed_by: ""}).where(
        OutboxMessage.id == claimed["id"]
    )
    # The retry is delivered with the same, working link.
    assert await sent_links(smtp_server) == {"karin@energibolaget.se": link}
    assert (await invitations.open_invitation(link))["email"] == "karin@energibolaget.se"
    [sent] = await OutboxMessage.select(OutboxMessage.text_body).output(load_json=True)
    assert link not in sent["text_body"]
    await retention.purge_expired()
    assert await InvitationLink.count() == 1


async def test_a_cancelled_event_makes_its_links_say_so(smtp_server):
    event = await published_event(audience="invitation")
    await invite(event["slug"], "karin@energibolaget.se")
    await invitations.send_invitations(event["slug"], "", SYSTEM)
    links = await sent_links(smtp_server)
    await events.cancel_event(event["slug"], SYSTEM, "Inställt")
    with pytest.raises(invitation_links.InvitationUnusable) as refused:
        await invitations.open_invitation(links["karin@energibolaget.se"])
    assert refused.value.code == "invitation_event_cancelled"
    with pytest.raises(DomainError):
        await invitations.send_invitations(event["slug"], "", SYSTEM)


async def test_a_draft_sends_no_invitations_and_a_cancelled_registration_counts_as_declined(smtp_server):
    draft = await published_event(audience="invitation", publish=False)
    await invite(draft["slug"], "karin@energibolaget.se")
    with pytest.raises(DomainError) as refused:
        await invitations.send_invitations(draft["slug"], "", SYSTEM)
    assert refused.value.code == "invalid_status"
    assert await OutboxMessage.count() == 0

    event = await published_event(audience="invitation", title="Inbjudna")
    await invite(event["slug"], "karin@energibolaget.se")
    await invitations.send_invitations(event["slug"], "", SYSTEM)
    links = await sent_links(smtp_server)
    result = await registrations.register(
        event["slug"], form("karin@energibolaget.se", invitation_token=links["karin@energibolaget.se"]), STRANGER
    )
    await registrations.cancel_registration(str(result.registration["uid"]), SYSTEM)
    assert (await rows_by_email(event["slug"]))["karin@energibolaget.se"]["state"] == "declined"


async def test_a_spreadsheet_claiming_a_million_rows_is_refused_at_once():
    event = await published_event(audience="invitation")
    book = Workbook()
    book.active.append(["name", "email"])
    book.active.append(["Karin Berg", "karin@energibolaget.se"])
    book.active["XFD1048576"] = "x"  # a 5 kB file whose sheet claims 1,048,576 rows of 16,384 columns
    buffer = io.BytesIO()
    book.save(buffer)
    with pytest.raises(DomainError) as refused:
        await invitations.check_import(event["slug"], buffer.getvalue())
    assert refused.value.field == "file"
    assert await Invitation.count() == 0


SHARED_STRINGS = (
    b'<Override PartName="/xl/sharedStrings.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
)
SHARED_STRINGS_RELATION = (
    b'<Relationship Id="rIdStrings" Target="sharedStrings.xml" '
    b'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/>'
)


def _bombed_workbook(*, forge_size: bool = False) -> bytes:
    """A real small workbook with a shared-strings part that unpacks to 60 MB (a few hundred kB
    packed), which a spreadsheet library reads whole when it opens the file; with `forge_size`, the
    zip's headers claim that part unpacks to 1 kB."""
    book = Workbook()
    book.active.append(["name", "email"])
    plain = io.BytesIO()
    book.save(plain)
    strings = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>'
    strings += b"A" * (60 * 1024 * 1024) + b"</t></si></sst>"
    bombed = io.BytesIO()
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(bombed, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            content = source.read(member)
            if member.filename == "[Content_Types].xml":
                content = content.replace(b"</Types>", SHARED_STRINGS + b"</Types>")
            if member.filename == "xl/_rels/workbook.xml.rels":
                content = content.replace(b"</Relationships>", SHARED_STRINGS_RELATION + b"</Relationships>")
            target.writestr(member, content, zipfile.ZIP_DEFLATED)
        target.writestr("xl/sharedStrings.xml", strings, zipfile.ZIP_DEFLATED)
    raw = bytearray(bombed.getvalue())
    if forge_size:
        name = b"xl/sharedStrings.xml"
        for signature, size_at, name_at in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
            at = raw.find(signature)
            while at != -1:
                if raw[at + name_at : at + name_at + len(name)] == name:
                    raw[at + size_at : at + size_at + 4] = (1024).to_bytes(4, "little")
                at = raw.find(signature, at + 4)
    return bytes(raw)


@pytest.mark.parametrize("forge_size", [False, True], ids=["declared", "forged sizes"])
async def test_a_spreadsheet_that_unpacks_to_far_more_than_it_weighs_is_refused_before_it_is_parsed(forge_size):
    event = await published_event(audience="invitation")
    raw = _bombed_workbook(forge_size=forge_size)
    assert len(raw) < uploaded_tables.MAX_FILE_BYTES
    tracemalloc.start()
    try:
        with pytest.raises(DomainError) as refused:
            await invitations.check_import(event["slug"], raw)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert refused.value.field == "file"
    assert refused.value.message == "The file could not be read as a spreadsheet (XLSX)."
    assert peak < 20 * 1024 * 1024, f"{peak / 1e6:.0f} MB held while refusing it"  # never the 60 MB
    assert await Invitation.count() == 0


async def test_an_uploaded_list_loses_control_and_invisible_characters():
    event = await published_event(audience="invitation")
    raw = "namn;e-post\n\u202eKarin\u202c\u0000 Berg\u200b;karin@energibolaget.se\n".encode()
    assert await invitations.import_invitees(event["slug"], raw, SYSTEM) == 1
    assert (await Invitation.select(Invitation.name).first())["name"] == "Karin Berg"


async def test_reading_a_list_has_a_time_limit(monkeypatch):
    event = await published_event(audience="invitation")
    monkeypatch.setattr(uploaded_tables, "READ_SECONDS", 0.000_001)
    with pytest.raises(DomainError) as refused:
        await invitations.check_import(event["slug"], b"name;email\nKarin;karin@example.se\n" * 2000)
    assert refused.value.message == "The file took too long to read. Save it again as CSV and try again."


async def test_a_revoke_racing_an_accept_leaves_one_consistent_outcome(smtp_server):
    event = await published_event(audience="invitation")
    people = [f"gast{n}@example.se" for n in range(6)]
    await invite(event["slug"], *people)
    await invitations.send_invitations(event["slug"], "", SYSTEM)
    links = await sent_links(smtp_server)
    rows = await rows_by_email(event["slug"])

    async def accept(email: str):
        with contextlib.suppress(DomainError):
            await registrations.register(event["slug"], form(email, invitation_token=links[email]), STRANGER)

    async def revoke(email: str):
        with contextlib.suppress(DomainError):
            await invitations.revoke(event["slug"], str(rows[email]["uid"]), SYSTEM)

    await asyncio.gather(*[task for email in people for task in (accept(email), revoke(email))])
    after = await rows_by_email(event["slug"])
    for email in people:
        registered = await Registration.count().where(Registration.email == email)
        # Either the accept came first (registered; the revoke was refused) or the revoke did (nothing).
        assert (after[email]["status"], registered) in (("accepted", 1), ("revoked", 0)), email


async def test_those_registered_without_their_link_count_as_accepted_and_get_no_reminder(smtp_server):
    event = await published_event()  # a public event
    await invite(event["slug"], "karin@energibolaget.se", "olle@example.se")
    await invitations.send_invitations(event["slug"], "", SYSTEM)
    await sent_links(smtp_server)
    await registrations.register(event["slug"], form("karin@energibolaget.se"), STRANGER)  # the public form

    assert (await rows_by_email(event["slug"]))["karin@energibolaget.se"]["state"] == "accepted"
    later = utcnow() + timedelta(days=4)
    assert await invitations.reminder_due_count(await events.get_event(event["slug"]), now=later) == 1
    assert await invitations.send_reminders(event["slug"], SYSTEM, now=later) == 1
    assert set(await sent_links(smtp_server)) == {"olle@example.se"}


async def test_reserving_a_place_seats_an_invitee_already_waiting(smtp_server):
    event = await published_event(audience="invitation", capacity=1)
    await invite(event["slug"], "forst@example.se", "karin@energibolaget.se")
    await invitations.send_invitations(event["slug"], "", SYSTEM)
    links = await sent_links(smtp_server)
    await registrations.register(
        event["slug"], form("forst@example.se", invitation_token=links["forst@example.se"]), STRANGER
    )
    karin = await registrations.register(
        event["slug"], form("karin@energibolaget.se", invitation_token=links["karin@energibolaget.se"]), STRANGER
    )
    assert karin.registration["status"] == "waitlisted"
    await sent_links(smtp_server)  # the registrations' own mails

    rows = await rows_by_email(event["slug"])
    await invitations.set_reserved_place(event["slug"], str(rows["karin@energibolaget.se"]["uid"]), True, SYSTEM)

    seated = (
        await Registration.select(Registration.status, Registration.reserved_place)
        .where(Registration.email == "karin@energibolaget.se")
        .first()
    )
    assert seated == {"status": "confirmed", "reserved_place": True}
    await deliver(smtp_server.settings)
    assert [m["To"].addresses[0].addr_spec for m in smtp_server.collector.messages] == ["karin@energibolaget.se"]


async def test_a_signed_in_member_can_accept_an_invitation_sent_to_another_address(smtp_server):
    from events_app.domain.tables import Person
    from tests.account_helpers import add_member

    event = await published_event(audience="invitation")
    await add_member(email="anna.lindqvist@example.se")
    anna = await Person.select(Person.id).where(Person.email == "anna.lindqvist@example.se").first()
    await invite(event["slug"], "anna.privat@example.se")
    await invitations.send_invitations(event["slug"], "", SYSTEM)
    links = await sent_links(smtp_server)

    result = await registrations.register(
        event["slug"],
        form("anna.privat@example.se", invitation_token=links["anna.privat@example.se"]),
        Registrant(ip="198.51.100.9", person_id=anna["id"]),
    )

    assert result.registration["email"] == "anna.privat@example.se"
    assert result.registration["person"] != anna["id"]
