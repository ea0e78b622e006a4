"""The door's search by name: what staff type on a phone ("asa ob") finds "Åsa Öberg", in the
database, at most twenty at a time, only at the event searched, and follows every change of a
name or an organisation. Runs on both databases."""

from __future__ import annotations

import unicodedata

from events_app.domain import checkins, erasure, registrations
from events_app.domain.checkins import SEARCH_LIMIT, Scan, WalkIn
from events_app.domain.registrations import Registrant
from events_app.domain.tables import Registration
from events_app.domain.text_folding import search_text, search_words
from events_app.i18n import localtime
from tests.registration_helpers import SYSTEM, bulk_registrations, form, published_event, registered

STAFF = {"id": None, "name": "Kim på entrén", "role": "organiser"}
STRANGER = Registrant(ip="198.51.100.10")


async def names(slug: str, query: str) -> list[str]:
    return [row["name"] for row in await checkins.search(slug, query)]


def test_search_words_fold_case_diacritics_and_separators():
    assert search_words("Åsa Öberg") == search_words("asa oberg") == search_words("ÅSA ÖBERG") == ["asa", "oberg"]
    decomposed = unicodedata.normalize("NFD", "Åsa Öberg")  # å typed as a + ring, as a PDF pastes it
    assert search_words(decomposed) == ["asa", "oberg"]
    assert search_words("Anna-Karin Ødegård, Æbeltoft") == ["anna", "karin", "odegard", "aebeltoft"]
    assert search_words("Straße Łukasz Müller") == ["strasse", "lukasz", "muller"]
    assert search_words("Иван 100%_") == ["иван", "100"]  # another script stays; wildcards are separators
    assert search_text("Åsa Öberg", "Energi AB") == " asa oberg energi ab"


async def test_staff_find_a_name_typed_without_diacritics_or_capitals_by_the_start_of_its_words():
    event = await published_event()
    slug = event["slug"]
    for email, name, organisation in (
        ("asa@example.se", "Åsa Öberg", "sundsvall"),
        ("oskar@example.se", "Oskar Oberg", "timra"),
        ("ak@example.se", "Anna-Karin Ødegård", "Energibolaget AB"),
        ("bo@example.se", "Bo Ek", "Energibolaget AB"),
    ):
        await registered(slug, form(email, name=name, organisation=organisation), STRANGER)

    assert await names(slug, "asa oberg") == ["Åsa Öberg"]
    assert await names(slug, "ÅSA") == await names(slug, "åsa") == ["Åsa Öberg"]
    assert await names(slug, "asa ob") == await names(slug, "ob asa") == ["Åsa Öberg"]
    assert await names(slug, "öberg") == await names(slug, "Oberg") == ["Åsa Öberg", "Oskar Oberg"]
    assert await names(slug, unicodedata.normalize("NFD", "Åsa")) == ["Åsa Öberg"]
    # Every word must begin a word: the middle of a name finds nothing, nor does a word not there.
    assert await names(slug, "berg") == []
    assert await names(slug, "asa ek") == []
    assert await names(slug, "karin") == await names(slug, "odeg") == ["Anna-Karin Ødegård"]
    assert await names(slug, "anna-karin") == ["Anna-Karin Ødegård"]
    # The organisation: as typed, or one of the county's by its name (sundsvall is recorded by its code).
    assert await names(slug, "energi") == ["Anna-Karin Ødegård", "Bo Ek"]
    assert await names(slug, "sundsv") == ["Åsa Öberg"]
    assert await names(slug, "oberg timra") == ["Oskar Oberg"]
    assert await names(slug, "bo energi") == ["Bo Ek"]
    # Too short to search, and wildcards typed are only separators.
    assert await names(slug, "a") == await names(slug, "%") == await names(slug, "_ %") == []


async def test_at_most_twenty_are_found_and_none_from_another_event():
    event = await published_event()
    other = await published_event(title="Rådsmöte")
    await bulk_registrations(event, 30)
    here = await registered(event["slug"], form("asa@example.se", name="Åsa Öberg"), STRANGER)
    there = await registered(other["slug"], form("asa@example.se", name="Åsa Öberg"), STRANGER)

    found = await checkins.search(event["slug"], "deltagare")
    assert len(found) == SEARCH_LIMIT == 20
    assert [row["name"][:15] for row in found] == [f"Deltagare {n:05d}" for n in range(20)]  # in order
    assert await names(event["slug"], "deltagare 00029 langnamns") == ["Deltagare 00029 Långnamnsson-Österberg"]
    assert [row["uid"] for row in await checkins.search(event["slug"], "asa oberg")] == [here["uid"]]
    assert [row["uid"] for row in await checkins.search(other["slug"], "asa oberg")] == [there["uid"]]
    assert await names(other["slug"], "deltagare") == []


async def test_the_search_follows_changes_cancellations_walk_ins_and_erasure():
    event = await published_event()
    slug = event["slug"]
    asa = await registered(slug, form("asa@example.se", name="Åsa Öberg", organisation="Ödeshögs bygg"), STRANGER)
    assert await names(slug, "odeshog") == ["Åsa Öberg"]

    await registrations.update_registration(str(asa["uid"]), form("asa@example.se", name="Åsa Lind"), SYSTEM)
    assert await names(slug, "oberg") == [] and await names(slug, "asa lind") == ["Åsa Lind"]
    assert await names(slug, "odeshog") == []  # the form now says Sundsvall

    await registrations.correct_organisation(str(asa["uid"]), "", "Älvdalens Skog AB", SYSTEM)
    assert await names(slug, "alvdal") == ["Åsa Lind"] and await names(slug, "sundsv") == []

    scan = Scan(reason="Efteranmälan", confirmed=True, code="", event=slug, method="walk_in", device="entré")
    scan.day = localtime(event["starts_at"]).date()
    await checkins.walk_in(slug, WalkIn(name="Örjan Ström", organisation="Ånge Energi"), scan, STAFF)
    assert await names(slug, "orjan str") == await names(slug, "ange") == ["Örjan Ström"]

    await registrations.cancel_registration(str(asa["uid"]), SYSTEM)
    assert await names(slug, "asa") == []  # a cancelled registration is not at the door

    bo = await registered(slug, form("bo@example.se", name="Bo Ek"), STRANGER)

    await erasure.empty_registrations([bo["id"]])
    assert await names(slug, "bo ek") == []
    assert (await Registration.select(Registration.search_text).where(Registration.id == bo["id"]).first()) == {
        "search_text": ""
    }
