"""The demo's council (seed.load_demo): the members' history, substitutes, roles and preparatory group,
and a council meeting held two months ago with its agenda, a paper, the minutes, apologies, a
substitute serving in a member's place and the attendance taken on the meeting's page.

The names are invented; the dates follow the day the demo is loaded."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from events_app.domain import council_meetings, council_members, events, materials, pdf_layout
from events_app.domain.audit import Actor
from events_app.domain.council_meetings import AgendaItemInput
from events_app.domain.people import list_members
from events_app.domain.tables import Event, MaterialPurpose, MaterialVisibility
from events_app.domain.transactions import atomic
from events_app.i18n import STOCKHOLM

# Who sat in the term before (re-appointed members), personal substitutes, roles, the preparatory
# group, and one member who left during the term, leaving a seat empty.
REAPPOINTED = ["Anna Lindqvist", "Karin Ödman", "Máret Čuđetsá", "Sofia Åkesson", "Lena Westin", "Per Holm"]
SUBSTITUTES = {
    "Anna Lindqvist": "Nils Öberg",
    "Karin Ödman": "Gunilla Nyberg",
    "Máret Čuđetsá": "Biret Ánde",
    "Sofia Åkesson": "Aleksander Wiśniewski",
    "Lena Westin": "Tomas Holmgren",
    "Eva Nordin": "Johanna Lidén",
}
SEKOM_CONTACTS = ["Anna Lindqvist", "Karin Ödman", "Máret Čuđetsá", "Sofia Åkesson", "Helena Norberg"]
LEFT = "Erik Sandberg"  # left the council six weeks ago: Kramfors has no member for the opposition
PREPARATORY_GROUP = [
    ("Maria Sjödin", "lansstyrelsen", "Miljöstrateg"),
    ("Jonas Hedlund", "region", "Utvecklingsstrateg"),
    ("Elin Backlund", "kommunforbundet", "Samordnare, rådets sekreterare"),
]

# The meeting held two months ago: Anna sent apologies and her substitute Nils came in her place, Per
# sent apologies by phone, Lars never answered and did not come, the others and two of the preparatory
# group were there.
HELD_SUBSTITUTED = "Anna Lindqvist"
HELD_APOLOGIES = "Per Holm"
HELD_ABSENT = ["Lars Eriksson", "Elin Backlund"]
HELD_AGENDA = [
    ("Mötets öppnande, val av justerare och godkännande av dagordningen", "", ""),
    ("Länets klimat- och energiplan: lägesrapport och remissvar", "klimat-energi", "Klimat- och energiplan 2030"),
    ("Hållbarhetsdagarna: tema och program", "samverkan", "Hållbarhetsdagarna"),
    ("Övriga frågor", "", ""),
]
MONTHS = [
    "januari", "februari", "mars", "april", "maj", "juni",
    "juli", "augusti", "september", "oktober", "november", "december",
]  # fmt: skip


def email_of(name: str) -> str:
    ascii_name = name.lower().translate(str.maketrans("åäöéáčđżółśńŋ ", "aaoeacdzolsnn.")).replace(" ", ".")
    return f"{ascii_name}@exempel.se"


async def add_history(today: date, first: date, actor: Actor) -> None:
    """The council's history, substitutes, roles and preparatory group, for members in office from
    `first` (the running term of office)."""
    members = {m["name"]: m for m in await list_members()}
    for name in REAPPOINTED:
        member = members[name]
        earlier = council_members.TermInput(
            organisation=member["organisation_code"],
            side=member["side"],
            starts_on=first.replace(year=first.year - 4).isoformat(),
            ends_on=(first - timedelta(days=1)).isoformat(),
        )
        await council_members.add_term(str(member["uid"]), earlier, actor)
    for name, substitute in SUBSTITUTES.items():
        uid = str(members[name]["uid"])
        person = await council_members.person_by_uid(uid)
        data = council_members.TermInput(substitute_name=substitute, substitute_email=email_of(substitute))
        for term in await council_members.terms_of(person["id"]):  # the same substitute in both terms
            await council_members.set_substitute(uid, str(term["uid"]), data, actor)
    year_start, year_end = date(today.year, 1, 1), date(today.year, 12, 31)
    roles = [("Lena Westin", "chair", year_start, year_end), ("Per Holm", "vice_chair", year_start, year_end)]
    roles += [(name, "sekom_contact", first, None) for name in SEKOM_CONTACTS]
    for name, position, starts_on, ends_on in roles:
        data = council_members.RoleInput(
            position=position, starts_on=starts_on.isoformat(), ends_on=ends_on.isoformat() if ends_on else ""
        )
        await council_members.add_role(str(members[name]["uid"]), data, actor)
    for name, code, title in PREPARATORY_GROUP:
        data = council_members.OfficialInput(
            name=name, email=email_of(name), organisation=code, title=title, starts_on=first.isoformat()
        )
        await council_members.add_official(data, actor)
    left = members[LEFT]
    person = await council_members.person_by_uid(str(left["uid"]))
    [term] = await council_members.terms_of(person["id"])
    ends_on = max(first, today - timedelta(weeks=6))
    await council_members.end_term(str(left["uid"]), str(term["uid"]), ends_on.isoformat(), actor)


def held_meeting_day(today: date) -> date:
    """A Tuesday about two months ago."""
    day = today - timedelta(weeks=8)
    return day - timedelta(days=(day.weekday() - 1) % 7)


def held_meeting_title(day: date) -> str:
    return f"Rådsmöte {day.day} {MONTHS[day.month - 1]}"


def _document(title: str, lines: list[str], day: date) -> bytes:
    """A short PDF in the house style: the demo's paper and minutes."""
    created = datetime.combine(day, time(12), STOCKHOLM)
    document = pdf_layout.new_document(texts=[title, *lines], title=title, language="sv", created_at=created)
    document.add_page()
    document.set_font(pdf_layout.FAMILY, size=16)
    document.multi_cell(0, 9, title, new_x="LMARGIN", new_y="NEXT")
    document.set_font(pdf_layout.FAMILY, size=11)
    for line in lines:
        document.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(document.output())


async def add_held_meeting(today: date, upcoming_slug: str, actor: Actor, door: dict) -> int:
    """The council meeting held two months ago, copied from the coming one; 1 when added, 0 when it is
    there already. `door` is the staff member who ticks the attendance (an organiser)."""
    day = held_meeting_day(today)
    title = held_meeting_title(day)
    slug = f"{events.slugify(title)}-{day.year}"
    if await Event.exists().where(Event.slug == slug):
        return 0
    async with atomic():
        copy = await events.duplicate_event(upcoming_slug, day, actor, title=title)
        await events.publish_event(copy["slug"], actor)  # invites the council in office that day
        await _agenda_and_documents(copy["slug"], day, actor)
        await _answers_and_attendance(copy["slug"], actor, door)
    return 1


async def _agenda_and_documents(slug: str, day: date, actor: Actor) -> None:
    items = [
        await council_meetings.add_item(slug, AgendaItemInput(title=title, theme=theme, project=project), actor)
        for title, theme, project in HELD_AGENDA
    ]
    paper = _document(
        "Klimat- och energiplan 2030: lägesrapport",
        [
            "Handling till ärende 2, Hållbarhetsrådet i Västernorrland.",
            "Utsläppen i länet har minskat med 4 procent sedan föregående rapport.",
            "Förslag: rådet ställer sig bakom remissvaret och ber kommunerna anmäla kontaktpersoner.",
        ],
        day,
    )
    minutes = _document(
        held_meeting_title(day) + ": protokoll",
        [
            "§ 1 Mötet öppnades. Máret Čuđetsá valdes att justera protokollet.",
            "§ 2 Rådet ställde sig bakom remissvaret om länets klimat- och energiplan.",
            "§ 3 Hållbarhetsdagarnas tema fastställdes: klimatanpassning och energi.",
            "§ 4 Inga övriga frågor.",
        ],
        day,
    )
    documents = [
        (paper, "lagesrapport-klimat-energiplan.pdf", "Lägesrapport: klimat- och energiplanen", "paper", items[1]),
        (minutes, "protokoll.pdf", "Protokoll", "minutes", None),
    ]
    for content, filename, title, purpose, item in documents:
        data = materials.MaterialInput(
            title=title,
            visibility=MaterialVisibility.council.value,
            purpose=MaterialPurpose(purpose).value,
            agenda_item=str(item["uid"]) if item else "",
        )
        await materials.add_file_content(slug, data, content, filename, actor)


async def _answers_and_attendance(slug: str, actor: Actor, door: dict) -> None:
    _, rows = await council_meetings.invitees(slug)
    by_name = {row["name"]: row for row in rows}
    substitute = await council_meetings.pass_to_substitute(slug, str(by_name[HELD_SUBSTITUTED]["uid"]), actor)
    await council_meetings.record_apologies(slug, str(by_name[HELD_APOLOGIES]["uid"]), actor, "Sjuk")
    present = [str(row["uid"]) for row in rows if row["name"] not in (HELD_SUBSTITUTED, HELD_APOLOGIES, *HELD_ABSENT)]
    for uid in [*present, str(substitute["uid"])]:
        await council_meetings.tick_attendance(slug, uid, door)
