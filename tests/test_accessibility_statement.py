"""The accessibility statement (/tillganglighet): complete on a fresh install, in Swedish and English,
what the admin sets shown on it, and its feedback form: stored, mailed to every active admin (through a
real SMTP server), refused with a message for bad input and past the rate limit, listed for admins only,
and deleted after its period."""

from __future__ import annotations

import re
from datetime import date, timedelta

from events_app import i18n
from events_app.domain import accessibility_feedback, links, mail_delivery, outbox, site_settings
from events_app.domain.audit import Actor
from events_app.domain.tables import AccessibilityFeedback, OutboxMessage, StaffAccount
from events_app.domain.transactions import utcnow
from tests.account_helpers import another_client, database_snapshot, location, ntr, text_of, tr
from tests.conftest import DEMO_PASSWORD, sign_in

PAGE = "/tillganglighet"
REPORT = "Knappen Skicka går inte att nå med tangentbordet på sidan Anmälan."
PARTIAL = (
    "This website is partially compliant with the Act on accessibility to digital public services, because of "
    "the shortcomings described below."
)
NO_REVIEW = (
    "No manual review has been recorded yet. Automated checks find only part of what WCAG requires, which is why "
    "we do not state that the website is fully compliant."
)
WORKING_DAYS = ("We usually answer within %(num)s working day.", "We usually answer within %(num)s working days.")
FULL = "This website is fully compliant with the Act on accessibility to digital public services."


def day_in(language: str, value: date) -> str:
    with i18n.use_language(language):
        return i18n.format_day(value)


async def feedback_rows() -> list[dict]:
    return await AccessibilityFeedback.select().order_by(AccessibilityFeedback.id)


async def test_a_fresh_install_publishes_a_complete_statement_linked_from_every_page(client):
    for path in ("/", "/events", "/privacy", "/login"):
        assert f'href="{PAGE}"' in (await client.get(path)).text, path

    response = await client.get(PAGE)

    assert response.status_code == 200
    text = text_of(response)
    assert '<html lang="sv">' in response.text
    assert "Kommunförbundet Västernorrland" in text
    assert tr("sv", PARTIAL) in text  # honest until a person has reviewed the service by hand
    assert tr("sv", NO_REVIEW) in text
    assert "Intyg och kompetensöversikter som PDF saknar taggar" in text  # the Swedish default shortcoming
    assert "<li>" in response.text  # the admin's Markdown list is a list
    assert 'href="https://www.digg.se/tdosanmalan"' in response.text
    assert tr("sv", "This statement was last updated on %(date)s.", date=day_in("sv", date(2026, 12, 4))) in text
    assert 'action="/tillganglighet#feedback"' in response.text
    assert 'name="_csrf_token"' in response.text
    assert "mailto:" not in response.text  # no contact address until the admin gives one


async def test_the_language_switch_shows_the_statement_in_english_at_the_same_address(client):
    switched = await client.submit("/language", {"language": "en", "next": PAGE}, form_page=PAGE)
    assert location(switched) == PAGE

    response = await client.get(PAGE)

    text = text_of(response)
    assert '<html lang="en">' in response.text
    assert tr("en", "Accessibility statement") in text
    assert tr("en", PARTIAL) in text
    assert "Certificates and competence records in PDF lack the tags" in text  # the English default
    assert "Intyg och kompetensöversikter" not in text
    assert day_in("en", date(2026, 12, 4)) in text


async def test_what_the_admin_sets_appears_on_the_statement(client, staff_accounts):
    await sign_in(client, "admin@test.se")
    form = await client.get("/admin/settings/accessibility")
    assert form.status_code == 200
    for value in ("full", "partial", "none"):
        assert f'<option value="{value}"' in form.text
    assert '<option value="partial" selected>' in form.text
    values = await site_settings.values("accessibility")

    saved = await client.submit(
        "/admin/settings/accessibility",
        {
            **values,
            "accessibility_body": "Hållbarhetsrådets kansli",
            "accessibility_contact_email": "Tillganglighet@KFVN.se",
            "accessibility_compliance": "full",
            "accessibility_review_date": "2026-11-20",
            "accessibility_statement_date": "2026-11-27",
            "accessibility_response_days": "5",
            "accessibility_shortcomings_sv": "Videoklippen saknar undertexter.",
            "accessibility_shortcomings_en": "The video clips lack captions.",
        },
    )
    assert location(saved).endswith("/admin/settings/accessibility")

    swedish = text_of(await client.get(PAGE))
    assert "Hållbarhetsrådets kansli" in swedish
    assert tr("sv", FULL) in swedish
    assert tr("sv", PARTIAL) not in swedish
    assert 'href="mailto:tillganglighet@kfvn.se"' in swedish  # the address as validated
    assert "Videoklippen saknar undertexter." in swedish
    assert day_in("sv", date(2026, 11, 20)) in swedish
    assert tr("sv", "This statement was last updated on %(date)s.", date=day_in("sv", date(2026, 11, 27))) in swedish
    assert tr("sv", NO_REVIEW) not in swedish
    answer = ntr(
        "sv", "We usually answer within %(num)s working day.", "We usually answer within %(num)s working days.", 5
    )
    assert answer % {"num": 5} in swedish
    await client.submit("/language", {"language": "en", "next": PAGE}, form_page=PAGE)
    assert "The video clips lack captions." in text_of(await client.get(PAGE))


async def test_a_compliance_level_or_address_outside_the_choices_is_refused_and_nothing_saved(client, staff_accounts):
    await sign_in(client, "admin@test.se")
    values = await site_settings.values("accessibility")
    before = await database_snapshot()

    response = await client.submit(
        "/admin/settings/accessibility",
        {**values, "accessibility_compliance": "mostly", "accessibility_contact_email": "inte en adress"},
    )

    assert response.status_code == 400
    text = text_of(response)
    assert tr("sv", "Choose one of the options.") in text
    assert tr("sv", "Enter a valid email address, like name@example.se.") in text
    assert await database_snapshot() == before


async def test_fully_compliant_needs_the_date_of_a_manual_review(client, staff_accounts):
    await sign_in(client, "admin@test.se")
    values = await site_settings.values("accessibility")
    before = await database_snapshot()

    response = await client.submit(
        "/admin/settings/accessibility", {**values, "accessibility_compliance": "full", "accessibility_review_date": ""}
    )

    assert response.status_code == 400
    assert tr(
        "sv", "Enter the date of the manual review: without one the service cannot be called fully compliant."
    ) in text_of(response)
    assert await database_snapshot() == before
    assert tr("sv", PARTIAL) in text_of(await client.get(PAGE))


async def test_feedback_is_stored_and_mailed_to_every_active_admin(client, staff_accounts, smtp_server):
    english_admin = StaffAccount(
        email="admin.en@test.se", name="Eve English", role="admin", password_hash="x", language="en"
    )
    await english_admin.save()
    await StaffAccount(email="retired@test.se", name="Rut Slutat", role="admin", password_hash="x", active=False).save()

    response = await client.submit(
        PAGE, {"message": f"  {REPORT}\r\nTack!  ", "name": " Åsa  Öberg ", "email": "Asa.Oberg@Example.se"}
    )

    assert location(response) == f"{PAGE}#main"
    page = await client.get(PAGE)
    assert tr("sv", "Thank you! Your message has been sent to the platform's administrators.") in text_of(page)
    [stored] = await feedback_rows()
    assert (stored["message"], stored["name"], stored["email"], stored["language"]) == (
        f"{REPORT}\nTack!",
        "Åsa Öberg",
        "asa.oberg@example.se",
        "sv",
    )

    assert await mail_delivery.deliver_due(outbox.new_worker_id(), settings=smtp_server.settings) == 2
    received = {message["To"].addresses[0].addr_spec: message for message in smtp_server.collector.messages}
    assert set(received) == {"admin@test.se", "admin.en@test.se"}  # not the organiser, not the retired admin
    for address, language in (("admin@test.se", "sv"), ("admin.en@test.se", "en")):
        message = received[address]
        assert message["Subject"] == tr(language, "Feedback on the accessibility statement")
        body = message.get_body(preferencelist=("plain",)).get_content()
        assert REPORT in body
        assert "asa.oberg@example.se" in body
        assert links.admin_feedback_url() in body


async def test_bad_input_is_named_and_changes_nothing(client):
    before = await database_snapshot()

    empty = await client.submit(PAGE, {"message": "   ", "email": "inte en adress", "name": "Åsa"})
    assert empty.status_code == 400
    text = text_of(empty)
    assert tr("sv", "Write your message.") in text
    assert tr("sv", "Enter a valid email address, like name@example.se.") in text
    assert 'value="Åsa"' in text  # what was typed is kept

    too_long = await client.submit(PAGE, {"message": "x" * (accessibility_feedback.MAX_MESSAGE + 1)})
    assert too_long.status_code == 400
    assert tr("sv", "At most %(max)s characters.", max=accessibility_feedback.MAX_MESSAGE) in text_of(too_long)

    script = await client.submit(PAGE, {"message": REPORT, "homepage": "https://spam.example"})
    assert script.status_code == 400
    assert tr("sv", "The message could not be sent. Leave the field “Leave this field empty” empty.") in text_of(script)

    assert await database_snapshot() == before


async def test_past_five_messages_an_hour_from_one_address_the_next_is_refused_with_a_message(app, client):
    for number in range(accessibility_feedback.FEEDBACK_PER_IP):
        response = await client.submit(PAGE, {"message": f"Synpunkt {number}"})
        assert response.status_code == 303, response.text
    mails_before = await OutboxMessage.count()  # no admin accounts here: the limit alone is tested

    refused = await client.submit(PAGE, {"message": "Den sjätte synpunkten", "name": "Åsa"})

    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "3600"
    text = text_of(refused)
    assert (
        tr(
            "sv",
            "You have sent several messages in a short time, so this one was not sent. Wait an hour and send it again.",
        )
        in text
    )
    assert "Den sjätte synpunkten" in text  # kept in the form, to send later
    assert len(await feedback_rows()) == accessibility_feedback.FEEDBACK_PER_IP
    assert await OutboxMessage.count() == mails_before
    # Someone at another address is not affected.
    async with another_client(app, ip="10.0.0.7") as neighbour:
        assert (await neighbour.submit(PAGE, {"message": "Från en annan adress"})).status_code == 303
    assert len(await feedback_rows()) == accessibility_feedback.FEEDBACK_PER_IP + 1


async def test_the_limit_message_offers_the_contact_address_when_there_is_one(client):
    await site_settings.save(
        "accessibility",
        {**await site_settings.values("accessibility"), "accessibility_contact_email": "tillganglighet@kfvn.se"},
        actor=Actor.system("test"),
    )
    for number in range(accessibility_feedback.FEEDBACK_PER_IP):
        await client.submit(PAGE, {"message": f"Synpunkt {number}"})
    refused = await client.submit(PAGE, {"message": "En till"})
    assert refused.status_code == 429
    assert tr(
        "sv",
        "You have sent several messages in a short time, so this one was not sent. Wait an hour and send it again, "
        "or write to %(email)s.",
        email="tillganglighet@kfvn.se",
    ) in text_of(refused)


async def test_only_admins_see_the_feedback(client, staff_accounts):
    await client.submit(PAGE, {"message": REPORT, "name": "Åsa Öberg", "email": "asa@example.se"})
    anonymous = await client.get("/admin/feedback")
    assert location(anonymous).startswith("/login")

    await sign_in(client, "organiser@test.se")
    assert (await client.get("/admin/feedback")).status_code == 403
    assert 'href="/admin/feedback"' not in (await client.get("/staff")).text

    await sign_in(client, "admin@test.se", DEMO_PASSWORD)
    assert 'href="/admin/feedback"' in (await client.get("/staff")).text
    listing = await client.get("/admin/feedback")
    assert listing.status_code == 200
    text = text_of(listing)
    assert REPORT in text
    assert "Åsa Öberg" in text
    assert 'href="mailto:asa@example.se"' in listing.text


async def test_feedback_is_deleted_after_the_months_the_admin_set(client):
    await client.submit(PAGE, {"message": "Gammal synpunkt", "email": "gammal@example.se"})
    await client.submit(PAGE, {"message": "Ny synpunkt"})
    old, _new = await feedback_rows()
    await AccessibilityFeedback.update({AccessibilityFeedback.created_at: utcnow() - timedelta(days=370)}).where(
        AccessibilityFeedback.id == old["id"]
    )

    assert await accessibility_feedback.purge_expired() == 1
    assert [row["message"] for row in await feedback_rows()] == ["Ny synpunkt"]
    assert await accessibility_feedback.purge_expired() == 0  # idempotent

    # A shorter period set by the admin applies at the next run.
    await site_settings.save(
        "retention",
        {**await site_settings.values("retention"), "retention_feedback_months": "1"},
        actor=Actor.system("test"),
    )
    assert await accessibility_feedback.purge_expired(now=utcnow() + timedelta(days=31)) == 1
    assert await feedback_rows() == []


def test_the_feedback_mail_links_to_the_admins_list():
    subject, text, html = outbox.render(
        "accessibility_feedback",
        {
            "sender_name": "",
            "sender_email": "",
            "sender_language": "en",
            "message": "<b>Hej</b>",
            "list_url": "http://testserver/admin/feedback",
        },
        "sv",
    )
    assert subject == tr("sv", "Feedback on the accessibility statement")
    assert "<b>Hej</b>" in text  # plain text, unescaped
    assert "&lt;b&gt;Hej&lt;/b&gt;" in html  # escaped in the HTML part
    assert tr("sv", "not given") in text
    assert re.search(r'href="http://testserver/admin/feedback"', html)
