"""A signed-in person's certificates on "My pages" (listed, downloaded as PDF, only their own), the
training modules they are still working on, and their competence record as a page and a PDF. Runs on
both databases."""

from __future__ import annotations

from events_app.domain import certificates
from events_app.domain.tables import Certificate
from events_app.i18n import format_day, ngettext, use_language
from tests.account_helpers import location, sign_in_member, text_of, tr
from tests.certificate_helpers import (
    LUKASZ,
    MARET,
    check_in,
    days_of,
    finished_event,
    finished_module,
    participant,
    pdf_text,
)
from tests.registration_helpers import SYSTEM


async def _certificate_of(name: str) -> dict:
    return await Certificate.select().where(Certificate.name == name).first()


async def test_my_pages_list_my_certificate_and_its_pdf_downloads(client):
    event = await finished_event(title="Hållbarhetsdagarna", hours_credit="day", hours_per_day=6)
    maret = await participant(event, MARET, "maret@example.se")
    await check_in(event, maret, *days_of(event))
    await certificates.issue_certificates(event["slug"], SYSTEM)
    row = await _certificate_of(MARET)

    await sign_in_member(client, "maret@example.se")
    page = text_of(await client.get("/my"))
    assert tr("sv", "Certificates") in page
    assert "Hållbarhetsdagarna" in page and row["number"] in page and tr("sv", "Valid") in page
    assert "12" in page  # the hours: two days of six
    link = f"/my/certificates/{row['uid']}.pdf"
    assert f'href="{link}"' in page
    assert 'href="/my/competence"' in page

    response = await client.get(link)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["cache-control"] == "no-store"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;") and f"{row['number']}.pdf" in disposition
    text = pdf_text(response.content)
    assert MARET in text and "Hållbarhetsdagarna" in text and row["number"] in text


async def test_only_my_own_certificates_download(app, client):
    event = await finished_event()
    for name, email in ((MARET, "maret@example.se"), (LUKASZ, "lukasz@example.se")):
        registration = await participant(event, name, email)
        await check_in(event, registration, days_of(event)[0])
    await certificates.issue_certificates(event["slug"], SYSTEM)
    mine, theirs = await _certificate_of(MARET), await _certificate_of(LUKASZ)

    # Signed out: sent to sign in, and back here afterwards.
    anonymous = await client.get(f"/my/certificates/{mine['uid']}.pdf")
    assert location(anonymous).startswith("/login/link?next=")
    assert str(mine["uid"]) in location(anonymous)

    await sign_in_member(client, "maret@example.se")
    assert (await client.get(f"/my/certificates/{mine['uid']}.pdf")).status_code == 200
    for path in (
        f"/my/certificates/{theirs['uid']}.pdf",
        "/my/certificates/not-a-uid.pdf",
        f"/my/certificates/{mine['uid']}.txt",
        f"/my/certificates/{mine['uid']}",
    ):
        response = await client.get(path)
        assert response.status_code == 404, path
        assert LUKASZ not in text_of(response)
    page = text_of(await client.get("/my"))
    assert theirs["number"] not in page and LUKASZ not in page

    # A revoked certificate is listed as revoked, without a download.
    await certificates.revoke(str(mine["uid"]), "Fel person", SYSTEM, event_slug=event["slug"])
    page = text_of(await client.get("/my"))
    assert mine["number"] in page and tr("sv", "Revoked") in page
    assert f"/my/certificates/{mine['uid']}.pdf" not in page
    assert (await client.get(f"/my/certificates/{mine['uid']}.pdf")).status_code == 404


async def test_a_module_in_progress_says_how_far_i_have_come_and_what_is_left(client):
    module = await finished_module(title="Klimatanpassning", occasions=3, completion_min=2, last_days_ahead=8)
    registration = await participant(module, MARET, "maret@example.se")
    await check_in(module, registration, days_of(module)[0])

    await sign_in_member(client, "maret@example.se")
    page = text_of(await client.get("/my"))
    assert tr("sv", "Training modules in progress") in page and "Klimatanpassning" in page
    with use_language("sv"):
        attended = ngettext(
            "You have attended %(attended)s of %(num)s occasion;",
            "You have attended %(attended)s of %(num)s occasions;",
            3,
            attended=1,
        )
        needed = ngettext(
            "%(num)s more is needed for the certificate.", "%(num)s more are needed for the certificate.", 1
        )
        remaining = [format_day(day) for day in days_of(module)[1:]]
    assert attended in page and needed in page
    assert tr("sv", "Remaining occasions:") in page
    assert all(day in page for day in remaining), remaining
    assert format_day(days_of(module)[0]) not in page.split(tr("sv", "Remaining occasions:"))[1]


async def test_the_competence_record_lists_what_i_attended_and_downloads_as_pdf(client):
    days = await finished_event(title="Hållbarhetsdagarna", hours_credit="day", hours_per_day=6)
    meeting = await finished_event(title="Rådsmöte", kind="council_meeting", completion_rule="none")
    module = await finished_module(title="Klimatanpassning", occasions=3, completion_min=2, last_days_ahead=8)
    skipped = await finished_event(title="Evenemang hon missade")
    for event, attended in (
        (days, days_of(days)),
        (meeting, days_of(meeting)[:1]),
        (module, days_of(module)[:1]),
        (skipped, []),
    ):
        registration = await participant(event, MARET, "maret@example.se")
        if attended:
            await check_in(event, registration, *attended)
    await certificates.issue_certificates(days["slug"], SYSTEM)
    number = (await _certificate_of(MARET))["number"]
    uid = (await _certificate_of(MARET))["uid"]

    await sign_in_member(client, "maret@example.se")
    response = await client.get("/my/competence")
    assert response.status_code == 200
    page = text_of(response)
    for heading in ("Training modules", "Sustainability days", "Council meetings"):
        assert tr("sv", heading) in page
    assert "Hållbarhetsdagarna" in page and "Rådsmöte" in page and "Klimatanpassning" in page
    assert "Evenemang hon missade" not in page
    assert tr("sv", "%(attended)s of %(total)s", attended=2, total=2) in page
    assert number in page and f'href="/my/certificates/{uid}.pdf"' in page
    assert tr("sv", "In all %(hours)s hours", hours="15") in page  # 12 + the module's 3
    assert "<caption" in response.text and 'scope="col"' in response.text and 'scope="row"' in response.text
    assert 'href="/my/competence.pdf"' in response.text

    pdf = await client.get("/my/competence.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["cache-control"] == "no-store"
    assert pdf.headers["content-disposition"].startswith("attachment;")
    text = pdf_text(pdf.content)
    assert MARET in text and "Hållbarhetsdagarna" in text and "Rådsmöte" in text and "Klimatanpassning" in text
    assert number in text and "Evenemang hon missade" not in text

    # In the reader's language.
    client.cookies.set("lang", "en")
    assert "Competence record" in pdf_text((await client.get("/my/competence.pdf")).content)


async def test_the_competence_pages_need_a_signed_in_person(client):
    for path in ("/my/competence", "/my/competence.pdf"):
        assert location(await client.get(path)).startswith("/login/link?next=")
