"""The JSON API's council: the members in office on a date with their terms, roles and substitutes, the
gaps, and the preparatory group; every term there has been; and adding terms and roles, as the members
page does. Organisers' and admins' tokens only: it names people."""

from __future__ import annotations

import datetime
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.params import FromPath, JSONBody, Parameter

from events_app import i18n
from events_app.domain import council_members, people
from events_app.domain.council_members import RoleInput, TermInput
from events_app.web.api.auth import ORGANISER_TOKEN, token_actor
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
        "/members/{uid:str}/roles",
        **ORGANISER_TOKEN,
        status_code=201,
        responses=error_responses(_ERRORS, 400, 401, 403, 404, 422),
    )
    async def add_role(self, request: Request, uid: FromPath[str], data: JSONBody[RoleCreate]) -> Created:
        """Give a member a role (chair, vice_chair, sekom_contact) for a period within one of their terms."""
        role = RoleInput(position=data.position, starts_on=data.starts_on, ends_on=data.ends_on or "")
        return Created(uid=await council_members.add_role(uid, role, token_actor(request)))
