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


async def answer(evaluation: dict, *, org: str | None = None, side: str = "", **values) -> int:
    """One response: values by kind (rating=4, single="Mejl", multiple=[...], text="...", themes={...})."""
    answers = {uid_of(evaluation, kind): value for kind, value in values.items()}
    response = EvaluationResponse(
        evaluation=evaluation["id"],
        locator=uuid.uuid4().hex,
        organisation=await org_id(org) if org else None,
        side=side,
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


async def test_a_group_where_few_answered_a_question_shows_only_how_many_did(event):
    evaluation = await sixteen_answers(event)
    await answer(evaluation, org="sundsvall", side="majority", rating=5, multiple=["Maten"])
    result = await er.results(evaluation)
    by_org = {row["key"]: row for row in item(result, "multiple")["by_organisation"]}
    assert (by_org["sundsvall"]["answered"], by_org["sundsvall"]["too_few"]) == (1, True)
    assert "options" not in by_org["sundsvall"]
    rows = [row for row in er.export_rows(result)[1] if row[1] == "Vad var bäst?"]
    assert not any("Maten" in row[2] for row in rows if row[0] != tr("sv", "Figures"))
    # A named form's groups show their figures however few answered.
    await Evaluation.update({Evaluation.named: True}).where(Evaluation.id == evaluation["id"])
    evaluation["named"] = True
    by_org = {row["key"]: row for row in item(await er.results(evaluation), "multiple")["by_organisation"]}
    assert [row["count"] for row in by_org["sundsvall"]["options"]] == [0, 1, 0]


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
    kept = await answer(evaluation, rating=4, text="Tack för en bra dag")
    hidden = await answer(evaluation, rating=2, text="Kalle på kommunen är hopplös")
    response = await organiser.submit(
        url(evaluation, "/hide"),
        {"response": str(hidden), "question": uid_of(evaluation, "text"), "hidden": "1"},
        form_page=url(evaluation),
    )
    assert response.status_code == 303
    assert (await AuditEntry.count().where(AuditEntry.action == "evaluation.text_hidden")) == 1
    result = await er.results(evaluation)
    assert [(t["response"], t["hidden"]) for t in item(result, "text")["texts"]] == [(kept, False), (hidden, True)]

    texts = await exports(organiser, evaluation)
    assert "Kalle på kommunen" in texts["page"] and tr("sv", "Hidden from the shared report:") in texts["page"]
    for name in ("csv", "xlsx", "pdf"):
        assert "Tack för en bra dag" in texts[name] and "Kalle" not in texts[name], name

    # Shown again.
    await organiser.submit(
        url(evaluation, "/hide"),
        {"response": str(hidden), "question": uid_of(evaluation, "text"), "hidden": "0"},
        form_page=url(evaluation),
    )
    assert "Kalle på kommunen" in (await exports(organiser, evaluation))["csv"]


async def test_only_an_answer_of_the_evaluation_can_be_hidden(event, organiser):
    evaluation = await form(event, named=True)
    other = await form(event, named=True, title="En annan")
    foreign = await answer(other, text="Annan utvärdering")
    with pytest.raises(NotFound):
        await er.set_text_hidden(evaluation["id"], foreign, uid_of(evaluation, "text"), True, SYSTEM)
    with pytest.raises(NotFound):  # a rating has no text to hide
        await er.set_text_hidden(other["id"], foreign, uid_of(other, "rating"), True, SYSTEM)
    response = await organiser.submit(
        url(evaluation, "/hide"),
        {"response": str(foreign), "question": uid_of(evaluation, "text"), "hidden": "1"},
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
        (5, False, 4.8),
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
