"""An evaluation's results: per question the counts, averages and distributions, the free texts (with the
organiser's moderation), the breakdowns by organisation and by side, the standard form's trends across a
module's occasions and across years, the year's theme wishes for planning, and the rows of the exports.

Nobody may be singled out by the figures of an anonymous form (docs/evaluations.md):

- the minimum group size is the setting `evaluations.evaluation_min_group` (default 5);
- an anonymous form with fewer answers than the minimum shows only how many answered (`too_few`): no
  figures, no texts. A named form shows everything; its answers carry the person anyway;
- a breakdown (by organisation, by side) shows a group on its own only when at least the minimum number of
  answers came from it; the rest are merged into "Others". When "Others" is then non-empty but smaller
  than the minimum, the smallest shown group joins it, again, until it is large enough or nothing else is
  shown. An evaluation with fewer answers in all than the minimum has no breakdown. A question's
  breakdown sizes its groups by the answers TO THAT QUESTION (otherwise the question's total minus the
  shown groups would give a withheld group's answers exactly), and is left out when fewer than two groups
  would be shown. The tables of answers per group follow the same rule;
- a trend's point (an occasion, a year) with fewer answers than the minimum is shown as "too few", and an
  anonymous form with fewer answers than the minimum is left out before a year is pooled (else the year
  minus the rest would give it away);
- organisers never see response ids (they are in arrival order and would link one person's texts across
  questions): a free text is named by an opaque key per (response, question), and listed by its text.
  A named form shows each text's person and a table of each person's answers.

Hidden free texts are marked on the organiser's page and never written to an export or the PDF.
"""

from __future__ import annotations

import hmac
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from babel.numbers import format_decimal

from events_app import i18n
from events_app.domain import audit, site_settings
from events_app.domain.errors import NotFound
from events_app.domain.evaluation_links import keyed_hash
from events_app.domain.evaluations import MULTIPLE, RATING, SINGLE, TEXT, THEMES
from events_app.domain.localized_texts import localized, option_pairs
from events_app.domain.participation_reports import OTHERS, OTHERS_LABEL, SIDES
from events_app.domain.people import side_label
from events_app.domain.tables import (
    Evaluation,
    EvaluationAudience,
    EvaluationQuestion,
    EvaluationResponse,
    EventKind,
    Organisation,
    Theme,
)
from events_app.domain.transactions import atomic
from events_app.domain.validation import parse_uid
from events_app.i18n import N_

SCALE = (1, 2, 3, 4, 5)
# The question kinds whose answers hold free text an organiser can hide ("themes": its "other" text).
FREE_TEXT_KINDS = (TEXT, THEMES)
TOO_FEW = N_("Too few answers to show")
NO_BREAKDOWN = N_("No breakdown for this question: too few answers in the groups.")
NO_NAME = "—"  # an erased person's name


async def minimum_group() -> int:
    return await site_settings.number("evaluations", "evaluation_min_group")


@dataclass
class EvaluationResults:
    """What the organiser's page, the exports and the PDF show of one evaluation."""

    evaluation: dict[str, Any]
    event: dict[str, Any] | None
    answers: int  # how many answered (responses)
    minimum: int
    too_few: bool  # an anonymous form with fewer answers than the minimum: nothing but `answers`
    asked: int | None = None
    questions: list[dict[str, Any]] = field(default_factory=list)
    # The breakdowns' groups ({"key", "name_sv", "name_en", "answers"}, "Others" last when not empty);
    # None when the evaluation has too few answers for any breakdown.
    organisations: list[dict[str, Any]] | None = None
    sides: list[dict[str, Any]] | None = None
    # A named form's answers person by person: {"name", "answers": {question uid: value}, "hidden": [...]}.
    people: list[dict[str, Any]] = field(default_factory=list)

    @property
    def has_breakdown(self) -> bool:
        return self.organisations is not None


# --- Figures ----------------------------------------------------------------------------------------


def average(values: list[int]) -> float | None:
    """The mean to one decimal, None for no values."""
    return round(sum(values) / len(values), 1) if values else None


def _ratings(values: list[Any]) -> list[int]:
    return [value for value in values if isinstance(value, int) and not isinstance(value, bool) and value in SCALE]


def _chosen(value: Any) -> list[str]:
    """A choice answer as the list of options it names (single: one, multiple: several)."""
    if isinstance(value, list):
        return [str(item) for item in value if item not in (None, "")]
    return [str(value)] if value not in (None, "") else []


def _option_counts(question: dict[str, Any], values: list[Any]) -> list[dict[str, Any]]:
    """Each option's count in the options' order, then any stored value that is no longer an option."""
    counts = Counter(option for value in values for option in _chosen(value))
    rows = [{"value": value, "label": label, "count": counts.pop(value, 0)} for value, label in option_pairs(question)]
    rows += [{"value": value, "label": value, "count": count} for value, count in sorted(counts.items())]
    return rows


def _theme_counts(values: list[Any], themes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    counts = Counter(slug for value in values if isinstance(value, dict) for slug in value.get("themes") or [])
    known = {theme["slug"] for theme in themes}
    rows = [{**_theme_names(theme), "count": counts.get(theme["slug"], 0)} for theme in themes]
    rows += [
        {"slug": slug, "name_sv": slug, "name_en": slug, "count": n} for slug, n in counts.items() if slug not in known
    ]
    return rows


def _theme_names(theme: dict[str, Any]) -> dict[str, Any]:
    return {"slug": theme["slug"], "name_sv": theme["name_sv"], "name_en": theme["name_en"]}


def _free_text(question: dict[str, Any], value: Any) -> str:
    if question["kind"] == THEMES:
        return str(value.get("other") or "").strip() if isinstance(value, dict) else ""
    return str(value or "").strip() if isinstance(value, str) else ""


def text_key(response_id: int, question_uid: Any) -> str:
    """The opaque name of one free-text answer: differs per question, so texts cannot be linked."""
    return keyed_hash(b"text key", f"{response_id}:{question_uid}", 16)


def _texts(question: dict[str, Any], responses: list[dict[str, Any]], named: bool) -> list[dict[str, Any]]:
    """The free texts sorted by their text (not by arrival), each with its opaque key; a named form's
    with the person's name."""
    uid = str(question["uid"])
    texts = []
    for response in responses:
        text = _free_text(question, response["answers"].get(uid))
        if text:
            row = {"key": text_key(response["id"], uid), "text": text, "hidden": uid in (response["hidden"] or [])}
            if named:
                row["name"] = response.get("person_name") or NO_NAME
            texts.append(row)
    return sorted(texts, key=lambda row: (row["text"].casefold(), row["text"]))


def _figures(question: dict[str, Any], values: list[Any], themes: list[dict[str, Any]]) -> dict[str, Any]:
    """The figures of one question's answers (`values`, one per response that answered)."""
    kind = question["kind"]
    if kind == RATING:
        ratings = _ratings(values)
        counts = Counter(ratings)
        return {
            "answered": len(ratings),
            "average": average(ratings),
            "distribution": [{"value": n, "count": counts.get(n, 0)} for n in SCALE],
        }
    if kind in (SINGLE, MULTIPLE):
        return {"answered": len(values), "options": _option_counts(question, values)}
    if kind == THEMES:
        return {"answered": len(values), "themes": _theme_counts(values, themes)}
    return {"answered": len(values)}


def _answered(question: dict[str, Any], response: dict[str, Any]) -> bool:
    value = response["answers"].get(str(question["uid"]))
    if value is None:
        return False
    if question["kind"] == TEXT:
        return bool(_free_text(question, value))
    if question["kind"] == RATING:
        return bool(_ratings([value]))
    return value not in ("", [], {})


def _values(question: dict[str, Any], responses: list[dict[str, Any]]) -> list[Any]:
    uid = str(question["uid"])
    return [response["answers"][uid] for response in responses if _answered(question, response)]


# --- Breakdowns -----------------------------------------------------------------------------------------


def merged_groups(sizes: dict[str, int], minimum: int) -> tuple[list[str], set[str]]:
    """The rule of the module's docstring: which groups (keys of `sizes`, OTHERS among them for answers
    belonging to no group) are shown on their own, largest first, and which are merged into "Others"."""
    shown = [key for key, size in sizes.items() if key != OTHERS and size >= minimum]
    merged = {key for key in sizes if key not in shown}
    others = sum(sizes[key] for key in merged)
    while 0 < others < minimum and shown:
        smallest = min(shown, key=lambda key: (sizes[key], key))
        shown.remove(smallest)
        merged.add(smallest)
        others += sizes[smallest]
    shown.sort(key=lambda key: -sizes[key])
    return shown, merged


def _group_rows(
    keys_by_response: dict[int, str], names: dict[str, dict[str, str]], minimum: int
) -> tuple[list[dict[str, Any]], dict[int, str]]:
    """The groups shown (with their answer counts, "Others" last when not empty) and each response's group."""
    sizes = Counter(keys_by_response.values())
    shown, _merged = merged_groups(dict(sizes), minimum)
    group_of = {rid: (key if key in shown else OTHERS) for rid, key in keys_by_response.items()}
    rows = [{"key": key, **names[key], "answers": sizes[key]} for key in shown]
    others = sum(1 for key in group_of.values() if key == OTHERS)
    if others:
        rows.append({"key": OTHERS, "name_sv": "", "name_en": "", "answers": others})
    return rows, group_of


def shown_rows(rows: list[dict[str, Any]] | None, minimum: int) -> list[dict[str, Any]]:
    """The rows of a table of answers per group as shown: none when fewer than two groups would be (one
    group alone, or "Others" alone, is the total), and "Others" only with at least the minimum."""
    rows = [row for row in rows or [] if row["key"] != OTHERS or row["answers"] >= minimum]
    return rows if len(rows) >= 2 else []


def _question_groups(
    question: dict[str, Any],
    responses: list[dict[str, Any]],
    keys: dict[int, str],
    names: dict[str, dict[str, str]],
    themes: list[dict[str, Any]],
    minimum: int,
) -> list[dict[str, Any]]:
    """An anonymous form's breakdown of one question: the groups sized by the answers to this question,
    merged by `merged_groups`; empty (no breakdown) when fewer than two groups would be shown."""
    answering = [r for r in responses if _answered(question, r)]
    groups, group_of = _group_rows({r["id"]: keys[r["id"]] for r in answering}, names, minimum)
    return _group_figures(question, answering, shown_rows(groups, minimum), group_of, themes)


async def _organisation_names(ids: set[int]) -> dict[int, dict[str, Any]]:
    if not ids:
        return {}
    rows = await Organisation.select(
        Organisation.id, Organisation.code, Organisation.name_sv, Organisation.name_en, Organisation.kind
    ).where(Organisation.id.is_in(list(ids)))
    return {row["id"]: row for row in rows}


async def _breakdown_keys(responses: list[dict[str, Any]]) -> tuple[dict, dict, dict, dict]:
    """Each response's organisation group and side group, and the groups' names."""
    organisations = await _organisation_names({r["organisation"] for r in responses if r["organisation"]})
    org_key = {
        r["id"]: organisations[r["organisation"]]["code"] if r["organisation"] in organisations else OTHERS
        for r in responses
    }
    org_names = {row["code"]: {"name_sv": row["name_sv"], "name_en": row["name_en"]} for row in organisations.values()}
    side_key = {r["id"]: r["side"] if r["side"] in SIDES else OTHERS for r in responses}
    side_names = {side: {"name_sv": "", "name_en": ""} for side in SIDES}
    return org_key, org_names, side_key, side_names


def _group_figures(
    question: dict[str, Any],
    responses: list[dict[str, Any]],
    groups: list[dict[str, Any]],
    group_of: dict[int, str],
    themes: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    """A question's figures within each group shown (texts are never broken down); which groups are
    shown is decided before (`_question_groups` for an anonymous form)."""
    rows = []
    for group in groups:
        members = [r for r in responses if group_of[r["id"]] == group["key"]]
        rows.append({**group, **_figures(question, _values(question, members), themes)})
    return rows


# --- Results ---------------------------------------------------------------------------------------------


async def _responses(evaluation_id: int) -> list[dict[str, Any]]:
    rows = (
        await EvaluationResponse.select(
            EvaluationResponse.id,
            EvaluationResponse.organisation,
            EvaluationResponse.side,
            EvaluationResponse.answers,
            EvaluationResponse.hidden,
            EvaluationResponse.person.name.as_alias("person_name"),
        )
        .where(EvaluationResponse.evaluation == evaluation_id)
        .output(load_json=True)
    )
    for row in rows:
        row["answers"] = row["answers"] if isinstance(row["answers"], dict) else {}
        row["hidden"] = row["hidden"] if isinstance(row["hidden"], list) else []
    return sorted(rows, key=lambda row: row["id"])


async def results(evaluation: dict[str, Any]) -> EvaluationResults:
    """The results of `evaluation` (its row with "questions", ordered, and "event"); see the module's rules."""
    minimum = await minimum_group()
    responses = await _responses(evaluation["id"])
    result = EvaluationResults(
        evaluation=evaluation,
        event=evaluation.get("event"),
        answers=len(responses),
        minimum=minimum,
        too_few=not evaluation["named"] and len(responses) < minimum,
        asked=evaluation.get("asked"),
    )
    if result.too_few:
        return result
    named = bool(evaluation["named"])
    themes = await Theme.select(Theme.slug, Theme.name_sv, Theme.name_en).order_by(Theme.id)
    keys = None
    if len(responses) >= minimum:
        keys = await _breakdown_keys(responses)
        result.organisations, org_of = _group_rows(keys[0], keys[1], minimum)
        result.sides, side_of = _group_rows(keys[2], keys[3], minimum)
        if not named:
            result.organisations = shown_rows(result.organisations, minimum)
            result.sides = shown_rows(result.sides, minimum)
    for question in evaluation.get("questions") or []:
        item: dict[str, Any] = {"question": question, "uid": str(question["uid"]), "kind": question["kind"]}
        item.update(_figures(question, _values(question, responses), themes))
        if question["kind"] in FREE_TEXT_KINDS:
            item["texts"] = _texts(question, responses, named)
        if keys and question["kind"] != TEXT and named:
            item["by_organisation"] = _group_figures(question, responses, result.organisations, org_of, themes)
            item["by_side"] = _group_figures(question, responses, result.sides, side_of, themes)
        elif keys and question["kind"] != TEXT:
            item["by_organisation"] = _question_groups(question, responses, keys[0], keys[1], themes, minimum)
            item["by_side"] = _question_groups(question, responses, keys[2], keys[3], themes, minimum)
        result.questions.append(item)
    if named:
        result.people = [
            {"name": r.get("person_name") or NO_NAME, "answers": r["answers"], "hidden": r["hidden"]}
            for r in sorted(responses, key=lambda r: ((r.get("person_name") or "").casefold(), r["id"]))
        ]
    return result


def group_label(row: dict[str, Any], *, side: bool = False) -> str:
    """A breakdown group's name in the reader's language ("Others" translated)."""
    if row["key"] == OTHERS:
        return i18n.gettext(OTHERS_LABEL)
    if side:
        return side_label(row["key"])
    return localized(row, "name")


def theme_label(row: dict[str, Any]) -> str:
    return localized(row, "name")


def question_label(question: dict[str, Any]) -> str:
    return localized(question, "text")


# --- Trends ------------------------------------------------------------------------------------------------


async def _standard_questions(evaluation_ids: list[int]) -> list[dict[str, Any]]:
    if not evaluation_ids:
        return []
    return await (
        EvaluationQuestion.select()
        .where(
            EvaluationQuestion.evaluation.is_in(evaluation_ids)
            & (EvaluationQuestion.kind == RATING)
            & (EvaluationQuestion.standard_key != "")
        )
        .order_by(EvaluationQuestion.position)
        .output(load_json=True)
    )


async def _answers_of(evaluation_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    by_evaluation: dict[int, list[dict[str, Any]]] = {eid: [] for eid in evaluation_ids}
    if not evaluation_ids:
        return by_evaluation
    rows = (
        await EvaluationResponse.select(EvaluationResponse.evaluation, EvaluationResponse.answers)
        .where(EvaluationResponse.evaluation.is_in(evaluation_ids))
        .output(load_json=True)
    )
    for row in rows:
        by_evaluation[row["evaluation"]].append(row["answers"] if isinstance(row["answers"], dict) else {})
    return by_evaluation


@dataclass
class Trend:
    """The standard form's rating questions compared across points (occasions or years).

    `keys` are the standard keys in the form's order with their question's label; each point has
    "label", "answers", "too_few" and "averages" {standard key: average or None}."""

    keys: list[dict[str, Any]] = field(default_factory=list)
    points: list[dict[str, Any]] = field(default_factory=list)


def _point(
    label: str, forms: list[tuple[int, bool]], answers: dict[int, list[dict[str, Any]]], minimum: int
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A trend's point and the answers it pools. An anonymous form with fewer answers than the minimum is
    left out (counted in "left_out") before pooling: the point minus the others would give it away."""
    pooled: list[dict[str, Any]] = []
    named = True
    left_out = 0
    total = 0
    for eid, form_named in forms:
        rows = answers.get(eid, [])
        total += len(rows)
        if not form_named and len(rows) < minimum:
            left_out += 1
            continue
        pooled += rows
        named = named and form_named
    too_few = not pooled or (not named and len(pooled) < minimum)
    point = {"label": label, "answers": total, "counted": len(pooled), "left_out": left_out, "too_few": too_few}
    return point, pooled


def _trend(
    groups: list[tuple[str, list[tuple[int, bool]]]],
    questions: list[dict[str, Any]],
    answers: dict[int, list[dict[str, Any]]],
    minimum: int,
) -> Trend:
    """`groups`: (label, [(evaluation id, named), ...]) per point, in order."""
    trend = Trend()
    uids_by_key: dict[str, set[str]] = {}
    for question in questions:
        if question["standard_key"] not in uids_by_key:
            trend.keys.append({"key": question["standard_key"], "label": question_label(question)})
        uids_by_key.setdefault(question["standard_key"], set()).add(str(question["uid"]))
    for label, forms in groups:
        point, pooled = _point(label, forms, answers, minimum)
        point["averages"] = {}
        if not point["too_few"]:
            for key, uids in uids_by_key.items():
                point["averages"][key] = average(_ratings([answer.get(uid) for answer in pooled for uid in uids]))
        trend.points.append(point)
    return trend


async def module_trend(event_id: int) -> Trend:
    """Each occasion's evaluation of a training module, in day order: the standard questions' averages."""
    evaluations = await Evaluation.select(
        Evaluation.id, Evaluation.named, Evaluation.event_day.day.as_alias("day")
    ).where(
        (Evaluation.event == event_id)
        & Evaluation.event_day.is_not_null()
        & Evaluation.session.is_null()
        & (Evaluation.audience == EvaluationAudience.attended.value)  # a no-show form is no occasion
    )
    evaluations.sort(key=lambda row: (row["day"], row["id"]))
    ids = [row["id"] for row in evaluations]
    groups = [(i18n.format_day(row["day"]), [(row["id"], row["named"])]) for row in evaluations]
    return _trend(groups, await _standard_questions(ids), await _answers_of(ids), await minimum_group())


async def yearly_trend(kind: str = EventKind.sustainability_day.value) -> Trend:
    """Per year, across the whole-event evaluations of events of `kind`: the standard questions' averages."""
    evaluations = await Evaluation.select(
        Evaluation.id, Evaluation.named, Evaluation.event.starts_at.as_alias("starts_at")
    ).where(
        (Evaluation.event.kind == kind)
        & Evaluation.event_day.is_null()
        & Evaluation.session.is_null()
        & (Evaluation.audience == EvaluationAudience.attended.value)
    )
    by_year: dict[int, list[dict[str, Any]]] = {}
    for row in evaluations:
        by_year.setdefault(i18n.localtime(row["starts_at"]).year, []).append(row)
    groups = [(str(year), [(row["id"], row["named"]) for row in rows]) for year, rows in sorted(by_year.items())]
    ids = [row["id"] for row in evaluations]
    return _trend(groups, await _standard_questions(ids), await _answers_of(ids), await minimum_group())


async def event_trends(event: dict[str, Any] | None) -> dict[str, Trend]:
    """The trends worth showing beside an event's results: its occasions (a training module) and the
    years of its kind; a trend with fewer than two points is left out."""
    trends: dict[str, Trend] = {}
    if not event:
        return trends
    if event.get("kind") == EventKind.training_module.value:
        trends["occasions"] = await module_trend(event["id"])
    if event.get("kind"):
        trends["years"] = await yearly_trend(event["kind"])
    return {name: trend for name, trend in trends.items() if len(trend.points) > 1 and trend.keys}


# --- Theme wishes (planning) ----------------------------------------------------------------------------------


@dataclass
class ThemeWishes:
    """The year's answers to "which themes next time?": each theme's count (largest first), how many
    wrote a theme of their own, and how many evaluations were counted or left out as too small."""

    year: int
    themes: list[dict[str, Any]] = field(default_factory=list)
    other: int = 0
    evaluations: int = 0
    left_out: int = 0


async def theme_wishes(year: int) -> ThemeWishes:
    """Across the evaluations of the events held in `year`, the theme question's counts. An anonymous
    evaluation with too few answers is left out (its answers could single someone out)."""
    minimum = await minimum_group()
    evaluations = await Evaluation.select(
        Evaluation.id, Evaluation.named, Evaluation.event.starts_at.as_alias("starts_at")
    ).where(Evaluation.event.is_not_null())
    ids = [row["id"] for row in evaluations if row["starts_at"] and i18n.localtime(row["starts_at"]).year == year]
    wishes = ThemeWishes(year=year)
    questions = (
        await EvaluationQuestion.select(EvaluationQuestion.evaluation, EvaluationQuestion.uid).where(
            EvaluationQuestion.evaluation.is_in(ids) & (EvaluationQuestion.kind == THEMES)
        )
        if ids
        else []
    )
    named = {row["id"]: row["named"] for row in evaluations}
    answers = await _answers_of(sorted({row["evaluation"] for row in questions}))
    values = []
    for eid, rows in answers.items():
        if not named[eid] and len(rows) < minimum:
            wishes.left_out += 1
            continue
        wishes.evaluations += 1
        uids = [str(q["uid"]) for q in questions if q["evaluation"] == eid]
        values += [row.get(uid) for row in rows for uid in uids if isinstance(row.get(uid), dict)]
    themes = await Theme.select(Theme.slug, Theme.name_sv, Theme.name_en).order_by(Theme.id)
    counted = [row for row in _theme_counts(values, themes) if row["count"]]
    wishes.themes = sorted(counted, key=lambda row: -row["count"])  # stable: ties keep the themes' order
    wishes.other = sum(1 for value in values if str(value.get("other") or "").strip())
    return wishes


# --- Moderation ----------------------------------------------------------------------------------------------


async def _response_by_key(evaluation_id: int, key: str, question_uid: str) -> dict[str, Any] | None:
    """The response whose text of `question_uid` has the opaque `key` (an evaluation has a few hundred)."""
    rows = (
        await EvaluationResponse.select(EvaluationResponse.id, EvaluationResponse.hidden)
        .where(EvaluationResponse.evaluation == evaluation_id)
        .output(load_json=True)
    )
    found = None
    for row in rows:
        if hmac.compare_digest(text_key(row["id"], question_uid).encode(), str(key).encode()):
            found = row
    return found


async def set_text_hidden(evaluation_id: int, key: str, question_uid: str, hidden: bool, actor) -> None:
    """Hide (or show again) one free-text answer (named by its opaque `text_key`) from the shared report:
    the exports and the PDF. The audit names the evaluation and the question, never the response."""
    async with atomic():
        uid = parse_uid(question_uid)
        question = (
            await EvaluationQuestion.select(EvaluationQuestion.uid, EvaluationQuestion.kind)
            .where((EvaluationQuestion.evaluation == evaluation_id) & (EvaluationQuestion.uid == uid))
            .first()
            if uid
            else None
        )
        response = await _response_by_key(evaluation_id, key, str(question["uid"])) if question else None
        if question is None or response is None or question["kind"] not in FREE_TEXT_KINDS:
            raise NotFound(N_("There is no such answer."))
        uid = str(question["uid"])
        current = [item for item in (response["hidden"] or []) if item != uid]
        await EvaluationResponse.update({EvaluationResponse.hidden: [*current, uid] if hidden else current}).where(
            EvaluationResponse.id == response["id"]
        )
        await audit.record(
            "evaluation.text_hidden" if hidden else "evaluation.text_shown",
            actor,
            object_type="evaluation",
            object_id=evaluation_id,
            summary=f"{'Hid' if hidden else 'Showed'} a free-text answer (question {uid})",
            details={"question": uid, "hidden": hidden},
        )


# --- Exports -------------------------------------------------------------------------------------------------


def number_text(value: float | None) -> str:
    """An average as the reader writes it ("3,5" in Swedish); "–" for none."""
    if value is None:
        return "–"
    return format_decimal(value, format="0.0", locale=i18n.current_language())


def figure_rows(item: dict[str, Any]) -> list[tuple[str, int]]:
    """A question's figures as (what, count) rows: a rating's 1-5, a choice's options, the themes and the
    number of "other" texts (the same rows the page's tables, the exports and the PDF show)."""
    gettext = i18n.gettext
    if item["kind"] == RATING:
        return [(str(row["value"]), row["count"]) for row in item["distribution"]]
    if item["kind"] in (SINGLE, MULTIPLE):
        return [(row["label"], row["count"]) for row in item["options"]]
    if item["kind"] == THEMES:
        rows = [(theme_label(row), row["count"]) for row in item["themes"]]
        return [*rows, (gettext("Other (own words)"), len(item.get("texts") or []))]
    return []


def group_rows(item: dict[str, Any], groups_key: str) -> list[tuple[str, int, str]]:
    """A question's breakdown ("by_organisation" or "by_side") as (group, answered, figures) rows:
    the average for a rating, the non-zero counts for a choice or themes question."""
    rows = []
    for row in item.get(groups_key) or []:
        label = group_label(row, side=groups_key == "by_side")
        if item["kind"] == RATING:
            figures = number_text(row["average"])
        else:
            figures = "; ".join(
                f"{what}: {count}" for what, count in figure_rows(row | {"kind": item["kind"]}) if count
            )
        rows.append((label, row["answered"], figures))
    return rows


def visible_texts(item: dict[str, Any], *, names: bool = True) -> list[str]:
    """The free texts of the shared report: never the hidden ones; a named form's after the person's name
    (the page and the exports; the PDF for the meeting papers leaves the names out)."""
    texts = [text for text in item.get("texts") or [] if not text["hidden"]]
    return [text_line(text) if names else text["text"] for text in texts]


def text_line(text: dict[str, Any]) -> str:
    return f"{text['name']}: {text['text']}" if "name" in text else text["text"]


def breakdown_withheld(item: dict[str, Any], groups_key: str) -> bool:
    """Whether a question's breakdown was left out (fewer than two groups large enough)."""
    return groups_key in item and not item[groups_key]


def answer_text(question: dict[str, Any], value: Any, themes: dict[str, str] | None = None) -> str:
    """One person's answer to a question as text (a named form's table of answers)."""
    if value is None:
        return ""
    kind = question["kind"]
    if kind == MULTIPLE:
        return "; ".join(_chosen(value))
    if kind == THEMES and isinstance(value, dict):
        names = [(themes or {}).get(slug, slug) for slug in value.get("themes") or []]
        other = str(value.get("other") or "").strip()
        return "; ".join([*names, other] if other else names)
    return str(value).strip() if isinstance(value, (str, int)) else ""


def people_rows(result: EvaluationResults, *, with_hidden: bool) -> tuple[list[str], list[list[str]]]:
    """A named form's answers person by person: the name, then one column per question. Without
    `with_hidden` (the exports), a hidden text is left out."""
    questions = [item["question"] for item in result.questions]
    themes = {row["slug"]: theme_label(row) for item in result.questions for row in item.get("themes") or []}
    header = [i18n.gettext("Name"), *(question_label(question) for question in questions)]
    rows = []
    for person in result.people:
        cells = [person["name"]]
        for question in questions:
            uid = str(question["uid"])
            hidden = question["kind"] in FREE_TEXT_KINDS and uid in person["hidden"] and not with_hidden
            cells.append("" if hidden else answer_text(question, person["answers"].get(uid), themes))
        rows.append(cells)
    return header, rows


def _breakdown_export_rows(item: dict[str, Any], question: str) -> list[list[str]]:
    """A question's breakdowns: each group's answered count (and average), then a choice's non-zero
    counts one row each ("Sundsvalls kommun: Mejl"); a question without a breakdown says so."""
    rows = []
    for key, section in (("by_organisation", i18n.gettext("By organisation")), ("by_side", i18n.gettext("By side"))):
        if breakdown_withheld(item, key):
            rows.append([section, question, i18n.gettext(NO_BREAKDOWN), "", ""])
        for row in item.get(key) or []:
            label = group_label(row, side=key == "by_side")
            average_cell = number_text(row["average"]) if item["kind"] == RATING else ""
            rows.append([section, question, label, str(row["answered"]), average_cell])
            if item["kind"] != RATING:
                counts = figure_rows(row | {"kind": item["kind"]})
                rows += [[section, question, f"{label}: {what}", str(count), ""] for what, count in counts if count]
    return rows


def export_rows(result: EvaluationResults) -> tuple[list[str], list[list[str]]]:
    """One table for CSV and XLSX: section, question, what, count, average. Nothing but the number of
    answers when there are too few; breakdowns only as the page shows them; no hidden text."""
    gettext = i18n.gettext
    header = [gettext(label) for label in (N_("Section"), N_("Question"), N_("Answer"), N_("Count"), N_("Average"))]
    rows = [[gettext("All"), "", gettext("Answers"), str(result.answers), ""]]
    if result.asked is not None:
        rows.append([gettext("All"), "", gettext("Asked"), str(result.asked), ""])
    if result.too_few:
        rows.append([gettext("All"), "", gettext(TOO_FEW), str(result.answers), ""])
        return header, rows
    for section, groups, side in (
        (gettext("By organisation"), result.organisations, False),
        (gettext("By side"), result.sides, True),
    ):
        rows += [[section, "", group_label(row, side=side), str(row["answers"]), ""] for row in groups or []]
    for item in result.questions:
        question = question_label(item["question"])
        average_text = number_text(item["average"]) if item["kind"] == RATING else ""
        rows.append([gettext("Answered"), question, "", str(item["answered"]), average_text])
        rows += [[gettext("Figures"), question, what, str(count), ""] for what, count in figure_rows(item)]
        rows += _breakdown_export_rows(item, question)
        rows += [[gettext("Free text"), question, text, "", ""] for text in visible_texts(item)]
    return header, rows
