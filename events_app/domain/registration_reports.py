"""What organisers read about an event's registrations: the filtered list, the counts, the caterer's
numbers per day and the exports (CSV for Swedish Excel, and XLSX). An export holds sensitive data
(sensitive_answers.py) only when asked for, and then says so in its file name and first row.

Filtering, searching, sorting, counting and paging happen in SQL, so that a page of an event of
10,000 registrations reads one page of rows: "åsa" finds "Åsa" and å, ä, ö sort after z on both
engines (`_folded`, `_swedish`: what `text_folding` does in Python).
Labels in the exports are translated into the current language (the web layer sets it per request).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from piccolo.columns.combination import WhereRaw
from piccolo.querystring import QueryString

from events_app import i18n
from events_app.domain import attendance, audit, sensitive_answers
from events_app.domain.registrations import (
    CANCELLED,
    CONFIRMED,
    DIETARY_NEEDS,
    WAITLISTED,
    signup_sessions,
    with_live_choices,
)
from events_app.domain.tables import (
    Event,
    EventDay,
    Organisation,
    OrganisationKind,
    ProgrammeSession,
    Question,
    QuestionKind,
    Registration,
    SessionChoice,
    Side,
)
from events_app.domain.text_folding import fold, swedish_key
from events_app.domain.transactions import is_sqlite
from events_app.domain.validation import parse_uid
from events_app.i18n import N_

SORTS = ("created", "name", "organisation", "status")
STATUSES = (CONFIRMED, WAITLISTED, CANCELLED)
STATUS_LABELS = {CONFIRMED: N_("Confirmed"), WAITLISTED: N_("Waiting list"), CANCELLED: N_("Registration cancelled")}
# The organisation filter's value for everyone who typed their organisation (externals).
EXTERNAL = "_external"
# Listed one by one in the counts, even with no registrations: the council's own organisations.
COUNCIL_KINDS = (OrganisationKind.municipality.value, OrganisationKind.region.value)
# --- The list ---------------------------------------------------------------------------------


def _select():
    return Registration.select(
        Registration.id,
        Registration.uid,
        Registration.status,
        Registration.held_until,
        Registration.name,
        Registration.email,
        Registration.organisation_text,
        Registration.title,
        Registration.dietary,
        Registration.dietary_other,
        Registration.accessibility,
        Registration.answers,
        Registration.days,
        Registration.language,
        Registration.source,
        Registration.consent_at,
        Registration.consent_version,
        Registration.created_at,
        Registration.confirmed_at,
        Registration.cancelled_at,
        Registration.short_code,
        Registration.organisation.code.as_alias("organisation_code"),
        Registration.organisation.name_sv.as_alias("organisation_sv"),
        Registration.organisation.name_en.as_alias("organisation_en"),
        Registration.organisation.kind.as_alias("organisation_kind"),
        Registration.person.is_member.as_alias("is_member"),
        Registration.person.side.as_alias("side"),
    ).output(load_json=True)


async def _with_choices(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each row's live session choices and first check-in (`registrations.with_live_choices`)."""
    for row in await with_live_choices(rows):
        row["checked_in"] = row["checked_in_at"] is not None
    return rows


def answer_matches(answer: Any, wanted: str) -> bool:
    """An answer (text, a choice, a list of choices, yes/no) against the filter's value."""
    if answer is None or answer == "" or answer == []:
        return False
    if not wanted:
        return True  # the question was answered at all
    if isinstance(answer, bool):
        return {"yes": True, "ja": True, "true": True, "no": False, "nej": False, "false": False}.get(
            wanted.strip().lower()
        ) is answer
    if isinstance(answer, list):
        return any(fold(str(item)) == fold(wanted) for item in answer)
    return fold(wanted) in fold(str(answer))


@dataclass
class Selection:
    """What the list's filters ask for: `organisation` is a seed organisation's code, or EXTERNAL for
    everyone who typed their own; `session` a sign-up session's uid; `answer_key` a question's key,
    with `answer_value` the answer wanted (empty: any answer)."""

    query: str = ""
    status: str = ""
    organisation: str = ""
    session: str = ""
    answer_key: str = ""
    answer_value: str = ""
    sort: str = "created"
    descending: bool = False


@dataclass
class Page:
    """One page of the list, and the whole selection's size."""

    rows: list[dict[str, Any]]
    total: int  # registrations matching the filters, on every page together
    number: int  # this page, from 1
    pages: int
    per_page: int

    @property
    def first(self) -> int:
        """The position of this page's first row in the selection (1-based; 0 when there is none)."""
        return (self.number - 1) * self.per_page + 1 if self.rows else 0

    @property
    def last(self) -> int:
        return self.first + len(self.rows) - 1 if self.rows else 0


PER_PAGE = 50


async def list_registrations(
    event_id: int,
    *,
    query: str = "",
    status: str = "",
    organisation: str = "",
    session: str = "",
    answer_key: str = "",
    answer_value: str = "",
    sort: str = "created",
    descending: bool = False,
) -> list[dict[str, Any]]:
    """Every registration of the selection (for the exports), each with its organisation's name, its
    live session choices, whether it is checked in, and its answers."""
    selection = Selection(query, status, organisation, session, answer_key, answer_value, sort, descending)
    where = await _where(event_id, selection)
    if where is None:
        return []
    rows = await _select().where(where).order_by(*await _order(selection.sort), ascending=not selection.descending)
    return await _with_choices(_named(rows))


async def registration_page(event_id: int, selection: Selection, page: int = 1, per_page: int = PER_PAGE) -> Page:
    """One page of the selection and its size: counted, sorted and cut in the database, so a page of
    an event of 10,000 registrations reads 50 rows (and their choices), not 10,000."""
    where = await _where(event_id, selection)
    total = await Registration.count().where(where) if where is not None else 0
    pages = max(1, -(-total // per_page))
    number = min(max(page, 1), pages)
    rows = []
    if total:
        rows = (
            await _select()
            .where(where)
            .order_by(*await _order(selection.sort), ascending=not selection.descending)
            .offset((number - 1) * per_page)
            .limit(per_page)
        )
        rows = await _with_choices(_named(rows))
    return Page(rows=rows, total=total, number=number, pages=pages, per_page=per_page)


def _named(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for row in rows:
        row["organisation_name"] = row["organisation_sv"] or row["organisation_text"] or ""
    return rows


async def _where(event_id: int, selection: Selection):
    """The selection as a WHERE clause; None when it can match nothing (an unknown session)."""
    where = Registration.event == event_id
    if selection.status in STATUSES:
        where &= Registration.status == selection.status
    if selection.organisation == EXTERNAL:
        where &= Registration.organisation.is_null() & (Registration.organisation_text != "")
    elif selection.organisation:
        where &= Registration.organisation.code == selection.organisation
    if selection.session:
        chosen = await _registrations_in_session(event_id, selection.session)
        if not chosen:
            return None
        where &= Registration.id.is_in(sorted(chosen))
    if selection.query.strip():
        # lower(), not casefold(): what SQL's lower() does to the columns searched.
        needle = unicodedata.normalize("NFC", " ".join(selection.query.split())).lower()
        where &= WhereRaw("{}", await _searched(needle))
    if selection.answer_key:
        # Answers are JSON, read differently by each engine; the few rows with an answer are
        # matched here instead (a filter used now and then, on one narrow column).
        answered = await Registration.select(Registration.id, Registration.answers).where(where).output(load_json=True)
        wanted = selection.answer_value.strip()
        key = selection.answer_key
        ids = [row["id"] for row in answered if answer_matches((row["answers"] or {}).get(key), wanted)]
        if not ids:
            return None
        where &= Registration.id.is_in(ids)
    return where


def _folded(expression: QueryString) -> QueryString:
    """SQL folding `expression` as `text_folding.fold` does for Swedish names: PostgreSQL's lower()
    knows every letter; SQLite's only ASCII, so there the capitals of å, ä, ö and their kin are
    lowered first."""
    if is_sqlite():
        for capital in _CAPITALS:
            expression = QueryString("replace({}, {}, {})", expression, capital, capital.lower())
    return QueryString("lower({})", expression)


# On SQLite, the capitals of the letters `_SWEDISH_LETTERS` knows: few, SQLite parses deep nesting
# badly. Other capitals (Ł, Č) are folded on PostgreSQL, the production engine, only.
_CAPITALS = "ÅÄÖÆØÉÈÜ"
# text_folding.swedish_key's order in SQL: å, ä, ö after z ("{", "|", "}" follow "z").
_SWEDISH_LETTERS = (("å", "{"), ("ä", "|"), ("æ", "|"), ("ö", "}"), ("ø", "}"), ("é", "e"), ("è", "e"), ("ü", "y"))


async def _swedish(expression: QueryString) -> QueryString:
    """SQL sorting `expression` as `text_folding.swedish_key` does: by PostgreSQL's Swedish ICU
    collation when the server has it (a quarter of the time at 10,000 rows), else folded with å, ä, ö
    moved after z and compared byte by byte ("C"; SQLite compares bytes anyway)."""
    if not is_sqlite() and await _has_swedish_collation():
        return QueryString(f'{{}} COLLATE "{SWEDISH_COLLATION}"', expression)
    key = _folded(expression)
    for letter, replacement in _SWEDISH_LETTERS:
        key = QueryString("replace({}, {}, {})", key, letter, replacement)
    return key if is_sqlite() else QueryString('{} COLLATE "C"', key)


SWEDISH_COLLATION = "sv-SE-x-icu"
_collations: dict[str, bool] = {}


async def _has_swedish_collation() -> bool:
    """Whether the PostgreSQL server knows SWEDISH_COLLATION (built with ICU, as its usual packages
    are); asked once per process."""
    if SWEDISH_COLLATION not in _collations:
        rows = await Registration.raw("SELECT 1 AS found FROM pg_collation WHERE collname = {}", SWEDISH_COLLATION)
        _collations[SWEDISH_COLLATION] = bool(rows)
    return _collations[SWEDISH_COLLATION]


async def _organisation_names(column: str) -> QueryString:
    """The name (`column`: name_sv or name_en) of a registration's seed organisation, "" for none, as
    a CASE over the few organisations' ids: cheaper on every row than a join or a subquery."""
    rows = await Organisation.select(Organisation.id, getattr(Organisation, column))
    if not rows:
        return QueryString("''")
    cases = " ".join("WHEN {} THEN {}" for _ in rows)
    return QueryString(
        f"CASE registration.organisation {cases} ELSE '' END",
        *(value for row in rows for value in (row["id"], row[column])),
    )


async def _searched(needle: str) -> QueryString:
    """The registrations whose own fields or organisation's names contain `needle` (lowered): the
    few organisations are searched here, the registrations' fields in SQL."""
    like = "%" + needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    organisations = [
        row["id"]
        for row in await Organisation.select(Organisation.id, Organisation.name_sv, Organisation.name_en)
        if needle in unicodedata.normalize("NFC", f"{row['name_sv']} {row['name_en']}").lower()
    ]
    fields = [
        QueryString("{} LIKE {} ESCAPE '\\'", _folded(QueryString(f"registration.{name}")), like)
        for name in ("name", "email", "organisation_text", "title", "short_code")
    ]
    if organisations:
        placeholders = ", ".join("{}" for _ in organisations)
        fields.append(QueryString(f"registration.organisation IN ({placeholders})", *organisations))
    return QueryString("(" + " OR ".join("{}" for _ in fields) + ")", *fields)


async def _order(sort: str) -> list[QueryString]:
    """The ORDER BY of a sort: Swedish alphabetical for names, arrival breaking ties."""
    name = QueryString("registration.name")
    if sort == "name":
        terms = [await _swedish(name)]
    elif sort == "organisation":  # by the organisation's name or the one typed; none last
        organisation = QueryString("({} || registration.organisation_text)", await _organisation_names("name_sv"))
        terms = [
            QueryString("CASE WHEN {} = '' THEN 1 ELSE 0 END", organisation),
            await _swedish(organisation),
            await _swedish(name),
        ]
    elif sort == "status":
        status = " ".join(f"WHEN '{value}' THEN {n}" for n, value in enumerate(STATUSES))
        terms = [QueryString(f"CASE registration.status {status} ELSE 9 END")]
    else:
        terms = []
    return [*terms, QueryString("registration.id")]


async def _registrations_in_session(event_id: int, session_uid: str) -> set[int]:
    """The registrations holding (or queueing for) a place in the event's session."""
    uid = parse_uid(session_uid)
    if uid is None:
        return set()
    rows = await SessionChoice.select(SessionChoice.registration).where(
        (SessionChoice.session.uid == uid)
        & (SessionChoice.status != CANCELLED)
        & (SessionChoice.session.event == event_id)
    )
    return {row["registration"] for row in rows}


# --- Counts -----------------------------------------------------------------------------------


def _blank() -> dict[str, int]:
    return {"confirmed": 0, "waitlisted": 0, "majority": 0, "opposition": 0}


def _add(bucket: dict[str, int], row: dict[str, Any]) -> None:
    if row["status"] == CONFIRMED:
        bucket["confirmed"] += 1
        if row["is_member"] and row["side"] in (Side.majority.value, Side.opposition.value):
            bucket[row["side"]] += 1
    elif row["status"] == WAITLISTED:
        bucket["waitlisted"] += 1


async def counts(event_id: int) -> dict[str, Any]:
    """The numbers an organiser plans with.

    - "status": registrations by status (and "live": confirmed + waiting);
    - "organisations": every municipality and the region, even with none registered, each with its
      confirmed places, its waiting list, and its confirmed members by side (majority/opposition);
    - "other": the other seed organisations (county board, federation...) together, with each one
      that has registrations under "details";
    - "external": everyone who typed their organisation, together, grouped by the text (case folded)
      under "details"; "none": those who gave no organisation;
    - "sessions": each sign-up session's confirmed places, waiting list and capacity.
    Cancelled registrations count only under "status".
    """
    rows = await _select().where(Registration.event == event_id)
    status = {name: 0 for name in STATUSES}
    for row in rows:
        status[row["status"]] = status.get(row["status"], 0) + 1
    status["live"] = status[CONFIRMED] + status[WAITLISTED]

    organisations = await Organisation.select(
        Organisation.code, Organisation.name_sv, Organisation.name_en, Organisation.kind
    )
    council = [org for org in organisations if org["kind"] in COUNCIL_KINDS]
    # The municipalities alphabetically, then the region.
    council.sort(key=lambda org: (COUNCIL_KINDS.index(org["kind"]), swedish_key(org["name_sv"])))
    by_code = {org["code"]: {**org, **_blank()} for org in council}
    other = {**_blank(), "details": {}}
    external = {**_blank(), "details": {}}
    none = _blank()
    for row in rows:
        if row["status"] == CANCELLED:
            continue
        if row["organisation_code"] in by_code:
            _add(by_code[row["organisation_code"]], row)
        elif row["organisation_code"]:
            _add(other, row)
            detail = other["details"].setdefault(
                row["organisation_code"],
                {"name_sv": row["organisation_sv"], "name_en": row["organisation_en"], **_blank()},
            )
            _add(detail, row)
        elif row["organisation_text"]:
            _add(external, row)
            detail = external["details"].setdefault(
                fold(" ".join(row["organisation_text"].split())),
                {"name_sv": row["organisation_text"], "name_en": row["organisation_text"], **_blank()},
            )
            _add(detail, row)
        else:
            _add(none, row)
    for group in (other, external):
        group["details"] = sorted(group["details"].values(), key=lambda item: swedish_key(item["name_sv"]))

    sessions = []
    for session in await signup_sessions(event_id):
        waitlisted = await SessionChoice.count().where(
            (SessionChoice.session == session["id"]) & (SessionChoice.status == WAITLISTED)
        )
        sessions.append(
            {
                "uid": session["uid"],
                "title": session["title"],
                "starts_at": session["starts_at"],
                "ends_at": session["ends_at"],
                "room": session["room"],
                "status": session["status"],
                "capacity": session["capacity"],
                "confirmed": session["confirmed"],
                "waitlisted": waitlisted,
            }
        )
    return {
        "status": status,
        "organisations": list(by_code.values()),
        "other": other,
        "external": external,
        "none": none,
        "sessions": sessions,
    }


# --- Catering ---------------------------------------------------------------------------------


async def catering(event_id: int) -> list[dict[str, Any]]:
    """For each day of the event, the confirmed registrations attending it, as numbers only: how
    many, how many of each dietary need (every need listed, 0 included: code, label msgid, count),
    how many wrote other dietary needs ("dietary_other") and how many stated any accessibility need
    ("accessibility"). No names and no free text: what the caterer gets, and the figures kept when
    the needs themselves are deleted after the event (sensitive_answers.py).

    A registration without days (none recorded) attends every day. Once the retention rules have
    deleted the needs, the figures are those they kept (`Event.needs_counts`).
    """
    purged = (
        await Event.select(Event.sensitive_purged_at, Event.needs_counts)
        .where(Event.id == event_id)
        .output(load_json=True)
        .first()
    )
    if purged and purged["sensitive_purged_at"] is not None:
        return [{**day, "day": date.fromisoformat(day["day"])} for day in purged["needs_counts"].get("days", [])]
    days = await EventDay.select(EventDay.day).where(EventDay.event == event_id).order_by(EventDay.day)
    rows = (
        await Registration.select(
            Registration.dietary,
            Registration.dietary_other,
            Registration.accessibility,
            Registration.days,
        )
        .where((Registration.event == event_id) & (Registration.status == CONFIRMED))
        .output(load_json=True)
    )
    summary = []
    for event_day in days:
        day: date = event_day["day"]
        attending = [row for row in rows if not row["days"] or day.isoformat() in row["days"]]
        needs = Counter(code for row in attending for code in row["dietary"] or [])
        summary.append(
            {
                "day": day,
                "count": len(attending),
                "dietary": [
                    {"code": code, "label": label, "count": needs.get(code, 0)} for code, label in DIETARY_NEEDS.items()
                ],
                "dietary_other": sum(1 for row in attending if row["dietary_other"].strip()),
                "accessibility": sum(1 for row in attending if row["accessibility"].strip()),
            }
        )
    return summary


async def catering_rows(event_id: int) -> tuple[list[str], list[list[str]]]:
    """The caterer's export: a row per day with the numbers of `catering`, labels translated."""
    gettext = i18n.gettext
    header = [
        gettext(N_("Day")),
        gettext(N_("Participants")),
        *(gettext(label) for label in DIETARY_NEEDS.values()),
        gettext(N_("Other dietary needs or allergies (number)")),
        gettext(N_("Stated accessibility needs (number)")),
    ]
    table = [
        [
            day["day"].isoformat(),
            str(day["count"]),
            *(str(need["count"]) for need in day["dietary"]),
            str(day["dietary_other"]),
            str(day["accessibility"]),
        ]
        for day in await catering(event_id)
    ]
    return header, table


# --- Exports ----------------------------------------------------------------------------------


def _stockholm(value) -> str:
    return i18n.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _answer_text(answer: Any) -> str:
    if answer is None:
        return ""
    if isinstance(answer, bool):
        return i18n.gettext(N_("Yes")) if answer else i18n.gettext(N_("No"))
    if isinstance(answer, list):
        return ", ".join(str(item) for item in answer)
    return str(answer)


@dataclass
class Export:
    """A registration export: its header and rows, and the sensitive parts it holds (the words the
    warning names, translated; empty for an export without sensitive data)."""

    header: list[str]
    rows: list[list[str]]
    sensitive_parts: list[str] = field(default_factory=list)

    @property
    def notice(self) -> str:
        """The first row of an export holding sensitive data, saying so; "" for any other."""
        if not self.sensitive_parts:
            return ""
        return i18n.gettext(SENSITIVE_NOTICE, parts=", ".join(self.sensitive_parts))

    def filename(self, stem: str, extension: str) -> str:
        """`stem`, with SENSITIVE_SUFFIX when the export holds sensitive data, and the extension."""
        return f"{stem}{SENSITIVE_SUFFIX if self.sensitive_parts else ''}.{extension}"


# How an export holding sensitive data is marked: its file name (Swedish, like the rest of the
# names) and its first row.
SENSITIVE_SUFFIX = "-kansliga-uppgifter"
SENSITIVE_NOTICE = N_(
    "Contains sensitive personal data (%(parts)s). Handle it under the data protection rules: share it only with "
    "those who need it, and delete the file when it is no longer needed."
)


async def export_rows(event_id: int, *, sensitive: bool = False) -> Export:
    """The header and one row per registration (cancelled ones too, with their status), in order of
    arrival. Questions are columns headed by their text.

    Without `sensitive`, only what is not sensitive (sensitive_answers.py): no dietary or
    accessibility needs, no answers to questions marked sensitive. With it, those too, and answers
    under keys of deleted questions in columns of their own after the others, so nothing given is
    lost; the export then names what sensitive data it holds.
    """
    rows = await list_registrations(event_id)
    questions = await sensitive_answers.event_questions(event_id)
    keys = await _answer_keys(event_id, rows)
    if not sensitive:
        keys = [key for key in keys if not sensitive_answers.is_sensitive_key(key, questions)]
    header = [i18n.gettext(label) for label in (*_EXPORT_COLUMNS, *(_NEEDS_COLUMNS if sensitive else ()))]
    # A question's column is headed by the question as the form asks it; an answer kept from a
    # deleted question by its key, all that is left of it.
    labels = await _question_labels(event_id)
    header += [*(labels.get(key, key) for key in keys), i18n.gettext(N_("Checked in"))]
    table = [_export_row(row, keys, sensitive=sensitive) for row in rows]
    parts = []
    if sensitive:
        parts = [i18n.gettext(sensitive_answers.ALWAYS_SENSITIVE[name]) for name in ("dietary", "accessibility")]
        if any(sensitive_answers.is_sensitive_key(key, questions) for key in keys):
            parts.append(i18n.gettext(sensitive_answers.SENSITIVE_ANSWERS))
    return Export(header, table, parts)


_EXPORT_COLUMNS = (
    N_("Name"),
    N_("Email address"),
    N_("Organisation"),
    N_("Title or role"),
    N_("Status"),
    N_("Registered at"),
    N_("Days"),
    N_("Sessions"),
)
# In the export with sensitive data only.
_NEEDS_COLUMNS = (N_("Dietary needs"), N_("Other dietary needs or allergies"), N_("Accessibility needs"))


async def _answer_keys(event_id: int, rows: list[dict[str, Any]]) -> list[str]:
    """The questions' keys in the form's order, then keys answered under deleted questions."""
    keys = [
        q["key"]
        for q in await Question.select(Question.key)
        .where(Question.event == event_id)
        .order_by(Question.position)
        .order_by(Question.id)
    ]
    for row in rows:
        for key in sorted(row["answers"] or {}):
            if key not in keys:
                keys.append(key)
    return keys


async def _question_labels(event_id: int) -> dict[str, str]:
    rows = await Question.select(Question.key, Question.label).where(Question.event == event_id)
    return {row["key"]: row["label"] for row in rows}


def _export_row(row: dict[str, Any], keys: list[str], *, sensitive: bool) -> list[str]:
    gettext = i18n.gettext
    name_key = "organisation_sv" if i18n.current_language() == "sv" else "organisation_en"
    waiting = gettext(N_("waiting list"))
    sessions = "; ".join(
        choice["title"] + (f" ({waiting})" if choice["status"] == WAITLISTED else "") for choice in row["choices"]
    )
    needs = [
        ", ".join(gettext(DIETARY_NEEDS[code]) for code in row["dietary"] or [] if code in DIETARY_NEEDS),
        row["dietary_other"],
        row["accessibility"],
    ]
    return [
        row["name"],
        row["email"],
        row[name_key] or row["organisation_text"] or "",
        row["title"],
        gettext(STATUS_LABELS.get(row["status"], row["status"])),
        _stockholm(row["created_at"]),
        ", ".join(row["days"] or []),
        sessions,
        *(needs if sensitive else ()),
        *[_answer_text((row["answers"] or {}).get(key)) for key in keys],
        _stockholm(row["checked_in_at"]),
    ]


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: str) -> str:
    """A cell a spreadsheet would run as a formula gets a leading apostrophe (CSV injection)."""
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


def to_csv(header: list[str], rows: list[list[str]], *, notice: str = "") -> bytes:
    """UTF-8 with a byte order mark and semicolons, the way Swedish Excel opens a CSV file. A
    `notice` (an export's sensitive-data warning) is the first row, alone, above the header."""
    buffer = io.StringIO()
    # Every cell quoted: an Excel that splits on commas must not find a formula after one.
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    for row in [*([[notice]] if notice else []), header, *rows]:
        writer.writerow([neutralise(str(cell)) for cell in row])
    return buffer.getvalue().encode("utf-8-sig")


_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def to_xlsx(header: list[str], rows: list[list[str]], *, title: str = "", notice: str = "") -> bytes:
    """An Excel workbook: a bold, frozen header row and columns wide enough to read.

    Every cell is written as text, so a value starting with "=" is shown, never run as a formula. A
    `notice` (an export's sensitive-data warning) is the first row, bold, above the header (both
    frozen), and the workbook's description too.
    """
    return to_xlsx_sheets([(title, header, rows)], notice=notice)


def to_xlsx_sheets(sheets: list[tuple[str, list[str], list[list[str]]]], *, notice: str = "") -> bytes:
    """An Excel workbook of one sheet per (title, header, rows), each as `to_xlsx` writes it."""
    # openpyxl is imported where a spreadsheet is written: 8 MB in every web process otherwise.
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    if notice:
        workbook.properties.description = notice
    for title, header, rows in sheets:
        _write_sheet(workbook.create_sheet(), title, header, rows, notice)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _write_sheet(sheet, title: str, header: list[str], rows: list[list[str]], notice: str) -> None:
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    sheet.title = (_ILLEGAL_XML.sub("", title) or "Registrations")[:31].translate(str.maketrans("", "", "[]:*?/\\"))
    widths = [0] * len(header)
    first = 1
    if notice:
        sheet.cell(row=1, column=1, value=_ILLEGAL_XML.sub("", notice)).font = Font(bold=True)
        first = 2
    for r, row in enumerate([header, *rows], start=first):
        for c, value in enumerate(row, start=1):
            text = _ILLEGAL_XML.sub("", str(value))
            cell = sheet.cell(row=r, column=c, value=text)
            cell.data_type = "s"  # text, even when it looks like a formula
            if r == first:
                cell.font = Font(bold=True)
            widths[c - 1] = max(widths[c - 1], max((len(line) for line in text.splitlines()), default=0))
    for c, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(c)].width = min(max(width + 2, 8), 60)
    sheet.freeze_panes = f"A{first + 1}"


def question_answer_options(question: dict[str, Any]) -> list[str]:
    """The answers the list's filter offers for a question (free text: none, it is typed)."""
    if question["kind"] == QuestionKind.yes_no.value:
        return ["yes", "no"]
    return list(question["options"] or [])


async def signup_session_options(event_id: int) -> list[dict[str, Any]]:
    return (
        await ProgrammeSession.select(
            ProgrammeSession.uid, ProgrammeSession.title, ProgrammeSession.starts_at, ProgrammeSession.status
        )
        .where((ProgrammeSession.event == event_id) & (ProgrammeSession.requires_signup == True))
        .order_by(ProgrammeSession.starts_at)
        .order_by(ProgrammeSession.position)
    )


async def status_counts(event_id: int) -> dict[str, int]:
    """The event's registrations by status, and "live" (confirmed + waiting): one grouped count."""
    rows = await Registration.raw(
        "SELECT status, COUNT(*) AS n FROM registration WHERE event = {} GROUP BY status", event_id
    )
    status = {name: 0 for name in STATUSES} | {row["status"]: int(row["n"]) for row in rows}
    status["live"] = status[CONFIRMED] + status[WAITLISTED]
    return status


# --- A registration's history -----------------------------------------------------------------

# How the history names what the audit log recorded about a registration (anything else is shown
# by its action's code), and "checked_in" for a check-in still standing.
HISTORY_ACTIONS = {
    "registration.created": N_("Registered"),
    "registration.updated": N_("Registration changed"),
    "registration.cancelled": N_("Registration cancelled"),
    "registration.promoted": N_("Got a place from the waiting list"),
    "registration.promoted_by_hand": N_("Given a place by hand, ahead of the waiting list"),
    "registration.promoted_to_reserved_place": N_("Given a place reserved by the invitation"),
    "registration.moved": N_("Moved to another session"),
    "registration.hold_confirmed": N_("Held registration confirmed by the person"),
    "registration.mail_resent": N_("Registration mail sent again"),
    "session_choice.promoted": N_("Got a place in a session from its waiting list"),
    "checkin.another_day": N_("Checked in for another day than today"),
    "checkin.undone": N_("Check-in undone"),
    "checked_in": N_("Checked in"),
}


async def history(registration: dict[str, Any]) -> list[dict[str, Any]]:
    """What happened to a registration, oldest first: what the audit log holds about it (made,
    changed, moved, promoted, mailed again, cancelled, check-ins undone) and its check-ins, which
    are their own record (attendance) so that the door stays one insert. Each entry: "at", "action",
    "label" (a msgid, or None for an action without one), "by" and "detail"."""
    entries = []
    for entry in await audit.entries_about("registration", registration["uid"]):
        details = entry["details"] or {}
        detail = ""
        if entry["action"] == "registration.moved":
            detail = entry["summary"].replace(" -> ", " → ")
        elif entry["action"] == "checkin.another_day":
            detail = f"{details.get('day', '')}: {details.get('reason', '')}"
        elif entry["action"] == "checkin.undone":
            detail = str(details.get("day", ""))
        entries.append(
            {
                "at": entry["created_at"],
                "action": entry["action"],
                "label": HISTORY_ACTIONS.get(entry["action"]),
                "by": entry["actor"],
                "detail": detail,
            }
        )
    for visit in await attendance.check_ins_at_the_door(registration["id"]):
        entries.append(
            {
                "at": visit["checked_in_at"],
                "action": "checked_in",
                "label": HISTORY_ACTIONS["checked_in"],
                "by": visit["staff_name"],
                "detail": visit["day"].isoformat() + (f", {visit['session_title']}" if visit["session_title"] else ""),
            }
        )
    entries.sort(key=lambda entry: entry["at"])
    return entries
