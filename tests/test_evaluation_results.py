"""An evaluation's results: each question's figures, the free texts and their moderation, breakdowns by
organisation and side with small groups merged into "Others" (on the page, in the CSV, the XLSX and the
PDF), an anonymous form with too few answers showing nothing but their number, the standard form's trends
across a module's occasions and across years, the year's theme wishes on the planning page, and the
minimum group size taken from the site settings. Answers are inserted as rows, the way evaluation_answers
stores them."""

from __future__ import annotations

import io
import re
import uuid
from datetime import timedelta

import pytest

from events_app.domain import evaluation_results as er
from events_app.domain import evaluations, site_settings
from events_app.domain.errors import NotFound
from events_app.domain.participation_reports import OTHERS, OTHERS_LABEL
from events_app.domain.tables import (
    AuditEntry,
    Evaluation,
    EvaluationQuestion,
    EvaluationResponse,
    Event,
    EventDay,
    Organisation,
    Person,
)
from tests.account_helpers import text_of, tr
from tests.certificate_helpers import finished_event, finished_module, pdf_text
from tests.registration_helpers import SYSTEM

QUESTIONS = [
    {"kind": "rating", "text": "Helhetsintryck", "standard_key": "overall", "low_label": "Dåligt", "high_label": "Bra"},
    {"kind": "single", "text": "Hur fick du veta?", "options": ["Mejl", "Webben"], "options_en": ["Mail", "Web"]},
    {"kind": "multiple", "text": "Vad var bäst?", "options": ["Talarna", "Maten", "Lokalen"]},
    {"kind": "text", "text": "Övriga synpunkter"},
    {"kind": "themes", "text": "Vilka teman?", "standard_key": "themes"},
]


async def form(event: dict | None, *, named: bool = False, event_day: int | None = None, title: str = "Utvärdering"):
    """An evaluation with the five kinds of question, as get_evaluation returns it."""
    evaluation = Evaluation(
        event=event["id"] if event else None, event_day=event_day, title=title, named=named, status="open"
    )
    await evaluation.save()
    for position, question in enumerate(QUESTIONS):
        await EvaluationQuestion(evaluation=evaluation.id, position=position, **question).save()
    return await evaluations.evaluation_by_id(evaluation.id)


def uid_of(evaluation: dict, kind: str) -> str:
    return next(str(q["uid"]) for q in evaluation["questions"] if q["kind"] == kind)


async def org_id(code: str) -> int:
    return (await Organisation.select(Organisation.id).where(Organisation.code == code).first())["id"]


async def answer(
    evaluation: dict, *, org: str | None = None, side: str = "", person: int | None = None, **values
) -> int:
    """One response: values by kind (rating=4, single="Mejl", multiple=[...], text="...", themes={...})."""
    answers = {uid_of(evaluation, kind): value for kind, value in values.items()}
    response = EvaluationResponse(
        evaluation=evaluation["id"],
        locator=uuid.uuid4().hex,
        organisation=await org_id(org) if org else None,
        side=side,
        person=person,
        answers=answers,
    )
    await response.save()
    return response.id


async def many(evaluation: dict, count: int, **values) -> None:
    for _ in range(count):
        await answer(evaluation, **values)


def item(result: er.EvaluationResults, kind: str) -> dict:
    return next(q for q in result.questions if q["kind"] == kind)


def url(evaluation: dict, suffix: str = "") -> str:
    return f"/organiser/events/{evaluation['event']['slug']}/evaluations/{evaluation['uid']}/results{suffix}"


def xlsx_text(content: bytes) -> str:
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(content)).active
    return "\n".join(
        ";".join(str(cell) for cell in row if cell is not None) for row in sheet.iter_rows(values_only=True)
    )


async def exports(client, evaluation: dict) -> dict[str, str]:
    """The page, the CSV, the XLSX and the PDF as text."""
    page = await client.get(url(evaluation))
    csv = await client.get(url(evaluation, ".csv"))
    xlsx = await client.get(url(evaluation, ".xlsx"))
    pdf = await client.get(url(evaluation, ".pdf"))
    for response in (page, csv, xlsx, pdf):
        assert response.status_code == 200, response.text[:500]
    assert pdf.headers["content-type"] == "application/pdf"
    return {
        "page": text_of(page),
        "csv": csv.content.decode("utf-8-sig"),
        "xlsx": xlsx_text(xlsx.content),
        "pdf": " ".join(pdf_text(pdf.content).split()),
    }


@pytest.fixture
async def event():
    return await finished_event()


# --- Figures -------------------------------------------------------------------------------------------


async def test_each_question_s_figures(event):
    evaluation = await form(event, named=True)
    await answer(evaluation, rating=5, single="Mejl", multiple=["Talarna", "Maten"], text="Bra dag")
    await answer(evaluation, rating=4, single="Webben", multiple=["Talarna"], themes={"themes": ["transport"]})
    await answer(
        evaluation, rating=4, single="Affisch", themes={"themes": ["transport", "klimat-energi"], "other": "Vatten"}
    )
    await answer(evaluation, text="   ")  # blank text: not an answer
    result = await er.results(evaluation)

    assert (result.answers, result.too_few) == (4, False)
    rating = item(result, "rating")
    assert (rating["answered"], rating["average"]) == (3, 4.3)
    assert [row["count"] for row in rating["distribution"]] == [0, 0, 0, 2, 1]
    # The options in their order, then a stored value that is no longer one.
    assert [(row["value"], row["count"]) for row in item(result, "single")["options"]] == [
        ("Mejl", 1),
        ("Webben", 1),
        ("Affisch", 1),
    ]
    assert [(row["value"], row["count"]) for row in item(result, "multiple")["options"]] == [
        ("Talarna", 2),
        ("Maten", 1),
        ("Lokalen", 0),
    ]
    themes = {row["slug"]: row["count"] for row in item(result, "themes")["themes"]}
    assert (themes["transport"], themes["klimat-energi"], themes["landsbygd"]) == (2, 1, 0)
    assert [t["text"] for t in item(result, "themes")["texts"]] == ["Vatten"]
    texts = item(result, "text")
    assert texts["answered"] == 1 and [(t["text"], t["hidden"]) for t in texts["texts"]] == [("Bra dag", False)]
    # Fewer than five answers in all: no breakdown, even for a named form.
    assert not result.has_breakdown and "by_organisation" not in rating


def test_small_groups_are_merged_until_others_is_large_enough():
    assert er.merged_groups({"a": 6, "b": 5, "c": 2, OTHERS: 1}, 5) == (["a"], {"b", "c", OTHERS})
    assert er.merged_groups({"a": 6, "b": 5, "c": 3, "d": 2}, 5) == (["a", "b"], {"c", "d"})
    assert er.merged_groups({"a": 6, "b": 5}, 5) == (["a", "b"], set())
    # Nothing left to merge: "Others" stays as it is.
    assert er.merged_groups({"a": 6, OTHERS: 1}, 5) == ([], {"a", OTHERS})


# --- Small groups, too few answers ----------------------------------------------------------------------


async def sixteen_answers(event) -> dict:
    """Sundsvall 6 (majority), Timrå 5 (opposition), Härnösand 3 and Kramfors 2 (no side)."""
    evaluation = await form(event)
    await many(evaluation, 6, org="sundsvall", side="majority", rating=5, single="Mejl")
    await many(evaluation, 5, org="timra", side="opposition", rating=3, single="Webben")
    await many(evaluation, 3, org="harnosand", rating=1, single="Webben")
    await many(evaluation, 2, org="kramfors", rating=2, single="Mejl")
    return evaluation


async def test_groups_smaller_than_the_minimum_are_merged_into_others_everywhere(event, organiser):
    evaluation = await sixteen_answers(event)
    result = await er.results(evaluation)
    assert [(row["key"], row["answers"]) for row in result.organisations] == [
        ("sundsvall", 6),
        ("timra", 5),
        (OTHERS, 5),
    ]
    assert [(row["key"], row["answers"]) for row in result.sides] == [("majority", 6), ("opposition", 5), (OTHERS, 5)]
    by_org = {row["key"]: row for row in item(result, "rating")["by_organisation"]}
    assert (by_org["sundsvall"]["average"], by_org["timra"]["average"], by_org[OTHERS]["average"]) == (5.0, 3.0, 1.4)
    by_org = {row["key"]: row for row in item(result, "single")["by_organisation"]}
    assert [(row["value"], row["count"]) for row in by_org[OTHERS]["options"]] == [("Mejl", 2), ("Webben", 3)]

    others = tr("sv", OTHERS_LABEL)
    for name, text in (await exports(organiser, evaluation)).items():
        assert "Sundsvalls kommun" in text and "Timrå kommun" in text and others in text, name
        assert "Härnösand" not in text and "Kramfors" not in text, name


async def test_a_question_s_groups_are_sized_by_its_answers_so_nothing_can_be_subtracted(event, organiser):
    """Sundsvall 5 responses, of which 1 answered the rating (with 1); Timrå 5, all 4. Sized by the
    responses, Timrå's row and the question's total would give Sundsvall's one answer away."""
    evaluation = await form(event)
    await answer(evaluation, org="sundsvall", rating=1, single="Mejl")
    await many(evaluation, 4, org="sundsvall", single="Mejl")
    await many(evaluation, 5, org="timra", rating=4, single="Webben")
    result = await er.results(evaluation)
    rating = item(result, "rating")
    # Sundsvall (1 answer) would be merged into "Others" (1), which pulls Timrå in: one group, no breakdown.
    assert rating["by_organisation"] == [] and er.breakdown_withheld(rating, "by_organisation")
    assert er.group_rows(rating, "by_organisation") == []
    # Every respondent answered the choice: both groups shown.
    single = item(result, "single")
    assert [(row["key"], row["answered"]) for row in single["by_organisation"]] == [("sundsvall", 5), ("timra", 5)]
    # Nobody has a side: "Others" alone is the total, no table of it.
    assert result.sides == [] and item(result, "single")["by_side"] == []

    rows = [row for row in er.export_rows(result)[1] if row[1] == "Helhetsintryck"]
    assert not any("Timrå" in row[2] or "Sundsvall" in row[2] for row in rows)
    assert [row[2] for row in rows if row[0] == tr("sv", "By organisation")] == [tr("sv", er.NO_BREAKDOWN)]
    texts = await exports(organiser, evaluation)
    for name, text in texts.items():
        assert tr("sv", er.NO_BREAKDOWN) in text, name
    assert tr("sv", "Question %(number)s by organisation") % {"number": 1} not in texts["page"].replace(
        tr("sv", "Question %(number)s by organisation") % {"number": 1} + ": " + tr("sv", er.NO_BREAKDOWN), ""
    )


async def test_a_question_s_others_is_shown_only_with_the_minimum(event):
    evaluation = await sixteen_answers(event)  # Sundsvall 6, Timrå 5, Härnösand 3, Kramfors 2
    await answer(evaluation, org="sundsvall", side="majority", rating=5, multiple=["Maten"])
    for org in ("timra", "harnosand", "kramfors", "timra", "timra"):
        await answer(evaluation, org=org, multiple=["Talarna"])
    result = await er.results(evaluation)
    # The choice: Sundsvall 1, Timrå 3, Härnösand 1, Kramfors 1: all merged, "Others" alone: no breakdown.
    assert item(result, "multiple")["by_organisation"] == []
    # A named form's groups show their figures however few answered.
    await Evaluation.update({Evaluation.named: True}).where(Evaluation.id == evaluation["id"])
    evaluation["named"] = True
    by_org = {row["key"]: row for row in item(await er.results(evaluation), "multiple")["by_organisation"]}
    assert [row["count"] for row in by_org["sundsvall"]["options"]] == [0, 1, 0]


async def test_the_tables_of_answers_by_group_need_two_groups(event, organiser):
    evaluation = await form(event)
    await many(evaluation, 6, org="sundsvall", rating=4)
    await answer(evaluation, rating=4)
    result = await er.results(evaluation)
    # Sundsvall 6 and "Others" 1: "Others" takes Sundsvall, and alone it is the total.
    assert result.organisations == [] and result.sides == []
    page = (await exports(organiser, evaluation))["page"]
    assert 'id="groups"' not in page and "Sundsvall" not in page


async def test_the_minimum_comes_from_the_site_settings(event, organiser):
    evaluation = await sixteen_answers(event)
    await site_settings.save("evaluations", {"evaluation_min_group": "2"}, actor=SYSTEM)
    result = await er.results(evaluation)
    assert [row["key"] for row in result.organisations] == ["sundsvall", "timra", "harnosand", "kramfors"]
    page = (await exports(organiser, evaluation))["page"]
    assert "Härnösands kommun" in page and "Kramfors kommun" in page

    await site_settings.save("evaluations", {"evaluation_min_group": "20"}, actor=SYSTEM)
    result = await er.results(evaluation)
    assert result.too_few and result.questions == [] and result.organisations is None


async def test_an_anonymous_form_with_too_few_answers_shows_only_their_number(event, organiser):
    evaluation = await form(event)
    await many(evaluation, 3, org="sundsvall", rating=5, single="Mejl", text="Hemligt omdöme")
    result = await er.results(evaluation)
    assert (result.answers, result.too_few, result.questions, result.organisations) == (3, True, [], None)
    _header, rows = er.export_rows(result)
    assert len(rows) <= 3 and all("Hemligt" not in cell for row in rows for cell in row)

    too_few = tr("sv", er.TOO_FEW)
    for name, text in (await exports(organiser, evaluation)).items():
        assert too_few in text, name
        assert "Hemligt omdöme" not in text and "Helhetsintryck" not in text, name
        assert "Sundsvall" not in text, name


async def test_a_named_form_shows_everything_however_few_answered(event, organiser):
    evaluation = await form(event, named=True)
    await many(evaluation, 3, org="sundsvall", rating=5, text="Öppet omdöme")
    result = await er.results(evaluation)
    assert not result.too_few and item(result, "rating")["average"] == 5.0
    for name, text in (await exports(organiser, evaluation)).items():
        assert "Öppet omdöme" in text and "Helhetsintryck" in text, name


# --- Moderation --------------------------------------------------------------------------------------


async def test_a_hidden_text_stays_on_the_page_marked_and_leaves_the_exports_and_the_pdf(event, organiser):
    evaluation = await form(event, named=True)
    hidden = await answer(evaluation, rating=2, text="Kalle på kommunen är hopplös")
    kept = await answer(evaluation, rating=4, text="Tack för en bra dag")
    key = er.text_key(hidden, uid_of(evaluation, "text"))
    response = await organiser.submit(
        url(evaluation, "/hide"),
        {"key": key, "question": uid_of(evaluation, "text"), "hidden": "1"},
        form_page=url(evaluation),
    )
    assert response.status_code == 303
    entry = await AuditEntry.select().where(AuditEntry.action == "evaluation.text_hidden").first()
    assert entry and "response" not in str(entry["details"]) and "response" not in entry["summary"]
    result = await er.results(evaluation)
    texts = item(result, "text")["texts"]
    assert [(t["key"], t["hidden"]) for t in texts] == [
        (key, True),
        (er.text_key(kept, uid_of(evaluation, "text")), False),
    ]

    texts = await exports(organiser, evaluation)
    assert "Kalle på kommunen" in texts["page"] and tr("sv", "Hidden from the shared report:") in texts["page"]
    for name in ("csv", "xlsx", "pdf"):
        assert "Tack för en bra dag" in texts[name] and "Kalle" not in texts[name], name

    # Shown again.
    await organiser.submit(
        url(evaluation, "/hide"),
        {"key": key, "question": uid_of(evaluation, "text"), "hidden": "0"},
        form_page=url(evaluation),
    )
    assert "Kalle på kommunen" in (await exports(organiser, evaluation))["csv"]


async def test_only_an_answer_of_the_evaluation_can_be_hidden(event, organiser):
    evaluation = await form(event, named=True)
    other = await form(event, named=True, title="En annan")
    foreign = await answer(other, text="Annan utvärdering")
    with pytest.raises(NotFound):
        await er.set_text_hidden(
            evaluation["id"], er.text_key(foreign, uid_of(evaluation, "text")), uid_of(evaluation, "text"), True, SYSTEM
        )
    with pytest.raises(NotFound):  # a rating has no text to hide
        await er.set_text_hidden(
            other["id"], er.text_key(foreign, uid_of(other, "rating")), uid_of(other, "rating"), True, SYSTEM
        )
    with pytest.raises(NotFound):  # a response id is no key
        await er.set_text_hidden(other["id"], str(foreign), uid_of(other, "text"), True, SYSTEM)
    response = await organiser.submit(
        url(evaluation, "/hide"),
        {
            "key": er.text_key(foreign, uid_of(evaluation, "text")),
            "question": uid_of(evaluation, "text"),
            "hidden": "1",
        },
        form_page=url(evaluation),
    )
    assert response.status_code == 404
    assert (await EvaluationResponse.select(EvaluationResponse.hidden).where(EvaluationResponse.id == foreign).first())[
        "hidden"
    ] in ([], "[]")


# --- Trends and planning -------------------------------------------------------------------------------


async def test_a_module_s_occasions_are_compared_in_day_order(organiser):
    module = await finished_module(occasions=3)
    days = sorted(await EventDay.select().where(EventDay.event == module["id"]), key=lambda d: d["day"])
    # Made out of order: the trend follows the days.
    third = await form(module, event_day=days[2]["id"])
    first = await form(module, event_day=days[0]["id"])
    second = await form(module, event_day=days[1]["id"])
    await many(first, 5, rating=3)
    await many(second, 2, rating=5)  # too few
    await many(third, 5, rating=4)
    await many(third, 1, rating=5)
    trend = await er.module_trend(module["id"])
    assert [key["key"] for key in trend.keys] == ["overall"]
    assert [(p["answers"], p["too_few"], p["averages"].get("overall")) for p in trend.points] == [
        (5, False, 3.0),
        (2, True, None),
        (6, False, 4.2),
    ]
    page = text_of(await organiser.get(url(first)))
    assert tr("sv", "Trend across the module's occasions") in page and "4,2" in page


async def test_the_years_are_compared_for_the_kind_of_event():
    this_year = await finished_event(title="Hållbarhetsdagarna i år")
    last_year = await finished_event(title="Hållbarhetsdagarna i fjol")
    await Event.update({Event.starts_at: Event.starts_at - timedelta(days=365)}).where(Event.id == last_year["id"])
    await many(await form(last_year), 5, rating=2)
    await many(await form(this_year), 4, rating=5)
    await many(await form(this_year, named=True), 1, rating=4)  # the year's answers are counted together
    trend = await er.yearly_trend("sustainability_day")
    assert [(p["answers"], p["too_few"], p["averages"].get("overall")) for p in trend.points] == [
        (5, False, 2.0),
        (5, False, 4.0),  # this year's anonymous form of 4 is left out: only the named answer counts
    ]
    assert [p["label"] for p in trend.points] == sorted(p["label"] for p in trend.points)


async def test_the_theme_wishes_of_a_year_are_on_the_planning_page(event, organiser):
    evaluation = await form(event)
    await many(evaluation, 3, themes={"themes": ["transport", "landsbygd"]})
    await many(evaluation, 2, themes={"themes": ["landsbygd"], "other": "Vatten"})
    small = await form(event)
    await many(small, 2, themes={"themes": ["digitalisering"]})  # anonymous, too few: not counted
    year = (await Event.select(Event.starts_at).where(Event.id == event["id"]).first())["starts_at"]
    year = er.i18n.localtime(year).year

    wishes = await er.theme_wishes(year)
    assert [(row["slug"], row["count"]) for row in wishes.themes] == [("landsbygd", 5), ("transport", 3)]
    assert (wishes.other, wishes.evaluations, wishes.left_out) == (2, 1, 1)
    assert (await er.theme_wishes(year - 1)).themes == []

    page = text_of(await organiser.get(f"/organiser/council/year?from_year={year}&to_year={year + 1}"))
    section = page[page.index('id="theme-wishes-heading"') :]
    assert re.search(r"Landsbygdsutveckling</th><td>5<", section)
    assert re.search(r"Transportinfrastruktur</th><td>3<", section)
    assert "IT-utveckling" not in section


async def test_texts_carry_no_response_id_and_are_listed_by_their_text(event, organiser):
    evaluation = await form(event)
    first = await answer(evaluation, rating=4, text="Östersund var bäst", themes={"themes": [], "other": "Vatten"})
    await answer(evaluation, rating=4, text="bra lokal", themes={"themes": [], "other": "avfall"})
    await many(evaluation, 3, rating=4, text="Cirkus")
    result = await er.results(evaluation)
    texts = item(result, "text")["texts"]
    assert [t["text"] for t in texts] == ["bra lokal", "Cirkus", "Cirkus", "Cirkus", "Östersund var bäst"]
    assert all("response" not in t for t in texts)
    assert [t["text"] for t in item(result, "themes")["texts"]] == ["avfall", "Vatten"]
    # One response's keys differ per question: its texts cannot be linked across questions.
    by_text = {t["text"]: t["key"] for t in texts}
    other_key = next(t["key"] for t in item(result, "themes")["texts"] if t["text"] == "Vatten")
    assert by_text["Östersund var bäst"] == er.text_key(first, uid_of(evaluation, "text")) != other_key
    page = (await organiser.get(url(evaluation))).text
    assert 'name="response"' not in page


async def test_a_tiny_anonymous_form_is_left_out_of_its_year():
    this_year = await finished_event(title="Hållbarhetsdagarna i år")
    await many(await form(this_year), 5, rating=2)
    await many(await form(this_year), 1, rating=5)  # alone it would be the year minus the first form
    trend = await er.yearly_trend("sustainability_day")
    assert [(p["counted"], p["left_out"], p["averages"].get("overall")) for p in trend.points] == [(5, 1, 2.0)]


async def test_a_no_show_form_is_no_occasion_of_the_module():
    module = await finished_module(occasions=2)
    days = sorted(await EventDay.select().where(EventDay.event == module["id"]), key=lambda d: d["day"])
    first = await form(module, event_day=days[0]["id"])
    no_show = await form(module, event_day=days[0]["id"])
    await Evaluation.update({Evaluation.audience: "no_show"}).where(Evaluation.id == no_show["id"])
    second = await form(module, event_day=days[1]["id"])
    for evaluation in (first, no_show, second):
        await many(evaluation, 5, rating=3)
    trend = await er.module_trend(module["id"])
    assert len(trend.points) == 2


async def test_a_named_form_shows_who_wrote_what(event, organiser):
    evaluation = await form(event, named=True)
    anna = Person(name="Anna Andersson", email="anna@example.se")
    await anna.save()
    erased = Person(name="", email="erased@example.se")
    await erased.save()
    await answer(evaluation, person=anna.id, rating=5, single="Mejl", text="Mycket bra")
    await answer(evaluation, person=erased.id, rating=3, text="Sådär")
    result = await er.results(evaluation)
    assert {(t["name"], t["text"]) for t in item(result, "text")["texts"]} == {
        ("Anna Andersson", "Mycket bra"),
        ("—", "Sådär"),
    }
    header, rows = er.people_rows(result, with_hidden=False)
    assert header[1] == "Helhetsintryck" and ["Anna Andersson", "5", "Mejl", "", "Mycket bra", ""] in rows
    texts = await exports(organiser, evaluation)
    for name in ("page", "csv", "xlsx"):
        assert "Anna Andersson" in texts[name] and "—" in texts[name], name
    assert tr("sv", "Answers by person") in texts["page"]
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO((await organiser.get(url(evaluation, ".xlsx"))).content))
    people = list(workbook.worksheets[1].iter_rows(values_only=True))
    assert people[0][:2] == (tr("sv", "Name"), "Helhetsintryck") and ("Anna Andersson", "5") in [
        row[:2] for row in people
    ]

    anonymous = await form(event)
    await many(anonymous, 5, person=anna.id, rating=4, text="Hemligt")
    result = await er.results(anonymous)
    assert result.people == [] and all("name" not in t for t in item(result, "text")["texts"])
    for name, text in (await exports(organiser, anonymous)).items():
        assert "Anna Andersson" not in text, name
