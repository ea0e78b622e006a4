"""A typed organisation that is one of the county's is recorded as that organisation, wherever a
registrant's organisation is stored (the form, an invitation, a walk-in, an organiser's registration,
a change), so the participation report counts them there; any other stays free text. And the
organiser's correction of a registrant's organisation (domain), audited, which the report follows."""

from __future__ import annotations

import importlib

import pytest

from events_app.domain import checkins, invitations, registrations
from events_app.domain import participation_reports as reports
from events_app.domain.checkins import Scan, WalkIn
from events_app.domain.errors import ValidationFailed
from events_app.domain.invitations import InviteeInput
from events_app.domain.organisation_names import name_key, organisation_names
from events_app.domain.registrations import Registrant, RegistrationInput
from events_app.domain.tables import AuditEntry, Invitation, Organisation, Registration
from tests.registration_helpers import SYSTEM, event_today, published_event

ORGANISER = Registrant(source="organiser", actor=SYSTEM)

RECOGNISED = [
    ("Länsstyrelsen Västernorrland", "lansstyrelsen"),
    ("länsstyrelsen västernorrland", "lansstyrelsen"),
    ("Länsstyrelsen Y", "lansstyrelsen"),
    ("Lst Y", "lansstyrelsen"),
    ("LST-Y", "lansstyrelsen"),
    ("LST", "lansstyrelsen"),
    ("Länsstyrelsen", "lansstyrelsen"),
    ("Länsstyrelsen i Västernorrlands län", "lansstyrelsen"),
    ("County Administrative Board of Västernorrland", "lansstyrelsen"),
    ("Region Västernorrland", "region"),
    ("REGION  västernorrland.", "region"),
    ("RVN", "region"),
    ("Region VN", "region"),
    ("Region Y", "region"),
    ("Landstinget Västernorrland", "region"),
    ("Sundsvalls kommun", "sundsvall"),
    ("SUNDSVALLS KOMMUN", "sundsvall"),
    ("Sundsvall kommun", "sundsvall"),
    ("Sundsvall", "sundsvall"),
    ("Sundsvalls", "sundsvall"),
    ("Sundsvall Municipality", "sundsvall"),
    ("Härnösands kommun", "harnosand"),
    ("Härnösand", "harnosand"),
    ("Harnosand", "harnosand"),
    ("Kramfors kommun", "kramfors"),
    ("Kramfors", "kramfors"),
    ("Timrå", "timra"),
    ("Timrås kommun", "timra"),
    ("Ånge kommun", "ange"),
    ("Sollefteå", "solleftea"),
    ("Örnsköldsviks kommun", "ornskoldsvik"),
    ("Ö-vik", "ornskoldsvik"),
    ("Kommunförbundet Västernorrland", "kommunforbundet"),
    ("Kommunförbundet Y", "kommunforbundet"),
    ("KFVN", "kommunforbundet"),
    ("sundsvall", "sundsvall"),  # the form's codes are recognised as before
]
NOT_RECOGNISED = [
    "Sundsvalls Tidning",
    "Kommunal",
    "kommun",
    "Region Stockholm",
    "Länsstyrelsen Stockholm",
    "Mittuniversitetet",
    "Sundsvalls kommun, miljökontoret",  # a department: the organiser may correct it by hand
    "Sundsvall Energi AB",
    "Västernorrland",
    "Y",
]


@pytest.mark.parametrize(("typed", "code"), RECOGNISED)
async def test_a_county_organisation_is_recognised_however_it_is_typed(typed, code):
    organisation = await Organisation.select(Organisation.id).where(Organisation.code == code).first()
    assert (await organisation_names()).recognise(typed) == (organisation["id"], "")


@pytest.mark.parametrize("typed", NOT_RECOGNISED)
async def test_any_other_organisation_stays_as_typed(typed):
    assert (await organisation_names()).recognise(f"  {typed} ") == (None, typed)


def test_the_key_ignores_case_marks_punctuation_and_filler_words():
    assert name_key("Länsstyrelsen i Västernorrlands län") == name_key("LST-Y") == "lansstyrelsen vasternorrland"
    assert name_key("  Sundsvalls   KOMMUN ") == "sundsvalls"
    assert name_key("") == ""


async def _code(row: dict) -> str | None:
    if row["organisation"] is None:
        return None
    return (await Organisation.select(Organisation.code).where(Organisation.id == row["organisation"]).first())["code"]


async def test_every_way_of_registering_records_the_county_organisation():
    event = await event_today()
    by_form = await registrations.register(
        event["slug"],
        RegistrationInput(name="Ann Form", email="ann@example.se", organisation="Lst Y", consent=True),
        Registrant(),
    )
    by_hand = await registrations.register(
        event["slug"],
        RegistrationInput(name="Bo Hand", email="bo@example.se", organisation="Härnösands kommun"),
        ORGANISER,
    )
    scan = Scan(code="", event=event["slug"], method="walk_in", device="entré")
    staff = {"id": None, "name": "Dörren", "role": "checkin"}
    await checkins.walk_in(event["slug"], WalkIn(name="Cia Dörr", organisation="RVN"), scan, staff)
    external = await registrations.register(
        event["slug"],
        RegistrationInput(name="Dan Extern", email="dan@example.se", organisation="Sundsvalls Tidning", consent=True),
        Registrant(),
    )
    rows = {row["name"]: row for row in await Registration.select()}
    assert await _code(rows["Ann Form"]) == "lansstyrelsen" and rows["Ann Form"]["organisation_text"] == ""
    assert await _code(rows["Bo Hand"]) == "harnosand"
    assert await _code(rows["Cia Dörr"]) == "region"
    assert await _code(rows["Dan Extern"]) is None and rows["Dan Extern"]["organisation_text"] == "Sundsvalls Tidning"
    # A changed organisation is recognised the same way (changed by an organiser, who may still change
    # it once today's event has begun; the registrant's own change goes through the same checks).
    await registrations.update_registration(
        str(external.registration["uid"]),
        RegistrationInput(name="Dan Extern", organisation="Sundsvall"),
        SYSTEM,
        by_organiser=True,
    )
    changed = await Registration.select().where(Registration.email == "dan@example.se").first()
    assert await _code(changed) == "sundsvall" and changed["organisation_text"] == ""
    # The report counts them under their organisations, nobody under "others".
    report = await reports.event_report(event["slug"])
    counted = {row["key"]: row["registered"] for row in report.breakdown.organisations}
    assert counted["lansstyrelsen"] == counted["harnosand"] == counted["region"] == counted["sundsvall"] == 1
    assert counted[reports.OTHERS] == 0
    assert by_form.registration and by_hand.registration


async def test_an_invitee_typed_with_a_county_organisation_is_invited_as_it():
    event = await published_event(audience="invitation")
    await invitations.add_invitee(
        event["slug"], InviteeInput(name="Ia Inbjuden", email="ia@example.se", organisation="Region VN"), SYSTEM
    )
    await invitations.add_invitee(
        event["slug"], InviteeInput(name="Jo Inbjuden", email="jo@example.se", organisation="Kommunal"), SYSTEM
    )
    rows = {row["email"]: row for row in await Invitation.select()}
    assert await _code(rows["ia@example.se"]) == "region" and rows["ia@example.se"]["organisation_text"] == ""
    assert await _code(rows["jo@example.se"]) is None and rows["jo@example.se"]["organisation_text"] == "Kommunal"


# --- The organiser's correction -----------------------------------------------------------------


async def _typed(event: dict, organisation: str) -> str:
    result = await registrations.register(
        event["slug"],
        RegistrationInput(name="Eva Ek", email="eva@example.se", organisation=organisation, consent=True),
        Registrant(),
    )
    return str(result.registration["uid"])


async def test_an_organiser_corrects_the_organisation_and_the_report_follows():
    event = await published_event()
    uid = await _typed(event, "Sundsvall kommun miljöförvaltningen")
    before = await reports.event_report(event["slug"])
    assert {row["key"]: row["registered"] for row in before.breakdown.organisations}[reports.OTHERS] == 1

    corrected = await registrations.correct_organisation(uid, "sundsvall", "ignored text", SYSTEM)

    assert (corrected["organisation_code"], corrected["organisation_text"]) == ("sundsvall", "")
    after = {
        row["key"]: row["registered"] for row in (await reports.event_report(event["slug"])).breakdown.organisations
    }
    assert (after["sundsvall"], after[reports.OTHERS]) == (1, 0)
    [entry] = await AuditEntry.select().where(AuditEntry.action == "registration.organisation_corrected")
    assert entry["object_id"] == uid
    assert entry["summary"] == "Sundsvall kommun miljöförvaltningen -> Sundsvalls kommun"

    # Free text typed by the organiser is recognised like a registrant's, or kept as typed.
    assert (await registrations.correct_organisation(uid, "", "Lst Y", SYSTEM))["organisation_code"] == "lansstyrelsen"
    other = await registrations.correct_organisation(uid, "", "  Mittuniversitetet ", SYSTEM)
    assert (other["organisation_code"], other["organisation_text"]) == (None, "Mittuniversitetet")
    assert (await registrations.correct_organisation(uid, "", "", SYSTEM))["organisation_text"] == ""
    assert await AuditEntry.count().where(AuditEntry.action == "registration.organisation_corrected") == 4
    # Saving the same again records nothing.
    await registrations.correct_organisation(uid, "", "", SYSTEM)
    assert await AuditEntry.count().where(AuditEntry.action == "registration.organisation_corrected") == 4


@pytest.mark.parametrize(
    ("code", "other", "field"),
    [("no-such-organisation", "", "organisation"), ("", "x" * 201, "organisation_other")],
)
async def test_a_bad_correction_changes_nothing(code, other, field):
    event = await published_event()
    uid = await _typed(event, "Företaget AB")
    with pytest.raises(ValidationFailed) as refused:
        await registrations.correct_organisation(uid, code, other, SYSTEM)
    assert list(refused.value.errors) == [field]
    row = await Registration.select().first()
    assert (row["organisation"], row["organisation_text"]) == (None, "Företaget AB")
    assert await AuditEntry.count().where(AuditEntry.action == "registration.organisation_corrected") == 0


# --- Existing rows: the data migration ----------------------------------------------------------


async def test_the_migration_records_existing_typed_county_organisations():
    event = await published_event(audience="public")
    for email, typed in (("a@example.se", "Sundsvalls kommun"), ("b@example.se", "Företaget AB")):
        result = await registrations.register(
            event["slug"], RegistrationInput(name=email, email=email, organisation="x", consent=True), Registrant()
        )
        # As such rows were stored before this change: the typed text, no organisation.
        await Registration.update({Registration.organisation: None, Registration.organisation_text: typed}).where(
            Registration.id == result.registration["id"]
        )
    migration = importlib.import_module("piccolo_migrations.events_app_2026_12_04t07_20_00_000000")

    assert await migration.recognise_typed_organisations() == 1

    rows = {row["email"]: row for row in await Registration.select()}
    assert await _code(rows["a@example.se"]) == "sundsvall" and rows["a@example.se"]["organisation_text"] == ""
    assert rows["b@example.se"]["organisation_text"] == "Företaget AB" and rows["b@example.se"]["organisation"] is None
    [entry] = await AuditEntry.select().where(AuditEntry.action == "registration.organisation_recognised")
    assert entry["summary"] == "Sundsvalls kommun -> Sundsvalls kommun"
    assert entry["object_id"] == str(rows["a@example.se"]["uid"])
