"""A council meeting's attendance register: who was present (members, substitutes and for whom, the
preparatory group, guests) and who was absent, as a PDF with every name's letters intact; council
meetings kept from the retention purge."""

from __future__ import annotations

from datetime import date

from events_app.domain import attendance_register, retention
from events_app.domain.tables import Attendance, Event, Invitation, MemberTerm, Organisation, Registration
from tests.certificate_helpers import check_in, days_of, participant, pdf_text
from tests.conftest import sign_in
from tests.registration_helpers import published_event

MARET = "Máret Ŋuolja-Čuđe"
LUKASZ = "Łukasz Żółć-Ślęzak"


async def _invited(event, registration, role: str, *, substitute_for=None, status: str = "accepted") -> int:
    invitation = Invitation(
        event=event["id"],
        person=registration["person"] if registration else None,
        email=registration["email"] if registration else "x@example.se",
        name=registration["name"] if registration else "",
        council_role=role,
        substitute_for=substitute_for,
        status=status,
    )
    await invitation.save()
    if registration:
        await Registration.update({Registration.invitation: invitation.id}).where(Registration.id == registration["id"])
    return invitation.id


async def _meeting():
    """Last week's council meeting: Máret (member, Sundsvall-ish) present, Per (member) absent and
    represented by his substitute Łukasz, Anna (member) absent without apologies, Karin of the
    preparatory group and a guest present."""
    event = await published_event(title="Rådsmöte 3", kind="council_meeting", days_ahead=-8)
    day = days_of(event)[0]
    orgs = await Organisation.select().where(Organisation.kind == "municipality").order_by(Organisation.id)
    people = {
        key: await participant(event, name, f"{key}@example.se")
        for key, name in [
            ("maret", MARET),
            ("per", "Per Berg"),
            ("anna", "Anna Zetterberg"),
            ("lukasz", LUKASZ),
            ("karin", "Karin Beredning"),
            ("gast", "Gösta Gäst"),
        ]
    }
    for key, org, side in [
        ("maret", orgs[0], "majority"),
        ("per", orgs[1], "opposition"),
        ("anna", orgs[2], "majority"),
    ]:
        await MemberTerm(
            person=people[key]["person"], organisation=org["id"], side=side, starts_on=date(day.year - 1, 1, 1)
        ).save()
    await _invited(event, people["maret"], "member")
    per = await _invited(event, people["per"], "member", status="declined")
    await _invited(event, people["anna"], "member")
    await _invited(event, people["lukasz"], "substitute", substitute_for=per)
    await _invited(event, people["karin"], "preparatory")
    for key in ("maret", "lukasz", "karin", "gast"):
        await check_in(event, people[key], day)
    return event, orgs


async def test_the_register_names_who_came_in_what_role_and_who_did_not(organiser):
    event, orgs = await _meeting()
    register = await attendance_register.register_of(event["slug"])
    assert [(p.name, p.organisation, p.side) for p in register.members] == [(MARET, orgs[0]["name_sv"], "majority")]
    assert [(p.name, p.substitute_for) for p in register.substitutes] == [(LUKASZ, "Per Berg")]
    assert [p.name for p in register.preparatory] == ["Karin Beredning"]
    assert [p.name for p in register.guests] == ["Gösta Gäst"]
    assert [p.name for p in register.absent_with_apologies] == ["Per Berg"]
    assert [p.name for p in register.absent] == ["Anna Zetterberg"]

    # The PDF, in Swedish (the organiser's language; the register is an official Swedish record).
    response = await organiser.get(f"/organiser/events/{event['slug']}/council/register.pdf?lang=sv")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    text = pdf_text(response.content)
    for name in (MARET, LUKASZ, "Karin Beredning", "Gösta Gäst", "Per Berg", "Anna Zetterberg", orgs[0]["name_sv"]):
        assert name in text
    assert "ersättare för Per Berg" in text
    assert "Närvarolista" in text


async def test_a_checkin_staff_account_may_not_read_the_register(client, staff_accounts):
    event, _ = await _meeting()
    await sign_in(client, "checkin@test.se")
    response = await client.get(f"/organiser/events/{event['slug']}/council/register.pdf", follow_redirects=False)
    assert response.status_code == 403


async def test_a_council_meeting_is_kept_by_the_retention_purge(organiser):
    event, _ = await _meeting()
    assert (await Event.select(Event.preserve).where(Event.id == event["id"]).first())["preserve"] is True
    before = await Attendance.count().where(Attendance.event == event["id"])
    register = await attendance_register.register_of(event["slug"])
    years_later = event["ends_at"].replace(year=event["ends_at"].year + 30)
    await retention.apply_retention(now=years_later)
    assert await Attendance.count().where(Attendance.event == event["id"]) == before == 4
    assert await attendance_register.register_of(event["slug"]) == register
