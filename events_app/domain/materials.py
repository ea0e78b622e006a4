"""Follow-up material of an event or one of its sessions: uploaded files and links, and who may see them.

Files are accepted by their content, never by their name or declared type (see `detect_type`), and
stored as MEDIA_DIR/material/<random storage key>. The web layer streams an upload into a temporary
file under MEDIA_DIR/material/incoming/ (`incoming_path`) and hands its path to `add_file`, which
always consumes it: the file is either moved into place (and its row written) or removed. On any
refusal or error nothing is left on disk and no row is written.

Who may see a material is decided in one place, `Access.may_see` (docs/material.md):
public: anyone; registered: a confirmed registration at the event, or an attendance; attended: an
attendance (any day or session) at the event; council: a council meeting's papers and minutes, for
the council as it stood on the meeting's date (`council_members.council_meetings_of`); organisers
(and admins) see everything.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import re
import secrets
import unicodedata
import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from events_app.domain import audit, council_members, localized_texts
from events_app.domain.audit import Actor
from events_app.domain.errors import DomainError, NotFound, ValidationFailed
from events_app.domain.events import get_event, is_public, public_condition
from events_app.domain.public_page_versions import changes_public_pages
from events_app.domain.tables import (
    AgendaItem,
    Attendance,
    EventTheme,
    Material,
    MaterialKind,
    MaterialPurpose,
    MaterialVisibility,
    ProgrammeSession,
    Registration,
    RegistrationStatus,
    SessionTheme,
)
from events_app.domain.transactions import atomic
from events_app.i18n import N_
from events_app.settings import get_settings

log = logging.getLogger("events_app.materials")

MAX_TITLE = 200
MAX_URL = 500
MAX_FILENAME = 150
VISIBILITIES = tuple(value.value for value in MaterialVisibility)
VISIBILITY_LABELS = {
    "public": N_("Everyone"),
    "registered": N_("Those registered for the event"),
    "attended": N_("Those who attended"),
}
# Not offered on the material page: a council meeting's papers and minutes get it (council_meetings.py).
COUNCIL_LABEL = N_("The council: members, their substitutes and the preparatory group")


@dataclass(frozen=True)
class FileType:
    name: str  # shown to organisers: "PDF", "Word (DOCX)"
    content_type: str
    extensions: tuple[str, ...]


FILE_TYPES = {
    "pdf": FileType("PDF", "application/pdf", (".pdf",)),
    "docx": FileType(
        "Word (DOCX)", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", (".docx",)
    ),
    "pptx": FileType(
        "PowerPoint (PPTX)", "application/vnd.openxmlformats-officedocument.presentationml.presentation", (".pptx",)
    ),
    "xlsx": FileType("Excel (XLSX)", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",)),
    "png": FileType("PNG", "image/png", (".png",)),
    "jpeg": FileType("JPEG", "image/jpeg", (".jpg", ".jpeg")),
    "gif": FileType("GIF", "image/gif", (".gif",)),
    "webp": FileType("WebP", "image/webp", (".webp",)),
}
ACCEPTED_EXTENSIONS = tuple(ext for kind in FILE_TYPES.values() for ext in kind.extensions)
ACCEPTED_TEXT = "PDF, DOCX, PPTX, XLSX, PNG, JPEG, GIF, WebP"
# The folder of an Office Open XML package's main part, by its type.
_OOXML_FOLDERS = {"docx": "word/", "pptx": "ppt/", "xlsx": "xl/"}
_MAX_CONTENT_TYPES_XML = 1_000_000
_CHUNK = 1024 * 1024


def upload_limit_bytes() -> int:
    """UPLOAD_MAX_MB in bytes: the largest file accepted."""
    return get_settings().upload_max_mb * 1024 * 1024


def material_dir() -> Path:
    return get_settings().media_dir / "material"


def incoming_dir() -> Path:
    """Where uploads are written while they arrive (same file system as the stored files: a rename)."""
    path = material_dir() / "incoming"
    path.mkdir(parents=True, exist_ok=True)
    return path


def incoming_path() -> Path:
    """A fresh temporary file name for one upload."""
    return incoming_dir() / f"{secrets.token_hex(16)}.part"


def stored_path(storage_key: str) -> Path:
    if not re.fullmatch(r"[A-Za-z0-9_-]{20,100}", storage_key or ""):
        raise NotFound(N_("There is no such material."))
    return material_dir() / storage_key


def too_large_error() -> DomainError:
    return DomainError(
        N_("The file is too large: at most %(mb)s MB."), field="file", code="too_large", mb=get_settings().upload_max_mb
    )


# --- Checking names and content -------------------------------------------------------------------


def check_filename(name: str) -> str:
    """The uploaded name if it is safe to keep as the download name; refused (not cleaned) otherwise.

    Refused: empty, path separators, "..", control or invisible formatting characters (such as the
    right-to-left override), characters Windows forbids, a leading dot, more than 150 characters.
    """
    name = unicodedata.normalize("NFC", name or "").strip()
    if not name:
        raise DomainError(N_("Choose a file."), field="file", code="no_file")
    if (
        any(char in name for char in '/\\:*?"<>|')
        or ".." in name
        or name.startswith(".")
        or any(unicodedata.category(char) in {"Cc", "Cf", "Zl", "Zp"} for char in name)
    ):
        raise DomainError(
            N_(
                "The file name “%(name)s” is not allowed: rename the file with letters, digits, "
                "spaces, dashes and one dot before the extension, and upload it again."
            ),
            field="file",
            code="bad_name",
            name=_printable(name)[:80],
        )
    if len(name) > MAX_FILENAME:
        raise DomainError(
            N_("The file name is too long: at most %(max)s characters."),
            field="file",
            code="bad_name",
            max=MAX_FILENAME,
        )
    return name


def _printable(name: str) -> str:
    return "".join(char if unicodedata.category(char)[0] != "C" else "?" for char in name)


def extension_of(name: str) -> str:
    return os.path.splitext(name)[1].lower()


def detect_type(path: Path) -> str:
    """The accepted type the file's content is (a key of FILE_TYPES), or DomainError saying why not."""
    with open(path, "rb") as file:
        head = file.read(16)
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head.startswith(b"PK\x03\x04"):
        return _office_type(path)
    if head.startswith((b"MZ", b"\x7fELF", b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe", b"\xca\xfe\xba\xbe", b"#!")):
        raise DomainError(N_("The file is a program, not a document: it was refused."), field="file", code="executable")
    raise DomainError(
        N_("The file’s content is not one of the accepted types (%(types)s)."),
        field="file",
        code="wrong_type",
        types=ACCEPTED_TEXT,
    )


def _office_type(path: Path) -> str:
    """DOCX, PPTX or XLSX: a ZIP with [Content_Types].xml and the main folder; never macro-enabled."""
    refused = DomainError(
        N_("The file’s content is not one of the accepted types (%(types)s)."),
        field="file",
        code="wrong_type",
        types=ACCEPTED_TEXT,
    )
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            info = archive.getinfo("[Content_Types].xml") if "[Content_Types].xml" in names else None
            if info is None or info.file_size > _MAX_CONTENT_TYPES_XML:
                raise refused
            content_types = archive.read(info).decode("utf-8", "replace").lower()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, RuntimeError, ValueError, EOFError):
        raise refused from None
    if "macroenabled" in content_types or any(name.lower().endswith("vbaproject.bin") for name in names):
        raise DomainError(
            N_("Files with macros are not accepted: save it without macros (DOCX, PPTX or XLSX)."),
            field="file",
            code="macros",
        )
    found = [kind for kind, folder in _OOXML_FOLDERS.items() if any(name.startswith(folder) for name in names)]
    if len(found) != 1:
        raise refused
    return found[0]


def _check_and_hash(path: Path, filename: str, limit: int) -> tuple[str, int, str]:
    """(type, size, sha256) of the file at `path`, checked against its name and the limit."""
    size = path.stat().st_size
    if size > limit:
        raise too_large_error()
    if size == 0:
        raise DomainError(N_("The file is empty."), field="file", code="empty")
    extension = extension_of(filename)
    if extension not in ACCEPTED_EXTENSIONS:
        raise DomainError(
            N_("Files of this type are not accepted. Accepted: %(types)s."),
            field="file",
            code="wrong_type",
            types=ACCEPTED_TEXT,
        )
    kind = detect_type(path)
    if extension not in FILE_TYPES[kind].extensions:
        raise DomainError(
            N_(
                "The file’s name ends in %(extension)s but its content is %(kind)s: rename it or choose the right file."
            ),
            field="file",
            code="mismatch",
            extension=extension,
            kind=FILE_TYPES[kind].name,
        )
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while chunk := file.read(_CHUNK):
            digest.update(chunk)
    return kind, size, digest.hexdigest()


# --- Adding, listing, deleting ---------------------------------------------------------------------


@dataclass
class MaterialInput:
    title: str = ""
    visibility: str = MaterialVisibility.public.value
    session: str = ""  # a session's uid, or "" for the event as a whole
    url: str = ""  # links only
    title_en: str = ""  # optional, for English readers (localized_texts.py)
    purpose: str = ""  # a council meeting's paper or minutes (MaterialPurpose)
    agenda_item: str = ""  # a paper's agenda item's uid


async def _clean(event: dict[str, Any], data: MaterialInput, *, link: bool) -> dict[str, Any]:
    errors: dict[str, DomainError | str] = {}
    title = " ".join((data.title or "").split())
    if not title:
        errors["title"] = N_("Give the material a title.")
    elif len(title) > MAX_TITLE:
        errors["title"] = DomainError(N_("At most %(max)s characters."), field="title", max=MAX_TITLE)
    if data.visibility not in VISIBILITIES:
        errors["visibility"] = N_("Choose who may see the material.")
    session_id = None
    if data.session:
        row = (
            await ProgrammeSession.select(ProgrammeSession.id)
            .where((ProgrammeSession.uid == _uuid_or_none(data.session)) & (ProgrammeSession.event == event["id"]))
            .first()
            if _uuid_or_none(data.session)
            else None
        )
        if row is None:
            errors["session"] = N_("Choose one of the event’s sessions.")
        else:
            session_id = row["id"]
    url = (data.url or "").strip()
    if link:
        if not url:
            errors["url"] = N_("Give the link’s address.")
        elif not valid_url(url):
            errors["url"] = N_("Give a full web address starting with https:// or http://.")
        elif len(url) > MAX_URL:
            errors["url"] = DomainError(N_("At most %(max)s characters."), field="url", max=MAX_URL)
    title_en = localized_texts.clean_line(data.title_en, "title_en", MAX_TITLE, errors)
    agenda_item = await _clean_purpose(event, data, errors)
    if errors:
        raise ValidationFailed(errors)
    return {
        "title": title,
        "title_en": title_en,
        "visibility": data.visibility,
        "session": session_id,
        "url": url,
        "purpose": data.purpose,
        "agenda_item": agenda_item,
    }


async def _clean_purpose(event: dict[str, Any], data: MaterialInput, errors: dict) -> int | None:
    """A council meeting's document: its purpose, and for a paper the agenda item (of this event)."""
    if data.purpose not in {purpose.value for purpose in MaterialPurpose}:
        errors["purpose"] = N_("Choose what the document is.")
        return None
    if data.purpose != MaterialPurpose.paper.value:
        return None
    uid = _uuid_or_none(data.agenda_item)
    row = (
        await AgendaItem.select(AgendaItem.id)
        .where((AgendaItem.uid == uid) & (AgendaItem.event == event["id"]))
        .first()
        if uid
        else None
    )
    if row is None:
        errors["agenda_item"] = N_("Choose the agenda item the paper belongs to.")
        return None
    return row["id"]


def valid_url(url: str) -> bool:
    if any(char.isspace() or unicodedata.category(char)[0] == "C" for char in url):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in {"http", "https"} and bool(parts.hostname)


def _uuid_or_none(value: str) -> str | None:
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        return None


async def _next_position(event_id: int) -> int:
    rows = (
        await Material.select(Material.position)
        .where(Material.event == event_id)
        .order_by(Material.position, ascending=False)
        .limit(1)
    )
    return (rows[0]["position"] + 1) if rows else 1


@changes_public_pages
async def add_link(event_slug: str, data: MaterialInput, actor: Actor) -> dict[str, Any]:
    event = await get_event(event_slug)
    clean = await _clean(event, data, link=True)
    async with atomic():
        row = await _save(
            event, clean, actor, f"{clean['title']} ({clean['url']})", kind=MaterialKind.link, url=clean["url"]
        )
    return await get_material(str(row.uid))


async def _save(event: dict[str, Any], clean: dict[str, Any], actor: Actor, summary: str, **kind: Any) -> Material:
    """A new material row last in the event's order, with its audit entry; `kind` holds the link's
    or the file's own columns. Inside the caller's transaction."""
    row = Material(
        event=event["id"],
        session=clean["session"],
        title=clean["title"],
        title_en=clean["title_en"],
        visibility=clean["visibility"],
        purpose=clean["purpose"],
        agenda_item=clean["agenda_item"],
        position=await _next_position(event["id"]),
        created_by=actor.staff_id,
        **kind,
    )
    await row.save()
    await audit.record(
        "material.added", actor, object_type="material", object_id=row.uid, summary=f"{event['slug']}: {summary}"
    )
    return row


@changes_public_pages
async def add_file(event_slug: str, data: MaterialInput, upload: Path, filename: str, actor: Actor) -> dict[str, Any]:
    """Store the file at `upload` (a temporary file under MEDIA_DIR, always consumed) as material.

    Checked: the form, the name, the size, the content and that the name's extension agrees with it.
    The file is renamed into place first, then the row is written; if writing the row fails, the
    file is removed again. On any refusal nothing stays on disk.
    """
    final: Path | None = None
    try:
        event = await get_event(event_slug)
        clean = await _clean(event, data, link=False)
        safe_name = check_filename(filename)
        kind, size, sha256 = await asyncio.to_thread(_check_and_hash, upload, safe_name, upload_limit_bytes())
        storage_key = secrets.token_urlsafe(24)
        final = stored_path(storage_key)
        await asyncio.to_thread(os.replace, upload, final)
        async with atomic():
            row = await _save(
                event,
                clean,
                actor,
                f"{clean['title']} ({safe_name}, {size} bytes)",
                kind=MaterialKind.file,
                filename=safe_name,
                content_type=FILE_TYPES[kind].content_type,
                size=size,
                storage_key=storage_key,
                sha256=sha256,
            )
        final = None  # in place and recorded: keep it
        return await get_material(str(row.uid))
    finally:
        _remove(upload)
        if final is not None:
            _remove(final)


@changes_public_pages
async def add_file_content(
    event_slug: str, data: MaterialInput, content: bytes, filename: str, actor: Actor
) -> dict[str, Any]:
    """`add_file` for content already in memory (tests, seed data)."""
    if len(content) > upload_limit_bytes():
        raise too_large_error()
    path = incoming_path()
    path.write_bytes(content)
    return await add_file(event_slug, data, path, filename, actor)


def _remove(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError:
        log.exception("could not remove %s", path)


_COLUMNS = (
    Material.id,
    Material.uid,
    Material.event,
    Material.session,
    Material.title,
    Material.title_en,
    Material.kind,
    Material.url,
    Material.filename,
    Material.content_type,
    Material.size,
    Material.storage_key,
    Material.sha256,
    Material.visibility,
    Material.position,
    Material.created_at,
    Material.purpose,
    Material.agenda_item,
    Material.session.uid.as_alias("session_uid"),
    Material.session.title.as_alias("session_title"),
    Material.session.title_en.as_alias("session_title_en"),
    Material.session.status.as_alias("session_status"),
    Material.session.starts_at.as_alias("session_starts_at"),
    Material.event.slug.as_alias("event_slug"),
    Material.event.title.as_alias("event_title"),
    Material.event.title_en.as_alias("event_title_en"),
    Material.event.starts_at.as_alias("event_starts_at"),
    Material.event.status.as_alias("event_status"),
    Material.event.published_at.as_alias("event_published_at"),
)


async def get_material(uid: str) -> dict[str, Any]:
    value = _uuid_or_none(uid)
    row = await Material.select(*_COLUMNS).where(Material.uid == value).first() if value else None
    if row is None:
        raise NotFound(N_("There is no such material."))
    return row


async def list_for_event(event_id: int) -> list[dict[str, Any]]:
    """All of an event's material (organisers): the event's own first, then by session, in order."""
    rows = await Material.select(*_COLUMNS).where(Material.event == event_id).order_by(Material.position)
    return sorted(
        rows,
        key=lambda row: (
            (0, row["position"]) if row["session"] is None else (1, row["session_starts_at"], row["position"])
        ),
    )


@changes_public_pages
async def delete_material(event_slug: str, uid: str, actor: Actor) -> dict[str, Any]:
    """Delete the row, then its file (after the commit: a failed commit never loses a file)."""
    event = await get_event(event_slug)
    async with atomic():
        row = await get_material(uid)
        if row["event"] != event["id"]:
            raise NotFound(N_("There is no such material."))
        await Material.delete().where(Material.id == row["id"])
        await audit.record(
            "material.deleted", actor, object_type="material", object_id=uid, summary=f"{event['slug']}: {row['title']}"
        )
    if row["kind"] == MaterialKind.file.value and row["storage_key"]:
        _remove(stored_path(row["storage_key"]))
    return row


@changes_public_pages
async def move_material(event_slug: str, uid: str, direction: int, actor: Actor) -> None:
    """Swap with the neighbour before (direction -1) or after (+1) among the event's material."""
    event = await get_event(event_slug)
    async with atomic():
        rows = (
            await Material.select(Material.id, Material.uid, Material.position)
            .where(Material.event == event["id"])
            .order_by(Material.position)
            .order_by(Material.id)
        )
        index = next((i for i, row in enumerate(rows) if str(row["uid"]) == uid), None)
        if index is None:
            raise NotFound(N_("There is no such material."))
        other = index + (1 if direction > 0 else -1)
        if not 0 <= other < len(rows):
            return
        for i, row in enumerate(rows):  # renumber, then swap: equal positions never stay ambiguous
            row["position"] = i + 1
        rows[index]["position"], rows[other]["position"] = rows[other]["position"], rows[index]["position"]
        for row in rows:
            await Material.update({Material.position: row["position"]}).where(Material.id == row["id"])
        await audit.record("material.moved", actor, object_type="material", object_id=uid)


# --- Who may see what ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Viewer:
    """Who is looking: a person (signed in, or through their registration's private link) and/or an
    organiser (staff with the organiser role or above)."""

    person_id: int | None = None
    organiser: bool = False


@dataclass
class Access:
    """What one viewer may see, computed once (two queries) and applied to any number of materials."""

    organiser: bool = False
    registered: set[int] = field(default_factory=set)  # events with a confirmed registration
    attended: set[int] = field(default_factory=set)  # events with an attendance
    council: set[int] = field(default_factory=set)  # council meetings whose papers the person may read

    @classmethod
    async def of(cls, viewer: Viewer) -> Access:
        access = cls(organiser=viewer.organiser)
        if viewer.person_id is not None and not viewer.organiser:
            access.registered = {
                row["event"]
                for row in await Registration.select(Registration.event).where(
                    (Registration.person == viewer.person_id)
                    & (Registration.status == RegistrationStatus.confirmed.value)
                )
            }
            access.attended = {
                row["event"]
                for row in await Attendance.select(Attendance.event).where(
                    Attendance.registration.person == viewer.person_id
                )
            }
            access.council = await council_members.council_meetings_of(viewer.person_id)
        return access

    def may_see(self, material: dict[str, Any]) -> bool:
        """THE rule. A cancelled session's (or event's) material follows it unchanged."""
        if self.organiser:
            return True
        if not is_public({"status": material["event_status"], "published_at": material["event_published_at"]}):
            return False
        visibility = material["visibility"]
        event_id = material["event"]
        if visibility == MaterialVisibility.public.value:
            return True
        if visibility == MaterialVisibility.registered.value:
            return event_id in self.registered or event_id in self.attended
        if visibility == MaterialVisibility.attended.value:
            return event_id in self.attended
        if visibility == MaterialVisibility.council.value:
            return event_id in self.council
        return False


async def may_see(material: dict[str, Any], viewer: Viewer) -> bool:
    return (await Access.of(viewer)).may_see(material)


async def visible_for_event(event_id: int, viewer: Viewer) -> list[dict[str, Any]]:
    access = await Access.of(viewer)
    return [row for row in await list_for_event(event_id) if access.may_see(row)]


def by_session(rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], dict[int, list[dict[str, Any]]]]:
    """(the event's own material, {session id: its material})."""
    own: list[dict[str, Any]] = []
    sessions: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        if row["session"] is None:
            own.append(row)
        else:
            sessions.setdefault(row["session"], []).append(row)
    return own, sessions


async def theme_archive(theme_id: int, viewer: Viewer) -> list[dict[str, Any]]:
    """Material of the events with the theme and of the sessions tagged with it, across the years,
    newest event first: what the viewer may see of it."""
    event_ids = [row["event"] for row in await EventTheme.select(EventTheme.event).where(EventTheme.theme == theme_id)]
    session_ids = [
        row["session"] for row in await SessionTheme.select(SessionTheme.session).where(SessionTheme.theme == theme_id)
    ]
    if not event_ids and not session_ids:
        return []
    rows = await Material.select(*_COLUMNS).where(
        (Material.event.is_in(event_ids or [0]) | Material.session.is_in(session_ids or [0]))
        & public_condition(Material.event)
    )
    access = await Access.of(viewer)
    rows = [row for row in rows if access.may_see(row)]
    rows.sort(key=lambda row: row["position"])
    rows.sort(key=lambda row: row["event_starts_at"], reverse=True)
    return rows


def visibility_label(visibility: str) -> str:
    if visibility == MaterialVisibility.council.value:
        return COUNCIL_LABEL
    return VISIBILITY_LABELS.get(visibility, visibility)
