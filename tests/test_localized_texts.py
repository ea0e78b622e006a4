"""English texts beside the Swedish ones: what organisers enter, and what English and Swedish readers see.

An English reader gets the English text where the organiser wrote one and the Swedish otherwise, on
the event pages, the registration form, the ticket page, the mails and the calendar files; a Swedish
reader always gets the Swedish. Answers to choice questions are stored as the Swedish option.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time

import pytest
from icalendar import Calendar

from events_app.domain import api_tokens, events, materials, outbox, programme, questions, themes
from events_app.domain.errors import ValidationFailed
from events_app.domain.localized_texts import answer_text, localized, option_pairs
from events_app.domain.programme import SessionInput
from events_app.domain.questions import QuestionInput
from events_app.domain.rich_text import plain_text
from events_app.domain.seed import load_seed
from events_app.domain.tables import Material, OutboxMessage, Question, Registration, Theme
from events_app.i18n import STOCKHOLM, localtime, use_language
from tests.account_helpers import database_snapshot, location, sign_in_member, text_of, tr
from tests.registration_helpers import SYSTEM, published_event

DESCRIPTION_SV = "Två dagar om **klimat** och energi. Läs [programmet](https://example.se/program)."
DESCRIPTION_EN = "Two days on **climate** and energy. Read [the programme](https://example.se/programme)."


def in_english(client) -> None:
    client.cookies.set("lang", "en")


async def bilingual_event(**fields) -> dict:
    """A published event with English texts, a workshop with an English title and one without."""
    event = await published_event(
        title="Hållbarhetsdagarna",
        title_en="Sustainability Days",
        description=DESCRIPTION_SV,
        description_en=DESCRIPTION_EN,
        **fields,
    )
    day = localtime(event["starts_at"]).date()
    await programme.add_session(
        event["slug"],
        SessionInput(
            title="Klimatanpassning i kommunen",
            title_en="Climate adaptation in the municipality",
            description="Hur *kommunerna* förbereder sig.",
            description_en="How the *municipalities* prepare.",
            starts_at=datetime.combine(day, time(10, 15), STOCKHOLM),
            ends_at=datetime.combine(day, time(11, 45), STOCKHOLM),
            room="Sal 3",
            requires_signup=True,
        ),
        SYSTEM,
    )
    return event


async def lunch_question(event: dict) -> dict:
    return await questions.add_question(
        event["id"],
        QuestionInput(
            label="Vilken lunch vill du ha?",
            label_en="Which lunch would you like?",
            help_text="Vi bjuder på lunch båda dagarna.",
            help_text_en="Lunch is served on both days.",
            kind="single",
            options=["Vegetarisk", "Fisk"],
            options_en=["Vegetarian", "Fish"],
            key="lunch",
        ),
        SYSTEM,
    )


# --- The rule ------------------------------------------------------------------------------------


def test_an_english_reader_gets_the_english_text_where_it_is_written_and_the_swedish_otherwise():
    both = {"title": "Hållbarhetsdagarna", "title_en": "Sustainability Days"}
    swedish_only = {"title": "Hållbarhetsdagarna", "title_en": ""}

    assert localized(both, "title", "en") == "Sustainability Days"
    assert localized(both, "title", "sv") == "Hållbarhetsdagarna"
    assert localized(swedish_only, "title", "en") == "Hållbarhetsdagarna"
    assert localized({"title": "Hållbarhetsdagarna"}, "title", "en") == "Hållbarhetsdagarna"  # not selected
    with use_language("en"):
        assert localized(both, "title") == "Sustainability Days"
    with use_language("sv"):
        assert localized(both, "title") == "Hållbarhetsdagarna"
    # Reference data keeps both languages in *_sv and *_en.
    theme = {"name_sv": "Klimat och energi", "name_en": "Climate and energy"}
    assert (localized(theme, "name", "sv"), localized(theme, "name", "en")) == (
        "Klimat och energi",
        "Climate and energy",
    )


def test_the_options_keep_their_swedish_values_and_show_english_names():
    question = {"options": ["Vegetarisk", "Fisk"], "options_en": ["Vegetarian", "Fish"]}

    assert option_pairs(question, "en") == [("Vegetarisk", "Vegetarian"), ("Fisk", "Fish")]
    assert option_pairs(question, "sv") == [("Vegetarisk", "Vegetarisk"), ("Fisk", "Fisk")]
    assert option_pairs({**question, "options_en": []}, "en") == [("Vegetarisk", "Vegetarisk"), ("Fisk", "Fisk")]
    assert answer_text(question, "Fisk", "en") == "Fish"


async def test_english_options_must_line_up_with_the_swedish_ones():
    event = await published_event()
    data = QuestionInput(label="Lunch?", kind="single", options=["Vegetarisk", "Fisk", "Kött"], options_en=["Fish"])

    with pytest.raises(ValidationFailed) as refused:
        await questions.add_question(event["id"], data, SYSTEM)

    assert set(refused.value.errors) == {"options_en"}
    assert await Question.count() == 0
    # None at all is fine (English readers see the Swedish options), and so is one per option.
    await questions.add_question(event["id"], QuestionInput(label="Lunch?", kind="single", options=["A", "B"]), SYSTEM)
    aligned = QuestionInput(label="Middag?", kind="single", options=["Ja", "Nej"], options_en=["Yes", "No", ""])
    assert (await questions.add_question(event["id"], aligned, SYSTEM))["options_en"] == ["Yes", "No"]


def test_a_description_in_plain_text_has_no_markup_and_keeps_its_links():
    text = plain_text(
        "# Välkommen\n\nTvå dagar om **klimat** och *energi*.\n"
        "Läs [programmet](https://example.se/program) eller <https://example.se>.\n\n"
        "- Plenum\n- Verkstäder\n\n<b>inte HTML</b>"
    )

    assert text == (
        "Välkommen\n\nTvå dagar om klimat och energi.\n"
        "Läs programmet (https://example.se/program) eller https://example.se.\n\n"
        "- Plenum\n- Verkstäder\n\n<b>inte HTML</b>"
    )


# --- What readers see ----------------------------------------------------------------------------


async def test_an_english_visitor_sees_the_english_event_and_a_swedish_visitor_the_swedish(client):
    event = await bilingual_event()

    swedish = text_of(await client.get(f"/events/{event['slug']}"))
    in_english(client)
    english_response = await client.get(f"/events/{event['slug']}")
    english = text_of(english_response)

    assert "Sustainability Days" in english and "Climate adaptation in the municipality" in english
    assert "<strong>climate</strong>" in english_response.text and "<em>municipalities</em>" in english_response.text
    assert "Hållbarhetsdagarna" not in english and "Klimatanpassning" not in english
    assert "Workshop A: Klimat" in english  # no English title: the Swedish one
    assert "Hållbarhetsdagarna" in swedish and "Klimatanpassning i kommunen" in swedish and "kommunerna" in swedish
    assert "Sustainability Days" not in swedish and "Climate adaptation" not in swedish
    listing = text_of(await client.get("/events"))
    assert "Sustainability Days" in listing and "Hållbarhetsdagarna" not in listing


async def test_the_registration_form_asks_in_english_and_stores_the_swedish_option(client, settings):
    event = await bilingual_event()
    await lunch_question(event)
    form_url = f"/events/{event['slug']}/register"

    swedish = await client.get(form_url)
    assert "Vilken lunch vill du ha?" in text_of(swedish) and "Vi bjuder på lunch båda dagarna." in text_of(swedish)
    assert re.search(r'value="Vegetarisk"[^>]*>\s*<label[^>]*>Vegetarisk</label>', swedish.text)
    in_english(client)
    english = await client.get(form_url)
    page = text_of(english)
    assert "Which lunch would you like?" in page and "Lunch is served on both days." in page
    assert "Register for Sustainability Days" in page
    assert re.search(r'value="Vegetarisk"[^>]*>\s*<label[^>]*>Vegetarian</label>', english.text)
    assert re.search(r'value="Fisk"[^>]*>\s*<label[^>]*>Fish</label>', english.text)
    assert "Vilken lunch" not in page

    response = await client.submit(
        form_url,
        {
            "name": "Anna Andersson",
            "email": "anna@example.se",
            "organisation": "sundsvall",
            "consent": "1",
            "answer_lunch": "Fisk",
        },
        form_page=form_url,
    )

    assert response.status_code == 303, text_of(response)[:2000]
    registration = await Registration.select(Registration.answers, Registration.language).output(load_json=True).first()
    assert registration["answers"] == {"lunch": "Fisk"} and registration["language"] == "en"
    ticket_page = text_of(await client.get(location(response)))
    assert "Sustainability Days" in ticket_page and "Hållbarhetsdagarna" not in ticket_page

    # The confirmation is in the registrant's language, its calendar file too.
    row = await OutboxMessage.select().where(OutboxMessage.builder == "registration_received").output(load_json=True)
    mail = await outbox.render_queued(row[0])
    assert mail["subject"] == tr("en", "Registration confirmed: %(title)s", title="Sustainability Days")
    assert "Sustainability Days" in mail["text_body"] and "Hållbarhetsdagarna" not in mail["text_body"]
    attachments = mail.get("attachments") or await outbox.attachments_of(row[0]["id"])
    ics = next(a["content"] for a in attachments if a["filename"].endswith(".ics"))
    first = next(iter(Calendar.from_ical(ics).walk("VEVENT")))
    assert str(first["SUMMARY"]) == "Sustainability Days"


async def test_the_ticket_page_and_my_pages_show_the_english_titles_to_an_english_reader(client):
    event = await bilingual_event()
    [adaptation] = [s for s in await programme.programme(event["id"]) if s["title_en"]]
    in_english(client)
    form_url = f"/events/{event['slug']}/register"
    form = {"name": "Anna Andersson", "email": "anna@example.se", "organisation": "sundsvall", "consent": "1"}

    response = await client.submit(form_url, {**form, "sessions": [str(adaptation["uid"])]}, form_page=form_url)

    assert response.status_code == 303, text_of(response)[:2000]
    ticket = text_of(await client.get(location(response)))
    assert "Sustainability Days" in ticket and "Climate adaptation in the municipality" in ticket
    assert "Hållbarhetsdagarna" not in ticket and "Klimatanpassning" not in ticket
    await sign_in_member(client, "anna@example.se")
    mine = text_of(await client.get("/my"))
    assert "Sustainability Days" in mine and "Climate adaptation in the municipality" in mine
    assert "Hållbarhetsdagarna" not in mine


async def test_the_calendar_file_is_plain_text_in_the_readers_language(client):
    event = await bilingual_event()

    swedish = list(
        Calendar.from_ical((await client.get(f"/events/{event['slug']}/calendar.ics")).content).walk("VEVENT")
    )
    in_english(client)
    english = list(
        Calendar.from_ical((await client.get(f"/events/{event['slug']}/calendar.ics")).content).walk("VEVENT")
    )

    assert str(swedish[0]["SUMMARY"]) == "Hållbarhetsdagarna"
    assert (
        str(swedish[0]["DESCRIPTION"]) == "Två dagar om klimat och energi. Läs programmet (https://example.se/program)."
    )
    assert str(english[0]["SUMMARY"]) == "Sustainability Days"
    assert str(english[0]["DESCRIPTION"]) == (
        "Two days on climate and energy. Read the programme (https://example.se/programme)."
    )
    for vevent in swedish + english:
        assert "**" not in str(vevent["DESCRIPTION"]) and "](" not in str(vevent["DESCRIPTION"])


# --- The council's themes ------------------------------------------------------------------------


async def test_the_seed_themes_have_swedish_and_english_descriptions():
    rows = await themes.all_themes()

    assert len(rows) == 7
    for theme in rows:
        assert theme["description_sv"] and theme["description_en"], theme["slug"]
        # The English source notes ("RUS action plan: …", "Sekom matters: …") are not Swedish descriptions.
        assert "action plan" not in theme["description_sv"] and "matters" not in theme["description_sv"]
        assert theme["description_sv"] != theme["source"]
    climate = await themes.get_theme("klimat-energi")
    assert (
        "klimat- och energiplan" in climate["description_sv"] and "climate and energy plan" in climate["description_en"]
    )


async def test_a_theme_page_describes_the_theme_in_the_readers_language(client):
    climate = await themes.get_theme("klimat-energi")

    swedish = text_of(await client.get("/themes/klimat-energi"))
    front = text_of(await client.get("/"))
    in_english(client)
    english = text_of(await client.get("/themes/klimat-energi"))

    assert climate["description_sv"] in swedish and climate["description_sv"] in front
    assert "RUS action plan" not in swedish and "RUS action plan" not in front
    assert climate["description_en"] in english and "Climate and energy" in english


async def test_seeding_again_describes_themes_seeded_before_and_keeps_what_was_written():
    await Theme.update({Theme.description_sv: "", Theme.description_en: ""}).where(Theme.slug == "transport")
    await Theme.update({Theme.description_sv: "Rådets egen text."}).where(Theme.slug == "landsbygd")

    added = await load_seed()

    assert added["themes"] == 0
    transport = await themes.get_theme("transport")
    assert transport["description_sv"].startswith("Handlingsplanen för transportinfrastruktur")
    assert transport["description_en"].startswith("The action plan for transport infrastructure")
    assert (await themes.get_theme("landsbygd"))["description_sv"] == "Rådets egen text."
    before = await Theme.select().order_by(Theme.id)
    await load_seed()
    assert await Theme.select().order_by(Theme.id) == before


# --- What organisers enter -----------------------------------------------------------------------


EVENT_FORM = {
    "title": "Hållbarhetsdagarna 2027",
    "kind": "sustainability_day",
    "description": "Två dagar om klimat.",
    "audience": "public",
    "capacity": "",
    "starts_at_date": "2027-03-25",
    "starts_at_time": "09:00",
    "ends_at_date": "2027-03-26",
    "ends_at_time": "16:00",
    "venue_name": "Folkets Hus",
    "completion_rule": "all",
}


async def test_an_organiser_writes_the_english_texts_in_a_fieldset_of_their_own(organiser):
    form = await organiser.get("/organiser/events/new")
    assert f"<legend>{tr('sv', 'In English (optional)')}</legend>" in text_of(form)
    assert 'id="field-title_en" name="title_en"' in form.text and 'id="field-description_en"' in form.text

    response = await organiser.submit(
        "/organiser/events/new",
        {**EVENT_FORM, "title_en": "  Sustainability   Days 2027 ", "description_en": "Two days on climate.\n"},
    )

    event = await events.get_event(location(response).rsplit("/", 1)[1])
    assert (event["title_en"], event["description_en"]) == ("Sustainability Days 2027", "Two days on climate.")
    edit = await organiser.get(f"/organiser/events/{event['slug']}/edit")
    assert 'value="Sustainability Days 2027"' in edit.text

    session = await organiser.submit(
        f"/organiser/events/{event['slug']}/sessions/new",
        {
            "title": "Öppning",
            "title_en": "Opening",
            "description": "",
            "description_en": "Welcome.",
            "kind": "plenary",
            "date": "2027-03-25",
            "start_time": "09:00",
            "end_time": "09:30",
            "room": "",
            "capacity": "",
        },
    )
    assert session.status_code in (302, 303), text_of(session)[:2000]
    [added] = await programme.programme(event["id"])
    assert (added["title_en"], added["description_en"]) == ("Opening", "Welcome.")

    question = await organiser.submit(
        f"/organiser/events/{event['slug']}/questions",
        {
            "label": "Lunch?",
            "label_en": "Lunch?",
            "help_text": "",
            "help_text_en": "Served at noon.",
            "kind": "single",
            "options": "Vegetarisk\nFisk",
            "options_en": "Vegetarian\nFish",
        },
    )
    assert question.status_code in (302, 303), text_of(question)[:2000]
    stored = await Question.select(Question.help_text_en, Question.options_en).output(load_json=True).first()
    assert stored == {"help_text_en": "Served at noon.", "options_en": ["Vegetarian", "Fish"]}

    link = await organiser.submit(
        f"/organiser/events/{event['slug']}/material/link",
        {"title": "Presentationer", "title_en": "Presentations", "url": "https://example.se/a", "visibility": "public"},
        form_page=f"/organiser/events/{event['slug']}/material",
    )
    assert link.status_code in (302, 303), text_of(link)[:2000]
    assert (await Material.select(Material.title_en).first())["title_en"] == "Presentations"


async def test_english_options_that_do_not_line_up_are_shown_next_to_their_field_and_nothing_is_saved(organiser):
    event = await published_event()
    before = await database_snapshot()

    response = await organiser.submit(
        f"/organiser/events/{event['slug']}/questions",
        {"label": "Lunch?", "kind": "single", "options": "Vegetarisk\nFisk\nKött", "options_en": "Vegetarian\nFish"},
    )

    assert response.status_code == 400
    message = tr("sv", "Write one English option per Swedish option, in the same order, or none.")
    assert f'<p class="field-error" id="error-options_en">{message}</p>' in text_of(response)
    assert 'href="#field-options_en"' in response.text
    assert re.search(r'<textarea id="field-options_en"[^>]*aria-invalid="true"', response.text)
    after = await database_snapshot()
    assert {k: v for k, v in after.items() if k != "rate_limit_counter"} == {
        k: v for k, v in before.items() if k != "rate_limit_counter"
    }


async def test_the_material_title_in_english_on_the_event_page(client):
    event = await bilingual_event()
    await materials.add_link(
        event["slug"],
        materials.MaterialInput(title="Presentationer", title_en="Presentations", url="https://example.se/p"),
        SYSTEM,
    )

    swedish = text_of(await client.get(f"/events/{event['slug']}"))
    in_english(client)
    english = text_of(await client.get(f"/events/{event['slug']}"))

    assert "Presentationer" in swedish and "Presentations" not in swedish
    assert "Presentations" in english and "Presentationer" not in english


async def test_the_api_takes_and_gives_the_english_texts(client, staff_accounts):
    token = await api_tokens.create_token(staff_accounts["organiser"]["id"], "test", SYSTEM)
    headers = {"Authorization": f"Bearer {token}"}
    body = {
        "title": "Hållbarhetsdagarna 2027",
        "title_en": "Sustainability Days 2027",
        "description_en": "Two days on **climate**.",
        "kind": "sustainability_day",
        "starts_at": "2027-05-11T09:00:00+02:00",
        "ends_at": "2027-05-11T16:00:00+02:00",
    }

    created = (await client.post("/api/v1/events", json=body, headers=headers)).json()
    session = await client.post(
        f"/api/v1/events/{created['slug']}/sessions",
        json={
            "title": "Öppning",
            "title_en": "Opening",
            "starts_at": "2027-05-11T09:00:00+02:00",
            "ends_at": "2027-05-11T09:30:00+02:00",
        },
        headers=headers,
    )

    assert (created["title_en"], created["description_en"]) == ("Sustainability Days 2027", "Two days on **climate**.")
    assert session.status_code == 201, session.text
    assert session.json()["title_en"] == "Opening" and session.json()["description_en"] == ""
    event = (await client.get(f"/api/v1/events/{created['slug']}", headers=headers)).json()
    assert event["sessions"][0]["title_en"] == "Opening"


async def test_a_copy_of_last_years_event_keeps_its_english_texts():
    source = await bilingual_event()
    year = localtime(source["starts_at"]).year

    copy = await events.duplicate_event(source["slug"], date(year + 1, 5, 18), SYSTEM)

    assert copy["title_en"] == "Sustainability Days" and copy["description_en"] == DESCRIPTION_EN
    [adaptation] = [s for s in await programme.programme(copy["id"]) if s["title_en"]]
    assert adaptation["title_en"] == "Climate adaptation in the municipality"
    assert adaptation["description_en"] == "How the *municipalities* prepare."
