"""Certificates: who earns one under each rule (and why not), issuing in bulk with the PDF mailed
through a real SMTP server, the PDF read back (names letter for letter, the QR code to the
verification page), issuing again after a correction, revoking, training modules and concurrency.
Runs on both databases."""

from __future__ import annotations

import asyncio

import pytest

from events_app.domain import certificate_pdf, certificates, pdf_drawing
from events_app.domain.certificates import format_code, normalise_code
from events_app.domain.errors import DomainError
from events_app.domain.tables import Certificate, OutboxMessage
from tests.account_helpers import database_snapshot
from tests.certificate_helpers import (
    LUKASZ,
    MARET,
    check_in,
    days_of,
    finished_event,
    finished_module,
    participant,
    pdf_qr_codes,
    pdf_text,
    second_day,
)
from tests.registration_helpers import SYSTEM, deliver, parts, published_event


def certificate_mails(smtp_server) -> dict[str, tuple[str, bytes]]:
    """The mails that arrived with a PDF attached: the address -> (the file's name, the PDF)."""
    found = {}
    for message in smtp_server.collector.messages:
        for filename, content in parts(message)["attachments"].items():
            if filename.endswith(".pdf"):
                found[message["To"].addresses[0].addr_spec] = (filename, content)
    return found


async def test_each_person_who_came_gets_a_certificate_by_mail_and_nobody_else(smtp_server):
    event = await finished_event()
    maret = await participant(event, MARET, "maret@example.se")
    lukasz = await participant(event, LUKASZ, "lukasz@example.se", language="en")
    await participant(event, "Nils Frånvarande", "nils@example.se")
    await check_in(event, maret, days_of(event)[0], second_day(event))
    await check_in(event, lukasz, second_day(event))

    preview = await certificates.preview(event["slug"])
    assert preview.refusal == ""
    assert {a.registration["name"]: a.action for a in preview.assessments} == {
        MARET: "new",
        LUKASZ: "new",
        "Nils Frånvarande": "ineligible",
    }
    assert [a.reason_text() for a in preview.assessments if not a.earned] == ["Inte incheckad."]

    result = await certificates.issue_certificates(event["slug"], SYSTEM)
    assert (result.new, result.replaced, result.mailed) == (2, 0, 2)
    await deliver(smtp_server.settings)

    mails = certificate_mails(smtp_server)
    assert set(mails) == {"maret@example.se", "lukasz@example.se"}
    for address, name, words in (
        ("maret@example.se", MARET, ["Intyg om deltagande", "har deltagit i"]),
        ("lukasz@example.se", LUKASZ, ["Certificate of attendance", "has taken part in"]),
    ):
        filename, pdf = mails[address]
        text = pdf_text(pdf)
        row = await Certificate.select().where(Certificate.name == name).first()
        assert filename.endswith(f"{row['number']}.pdf")
        assert name in text, text
        assert event["title"] in text and row["number"] in text
        for word in words:
            assert word in text
        [url] = pdf_qr_codes(pdf)
        assert url == f"http://testserver/v/{row['verification_code']}"
        assert (await certificates.verify(url.rsplit("/", 1)[1]))["status"] == "valid"
    maret_text = pdf_text(mails["maret@example.se"][1])
    # Both days, and the dates of the event, in Swedish.
    assert all(str(day.day) in maret_text for day in days_of(event))


async def test_the_mail_worker_draws_the_pdfs_in_a_process_of_its_own_and_they_read_the_same(smtp_server):
    """As `events-app worker` sends (MAIL_PDF_PROCESSES): each PDF drawn in the drawing process,
    in its person's language, every letter of the name kept and the QR code to the right page."""
    event = await finished_event()
    maret = await participant(event, MARET, "maret@example.se")
    lukasz = await participant(event, LUKASZ, "lukasz@example.se", language="en")
    await check_in(event, maret, second_day(event))
    await check_in(event, lukasz, second_day(event))
    assert (await certificates.issue_certificates(event["slug"], SYSTEM)).mailed == 2

    with pdf_drawing.drawing_processes(1):
        await deliver(smtp_server.settings)

    mails = certificate_mails(smtp_server)
    for address, name, heading in (
        ("maret@example.se", MARET, "Intyg om deltagande"),
        ("lukasz@example.se", LUKASZ, "Certificate of attendance"),
    ):
        row = await Certificate.select().where(Certificate.name == name).first()
        text = pdf_text(mails[address][1])
        assert name in text and heading in text and row["number"] in text
        assert pdf_qr_codes(mails[address][1]) == [f"http://testserver/v/{row['verification_code']}"]
    assert await OutboxMessage.count().where(OutboxMessage.status == "sent") == await OutboxMessage.count()


async def test_the_number_runs_per_year_and_the_code_reads_however_it_is_typed():
    event = await finished_event()
    for n in range(3):
        person = await participant(event, f"Person {n}", f"p{n}@example.se")
        await check_in(event, person, days_of(event)[0])
    await certificates.issue_certificates(event["slug"], SYSTEM)
    rows = await Certificate.select(Certificate.number, Certificate.verification_code).order_by(Certificate.number)
    year = rows[0]["number"].split("-")[1]
    assert [row["number"] for row in rows] == [f"HR-{year}-0001", f"HR-{year}-0002", f"HR-{year}-0003"]
    code = rows[0]["verification_code"]
    assert len({row["verification_code"] for row in rows}) == 3 and len(code) == 12
    typed = format_code(code).lower().replace("0", "o").replace("-", " - ")
    assert normalise_code(typed) == code
    assert (await certificates.verify(typed))["number"] == rows[0]["number"]
    assert await certificates.verify(code, number=rows[1]["number"]) is None  # number and code must match
    assert (await certificates.verify(code, number=f"hr {year} 1"))["number"] == rows[0]["number"]
    assert await certificates.verify("ABCD-EFGH-JKMN") is None
    assert await certificates.verify("not a code") is None


@pytest.mark.parametrize(
    ("rule", "minimum", "earned"),
    [
        ("any", None, {"one": True, "both": True}),
        ("all", None, {"one": False, "both": True}),
        ("at_least", 2, {"one": False, "both": True}),
        ("at_least", 1, {"one": True, "both": True}),
    ],
)
async def test_the_rule_decides_and_says_why_not(rule, minimum, earned):
    event = await finished_event(completion_rule=rule, completion_min=minimum)
    one = await participant(event, "En Dag", "one@example.se")
    both = await participant(event, "Båda Dagarna", "both@example.se")
    await check_in(event, one, days_of(event)[0])
    await check_in(event, both, *days_of(event))
    preview = await certificates.preview(event["slug"])
    judged = {a.registration["email"].split("@")[0]: a for a in preview.assessments}
    assert {key: a.earned for key, a in judged.items()} == earned
    if not earned["one"]:
        assert judged["one"].reason_text() == "Incheckad 1 av 2 dagar, men 2 krävs."


async def test_hours_are_credited_per_day_or_per_session_attended():
    event = await finished_event(hours_credit="day", hours_per_day=6.5)
    anna = await participant(event, "Anna Andersson", "anna@example.se")
    await check_in(event, anna, *days_of(event))
    await certificates.issue_certificates(event["slug"], SYSTEM)
    row = await Certificate.select().first()
    assert row["minutes"] == 13 * 60
    assert "In all 13 hours" in pdf_text(certificate_pdf.render({**row, "language": "en"}))

    by_session = await finished_event(title="Workshopdagen", hours_credit="session")
    bo = await participant(by_session, "Bo Berg", "bo@example.se", sessions=[])
    opening = by_session["sessions"]["Öppning"]
    await check_in(by_session, bo, days_of(by_session)[0], session=str(opening["uid"]))
    await certificates.issue_certificates(by_session["slug"], SYSTEM)
    row = await Certificate.select().where(Certificate.name == "Bo Berg").output(load_json=True).first()
    assert row["minutes"] == 60 and row["content"]["sessions"][0]["title"] == "Öppning"
    text = pdf_text(certificate_pdf.render(row))
    assert "Öppning" in text and "1 timme" in text


async def test_issuing_again_issues_only_what_is_new_or_changed_and_supersedes_the_old(smtp_server):
    event = await finished_event(completion_rule="any")
    anna = await participant(event, "Anna Andersson", "anna@example.se")
    bo = await participant(event, "Bo Berg", "bo@example.se")
    cilla = await participant(event, "Cilla Ceder", "cilla@example.se")
    await check_in(event, anna, days_of(event)[0])
    await check_in(event, bo, days_of(event)[0])
    await certificates.issue_certificates(event["slug"], SYSTEM)
    first = {row["name"]: row for row in await Certificate.select()}
    assert set(first) == {"Anna Andersson", "Bo Berg"}

    # A correction: Anna was there on day two as well, Cilla came after all (a late check-in).
    await check_in(event, anna, second_day(event))
    await check_in(event, cilla, days_of(event)[0])
    preview = await certificates.preview(event["slug"])
    assert {a.registration["name"]: a.action for a in preview.assessments} == {
        "Anna Andersson": "changed",
        "Bo Berg": "unchanged",
        "Cilla Ceder": "new",
    }
    await deliver(smtp_server.settings)
    smtp_server.collector.messages.clear()
    result = await certificates.issue_certificates(event["slug"], SYSTEM)
    assert (result.new, result.replaced, result.unchanged) == (1, 1, 1)
    await deliver(smtp_server.settings)
    assert sorted(certificate_mails(smtp_server)) == ["anna@example.se", "cilla@example.se"]

    rows = await Certificate.select().order_by(Certificate.id)
    old, new = [row for row in rows if row["name"] == "Anna Andersson"]
    assert old["number"] != new["number"]
    assert (old["status"], old["replaced_by"], new["status"]) == ("superseded", new["number"], "valid")
    assert (await certificates.verify(old["verification_code"]))["status"] == "superseded"
    assert "SUPERSEDED" not in pdf_text(certificate_pdf.render(new))
    assert (await Certificate.select().where(Certificate.name == "Bo Berg").first())["number"] == first["Bo Berg"][
        "number"
    ]

    # Nothing more to do: a third issue changes nothing and mails nobody.
    outbox_before = await OutboxMessage.count()
    assert (await certificates.issue_certificates(event["slug"], SYSTEM)).new == 0
    assert await OutboxMessage.count() == outbox_before


async def test_a_revoked_certificate_says_so_and_is_not_issued_again():
    event = await finished_event()
    anna = await participant(event, "Anna Andersson", "anna@example.se")
    await check_in(event, anna, days_of(event)[0])
    await certificates.issue_certificates(event["slug"], SYSTEM)
    row = await Certificate.select().first()

    before = await database_snapshot()
    with pytest.raises(DomainError) as refused:
        await certificates.revoke(str(row["uid"]), "   ", SYSTEM, event_slug=event["slug"])
    assert refused.value.field == "reason"
    assert await database_snapshot() == before

    await certificates.revoke(str(row["uid"]), "Utfärdat av misstag", SYSTEM, event_slug=event["slug"])
    verified = await certificates.verify(row["verification_code"])
    assert verified["status"] == "revoked" and verified["name"] == "Anna Andersson"
    assert set(verified) >= {"name", "event_title", "first_day", "last_day"}
    assert "revoked_reason" not in verified and "email" not in verified
    assert "REVOKED" in pdf_text(certificate_pdf.render({**(await Certificate.select().first()), "language": "en"}))
    preview = await certificates.preview(event["slug"])
    assert [a.action for a in preview.assessments] == ["revoked"]
    assert (await certificates.issue_certificates(event["slug"], SYSTEM)).new == 0
    with pytest.raises(DomainError):
        await certificates.revoke(str(row["uid"]), "igen", SYSTEM, event_slug=event["slug"])


async def test_a_mail_queued_for_a_certificate_revoked_before_it_left_is_not_sent(smtp_server):
    event = await finished_event()
    anna = await participant(event, "Anna Andersson", "anna@example.se")
    await check_in(event, anna, days_of(event)[0])
    await certificates.issue_certificates(event["slug"], SYSTEM)
    row = await Certificate.select().first()
    await certificates.revoke(str(row["uid"]), "Fel person", SYSTEM, event_slug=event["slug"])
    await deliver(smtp_server.settings)
    assert certificate_mails(smtp_server) == {}


async def test_no_certificates_before_the_end_nor_under_the_rule_none():
    upcoming = await published_event(completion_rule="any")
    with pytest.raises(DomainError) as refused:
        await certificates.issue_certificates(upcoming["slug"], SYSTEM)
    assert refused.value.message == "Certificates can be issued once the event has ended."
    none = await finished_event(title="Rådsmöte", completion_rule="none")
    assert (await certificates.preview(none["slug"])).refusal.startswith("This event gives no certificates.")
    with pytest.raises(DomainError):
        await certificates.issue_certificates(none["slug"], SYSTEM)
    assert await Certificate.count() == 0


async def test_a_module_certificate_comes_only_once_the_rule_is_met():
    module = await finished_module(occasions=3, completion_min=2, last_days_ahead=7)  # the last occasion is ahead
    occasions = days_of(module)
    anna = await participant(module, "Anna Andersson", "anna@example.se")
    await check_in(module, anna, occasions[0])
    preview = await certificates.preview(module["slug"])
    assert preview.refusal == ""  # a module may certify before its last occasion
    [judged] = preview.assessments
    assert judged.reason_text() == "Deltagit i 1 av 3 tillfällen, men 2 krävs."
    assert (await certificates.issue_certificates(module["slug"], SYSTEM)).new == 0

    await check_in(module, anna, occasions[1])
    assert (await certificates.issue_certificates(module["slug"], SYSTEM)).new == 1
    row = await Certificate.select().first()
    assert row["kind"] == "completion" and row["minutes"] == 6 * 60
    text = pdf_text(certificate_pdf.render(row))
    assert "Intyg om genomförd utbildning" in text and "Deltagit i 2 av 3 tillfällen" in text


async def test_two_organisers_issuing_at_once_issue_each_certificate_once():
    event = await finished_event()
    for n in range(6):
        person = await participant(event, f"Person {n}", f"p{n}@example.se")
        await check_in(event, person, days_of(event)[0])
    results = await asyncio.gather(*[certificates.issue_certificates(event["slug"], SYSTEM) for _ in range(3)])
    assert sorted(result.new for result in results) == [0, 0, 6]
    assert await Certificate.count() == 6
    assert await OutboxMessage.count().where(OutboxMessage.kind == "certificate") == 6
    assert len({row["number"] for row in await Certificate.select(Certificate.number)}) == 6


async def test_a_name_in_another_script_keeps_every_letter():
    event = await finished_event()
    person = await participant(event, "Алексей Żółw", "alexej@example.se")
    await check_in(event, person, days_of(event)[0])
    await certificates.issue_certificates(event["slug"], SYSTEM)
    assert "Алексей Żółw" in pdf_text(certificate_pdf.render(await Certificate.select().first()))
    # Drawing it again gives the same document.
    row = await Certificate.select().first()
    assert certificate_pdf.render(row) == certificate_pdf.render(row)


async def test_a_cancelled_registration_keeps_its_certificate_and_is_flagged():
    from events_app.domain import registrations

    event = await finished_event()
    anna = await participant(event, "Anna Andersson", "anna@example.se")
    await check_in(event, anna, days_of(event)[0])
    await certificates.issue_certificates(event["slug"], SYSTEM)
    await registrations.cancel_registration(str(anna["uid"]), SYSTEM, by_organiser=True, notify=False)
    [judged] = (await certificates.preview(event["slug"])).assessments
    assert judged.action == "no_longer_eligible"
    assert judged.reason_text() == "Anmälan är avbokad."
    assert (await certificates.issue_certificates(event["slug"], SYSTEM)).new == 0
    assert (await Certificate.select(Certificate.status).first())["status"] == "valid"
