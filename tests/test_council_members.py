"""The council's members (issue 20, part 1): terms of office with their history, roles held for periods of
their own, personal substitutes, the preparatory group, and the council as it stood on a chosen date with
its gaps named."""

from __future__ import annotations

from datetime import date

import pytest

from events_app import i18n
from events_app.domain import api_tokens, council_members, erasure, personal_data
from events_app.domain.audit import Actor
from events_app.domain.council_members import OfficialInput, RoleInput, TermInput
from events_app.domain.errors import ValidationFailed
from events_app.domain.tables import MemberRole, MemberTerm, Person
from tests.account_helpers import add_member, database_snapshot, text_of, tr
from tests.conftest import sign_in

SYSTEM = Actor.system("test")


async def _member(name: str, email: str, organisation: str, side: str, start: str, end: str = "") -> str:
    return await add_member(name, email, organisation=organisation, side=side, term_start=start, term_end=end)


async def _field_errors(call) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as refused:
        await call
    return {name: error.message for name, error in refused.value.errors.items()}


async def test_the_council_on_a_date_has_two_seats_per_organisation_and_names_the_gaps():
    await _member("Anna Ängström", "anna@kramfors.se", "kramfors", "majority", "2027-01-01", "2030-12-31")
    await _member("Bo Berg", "bo@kramfors.se", "kramfors", "opposition", "2027-01-01", "2027-06-30")
    await _member("Cecilia Ceder", "cecilia@sundsvall.se", "sundsvall", "majority", "2027-07-01")

    spring = await council_members.council_on(date(2027, 3, 1))
    autumn = await council_members.council_on(date(2027, 9, 1))

    assert len(spring.seats) == 16  # seven municipalities and the region, two seats each
    kramfors = next(row for row in spring.rows() if row[0]["code"] == "kramfors")
    assert [t["name"] for t in kramfors[1].terms] == ["Anna Ängström"]
    assert [t["name"] for t in kramfors[2].terms] == ["Bo Berg"]
    with i18n.use_language("en"):
        spring_gaps = [seat.gap_message() for seat in spring.gaps]
        autumn_gaps = [seat.gap_message() for seat in autumn.gaps]
    assert "Kramfors has no member for the opposition" not in spring_gaps
    assert "Kramfors has no member for the opposition" in autumn_gaps  # Bo's term ended on 30 June
    assert "Sundsvall has no member for the majority" in spring_gaps  # Cecilia starts on 1 July
    assert "Sundsvall has no member for the majority" not in autumn_gaps
    assert len(spring.gaps) == 14 and len(autumn.gaps) == 14


async def test_a_member_reappointed_keeps_the_history_and_the_record_mirrors_the_latest_term():
    uid = await _member("Dag Dahl", "dag@timra.se", "timra", "opposition", "2023-01-01", "2026-12-31")
    await council_members.add_term(
        uid, TermInput(organisation="timra", side="majority", starts_on="2027-01-01", ends_on="2030-12-31"), SYSTEM
    )

    history = [term for term in await council_members.history() if term["name"] == "Dag Dahl"]
    assert [(t["starts_on"], t["side"]) for t in history] == [
        (date(2027, 1, 1), "majority"),
        (date(2023, 1, 1), "opposition"),
    ]
    person = await Person.select().where(Person.email == "dag@timra.se").first()
    assert (person["side"], person["term_start"], person["term_end"]) == (
        "majority",
        date(2027, 1, 1),
        date(2030, 12, 31),
    )
    assert [t["name"] for t in (await council_members.council_on(date(2026, 6, 1))).rows()[4][2].terms] == ["Dag Dahl"]


async def test_overlapping_terms_and_bad_dates_are_refused_and_change_nothing():
    uid = await _member("Eva Ek", "eva@ange.se", "ange", "majority", "2027-01-01", "2030-12-31")
    before = await database_snapshot()

    overlapping = await _field_errors(
        council_members.add_term(uid, TermInput(organisation="ange", side="majority", starts_on="2030-01-01"), SYSTEM)
    )
    backwards = await _field_errors(
        council_members.add_term(
            uid, TermInput(organisation="ange", side="majority", starts_on="2032-01-01", ends_on="2031-01-01"), SYSTEM
        )
    )
    no_side = await _field_errors(
        council_members.add_term(uid, TermInput(organisation="ange", starts_on="2032"), SYSTEM)
    )

    assert overlapping == {"starts_on": "The member already has a term in this period."}
    assert backwards == {"ends_on": "It cannot end before it starts."}
    assert no_side == {"side": "Choose majority or opposition.", "starts_on": "Enter a date as YYYY-MM-DD."}
    assert await database_snapshot() == before


async def test_a_personal_substitute_is_of_the_same_organisation_and_side():
    uid = await _member("Fia Falk", "fia@harnosand.se", "harnosand", "majority", "2027-01-01")
    await _member("Gun Gran", "gun@solleftea.se", "solleftea", "majority", "2027-01-01")
    await _member("Hans Hed", "hans@harnosand.se", "harnosand", "opposition", "2027-01-01")
    term = (
        await council_members.terms_of((await Person.select().where(Person.email == "fia@harnosand.se").first())["id"])
    )[0]

    async def name(substitute_name: str, email: str) -> dict[str, str]:
        data = TermInput(substitute_name=substitute_name, substitute_email=email)
        return await _field_errors(council_members.set_substitute(uid, str(term["uid"]), data, SYSTEM))

    assert await name("Gun Gran", "gun@solleftea.se") == {
        "substitute_email": "The substitute must be from the member's organisation."
    }
    assert await name("Hans Hed", "hans@harnosand.se") == {
        "substitute_email": "The substitute must be from the member's side."
    }
    assert await name("Fia Falk", "fia@harnosand.se") == {
        "substitute_email": "A member cannot be their own substitute."
    }

    data = TermInput(substitute_name="Ida Isaksson", substitute_email="ida@harnosand.se")
    await council_members.set_substitute(uid, str(term["uid"]), data, SYSTEM)
    seat = next(
        row for row in (await council_members.council_on(date(2027, 5, 1))).rows() if row[0]["code"] == "harnosand"
    )
    assert seat[1].terms[0]["substitute_name"] == "Ida Isaksson"
    substitute = await Person.select().where(Person.email == "ida@harnosand.se").first()
    assert substitute["is_member"] is False and substitute["side"] == "majority"


async def test_the_chair_is_chosen_for_a_year_one_member_at_a_time_within_a_term():
    anna = await _member("Anna Ängström", "anna@kramfors.se", "kramfors", "majority", "2027-01-01", "2030-12-31")
    bo = await _member("Bo Berg", "bo@timra.se", "timra", "opposition", "2027-01-01", "2030-12-31")

    await council_members.add_role(
        anna, RoleInput(position="chair", starts_on="2027-01-01", ends_on="2027-12-31"), SYSTEM
    )
    assert await _field_errors(
        council_members.add_role(bo, RoleInput(position="chair", starts_on="2027-06-01", ends_on="2028-05-31"), SYSTEM)
    ) == {"starts_on": "Someone else holds this role in that period."}
    assert await _field_errors(
        council_members.add_role(bo, RoleInput(position="chair", starts_on="2028-01-01", ends_on="2029-06-30"), SYSTEM)
    ) == {"ends_on": "The chair and the vice chair are chosen for one year at a time."}
    assert await _field_errors(
        council_members.add_role(
            bo, RoleInput(position="vice_chair", starts_on="2026-01-01", ends_on="2026-12-31"), SYSTEM
        )
    ) == {"starts_on": "The role must fall within one of the member's terms."}
    await council_members.add_role(
        bo, RoleInput(position="chair", starts_on="2028-01-01", ends_on="2028-12-31"), SYSTEM
    )
    await council_members.add_role(bo, RoleInput(position="sekom_contact", starts_on="2027-01-01"), SYSTEM)

    roles_2027 = await council_members.roles_on(date(2027, 3, 1))
    roles_2028 = await council_members.roles_on(date(2028, 3, 1))
    ids = {row["email"]: row["id"] for row in await Person.select(Person.id, Person.email)}
    assert roles_2027 == {ids["anna@kramfors.se"]: ["chair"], ids["bo@timra.se"]: ["sekom_contact"]}
    assert sorted(roles_2028[ids["bo@timra.se"]]) == ["chair", "sekom_contact"]


async def test_the_preparatory_group_is_officials_of_the_county_board_the_region_and_kommunforbundet():
    await council_members.add_official(
        OfficialInput(
            name="Jonas Jämt", email="jonas@lansstyrelsen.se", organisation="lansstyrelsen", starts_on="2027-01-01"
        ),
        SYSTEM,
    )
    refused = await _field_errors(
        council_members.add_official(
            OfficialInput(name="Kim Kol", email="kim@sundsvall.se", organisation="sundsvall", starts_on="2027-01-01"),
            SYSTEM,
        )
    )
    assert refused == {"organisation": "Choose the county board, the region or Kommunförbundet."}
    official = (await council_members.officials_history())[0]
    await council_members.end_official(str(official["uid"]), "2027-06-30", SYSTEM)

    assert [o["name"] for o in await council_members.officials_on(date(2027, 3, 1))] == ["Jonas Jämt"]
    assert await council_members.officials_on(date(2027, 7, 1)) == []
    person = await Person.select().where(Person.email == "jonas@lansstyrelsen.se").first()
    assert person["is_member"] is False


async def test_terms_roles_and_the_preparatory_group_are_in_the_persons_export_and_kept_nameless_on_erasure():
    uid = await _member("Lena Lund", "lena@ornskoldsvik.se", "ornskoldsvik", "opposition", "2027-01-01", "2030-12-31")
    await council_members.add_role(
        uid, RoleInput(position="vice_chair", starts_on="2027-01-01", ends_on="2027-12-31"), SYSTEM
    )
    person = await Person.select().where(Person.email == "lena@ornskoldsvik.se").first()

    export = await personal_data.export_person(person)
    kinds = [(row["kind"], row["starts_on"]) for row in export["council"]]
    assert kinds == [("member", "2027-01-01"), ("vice_chair", "2027-01-01")]
    assert export["council"][0]["organisation"] == "Örnsköldsviks kommun"

    await erasure.erase_person(uid, SYSTEM, notify=False)
    assert await MemberTerm.count().where(MemberTerm.person == person["id"]) == 1
    assert await MemberRole.count().where(MemberRole.person == person["id"]) == 1
    erased = await Person.select(Person.name, Person.email).where(Person.id == person["id"]).first()
    assert "Lena" not in erased["name"] and "lena" not in erased["email"]
    assert all(seat.empty for seat in (await council_members.council_on(date(2027, 5, 1))).seats)


async def test_the_members_page_shows_the_council_on_the_chosen_date_with_gaps_in_swedish(client, staff_accounts):
    await _member("Anna Ängström", "anna@kramfors.se", "kramfors", "majority", "2027-01-01", "2030-12-31")
    await _member("Bo Berg", "bo@kramfors.se", "kramfors", "opposition", "2027-01-01", "2027-06-30")
    await sign_in(client, "organiser@test.se")

    spring = text_of(await client.get("/organiser/members/?on=2027-03-01"))
    autumn = text_of(await client.get("/organiser/members/?on=2027-09-01"))
    bad = await client.get("/organiser/members/?on=2027-13-01")

    gap = tr("sv", "%(organisation)s has no member for the opposition", organisation="Kramfors")
    assert gap == "Kramfors saknar ledamot för oppositionen"
    assert gap not in spring and "Bo Berg" in spring
    assert gap in autumn
    title = autumn[autumn.index("<title>") : autumn.index("</title>")]
    assert title == "<title>" + tr("sv", "Council members") + " – Hållbarhetsrådet i Västernorrland", title
    assert bad.status_code == 400 and tr("sv", "Enter a date as YYYY-MM-DD.") in text_of(bad)


async def test_an_organiser_adds_a_term_with_a_substitute_on_the_members_page(client, staff_accounts):
    uid = await _member("Mia Mo", "mia@sundsvall.se", "sundsvall", "majority", "2023-01-01", "2026-12-31")
    await sign_in(client, "organiser@test.se")

    refused = await client.submit(
        f"/organiser/members/{uid}/terms",
        {"organisation": "sundsvall", "side": "majority", "starts_on": "2026-06-01"},
        form_page=f"/organiser/members/{uid}/terms/new",
    )
    added = await client.submit(
        f"/organiser/members/{uid}/terms",
        {
            "organisation": "sundsvall",
            "side": "majority",
            "starts_on": "2027-01-01",
            "ends_on": "2030-12-31",
            "substitute_name": "Nils Nord",
            "substitute_email": "nils@sundsvall.se",
        },
        form_page=f"/organiser/members/{uid}/terms/new",
    )

    assert refused.status_code == 400
    assert tr("sv", "The member already has a term in this period.") in text_of(refused)
    assert added.status_code in (302, 303)
    page = text_of(await client.get(f"/organiser/members/{uid}"))
    assert "Nils Nord" in page
    council = text_of(await client.get("/organiser/members/?on=2027-02-01"))
    assert tr("sv", "Substitute: %(name)s", name="Nils Nord") in council


async def test_check_in_staff_cannot_see_or_change_the_council(client, staff_accounts):
    uid = await _member("Olle Ort", "olle@ange.se", "ange", "majority", "2027-01-01")
    await sign_in(client, "checkin@test.se")
    before = await database_snapshot()

    pages = [await client.get(path) for path in ("/organiser/members/", "/organiser/preparatory-group/")]
    posted = await client.post(
        f"/organiser/members/{uid}/roles",
        data={"position": "chair", "starts_on": "2027-01-01", "ends_on": "2027-12-31", "_csrf_token": client.last_csrf},
    )

    assert all(page.status_code in (401, 403) for page in pages)
    assert posted.status_code in (401, 403)
    assert await database_snapshot() == before


async def test_the_api_gives_organisers_the_council_on_a_date_and_adds_terms_and_roles(client, staff_accounts):
    uid = await _member("Pia Palm", "pia@timra.se", "timra", "opposition", "2023-01-01", "2026-12-31")
    organiser = {
        "Authorization": "Bearer " + await api_tokens.create_token(staff_accounts["organiser"]["id"], "t", SYSTEM)
    }
    checkin = {"Authorization": "Bearer " + await api_tokens.create_token(staff_accounts["checkin"]["id"], "t", SYSTEM)}

    added = await client.post(
        f"/api/v1/council/members/{uid}/terms",
        json={
            "organisation": "timra",
            "side": "opposition",
            "starts_on": "2027-01-01",
            "ends_on": "2030-12-31",
            "substitute_name": "Rut Ros",
            "substitute_email": "rut@timra.se",
        },
        headers=organiser,
    )
    chair = await client.post(
        f"/api/v1/council/members/{uid}/roles",
        json={"position": "chair", "starts_on": "2027-01-01", "ends_on": "2027-12-31"},
        headers=organiser,
    )
    too_long = await client.post(
        f"/api/v1/council/members/{uid}/roles",
        json={"position": "vice_chair", "starts_on": "2028-01-01", "ends_on": "2029-12-31"},
        headers={**organiser, "Accept-Language": "sv"},
    )
    council = await client.get("/api/v1/council/members?on=2027-02-01", headers={**organiser, "Accept-Language": "en"})

    assert added.status_code == 201 and chair.status_code == 201, (added.text, chair.text)
    assert too_long.status_code == 422
    assert too_long.json()["errors"] == [
        {"field": "ends_on", "message": "Ordförande och vice ordförande utses för ett år i taget."}
    ]
    body = council.json()
    seat = next(s for s in body["seats"] if s["organisation"] == "timra" and s["side"] == "opposition")
    assert seat["members"][0]["member"]["name"] == "Pia Palm"
    assert seat["members"][0]["starts_on"] == "2027-01-01" and seat["members"][0]["roles"] == ["chair"]
    assert seat["members"][0]["substitute"]["email"] == "rut@timra.se"
    assert "Timrå has no member for the majority" in body["gaps"] and len(body["gaps"]) == 15
    ended = await client.post(
        f"/api/v1/council/members/{uid}/terms/{added.json()['uid']}/end",
        json={"ends_on": "2027-06-30"},
        headers=organiser,
    )
    backwards = await client.post(
        f"/api/v1/council/members/{uid}/terms/{added.json()['uid']}/end",
        json={"ends_on": "2026-06-30"},
        headers=organiser,
    )
    assert ended.status_code == 200 and backwards.status_code == 422
    autumn = (await client.get("/api/v1/council/members?on=2027-09-01", headers=organiser)).json()
    assert (
        next(s for s in autumn["seats"] if s["organisation"] == "timra" and s["side"] == "opposition")["members"] == []
    )
    assert (await client.get("/api/v1/council/members", headers=checkin)).status_code == 403
    assert (await client.get("/api/v1/council/members")).status_code == 401


async def test_the_demo_council_has_a_history_substitutes_roles_the_preparatory_group_and_one_gap():
    from events_app.domain.seed import election_period, load_demo

    await load_demo()
    today = i18n.local_today()
    council = await council_members.council_on(today)
    with i18n.use_language("sv"):
        assert [seat.gap_message() for seat in council.gaps] == ["Kramfors saknar ledamot för oppositionen"]
    assert len(council.officials) == 3
    positions = sorted(position for held in council.roles.values() for position in held)
    assert positions.count("chair") == 1 and positions.count("vice_chair") == 1
    substitutes = [term["substitute_name"] for seat in council.seats for term in seat.terms if term["substitute_name"]]
    assert "Biret Ánde" in substitutes and len(substitutes) == 6
    first, _ = election_period(today)
    assert sum(1 for term in await council_members.history() if term["ends_on"] and term["ends_on"] < first) == 6


async def test_the_demo_held_a_council_meeting_with_apologies_a_substitute_and_minutes():
    from events_app.domain import council_meetings, demo_council
    from events_app.domain.seed import load_demo
    from events_app.domain.tables import Event, Material

    await load_demo()
    day = demo_council.held_meeting_day(i18n.local_today())
    [held] = await Event.select(Event.slug).where(Event.title == demo_council.held_meeting_title(day))
    _, rows = await council_meetings.invitees(held["slug"])
    answers = {row["name"]: (row["answer"], row["attended"]) for row in rows}
    assert answers["Anna Lindqvist"] == ("substitute_sent", False)
    assert answers["Per Holm"] == ("apologies", False)
    assert answers["Nils Öberg"] == ("coming", True)
    assert [row["substitute_for_name"] for row in rows if row["name"] == "Nils Öberg"] == ["Anna Lindqvist"]
    documents = await Material.select(Material.purpose).where(Material.event.slug == held["slug"])
    assert sorted(row["purpose"] for row in documents) == ["minutes", "paper"]


async def test_a_term_cannot_be_ended_into_the_next_one_and_a_list_without_dates_keeps_the_terms():
    from events_app.domain import people
    from events_app.domain.people import MemberInput

    uid = await _member("Siv Sand", "siv@ange.se", "ange", "opposition", "2023-01-01", "2026-12-31")
    await council_members.add_term(
        uid, TermInput(organisation="ange", side="opposition", starts_on="2027-01-01", ends_on="2030-12-31"), SYSTEM
    )
    person = await council_members.person_by_uid(uid)
    first = (await council_members.terms_of(person["id"]))[-1]
    with pytest.raises(Exception) as refused:
        await council_members.end_term(uid, str(first["uid"]), "2028-06-30", SYSTEM)
    assert refused.value.message == "The member already has a term in this period."

    # The roster re-imported to correct an address, without term dates: the terms stay as they were.
    await people.update_member(
        uid, MemberInput(name="Siv Sand", email="siv.sand@ange.se", organisation="ange", side="opposition"), SYSTEM
    )
    assert [(t["starts_on"], t["ends_on"]) for t in await council_members.terms_of(person["id"])] == [
        (date(2027, 1, 1), date(2030, 12, 31)),
        (date(2023, 1, 1), date(2026, 12, 31)),
    ]
