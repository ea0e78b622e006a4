"""The error summary at the top of a form that came back with errors names the field of each message
by its label ("E-postadress: …") and links to the field; it is the one macro every form uses, so
the forms of the public, the participants and the organisers all do it."""

from __future__ import annotations

import html
import re
from datetime import timedelta

from events_app.domain.tables import Event
from events_app.domain.transactions import utcnow
from tests.account_helpers import tr
from tests.conftest import sign_in
from tests.registration_helpers import published_event
from tests.test_members import GOOD_MEMBER
from tests.test_organiser_events import GOOD_EVENT, make_event, session_form


def summary_links(response) -> list[tuple[str, str]]:
    """(href, text) of each link in the error summary."""
    assert response.status_code == 400, response.status_code
    summary = re.search(r'<div class="error-summary"[^>]*>(.*?)</div>', response.text, re.S)
    assert summary, "no error summary"
    return [
        (href, html.unescape(re.sub(r"<[^>]+>", "", text)))
        for href, text in re.findall(r'<a href="([^"]+)">(.*?)</a>', summary.group(1), re.S)
    ]


def named(label: str, message: str) -> str:
    return f"{tr('sv', label)}: {tr('sv', message)}"


async def test_the_sign_in_form_names_the_field(client, staff_accounts):
    response = await client.submit("/login", {"email": "", "password": ""})
    assert summary_links(response) == [
        ("#field-email", named("Email address", "Enter your email address and password."))
    ]


async def test_the_registration_form_names_each_field_even_hand_written_ones(client):
    event = await published_event()
    response = await client.submit(
        f"/events/{event['slug']}/register",
        {"name": "", "email": "anna@", "organisation": "sundsvall", "consent": ""},
    )
    links = dict(summary_links(response))
    assert links["#field-name"].startswith(tr("sv", "Name") + ": ")
    assert links["#field-email"] == named("Email address", "Enter a valid email address, like name@example.se.")
    assert links["#field-consent"] == named(
        "Consent", "You must agree to the processing of your personal data to register."
    )


async def test_the_event_form_names_its_fields_and_date_groups(organiser):
    response = await organiser.submit("/organiser/events/new", {**GOOD_EVENT, "title": "", "ends_at_date": "x"})
    links = dict(summary_links(response))
    assert links["#field-title"] == named("Title", "Give the event a title.")
    assert links["#field-ends_at"].startswith(tr("sv", "Ends") + ": ")


async def test_the_member_form_names_its_fields(client, staff_accounts):
    await sign_in(client, "admin@test.se")
    response = await client.submit("/organiser/members/new", {**GOOD_MEMBER, "email": "inte-en-adress"})
    links = dict(summary_links(response))
    assert links["#field-email"].startswith(tr("sv", "Email address") + ": ")


async def test_the_session_form_names_its_hand_written_fields(organiser):
    event = await make_event()
    response = await organiser.submit(
        f"/organiser/events/{event['slug']}/sessions/new",
        session_form(end="08:00", speaker_organisation_0="Region Västernorrland"),
    )
    links = dict(summary_links(response))
    assert links["#field-speakers"] == named("Speakers", "Every speaker needs a name.")
    assert any(text.startswith(tr("sv", "Ends at") + ": ") for text in links.values()), links


async def test_a_message_for_the_whole_form_has_no_label_and_no_link(client):
    event = await published_event()
    await Event.update({Event.registration_opens_at: utcnow() + timedelta(days=2)}).where(Event.id == event["id"])
    response = await client.submit(f"/events/{event['slug']}/register", {"name": "Anna"})
    assert summary_links(response) == []
    assert f"<li>{tr('sv', 'Registration has not opened yet.')}</li>" in html.unescape(response.text)


async def test_every_page_loads_the_script_that_focuses_the_summary(client):
    page = await client.get("/login")
    assert '<script src="/static/error_summary.js" defer></script>' in page.text
    script = await client.get("/static/error_summary.js")
    assert script.status_code == 200 and "[data-error-summary]" in script.text
