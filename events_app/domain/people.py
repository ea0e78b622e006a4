"""People: council members, invited actors and the public, and how they sign in.

People have no password: they sign in through a single-use link mailed to them, valid 15 minutes.
Organisers manage the council's members here (add, edit, deactivate, import from CSV).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from events_app.domain import audit, council_members, email_tokens, links, outbox, rate_limits
from events_app.domain.audit import Actor
from events_app.domain.email_tokens import Purpose
from events_app.domain.errors import DomainError, NotFound, ValidationFailed
from events_app.domain.tables import Organisation, Person, Side
from events_app.domain.transactions import atomic, utcnow
from events_app.domain.uploaded_tables import read_uploaded_table_in_thread
from events_app.domain.validation import normalise_email, parse_iso_date, parse_uid, required_text
from events_app.i18n import N_, gettext, local_today, normalise_language

# A member's side, in words.
SIDE_LABELS = {Side.majority.value: N_("Majority"), Side.opposition.value: N_("Opposition")}


def side_label(side: str) -> str:
    """'Majority' or 'Opposition' in the reader's language; "" for someone without a side."""
    return gettext(SIDE_LABELS[side]) if side in SIDE_LABELS else ""


SIGN_IN_LINKS_PER_ADDRESS = 5
SIGN_IN_LINKS_PER_IP = 60  # generous: participants at a venue share one Wi-Fi
SIGN_IN_LINK_WINDOW = timedelta(minutes=15)
IMPORT_COLUMNS = ["name", "email", "organisation", "side", "title", "term_start", "term_end"]


@dataclass
class MemberInput:
    """What an organiser types (or a CSV row holds) for one member, before it is checked."""

    name: str = ""
    email: str = ""
    organisation: str = ""  # an organisation code from the seed data
    side: str = ""
    title: str = ""
    term_start: str = ""
    term_end: str = ""


@dataclass
class CleanMember:
    name: str
    email: str
    organisation_id: int
    side: str
    title: str
    term_start: date | None
    term_end: date | None


async def all_organisations() -> list[dict[str, Any]]:
    """Every organisation, in the order they were made (the seed's order)."""
    return await Organisation.select().order_by(Organisation.id)


async def organisations_by_code() -> dict[str, dict[str, Any]]:
    return {row["code"]: row for row in await all_organisations()}


async def organisation_code(organisation_id: int | None) -> str:
    """The code of an organisation by its id ("" for none)."""
    if organisation_id is None:
        return ""
    row = await Organisation.select(Organisation.code).where(Organisation.id == organisation_id).first()
    return (row or {}).get("code") or ""


async def clean_member(data: MemberInput, organisations: dict[str, dict[str, Any]]) -> CleanMember:
    """Check every field; raise ValidationFailed with all the field errors at once."""
    errors: dict[str, DomainError | str] = {}
    values: dict[str, Any] = {}
    checks = {
        "name": lambda: required_text(data.name, field="name"),
        "email": lambda: normalise_email(data.email),
        "title": lambda: data.title.strip()[:200],
        "term_start": lambda: parse_iso_date(data.term_start, "term_start"),
        "term_end": lambda: parse_iso_date(data.term_end, "term_end"),
    }
    for name, check in checks.items():
        try:
            values[name] = check()
        except DomainError as error:
            errors[name] = error
    organisation = organisations.get((data.organisation or "").strip().lower())
    if organisation is None:
        errors["organisation"] = N_("Choose the member's municipality or organisation.")
    if data.side not in {s.value for s in Side}:
        errors["side"] = N_("Choose majority or opposition.")
    if values.get("term_start") and values.get("term_end") and values["term_end"] < values["term_start"]:
        errors["term_end"] = N_("The term cannot end before it starts.")
    if errors:
        raise ValidationFailed(errors)
    return CleanMember(
        name=values["name"],
        email=values["email"],
        organisation_id=organisation["id"],
        side=data.side,
        title=values["title"],
        term_start=values["term_start"],
        term_end=values["term_end"],
    )


def _member_columns(member: CleanMember) -> dict[Any, Any]:
    return {
        Person.name: member.name,
        Person.email: member.email,
        Person.organisation: member.organisation_id,
        Person.side: member.side,
        Person.title: member.title,
        Person.term_start: member.term_start,
        Person.term_end: member.term_end,
        Person.is_member: True,
    }


async def _save_member(member: CleanMember, actor: Actor, *, uid: str | None = None) -> str:
    """Insert or update inside the caller's transaction; returns the person's uid."""
    existing = await Person.select(Person.id, Person.uid).where(Person.email == member.email).first()
    if uid is None:
        if existing is not None:
            person_uid = str(existing["uid"])
            await Person.update({**_member_columns(member), Person.active: True, Person.updated_at: utcnow()}).where(
                Person.id == existing["id"]
            )
            action = "member.updated"
        else:
            person = Person(**{column._meta.name: value for column, value in _member_columns(member).items()})
            await person.save()
            person_uid = str(person.uid)
            action = "member.created"
    else:
        if existing is not None and str(existing["uid"]) != uid:
            raise ValidationFailed({"email": N_("Someone else already has that email address.")})
        await Person.update({**_member_columns(member), Person.updated_at: utcnow()}).where(Person.uid == uid)
        person_uid = uid
        action = "member.updated"
    person_id = await Person.select(Person.id).where(Person.uid == person_uid).first()
    await council_members.record_term_from_member_form(
        person_id["id"], member.organisation_id, member.side, member.term_start, member.term_end
    )
    await audit.record(
        action, actor, object_type="person", object_id=person_uid, summary=f"{member.name} <{member.email}>"
    )
    return person_uid


async def create_member(data: MemberInput, actor: Actor) -> str:
    member = await clean_member(data, await organisations_by_code())
    async with atomic():
        if await Person.exists().where((Person.email == member.email) & (Person.is_member == True)):
            raise ValidationFailed({"email": N_("There is already a member with that email address.")})
        return await _save_member(member, actor)


async def update_member(uid: str, data: MemberInput, actor: Actor) -> None:
    member = await clean_member(data, await organisations_by_code())
    async with atomic():
        person = await get_person(uid)
        await _save_member(member, actor, uid=str(person["uid"]))


async def set_member_active(uid: str, active: bool, actor: Actor) -> None:
    async with atomic():
        person = await get_person(uid)
        await Person.update(
            {Person.active: active, Person.session_epoch: Person.session_epoch + 1, Person.updated_at: utcnow()}
        ).where(Person.id == person["id"])
        if not active:
            await council_members.end_terms_of(person["id"], local_today())
        await audit.record(
            "member.activated" if active else "member.deactivated",
            actor,
            object_type="person",
            object_id=uid,
            summary=person["name"],
        )


async def get_person(uid: str) -> dict[str, Any]:
    person_uid = parse_uid(uid)
    person = None
    if person_uid is not None:  # not a UUID at all: no such person
        person = (
            await Person.select(*Person.all_columns(), Person.organisation.code.as_alias("organisation_code"))
            .where(Person.uid == person_uid)
            .first()
        )
    if person is None:
        raise NotFound()
    return person


async def list_members(
    *, query: str = "", organisation: str = "", include_inactive: bool = False
) -> list[dict[str, Any]]:
    select = (
        Person.select(
            Person.uid,
            Person.name,
            Person.email,
            Person.title,
            Person.side,
            Person.active,
            Person.term_start,
            Person.term_end,
            Person.organisation.code.as_alias("organisation_code"),
            Person.organisation.name_sv.as_alias("organisation_sv"),
            Person.organisation.name_en.as_alias("organisation_en"),
        )
        .where(Person.is_member == True)
        .order_by(Person.organisation.id)
        .order_by(Person.name)
    )
    if not include_inactive:
        select = select.where(Person.active == True)
    if organisation:
        select = select.where(Person.organisation.code == organisation)
    members = await select
    if query:
        # Matched here rather than with ILIKE: SQLite folds only ASCII case, and "åsa" must find "Åsa".
        # The council has tens of members, not millions.
        needle = query.strip().casefold()
        members = [m for m in members if needle in m["name"].casefold() or needle in m["email"].casefold()]
    return members


# --- CSV import -------------------------------------------------------------------------------


@dataclass
class ImportRow:
    line: int
    data: MemberInput
    errors: dict[str, DomainError] = field(default_factory=dict)
    clean: CleanMember | None = None


@dataclass
class ImportPreview:
    rows: list[ImportRow]
    missing_columns: list[str]

    @property
    def ok(self) -> bool:
        return not self.missing_columns and bool(self.rows) and all(not row.errors for row in self.rows)


async def preview_import(raw: bytes) -> ImportPreview:
    """Check every row of a members file (CSV or XLSX) without writing anything."""
    table = await read_uploaded_table_in_thread(raw)
    missing = [name for name in ("name", "email", "organisation", "side") if name not in table.header]
    if missing:
        return ImportPreview(rows=[], missing_columns=missing)
    organisations = await organisations_by_code()
    rows: list[ImportRow] = []
    seen: dict[str, int] = {}
    for line, record in table.rows:
        data = MemberInput(**{name: (record.get(name) or "").strip() for name in IMPORT_COLUMNS})
        row = ImportRow(line=line, data=data)
        try:
            row.clean = await clean_member(data, organisations)
        except ValidationFailed as error:
            row.errors = error.errors
        if row.clean is not None:
            if row.clean.email in seen:
                row.errors = {"email": DomainError(N_("The same email address is on an earlier row."), field="email")}
                row.clean = None
            else:
                seen[row.clean.email] = line
        rows.append(row)
    return ImportPreview(rows=rows, missing_columns=[])


async def import_members(raw: bytes, actor: Actor) -> int:
    """Import every row, or nothing when any row is wrong; returns the number of members saved."""
    preview = await preview_import(raw)
    if not preview.ok:
        raise DomainError(N_("The file has errors; nothing was imported."), field="file")
    async with atomic():
        for row in preview.rows:
            assert row.clean is not None
            await _save_member(row.clean, actor)
        await audit.record("member.imported", actor, object_type="person", summary=f"{len(preview.rows)} rows")
    return len(preview.rows)


# --- Signing in with an emailed link ---------------------------------------------------------


async def request_sign_in_link(email: str, *, ip: str, language: str, next_path: str = "") -> None:
    """Mail a sign-in link if the address belongs to an active person; say nothing either way."""
    await count_sign_in_link_request(email, ip=ip)
    await mail_sign_in_link(email, language=language, next_path=next_path)


async def count_sign_in_link_request(email: str, *, ip: str) -> None:
    """Count the request against the limits (raises RateLimited), the same for known and unknown addresses.

    The web layer mails the link after it has answered, so that the answer takes as long whether or
    not the address is registered.
    """
    await rate_limits.count_attempt(
        {
            f"sign-in-link:addr:{rate_limits.address_key(_address(email))}": SIGN_IN_LINKS_PER_ADDRESS,
            f"sign-in-link:ip:{ip}": SIGN_IN_LINKS_PER_IP,
        },
        window=SIGN_IN_LINK_WINDOW,
    )


async def mail_sign_in_link(email: str, *, language: str, next_path: str = "") -> None:
    """`next_path` is where the link leads once used (the web layer checks it is a path on this site)."""
    person = await Person.select().where((Person.email == _address(email)) & (Person.active == True)).first()
    if person is None:
        return
    async with atomic():
        token = await email_tokens.issue(Purpose.person_sign_in, person_id=person["id"], next_path=next_path)
        await outbox.enqueue(
            to_address=person["email"],
            to_name=person["name"],
            language=person["language"] or language,
            template="sign_in_link",
            context={"name": person["name"], "sign_in_url": links.sign_in_link_url(token)},
        )


def _address(email: str) -> str:
    try:
        return normalise_email(email)
    except DomainError:
        return (email or "").strip().lower()


async def sign_in_link_is_usable(token: str) -> bool:
    return await email_tokens.is_usable(Purpose.person_sign_in, token)


async def sign_in_with_link(token: str, *, ip: str) -> dict[str, Any]:
    """Use the link once; returns the person (with the link's `next_path`), or raises when the link is
    used, expired or unknown."""
    async with atomic():
        used = await email_tokens.consume(Purpose.person_sign_in, token)
        person = None
        if used is not None:
            person = await Person.select().where((Person.id == used["person"]) & (Person.active == True)).first()
        if person is None:
            raise DomainError(
                N_("This link has expired or has already been used. Ask for a new one."), code="link_expired"
            )
        await audit.record(
            "person.signed_in",
            Actor(person["name"], person_id=person["id"], ip=ip),
            object_type="person",
            object_id=person["uid"],
        )
    return {**person, "next_path": used["next_path"]}


async def end_sessions(person_id: int) -> None:
    """Sign the person out everywhere (see `staff.end_sessions`)."""
    await Person.update({Person.session_epoch: Person.session_epoch + 1}).where(Person.id == person_id)


async def get_active(person_id: int, epoch: int) -> dict[str, Any] | None:
    return (
        await Person.select(
            Person.id,
            Person.uid,
            Person.name,
            Person.email,
            Person.is_member,
            Person.side,
            Person.title,
            Person.language,
            Person.organisation.name_sv.as_alias("organisation_sv"),
            Person.organisation.name_en.as_alias("organisation_en"),
            Person.term_start,
            Person.term_end,
        )
        .where((Person.id == person_id) & (Person.session_epoch == epoch) & (Person.active == True))
        .first()
    )


async def set_language(person_id: int, language: str) -> None:
    await Person.update({Person.language: normalise_language(language)}).where(Person.id == person_id)
