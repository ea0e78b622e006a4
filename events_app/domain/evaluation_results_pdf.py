"""An evaluation's results (`evaluation_results.results`) as an A4 PDF in the house style, for the council's
meeting papers: the title, the event, how many were asked and answered, then each question's figures as a
small table, its visible free texts and its breakdowns; the same suppression as the page (a form with too
few answers shows only their number, small groups are merged into "Others", hidden texts never appear)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from events_app.domain import evaluation_results as er
from events_app.domain.evaluation_results import EvaluationResults
from events_app.domain.localized_texts import localized
from events_app.domain.pdf_layout import MUTED, HouseStyle, new_document
from events_app.i18n import format_day, gettext, localtime, use_language

LABEL_WIDTH = 120  # mm: a table's first column (what was answered); the count follows
COUNT_WIDTH = 30
ROW_HEIGHT = 6


def render(result: EvaluationResults, *, language: str, created_at: datetime) -> bytes:
    with use_language(language):
        return _draw(result, language, created_at)


def _subtitle(result: EvaluationResults) -> str:
    event = result.event
    if not event:
        return ""
    starts = event.get("starts_at")
    day = f" · {format_day(localtime(starts).date())}" if starts else ""
    return f"{localized(event, 'title')}{day}"


def _counts_line(result: EvaluationResults) -> str:
    answered = gettext("Answers: %(count)s", count=result.answers)
    if result.asked is None:
        return answered
    return f"{gettext('Asked: %(count)s', count=result.asked)} · {answered}"


def _table(pdf: HouseStyle, header: tuple[str, str, str], rows: list[tuple[str, str, str]]) -> None:
    """Rows of (what, count, third column) with a bold header; a row that would not fit starts a new page."""
    widths = (LABEL_WIDTH - 35, COUNT_WIDTH - 5, 56)  # 166 mm: the page between its margins
    pdf.style(9, bold=True)
    for width, text in zip(widths, header, strict=True):
        pdf.cell(width, ROW_HEIGHT, pdf.clipped(text, width - 1), border="B")
    pdf.ln(ROW_HEIGHT)
    pdf.style(9)
    for row in rows:
        for width, text in zip(widths, row, strict=True):
            pdf.cell(width, ROW_HEIGHT, pdf.clipped(text, width - 1), border="B")
        pdf.ln(ROW_HEIGHT)
    pdf.style(11)
    pdf.ln(2)


def _question(pdf: HouseStyle, item: dict[str, Any]) -> None:
    if pdf.get_y() > pdf.h - 70:  # a question's heading is not left alone at the foot of a page
        pdf.add_page()
    pdf.text_block(er.question_label(item["question"]), size=11, bold=True, space_after=0)
    summary = gettext("Answered: %(count)s", count=item["answered"])
    if item["kind"] == er.RATING:
        summary += " · " + gettext("Average: %(value)s", value=er.number_text(item["average"]))
    pdf.text_block(summary, size=9, colour=MUTED, space_after=1)
    figures = er.figure_rows(item)
    if figures:
        _table(pdf, (gettext("Answer"), gettext("Count"), ""), [(what, str(count), "") for what, count in figures])
    for key, heading in (("by_organisation", gettext("By organisation")), ("by_side", gettext("By side"))):
        groups = er.group_rows(item, key)
        if groups:
            third = gettext("Average") if item["kind"] == er.RATING else gettext("Answers")
            _table(pdf, (heading, gettext("Answered"), third), [(g, str(n), f) for g, n, f in groups])
    for key, heading in (("by_organisation", gettext("By organisation")), ("by_side", gettext("By side"))):
        if er.breakdown_withheld(item, key):
            pdf.text_block(f"{heading}: {gettext(er.NO_BREAKDOWN)}", size=9, colour=MUTED, space_after=1)
    for text in er.visible_texts(item, names=False):
        pdf.text_block(f"– {text}", size=9, space_after=0)
    pdf.ln(3)


def _texts(result: EvaluationResults) -> list[str]:
    """Every text the document draws, so the house style picks a font that has all their characters."""
    texts = [_subtitle(result), er.number_text(1.5)]
    for item in result.questions:
        texts.append(er.question_label(item["question"]))
        texts += [what for what, _count in er.figure_rows(item)]
        texts += [
            label + figures for key in ("by_organisation", "by_side") for label, _n, figures in er.group_rows(item, key)
        ]
        texts += er.visible_texts(item, names=False)
    texts.append(gettext(er.NO_BREAKDOWN))
    return texts


def _draw(result: EvaluationResults, language: str, created_at: datetime) -> bytes:
    title = localized(result.evaluation, "title") or gettext("Evaluation")
    heading = gettext("Evaluation results")
    subtitle = _subtitle(result)
    pdf: HouseStyle = new_document(
        texts=[title, heading, *_texts(result)],
        title=f"{heading}: {title}",
        language=language,
        created_at=created_at,
        footer_text=f"{heading} · {title}",
    )
    pdf.add_page()
    pdf.issuer_heading()
    pdf.text_block(heading, size=10, colour=MUTED, space_after=0)
    pdf.text_block(title, size=15, bold=True, space_after=0)
    if subtitle:
        pdf.text_block(subtitle, size=12, colour=MUTED, space_after=1)
    pdf.text_block(_counts_line(result), size=11, space_after=4)
    if result.too_few:
        pdf.text_block(
            gettext(
                "Too few answers to show: the results of an anonymous evaluation are shown from %(minimum)s answers.",
                minimum=result.minimum,
            ),
            size=11,
        )
        return pdf.finish()
    if not result.has_breakdown:
        pdf.text_block(
            gettext("No breakdown by organisation or side: fewer than %(minimum)s answers.", minimum=result.minimum),
            size=9,
            colour=MUTED,
        )
    for item in result.questions:
        _question(pdf, item)
    return pdf.finish()
