"""The organisers' invitation pages: the list with its states, adding one person, inviting members,
importing a list (bad rows reported, nothing imported until asked), sending through a real SMTP
server, the progress fragment, reminders, the deadline, revoking and reserving. Check-in staff and
the public may do none of it."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import pytest

from events_app import i18n
from events_app.domain import invitation_links, invitations, registrations
from events_app.domain.registrations import Registrant
from events_app.domain.tables import Event, Invitation, OutboxMessage
from events_app.i18n import STOCKHOLM
from tests.account_helpers import add_member, database_snapshot, location, text_of, tr
from tests.conftest import sign_in
from tests.invitation_helpers import (
    GOOD_AND_BAD,
    invite,
    pass_the_deadline,
    rows_by_email,
)
from tests.registration_helpers import (
    SYSTEM,
    deliver,
    form,
    parts,
    published_event,
    queued,
)

LINK = re.compile(r"http://testserver/invitation/([A-Za-z0-9_-]{20,})")


@pytest.fixture
async def event():
    return await published_event(audience="invitation")


def nsv(singular: str, plural: str, n: int, **params) -> str:
    """The Swedish of a message with a number (`num`) and any other parameters."""
    with i18n.use_language("sv"):
        return i18n.ngettext(singular, plural, n, **params)


def url(event: dict, path: str = "") -> str:
    return f"/organiser/events/{event['slug']}/invitations{path}"


async def followed(client, response) -> str:
    """The page a redirect leads to, as text (with the flash message it shows once)."""
    return text_of(await client.get(location(response)))


def table_row(page: str, name: str) -> list[str]:
    """The text of each cell in the list's row for `name`: name, email, organisation, state, reserved
    place, last mailed, reminders sent, reason for declining, registration (the actions left out)."""
    for row in re.findall(r'<tr id="invitation-.*?</tr>', page, flags=re.DOTALL):
        cells = [
            " ".join(re.sub(r"<[^>]+>", " ", cell).split())
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, flags=re.DOTALL)
        ]
        if cells[0] == name:
            return cells[:9]
    raise AssertionError(f"no row for {name}")


async def mailed_links(smtp_server) -> dict[str, str]:
    """Deliver the queued mail; each recipient with the invitation link in their mail."""
    await deliver(smtp_server.settings)
    links = {}
    for message in smtp_server.collector.messages:
        [token] = LINK.findall(parts(message)["text"])
        links[message["To"].addresses[0].addr_spec] = token
    smtp_server.collector.messages.clear()
    return links


async def upload(client, event: dict, content: bytes | None = None, *, filename: str = "gaster.csv", **fields: str):
    """POST the import form as a browser does: multipart, with the form's CSRF token."""
    await client.get(url(event, "/import"))
    form_parts = [(name, (None, value.encode())) for name, value in {**fields, "_csrf_token": client.last_csrf}.items()]
    if content is not None:
        form_parts.append(("file", (filename, content, "text/csv")))
    return await client.post(url(event, "/import"), files=form_parts)


def hidden(page: str, name: str) -> str:
    match = re.search(rf'<input type="hidden" name="{name}" value="([^"]*)">', page)
    assert match, f"no hidden {name}"
    return match.group(1)


# --- Who may --------------------------------------------------------------------------------------


async def test_check_in_staff_and_the_public_are_refused_everywhere(client, staff_accounts, event):
    [karin] = await invite(event["slug"], "karin@example.se")
    pages = [url(event, path) for path in ("", "/progress", "/new", "/members", "/import")]
    posts = [
        url(event, path)
        for path in (
            "/new",
            "/members",
            "/import",
            "/send",
            "/remind",
            "/deadline",
            f"/{karin['uid']}/revoke",
            f"/{karin['uid']}/reserved",
        )
    ]
    data = {"name": "X", "email": "x@example.se", "members": "x", "message": "", "confirm": "yes", "reserved": "1"}
    before = await database_snapshot()
    for target in pages:
        response = await client.get(target)
        assert urlsplit(location(response)).path == "/login", target
    for target in posts:
        response = await client.submit(target, data, form_page="/")
        assert urlsplit(location(response)).path == "/login", target
    await sign_in(client, "checkin@test.se")
    for target in pages:
        assert (await client.get(target)).status_code == 403, target
    for target in posts:
        assert (await client.submit(target, data, form_page="/staff")).status_code == 403, target
    assert await Invitation.count() == 1 and await OutboxMessage.count() == 0
    after = await database_snapshot()
    assert after["invitation"] == before["invitation"] and after["event"] == before["event"]


async def test_a_post_without_the_csrf_token_is_refused(organiser, event):
    await organiser.get(url(event, "/new"))
    response = await organiser.post(url(event, "/new"), data={"name": "Karin Berg", "email": "karin@example.se"})
    assert response.status_code == 403
    assert await Invitation.count() == 0


async def test_an_unknown_event_or_invitation_is_not_found(organiser, event):
    assert (await organiser.get("/organiser/events/no-such-event/invitations")).status_code == 404
    assert (await organiser.get("/organiser/events/no-such-event/invitations/progress")).status_code == 404
    for uid in ("00000000-0000-0000-0000-000000000000", "nonsense"):
        response = await organiser.submit(url(event, f"/{uid}/revoke"), {"confirm": "yes"}, form_page=url(event))
        assert response.status_code == 404, uid


# --- Adding people --------------------------------------------------------------------------------


async def test_adding_a_person_shows_errors_next_to_the_fields_in_swedish_and_writes_nothing(organiser, event):
    before = await database_snapshot()
    response = await organiser.submit(
        url(event, "/new"), {"name": "Karin Berg", "email": "karin@", "note": "Hej", "language": "en"}
    )
    assert response.status_code == 400
    message = tr("sv", "Enter a valid email address, like name@example.se.")
    assert re.search(rf'<p class="field-error" id="error-email">{re.escape(message)}</p>', text_of(response))
    assert re.search(
        r'<input id="field-email"[^>]*aria-describedby="hint-email error-email"[^>]*aria-invalid="true"', response.text
    )
    assert 'value="Karin Berg"' in response.text  # what was typed is kept
    assert await database_snapshot() == before


async def test_an_organiser_adds_a_person_and_sees_the_organisation_in_the_chosen_language(organiser, event):
    response = await organiser.submit(
        url(event, "/new"),
        {
            "name": "Karin Berg",
            "email": "Karin@Example.se",
            "organisation": "sundsvall",
            "organisation_other": "",
            "note": "Vi hoppas du vill tala.",
            "language": "en",
            "reserved_place": "1",
        },
    )
    page = await followed(organiser, response)
    assert tr("sv", "%(name)s was added to the invite list.", name="Karin Berg") in page
    assert table_row(page, "Karin Berg")[:5] == [
        "Karin Berg",
        "karin@example.se",
        "Sundsvalls kommun",
        tr("sv", "Not sent"),
        tr("sv", "Yes"),
    ]
    row = (await rows_by_email(event["slug"]))["karin@example.se"]
    assert (row["language"], row["reserved_place"], row["note"]) == ("en", True, "Vi hoppas du vill tala.")
    # Free text for an organisation outside the county; the list in English names the county's in English.
    await organiser.submit(
        url(event, "/new"), {"name": "Per Ek", "email": "per@energi.se", "organisation_other": "Energibolaget AB"}
    )
    await organiser.submit("/language", {"language": "en", "next": url(event)}, form_page=url(event))
    page = text_of(await organiser.get(url(event)))
    assert table_row(page, "Karin Berg")[:5] == [
        "Karin Berg",
        "karin@example.se",
        "Sundsvall Municipality",
        "Not sent",
        "Yes",
    ]
    assert table_row(page, "Per Ek")[2] == "Energibolaget AB"
    # The same address twice is refused next to the field.
    again = await organiser.submit(url(event, "/new"), {"name": "Karin", "email": "KARIN@example.se"})
    assert again.status_code == 400
    assert "This address is already invited to the event." in text_of(again)


async def test_members_are_chosen_from_the_active_council_members(organiser, event):
    anna = await add_member("Anna Lindqvist", "anna.lindqvist@example.se")
    per = await add_member("Per Holm", "per.holm@example.se", organisation="harnosand", side="opposition")
    page = await organiser.get(url(event, "/members"))
    assert "Anna Lindqvist, Sundsvalls kommun" in text_of(page) and "Per Holm, Härnösands kommun" in text_of(page)
    nothing = await organiser.submit(url(event, "/members"), {})
    assert nothing.status_code == 400 and tr("sv", "Choose at least one member.") in text_of(nothing)

    response = await organiser.submit(url(event, "/members"), {"members": str(anna)})
    assert nsv(
        "%(num)s member was added to the invite list.", "%(num)s members were added to the invite list.", 1
    ) in await followed(organiser, response)
    assert set(await rows_by_email(event["slug"])) == {"anna.lindqvist@example.se"}
    # Anna is on the list now: her box cannot be ticked again; Per's can.
    page = await organiser.get(url(event, "/members"))
    assert re.search(rf'value="{anna}" disabled', page.text) and not re.search(rf'value="{per}" disabled', page.text)


# --- Importing a list -----------------------------------------------------------------------------


async def test_an_import_with_bad_rows_shows_them_and_imports_only_the_good_rows_when_told(organiser, event):
    report = await upload(organiser, event, GOOD_AND_BAD.encode())

    assert report.status_code == 400
    page = text_of(report)
    bad_rows = {
        int(line): " ".join(re.sub(r"<[^>]+>", " ", cells).split())
        for line, cells in re.findall(r'<tr>\s*<th scope="row">(\d+)</th>(.*?)</tr>', report.text, flags=re.DOTALL)
    }
    assert set(bad_rows) == {3, 4, 6}
    assert tr("sv", "This field is required.") in bad_rows[3] and "utan.namn@example.se" in bad_rows[3]
    assert tr("sv", "Enter a valid email address, like name@example.se.") in bad_rows[4] and "Per Ek" in bad_rows[4]
    assert tr("sv", "The same email address is on an earlier row.") in bad_rows[6]
    assert nsv("Import only the %(num)s good row", "Import only the %(num)s good rows", 2) in page
    assert await Invitation.count() == 0

    await organiser.get(url(event, "/import"))
    response = await organiser.post(
        url(event, "/import"),
        files=[
            ("only_good_rows", (None, b"1")),
            ("content", (None, hidden(report.text, "content").encode())),
            ("_csrf_token", (None, organiser.last_csrf.encode())),
        ],
    )
    assert location(response) == url(event)
    assert nsv("%(num)s invitee was added.", "%(num)s invitees were added.", 2) in await followed(organiser, response)
    rows = await rows_by_email(event["slug"])
    assert set(rows) == {"karin@energibolaget.se", "lina@forskning.se"}
    assert rows["karin@energibolaget.se"]["note"] == "Vi hoppas du vill tala om vätgas."


async def test_a_good_list_is_imported_at_once_and_a_list_without_the_columns_not_at_all(organiser, event):
    response = await upload(
        organiser, event, "name,email,språk\nKarin Berg,karin@example.se,en\nPer Ek,per@example.se,\n".encode()
    )
    assert nsv("%(num)s invitee was added.", "%(num)s invitees were added.", 2) in await followed(organiser, response)
    assert (await rows_by_email(event["slug"]))["karin@example.se"]["language"] == "en"

    before = await database_snapshot()
    missing = await upload(organiser, event, b"namn;telefon\nLina Holm;070\n")
    assert missing.status_code == 400
    assert f"{tr('sv', 'These columns are missing:')} email" in text_of(missing)
    assert 'name="only_good_rows"' not in missing.text
    no_file = await upload(organiser, event, None)
    assert no_file.status_code == 400
    assert re.search(r'<p class="field-error" id="error-file">', no_file.text)
    assert await database_snapshot() == before


# --- Sending, progress, answers -------------------------------------------------------------------


async def test_sending_mails_each_not_yet_sent_invitee_their_own_link_and_the_progress_follows(
    organiser, event, smtp_server
):
    people = ["karin@example.se", "per@example.se", "lina@example.se"]
    await invite(event["slug"], *people)
    page = text_of(await organiser.get(url(event)))
    assert nsv("Send %(num)s invitation", "Send %(num)s invitations", 3) in page

    response = await organiser.submit(url(event, "/send"), {"message": "Välkommen till årets dagar!"})
    assert location(response) == url(event)
    assert nsv("%(num)s invitation is being sent.", "%(num)s invitations are being sent.", 3) in await followed(
        organiser, response
    )
    assert sorted(mail["to_address"] for mail in await queued("invitation")) == sorted(people)
    progress = await organiser.get(url(event, "/progress"))
    assert progress.headers["cache-control"] == "no-store"
    assert f"{tr('sv', 'Being sent')}: <strong>3</strong>" in text_of(progress)
    assert "data-sending" in progress.text  # the page keeps polling

    links = await mailed_links(smtp_server)

    assert set(links) == set(people) and len(set(links.values())) == 3
    progress = text_of(await organiser.get(url(event, "/progress")))
    assert f"{tr('sv', 'Delivered')}: <strong>3</strong>" in progress
    assert f"{tr('sv', 'Being sent')}: <strong>0</strong>" in progress and "data-sending" not in progress
    assert table_row(text_of(await organiser.get(url(event))), "Gäst karin")[3] == tr("sv", "Sent")
    # Nobody is left to send to: the button is gone, and sending anyway is refused in words.
    again = await organiser.submit(url(event, "/send"), {"message": ""}, form_page=url(event))
    assert again.status_code == 400
    assert tr("sv", "Nothing was sent: nobody on the list is waiting for an invitation.") in text_of(again)
    assert await OutboxMessage.count() == 3


async def test_a_draft_builds_its_list_but_sends_nothing(organiser):
    draft = await published_event(audience="invitation", publish=False)
    await invite(draft["slug"], "karin@example.se")
    page = text_of(await organiser.get(url(draft)))
    assert (
        tr(
            "sv",
            "The event is not published yet. You can build the invite list now; the invitations can be sent "
            "once the event is published.",
        )
        in page
    )
    refused = await organiser.submit(url(draft, "/send"), {"message": ""})
    assert refused.status_code == 400
    assert tr("sv", "Publish the event before sending invitations: its page must be visible to the invitees.") in (
        text_of(refused)
    )
    assert await OutboxMessage.count() == 0


async def test_a_reason_for_declining_appears_on_the_list(organiser, event, smtp_server):
    await invite(event["slug"], "karin@example.se", "per@example.se")
    await invitations.send_invitations(event["slug"], "", SYSTEM)
    links = await mailed_links(smtp_server)
    await invitations.decline(links["karin@example.se"], "Krockar med styrelsemötet.")

    page = text_of(await organiser.get(url(event)))
    row = table_row(page, "Gäst karin")
    assert (row[3], row[7]) == (tr("sv", "Declined"), "Krockar med styrelsemötet.")
    filtered = text_of(await organiser.get(url(event), params={"state": "declined"}))
    assert "Gäst karin" in filtered and "Gäst per" not in filtered


async def test_revoking_and_reserving_work_except_revoking_an_accepted_invitation(organiser, event, smtp_server):
    await invite(event["slug"], "karin@example.se", "per@example.se")
    await invitations.send_invitations(event["slug"], "", SYSTEM)
    links = await mailed_links(smtp_server)
    await registrations.register(
        event["slug"],
        form("karin@example.se", invitation_token=links["karin@example.se"]),
        Registrant(ip="198.51.100.9"),
    )
    rows = await rows_by_email(event["slug"])
    karin, per = str(rows["karin@example.se"]["uid"]), str(rows["per@example.se"]["uid"])
    page = await organiser.get(url(event))
    assert url(event, f"/{per}/revoke") in page.text and url(event, f"/{karin}/revoke") not in page.text

    # Reserving and releasing a place; back to the list as it was filtered.
    response = await organiser.submit(
        url(event, f"/{per}/reserved"), {"reserved": "1", "state": "sent"}, form_page=url(event)
    )
    assert location(response) == url(event, "?state=sent")
    assert (await rows_by_email(event["slug"]))["per@example.se"]["reserved_place"] is True
    await organiser.submit(url(event, f"/{per}/reserved"), {"reserved": "0"}, form_page=url(event))
    assert (await rows_by_email(event["slug"]))["per@example.se"]["reserved_place"] is False

    # Revoking needs the confirming button; an accepted invitation is refused with the domain's words.
    unconfirmed = await organiser.submit(url(event, f"/{per}/revoke"), {}, form_page=url(event))
    assert tr("sv", "Nothing was withdrawn: use the button that confirms it.") in await followed(organiser, unconfirmed)
    refused = await organiser.submit(url(event, f"/{karin}/revoke"), {"confirm": "yes"}, form_page=url(event))
    assert tr("sv", "This invitation has been accepted: cancel the registration instead.") in await followed(
        organiser, refused
    )
    revoked = await organiser.submit(url(event, f"/{per}/revoke"), {"confirm": "yes"}, form_page=url(event))
    page = await followed(organiser, revoked)
    assert tr("sv", "The invitation was withdrawn: its links no longer work.") in page
    assert table_row(page, "Gäst per")[3] == tr("sv", "Revoked")
    states = {email: row["state"] for email, row in (await rows_by_email(event["slug"])).items()}
    assert states == {"karin@example.se": "accepted", "per@example.se": "revoked"}
    with pytest.raises(invitation_links.InvitationUnusable):
        await invitations.open_invitation(links["per@example.se"])


async def test_reminders_go_only_to_those_who_have_not_answered_and_not_twice_within_the_interval(
    organiser, event, smtp_server, settings
):
    people = ["ja@example.se", "nej@example.se", "tyst@example.se"]
    await invite(event["slug"], *people)
    await invitations.send_invitations(event["slug"], "", SYSTEM)
    links = await mailed_links(smtp_server)
    await registrations.register(
        event["slug"], form("ja@example.se", invitation_token=links["ja@example.se"]), Registrant(ip="198.51.100.9")
    )
    await invitations.decline(links["nej@example.se"], "")
    await deliver(smtp_server.settings)  # the registration's confirmation
    smtp_server.collector.messages.clear()
    page = text_of(await organiser.get(url(event)))
    assert tr("sv", "Nobody is due a reminder now.") in page
    # The invitations went out longer ago than the interval.
    days = settings.invitation_reminder_interval_days
    await Invitation.update({Invitation.mailed_at: Invitation.mailed_at - timedelta(days=days, minutes=1)}).where(
        Invitation.id > 0
    )

    label = nsv(
        "Remind %(num)s invitee not mailed in %(days)s days",
        "Remind %(num)s invitees not mailed in %(days)s days",
        1,
        days=days,
    )
    assert label in text_of(await organiser.get(url(event)))
    response = await organiser.submit(url(event, "/remind"), {"reminder_message": "Hör av dig!"})
    assert location(response) == url(event)
    await deliver(smtp_server.settings)
    [reminder] = smtp_server.collector.messages
    assert reminder["To"].addresses[0].addr_spec == "tyst@example.se" and "Hör av dig!" in parts(reminder)["text"]
    assert table_row(text_of(await organiser.get(url(event))), "Gäst tyst")[6] == "1"  # reminders sent

    again = await organiser.submit(url(event, "/remind"), {"reminder_message": ""}, form_page=url(event))
    assert again.status_code == 400
    assert tr(
        "sv",
        "Nobody is due a reminder: reminders go to those who have not answered, at most once every %(days)s days.",
        days=days,
    ) in text_of(again)
    assert await OutboxMessage.count().where(OutboxMessage.kind == "invitation_reminder") == 1


async def test_the_deadline_is_set_in_swedish_time_cleared_and_checked(organiser, event):
    await invite(event["slug"], "karin@example.se")
    day = (event["starts_at"] - timedelta(days=5)).astimezone(STOCKHOLM).date()
    response = await organiser.submit(
        url(event, "/deadline"), {"deadline_date": day.isoformat(), "deadline_time": "12.00"}
    )
    assert location(response) == url(event)
    saved = (await Event.select(Event.invitation_deadline).where(Event.id == event["id"]).first())[
        "invitation_deadline"
    ]
    assert saved == datetime(day.year, day.month, day.day, 12, 0, tzinfo=STOCKHOLM)
    page = await organiser.get(url(event))
    assert re.search(r'name="deadline_time" type="time" value="12:00"', page.text)

    bad = await organiser.submit(url(event, "/deadline"), {"deadline_date": day.isoformat(), "deadline_time": ""})
    assert bad.status_code == 400
    assert re.search(
        rf'<p class="field-error" id="error-deadline">{tr("sv", "Give both a date and a time.")}</p>', text_of(bad)
    )
    # A deadline in the past or after the start is refused next to the field.
    yesterday = (datetime.now(STOCKHOLM) - timedelta(days=1)).date().isoformat()
    past = await organiser.submit(url(event, "/deadline"), {"deadline_date": yesterday, "deadline_time": "08:00"})
    assert past.status_code == 400
    assert tr("sv", "The deadline must be in the future. To withdraw invitations, revoke them.") in text_of(past)
    late = (event["starts_at"] + timedelta(hours=1)).astimezone(STOCKHOLM)
    after_start = await organiser.submit(
        url(event, "/deadline"), {"deadline_date": late.date().isoformat(), "deadline_time": late.strftime("%H:%M")}
    )
    assert tr("sv", "The deadline must be before the event starts.") in text_of(after_start)
    # A deadline that has passed: sending is refused in words, and nothing is queued.
    await pass_the_deadline(event)
    refused = await organiser.submit(url(event, "/send"), {"message": ""}, form_page=url(event))
    assert tr("sv", "The deadline for answering has passed: move it before sending.") in text_of(refused)
    assert await OutboxMessage.count() == 0
    # Empty again: until registration closes.
    cleared = await organiser.submit(url(event, "/deadline"), {"deadline_date": "", "deadline_time": ""})
    assert location(cleared) == url(event)
    assert (await Event.select(Event.invitation_deadline).where(Event.id == event["id"]).first())[
        "invitation_deadline"
    ] is None
