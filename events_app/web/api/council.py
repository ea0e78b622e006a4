"""The JSON API's council: the members in office on a date with their terms, roles and substitutes, the
gaps, and the preparatory group, and adding terms and roles, as the members page does; a council
meeting with its agenda, who is invited as what, their answers, attendance and whether each seat is
represented, and what the meeting page writes (agenda items, inviting the council, passing an
invitation to the substitute, ticking attendance). Organisers' and admins' tokens only: it names
people."""

from __future__ import annotations

import datetime
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.params import FromPath, JSONBody, Parameter

from events_app import i18n
from events_app.domain import council_meetings, council_members, materials, people
from events_app.domain.council_meetings import AgendaItemInput
from events_app.domain.council_members import RoleInput, TermInput
from events_app.web.api.auth import ORGANISER_TOKEN, token_actor, token_staff
from events_app.web.api.schemas import TOKEN_REFUSED, error_responses

_ERRORS = {
    400: "The body is not JSON of the right shape, or `on` is not a date.",
    401: TOKEN_REFUSED,
    403: "The token is not an organiser's or an admin's (code `permission_denied`).",
    404: "No such member (code `not_found`).",
    422: "The data breaks a rule, e.g. an overlapping term, a substitute of another organisation, a chair "
    "for more than a year (code `validation_error`, with `errors`).",
}


class PersonRef(msgspec.Struct):
    uid: str
    name: str
    email: str


class TermOut(msgspec.Struct):
    uid: str
    member: PersonRef
    organisation: str  # the organisation's code
    side: str
    starts_on: datetime.date
    ends_on: datetime.date | None
    substitute: PersonRef | None
    roles: list[str]  # the roles held on the date asked for (chair, vice_chair, sekom_contact)


class SeatOut(msgspec.Struct):
    organisation: str
    side: str
    members: list[TermOut]  # one; none is a gap; more than one is a mistake to correct


class OfficialOut(msgspec.Struct):
    person: PersonRef
    organisation: str
    starts_on: datetime.date
    ends_on: datetime.date | None


class CouncilOut(msgspec.Struct):
    on: datetime.date
    seats: list[SeatOut]
    gaps: list[str]  # in words, in the language of Accept-Language
    preparatory_group: list[OfficialOut]


class TermCreate(msgspec.Struct, forbid_unknown_fields=True):
    """A new term: `organisation` is an organisation's code; `ends_on` null while it has no set end; the
    personal substitute is found by address, or added (same organisation and side)."""

    organisation: str
    side: str
    starts_on: str
    ends_on: str | None = None
    substitute_name: str = ""
    substitute_email: str = ""


class RoleCreate(msgspec.Struct, forbid_unknown_fields=True):
    """A role for a period within one of the member's terms: chair and vice chair for at most a year."""

    position: str
    starts_on: str
    ends_on: str | None = None


class Created(msgspec.Struct):
    uid: str


class TermEnd(msgspec.Struct, forbid_unknown_fields=True):
    """The date a term ends (YYYY-MM-DD, inclusive): a member who leaves before the term's end."""

    ends_on: str


class Apologies(msgspec.Struct, forbid_unknown_fields=True):
    """Apologies an invitee sent some other way (by phone, by mail), with an optional message."""

    reason: str = ""


class Done(msgspec.Struct):
    done: bool = True


class DocumentOut(msgspec.Struct):
    uid: str
    title: str
    path: str  # where the document opens (organisers and the council may open it)


class AgendaItemOut(msgspec.Struct):
    uid: str
    number: int
    title: str
    theme: str | None  # the theme's slug
    project: str
    description: str
    papers: list[DocumentOut]


class InviteeOut(msgspec.Struct):
    uid: str  # the invitation's
    name: str
    email: str
    role: str  # member, substitute, preparatory, or "" for an invited guest
    substitute_for: str  # a substitute's member, by name ("" otherwise)
    substitute: str  # the substitute a member sent, by name ("" otherwise)
    side: str  # the seat's side, for members and substitutes
    answer: str  # coming, apologies, substitute_sent, not_answered
    attended: bool


class SeatCoverOut(msgspec.Struct):
    organisation: str
    side: str
    represented: bool
    by: list[str]


class MeetingOut(msgspec.Struct):
    slug: str
    title: str
    day: datetime.date
    agenda: list[AgendaItemOut]
    minutes: list[DocumentOut]
    invitees: list[InviteeOut]
    representation: list[SeatCoverOut]


class AgendaItemCreate(msgspec.Struct, forbid_unknown_fields=True):
    """An item added at the end of the agenda (numbered after the others): `theme` a theme's slug."""

    title: str
    theme: str = ""
    project: str = ""
    description: str = ""


class Invited(msgspec.Struct):
    invited: int  # how many members in office and officials were added (the others were invited already)


class Attended(msgspec.Struct):
    result: str  # ok, or already_checked_in


_MEETING_ERRORS = {
    **{status: _ERRORS[status] for status in (400, 401, 403)},
    404: "No such council meeting, or no such invitation or agenda item at it (code `not_found`).",
    409: "The invitee has a place at the meeting: cancel it first (code `coming`), or the invitation was "
    "revoked (code `invalid_status`).",
    422: "The data breaks a rule, e.g. an empty title, a member without a substitute or one who is coming "
    "(code `validation_error` with `errors`, or the rule's own code).",
}


def _document(request: Request, row: dict[str, Any]) -> DocumentOut:
    path = request.app.route_reverse("material", uid=str(row["uid"]))
    return DocumentOut(uid=str(row["uid"]), title=row["title"], path=path)


def _person(uid: Any, name: str, email: str) -> PersonRef:
    return PersonRef(uid=str(uid), name=name, email=email)


def _term_out(term: dict[str, Any], codes: dict[int, str], roles: dict[int, list[str]]) -> TermOut:
    substitute = term["substitute_uid"]
    return TermOut(
        uid=str(term["uid"]),
        member=_person(term["person_uid"], term["name"], term["email"]),
        organisation=codes.get(term["organisation"], ""),
        side=term["side"],
        starts_on=term["starts_on"],
        ends_on=term["ends_on"],
        substitute=_person(substitute, term["substitute_name"], term["substitute_email"]) if substitute else None,
        roles=sorted(roles.get(term["person_id"], [])),
    )


class CouncilApiController(Controller):
    path = "/council"
    tags = ["council"]

    @get("/members", **ORGANISER_TOKEN, responses=error_responses(_ERRORS, 400, 401, 403))
    async def council(
        self,
        on: Annotated[datetime.date | None, Parameter(description="the date (YYYY-MM-DD); today when left out")] = None,
    ) -> CouncilOut:
        """The council on a date: every seat (two per municipality and the region) with its member, their
        term, roles and personal substitute; the empty seats in words; the preparatory group."""
        council = await council_members.council_on(on or i18n.local_today())
        codes = {row["id"]: row["code"] for row in await people.all_organisations()}
        return CouncilOut(
            on=council.day,
            seats=[
                SeatOut(
                    organisation=seat.organisation["code"],
                    side=seat.side,
                    members=[_term_out(term, codes, council.roles) for term in seat.terms],
                )
                for seat in council.seats
            ],
            gaps=[seat.gap_message() for seat in council.gaps],
            preparatory_group=[
                OfficialOut(
                    person=_person(row["person_uid"], row["name"], row["email"]),
                    organisation=codes.get(row["organisation"], ""),
                    starts_on=row["starts_on"],
                    ends_on=row["ends_on"],
                )
                for row in council.officials
            ],
        )

    @post(
        "/members/{uid:str}/terms",
        **ORGANISER_TOKEN,
        status_code=201,
        responses=error_responses(_ERRORS, 400, 401, 403, 404, 422),
    )
    async def add_term(self, request: Request, uid: FromPath[str], data: JSONBody[TermCreate]) -> Created:
        """Give a member a new term of office (a re-appointment keeps the earlier terms as history)."""
        term = TermInput(
            organisation=data.organisation,
            side=data.side,
            starts_on=data.starts_on,
            ends_on=data.ends_on or "",
            substitute_name=data.substitute_name,
            substitute_email=data.substitute_email,
        )
        return Created(uid=await council_members.add_term(uid, term, token_actor(request)))

    @post(
        "/members/{uid:str}/terms/{term_uid:str}/end",
        **ORGANISER_TOKEN,
        status_code=200,
        responses=error_responses(_ERRORS, 400, 401, 403, 404, 422),
    )
    async def end_term(
        self, request: Request, uid: FromPath[str], term_uid: FromPath[str], data: JSONBody[TermEnd]
    ) -> Done:
        """End a member's term on a date (their history stays)."""
        await council_members.end_term(uid, term_uid, data.ends_on, token_actor(request))
        return Done()

    @post(
        "/members/{uid:str}/roles",
        **ORGANISER_TOKEN,
        status_code=201,
        responses=error_responses(_ERRORS, 400, 401, 403, 404, 422),
    )
    async def add_role(self, request: Request, uid: FromPath[str], data: JSONBody[RoleCreate]) -> Created:
        """Give a member a role (chair, vice_chair, sekom_contact) for a period within one of their terms."""
        role = RoleInput(position=data.position, starts_on=data.starts_on, ends_on=data.ends_on or "")
        return Created(uid=await council_members.add_role(uid, role, token_actor(request)))


class CouncilMeetingsApiController(Controller):
    path = "/council/meetings/{slug:str}"
    tags = ["council"]

    @get("/", **ORGANISER_TOKEN, responses=error_responses(_MEETING_ERRORS, 401, 403, 404))
    async def meeting(self, request: Request, slug: FromPath[str]) -> MeetingOut:
        """A council meeting: its agenda with papers, the minutes, everyone invited with their role and
        answer and whether they attended, and whether each seat is represented by someone coming."""
        event, rows = await council_meetings.invitees(slug)
        agenda = await council_meetings.agenda(event, materials.Viewer(organiser=True))
        codes = {row["id"]: row["code"] for row in await people.all_organisations()}
        return MeetingOut(
            slug=event["slug"],
            title=event["title"],
            day=council_meetings.meeting_day(event),
            agenda=[
                AgendaItemOut(
                    uid=str(item["uid"]),
                    number=item["number"],
                    title=item["title"],
                    theme=item["theme_slug"],
                    project=item["project"],
                    description=item["description"],
                    papers=[_document(request, paper) for paper in item["papers"]],
                )
                for item in agenda["items"]
            ],
            minutes=[_document(request, row) for row in agenda["minutes"]],
            invitees=[
                InviteeOut(
                    uid=str(row["uid"]),
                    name=row["name"],
                    email=row["email"],
                    role=row["role"],
                    substitute_for=row["substitute_for_name"],
                    substitute=row["substitute_name"],
                    side=row["side"],
                    answer=row["answer"],
                    attended=row["attended"],
                )
                for row in rows
            ],
            representation=[
                SeatCoverOut(
                    organisation=codes.get(cover.organisation["id"], ""),
                    side=cover.side,
                    represented=cover.represented,
                    by=cover.by,
                )
                for cover in await council_meetings.representation(rows)
            ],
        )

    @post(
        "/agenda",
        **ORGANISER_TOKEN,
        status_code=201,
        responses=error_responses(_MEETING_ERRORS, 400, 401, 403, 404, 422),
    )
    async def add_agenda_item(self, request: Request, slug: FromPath[str], data: JSONBody[AgendaItemCreate]) -> Created:
        """Add an item at the end of the agenda."""
        item = AgendaItemInput(title=data.title, theme=data.theme, project=data.project, description=data.description)
        added = await council_meetings.add_item(slug, item, token_actor(request))
        return Created(uid=str(added["uid"]))

    @post(
        "/agenda/{uid:str}/delete",
        **ORGANISER_TOKEN,
        status_code=200,
        responses=error_responses(_MEETING_ERRORS, 401, 403, 404),
    )
    async def delete_agenda_item(self, request: Request, slug: FromPath[str], uid: FromPath[str]) -> Done:
        """Remove an item from the agenda (the others are numbered again; its papers stay as material)."""
        await council_meetings.delete_item(slug, uid, token_actor(request))
        return Done()

    @post("/invite", **ORGANISER_TOKEN, status_code=200, responses=error_responses(_MEETING_ERRORS, 401, 403, 404, 422))
    async def invite(self, request: Request, slug: FromPath[str]) -> Invited:
        """Invite the members in office on the meeting's day and the preparatory group who are not invited
        yet (publishing the meeting does this once), and mail them."""
        return Invited(invited=await council_meetings.invite_council(slug, token_actor(request)))

    @post(
        "/invitations/{uid:str}/substitute",
        **ORGANISER_TOKEN,
        status_code=201,
        responses=error_responses(_MEETING_ERRORS, 401, 403, 404, 409, 422),
    )
    async def pass_to_substitute(self, request: Request, slug: FromPath[str], uid: FromPath[str]) -> Created:
        """Pass a member's invitation to their personal substitute (the member's apologies are recorded):
        the substitute is invited and mailed their own link. Answers the substitute's invitation."""
        invitation = await council_meetings.pass_to_substitute(slug, uid, token_actor(request))
        return Created(uid=str(invitation["uid"]))

    @post(
        "/invitations/{uid:str}/apologies",
        **ORGANISER_TOKEN,
        status_code=200,
        responses=error_responses(_MEETING_ERRORS, 400, 401, 403, 404, 409),
    )
    async def apologies(
        self, request: Request, slug: FromPath[str], uid: FromPath[str], data: JSONBody[Apologies | None] = None
    ) -> Done:
        """Record apologies the invitee sent by phone or mail (refused once they have a place)."""
        reason = data.reason if data else ""
        await council_meetings.record_apologies(slug, uid, token_actor(request), reason)
        return Done()

    @post(
        "/invitations/{uid:str}/attended",
        **ORGANISER_TOKEN,
        status_code=200,
        responses=error_responses(_MEETING_ERRORS, 401, 403, 404, 422),
    )
    async def attended(self, request: Request, slug: FromPath[str], uid: FromPath[str]) -> Attended:
        """Record that an invitee attended (registering them first if they never answered). Twice is once."""
        return Attended(result=await council_meetings.tick_attendance(slug, uid, token_staff(request)))
