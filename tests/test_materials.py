"""Follow-up material in the domain: files accepted by content, refused with nothing left on disk,
links, deleting and ordering, and the one visibility rule."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import zipfile
from pathlib import Path

import pytest

from events_app.domain import audit, materials, programme
from events_app.domain.errors import DomainError, ValidationFailed
from events_app.domain.materials import Access, MaterialInput, Viewer
from events_app.domain.tables import Material, Person, Registration
from events_app.settings import get_settings
from tests.certificate_helpers import check_in, days_of, finished_event, participant
from tests.registration_helpers import SYSTEM, published_event

ORGANISER = Viewer(organiser=True)
ANONYMOUS = Viewer()

# --- Real files of every accepted type ----------------------------------------------------------

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    'content-types"><Default Extension="xml" ContentType="application/xml"/>{overrides}</Types>'
)


def office_file(folder: str, main: str, content_type: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            _CONTENT_TYPES.format(overrides=f'<Override PartName="/{folder}{main}" ContentType="{content_type}"/>'),
        )
        archive.writestr(
            "_rels/.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            'package/2006/relationships"/>',
        )
        archive.writestr(f"{folder}{main}", "<root/>")
    return buffer.getvalue()


def pdf_file() -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text="Klimatanpassning")
    return bytes(pdf.output())


def xlsx_file() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.active["A1"] = "Kommun"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def image_file(image_format: str) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (20, 120, 60)).save(buffer, format=image_format)
    return buffer.getvalue()


def sample_files() -> dict[str, tuple[str, bytes, str]]:
    """{type: (file name, content, the content type it is served as)}."""
    return {
        "pdf": ("Klimat och energi.pdf", pdf_file(), "application/pdf"),
        "docx": (
            "Protokoll.docx",
            office_file(
                "word/",
                "document.xml",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
            ),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        "pptx": (
            "Bilder från dagen.pptx",
            office_file(
                "ppt/",
                "presentation.xml",
                "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
            ),
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ),
        "xlsx": ("Siffror.xlsx", xlsx_file(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        "png": ("Karta.png", image_file("PNG"), "image/png"),
        "jpeg": ("Foto.jpg", image_file("JPEG"), "image/jpeg"),
        "gif": ("Figur.gif", image_file("GIF"), "image/gif"),
        "webp": ("Bild.webp", image_file("WEBP"), "image/webp"),
    }


ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 200
MZ = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200
HTML = b"<!DOCTYPE html><html><script>alert(1)</script></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def macro_docm() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "[Content_Types].xml",
            _CONTENT_TYPES.format(
                overrides='<Override PartName="/word/document.xml" ContentType="application/vnd.ms-word.document.'
                'macroEnabled.main+xml"/>'
            ),
        )
        archive.writestr("word/document.xml", "<root/>")
        archive.writestr("word/vbaProject.bin", b"\x00" * 10)
    return buffer.getvalue()


def files_on_disk() -> list[Path]:
    media = get_settings().media_dir
    return sorted(path for path in media.rglob("*") if path.is_file()) if media.exists() else []


def small_limit(monkeypatch, mb: int = 1) -> None:
    limited = dataclasses.replace(get_settings(), upload_max_mb=mb)
    monkeypatch.setattr(materials, "get_settings", lambda: limited)


# --- Files ----------------------------------------------------------------------------------------


async def test_every_accepted_type_is_stored_by_a_random_key_with_its_hash():
    event = await published_event()
    before = files_on_disk()
    for kind, (name, content, content_type) in sample_files().items():
        row = await materials.add_file_content(
            event["slug"], MaterialInput(title=f"Material {kind}"), content, name, SYSTEM
        )
        assert row["content_type"] == content_type, kind
        assert row["filename"] == name and row["size"] == len(content)
        assert row["sha256"] == hashlib.sha256(content).hexdigest()
        stored = materials.stored_path(row["storage_key"])
        assert stored.read_bytes() == content and stored.parent == get_settings().media_dir / "material"
        assert name not in str(stored)
    after = files_on_disk()
    assert len(after) == len(before) + 8
    assert not list((get_settings().media_dir / "material" / "incoming").iterdir())  # no temporary file left


@pytest.mark.parametrize(
    "name, content, code",
    [
        ("program.pdf", ELF, "executable"),
        ("program.pdf", MZ, "executable"),
        ("setup.exe", MZ, "wrong_type"),
        ("page.html", HTML, "wrong_type"),
        ("page.pdf", HTML, "wrong_type"),
        ("drawing.svg", SVG, "wrong_type"),
        ("drawing.png", SVG, "wrong_type"),
        ("script.pdf", b"#!/bin/sh\nrm -rf /\n", "executable"),
        ("empty.pdf", b"", "empty"),
        ("macros.docm", macro_docm, "wrong_type"),
        ("macros.docx", macro_docm, "macros"),
        ("map.pdf", lambda: image_file("PNG"), "mismatch"),
        ("slides.pptx", lambda: office_file("word/", "document.xml", "x"), "mismatch"),
        ("notes.docx", b"PK\x03\x04 not really a zip" + b"\x00" * 50, "wrong_type"),
        ("../../etc/passwd.pdf", b"%PDF-1.4\n", "bad_name"),
        ("folder/report.pdf", b"%PDF-1.4\n", "bad_name"),
        ("C:\\Users\\report.pdf", b"%PDF-1.4\n", "bad_name"),
        (".hidden.pdf", b"%PDF-1.4\n", "bad_name"),
        ("report\x00.pdf", b"%PDF-1.4\n", "bad_name"),
        ("report\n.pdf", b"%PDF-1.4\n", "bad_name"),
        ("\u202efdp.exe", b"%PDF-1.4\n", "bad_name"),
        ("a" * 200 + ".pdf", b"%PDF-1.4\n", "bad_name"),
        ("", b"%PDF-1.4\n", "no_file"),
    ],
)
async def test_refused_files_leave_nothing_on_disk_and_no_row(name, content, code):
    event = await published_event()
    content = content() if callable(content) else content
    before = files_on_disk()
    with pytest.raises(DomainError) as refused:
        await materials.add_file_content(event["slug"], MaterialInput(title="Fel"), content, name, SYSTEM)
    assert refused.value.code == code, refused.value.translated()
    assert refused.value.field == "file" and refused.value.translated()
    assert files_on_disk() == before
    assert await Material.count() == 0


async def test_a_file_over_the_limit_is_refused_and_nothing_stays(monkeypatch):
    small_limit(monkeypatch)
    event = await published_event()
    before = files_on_disk()
    path = materials.incoming_path()
    path.write_bytes(b"%PDF-1.4\n" + b"0" * (1024 * 1024))
    with pytest.raises(DomainError) as refused:
        await materials.add_file(event["slug"], MaterialInput(title="Stor"), path, "stor.pdf", SYSTEM)
    assert refused.value.code == "too_large" and "1 MB" in refused.value.translated()
    assert files_on_disk() == before and await Material.count() == 0


async def test_a_bad_form_refuses_before_the_file_is_kept():
    event = await published_event()
    before = files_on_disk()
    with pytest.raises(ValidationFailed) as refused:
        await materials.add_file_content(
            event["slug"],
            MaterialInput(title="", visibility="secret", session="not-a-session"),
            pdf_file(),
            "a.pdf",
            SYSTEM,
        )
    assert set(refused.value.errors) == {"title", "visibility", "session"}
    assert files_on_disk() == before and await Material.count() == 0


async def test_when_the_row_cannot_be_written_the_file_is_removed(monkeypatch):
    event = await published_event()
    before = files_on_disk()

    async def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(audit, "record", broken)
    with pytest.raises(RuntimeError):
        await materials.add_file_content(event["slug"], MaterialInput(title="Rapport"), pdf_file(), "r.pdf", SYSTEM)
    assert files_on_disk() == before and await Material.count() == 0


async def test_deleting_removes_the_file_and_the_row():
    event = await published_event()
    row = await materials.add_file_content(event["slug"], MaterialInput(title="Rapport"), pdf_file(), "r.pdf", SYSTEM)
    stored = materials.stored_path(row["storage_key"])
    assert stored.exists()
    await materials.delete_material(event["slug"], str(row["uid"]), SYSTEM)
    assert not stored.exists() and await Material.count() == 0


# --- Links and order -------------------------------------------------------------------------------


async def test_links_need_a_web_address():
    event = await published_event()
    for url in ("javascript:alert(1)", "ftp://example.se/x", "https://", "example.se", "https://exa mple.se"):
        with pytest.raises(ValidationFailed) as refused:
            await materials.add_link(event["slug"], MaterialInput(title="Länk", url=url), SYSTEM)
        assert "url" in refused.value.errors, url
    session = event["sessions"]["Workshop A"]
    row = await materials.add_link(
        event["slug"],
        MaterialInput(
            title="Rapporten", url="https://example.se/rapport", visibility="registered", session=str(session["uid"])
        ),
        SYSTEM,
    )
    assert row["kind"] == "link" and row["session_title"] == session["title"] and row["visibility"] == "registered"


async def test_material_lists_the_events_own_first_then_by_session_and_moves():
    event = await published_event()
    workshop = str(event["sessions"]["Workshop A"]["uid"])
    opening = str(event["sessions"]["Öppning"]["uid"])
    first = await materials.add_link(
        event["slug"], MaterialInput(title="W", url="https://a.se", session=workshop), SYSTEM
    )
    await materials.add_link(event["slug"], MaterialInput(title="O", url="https://b.se", session=opening), SYSTEM)
    await materials.add_link(event["slug"], MaterialInput(title="E1", url="https://c.se"), SYSTEM)
    await materials.add_link(event["slug"], MaterialInput(title="E2", url="https://d.se"), SYSTEM)
    titles = [row["title"] for row in await materials.list_for_event(event["id"])]
    assert titles == ["E1", "E2", "O", "W"]
    rows = await materials.list_for_event(event["id"])
    await materials.move_material(event["slug"], str(rows[1]["uid"]), -1, SYSTEM)
    assert [row["title"] for row in await materials.list_for_event(event["id"])] == ["E2", "E1", "O", "W"]
    own, by_session = materials.by_session(await materials.list_for_event(event["id"]))
    assert [row["title"] for row in own] == ["E2", "E1"] and by_session[first["session"]][0]["title"] == "W"


# --- Who may see what ------------------------------------------------------------------------------


async def _person_id(email: str) -> int:
    return (await Person.select(Person.id).where(Person.email == email).first())["id"]


async def test_the_visibility_rule():
    event = await finished_event()
    rows = {
        visibility: await materials.add_link(
            event["slug"],
            MaterialInput(title=visibility, url=f"https://example.se/{visibility}", visibility=visibility),
            SYSTEM,
        )
        for visibility in ("public", "registered", "attended")
    }
    registered = await participant(event, "Rut Registrerad", "rut@example.se")
    attended = await participant(event, "Alf Närvarande", "alf@example.se")
    await check_in(event, attended, days_of(event)[0])
    for email, status in (("cecilia@example.se", "cancelled"), ("walter@example.se", "waitlisted")):
        row = await participant(event, email.split("@")[0].title(), email)
        await Registration.update({Registration.status: status}).where(Registration.id == row["id"])

    async def seen(viewer: Viewer) -> set[str]:
        access = await Access.of(viewer)
        return {name for name, row in rows.items() if access.may_see(row)}

    assert await seen(ANONYMOUS) == {"public"}
    assert await seen(Viewer(person_id=await _person_id("rut@example.se"))) == {"public", "registered"}
    assert await seen(Viewer(person_id=await _person_id("alf@example.se"))) == {"public", "registered", "attended"}
    assert await seen(Viewer(person_id=await _person_id("cecilia@example.se"))) == {"public"}
    assert await seen(Viewer(person_id=await _person_id("walter@example.se"))) == {"public"}
    assert await seen(ORGANISER) == {"public", "registered", "attended"}
    assert registered["status"] == "confirmed"

    # Another event's attendance gives nothing here.
    other = await finished_event(title="Ett annat event")
    visitor = await participant(other, "Vera Annanstans", "vera@example.se")
    await check_in(other, visitor, days_of(other)[0])
    assert await seen(Viewer(person_id=await _person_id("vera@example.se"))) == {"public"}


async def test_a_cancelled_sessions_material_keeps_its_audience():
    event = await finished_event()
    session = event["sessions"]["Workshop A"]
    row = await materials.add_link(
        event["slug"],
        MaterialInput(title="Bilder", url="https://example.se/b", visibility="registered", session=str(session["uid"])),
        SYSTEM,
    )
    await participant(event, "Rut Registrerad", "rut@example.se")
    await programme.cancel_session(str(session["uid"]), SYSTEM)
    row = await materials.get_material(str(row["uid"]))
    assert row["session_status"] == "cancelled"
    assert await materials.may_see(row, Viewer(person_id=await _person_id("rut@example.se")))
    assert not await materials.may_see(row, ANONYMOUS)


async def test_a_drafts_material_is_for_organisers_only():
    event = await published_event(publish=False)
    row = await materials.add_link(event["slug"], MaterialInput(title="Utkast", url="https://example.se"), SYSTEM)
    assert not await materials.may_see(row, ANONYMOUS)
    assert await materials.may_see(row, ORGANISER)


async def test_the_theme_archive_is_newest_first_and_filtered():
    from events_app.domain.tables import Theme

    theme = await Theme.select().where(Theme.slug == "klimat-energi").first()
    old = await finished_event(title="Förra året", themes=["klimat-energi"])
    new = await published_event(title="I år", themes=["klimat-energi"], days_ahead=-2)
    untagged = await published_event(title="Annat")
    await materials.add_link(old["slug"], MaterialInput(title="Gammalt", url="https://a.se"), SYSTEM)
    await materials.add_link(new["slug"], MaterialInput(title="Nytt", url="https://b.se"), SYSTEM)
    await materials.add_link(
        new["slug"], MaterialInput(title="Hemligt", url="https://c.se", visibility="attended"), SYSTEM
    )
    await materials.add_link(untagged["slug"], MaterialInput(title="Utanför", url="https://d.se"), SYSTEM)
    assert [row["title"] for row in await materials.theme_archive(theme["id"], ANONYMOUS)] == ["Nytt", "Gammalt"]
    assert [row["title"] for row in await materials.theme_archive(theme["id"], ORGANISER)] == [
        "Nytt",
        "Hemligt",
        "Gammalt",
    ]
