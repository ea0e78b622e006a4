"""The organisers' mailing pages: writing a draft with field messages, the preview with the audience's
size, sending once (a second press sends nothing), the empty audience refused, progress and the
recipients' states afterwards; check-in staff and the public may do none of it, and POSTs need CSRF."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from events_app.domain import mailings
from events_app.domain.tables import Mailing, OutboxMessage, Registration
from tests.account_helpers import location, ntr, text_of
from tests.certificate_helpers import check_in, days_of, finished_event, participant
from tests.conftest import sign_in
from tests.registration_helpers import SYSTEM, deliver

GOOD = {
    "audience": "attended",
    "subject_sv": "Tack för i dag",
    "body_sv": "Hej!\n\nHär är materialet.",
    "subject_en": "",
    "body_en": "",
    "session": "",
    "survey_url": "https://enkat.example.se/1",
}


def url(event: dict, path: str = "") -> str:
    return f"/organiser/events/{event['slug']}/mailings{path}"


@pytest.fixture
async def event():
    event = await finished_event()
    anna = await participant(event, "Anna Andersson", "anna@example.se")
    await participant(event, "Cilla Ceder", "cilla@example.se")
    await check_in(event, anna, days_of(event)[0])
    return event


async def test_write_preview_send_once_and_follow_the_progress(organiser, event, smtp_server):
    page = await organiser.get(url(event))
    assert page.status_code == 200 and 'aria-current="page"' in page.text
    refused = await organiser.submit(url(event, "/new"), {**GOOD, "subject_sv": "", "survey_url": "ftp://x"})
    assert refused.status_code == 400
    assert 'id="error-subject_sv"' in refused.text and 'id="error-survey_url"' in refused.text
    assert await Mailing.count() == 0

    created = await organiser.submit(url(event, "/new"), GOOD)
    assert created.status_code == 303
    mailing_path = urlsplit(location(created)).path
    preview = await organiser.get(mailing_path)
    assert ntr(
        "sv", "This mailing will go to %(num)s person.", "This mailing will go to %(num)s people.", 1
    ) in text_of(preview)
    assert "Anna Andersson" in preview.text and "Cilla" not in preview.text
    frame = await organiser.get(mailing_path + "/preview.html")
    assert frame.status_code == 200 and "Här är materialet." in frame.text
    tokens = [row["manage_token"] for row in await Registration.select(Registration.manage_token)]
    for page_text in (preview.text, frame.text):  # a placeholder, not Anna's live private link
        assert not any(token in page_text for token in tokens)
    assert "sandbox" in frame.headers["content-security-policy"]

    await deliver(smtp_server.settings)
    smtp_server.collector.messages.clear()
    sent = await organiser.submit(mailing_path + "/send", {}, form_page=mailing_path)
    assert sent.status_code == 303
    again = await organiser.submit(mailing_path + "/send", {}, form_page=url(event))
    assert again.status_code == 303
    assert await OutboxMessage.count().where(OutboxMessage.kind == "mailing") == 1
    page = await organiser.get(mailing_path)
    assert "data-sending" in page.text
    await deliver(smtp_server.settings)
    assert [m["To"].addresses[0].addr_spec for m in smtp_server.collector.messages] == ["anna@example.se"]
    progress = await organiser.get(mailing_path + "/progress")
    assert progress.status_code == 200 and "data-sending" not in progress.text
    page = await organiser.get(mailing_path)
    assert "anna@example.se" in page.text and "/send" not in page.text
    assert (await Mailing.select(Mailing.status).first())["status"] == "sent"


async def test_an_empty_audience_has_no_send_button_and_is_refused(organiser, event):
    workshop_c = str(event["sessions"]["Workshop C"]["uid"])
    created = await organiser.submit(url(event, "/new"), {**GOOD, "audience": "session", "session": workshop_c})
    mailing_path = urlsplit(location(created)).path
    page = await organiser.get(mailing_path)
    assert page.status_code == 200 and 'action="' + mailing_path + '/send"' not in page.text
    await organiser.submit(mailing_path + "/send", {}, form_page=url(event))
    assert (await Mailing.select(Mailing.status).first())["status"] == "draft"
    assert await OutboxMessage.count().where(OutboxMessage.kind == "mailing") == 0


async def test_check_in_staff_and_the_public_are_refused(client, staff_accounts, event):
    mailing = await mailings.create_draft(
        event["slug"], mailings.MailingInput(subject_sv="Tack", body_sv="Hej", audience="attended"), SYSTEM
    )
    path = url(event, f"/{mailing['uid']}")
    pages = [url(event), url(event, "/new"), path, path + "/edit", path + "/progress", path + "/preview.html"]
    forms = [url(event, "/new"), path + "/send", path + "/edit", path + "/delete"]
    for target in pages:
        assert urlsplit(location(await client.get(target))).path == "/login", target
    for target in forms:
        assert urlsplit(location(await client.submit(target, GOOD, form_page="/"))).path == "/login", target
    await sign_in(client, "checkin@test.se")
    for target in pages:
        assert (await client.get(target)).status_code == 403, target
    for target in forms:
        assert (await client.submit(target, GOOD, form_page="/staff")).status_code == 403, target
    assert (await Mailing.select(Mailing.status).first())["status"] == "draft"
    assert await OutboxMessage.count().where(OutboxMessage.kind == "mailing") == 0


async def test_posts_without_the_csrf_token_are_refused(organiser, event):
    mailing = await mailings.create_draft(
        event["slug"], mailings.MailingInput(subject_sv="Tack", body_sv="Hej", audience="attended"), SYSTEM
    )
    response = await organiser.post(url(event, f"/{mailing['uid']}/send"), data={})
    assert response.status_code == 403
    assert (await Mailing.select(Mailing.status).first())["status"] == "draft"
