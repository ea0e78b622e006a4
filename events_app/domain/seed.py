"""Seed and demo data, loaded idempotently (running it again changes nothing).

The seed (the county's organisations and the council's themes) comes from events_app/data/, copied
from the council's shared data; the demo adds staff accounts, the council's sixteen members and a
few events (this year's Hållbarhetsdagarna with the programme in demo_programme.csv, a training
module, a council meeting, and last year's Hållbarhetsdagarna, archived) so that a new user opens a
living site.

Certificates have something to work on: both Hållbarhetsdagarna give a certificate of attendance
(checked in on any day, six hours a day, signed by the council's chair), and last year's has
participants checked in on both days, on one, or not at all, so an organiser can issue its
certificates at once. The training module's first occasion, three weeks ago, was attended by a few
members (three hours each), so their records and the organisers' members × modules matrix show a
module in progress.

The council's members hold the term of office running today (the four years after a general
election), with a history, substitutes, roles, the preparatory group and one empty seat, and a council
meeting was held two months ago with apologies, a substitute and minutes (demo_council.py).

The demo events are dated relative to the day the demo is loaded, and each is added only when no
event with its slug exists yet; what belongs to an event (registrations, check-ins) is added with
it, never on a later run.
"""

from __future__ import annotations

import csv
import uuid
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from urllib.parse import quote

from events_app.domain import (
    checkins,
    demo_council,
    demo_evaluations,
    evaluations,
    events,
    invitations,
    organisation_names,
    programme,
    questions,
    registrations,
    staff,
)
from events_app.domain.audit import Actor
from events_app.domain.checkins import Scan
from events_app.domain.errors import DomainError
from events_app.domain.events import EventInput
from events_app.domain.people import MemberInput, create_member, list_members
from events_app.domain.programme import SessionInput, SpeakerInput
from events_app.domain.public_page_versions import changes_public_pages
from events_app.domain.tables import (
    Attendance,
    Audience,
    CompletionRule,
    Event,
    EventKind,
    HoursCredit,
    Organisation,
    Person,
    Role,
    StaffAccount,
    Theme,
)
from events_app.domain.transactions import atomic, utcnow
from events_app.i18n import STOCKHOLM, localtime

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
DEMO_PASSWORD = "Klimatdag-i-Sundsvall-27"
# Who signs the demo's certificates (invented).
DEMO_SIGNATORY = {"signatory_name": "Eva Sundin", "signatory_title": "Ordförande, Hållbarhetsrådet i Västernorrland"}
DEMO_STAFF = [
    ("admin@exempel.se", "Maria Berglund", "admin"),
    ("organisator@exempel.se", "Elin Sjöberg", "organiser"),
    ("incheckning@exempel.se", "Johan Nyström", "checkin"),
]
# Two members (majority and opposition) from each municipality and from the region, with invented names.
DEMO_MEMBERS = [
    ("harnosand", "Anna Lindqvist", "Per Holm"),
    ("kramfors", "Karin Ödman", "Erik Sandberg"),
    ("solleftea", "Máret Čuđetsá", "Lars Eriksson"),
    ("sundsvall", "Sofia Åkesson", "Łukasz Żółw"),
    ("timra", "Helena Norberg", "Mikael Strand"),
    ("ange", "Ingrid Vikström", "Jonas Björk"),
    ("ornskoldsvik", "Eva Nordin", "Anders Forsberg"),
    ("region", "Lena Westin", "Olof Hägglund"),
]


_THEME_COLUMNS = ("slug", "name_sv", "name_en", "source", "description_sv", "description_en")
_THEME_TEXTS = (Theme.description_sv, Theme.description_en)


def _rows(name: str) -> list[dict[str, str]]:
    with (DATA_DIR / name).open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


@changes_public_pages
async def load_seed() -> dict[str, int]:
    """Organisations, themes and the evaluation templates; returns how many of each were added."""
    known = {row["code"] for row in await Organisation.select(Organisation.code)}
    organisations = [
        Organisation(code=row["code"], name_sv=row["name_sv"], name_en=row["name_en"], kind=row["kind"])
        for row in _rows("organisations.csv")
        if row["code"] not in known
    ]
    stored = {row["slug"]: row for row in await Theme.select(Theme.slug, *_THEME_TEXTS)}
    theme_rows = _rows("themes.csv")
    themes = [Theme(**{name: row[name] for name in _THEME_COLUMNS}) for row in theme_rows if row["slug"] not in stored]
    # Themes seeded before they had descriptions get them; a description already there stays as it is.
    described = {
        row["slug"]: {
            column: row[column._meta.name] for column in _THEME_TEXTS if not stored[row["slug"]][column._meta.name]
        }
        for row in theme_rows
        if row["slug"] in stored
    }
    async with atomic():
        if organisations:
            await Organisation.insert(*organisations)
        if themes:
            await Theme.insert(*themes)
        for slug, texts in described.items():
            if texts:
                await Theme.update(texts).where(Theme.slug == slug)
    organisation_names.forget()
    return {
        "organisations": len(organisations),
        "themes": len(themes),
        "evaluation forms": await evaluations.ensure_templates(),
    }


@changes_public_pages
async def load_demo(now: datetime | None = None) -> dict[str, int]:
    """The seed plus demo staff accounts, council members and events (dated relative to `now`)."""
    added = await load_seed()
    actor = Actor.system("demo data")
    added["staff"] = 0
    for email, name, role in DEMO_STAFF:
        if not await StaffAccount.exists().where(StaffAccount.email == email):
            await staff.create_staff(email=email, name=name, role=role, password=DEMO_PASSWORD, actor=actor)
            added["staff"] += 1
    today = localtime(now or utcnow()).date()
    first, last = election_period(today)
    added["members"] = 0
    for code, majority, opposition in DEMO_MEMBERS:
        for name, side in ((majority, "majority"), (opposition, "opposition")):
            email = demo_council.email_of(name)
            if not await Person.exists().where(Person.email == email):
                await create_member(
                    MemberInput(
                        name=name,
                        email=email,
                        organisation=code,
                        side=side,
                        title="Ledamot",
                        term_start=first.isoformat(),
                        term_end=last.isoformat(),
                    ),
                    actor,
                )
                added["members"] += 1
    if added["members"] == len(DEMO_MEMBERS) * 2:  # the council's history, substitutes and roles: once
        await demo_council.add_history(today, first, actor)
    added["events"] = await _load_demo_events(now or utcnow(), actor)
    return added


def election_period(today: date) -> tuple[date, date]:
    """The term of office running on `today`: the four calendar years after a Swedish general election
    (2023–2026, 2027–2030, ...)."""
    first_year = 2023 + (today.year - 2023) // 4 * 4
    return date(first_year, 1, 1), date(first_year + 3, 12, 31)


# --- Demo events -------------------------------------------------------------------------------


@dataclass
class _DemoEvent:
    event: EventInput
    sessions: list[SessionInput]


def _map_url(place: str) -> str:
    return f"https://www.openstreetmap.org/search?query={quote(place)}"


def _at(day: date, clock: str | time) -> datetime:
    """A local Stockholm time on a day ('09:30' or a time)."""
    return datetime.combine(day, time.fromisoformat(clock) if isinstance(clock, str) else clock, STOCKHOLM)


def _in_holidays(day: date) -> bool:
    """Christmas to Epiphany, when nobody would hold a conference or a course."""
    return (day.month == 12 and day.day >= 20) or (day.month == 1 and day.day <= 6)


def _same_weekday_outside_holidays(day: date, direction: int) -> date:
    """The day, or the same weekday in the nearest week outside the Christmas holidays (+1 later, -1 earlier)."""
    while _in_holidays(day):
        day += timedelta(weeks=direction)
    return day


def _demo_slug(title: str, starts_at: datetime) -> str:
    """The slug events.create_event gives a new event with this title (no other event holding it)."""
    base, year = events.slugify(title), str(localtime(starts_at).year)
    return base if base.endswith(year) else f"{base}-{year}"


def sustainability_days_start(today: date) -> date:
    """The first Thursday four to five weeks ahead (a week later while that falls in the holidays)."""
    first = today + timedelta(days=28)
    first += timedelta(days=(3 - first.weekday()) % 7)
    while _in_holidays(first) or _in_holidays(first + timedelta(days=1)):
        first += timedelta(weeks=1)
    return first


def _sustainability_days(today: date, now: datetime) -> _DemoEvent:
    """Two days in Sundsvall, Thursday and Friday, with the programme from demo_programme.csv.

    The CSV names speakers by role ("Miljöstrateg"), not by person: the role becomes the speaker's
    name (shown with the organisation), and the title stays empty so it is not shown twice.
    """
    first = sustainability_days_start(today)
    rows = _rows("demo_programme.csv")
    venue = "Kulturmagasinet, Sjögatan 7, Sundsvall"
    sessions = [
        SessionInput(
            title=row["title"],
            kind=row["kind"],
            room=row["track"],
            starts_at=_at(first + timedelta(days=int(row["day"]) - 1), row["start"]),
            ends_at=_at(first + timedelta(days=int(row["day"]) - 1), row["end"]),
            capacity=int(row["capacity"]) if row["capacity"] else None,
            requires_signup=row["requires_signup"].strip().lower() == "true",
            themes=[row["theme"]] if row["theme"] else [],
            speakers=[SpeakerInput(name=row["speaker"], organisation=row["speaker_organisation"])]
            if row["speaker"]
            else [],
        )
        for row in rows
    ]
    last = first + timedelta(days=max(int(row["day"]) for row in rows) - 1)
    starts_at = _at(first, min(row["start"] for row in rows))
    event = EventInput(
        title=f"Hållbarhetsdagarna {first.year}",
        kind=EventKind.sustainability_day.value,
        description=(
            "Länets mötesplats för klimatomställning och hållbar utveckling: två dagar med föreläsningar, "
            "verkstäder och studiebesök för kommunerna, regionen, länsstyrelsen och alla som vill bidra.\n\n"
            "- **Dag 1:** länets klimat- och energiplan, verkstäder om solenergi, transporter och lokal mat, "
            "miljömålen och ett studiebesök på biogasanläggningen.\n"
            "- **Dag 2:** Ekokommunernas nyckeltal och Agenda 2030, digital infrastruktur, kommunala "
            "partnerskap och ett gemensamt uttalande.\n\n"
            "Verkstäder och studiebesök har begränsat antal platser; anmäl dig till dem när du anmäler dig."
        ),
        title_en=f"Sustainability Days {first.year}",
        description_en=(
            "The county's meeting place for climate transition and sustainable development: two days of talks, "
            "workshops and study visits for the municipalities, the region, the county board and everyone who "
            "wants to contribute.\n\n"
            "- **Day 1:** the county's climate and energy plan, workshops on solar energy, transport and local "
            "food, the environmental objectives and a study visit to the biogas plant.\n"
            "- **Day 2:** the eco-municipalities' key figures and Agenda 2030, digital infrastructure, municipal "
            "partnerships and a joint statement.\n\n"
            "Workshops and study visits have a limited number of places; sign up for them when you register. "
            "The sessions are held in Swedish."
        ),
        audience=Audience.public.value,
        capacity=250,
        starts_at=starts_at,
        ends_at=_at(last, max(row["end"] for row in rows)),
        registration_opens_at=now,
        registration_closes_at=starts_at - timedelta(days=2),
        venue_name="Kulturmagasinet",
        venue_address="Sjögatan 7, 852 34 Sundsvall",
        venue_map_url=_map_url(venue),
        themes=["klimat-energi"],
        # A certificate of attendance for anyone checked in on a day, six hours a day (copied to last year's).
        completion_rule=CompletionRule.any_day.value,
        hours_credit=HoursCredit.per_day.value,
        hours_per_day=6,
        **DEMO_SIGNATORY,
    )
    return _DemoEvent(event, sessions)


def _training_module(today: date, now: datetime) -> _DemoEvent:
    """Three Tuesday afternoons: one three weeks ago, two ahead; two of three complete the module."""
    tuesday = today - timedelta(days=today.weekday()) + timedelta(days=1)
    occasions = [
        _same_weekday_outside_holidays(tuesday + timedelta(weeks=weeks), 1 if weeks > 0 else -1) for weeks in (-3, 2, 6)
    ]
    subjects = [
        (
            "Klimatrisker i Västernorrland: översvämning, ras och skred",
            "Klimatanpassningssamordnare",
            "Länsstyrelsen Västernorrland",
            "klimat-energi",
        ),
        ("Klimatanpassning i översiktsplanen och detaljplanen", "Planarkitekt", "Kramfors kommun", "miljomal"),
        (
            "Från plan till åtgärd: prioritera, finansiera och följa upp",
            "Miljöstrateg",
            "Kommunförbundet Västernorrland",
            "klimat-energi",
        ),
    ]
    sessions = [
        SessionInput(
            title=f"Tillfälle {n}: {title}",
            kind="workshop",
            room="Storsalen",
            starts_at=_at(day, "13:00"),
            ends_at=_at(day, "16:00"),
            themes=[theme],
            speakers=[SpeakerInput(name=role, organisation=organisation)],
        )
        for n, (day, (title, role, organisation, theme)) in enumerate(zip(occasions, subjects, strict=True), start=1)
    ]
    event = EventInput(
        title="Klimatanpassning i kommunal planering",
        kind=EventKind.training_module.value,
        description=(
            "En utbildning i tre tillfällen för förtroendevalda och tjänstepersoner om hur ett förändrat "
            "klimat påverkar kommunernas planering: risker, planverktyg och åtgärder.\n\n"
            "Du har gått utbildningen när du deltagit i **minst två av de tre tillfällena**, så det går "
            "att ansluta till det andra tillfället även om du missade det första."
        ),
        title_en="Climate adaptation in municipal planning",
        description_en=(
            "A course in three sessions for elected representatives and officials on how a changing climate "
            "affects the municipalities' planning: risks, planning tools and measures.\n\n"
            "You have completed the course when you have attended **at least two of the three sessions**, so "
            "you can join the second session even if you missed the first."
        ),
        audience=Audience.members.value,
        capacity=40,
        starts_at=_at(occasions[0], "13:00"),
        ends_at=_at(occasions[-1], "16:00"),
        registration_opens_at=now - timedelta(weeks=8),
        registration_closes_at=_at(occasions[1] - timedelta(days=1), "12:00"),
        venue_name="Länsstyrelsen Västernorrland",
        venue_address="Storgatan 17, 871 31 Härnösand",
        venue_map_url=_map_url("Storgatan 17, Härnösand"),
        themes=["klimat-energi", "miljomal"],
        completion_rule=CompletionRule.at_least.value,
        completion_min=2,
        hours_credit=HoursCredit.per_day.value,
        hours_per_day=3,
        **DEMO_SIGNATORY,
        occasion_dates=occasions,
    )
    return _DemoEvent(event, sessions)


def _council_meeting(today: date, now: datetime) -> _DemoEvent:
    """The council's meeting about three weeks ahead (two to nine), a morning with a short agenda."""
    taken = {sustainability_days_start(today) + timedelta(days=n) for n in (0, 1)}
    day = next(
        candidate
        for offset in [*range(21, 13, -1), *range(22, 64)]
        if (candidate := today + timedelta(days=offset)).weekday() < 5
        and not _in_holidays(candidate)
        and candidate not in taken
    )
    chair = SpeakerInput(name="Rådets ordförande", organisation="Hållbarhetsrådet i Västernorrland")
    agenda = [
        ("10:00", "10:15", "Mötet öppnas, val av justerare och godkännande av dagordningen", [chair], []),
        (
            "10:15",
            "11:00",
            "Lägesrapport: länets klimat- och energiplan",
            [SpeakerInput(name="Miljöstrateg", organisation="Kommunförbundet Västernorrland")],
            ["klimat-energi"],
        ),
        (
            "11:00",
            "11:45",
            "Hållbarhetsdagarna: program och gemensamt uttalande",
            [SpeakerInput(name="Rådets vice ordförande", organisation="Hållbarhetsrådet i Västernorrland")],
            [],
        ),
        ("11:45", "12:00", "Övriga frågor och mötet avslutas", [chair], []),
    ]
    sessions = [
        SessionInput(
            title=title,
            kind="plenary",
            room="Sammanträdesrummet",
            starts_at=_at(day, start),
            ends_at=_at(day, end),
            speakers=speakers,
            themes=themes,
        )
        for start, end, title, speakers, themes in agenda
    ]
    event = EventInput(
        title="Rådsmöte",
        kind=EventKind.council_meeting.value,
        description=(
            "Hållbarhetsrådets ordinarie sammanträde. Handlingarna skickas ut en vecka före mötet; "
            "anmäl dig senast då, så att vi kan beställa lunch, som serveras efter mötet."
        ),
        title_en="Council meeting",
        description_en=(
            "The Sustainability Council's ordinary meeting. The papers are sent out a week before the meeting; "
            "register by then so that we can order lunch, which is served after the meeting."
        ),
        audience=Audience.members.value,
        capacity=30,
        starts_at=_at(day, "10:00"),
        ends_at=_at(day, "12:00"),
        registration_opens_at=now,
        registration_closes_at=_at(day - timedelta(weeks=1), "23:59"),
        venue_name="Kommunförbundet Västernorrland",
        venue_address="Härnösand",
        venue_map_url=_map_url("Härnösand"),
        themes=["samverkan"],
        completion_rule=CompletionRule.none.value,  # attendance is recorded; a meeting gives no certificates
    )
    return _DemoEvent(event, sessions)


async def _create_published(demo: _DemoEvent, actor: Actor) -> bool:
    """Create, fill and publish the event unless its slug exists; all or nothing."""
    assert demo.event.starts_at is not None
    if await Event.exists().where(Event.slug == _demo_slug(demo.event.title, demo.event.starts_at)):
        return False
    async with atomic():
        event = await events.create_event(demo.event, actor)
        for session in demo.sessions:
            await programme.add_session(event["slug"], session, actor)
        await events.publish_event(event["slug"], actor)
    return True


# External participants of the demo Hållbarhetsdagarna: (name, organisation text, title, dietary).
DEMO_GUESTS = [
    ("Sara Lindqvist", "Mittuniversitetet", "Forskare, energisystem", ["vegetarian"]),
    ("Johan Berg", "SCA", "Hållbarhetschef", []),
    ("Amina Yusuf", "Naturskyddsföreningen Västernorrland", "Ordförande", ["vegan", "nut_allergy"]),
    ("Per-Olof Nyström", "Länsstyrelsen Västernorrland", "Klimatsamordnare", ["gluten_free"]),
]


async def _demo_registrations(slug: str, actor: Actor) -> None:
    """Two questions of the organisers and a first batch of registrations, so the organiser's lists,
    counts and catering summary have something to show."""
    event = await events.get_event(slug)
    await questions.add_question(
        event["id"],
        questions.QuestionInput(label="Deltar du i middagen efter dag 1?", kind="yes_no", required=True, key="middag"),
        actor,
    )
    await questions.add_question(
        event["id"],
        questions.QuestionInput(label="Vilken fråga vill du att rådet tar upp?", kind="text", key="fraga"),
        actor,
    )
    workshops = [s for s in await registrations.signup_sessions(event["id"]) if s["capacity"]]
    by_hand = registrations.Registrant(source="organiser", actor=actor)
    people = [(m["name"], m["email"], m["organisation_code"], m["title"], []) for m in await list_members()]
    people += [(name, demo_council.email_of(name), org, title, diet) for name, org, title, diet in DEMO_GUESTS]
    for n, (name, email, organisation, title, dietary) in enumerate(people):
        chosen = [str(workshops[n % len(workshops)]["uid"])] if workshops and n % 3 else []
        data = registrations.RegistrationInput(
            name=name,
            email=email,
            organisation=organisation,
            title=title,
            dietary=dietary,
            answers={"middag": n % 4 != 0},
            sessions=chosen,
        )
        try:
            await registrations.register(slug, data, by_hand)
        except DomainError:  # a full workshop: register without it
            await registrations.register(slug, replace(data, sessions=[]), by_hand)


# Invited actors of the demo Hållbarhetsdagarna (invented): (name, organisation, note, reserved place).
DEMO_INVITEES = [
    ("Elin Åkesson", "Kustbygdens Energi AB", "Vi skulle gärna höra er erfarenhet av vätgas i hamnen.", True),
    ("Mats Holm", "Nordlig Godstransport AB", "", False),
    ("Lena Marklund", "Forskningsinstitutet Mitt", "", False),
]
DEMO_INVITATION_MESSAGE = (
    "Hållbarhetsrådet i Västernorrland bjuder in dig till årets Hållbarhetsdagar. "
    "Vi hoppas att du vill vara med och dela dina erfarenheter."
)


async def _demo_invitations(slug: str, actor: Actor) -> None:
    """An invite list: three invitations sent (one holding a reserved place) and one not sent yet."""
    for name, organisation, note, reserved in DEMO_INVITEES:
        await invitations.add_invitee(
            slug,
            invitations.InviteeInput(
                name=name,
                email=demo_council.email_of(name),
                organisation=organisation,
                note=note,
                reserved_place=reserved,
            ),
            actor,
        )
    await invitations.send_invitations(slug, DEMO_INVITATION_MESSAGE, actor)
    await invitations.add_invitee(
        slug,
        invitations.InviteeInput(
            name="Oskar Sjöberg", email=demo_council.email_of("Oskar Sjöberg"), organisation="Mittuniversitetet"
        ),
        actor,
    )


# Last year's Hållbarhetsdagarna: who came (members by name, then external guests from DEMO_GUESTS)
# and on which days: 2 both, 1 the first day only, -1 the second day only, 0 registered but never came.
DEMO_LAST_YEAR = [
    ("Anna Lindqvist", 2),
    ("Per Holm", 2),
    ("Karin Ödman", 1),
    ("Máret Čuđetsá", 2),
    ("Lars Eriksson", 0),
    ("Sofia Åkesson", 2),
    ("Łukasz Żółw", -1),
    ("Helena Norberg", 2),
    ("Jonas Björk", 1),
    ("Lena Westin", 2),
    ("Sara Lindqvist", 2),
    ("Johan Berg", 0),
    ("Amina Yusuf", 1),
    ("Per-Olof Nyström", 2),
]
# The training module's first occasion: members registered, and whether they came.
DEMO_MODULE = [
    ("Anna Lindqvist", True),
    ("Máret Čuđetsá", True),
    ("Erik Sandberg", True),
    ("Eva Nordin", True),
    ("Olof Hägglund", False),
    ("Ingrid Vikström", False),
]


async def _demo_people() -> dict[str, tuple[str, str, str]]:
    """Every demo person who can register, by name: (email, organisation code or text, title)."""
    people = {m["name"]: (m["email"], m["organisation_code"], m["title"]) for m in await list_members()}
    people.update({name: (demo_council.email_of(name), org, title) for name, org, title, _ in DEMO_GUESTS})
    return people


DEMO_ATTENDANCE_REASON = "Demodata: förra årets närvaro"


async def _door_staff() -> dict:
    """The demo's check-in account, as check-ins record who scanned (none if it was removed)."""
    row = (
        await StaffAccount.select(StaffAccount.id, StaffAccount.name)
        .where(StaffAccount.email == DEMO_STAFF[2][0])
        .first()
    )
    # Last year's attendance is entered afterwards, which only an organiser may do (with a reason).
    return {**(row or {"id": None, "name": DEMO_STAFF[2][1]}), "role": Role.organiser.value}


async def _demo_attendance(
    slug: str, attendance: list[tuple[str, list[date]]], actor: Actor, *, send_mail: bool
) -> None:
    """Register each person by hand (outside the registration window, as organisers may) and check
    them in on the given days, as the staff at the door did then (the check-in times set to the day)."""
    people, door = await _demo_people(), await _door_staff()
    by_hand = registrations.Registrant(source="organiser", actor=actor)
    for place, (name, days) in enumerate(attendance):
        if name not in people:  # a member deactivated since
            continue
        email, organisation, title = people[name]
        result = await registrations.register(
            slug,
            registrations.RegistrationInput(
                name=name, email=email, organisation=organisation, title=title, send_mail=send_mail
            ),
            by_hand,
        )
        registration = await registrations.get_registration(str(result.registration["uid"]))
        for day in days:
            scan = Scan(
                code=registration["ticket_code"], event=slug, day=day, reason=DEMO_ATTENDANCE_REASON, confirmed=True
            )
            answer = await checkins.check_in(scan, door)
            if answer.result != "ok":
                raise RuntimeError(f"demo check-in of {name} on {day}: {answer.result}")
            await Attendance.update({Attendance.checked_in_at: _at(day, "08:30") + timedelta(minutes=2 * place)}).where(
                Attendance.uid == uuid.UUID(answer.attendance)
            )


async def _load_demo_events(now: datetime, actor: Actor) -> int:
    today = localtime(now).date()
    added = 0
    days, module = _sustainability_days(today, now), _training_module(today, now)
    council = _council_meeting(today, now)
    for demo in (days, module, council):
        created = await _create_published(demo, actor)
        added += created
        assert demo.event.starts_at is not None
        slug = _demo_slug(demo.event.title, demo.event.starts_at)
        if created and demo is days:
            await _demo_registrations(slug, actor)
            await _demo_invitations(slug, actor)
        if created and demo is council:
            added += await demo_council.add_held_meeting(today, slug, actor, await _door_staff())
        if created and demo is module:
            first = demo.event.occasion_dates[0]
            await _demo_attendance(
                slug, [(name, [first] if came else []) for name, came in DEMO_MODULE], actor, send_mail=True
            )
    # Last year's Hållbarhetsdagarna, on the same weekdays a year earlier, as an archived event (so
    # past listings and theme pages have something to show): people checked in while it was
    # published, so its certificates of attendance can be issued at once.
    assert days.event.starts_at is not None
    this_year = localtime(days.event.starts_at).date()
    last_year = this_year - timedelta(weeks=52)
    if last_year.year == this_year.year:  # a start in the last days of December
        last_year -= timedelta(weeks=1)
    if not await Event.exists().where(Event.slug == f"hallbarhetsdagarna-{last_year.year}"):
        async with atomic():
            copy = await events.duplicate_event(
                _demo_slug(days.event.title, days.event.starts_at),
                last_year,
                actor,
                title=f"Hållbarhetsdagarna {last_year.year}",
            )
            await events.publish_event(copy["slug"], actor)
            first, second = [day["day"] for day in copy["days"]][:2]
            on_days = {2: [first, second], 1: [first], -1: [second], 0: []}
            await _demo_attendance(
                copy["slug"], [(name, on_days[came]) for name, came in DEMO_LAST_YEAR], actor, send_mail=False
            )  # no mail about an event a year ago
            await events.archive_event(copy["slug"], actor)
        await demo_evaluations.add_evaluation(copy["slug"], actor)
        added += 1
    return added
