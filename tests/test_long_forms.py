"""The organisers' long forms, without scripts: the event form's training-module fields are only for
modules (shown for them alone by the stylesheet, and ignored for other kinds); a session's speakers are
rows added and removed by buttons that bring the form back with everything typed kept and nothing
saved; a mailing's preview comes before the button that sends it."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from events_app.domain import events, programme
from events_app.domain.tables import Mailing, ProgrammeSession
from tests.account_helpers import location, ntr, tr
from tests.certificate_helpers import check_in, days_of, finished_event, participant
from tests.test_organiser_events import GOOD_EVENT, add, make_event, session_form
from tests.test_organiser_mailings import GOOD
from tests.test_organiser_mailings import url as mailings_url

# --- The event form's training-module fields ---------------------------------------------------


async def test_the_module_fields_follow_the_dates_and_are_shown_only_for_a_module(organiser):
    page = (await organiser.get("/organiser/events/new")).text
    module = re.search(r'<fieldset class="field group module-only">.*?</fieldset>', page, re.S)
    assert module and 'id="field-occasion_dates"' in module.group(0)
    # Right after the start and the end they refer to, not at the bottom of the form.
    assert page.index('id="field-ends_at"') < module.start() < page.index('name="venue_name"')
    css = (await organiser.get("/static/site.css")).text
    assert "form:has(select[name=kind] option[value=training_module]:not(:checked)) .module-only" in css


async def test_a_sustainability_day_ignores_whatever_the_hidden_module_field_holds(organiser):
    created = await organiser.submit(
        "/organiser/events/new", {**GOOD_EVENT, "kind": "sustainability_day", "occasion_dates": "nonsense\n2027-03-25"}
    )
    event = await events.get_event(urlsplit(location(created)).path.rsplit("/", 1)[-1])
    assert [day["day"].isoformat() for day in event["days"]] == ["2027-03-25", "2027-03-26"]


async def test_a_module_still_needs_its_occasions(organiser):
    refused = await organiser.submit("/organiser/events/new", {**GOOD_EVENT, "kind": "training_module"})
    assert refused.status_code == 400 and 'id="error-occasion_dates"' in refused.text


# --- Speakers as rows ------------------------------------------------------------------------------


def speaker_names(page: str) -> list[tuple[str, str]]:
    """(field name, value) of each speaker row's name on the page (the row template left out)."""
    page = re.sub(r"<template.*?</template>", "", page, flags=re.S)
    return re.findall(r'name="(speaker_name_\d+)" type="text" value="([^"]*)"', page)


async def test_a_new_session_has_one_speaker_row_and_an_add_button(organiser):
    event = await make_event()
    page = (await organiser.get(f"/organiser/events/{event['slug']}/sessions/new")).text
    assert speaker_names(page) == [("speaker_name_0", "")]
    assert f'value="add" class="button secondary" data-row-add>{tr("sv", "Add a speaker")}</button>' in page
    assert tr("sv", "Remove speaker %(num)s", num=1) in page
    assert '<script src="/static/rows.js" defer></script>' in page


async def test_add_a_speaker_keeps_everything_typed_and_saves_nothing(organiser):
    event = await make_event()
    url = f"/organiser/events/{event['slug']}/sessions/new"
    form = session_form(title="Länets klimatplan", room="Sal B", speaker_name_0="Maja Lind", speaker_title_0="Chef")
    response = await organiser.submit(url, {**form, "speaker_action": "add"})
    assert response.status_code == 200
    assert await ProgrammeSession.count() == 0
    page = response.text
    assert 'value="Länets klimatplan"' in page and 'value="Sal B"' in page and 'value="Chef"' in page
    # The four rows sent (three of them empty) and a fifth, new one, which gets the focus.
    assert [value for _, value in speaker_names(page)] == ["Maja Lind", "", "", "", ""]
    assert re.search(r'name="speaker_name_4"[^>]*autofocus', page)
    assert tr("sv", "Speaker %(num)s", num=5) in page


async def test_remove_a_speaker_keeps_the_others_and_saves_nothing(organiser):
    event = await make_event()
    await add(event["slug"], "Öppning", "2027-03-25", "09:00", "10:00")
    session = (await programme.programme(event["id"]))[0]
    url = f"/organiser/sessions/{session['uid']}/edit"
    form = {
        **session_form(title="Öppning", start="09:00", end="10:00"),
        "speaker_name_0": "Anna",
        "speaker_name_1": "Bertil",
        "speaker_name_2": "Cecilia",
        "speaker_action": "remove-1",
    }
    response = await organiser.submit(url, form)
    assert response.status_code == 200
    assert [value for _, value in speaker_names(response.text)] == ["Anna", "Cecilia", ""]
    assert re.search(r'id="speaker_add"[^>]*autofocus', response.text)
    assert (await programme.get_session(session["uid"]))["speakers"] == []

    saved = await organiser.submit(url, {**form, "speaker_action": ""})
    assert saved.status_code in (302, 303)
    assert [s["name"] for s in (await programme.get_session(session["uid"]))["speakers"]] == [
        "Anna",
        "Bertil",
        "Cecilia",
    ]


async def test_rows_added_and_removed_in_the_browser_are_read_whatever_their_numbers(organiser):
    """static/rows.js numbers a new row after the highest used, so a removed row leaves a gap."""
    event = await make_event()
    form = {
        **session_form(),
        "speaker_name_0": "Anna",
        "speaker_name_5": "Erik",
        "speaker_organisation_5": "Region Västernorrland",
        "speaker_name_12": "Lisa",
    }
    saved = await organiser.submit(f"/organiser/events/{event['slug']}/sessions/new", form)
    assert saved.status_code in (302, 303)
    session = (await programme.programme(event["id"]))[0]
    assert [(s["name"], s["organisation"]) for s in session["speakers"]] == [
        ("Anna", ""),
        ("Erik", "Region Västernorrland"),
        ("Lisa", ""),
    ]


async def test_an_edited_session_shows_its_speakers_without_empty_rows(organiser):
    event = await make_event()
    await organiser.submit(
        f"/organiser/events/{event['slug']}/sessions/new", {**session_form(), "speaker_name_0": "Anna"}
    )
    session = (await programme.programme(event["id"]))[0]
    page = (await organiser.get(f"/organiser/sessions/{session['uid']}/edit")).text
    assert speaker_names(page) == [("speaker_name_0", "Anna")]
    assert "Save and edit again" not in page


# --- The mailing's preview before its send button --------------------------------------------------


async def test_the_send_button_comes_after_the_preview(organiser):
    event = await finished_event()
    anna = await participant(event, "Anna Andersson", "anna@example.se")
    await check_in(event, anna, days_of(event)[0])
    created = await organiser.submit(mailings_url(event, "/new"), GOOD)
    page = (await organiser.get(urlsplit(location(created)).path)).text
    assert await Mailing.count() == 1
    preview = page.index('id="preview-heading"')
    send = page.index(ntr("sv", "Send to %(num)s person", "Send to %(num)s people", 1))
    assert preview < page.index('class="mail-preview"') < send
