"""Name badges for an event: who gets one (confirmed registrations: all, the ones an organiser
chose, or one walk-in), what each says (the name as registered, the organisation as shown, a role
word, the ticket's QR code) and in what order (by surname, as badges are laid out on a table).

The role is derived from what the platform already knows (`role_of`), so no registration needs a
column for it. The rows are read with the columns a badge needs and nothing more: never the
dietary or accessibility needs nor any answer. `badge_pdf` draws them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from events_app.domain import tickets
from events_app.domain.checkins import CONFIRMED, organisation_of
from events_app.domain.errors import DomainError, NotFound
from events_app.domain.events import get_event
from events_app.domain.tables import Registration, SessionStatus, Speaker, StaffAccount
from events_app.domain.text_folding import fold, surname_key
from events_app.domain.validation import parse_uid
from events_app.i18n import N_

# The role words, as message ids: translated when drawn, in the language of the one printing.
SPEAKER, STAFF, MEMBER, GUEST = N_("Speaker"), N_("Staff"), N_("Member"), N_("Guest")
NOBODY = N_("There is no confirmed registration to print a badge for.")
MAX_CHOSEN = 1000  # badges chosen one by one on the list: more than a page of it, never a whole table


@dataclass(frozen=True)
class Badge:
    """What one badge prints. Picklable, so it can be drawn in another thread or process."""

    name: str
    organisation: str
    role: str  # one of the role words above, untranslated
    ticket_code: str  # the ticket's signed code, the same as its QR code carries (tickets.ticket_code)


def _same_name(name: str | None) -> str:
    """A name as two of them are compared: case and spacing aside ("anna  ANDERSSON" is Anna Andersson)."""
    return " ".join(fold(name).split())


def role_of(
    *, name: str, email: str, is_member: bool, speaker_names: Iterable[str], staff_emails: Iterable[str]
) -> str:
    """The role word on a registrant's badge, the first that applies:

    - "Speaker": the name as registered is, case and spacing aside, the name of a speaker of one of
      the event's sessions (speakers are entered by name only, so the name is all there is to match);
    - "Staff": the registration's email address is a staff account's;
    - "Member": the registrant is a member of the council (the person's `is_member`);
    - "Guest": anyone else.

    `speaker_names` and `staff_emails` are the event's speakers and the staff accounts' addresses.
    """
    if _same_name(name) in {_same_name(speaker) for speaker in speaker_names}:
        return SPEAKER
    if (email or "").strip().casefold() in {address.strip().casefold() for address in staff_emails}:
        return STAFF
    if is_member:
        return MEMBER
    return GUEST


async def _speaker_names(event_id: int) -> list[str]:
    """The speakers of the event's scheduled sessions (one of a cancelled session speaks nowhere)."""
    rows = await Speaker.select(Speaker.name).where(
        (Speaker.session.event == event_id) & (Speaker.session.status == SessionStatus.scheduled.value)
    )
    return [row["name"] for row in rows]


async def _staff_emails() -> list[str]:
    """The addresses of the active staff accounts: someone whose account was closed is no longer staff."""
    return [row["email"] for row in await StaffAccount.select(StaffAccount.email).where(StaffAccount.active.eq(True))]


async def badges_for(
    event_slug: str, uids: Iterable[str] | None = None, *, walk_ins_only: bool = False
) -> tuple[dict[str, Any], list[Badge]]:
    """The event and the badges of its confirmed registrations, by surname: all of them, or (when
    `uids` is given) those of the registrations named, confirmed ones only; with `walk_ins_only`
    those registered at the door (what check-in staff may print there). Uids that are not a
    registration's are left out, as are places still held and registrations anonymised by erasure
    (no name to print). NotFound when no badge is left to draw; a DomainError for more than
    MAX_CHOSEN uids."""
    event = await get_event(event_slug)
    # A place still held (a burst's, until its person confirms by mail) has no ticket out yet: no badge.
    where = (
        (Registration.event == event["id"])
        & (Registration.status == CONFIRMED)
        & Registration.held_until.is_null()
        & (Registration.name != "")
    )
    if walk_ins_only:
        where &= Registration.source == "walk_in"
    if uids is not None:
        uids = list(uids)
        if len(uids) > MAX_CHOSEN:
            raise DomainError(N_("Choose at most %(max)s registrations at a time."), max=MAX_CHOSEN)
        chosen = [uid for uid in (parse_uid(value) for value in uids) if uid is not None]
        if not chosen:
            raise NotFound(NOBODY)
        where &= Registration.uid.is_in(chosen)
    rows = await Registration.select(
        Registration.name,
        Registration.email,  # for the role only (a staff member's registration); never printed
        Registration.ticket_id,
        Registration.organisation_text,
        Registration.organisation.name_sv.as_alias("organisation_sv"),
        Registration.organisation.name_en.as_alias("organisation_en"),
        Registration.person.is_member.as_alias("is_member"),
    ).where(where)
    if not rows:
        raise NotFound(NOBODY)
    speakers, staff = await _speaker_names(event["id"]), await _staff_emails()
    badges = [
        Badge(
            name=row["name"],
            organisation=organisation_of(row),
            role=role_of(
                name=row["name"],
                email=row["email"],
                is_member=bool(row["is_member"]),
                speaker_names=speakers,
                staff_emails=staff,
            ),
            ticket_code=tickets.ticket_code(row["ticket_id"], event["uid"]),
        )
        for row in rows
    ]
    return event, sorted(badges, key=lambda badge: surname_key(badge.name))
