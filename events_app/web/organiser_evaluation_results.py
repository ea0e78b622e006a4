"""An evaluation's results for organisers (/organiser/events/<slug>/evaluations/<uid>/results): each
question's numbers in a table beside a server-drawn bar chart, the free texts with hide / show buttons,
the breakdowns by organisation and side, the standard form's trends, and the CSV, XLSX and PDF exports.
What may be shown is decided in evaluation_results.py; this module only draws it."""

from __future__ import annotations

import asyncio
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template
from markupsafe import Markup

from events_app import i18n
from events_app.domain import evaluation_results as er
from events_app.domain import evaluation_results_pdf, evaluations
from events_app.domain.charts import Series, horizontal_bar_chart
from events_app.domain.errors import NotFound
from events_app.domain.localized_texts import localized
from events_app.domain.registration_reports import to_csv, to_xlsx_sheets
from events_app.domain.transactions import utcnow
from events_app.web.auth import actor_of
from events_app.web.downloads import CSV_TYPE, PDF_TYPE, XLSX_TYPE, download
from events_app.web.forms import read_form


def _answers_text(series: Series, value: Any) -> str:
    if value is None:
        return "–"
    return i18n.ngettext("%(num)s answer", "%(num)s answers", int(value))


def question_chart(item: dict[str, Any], index: int) -> Markup | None:
    """A question's counts as a bar chart (the same numbers are in its table); None for free text."""
    rows = er.figure_rows(item)
    if not rows:
        return None
    return Markup(
        horizontal_bar_chart(
            title=er.question_label(item["question"]),
            chart_id=f"question-{index}-chart",
            description=i18n.gettext("The number of answers for each choice; the same numbers are in the table."),
            categories=[what for what, _count in rows],
            series=[Series(i18n.gettext("Answers"), [count for _what, count in rows])],
            value_text=_answers_text,
        )
    )


def _average_text(series: Series, value: Any) -> str:
    return i18n.gettext("too few answers") if value is None else er.number_text(value)


def trend_chart(trend: er.Trend, key: dict[str, Any], chart_id: str, title: str) -> Markup:
    """One standard question's averages across the trend's points (1–5; "too few" where suppressed)."""
    return Markup(
        horizontal_bar_chart(
            title=f"{title}: {key['label']}",
            chart_id=chart_id,
            maximum=5,
            description=i18n.gettext("The average rating, 1 to 5, at each point; the same numbers are in the table."),
            categories=[point["label"] for point in trend.points],
            series=[Series(i18n.gettext("Average"), [point["averages"].get(key["key"]) for point in trend.points])],
            value_text=_average_text,
        )
    )


def _filename(evaluation: dict[str, Any], extension: str) -> str:
    slug = (evaluation.get("event") or {}).get("slug") or "utvardering"
    safe = "".join(ch for ch in slug if ch.isascii() and (ch.isalnum() or ch == "-")) or "utvardering"
    return f"{safe}-utvardering-{str(evaluation['uid'])[:8]}.{extension}"


async def _results(slug: str, uid: str) -> er.EvaluationResults:
    return await er.results(await evaluations.get_evaluation(slug, uid))


def _trend_charts(trends: dict[str, er.Trend]) -> dict[str, list[Markup]]:
    titles = {"occasions": i18n.gettext("By occasion"), "years": i18n.gettext("By year")}
    return {
        name: [trend_chart(trend, key, f"trend-{name}-{n}", titles[name]) for n, key in enumerate(trend.keys)]
        for name, trend in trends.items()
    }


class OrganiserEvaluationResultsController(Controller):
    """An evaluation's results page, its exports and the moderation of its free texts."""

    path = "/events/{slug:str}/evaluations/{uid:str}"

    @get("/results", name="organiser_evaluation_results")
    async def page(self, slug: FromPath[str], uid: FromPath[str]) -> Template:
        result = await _results(slug, uid)
        trends = await er.event_trends(result.event)
        return Template(
            "organiser/evaluation_results.html",
            context={
                "event": result.event,
                "evaluation": result.evaluation,
                "evaluation_title": localized(result.evaluation, "title") or i18n.gettext("Evaluation"),
                "result": result,
                "charts": [question_chart(item, n) for n, item in enumerate(result.questions)],
                "trends": trends,
                "trend_charts": _trend_charts(trends),
                "er": er,
                "people": er.people_rows(result, with_hidden=True) if result.people else None,
            },
        )

    @get("/results.csv", name="organiser_evaluation_results_csv")
    async def csv(self, slug: FromPath[str], uid: FromPath[str]) -> Response:
        result = await _results(slug, uid)
        header, rows = er.export_rows(result)
        if result.people:  # a named form: then each person's answers, a section of their own
            people_header, people = er.people_rows(result, with_hidden=False)
            rows = [*rows, [], [i18n.gettext("Answers by person")], people_header, *people]
        return download(to_csv(header, rows), _filename(result.evaluation, "csv"), CSV_TYPE)

    @get("/results.xlsx", name="organiser_evaluation_results_xlsx")
    async def xlsx(self, slug: FromPath[str], uid: FromPath[str]) -> Response:
        result = await _results(slug, uid)
        sheets = [(i18n.gettext("Evaluation"), *er.export_rows(result))]
        if result.people:  # a named form: each person's answers on a sheet of their own
            sheets.append((i18n.gettext("Answers by person"), *er.people_rows(result, with_hidden=False)))
        content = to_xlsx_sheets(sheets)
        return download(content, _filename(result.evaluation, "xlsx"), XLSX_TYPE)

    @get("/results.pdf", name="organiser_evaluation_results_pdf")
    async def pdf(self, slug: FromPath[str], uid: FromPath[str]) -> Response:
        result = await _results(slug, uid)
        content = await asyncio.to_thread(
            evaluation_results_pdf.render, result, language=i18n.current_language(), created_at=utcnow()
        )
        return download(content, _filename(result.evaluation, "pdf"), PDF_TYPE)

    @post("/results/hide", name="organiser_evaluation_results_hide")
    async def hide(self, request: Request, slug: FromPath[str], uid: FromPath[str]) -> Response:
        evaluation = await evaluations.get_evaluation(slug, uid)
        form = await read_form(request, "key", "question", "hidden")
        if not form["key"]:
            raise NotFound()
        hidden = form["hidden"] == "1"
        await er.set_text_hidden(evaluation["id"], form["key"], form["question"], hidden, actor_of(request))
        message = (
            i18n.gettext("The answer is hidden from the shared report.")
            if hidden
            else i18n.gettext("The answer is shown in the shared report again.")
        )
        flash(request, message, "success")
        target = request.app.route_reverse("organiser_evaluation_results", slug=slug, uid=uid)
        return Redirect(f"{target}#question-{form['question']}", status_code=303)
