"""The organisers' evaluation pages: a form made from the council's standard template, its settings
and questions changed (and refused with a Swedish message where the input is wrong, or once answers
have come in), opening, asking once, reminding exactly those who have not answered; the pages show
how many, never who. Check-in staff may do none of it, and POSTs need the CSRF token."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest

from events_app.domain import evaluation_answers, evaluations
from events_app.domain.evaluation_links import token_for
from events_app.domain.tables import Evaluation, EvaluationQuestion, EvaluationRequest, OutboxMessage
from events_app.i18n import localtime
from tests.account_helpers import location, ntr, text_of, tr
from tests.certificate_helpers import check_in, days_of, finished_event, participant
from tests.conftest import sign_in
from tests.registration_helpers import SYSTEM

NEW = {
    "copy_from": "standard",
    "title": "",
    "title_en": "",
    "intro": "",
    "intro_en": "",
    "audience": "attended",
    "scope": "",
    "closes_on": "",
    "send_after_hours": "",
}
RATING = {
    "kind": "rating",
    "text": "Hur var lunchen?",
    "text_en": "How was the lunch?",
    "options": "",
    "options_en": "",
    "low_label": "Dålig",
    "low_label_en": "Poor",
    "high_label": "Utmärkt",
    "high_label_en": "Excellent",
    "required": "",
}
NAMES = ("Anna Andersson", "Bo Berg", "Cilla Ceder", "anna@example.se", "bo@example.se", "cilla@example.se")


def url(event: dict, path: str = "") -> str:
    return f"/organiser/events/{event['slug']}/evaluations{path}"


@pytest.fixture
async def event():
    event = await finished_event()
    anna = await participant(event, "Anna Andersson", "anna@example.se")
    bo = await participant(event, "Bo Berg", "bo@example.se")
    await participant(event, "Cilla Ceder", "cilla@example.se")  # had a place, never came
    for person in (anna, bo):
        await check_in(event, person, days_of(event)[0])
    event["people"] = {"anna": anna, "bo": bo}
    return event


async def _questions() -> list[dict]:
    row = await Evaluation.select(Evaluation.id).where(Evaluation.event.is_not_null()).first()
    return await evaluations.questions_of(row["id"])


async def _create(organiser, event, **fields) -> str:
    created = await organiser.submit(url(event), {**NEW, **fields})
    assert created.status_code == 303, text_of(created)[:2000]
    return urlsplit(location(created)).path


async def test_made_from_the_standard_template_then_settings_and_questions_changed(organiser, event):
    page = await organiser.get(url(event))
    assert page.status_code == 200 and 'aria-current="page"' in page.text
    assert "Utvärdering" in page.text and "Vad hindrade dig?" in page.text
    path = await _create(organiser, event)
    form = await Evaluation.select().where(Evaluation.event == event["id"]).first()
    assert form["title"] == "Utvärdering" and form["status"] == "draft" and not form["named"]
    assert len(await _questions()) == len(evaluations.STANDARD_FORM["questions"])
    shown = text_of(await organiser.get(path))
    assert "Vad tycker du om evenemanget som helhet?" in shown
    assert tr("sv", "People asked: %(asked)s, answered: %(answered)s", asked=0, answered=0) in shown
    listed = text_of(await organiser.get(url(event)))
    assert f"{event['slug']}/evaluations/{form['uid']}/results" in listed

    closes_on = (localtime(event["ends_at"]) + timedelta(days=10)).date()
    changed = await organiser.submit(
        path,
        {
            **NEW,
            "title": "Hur var första dagen?",
            "scope": f"day:{days_of(event)[0].isoformat()}",
            "closes_on": closes_on.isoformat(),
            "send_after_hours": "48",
        },
    )
    assert changed.status_code == 303
    form = await Evaluation.select().where(Evaluation.id == form["id"]).first()
    assert form["title"] == "Hur var första dagen?" and form["send_after_hours"] == 48
    assert form["event_day"] == event["days"][0]["id"]
    assert localtime(form["closes_at"]).date() == closes_on + timedelta(days=1)
    page = text_of(await organiser.get(path))
    assert f'value="{closes_on.isoformat()}"' in page and 'value="48"' in page
    assert f'value="day:{days_of(event)[0].isoformat()}" selected' in page

    # A question added, changed, moved up and deleted.
    added = await organiser.submit(path + "/questions", RATING, form_page=path)
    assert added.status_code == 303
    questions = await _questions()
    assert questions[-1]["text"] == "Hur var lunchen?" and questions[-1]["high_label_en"] == "Excellent"
    lunch = str(questions[-1]["uid"])
    edit_page = await organiser.get(path + f"/questions/{lunch}")
    assert edit_page.status_code == 200 and 'value="Hur var lunchen?"' in edit_page.text
    edited = await organiser.submit(path + f"/questions/{lunch}", {**RATING, "text": "Hur smakade lunchen?"})
    assert edited.status_code == 303
    assert (await _questions())[-1]["text"] == "Hur smakade lunchen?"
    moved = await organiser.submit(path + f"/questions/{lunch}/up", {}, form_page=path)
    assert moved.status_code == 303
    questions = await _questions()
    assert str(questions[-2]["uid"]) == lunch
    await organiser.submit(path + f"/questions/{questions[0]['uid']}/down", {}, form_page=path)
    assert [q["uid"] for q in await _questions()][:2] == [questions[1]["uid"], questions[0]["uid"]]
    deleted = await organiser.submit(path + f"/questions/{lunch}/delete", {}, form_page=path)
    assert deleted.status_code == 303
    assert lunch not in [str(q["uid"]) for q in await _questions()]


async def test_bad_input_gives_a_swedish_message_and_changes_nothing(organiser, event):
    refused = await organiser.submit(url(event), {**NEW, "copy_from": ""})
    assert refused.status_code == 400
    assert tr("sv", "Give the evaluation a title.") in text_of(refused) and 'id="error-title"' in refused.text
    assert await Evaluation.count().where(Evaluation.event.is_not_null()) == 0

    path = await _create(organiser, event)
    before = await Evaluation.select().where(Evaluation.event == event["id"]).first()
    too_early = (localtime(event["starts_at"]) - timedelta(days=1)).date().isoformat()
    for fields, message in (
        ({"send_after_hours": "två dagar"}, "Write a whole number, for example 120."),
        ({"send_after_hours": "9999"}, "Enter a number of hours between 0 and 720, or leave it empty."),
        ({"closes_on": "31/12"}, "Write the date as YYYY-MM-DD, for example 2027-05-11."),
        ({"closes_on": too_early}, "The evaluation must close after what it is about has ended."),
        ({"scope": "day:1999-01-01"}, "Choose one of the event's days."),
        ({"audience": "everyone"}, "Choose whom the evaluation is for."),
    ):
        response = await organiser.submit(path, {**NEW, "title": "Ändrad", **fields})
        assert response.status_code == 400, fields
        assert tr("sv", message) in text_of(response), fields
    assert await Evaluation.select().where(Evaluation.id == before["id"]).first() == before

    count = len(await _questions())
    bad_choice = {**RATING, "kind": "single", "options": "Bara ett"}
    response = await organiser.submit(path + "/questions", bad_choice, form_page=path)
    assert response.status_code == 400
    assert tr("sv", "A choice question needs at least two options, one per line.") in text_of(response)
    response = await organiser.submit(path + "/questions", {**RATING, "text": " "}, form_page=path)
    assert response.status_code == 400 and tr("sv", "Write the question.") in text_of(response)
    assert len(await _questions()) == count


async def test_open_ask_once_and_remind_only_those_who_have_not_answered(organiser, event):
    path = await _create(organiser, event)
    asked_early = await organiser.submit(path + "/ask", {}, form_page=path)
    assert asked_early.status_code == 303
    assert tr("sv", "Open the evaluation (and check its closing date) before asking anyone.") in text_of(
        await organiser.get(path)
    )
    assert await EvaluationRequest.count() == 0

    assert (await organiser.submit(path + "/open", {}, form_page=path)).status_code == 303
    assert (await Evaluation.select(Evaluation.status).where(Evaluation.event.is_not_null()).first())[
        "status"
    ] == "open"
    page = text_of(await organiser.get(path))
    assert (
        ntr("sv", "The evaluation is for %(num)s person now.", "The evaluation is for %(num)s people now.", 2) in page
    )

    await organiser.submit(path + "/ask", {}, form_page=path)
    page = text_of(await organiser.get(path))
    asked_message = ntr(
        "sv",
        "%(num)s person was asked to answer the evaluation.",
        "%(num)s people were asked to answer the evaluation.",
        2,
    )
    assert asked_message in page
    assert tr("sv", "People asked: %(asked)s, answered: %(answered)s", asked=2, answered=0) in page
    mails = await OutboxMessage.select(OutboxMessage.to_address).where(OutboxMessage.kind == "evaluation_request")
    assert sorted(row["to_address"] for row in mails) == ["anna@example.se", "bo@example.se"]
    await organiser.submit(path + "/ask", {}, form_page=path)
    assert tr("sv", "Everyone the evaluation is for has been asked already.") in text_of(await organiser.get(path))
    assert await OutboxMessage.count().where(OutboxMessage.kind == "evaluation_request") == 2

    # Anna answers with her personal link.
    request = (
        await EvaluationRequest.select(EvaluationRequest.uid)
        .where(EvaluationRequest.registration == event["people"]["anna"]["id"])
        .first()
    )
    questions = await _questions()
    overall = next(q for q in questions if q["standard_key"] == "overall")
    assert await evaluation_answers.submit(token_for(request["uid"]), {evaluation_answers.field_name(overall): "5"})

    reminded = await organiser.submit(path + "/remind", {}, form_page=path)
    assert reminded.status_code == 303
    page = text_of(await organiser.get(path))
    assert tr("sv", "A reminder is on its way to everyone who has not answered.") in page
    reminders = await OutboxMessage.select(OutboxMessage.to_address).where(OutboxMessage.kind == "evaluation_reminder")
    assert [row["to_address"] for row in reminders] == ["bo@example.se"]
    assert tr("sv", "People asked: %(asked)s, answered: %(answered)s", asked=2, answered=1) in page
    # A second press within the hour reminds nobody.
    await organiser.submit(path + "/remind", {}, form_page=path)
    assert tr("sv", "A reminder was sent less than an hour ago.") in text_of(await organiser.get(path))
    assert await OutboxMessage.count().where(OutboxMessage.kind == "evaluation_reminder") == 1

    # Never who: neither the evaluation's page nor the list names anyone asked or answering.
    for shown in (page, text_of(await organiser.get(url(event)))):
        assert not any(name in shown for name in NAMES)

    # Once answers have come in the questions stay as they are, and whom the form is for too.
    count = len(questions)
    first = str(questions[0]["uid"])
    for target in ("/questions", f"/questions/{first}", f"/questions/{first}/delete", f"/questions/{first}/down"):
        response = await organiser.submit(path + target, RATING, form_page=path)
        assert response.status_code in (303, 400), target
    shown = text_of(await organiser.get(path))
    assert tr("sv", "Answers have come in: the questions can no longer change.") in shown
    assert [(q["uid"], q["text"]) for q in await _questions()] == [(q["uid"], q["text"]) for q in questions]
    assert len(await _questions()) == count
    named = await organiser.submit(path, {**NEW, "title": "Utvärdering", "named": "1"})
    assert named.status_code == 400
    assert tr(
        "sv", "People have been asked already: whom the form is for, and whether it is named, cannot change."
    ) in text_of(named)
    assert not (await Evaluation.select(Evaluation.named).where(Evaluation.event.is_not_null()).first())["named"]

    # Asked people: it cannot be deleted, only closed; closed, it can be opened again.
    await organiser.submit(path + "/delete", {}, form_page=path)
    assert await Evaluation.count().where(Evaluation.event.is_not_null()) == 1
    await organiser.submit(path + "/close", {}, form_page=path)
    assert (await Evaluation.select(Evaluation.status).where(Evaluation.event.is_not_null()).first())[
        "status"
    ] == "closed"
    await organiser.submit(path + "/open", {}, form_page=path)
    assert (await Evaluation.select(Evaluation.status).where(Evaluation.event.is_not_null()).first())[
        "status"
    ] == "open"


async def test_a_draft_nobody_was_asked_is_deleted(organiser, event):
    path = await _create(organiser, event, copy_from="no_show", audience="no_show")
    assert "Vad hindrade dig från att komma?" in text_of(await organiser.get(path))
    deleted = await organiser.submit(path + "/delete", {}, form_page=path)
    assert urlsplit(location(deleted)).path == url(event)
    assert await Evaluation.count().where(Evaluation.event.is_not_null()) == 0
    assert await EvaluationQuestion.count().where(EvaluationQuestion.evaluation.event.is_not_null()) == 0


async def test_check_in_staff_are_refused_and_posts_need_the_csrf_token(client, staff_accounts, event):
    await evaluations.ensure_templates()
    form = await evaluations.create_evaluation(
        event["slug"], evaluations.EvaluationInput(), SYSTEM, copy_from=evaluations.STANDARD
    )
    path = url(event, f"/{form['uid']}")
    question = f"/questions/{form['questions'][0]['uid']}"
    pages = [url(event), path, path + question]
    forms = [url(event), path, path + "/open", path + "/close", path + "/ask", path + "/remind", path + "/delete"]
    forms += [path + "/questions", path + question, *(path + question + end for end in ("/delete", "/up", "/down"))]
    await sign_in(client, "checkin@test.se")
    for target in pages:
        assert (await client.get(target)).status_code == 403, target
    for target in forms:
        assert (await client.submit(target, {**NEW, **RATING}, form_page="/staff")).status_code == 403, target
    await sign_in(client, "organiser@test.se")
    assert (await client.post(path + "/open", data={})).status_code == 403
    assert (await Evaluation.select(Evaluation.status).where(Evaluation.id == form["id"]).first())["status"] == "draft"
    assert await Evaluation.count().where(Evaluation.event.is_not_null()) == 1
    assert len(await evaluations.questions_of(form["id"])) == len(evaluations.STANDARD_FORM["questions"])
