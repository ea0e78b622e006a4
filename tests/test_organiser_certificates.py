"""The organisers' certificates page: who would get one and who would not (and why), issuing them
(once, mailed), revoking one with a reason, the PDF download, and the certificate settings in the
event form. Check-in staff and the public may do none of it."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from events_app import i18n
from events_app.domain import certificates, events
from events_app.domain.tables import AuditEntry, Certificate, Event, OutboxMessage
from tests.account_helpers import database_snapshot, location, ntr, text_of, tr
from tests.certificate_helpers import (
    MARET,
    check_in,
    days_of,
    finished_event,
    participant,
    pdf_text,
    second_day,
)
from tests.conftest import sign_in
from tests.registration_helpers import SYSTEM, published_event
from tests.test_organiser_events import GOOD_EVENT


def url(event: dict, path: str = "") -> str:
    return f"/organiser/events/{event['slug']}/certificates{path}"


def table(page: str, caption_id: str) -> list[list[str]]:
    """The text of each body row's cells in the table whose caption has `caption_id`."""
    found = re.search(rf'<caption id="{caption_id}">.*?<tbody>(.*?)</tbody>', page, flags=re.DOTALL)
    assert found, f"no table {caption_id}"
    return [
        [
            " ".join(re.sub(r"<[^>]+>", " ", cell).split())
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, flags=re.DOTALL)
        ]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", found.group(1), flags=re.DOTALL)
    ]


@pytest.fixture
async def event():
    """Last week's two-day event (one day is enough): Máret came both days, Bo the second, Nils never."""
    event = await finished_event(completion_rule="any", hours_credit="day", hours_per_day=6.5)
    maret = await participant(event, MARET, "maret@example.se")
    bo = await participant(event, "Bo Ek", "bo@example.se", organisation="Energibolaget AB")
    await participant(event, "Nils Frånvarande", "nils@example.se")
    await check_in(event, maret, *days_of(event))
    await check_in(event, bo, second_day(event))
    return event


async def issued(event: dict) -> list[dict]:
    await certificates.issue_certificates(event["slug"], SYSTEM)
    return await Certificate.select().order_by(Certificate.id)


# --- Who may ---------------------------------------------------------------------------------------


async def test_check_in_staff_and_the_public_are_refused_everywhere(client, staff_accounts, event):
    [first, _] = await issued(event)
    pages = [url(event), url(event, f"/{first['uid']}.pdf")]
    forms = [(url(event, "/issue"), {}), (url(event, f"/{first['uid']}/revoke"), {"reason": "Fel person"})]
    before = await database_snapshot()
    for target in pages:
        assert urlsplit(location(await client.get(target))).path == "/login", target
    for target, data in forms:
        assert urlsplit(location(await client.submit(target, data, form_page="/"))).path == "/login", target
    await sign_in(client, "checkin@test.se")
    for target in pages:
        response = await client.get(target)
        assert response.status_code == 403, target
        assert tr("sv", "You do not have access to this page.") in text_of(response)
    for target, data in forms:
        assert (await client.submit(target, data, form_page="/staff")).status_code == 403, target
    after = await database_snapshot()
    assert after["certificate"] == before["certificate"] and after["outbox_message"] == before["outbox_message"]


async def test_a_post_without_the_csrf_token_is_refused(organiser, event):
    await organiser.get(url(event))
    response = await organiser.post(url(event, "/issue"), data={})
    assert response.status_code == 403
    assert await Certificate.count() == 0


async def test_an_unknown_event_or_certificate_is_not_found(organiser, event):
    [first, _] = await issued(event)
    other = await finished_event(title="Ett annat möte")
    assert (await organiser.get("/organiser/events/no-such-event/certificates")).status_code == 404
    for target in (
        url(event, "/0b7e7a52-7c43-4ad4-9d36-0d3c1f0e0a11.pdf"),
        url(event, "/not-a-uid.pdf"),
        url(event, f"/{first['uid']}"),
        url(other, f"/{first['uid']}.pdf"),
    ):
        assert (await organiser.get(target)).status_code == 404, target


# --- The page --------------------------------------------------------------------------------------


async def test_the_page_shows_the_rule_who_would_get_one_and_who_would_not_and_why(organiser, event):
    response = await organiser.get(url(event))

    assert response.status_code == 200
    page = text_of(response)
    assert tr("sv", certificates.RULE_LABELS["any"]) in page
    assert tr("sv", "Hours: %(hours)s for each day attended.", hours="6,5") in page
    assert tr("sv", "Signed by %(name)s", name="Eva Sundin") in page
    assert 'aria-current="page">' + tr("sv", "Certificates") in page  # the event's tab
    will = table(page, "to-issue-caption")
    assert [row[0] for row in will] == ["Bo Ek", MARET]
    assert will[0][1] == "Energibolaget AB" and will[0][3] == "6,5" and will[1][3] == "13"
    [nils] = table(page, "ineligible-caption")
    assert (nils[0], nils[2]) == ("Nils Frånvarande", tr("sv", "Not checked in.")) and nils[1] == will[1][1] != ""
    assert ntr("sv", "Issue %(num)s certificate", "Issue %(num)s certificates", 2) in page
    assert tr("sv", "No certificates have been issued for this event yet.") in page


async def test_an_event_not_over_yet_cannot_issue_and_the_page_says_why(organiser):
    upcoming = await published_event(completion_rule="any")
    page = text_of(await organiser.get(url(upcoming)))
    assert tr("sv", "Certificates can be issued once the event has ended.") in page
    assert f'action="{url(upcoming, "/issue")}"' not in page

    before = await database_snapshot()
    response = await organiser.submit(url(upcoming, "/issue"), {})
    assert response.status_code == 400
    assert tr("sv", "Certificates can be issued once the event has ended.") in text_of(response)
    assert 'class="error-summary"' in response.text
    assert await database_snapshot() == before


# --- Issuing ---------------------------------------------------------------------------------------


async def test_issuing_creates_the_certificates_and_queues_their_mail_once(organiser, event):
    response = await organiser.submit(url(event, "/issue"), {})

    assert location(response) == url(event)
    rows = await Certificate.select().order_by(Certificate.name)
    assert [(row["name"], row["status"], row["minutes"]) for row in rows] == [
        ("Bo Ek", "valid", 390),
        (MARET, "valid", 780),
    ]
    mails = await OutboxMessage.select().where(OutboxMessage.kind == "certificate")
    assert sorted(mail["to_address"] for mail in mails) == ["bo@example.se", "maret@example.se"]
    assert await AuditEntry.count().where(AuditEntry.action == "certificates.issue") == 1
    page = text_of(await organiser.get(url(event)))
    done = ntr("sv", "%(num)s certificate issued.", "%(num)s certificates issued.", 2)
    assert done in page and ntr("sv", "It is being mailed.", "They are being mailed.", 2) in page
    listed = table(page, "issued-caption")
    assert {row[1] for row in listed} == {"Bo Ek", MARET}
    assert all(tr("sv", "Valid") in row[2] and tr("sv", "Queued") in row[4] for row in listed)
    assert f'action="{url(event, "/issue")}"' not in page  # nothing left to issue
    assert tr("sv", "There is nothing to issue: everyone who meets the rule already has a certificate.") in page

    again = await organiser.submit(url(event, "/issue"), {}, form_page=url(event))

    assert location(again) == url(event)
    assert await Certificate.count() == 2
    assert await OutboxMessage.count().where(OutboxMessage.kind == "certificate") == 2
    assert tr("sv", "No certificates were issued: everyone who has earned one already has it.") in text_of(
        await organiser.get(url(event))
    )


async def test_a_changed_certificate_is_shown_as_replacing_the_old_number(organiser, event):
    [bo, _] = await issued(event)
    await Event.update({Event.signatory_name: "Per Persson"}).where(Event.slug == event["slug"])  # what is printed

    will = table(text_of(await organiser.get(url(event))), "to-issue-caption")

    assert (
        will[0][0] == "Bo Ek" and tr("sv", "Replaces %(number)s, which has changed.", number=bo["number"]) in will[0][4]
    )
    response = await organiser.submit(url(event, "/issue"), {})
    page = text_of(await organiser.get(location(response)))
    with i18n.use_language("sv"):
        assert (
            i18n.ngettext(
                "%(num)s certificate issued (%(replaced)s replaced).",
                "%(num)s certificates issued (%(replaced)s replaced).",
                2,
                replaced=2,
            )
            in page
        )
    old = await Certificate.select().where(Certificate.id == bo["id"]).first()
    assert old["status"] == "superseded"
    assert tr("sv", "Superseded by %(number)s", number=old["replaced_by"]) in page


# --- Revoking --------------------------------------------------------------------------------------


async def test_revoking_needs_a_reason_and_then_revokes(organiser, event):
    [bo, _] = await issued(event)
    revoke = url(event, f"/{bo['uid']}/revoke")
    before = await database_snapshot()

    refused = await organiser.submit(revoke, {"reason": "   "}, form_page=url(event))

    assert refused.status_code == 400
    message = tr("sv", "Give a reason for revoking the certificate.")
    assert f'<p class="field-error" id="error-reason-{bo["uid"]}">{message}</p>' in text_of(refused)
    assert f'href="#field-reason-{bo["uid"]}"' in refused.text  # the error summary leads to the field
    assert await database_snapshot() == before

    response = await organiser.submit(revoke, {"reason": "Anmäld av misstag"}, form_page=url(event))

    assert location(response) == f"{url(event)}#certificate-{bo['uid']}"
    row = await Certificate.select().where(Certificate.id == bo["id"]).first()
    assert (row["status"], row["revoked_reason"]) == ("revoked", "Anmäld av misstag")
    assert row["revoked_by"] is not None
    page = text_of(await organiser.get(url(event)))
    assert tr("sv", "Certificate %(number)s is revoked.", number=bo["number"]) in page
    [listed] = [r for r in table(page, "issued-caption") if r[0] == bo["number"]]
    assert tr("sv", "Revoked") in listed[2] and "Anmäld av misstag" in listed[2]
    assert f'action="{revoke}"' not in page  # a revoked certificate has no revoke form

    again = await organiser.submit(revoke, {"reason": "Igen"}, form_page=url(event))
    assert again.status_code == 400 and tr("sv", "Only a valid certificate can be revoked.") in text_of(again)


# --- The PDF ---------------------------------------------------------------------------------------


async def test_the_pdf_is_downloaded_with_the_persons_name(organiser, event):
    [_, maret] = await issued(event)

    response = await organiser.get(url(event, f"/{maret['uid']}.pdf"))

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["cache-control"] == "no-store"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="') and disposition.endswith(f'{maret["number"]}.pdf"')
    assert re.fullmatch(r'attachment; filename="[A-Za-z0-9._-]+"', disposition)
    assert MARET in pdf_text(response.content)
    link = url(event, f"/{maret['uid']}.pdf")
    assert f'href="{link}"' in (await organiser.get(url(event))).text


# --- The event form --------------------------------------------------------------------------------


async def test_the_event_form_saves_the_certificate_settings(organiser):
    form_page = await organiser.get("/organiser/events/new")
    for name in (
        "completion_rule",
        "completion_min",
        "hours_credit",
        "hours_per_day",
        "signatory_name",
        "signatory_title",
    ):
        assert f'<label for="field-{name}"' in form_page.text, name
    form = {
        **GOOD_EVENT,
        "completion_rule": "at_least",
        "completion_min": "2",
        "hours_credit": "day",
        "hours_per_day": "6,5",
        "signatory_name": "Eva Sundin",
        "signatory_title": "Ordförande",
    }

    response = await organiser.submit("/organiser/events/new", form)

    event = await events.get_event(location(response).rsplit("/", 1)[1])
    assert (
        event["completion_rule"],
        event["completion_min"],
        event["hours_credit"],
        event["minutes_per_day"],
        event["signatory_name"],
        event["signatory_title"],
    ) == ("at_least", 2, "day", 390, "Eva Sundin", "Ordförande")
    overview = text_of(await organiser.get(f"/organiser/events/{event['slug']}"))
    assert tr("sv", "Checked in on at least %(num)s of the days.", num=2) in overview
    assert tr("sv", "Hours: %(hours)s for each day attended.", hours="6,5") in overview
    edit = await organiser.get(f"/organiser/events/{event['slug']}/edit")
    assert 'name="hours_per_day" type="text" value="6,5"' in edit.text
    assert '<option value="at_least" selected>' in edit.text and '<option value="day" selected>' in edit.text

    saved = await organiser.submit(
        f"/organiser/events/{event['slug']}/edit", {**form, "hours_per_day": "7.25", "completion_rule": "none"}
    )
    assert location(saved) == f"/organiser/events/{event['slug']}"
    event = await events.get_event(event["slug"])
    assert (event["completion_rule"], event["completion_min"], event["minutes_per_day"]) == ("none", None, 435)


@pytest.mark.parametrize("hours", ["abc", "6,5,1", "1e3"])
async def test_the_event_form_refuses_hours_that_are_not_a_number(organiser, hours):
    form = {**GOOD_EVENT, "hours_credit": "day", "hours_per_day": hours}
    before = await database_snapshot()

    response = await organiser.submit("/organiser/events/new", form)

    assert response.status_code == 400
    message = tr("sv", "Write the number of hours as a number, for example 6.5.")
    assert f'<p class="field-error" id="error-hours_per_day">{message}</p>' in text_of(response)
    assert f'value="{hours}"' in response.text  # what was typed comes back
    assert await database_snapshot() == before


async def test_the_page_in_english_follows_the_users_language(organiser, event):
    organiser.cookies.set("lang", "en")
    page = text_of(await organiser.get(url(event)))
    assert "Not checked in." in page and "Issue 2 certificates" in page


# --- The JSON API's event ---------------------------------------------------------------------------


async def test_the_api_takes_and_shows_the_certificate_settings(client, staff_accounts):
    from tests.test_api import EVENT, bearer, token_for

    headers = bearer(await token_for(staff_accounts, "organiser"))
    response = await client.post(
        "/api/v1/events",
        headers=headers,
        json={
            **EVENT,
            "completion_rule": "at_least",
            "completion_min": 1,
            "hours_credit": "day",
            "hours_per_day": 6.5,
            "signatory_name": "Eva Sundin",
            "signatory_title": "Ordförande",
        },
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert {
        key: body[key]
        for key in (
            "completion_rule",
            "completion_min",
            "hours_credit",
            "hours_per_day",
            "signatory_name",
            "signatory_title",
        )
    } == {
        "completion_rule": "at_least",
        "completion_min": 1,
        "hours_credit": "day",
        "hours_per_day": 6.5,
        "signatory_name": "Eva Sundin",
        "signatory_title": "Ordförande",
    }
    assert (await events.get_event(body["slug"]))["minutes_per_day"] == 390
    plain = (await client.post("/api/v1/events", headers=headers, json={**EVENT, "title": "Utan intyg"})).json()
    assert (plain["hours_credit"], plain["hours_per_day"], plain["signatory_name"]) == ("", None, "")

    refused = await client.post("/api/v1/events", headers=headers, json={**EVENT, "hours_credit": "day"})
    assert refused.status_code == 422
    assert [error["field"] for error in refused.json()["errors"]] == ["hours_per_day"]
