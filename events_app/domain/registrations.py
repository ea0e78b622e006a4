"""Registration: who may register when, the checks on the form, places and tickets, changes and
cancellation. Waiting-list promotion lives in `waiting_list.py`, mails in `registration_mail.py`.

Every registrant becomes (or already is) a `Person`, so one page can show a person all their
registrations; the registration keeps the name and details as given for this event.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from piccolo.utils.sql_values import convert_to_sql_value

from events_app.domain import (
    attendance,
    audit,
    invitation_links,
    organisation_names,
    outbox,
    privacy_notice,
    programme,
    questions,
    rate_limits,
    reminders,
    tickets,
    waiting_list,
)
from events_app.domain.audit import Actor
from events_app.domain.errors import DomainError, NotFound, ValidationFailed
from events_app.domain.events import get_event, is_public
from events_app.domain.public_page_versions import changes_public_pages
from events_app.domain.tables import (
    Audience,
    Event,
    EventDay,
    EventStatus,
    Organisation,
    Person,
    ProgrammeSession,
    Registration,
    RegistrationStatus,
    SessionChoice,
    SessionStatus,
)
from events_app.domain.text_folding import search_text
from events_app.domain.transactions import atomic, is_sqlite, utcnow
from events_app.domain.validation import collect_max_length, normalise_email, parse_uid, required_text
from events_app.i18n import N_, normalise_language
from events_app.settings import get_settings

CONFIRMED, WAITLISTED, CANCELLED = (status.value for status in RegistrationStatus)
# How long anonymous registrations from one IP address count towards a burst (see _burst_of).
BURST_WINDOW = timedelta(hours=1)
# What a registrant fills in and may change later on their page; the address and the language
# are given once, when registering.
_CHANGEABLE = (
    "name",
    "organisation",
    "organisation_text",
    "title",
    "dietary",
    "dietary_other",
    "accessibility",
    "answers",
    "days",
)

# Dietary needs the caterer counts; anything else goes in the free-text field.
DIETARY_NEEDS = {
    "vegetarian": N_("Vegetarian"),
    "vegan": N_("Vegan"),
    "gluten_free": N_("Gluten-free"),
    "lactose_free": N_("Lactose-free"),
    "nut_allergy": N_("Nut allergy"),
    "no_pork": N_("No pork"),
}
RATE_WINDOW = timedelta(hours=1)


@dataclass
class RegistrationInput:
    """What a person (or an API client, or an organiser adding someone) gives, before it is checked."""

    name: str = ""
    email: str = ""
    organisation: str = ""  # an organisation code from the seed data, or free text for externals
    title: str = ""
    dietary: list[str] = field(default_factory=list)
    dietary_other: str = ""
    accessibility: str = ""
    answers: dict[str, Any] = field(default_factory=dict)
    sessions: list[str] = field(default_factory=list)  # session uids: a place, or an error when full
    waitlist_sessions: list[str] = field(default_factory=list)  # full sessions whose queue the person joins
    days: list[str] | None = None  # ISO dates of the days attended; None means every day
    consent: bool = False
    language: str = "sv"
    invitation_token: str = ""
    send_mail: bool = True  # False for a walk-in who gave no address


@dataclass
class Registrant:
    """Who is registering and through what: a signed-in person, an organiser, or a stranger."""

    person_id: int | None = None
    source: str = "form"  # form, api, organiser, or walk_in (staff at the door)
    ip: str = ""
    actor: Actor | None = None  # set when staff register someone

    @property
    def by_organiser(self) -> bool:
        """Staff register someone: no rate limit, window, audience or consent checks apply."""
        return self.source in ("organiser", "walk_in")


@dataclass
class RegistrationResult:
    registration: dict[str, Any]
    created: bool = True


class AlreadyRegistered(DomainError):
    """The address already has a live registration for the event; its link was mailed again."""

    def __init__(self) -> None:
        super().__init__(
            N_("You are already registered for this event. We have mailed you the link to your registration again."),
            field="email",
            code="already_registered",
        )


# --- Who may register, and when ---------------------------------------------------------------


def registration_state(event: dict[str, Any], now: datetime | None = None) -> str:
    """'open', 'not_yet', 'closed' or 'unavailable' (a draft, cancelled or archived event)."""
    now = now or utcnow()
    if event["status"] != EventStatus.published.value:
        return "unavailable"
    if event["registration_opens_at"] and now < event["registration_opens_at"]:
        return "not_yet"
    closes = event["registration_closes_at"] or event["starts_at"]
    return "open" if now < closes else "closed"


async def attach_availability(events: list[dict[str, Any]], now: datetime | None = None) -> None:
    """What a public listing says about registering, as each event's "availability": None for an
    event that has ended or takes no registrations; else its `registration_state` ("open", "not_yet",
    "closed"), when registration opens, whether it is by invitation only, and (open, with a capacity)
    the places left as registering counts them. One grouped query counts the places of all of them."""
    now = now or utcnow()
    states = {event["id"]: registration_state(event, now) for event in events}
    counted = [event["id"] for event in events if states[event["id"]] == "open" and event["capacity"] is not None]
    taken = await waiting_list.confirmed_registrations_of(counted)
    for event in events:
        state = states[event["id"]]
        if state == "unavailable" or event["ends_at"] < now:
            event["availability"] = None
            continue
        event["availability"] = {
            "state": state,
            "opens_at": event["registration_opens_at"],
            "invitation_only": event["audience"] == Audience.invitation.value,
            "left": waiting_list.places_left(event["capacity"], taken.get(event["id"], 0)) if state == "open" else None,
        }


_STATE_MESSAGES = {
    "not_yet": N_("Registration has not opened yet."),
    "closed": N_("Registration has closed."),
    "unavailable": N_("This event does not take registrations."),
}


async def _check_audience(
    event: dict[str, Any], data: RegistrationInput, registrant: Registrant, person: dict[str, Any] | None
) -> dict[str, Any] | None:
    """Raise when this registrant may not register; returns the invitation used, if any.

    A valid personal invitation admits its invitee whatever the audience, and only them: the
    address registered must be the invitation's.
    """
    if registrant.by_organiser:
        return None
    token = (data.invitation_token or "").strip()
    if token:
        invitation = await invitation_links.invitation_for_registration(token, event["id"])
        if _address(data.email) != invitation["email"]:
            raise ValidationFailed(
                {
                    "email": DomainError(
                        N_("This invitation is for %(email)s: register with that address."),
                        field="email",
                        email=invitation["email"],
                    )
                }
            )
        return invitation
    if event["audience"] == Audience.members.value and not (person and person["is_member"]):
        raise DomainError(N_("Only council members can register for this event. Sign in first."), code="members_only")
    if event["audience"] == Audience.invitation.value:
        raise DomainError(
            N_("This event is by invitation only. Use the link in your personal invitation."),
            code="invitation_required",
        )
    return None


# --- Checking the form ------------------------------------------------------------------------


async def signup_sessions(event_id: int) -> list[dict[str, Any]]:
    """The sessions one chooses when registering, with their confirmed places."""
    sessions = (
        await ProgrammeSession.select(
            ProgrammeSession.id,
            ProgrammeSession.uid,
            ProgrammeSession.title,
            ProgrammeSession.title_en,
            ProgrammeSession.starts_at,
            ProgrammeSession.ends_at,
            ProgrammeSession.room,
            ProgrammeSession.capacity,
            ProgrammeSession.status,
            ProgrammeSession.kind,
        )
        .where((ProgrammeSession.event == event_id) & (ProgrammeSession.requires_signup == True))
        .order_by(ProgrammeSession.starts_at)
        .order_by(ProgrammeSession.position)
    )
    for session in sessions:
        session["confirmed"] = await waiting_list.confirmed_places(session["id"])
        session["full"] = session["capacity"] is not None and session["confirmed"] >= session["capacity"]
    return sessions


async def _sessions_now(session_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Capacity, status and confirmed places of these sessions, read under the event's lock."""
    if not session_ids:
        return {}
    rows = await ProgrammeSession.select(ProgrammeSession.id, ProgrammeSession.capacity, ProgrammeSession.status).where(
        ProgrammeSession.id.is_in(session_ids)
    )
    for row in rows:
        row["confirmed"] = await waiting_list.confirmed_places(row["id"])
    return {row["id"]: row for row in rows}


async def _clean(
    event: dict[str, Any], data: RegistrationInput, *, for_update: bool = False, require_consent: bool = True
) -> dict[str, Any]:
    """Check every field and collect all the errors at once; return the values to store."""
    errors: dict[str, DomainError | str] = {}
    clean: dict[str, Any] = {}
    try:
        clean["name"] = required_text(data.name, field="name")
    except DomainError as error:
        errors["name"] = error
    if not for_update:
        _collect_email(data, clean, errors)
    # A code from the form's list, or a name typed: one of the county's organisations is stored as
    # that organisation (counted there in the reports), any other as the external's own text.
    clean["organisation"], clean["organisation_text"] = await organisation_names.recognise(data.organisation)
    collect_max_length(clean["organisation_text"], "organisation", 200, errors)
    clean["title"] = " ".join(_stripped_within(data.title, "title", 200, errors).split())
    _collect_needs(data, clean, errors)
    clean["answers"] = questions.clean_answers(await questions.questions_of(event["id"]), data.answers or {}, errors)
    clean["days"] = _collect_days(event, data.days, errors)
    clean["sessions"], clean["waitlist_sessions"] = await _clean_sessions(event, data, errors)
    if require_consent and not for_update and not data.consent:
        errors["consent"] = N_("You must agree to the processing of your personal data to register.")
    clean["language"] = normalise_language(data.language)
    if errors:
        raise ValidationFailed(errors)
    return clean


def _stripped_within(value: str, field: str, max_length: int, errors: dict) -> str:
    value = (value or "").strip()
    collect_max_length(value, field, max_length, errors)
    return value


def _collect_email(data: RegistrationInput, clean: dict[str, Any], errors: dict) -> None:
    if not data.send_mail:
        clean["email"] = data.email  # a walk-in without an address: the placeholder the check-in made
        return
    try:
        clean["email"] = normalise_email(data.email)
    except DomainError as error:
        errors["email"] = error


def _collect_needs(data: RegistrationInput, clean: dict[str, Any], errors: dict) -> None:
    """Dietary needs (codes from the list, and free text) and accessibility needs."""
    if any(code not in DIETARY_NEEDS for code in data.dietary):
        errors["dietary"] = N_("Choose dietary needs from the list, or describe them under other needs.")
    clean["dietary"] = [code for code in DIETARY_NEEDS if code in data.dietary]
    clean["dietary_other"] = _stripped_within(data.dietary_other, "dietary_other", 300, errors)
    clean["accessibility"] = _stripped_within(data.accessibility, "accessibility", 1000, errors)


def _collect_days(event: dict[str, Any], days: list[str] | None, errors: dict) -> list[str]:
    """The days chosen, in the event's order; all of them when none is chosen (a one-day event, the API)."""
    event_days = [day["day"].isoformat() for day in event["days"]]
    chosen_days = [d for d in dict.fromkeys(days or []) if d]
    if any(d not in event_days for d in chosen_days):
        errors["days"] = N_("Choose among the event's days.")
    elif days is not None and not chosen_days and len(event_days) > 1:
        errors["days"] = N_("Choose at least one day.")
    return [d for d in event_days if d in chosen_days] if chosen_days else event_days


async def _clean_sessions(event: dict[str, Any], data: RegistrationInput, errors: dict) -> tuple[list, list]:
    if not data.sessions and not data.waitlist_sessions:
        return [], []
    available = {str(s["uid"]): s for s in await signup_sessions(event["id"])}
    chosen, queued = [], []
    for uid_list, target in ((data.sessions, chosen), (data.waitlist_sessions, queued)):
        for value in dict.fromkeys(uid_list or []):
            uid = parse_uid(value)
            session = available.get(str(uid)) if uid else None
            if session is None or session["status"] != SessionStatus.scheduled.value:
                errors["sessions"] = N_("One of the chosen sessions does not exist or is cancelled.")
                continue
            if session not in chosen and session not in queued:
                target.append(session)
    everything = chosen + queued
    for n, first in enumerate(everything):
        for second in everything[n + 1 :]:
            if programme.overlaps(first, second):
                errors["sessions"] = DomainError(
                    N_("“%(first)s” and “%(second)s” are at the same time: choose one of them."),
                    field="sessions",
                    first=first["title"],
                    second=second["title"],
                )
    return chosen, queued


# --- Registering ------------------------------------------------------------------------------


async def count_attempt(email: str, ip: str) -> None:
    """The rate limits shared by the form and the API (raises RateLimited)."""
    settings = get_settings()
    await rate_limits.count_attempt(
        {
            f"registration:addr:{rate_limits.address_key(email)}": settings.registrations_per_address,
            f"registration:ip:{ip}": settings.registrations_per_ip,
        },
        window=RATE_WINDOW,
    )


@changes_public_pages
async def register(slug: str, data: RegistrationInput, registrant: Registrant) -> RegistrationResult:
    """Register someone for an event; raises DomainError/ValidationFailed and writes nothing then.

    A second registration with the same address does not make a second ticket: the existing
    registration's link is mailed again and AlreadyRegistered raised (after that mail is committed).
    """
    event = await _event_for_registration(slug)
    person = None
    if registrant.person_id is not None:
        person = await Person.select().where((Person.id == registrant.person_id) & (Person.active == True)).first()
    if person is not None and not registrant.by_organiser and not data.invitation_token:
        data.email = person["email"]  # a signed-in person registers themselves (an invitation names its invitee)
    invitation = await _check_audience(event, data, registrant, person)
    if not registrant.by_organiser:
        _check_open(event, invitation)
    if not registrant.by_organiser:
        await count_attempt(_address(data.email), registrant.ip)
    clean = await _clean(event, data, require_consent=not registrant.by_organiser)
    # The notice the person agreed to is the one published as they send the form (the form links to it).
    clean["consent_version"] = "" if registrant.by_organiser else await privacy_notice.current_version()
    burst = await _burst_of(event, registrant, person, invitation)
    actor = registrant.actor or Actor(clean["name"], person_id=person["id"] if person else None, ip=registrant.ip)
    uid = uuid.uuid4()
    try:
        async with atomic():
            # Everything that does not depend on the places comes before the event's lock: the locked
            # part, which every registration for the event waits for in turn, is one statement and the
            # commit (more only for sign-up sessions and invitations).
            person_id = await _person_for(clean, person)
            await audit.record(
                "registration.created",
                actor,
                object_type="registration",
                object_id=uid,
                summary=f"{event['slug']}: {clean['name']}",
            )
            if data.send_mail:
                await outbox.enqueue_later(
                    to_address=clean["email"],
                    to_name=clean["name"],
                    language=clean["language"],
                    # A held registration's mail asks the person to confirm; the ticket follows then.
                    kind="registration_held" if burst else "registration_received",
                    build_args={"registration": str(uid)},
                )
            # What was checked above is read again under the lock: the event may have been cancelled,
            # closed or given a lower capacity by an organiser in the meantime.
            event.update(await waiting_list.lock_and_read_event(event["id"]))
            if invitation is not None:
                invitation = await invitation_links.recheck_under_lock(invitation, event)
            if not registrant.by_organiser:
                _check_open(event, invitation)
            reserved = bool(invitation and invitation["reserved_place"])
            # Staff at the door decide to let a walk-in in, full or not.
            counted = not (reserved or registrant.source == "walk_in" or event["capacity"] is None)
            registration = await _insert(uid, event, clean, person_id, counted, invitation, registrant, burst)
    except _Duplicate:
        async with atomic():
            duplicate = (
                # The newest with the address: the live one (a second cannot be made while it lives).
                await Registration.select(Registration.uid, Registration.email, Registration.name)
                .where((Registration.event == event["id"]) & (Registration.email == clean["email"]))
                .order_by(Registration.id, ascending=False)
                .first()
            )
            await outbox.enqueue_later(
                to_address=duplicate["email"],
                to_name=duplicate["name"],
                language=clean["language"],
                kind="registration_link",
                build_args={"registration": str(duplicate["uid"])},
            )
        raise AlreadyRegistered() from None
    return RegistrationResult(registration=registration)


class _Duplicate(Exception):
    """The address already had a live registration for the event: the transaction is rolled back."""


async def _event_for_registration(slug: str) -> dict[str, Any]:
    """The event's columns registration needs and its days: two small queries on the busiest path."""
    event = (
        await Event.select(
            Event.id,
            Event.uid,
            Event.slug,
            Event.title,
            Event.title_en,
            Event.status,
            Event.published_at,
            Event.audience,
            Event.capacity,
            Event.starts_at,
            Event.ends_at,
            Event.registration_opens_at,
            Event.registration_closes_at,
        )
        .where(Event.slug == slug)
        .first()
    )
    if event is None:
        raise NotFound(N_("There is no such event."))
    event["days"] = await EventDay.select(EventDay.day).where(EventDay.event == event["id"]).order_by(EventDay.day)
    return event


def _check_open(event: dict[str, Any], invitation: dict[str, Any] | None = None) -> None:
    """The registration window applies to everyone but invitees: their deadline is the invitation's
    (checked with it), and they may register before registration opens to the public."""
    if not is_public(event):
        raise NotFound(N_("There is no such event."))
    state = registration_state(event)
    if state == "unavailable" or (state != "open" and invitation is None):
        raise DomainError(_STATE_MESSAGES[state], code=f"registration_{state}")


async def _burst_of(
    event: dict[str, Any], registrant: Registrant, person: dict[str, Any] | None, invitation: dict[str, Any] | None
) -> str:
    """The burst this registration belongs to ("" for none): once one IP address has made more than
    REGISTRATION_BURST_PER_IP anonymous registrations for the event within an hour, the next ones are
    held until confirmed, so a script cannot fill the places with invented addresses while a
    municipality's staff, registering from one office address, are not slowed down. Signed-in
    people, invitees and staff are never held."""
    if registrant.by_organiser or person is not None or invitation is not None or not registrant.ip:
        return ""
    burst = rate_limits.keyed_hash(f"burst:{event['id']}:{registrant.ip}")
    _, seen = await rate_limits.tally([f"registration-burst:{burst}"], window=BURST_WINDOW)
    return burst if seen[f"registration-burst:{burst}"] > get_settings().registration_burst_per_ip else ""


def has_ticket(registration: dict[str, Any]) -> bool:
    """Whether the registration's ticket may be shown and mailed: a confirmed place that is not held."""
    return registration["status"] == CONFIRMED and registration.get("held_until") is None


def _address(email: str) -> str:
    """The canonical form of an address for counting attempts, so spellings of one mailbox count as one."""
    try:
        return normalise_email(email)
    except DomainError:
        return (email or "").strip().lower()


async def _person_for(clean: dict[str, Any], person: dict[str, Any] | None) -> int:
    """The registrant's Person row, made on first registration (not a member: that is the organisers' call).

    A signed-in person registering with someone else's invitation registers the invitee, not themselves.
    """
    if person is not None and person["email"] == clean["email"]:
        return person["id"]
    # One statement whether or not the address is known; the no-op update makes RETURNING give the id.
    [row] = (
        await Person.insert(
            Person(
                name=clean["name"],
                email=clean["email"],
                organisation=clean["organisation"],
                title=clean["title"],
                language=clean["language"],
            )
        )
        .on_conflict(target=Person.email, action="DO UPDATE", values=[Person.email])
        .returning(Person.id)
    )
    return row["id"]


def _typed(column) -> str:
    """A parameter for `column` in a SELECT list: PostgreSQL cannot infer its type there (it can in
    VALUES), so it is cast; SQLite has no types to infer (and its CAST would turn text into numbers)."""
    return "{}" if is_sqlite() else f"CAST({{}} AS {column.column_type})"


async def _insert_unless_registered(row: Registration, counted: int | None) -> dict[str, Any] | None:
    """The locked part of registering, one statement: insert `row` confirmed while the event has a
    place, else waitlisted, unless the address already has a live registration for the event
    (then nothing is inserted and None returned). `counted` is the capacity the confirmed public
    places are counted against (as `waiting_list.confirmed_registrations` counts them); None when
    the registration has a place anyway.

    Inside the transaction that holds the event's lock, so the count and the duplicate are read
    after every earlier registration for the event was committed and before any later one. The
    statement replaces a count, a read and an insert: every round trip here is one that all the
    event's other registrations wait for.
    """
    names, expressions, args = [], [], []
    for column in Registration._meta.columns:
        if column._meta.primary_key:
            continue  # the id comes from the sequence, under the lock: the queue's order
        name = column._meta.name
        names.append(f'"{column._meta.db_column_name}"')
        if name == "status":
            expressions.append(f"CASE WHEN place.free THEN {_typed(column)} ELSE {_typed(column)} END")
            args += [CONFIRMED, WAITLISTED]
        elif name in ("confirmed_at", "reminder_queued_at"):  # set only with a place
            expressions.append(f"CASE WHEN place.free THEN {_typed(column)} END")
            args.append(convert_to_sql_value(row[name], column))
        else:
            expressions.append(_typed(column))
            args.append(convert_to_sql_value(row[name], column))
    free = "(SELECT COUNT(*) FROM registration WHERE event = {} AND status = {} AND NOT reserved_place) < {}"
    rows = await Registration.raw(
        f"WITH place AS (SELECT {free if counted is not None else '1 = 1'} AS free) "
        f"INSERT INTO registration ({', '.join(names)}) SELECT {', '.join(expressions)} FROM place "
        "WHERE NOT EXISTS (SELECT 1 FROM registration WHERE event = {} AND email = {} AND status <> {}) "
        "RETURNING id, status",
        *([row.event, CONFIRMED, counted] if counted is not None else []),
        *args,
        row.event,
        row.email,
        CANCELLED,
    )
    return rows[0] if rows else None


async def _insert(
    uid: uuid.UUID,
    event: dict[str, Any],
    clean: dict[str, Any],
    person_id: int,
    counted: bool,
    invitation: dict[str, Any] | None,
    registrant: Registrant,
    burst: str = "",
) -> dict[str, Any]:
    """Inside the locked transaction: take a place (while the event has one, or at once when its
    places are not `counted`) or a place in the queue, and the chosen sessions; held until
    confirmed when it comes from a `burst`. Raises _Duplicate when the address is registered."""
    now = utcnow()
    hold_hours = get_settings().registration_hold_hours
    registration = Registration(
        burst=burst,
        held_until=now + timedelta(hours=hold_hours) if burst else None,
        uid=uid,
        event=event["id"],
        person=person_id,
        **{key: clean[key] for key in (*_CHANGEABLE, "email", "language")},
        search_text=search_text(clean["name"], clean["organisation_text"]),
        ticket_id=tickets.new_ticket_id(),
        short_code=tickets.new_short_code(),
        manage_token=secrets.token_urlsafe(32),
        invitation=invitation["id"] if invitation else None,
        reserved_place=bool(invitation and invitation["reserved_place"]),
        source=registrant.source,
        consent_at=None if registrant.by_organiser else now,
        consent_version=clean["consent_version"],
        # Both only if the statement finds a place.
        confirmed_at=now,
        reminder_queued_at=reminders.already_reminded(event["starts_at"], now),
    )
    inserted = await _insert_unless_registered(registration, event["capacity"] if counted else None)
    if inserted is None:
        raise _Duplicate()  # rolls back the person's row, the audit entry and the mail
    confirmed = inserted["status"] == CONFIRMED
    choices = await _add_choices(inserted["id"], confirmed, clean["sessions"], clean["waitlist_sessions"])
    if invitation is not None:
        await invitation_links.mark_accepted(invitation, person_id)
    return {
        "id": inserted["id"],
        "uid": uid,
        "status": inserted["status"],
        "event_slug": event["slug"],
        "name": clean["name"],
        "email": clean["email"],
        "person": person_id,
        "manage_token": registration.manage_token,
        "held_until": registration.held_until,
        "choices": choices,
    }


async def _add_choices(registration_id: int, confirmed: bool, chosen: list[dict], queued: list[dict]) -> list[dict]:
    """Chosen sessions need a free place (for a confirmed registration); queued ones join the queue.

    A waiting registration's choices all wait: they take places when the registration is promoted.
    """
    rows = []
    full = []
    current = await _sessions_now([s["id"] for s in chosen + queued])
    gone = [s for s in chosen + queued if current[s["id"]]["status"] != SessionStatus.scheduled.value]
    if gone:  # cancelled since the form was checked
        raise ValidationFailed({"sessions": N_("One of the chosen sessions does not exist or is cancelled.")})
    for session in chosen:
        status = WAITLISTED
        if confirmed:
            capacity, taken = current[session["id"]]["capacity"], current[session["id"]]["confirmed"]
            if capacity is not None and taken >= capacity:
                full.append(session)
                continue
            status = CONFIRMED
        rows.append(SessionChoice(registration=registration_id, session=session["id"], status=status))
    if full:
        raise ValidationFailed(
            {
                "sessions": DomainError(
                    N_("“%(title)s” is full. Choose another session, or join its waiting list."),
                    field="sessions",
                    title=full[0]["title"],
                )
            }
        )
    rows += [SessionChoice(registration=registration_id, session=s["id"], status=WAITLISTED) for s in queued]
    if rows:
        await SessionChoice.insert(*rows)
    titles = {s["id"]: (s["uid"], s["title"]) for s in chosen + queued}
    return [
        {"session_uid": titles[row.session][0], "title": titles[row.session][1], "status": row.status} for row in rows
    ]


# --- Reading ----------------------------------------------------------------------------------


async def get_registration(uid: str) -> dict[str, Any]:
    """One registration with its event's slug and title and its session choices."""
    parsed = parse_uid(uid)
    row = None
    if parsed is not None:
        row = await _select().where(Registration.uid == parsed).first()
    if row is None:
        raise NotFound(N_("There is no such registration."))
    return await _with_choices(row)


async def by_manage_token(token: str) -> dict[str, Any]:
    row = await _select().where(Registration.manage_token == token).first() if len(token or "") >= 32 else None
    if row is None:
        raise NotFound(N_("This registration link is not valid."))
    return await _with_choices(row)


async def by_ticket_id(ticket_id: str) -> dict[str, Any] | None:
    row = await _select().where(Registration.ticket_id == ticket_id).first()
    return await _with_choices(row) if row else None


def _select():
    return Registration.select(
        *Registration.all_columns(),
        Registration.event.slug.as_alias("event_slug"),
        Registration.event.title.as_alias("event_title"),
        Registration.event.title_en.as_alias("event_title_en"),
        Registration.event.uid.as_alias("event_uid"),
        Registration.event.starts_at.as_alias("event_starts_at"),
        Registration.event.ends_at.as_alias("event_ends_at"),
        Registration.event.status.as_alias("event_status"),
        Registration.organisation.code.as_alias("organisation_code"),
        Registration.organisation.name_sv.as_alias("organisation_sv"),
        Registration.organisation.name_en.as_alias("organisation_en"),
    ).output(load_json=True)


async def _with_choices(row: dict[str, Any]) -> dict[str, Any]:
    row["choices"] = (
        await SessionChoice.select(
            SessionChoice.id,
            SessionChoice.status,
            SessionChoice.session.as_alias("session_id"),
            SessionChoice.session.uid.as_alias("session_uid"),
            SessionChoice.session.title.as_alias("title"),
            SessionChoice.session.title_en.as_alias("title_en"),
            SessionChoice.session.starts_at.as_alias("starts_at"),
            SessionChoice.session.ends_at.as_alias("ends_at"),
            SessionChoice.session.room.as_alias("room"),
            SessionChoice.session.status.as_alias("session_status"),
        )
        .where((SessionChoice.registration == row["id"]) & (SessionChoice.status != CANCELLED))
        .order_by(SessionChoice.session.starts_at)
    )
    row["ticket_code"] = tickets.ticket_code(row["ticket_id"], row["event_uid"])
    row["short_code_display"] = tickets.format_short_code(row["short_code"])
    row["checked_in_at"] = (await attendance.first_check_ins([row["id"]])).get(row["id"])
    return row


async def with_live_choices(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each row with its live session choices under "choices" (in time order) and its first
    check-in under "checked_in_at": two queries for all rows, not two per row."""
    by_id: dict[int, list[dict[str, Any]]] = {row["id"]: [] for row in rows}
    if by_id:
        for choice in (
            await SessionChoice.select(
                SessionChoice.registration,
                SessionChoice.status,
                SessionChoice.session.uid.as_alias("session_uid"),
                SessionChoice.session.title.as_alias("title"),
                SessionChoice.session.title_en.as_alias("title_en"),
                SessionChoice.session.starts_at.as_alias("starts_at"),
            )
            .where(SessionChoice.registration.is_in(list(by_id)) & (SessionChoice.status != CANCELLED))
            .order_by(SessionChoice.session.starts_at)
            .order_by(SessionChoice.id)
        ):
            by_id[choice["registration"]].append(choice)
    first = await attendance.first_check_ins(list(by_id))
    for row in rows:
        row["choices"] = by_id[row["id"]]
        row["checked_in_at"] = first.get(row["id"])
    return rows


async def registrations_of_person(person_id: int) -> list[dict[str, Any]]:
    """Every registration of a person, the coming events first, for their own page; each with
    `checked_in_at`, its first check-in (None when the person never came)."""
    rows = await _select().where(Registration.person == person_id).order_by(Registration.event.starts_at)
    now = utcnow()
    upcoming = [row for row in rows if row["event_ends_at"] >= now]
    past = [row for row in reversed(rows) if row["event_ends_at"] < now]
    first = await attendance.first_check_ins([row["id"] for row in rows])
    for row in rows:
        row["checked_in_at"] = first.get(row["id"])
    return [await _with_choices(row) for row in upcoming + past]


async def list_registrations(
    event_id: int, *, status: str | None = None, offset: int = 0, limit: int = 50
) -> tuple[int, list[dict[str, Any]]]:
    """One page of an event's registrations in order of arrival, and how many there are in all.

    Each row has its live session choices under "choices" (two queries per page, not one per row).
    """
    where = Registration.event == event_id
    if status:
        where &= Registration.status == status
    total = await Registration.count().where(where)
    rows = await _select().where(where).order_by(Registration.id).offset(offset).limit(limit)
    return total, await with_live_choices(rows)


def can_change(registration: dict[str, Any], now: datetime | None = None) -> bool:
    """A participant may change or cancel until the event starts (organisers at any time)."""
    return (
        registration["status"] != CANCELLED
        and registration["event_status"] == EventStatus.published.value
        and (now or utcnow()) < registration["event_starts_at"]
    )


def _check_can_change(registration: dict[str, Any], by_organiser: bool) -> None:
    if registration["status"] == CANCELLED:
        raise DomainError(N_("This registration is cancelled."), code="invalid_status")
    if not by_organiser and not can_change(registration):
        raise DomainError(N_("This registration can no longer be changed."), code="registration_closed")


# --- Changing and cancelling ------------------------------------------------------------------


async def _locked(uid: str) -> dict[str, Any]:
    """The registration read again after locking its event, inside the caller's transaction: what
    another request changed meanwhile is seen, and nothing changes it until the commit."""
    registration = await get_registration(uid)
    await waiting_list.lock_event(registration["event"])
    return await get_registration(uid)


@changes_public_pages
async def update_registration(
    uid: str, data: RegistrationInput, actor: Actor, *, by_organiser: bool = False
) -> dict[str, Any]:
    """Change answers, details and session choices. The email address stays (it is the identity).

    Dropped choices free their places (the next in line is promoted); a new choice needs a free place.
    """
    current = await get_registration(uid)
    _check_can_change(current, by_organiser)
    event = await get_event(current["event_slug"])
    clean = await _clean(event, data, for_update=True)
    async with atomic():
        current = await _locked(uid)
        _check_can_change(current, by_organiser)
        await Registration.update(
            {
                **{getattr(Registration, key): clean[key] for key in _CHANGEABLE},
                Registration.search_text: search_text(clean["name"], clean["organisation_text"]),
                Registration.updated_at: utcnow(),
            }
        ).where(Registration.id == current["id"])
        wanted = {str(s["uid"]): s for s in clean["sessions"] + clean["waitlist_sessions"]}
        had = {str(c["session_uid"]): c for c in current["choices"]}
        dropped = [c for key, c in had.items() if key not in wanted]
        if dropped:  # kept, cancelled, like the choices of a cancelled registration
            await SessionChoice.update({SessionChoice.status: CANCELLED}).where(
                SessionChoice.id.is_in([c["id"] for c in dropped])
            )
        added_chosen = [s for s in clean["sessions"] if str(s["uid"]) not in had]
        added_queued = [s for s in clean["waitlist_sessions"] if str(s["uid"]) not in had]
        await _add_choices(current["id"], current["status"] == CONFIRMED, added_chosen, added_queued)
        for choice in dropped:
            await waiting_list.fill_session(choice["session_id"], actor)
        await audit.record(
            "registration.updated", actor, object_type="registration", object_id=uid, summary=clean["name"]
        )
    return await get_registration(uid)


@changes_public_pages
async def cancel_registration(
    uid: str, actor: Actor, *, by_organiser: bool = False, notify: bool = True
) -> dict[str, Any]:
    """Cancel; the freed places go to the first in line at once. Cancelling twice changes nothing."""
    async with atomic():
        current = await _locked(uid)
        if current["status"] == CANCELLED:
            return current
        _check_can_change(current, by_organiser)
        now = utcnow()
        await Registration.update(
            {Registration.status: CANCELLED, Registration.cancelled_at: now, Registration.updated_at: now}
        ).where(Registration.id == current["id"])
        await SessionChoice.update({SessionChoice.status: CANCELLED}).where(SessionChoice.registration == current["id"])
        await audit.record(
            "registration.cancelled",
            actor,
            object_type="registration",
            object_id=uid,
            summary=f"{current['event_slug']}: {current['name']}",
        )
        promoted = await waiting_list.fill_event(current["event"], actor)
        if notify:
            # The mail says the place went to the next in line only when someone was given it.
            given_on = current["status"] == CONFIRMED and bool(promoted)
            await outbox.enqueue_later_for_registration(current, "registration_cancelled", place_given_on=given_on)
    return await get_registration(uid)


@changes_public_pages
async def promote_by_hand(uid: str, actor: Actor, *, reserved_place: bool = False) -> dict[str, Any]:
    """An organiser confirms a waiting registration now, even beyond the capacity (audited); with
    `reserved_place`, in a place reserved by an invitation, which does not count against it."""
    async with atomic():
        current = await _locked(uid)
        if current["status"] != WAITLISTED:
            raise DomainError(N_("Only someone on the waiting list can be promoted."), code="invalid_status")
        action = "registration.promoted_to_reserved_place" if reserved_place else "registration.promoted_by_hand"
        await waiting_list.confirm(current, current["event_starts_at"], actor, action, reserved_place=reserved_place)
        for choice in current["choices"]:
            await waiting_list.fill_session(choice["session_id"], actor, already_told={current["id"]})
    return await get_registration(uid)


@changes_public_pages
async def move_choice(uid: str, from_session: str, to_session: str, actor: Actor) -> dict[str, Any]:
    """An organiser moves someone from one session to another, with a confirmed place there even
    beyond its capacity (audited); the freed place goes to the first in line."""
    async with atomic():
        current = await _locked(uid)
        source = next((c for c in current["choices"] if str(c["session_uid"]) == from_session), None)
        target = (
            await ProgrammeSession.select()
            .where(
                (ProgrammeSession.uid == parse_uid(to_session))
                & (ProgrammeSession.event == current["event"])
                & (ProgrammeSession.requires_signup == True)
            )
            .first()
            if parse_uid(to_session)
            else None
        )
        if source is None or target is None or target["status"] != SessionStatus.scheduled.value:
            raise DomainError(N_("Choose a session of this event to move to."), field="to_session")
        if any(str(c["session_uid"]) == str(target["uid"]) for c in current["choices"]):
            raise DomainError(N_("The person has already chosen that session."), field="to_session")
        clash = next((c for c in current["choices"] if c["id"] != source["id"] and programme.overlaps(c, target)), None)
        if clash is not None:
            raise DomainError(
                N_("“%(first)s” and “%(second)s” are at the same time: choose one of them."),
                field="to_session",
                first=clash["title"],
                second=target["title"],
            )
        await SessionChoice.update({SessionChoice.status: CANCELLED}).where(SessionChoice.id == source["id"])
        # The sessions a ticket admits to changed: the door lists on devices sync by updated_at.
        await Registration.update({Registration.updated_at: utcnow()}).where(Registration.id == current["id"])
        await SessionChoice.insert(
            SessionChoice(
                registration=current["id"],
                session=target["id"],
                status=CONFIRMED if current["status"] == CONFIRMED else WAITLISTED,
            )
        )
        await waiting_list.fill_session(source["session_id"], actor)
        await audit.record(
            "registration.moved",
            actor,
            object_type="registration",
            object_id=uid,
            summary=f"{source['title']} -> {target['title']}",
        )
    return await get_registration(uid)


async def correct_organisation(uid: str, code: str, other: str, actor: Actor) -> dict[str, Any]:
    """An organiser corrects the organisation a registrant gave (audited; the reports follow): one of
    the county's organisations by its code, or else another organisation's name (recognised like a
    registrant's, so "Sundsvalls kommun" typed here is Sundsvalls kommun too), or none."""
    code, other = (code or "").strip(), " ".join((other or "").split())
    errors: dict[str, DomainError | str] = {}
    organisation_id, text = None, ""
    if code:
        row = await Organisation.select(Organisation.id).where(Organisation.code == code).first()
        if row is None:
            errors["organisation"] = N_("Choose an organisation from the list.")
        else:
            organisation_id = row["id"]
    else:
        collect_max_length(other, "organisation_other", 200, errors)
        organisation_id, text = await organisation_names.recognise(other)
    if errors:
        raise ValidationFailed(errors)
    async with atomic():
        current = await _locked(uid)
        if (current["organisation"], current["organisation_text"]) != (organisation_id, text):
            await Registration.update(
                {
                    Registration.organisation: organisation_id,
                    Registration.organisation_text: text,
                    Registration.search_text: search_text(current["name"], text),
                    Registration.updated_at: utcnow(),
                }
            ).where(Registration.id == current["id"])
            new = await get_registration(uid)
            await audit.record(
                "registration.organisation_corrected",
                actor,
                object_type="registration",
                object_id=uid,
                summary=f"{_organisation_shown(current)} -> {_organisation_shown(new)}",
            )
    return await get_registration(uid)


def _organisation_shown(registration: dict[str, Any]) -> str:
    """The organisation as the audit log names it (Swedish, like the records), "-" for none."""
    return registration["organisation_sv"] or registration["organisation_text"] or "-"


async def resend_mail(uid: str, actor: Actor) -> dict[str, Any]:
    """An organiser sends the registration's mail again (the ticket, or the place in the queue, or for
    a held registration the request to confirm it), rendered as it stands when it leaves; audited."""
    async with atomic():
        current = await get_registration(uid)
        if current["status"] == CANCELLED:
            raise DomainError(N_("This registration is cancelled."), code="invalid_status")
        kind = "registration_held" if current["held_until"] is not None else "registration_received"
        if not await outbox.enqueue_later_for_registration(current, kind):
            raise DomainError(N_("This registration has no email address to send to."), code="no_address")
        await audit.record(
            "registration.mail_resent",
            actor,
            object_type="registration",
            object_id=uid,
            summary=current["email"],
            details={"kind": kind},
        )
    return current
