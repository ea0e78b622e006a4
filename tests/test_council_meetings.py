"""Council meetings (events_app/domain/council_meetings.py): publishing invites the council as it
stands on the meeting's date and mails it; a member's apologies passed to their substitute (by the
member or the organiser); one-click attending; the organiser's representation table and reminders;
the papers' visibility; attendance ticked on the organiser's page."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from events_app.domain import attendance_register, council_meetings, events, invitations, materials
from events_app.domain.council_meetings import AgendaItemInput
from events_app.domain.errors import DomainError
from events_app.domain.invitations import InviteeInput
from events_app.domain.materials import Viewer
from events_app.domain.tables import (
    Attendance,
    Invitation,
    MemberTerm,
    Organisation,
    Person,
    PreparatoryOfficial,
    Registration,
)
from events_app.domain.transactions import utcnow
from events_app.i18n import localtime
from tests.account_helpers import sign_in_member, text_of, tr
from tests.registration_helpers import SYSTEM, published_event, queued
from tests.test_invitations import sent_links

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


async def _person(name: str, email: str, organisation: str | None = None, **fields) -> int:
    org = (
        await Organisation.select(Organisation.id).where(Organisation.code == organisation).first()
        if organisation
        else None
    )
    row = Person(name=name, email=email, organisation=org["id"] if org else None, is_member=bool(org), **fields)
    await row.save()
    return row.id


async def _term(person_id: int, organisation: str, side: str, starts_on: date, ends_on=None, substitute=None) -> None:
    org = await Organisation.select(Organisation.id).where(Organisation.code == organisation).first()
    await MemberTerm(
        person=person_id, organisation=org["id"], side=side, starts_on=starts_on, ends_on=ends_on, substitute=substitute
    ).save()


@pytest.fixture
async def council():
    return await make_council()


async def make_council() -> dict:
    """A draft council meeting 20 days ahead and its council: Anna (Sundsvall, majority, no
    substitute), Bertil (Kramfors, opposition, substitute Cecilia), Olle of the preparatory group;
    Erik's term ended the day before the meeting, Frida's starts the day after."""
    meeting = await published_event(kind="council_meeting", audience="invitation", title="Rådsmöte", publish=False)
    day = localtime(meeting["starts_at"]).date()
    year_ago = day - timedelta(days=365)
    people = {
        "anna": await _person("Anna Ek", "anna@sundsvall.se", "sundsvall"),
        "bertil": await _person("Bertil Berg", "bertil@kramfors.se", "kramfors"),
        "cecilia": await _person("Cecilia Sund", "cecilia@kramfors.se", "kramfors"),
        "erik": await _person("Erik Förre", "erik@timra.se", "timra"),
        "frida": await _person("Frida Ny", "frida@timra.se", "timra"),
        "olle": await _person("Olle Beredare", "olle@lansstyrelsen.se"),
    }
    await _term(people["anna"], "sundsvall", "majority", year_ago)
    await _term(people["bertil"], "kramfors", "opposition", year_ago, substitute=people["cecilia"])
    await _term(people["erik"], "timra", "majority", year_ago, ends_on=day - timedelta(days=1))
    await _term(people["frida"], "timra", "majority", day + timedelta(days=1))
    await PreparatoryOfficial(person=people["olle"], starts_on=year_ago).save()
    return {"meeting": meeting, "slug": meeting["slug"], "day": day, "people": people}


async def _published(council, smtp_server) -> dict[str, str]:
    """Publish the meeting; {address: the invitation link's path} from the mails that arrived."""
    await events.publish_event(council["slug"], SYSTEM)
    return {email: f"/invitation/{token}" for email, token in (await sent_links(smtp_server)).items()}


async def _invitation(email: str) -> dict:
    return await Invitation.select().where(Invitation.email == email).first()


async def test_publishing_invites_exactly_the_council_on_the_meetings_date(council, smtp_server):
    links = await _published(council, smtp_server)

    assert set(links) == {"anna@sundsvall.se", "bertil@kramfors.se", "olle@lansstyrelsen.se"}
    roles = {row["email"]: row["council_role"] for row in await Invitation.select()}
    assert roles == {
        "anna@sundsvall.se": "member",
        "bertil@kramfors.se": "member",
        "olle@lansstyrelsen.se": "preparatory",
    }
    # Inviting again (the organiser's button) adds nobody already invited.
    assert await council_meetings.invite_council(council["slug"], SYSTEM) == 0
    assert await Invitation.count() == 3


async def test_a_guest_on_the_list_is_not_mailed_by_the_councils_invitations(council, smtp_server):
    await invitations.add_invitee(council["slug"], InviteeInput(name="Gäst", email="gast@example.se"), SYSTEM)
    links = await _published(council, smtp_server)
    assert "gast@example.se" not in links  # the organiser sends the guests' invitations


async def test_a_member_passes_the_invitation_to_the_substitute_who_accepts(client, council, smtp_server):
    links = await _published(council, smtp_server)
    page = await client.get(links["bertil@kramfors.se"] + "?lang=en")
    assert tr("sv", "Pass my invitation to my substitute, %(name)s", name="Cecilia Sund") in text_of(page)

    response = await client.submit(
        links["bertil@kramfors.se"] + "/decline",
        {"reason": "Sjuk", "pass_to_substitute": "1"},
        form_page=links["bertil@kramfors.se"],
    )
    assert response.status_code == 303
    bertil = await _invitation("bertil@kramfors.se")
    assert bertil["status"] == "declined"

    substitute_links = {email: f"/invitation/{token}" for email, token in (await sent_links(smtp_server)).items()}
    assert set(substitute_links) == {"cecilia@kramfors.se"}
    link = substitute_links["cecilia@kramfors.se"]
    page = await client.get(link + "?lang=en")
    assert page.status_code == 200
    assert "Pass my invitation" not in text_of(page)  # a substitute cannot pass it on
    response = await client.submit(link + "/attend", {}, form_page=link)
    assert response.status_code == 303

    cecilia = await _invitation("cecilia@kramfors.se")
    assert cecilia["council_role"] == "substitute" and cecilia["substitute_for"] == bertil["id"]
    registration = await Registration.select().where(Registration.email == "cecilia@kramfors.se").first()
    assert registration["status"] == "confirmed" and registration["invitation"] == cecilia["id"]

    _, rows = await council_meetings.invitees(council["slug"])
    by_email = {row["email"]: row for row in rows}
    assert by_email["bertil@kramfors.se"]["answer"] == "substitute_sent"
    assert by_email["cecilia@kramfors.se"]["substitute_for_name"] == "Bertil Berg"
    assert by_email["cecilia@kramfors.se"]["answer"] == "coming"


async def test_a_member_without_a_substitute_is_told_and_nothing_changes(client, council, smtp_server):
    links = await _published(council, smtp_server)
    link = links["anna@sundsvall.se"]
    assert 'id="no-substitute"' in (await client.get(link)).text

    response = await client.submit(link + "/decline?lang=en", {"pass_to_substitute": "1"}, form_page=link)

    assert response.status_code == 400
    assert "No personal substitute is named for you" in text_of(response) or tr(
        "sv", "No personal substitute is named for you on the meeting's date. Tell the organiser who comes instead."
    ) in text_of(response)
    assert (await _invitation("anna@sundsvall.se"))["status"] == "pending"
    assert await Invitation.count() == 3


async def test_the_organiser_passes_a_members_invitation_on(organiser, council, smtp_server):
    await _published(council, smtp_server)
    bertil = await _invitation("bertil@kramfors.se")
    page = f"/organiser/events/{council['slug']}/council"

    response = await organiser.submit(f"{page}/invitations/{bertil['uid']}/substitute", {}, form_page=page)

    assert response.status_code == 303
    assert set(await sent_links(smtp_server)) == {"cecilia@kramfors.se"}
    assert (await _invitation("bertil@kramfors.se"))["status"] == "declined"
    # Twice is still one substitute.
    await organiser.submit(f"{page}/invitations/{bertil['uid']}/substitute", {}, form_page=page)
    assert await Invitation.count().where(Invitation.council_role == "substitute") == 1
    anna = await _invitation("anna@sundsvall.se")
    await organiser.submit(f"{page}/invitations/{anna['uid']}/substitute", {}, form_page=page)
    assert await Invitation.count().where(Invitation.council_role == "substitute") == 1


def _seats(seats) -> dict[tuple[str, str], bool]:
    return {(seat.organisation["code"], seat.side): seat.represented for seat in seats}


async def test_the_representation_table_follows_the_answers(client, organiser, council, smtp_server):
    links = await _published(council, smtp_server)
    await client.submit(links["anna@sundsvall.se"] + "/attend", {}, form_page=links["anna@sundsvall.se"])

    _, rows = await council_meetings.invitees(council["slug"])
    seats = _seats(await council_meetings.representation(rows))
    assert seats[("sundsvall", "majority")] is True
    assert seats[("sundsvall", "opposition")] is False
    assert seats[("kramfors", "opposition")] is False

    await council_meetings.pass_to_substitute(
        council["slug"], str((await _invitation("bertil@kramfors.se"))["uid"]), SYSTEM
    )
    cecilia = {email: f"/invitation/{token}" for email, token in (await sent_links(smtp_server)).items()}
    await client.submit(cecilia["cecilia@kramfors.se"] + "/attend", {}, form_page=cecilia["cecilia@kramfors.se"])
    _, rows = await council_meetings.invitees(council["slug"])
    assert _seats(await council_meetings.representation(rows))[("kramfors", "opposition")] is True

    page = await organiser.get(f"/organiser/events/{council['slug']}/council?lang=en")
    assert page.status_code == 200
    assert tr("sv", "%(name)s (substitute for %(member)s)", name="Cecilia Sund", member="Bertil Berg") in text_of(page)
    # "Sundsvalls kommun: opposition ej representerad"
    not_represented = tr(
        "sv", "%(organisation)s: %(side)s not represented", organisation="Sundsvalls kommun", side="opposition"
    )
    assert not_represented in text_of(page)


async def test_a_reminder_goes_only_to_those_who_have_not_answered(client, organiser, council, smtp_server):
    links = await _published(council, smtp_server)
    await client.submit(links["anna@sundsvall.se"] + "/attend", {}, form_page=links["anna@sundsvall.se"])
    await client.submit(
        links["bertil@kramfors.se"] + "/decline", {"reason": "Resa"}, form_page=links["bertil@kramfors.se"]
    )
    await Invitation.update({Invitation.mailed_at: utcnow() - timedelta(days=30)}).where(Invitation.id > 0)
    page = f"/organiser/events/{council['slug']}/council"

    await organiser.submit(f"{page}/remind", {}, form_page=page)

    assert {row["to_address"] for row in await queued("invitation_reminder")} == {"olle@lansstyrelsen.se"}
    assert set(await sent_links(smtp_server)) == {"olle@lansstyrelsen.se"}


async def _paper(council) -> dict:
    item = await council_meetings.add_item(
        council["slug"], AgendaItemInput(title="Regional utvecklingsstrategi", project="Vätgas Mitt"), SYSTEM
    )
    path = materials.incoming_path()
    path.write_bytes(PDF)
    return await council_meetings.add_document(
        council["slug"], "paper", str(item["uid"]), "Underlag RUS", path, "underlag.pdf", SYSTEM
    )


async def test_papers_are_for_the_council_only(client, council, smtp_server):
    await invitations.add_invitee(council["slug"], InviteeInput(name="Gäst", email="gast@example.se"), SYSTEM)
    links = await _published(council, smtp_server)
    await invitations.send_invitations(council["slug"], "", SYSTEM)
    links.update({email: f"/invitation/{token}" for email, token in (await sent_links(smtp_server)).items()})
    paper = await _paper(council)
    people = council["people"]

    assert await materials.may_see(paper, Viewer(person_id=people["anna"]))
    assert await materials.may_see(paper, Viewer(person_id=people["olle"]))
    assert not await materials.may_see(paper, Viewer(person_id=people["erik"]))  # out of office that day
    assert not await materials.may_see(paper, Viewer(person_id=people["frida"]))
    assert await materials.may_see(paper, Viewer(organiser=True))

    for email in ("anna@sundsvall.se", "olle@lansstyrelsen.se"):
        page = await client.get(links[email])
        door = f"{links[email]}/material/{paper['uid']}"
        assert f'href="{door}"' in page.text  # the agenda lists the paper
        response = await client.get(door)
        assert response.status_code == 200 and response.content == PDF
    guest_door = f"{links['gast@example.se']}/material/{paper['uid']}"
    assert f'href="{guest_door}"' not in (await client.get(links["gast@example.se"])).text
    assert (await client.get(guest_door)).status_code == 404
    assert (await client.get(f"/material/{paper['uid']}")).status_code == 404  # anonymous


async def test_ticking_attendance_creates_one_check_in(organiser, council, smtp_server):
    await _published(council, smtp_server)
    anna = await _invitation("anna@sundsvall.se")  # never answered
    page = f"/organiser/events/{council['slug']}/council"
    url = f"{page}/invitations/{anna['uid']}/attended"

    assert (await organiser.submit(url, {}, form_page=page)).status_code == 303
    assert (await organiser.submit(url, {}, form_page=page)).status_code == 303

    assert await Attendance.count() == 1
    assert await Registration.count().where(Registration.email == "anna@sundsvall.se") == 1
    register = await attendance_register.register_of(council["slug"])
    assert [present.name for present in register.members] == ["Anna Ek"]


async def test_a_signed_in_member_reads_the_papers_on_their_own_pages(client, council, smtp_server):
    await _published(council, smtp_server)
    paper = await _paper(council)
    meeting_page = f"/my/meetings/{council['slug']}"

    await sign_in_member(client, "anna@sundsvall.se")
    assert f'href="{meeting_page}"' in (await client.get("/my/")).text
    page = await client.get(meeting_page)
    assert page.status_code == 200
    assert f'href="/material/{paper["uid"]}"' in page.text
    assert (await client.get(f"/material/{paper['uid']}")).content == PDF


async def test_someone_out_of_office_on_the_day_does_not_see_the_meeting(client, council, smtp_server):
    await _published(council, smtp_server)
    paper = await _paper(council)

    await sign_in_member(client, "erik@timra.se")
    assert (await client.get(f"/my/meetings/{council['slug']}")).status_code == 404
    assert (await client.get(f"/material/{paper['uid']}")).status_code == 404


async def test_a_member_who_is_coming_is_not_passed_on(client, council, smtp_server):
    links = await _published(council, smtp_server)
    await client.submit(links["bertil@kramfors.se"] + "/attend", {}, form_page=links["bertil@kramfors.se"])
    bertil = await _invitation("bertil@kramfors.se")

    with pytest.raises(DomainError) as refused:
        await council_meetings.pass_to_substitute(council["slug"], str(bertil["uid"]), SYSTEM)

    assert refused.value.code == "coming" and "Bertil Berg" in refused.value.translated()
    assert await Invitation.count().where(Invitation.council_role == "substitute") == 0


async def test_the_api_gives_organisers_the_meeting_and_writes_what_its_page_writes(
    client, council, smtp_server, staff_accounts
):
    from events_app.domain import api_tokens

    token = await api_tokens.create_token(staff_accounts["organiser"]["id"], "t", SYSTEM)
    checkin_token = await api_tokens.create_token(staff_accounts["checkin"]["id"], "t", SYSTEM)
    headers = {"Authorization": f"Bearer {token}"}
    base = f"/api/v1/council/meetings/{council['slug']}"

    await _published(council, smtp_server)
    invited = await client.post(f"{base}/invite", headers=headers)
    item = await client.post(
        f"{base}/agenda",
        json={"title": "Klimat- och energiplanen", "theme": "klimat-energi", "project": "Fossilfritt 2030"},
        headers=headers,
    )
    empty = await client.post(f"{base}/agenda", json={"title": " "}, headers=headers)
    bertil = await _invitation("bertil@kramfors.se")
    anna = await _invitation("anna@sundsvall.se")
    passed = await client.post(f"{base}/invitations/{bertil['uid']}/substitute", headers=headers)
    ticked = [await client.post(f"{base}/invitations/{anna['uid']}/attended", headers=headers) for _ in range(2)]
    meeting = await client.get(base, headers=headers)

    assert invited.json() == {"invited": 0}  # publishing invited the council
    assert item.status_code == 201 and empty.status_code == 422
    assert passed.status_code == 201, passed.text
    assert [answer.json()["result"] for answer in ticked] == ["ok", "already_checked_in"]
    body = meeting.json()
    assert body["day"] == council["day"].isoformat()
    assert [(i["number"], i["title"], i["theme"], i["project"]) for i in body["agenda"]] == [
        (1, "Klimat- och energiplanen", "klimat-energi", "Fossilfritt 2030")
    ]
    by_email = {row["email"]: row for row in body["invitees"]}
    assert by_email["bertil@kramfors.se"]["answer"] == "substitute_sent"
    assert by_email["cecilia@kramfors.se"]["role"] == "substitute"
    assert by_email["cecilia@kramfors.se"]["substitute_for"] == "Bertil Berg"
    assert by_email["anna@sundsvall.se"]["attended"] is True
    seats = {(s["organisation"], s["side"]): s["represented"] for s in body["representation"]}
    assert len(seats) == 16 and seats[("kramfors", "opposition")] is False
    # Apologies by phone, and an agenda item removed.
    anna_apologies = await client.post(
        f"{base}/invitations/{anna['uid']}/apologies", json={"reason": "Sjuk"}, headers=headers
    )
    assert (anna_apologies.status_code, anna_apologies.json()["code"]) == (409, "coming")  # ticked present: a place
    olle = await _invitation("olle@lansstyrelsen.se")
    olle_apologies = await client.post(
        f"{base}/invitations/{olle['uid']}/apologies", json={"reason": "Sjuk"}, headers=headers
    )
    assert olle_apologies.status_code == 200
    assert (await _invitation("olle@lansstyrelsen.se"))["decline_reason"] == "Sjuk"
    removed = await client.post(f"{base}/agenda/{item.json()['uid']}/delete", headers=headers)
    assert removed.json() == {"done": True}
    assert (await client.get(base, headers=headers)).json()["agenda"] == []
    assert (await client.get(base, headers={"Authorization": f"Bearer {checkin_token}"})).status_code == 403
    assert (await client.get(base)).status_code == 401
    assert (await client.get("/api/v1/council/meetings/no-such-meeting", headers=headers)).status_code == 404


async def test_the_organiser_records_apologies_sent_by_phone(organiser, council, smtp_server):
    await _published(council, smtp_server)
    anna = await _invitation("anna@sundsvall.se")
    page = f"/organiser/events/{council['slug']}/council"

    answer = await organiser.submit(f"{page}/invitations/{anna['uid']}/apologies", {}, form_page=page)
    await organiser.submit(f"{page}/invitations/{anna['uid']}/attended", {}, form_page=page)
    refused = await organiser.submit(f"{page}/invitations/{anna['uid']}/apologies", {}, form_page=page)
    after = text_of(await organiser.get(page))

    assert answer.status_code == 303 and refused.status_code == 303
    assert (await _invitation("anna@sundsvall.se"))["status"] == "accepted"  # she came after all
    _, rows = await council_meetings.invitees(council["slug"])
    assert {row["email"]: row["attended"] for row in rows}["anna@sundsvall.se"] is True
    assert tr("sv", "%(name)s is registered to come: cancel the registration first.", name="Anna Ek") in after


async def test_the_organiser_uploads_a_paper_and_the_minutes_on_the_meeting_page(organiser, council, smtp_server):
    from events_app.domain.tables import AgendaItem, Material
    from tests.test_materials import pdf_file

    page = f"/organiser/events/{council['slug']}/council"
    await organiser.submit(f"{page}/agenda", {"title": "Klimatplanen"}, form_page=page)
    [item] = await AgendaItem.select(AgendaItem.uid)

    async def upload(**fields):
        await organiser.get(page)
        data = {"_csrf_token": organiser.last_csrf, **fields}
        files = {"file": ("handling.pdf", pdf_file(), "application/pdf")}
        return await organiser.post(f"{page}/documents", data=data, files=files)

    paper = await upload(doc_title="Lägesrapport", purpose="paper", agenda_item=str(item["uid"]))
    minutes = await upload(doc_title="Protokoll", purpose="minutes", agenda_item="")
    untitled = await upload(doc_title="", purpose="minutes", agenda_item="")

    assert paper.status_code == 303 and minutes.status_code == 303, (paper.text[:300], minutes.text[:300])
    assert untitled.status_code == 400
    rows = await Material.select(Material.title, Material.purpose, Material.visibility).order_by(Material.id)
    assert [(r["title"], r["purpose"], r["visibility"]) for r in rows] == [
        ("Lägesrapport", "paper", "council"),
        ("Protokoll", "minutes", "council"),
    ]
