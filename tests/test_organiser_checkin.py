"""The organisers' live check-in view: the counts of a day as check-ins arrive (the page and the
fragment it polls), undoing a mistaken check-in (confirmed, CSRF-protected, kept in the audit log),
and after the day the no-shows with their CSV file. Check-in staff and the public may do none of it."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest

from events_app import i18n
from events_app.domain import checkins, registrations
from events_app.domain.checkins import Scan
from events_app.domain.registrations import Registrant
from events_app.domain.tables import Attendance, AuditEntry
from events_app.i18n import localtime
from tests.account_helpers import database_snapshot, location, text_of, tr
from tests.conftest import sign_in
from tests.registration_helpers import SYSTEM, form, published_event, registered

STAFF = {"id": None, "name": "Kim på entrén", "role": "organiser"}
# These tests check in for the events' days ahead or past: an organiser's check-in, with a reason.
REASON = "Efterregistrering från deltagarlistan"
STRANGER = Registrant(ip="198.51.100.10")


@pytest.fixture
async def event():
    return await published_event()


def first_day(event: dict):
    return localtime(event["starts_at"]).date()


def url(event: dict, path: str = "", day=None) -> str:
    return f"/organiser/events/{event['slug']}/checkin{path}" + (f"?day={day.isoformat()}" if day else "")


async def check_in(event: dict, registration: dict, day=None, **fields) -> checkins.Answer:
    answer = await checkins.check_in(
        Scan(
            reason=REASON,
            confirmed=True,
            code=registration["ticket_code"],
            event=event["slug"],
            day=day or first_day(event),
            **fields,
        ),
        STAFF,
    )
    assert answer.result == "ok", answer
    return answer


def table(page: str, caption_id: str) -> list[list[str]]:
    """The text of each body row's cells in the table whose caption has `caption_id`."""
    found = re.search(rf'<caption id="{caption_id}">.*?<tbody>(.*?)</tbody>', page, flags=re.DOTALL)
    assert found, f"no table {caption_id}"
    return [
        [
            " ".join(re.sub(r"<[^>]+>", " ", cell).split())
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, flags=re.DOTALL)
        ]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", found.group(1), flags=re.DOTALL)
    ]


CHECKED_IN_FIGURE = (
    "%(checked_in)s of %(expected)s expected is checked in (%(percent)s %%).",
    "%(checked_in)s of %(expected)s expected are checked in (%(percent)s %%).",
)


def figure(checked_in: int, expected: int, percent: int) -> str:
    """The live view's sentence in Swedish, its verb agreeing with the number checked in."""
    with i18n.use_language("sv"):
        return i18n.ngettext(*CHECKED_IN_FIGURE, checked_in, checked_in=checked_in, expected=expected, percent=percent)


@pytest.fixture
async def three(event):
    """Anna (Sundsvall, workshop A, both days), Bo (Energibolaget AB, both days), Cilla (day two only)."""
    workshop = str(event["sessions"]["Workshop A"]["uid"])
    day_two = (first_day(event) + timedelta(days=1)).isoformat()
    return {
        "anna": await registered(event["slug"], form("anna@example.se", sessions=[workshop]), STRANGER),
        "bo": await registered(
            event["slug"], form("bo@example.se", name="Bo Ek", organisation="Energibolaget AB"), STRANGER
        ),
        "cilla": await registered(event["slug"], form("cilla@example.se", name="Cilla Berg", days=[day_two]), STRANGER),
    }


def pretend_today_is(monkeypatch, day) -> None:
    monkeypatch.setattr(checkins, "today", lambda: day)


# --- Who may --------------------------------------------------------------------------------------


async def test_check_in_staff_and_the_public_are_refused_everywhere(client, staff_accounts, event, three, monkeypatch):
    answer = await check_in(event, three["anna"])
    pretend_today_is(monkeypatch, first_day(event) + timedelta(days=5))  # the no-show list exists
    pages = [url(event), url(event, "/live"), url(event, "/no-shows.csv", first_day(event))]
    undo = url(event, f"/{answer.attendance}/undo")
    before = await database_snapshot()
    for target in pages:
        assert urlsplit(location(await client.get(target))).path == "/login", target
    assert urlsplit(location(await client.submit(undo, {"confirm": "yes"}, form_page="/"))).path == "/login"
    await sign_in(client, "checkin@test.se")
    for target in pages:
        assert (await client.get(target)).status_code == 403, target
    assert (await client.submit(undo, {"confirm": "yes"}, form_page="/staff")).status_code == 403
    after = await database_snapshot()
    assert after["attendance"] == before["attendance"] and await Attendance.count() == 1


async def test_an_unknown_event_or_day_is_not_found(organiser, event):
    assert (await organiser.get("/organiser/events/no-such-event/checkin")).status_code == 404
    assert (await organiser.get("/organiser/events/no-such-event/checkin/live")).status_code == 404
    for day in ("2001-01-01", "nonsense"):
        assert (await organiser.get(f"{url(event)}?day={day}")).status_code == 404, day


# --- The live view --------------------------------------------------------------------------------


async def test_the_counts_shown_are_those_of_the_check_ins_made(organiser, event, three):
    await check_in(event, three["anna"], device="telefon 1", method="camera")
    await checkins.check_in(
        Scan(
            reason=REASON,
            confirmed=True,
            code=three["anna"]["ticket_code"],
            event=event["slug"],
            session=str(event["sessions"]["Workshop A"]["uid"]),
        ),
        STAFF,
    )

    response = await organiser.get(url(event))  # the event is not on today: its first day

    page = text_of(response)
    assert response.status_code == 200
    assert figure(1, 2, 50) in page  # Cilla comes on day two only
    assert 'aria-live="polite"' in page and 'aria-current="page"' in page
    assert table(page, "checkin-organisations-caption") == [
        ["Energibolaget AB", "0", "1"],
        ["Sundsvalls kommun", "1", "1"],
    ]
    sessions = {row[0]: row[2:] for row in table(page, "checkin-sessions-caption")}
    assert sessions["Öppning"] == ["0", "2"] and sessions["Workshop A: Klimat"] == ["1", "1"]
    assert sessions["Workshop B: Energi"] == ["0", "0"]
    latest = table(page, "latest-caption")
    assert [row[:2] + row[3:7] for row in latest] == [
        [
            "Anna Andersson",
            "Sundsvalls kommun",
            "Workshop A: Klimat",
            tr("sv", "Scanner or typed code"),
            STAFF["name"],
            "",
        ],
        [
            "Anna Andersson",
            "Sundsvalls kommun",
            tr("sv", "The whole day"),
            tr("sv", "Camera"),
            STAFF["name"],
            "telefon 1",
        ],
    ]
    assert re.fullmatch(r"\d\d\.\d\d", latest[0][2])  # Stockholm time, the Swedish way
    with i18n.use_language("sv"):
        tomorrow = i18n.format_day(first_day(event) + timedelta(days=1))
    assert (
        tr("sv", "The list of those who did not come is ready once the day is over, from %(day)s.", day=tomorrow)
        in page
    )

    day_two = text_of(await organiser.get(url(event, day=first_day(event) + timedelta(days=1))))
    assert figure(0, 3, 0) in day_two
    assert tr("sv", "Nobody has been checked in this day yet.") in day_two


async def test_today_is_shown_by_default_when_the_event_is_on(organiser, event, three, monkeypatch):
    day_two = first_day(event) + timedelta(days=1)
    await check_in(event, three["cilla"], day=day_two)
    pretend_today_is(monkeypatch, day_two)
    assert figure(1, 3, 33) in text_of(await organiser.get(url(event)))
    assert figure(1, 3, 33) in text_of(await organiser.get(url(event, "/live")))


async def test_the_fragment_shows_new_check_ins_and_is_not_cached(organiser, event, three):
    live = url(event, "/live", first_day(event))
    before = await organiser.get(live)
    assert before.headers["cache-control"] == "no-store"
    assert figure(0, 2, 0) in text_of(before)
    assert "<html" not in before.text  # the part alone

    await check_in(event, three["bo"])

    after = text_of(await organiser.get(live))
    assert figure(1, 2, 50) in after
    assert ["Energibolaget AB", "1", "1"] in table(after, "checkin-organisations-caption")
    assert table(after, "latest-caption")[0][0] == "Bo Ek"


# --- Undo -----------------------------------------------------------------------------------------


async def test_a_mistaken_check_in_is_undone_and_the_audit_log_keeps_it(organiser, event, three):
    answer = await check_in(event, three["bo"], device="telefon 1")
    page = url(event, day=first_day(event))
    undo = f"{url(event, f'/{answer.attendance}/undo')}?day={first_day(event).isoformat()}"
    assert f'action="{undo}"' in (await organiser.get(page)).text

    unconfirmed = await organiser.submit(undo, {}, form_page=page)
    assert await Attendance.count() == 1
    assert tr("sv", "Nothing was undone: use the button that confirms it.") in text_of(
        await organiser.get(location(unconfirmed))
    )

    response = await organiser.submit(undo, {"confirm": "yes"}, form_page=page)

    assert urlsplit(location(response)).path == url(event)
    assert f"day={first_day(event).isoformat()}" in location(response)
    assert await Attendance.count() == 0
    entry = await AuditEntry.select().where(AuditEntry.action == "checkin.undone").output(load_json=True).first()
    assert "Olle Organisatör" in entry["actor"] and entry["summary"] == "Bo Ek"
    assert (entry["details"]["by"], entry["details"]["device"]) == (STAFF["name"], "telefon 1")
    shown = text_of(await organiser.get(location(response)))
    assert tr("sv", "The check-in is undone.") in shown and figure(0, 2, 0) in shown
    # Undone already (on another screen): said so, nothing breaks.
    again = await organiser.submit(undo, {"confirm": "yes"}, form_page=page)
    assert tr("sv", "There is no such check-in: it may have been undone already.") in text_of(
        await organiser.get(location(again))
    )


async def test_an_undo_without_the_csrf_token_is_refused(organiser, event, three):
    answer = await check_in(event, three["bo"])
    await organiser.get(url(event))
    response = await organiser.post(url(event, f"/{answer.attendance}/undo"), data={"confirm": "yes"})
    assert response.status_code == 403
    assert await Attendance.count() == 1
    assert await AuditEntry.count().where(AuditEntry.action == "checkin.undone") == 0


# --- No-shows -------------------------------------------------------------------------------------


async def test_after_the_day_the_no_shows_are_listed_and_downloaded(organiser, event, three, monkeypatch):
    day = first_day(event)
    formula = await registered(
        event["slug"], form("dan@example.se", name='=HYPERLINK("http://x.se")', organisation="+46 Energi AB"), STRANGER
    )
    gone = await registered(event["slug"], form("eva@example.se", name="Eva Ek"), STRANGER)
    await registrations.cancel_registration(str(gone["uid"]), SYSTEM)
    await check_in(event, three["anna"])
    await check_in(event, three["bo"], day=day + timedelta(days=1))  # came the other day only
    await check_in(event, formula, day=day + timedelta(days=1))
    # Before the day is over: when the list will be ready, and no file yet.
    page = text_of(await organiser.get(url(event, day=day)))
    assert tr("sv", "No-shows") in page and "bo@example.se" not in page
    assert (await organiser.get(url(event, "/no-shows.csv", day))).status_code == 404

    pretend_today_is(monkeypatch, day + timedelta(days=2))
    page = text_of(await organiser.get(url(event, day=day)))
    assert sorted(table(page, "no-shows-caption")) == [
        ['=HYPERLINK("http://x.se")', "+46 Energi AB", "dan@example.se"],
        ["Bo Ek", "Energibolaget AB", "bo@example.se"],
    ]
    assert f'href="{url(event, "/no-shows.csv", day)}"' in page
    response = await organiser.get(url(event, "/no-shows.csv", day))

    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    content = response.content.decode("utf-8-sig")
    assert '"\'=HYPERLINK(""http://x.se"")";"\'+46 Energi AB";"dan@example.se"' in content  # neutralised, quoted
    rows = list(csv.reader(io.StringIO(content), delimiter=";"))
    assert rows[0] == [tr("sv", "Name"), tr("sv", "Organisation"), tr("sv", "Email address")]
    assert sorted(row[2] for row in rows[1:]) == ["bo@example.se", "dan@example.se"]
    # Day two: Cilla did not come; everyone else did.
    day_two = await organiser.get(url(event, "/no-shows.csv", day + timedelta(days=1)))
    assert [
        row[2] for row in list(csv.reader(io.StringIO(day_two.content.decode("utf-8-sig")), delimiter=";"))[1:]
    ] == ["anna@example.se", "cilla@example.se"]
