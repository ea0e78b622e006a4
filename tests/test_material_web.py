"""Follow-up material through the web: the organisers' page (upload, link, delete), serving with the
visibility enforced for each audience, the refusals (nothing on disk), guards and CSRF."""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest

from events_app.domain import materials, programme
from events_app.domain.materials import MaterialInput
from events_app.domain.tables import Material
from tests.account_helpers import another_client, sign_in_member, text_of, tr
from tests.certificate_helpers import check_in, days_of, finished_event, participant
from tests.conftest import sign_in
from tests.registration_helpers import SYSTEM
from tests.test_materials import (
    ELF,
    HTML,
    MZ,
    SVG,
    files_on_disk,
    pdf_file,
    sample_files,
    small_limit,
)


def page(slug: str) -> str:
    return f"/organiser/events/{slug}/material"


async def upload(
    client,
    slug: str,
    name: str,
    content: bytes,
    *,
    title: str = "Bilder",
    visibility: str = "public",
    session: str = "",
    csrf: bool = True,
):
    await client.get(page(slug))
    data = {"_csrf_token": client.last_csrf} if csrf else {}
    data.update({"title": title, "visibility": visibility, "session": session})
    return await client.post(f"{page(slug)}/upload", data=data, files={"file": (name, content, "application/pdf")})


def uid_of(row: dict) -> str:
    return str(row["uid"])


async def audience(app, event: dict):
    """Registered-not-attended and attended people, each signed in in their own browser."""
    rut = await participant(event, "Rut Registrerad", "rut@example.se")
    alf = await participant(event, "Alf Närvarande", "alf@example.se")
    await check_in(event, alf, days_of(event)[0])
    return rut, alf


async def test_each_type_is_served_only_to_the_audience_its_visibility_allows(app, organiser):
    event = await finished_event()
    rut, alf = await audience(app, event)
    uploaded: dict[tuple[str, str], dict] = {}
    files = sample_files()
    for index, (kind, (name, content, _content_type)) in enumerate(files.items()):
        visibility = ("public", "registered", "attended")[index % 3]
        response = await upload(
            organiser, event["slug"], name, content, title=f"{kind} material", visibility=visibility
        )
        assert response.status_code == 303, text_of(response)
        uploaded[(kind, visibility)] = await Material.select().where(Material.title == f"{kind} material").first()
    for visibility in ("public", "registered", "attended"):  # every visibility with every type, too
        for kind in files:
            if (kind, visibility) not in uploaded:
                name, content, _ = files[kind]
                response = await upload(
                    organiser, event["slug"], name, content, title=f"{kind} {visibility}", visibility=visibility
                )
                assert response.status_code == 303, text_of(response)
                uploaded[(kind, visibility)] = (
                    await Material.select().where(Material.title == f"{kind} {visibility}").first()
                )

    async with (
        another_client(app, port=50010) as anonymous,
        another_client(app, port=50011) as registered,
        another_client(app, port=50012) as attended,
    ):
        await sign_in_member(registered, "rut@example.se")
        await sign_in_member(attended, "alf@example.se")
        allowed = {
            "anonymous": {"public"},
            "registered": {"public", "registered"},
            "attended": {"public", "registered", "attended"},
            "organiser": {"public", "registered", "attended"},
        }
        viewers = {"anonymous": anonymous, "registered": registered, "attended": attended, "organiser": organiser}
        for (kind, visibility), row in uploaded.items():
            name, content, content_type = files[kind]
            for who, browser in viewers.items():
                response = await browser.get(f"/material/{row['uid']}")
                if visibility in allowed[who]:
                    assert response.status_code == 200, (kind, visibility, who)
                    assert response.content == content
                    assert response.headers["content-type"].split(";")[0] == content_type
                    assert response.headers["x-content-type-options"] == "nosniff"
                    disposition = response.headers["content-disposition"]
                    assert disposition.startswith("attachment;")
                    assert unquote(disposition.split("filename*=UTF-8''")[1]) == name
                    assert re.search(r'filename="[A-Za-z0-9._ -]+"', disposition), disposition
                    if visibility != "public":
                        assert response.headers["cache-control"] == "private, no-store"
                else:
                    assert response.status_code == 404, (kind, visibility, who)
        # Through the private registration link, without signing in.
        for (kind, visibility), row in uploaded.items():
            for registration, who in ((rut, "registered"), (alf, "attended")):
                response = await anonymous.get(f"/registration/{registration['manage_token']}/material/{row['uid']}")
                assert response.status_code == (200 if visibility in allowed[who] else 404), (kind, visibility, who)
                if response.status_code == 200:
                    assert response.headers["cache-control"] == "private, no-store"


async def test_the_pages_list_only_what_the_viewer_may_see(app, organiser, client):
    event = await finished_event(themes=["klimat-energi"])
    rut, alf = await audience(app, event)
    workshop = str(event["sessions"]["Workshop A"]["uid"])
    rows = {}
    for visibility in ("public", "registered", "attended"):
        rows[visibility] = await materials.add_link(
            event["slug"],
            MaterialInput(
                title=f"Länk {visibility}",
                url=f"https://example.se/{visibility}",
                visibility=visibility,
                session=workshop,
            ),
            SYSTEM,
        )
    await materials.add_file_content(
        event["slug"], MaterialInput(title="Programmet som PDF"), pdf_file(), "Program.pdf", SYSTEM
    )
    async with another_client(app, port=50020) as anonymous:
        event_page = text_of(await anonymous.get(f"/events/{event['slug']}"))
        assert "Länk public" in event_page and "Programmet som PDF" in event_page
        assert "Länk registered" not in event_page and "Länk attended" not in event_page
        theme_page = text_of(await anonymous.get("/themes/klimat-energi"))
        assert "Länk public" in theme_page and "Länk registered" not in theme_page
        rut_page = text_of(await anonymous.get(f"/registration/{rut['manage_token']}"))
        assert 'id="material"' in rut_page and "Länk registered" in rut_page and "Länk attended" not in rut_page
        assert f"/registration/{rut['manage_token']}/material/{rows['registered']['uid']}" in rut_page
        alf_page = text_of(await anonymous.get(f"/registration/{alf['manage_token']}"))
        assert "Länk attended" in alf_page
        link = await anonymous.get(f"/registration/{alf['manage_token']}/material/{rows['attended']['uid']}")
        assert link.status_code == 302 and link.headers["location"] == "https://example.se/attended"
    organiser_page = text_of(await organiser.get(f"/events/{event['slug']}"))
    assert "Länk attended" in organiser_page


async def test_a_cancelled_sessions_material_stays_reachable(app, organiser):
    event = await finished_event()
    rut, _ = await audience(app, event)
    session = event["sessions"]["Workshop A"]
    response = await upload(
        organiser, event["slug"], "Bilder.pdf", pdf_file(), visibility="registered", session=str(session["uid"])
    )
    assert response.status_code == 303
    row = await Material.select().first()
    await programme.cancel_session(str(session["uid"]), SYSTEM)
    async with another_client(app, port=50030) as anonymous:
        assert (await anonymous.get(f"/registration/{rut['manage_token']}/material/{row['uid']}")).status_code == 200
        assert (await anonymous.get(f"/material/{row['uid']}")).status_code == 404
        await sign_in_member(anonymous, "rut@example.se")
        assert (await anonymous.get(f"/material/{row['uid']}")).status_code == 200


# --- Refusals: a clear message and nothing on disk -------------------------------------------------


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("program.pdf", ELF, "The file is a program, not a document: it was refused."),
        ("program.pdf", MZ, "The file is a program, not a document: it was refused."),
        ("setup.exe", MZ, "Files of this type are not accepted. Accepted: %(types)s."),
        ("page.html", HTML, "Files of this type are not accepted. Accepted: %(types)s."),
        ("drawing.svg", SVG, "Files of this type are not accepted. Accepted: %(types)s."),
        (
            "../../secret.pdf",
            None,
            (
                "The file name “%(name)s” is not allowed: rename the file with letters, digits, "
                "spaces, dashes and one dot before the extension, and upload it again."
            ),
        ),
    ],
)
async def test_refused_uploads_say_why_and_leave_nothing(organiser, name, content, message):
    event = await finished_event()
    before = files_on_disk()
    response = await upload(organiser, event["slug"], name, content or pdf_file())
    assert response.status_code == 400
    expected = tr("sv", message, types=materials.ACCEPTED_TEXT, name=name)
    if "%(name)s" in message:  # browsers may strip the path; the message names what arrived
        expected = expected.split("“")[0]
    assert expected in text_of(response)
    assert files_on_disk() == before and await Material.count() == 0


async def test_a_file_over_the_limit_gets_a_413_page_and_nothing_stays(organiser, monkeypatch):
    small_limit(monkeypatch, 1)
    event = await finished_event()
    before = files_on_disk()
    for size in (1024 * 1024 + 200_000, 3 * 1024 * 1024):  # streamed past the limit; announced too large
        response = await upload(organiser, event["slug"], "stor.pdf", b"%PDF-1.4\n" + b"0" * size)
        assert response.status_code == 413
        assert tr("sv", "The file is too large: at most %(mb)s MB.", mb=1) in text_of(response)
        assert files_on_disk() == before and await Material.count() == 0
    ok = await upload(organiser, event["slug"], "liten.pdf", b"%PDF-1.4\n" + b"0" * 500_000)
    assert ok.status_code == 303


async def test_uploads_and_links_need_the_csrf_token(organiser):
    event = await finished_event()
    before = files_on_disk()
    response = await upload(organiser, event["slug"], "a.pdf", pdf_file(), csrf=False)
    assert response.status_code == 403
    await organiser.get(page(event["slug"]))
    forged = await organiser.post(
        f"{page(event['slug'])}/upload",
        data={"_csrf_token": "x" * 80, "title": "A"},
        files={"file": ("a.pdf", pdf_file(), "application/pdf")},
    )
    assert forged.status_code == 403
    link = await organiser.post(f"{page(event['slug'])}/link", data={"title": "A", "url": "https://a.se"})
    assert link.status_code == 403
    assert files_on_disk() == before and await Material.count() == 0


async def test_organiser_routes_are_guarded(app, client, staff_accounts):
    event = await finished_event()
    row = await materials.add_link(event["slug"], MaterialInput(title="L", url="https://a.se"), SYSTEM)
    response = await client.get(page(event["slug"]))
    assert response.status_code in (302, 303) and response.headers["location"].startswith("/login")
    async with another_client(app, port=50040) as checkin:
        await sign_in(checkin, "checkin@test.se")
        assert (await checkin.get(page(event["slug"]))).status_code == 403
        await checkin.get("/staff")
        denied = await checkin.post(
            f"{page(event['slug'])}/{row['uid']}/delete", data={"confirm": "yes", "_csrf_token": checkin.last_csrf}
        )
        assert denied.status_code == 403
        denied = await checkin.post(
            f"{page(event['slug'])}/upload",
            data={"_csrf_token": checkin.last_csrf},
            files={"file": ("a.pdf", pdf_file(), "application/pdf")},
        )
        assert denied.status_code == 403
    assert await Material.count() == 1


async def test_links_and_deleting_from_the_page(organiser):
    event = await finished_event()
    response = await organiser.submit(
        f"{page(event['slug'])}/link",
        {"title": "Rapporten", "url": "javascript:alert(1)", "visibility": "public", "session": ""},
        form_page=page(event["slug"]),
    )
    assert response.status_code == 400
    assert tr("sv", "Give a full web address starting with https:// or http://.") in text_of(response)
    response = await organiser.submit(
        f"{page(event['slug'])}/link",
        {"title": "Rapporten", "url": "https://example.se/rapport", "visibility": "attended", "session": ""},
        form_page=page(event["slug"]),
    )
    assert response.status_code == 303
    assert await upload(organiser, event["slug"], "Bild.png", sample_files()["png"][1])
    listing = text_of(await organiser.get(page(event["slug"])))
    assert "Rapporten" in listing and "Bild.png" in listing
    assert tr("sv", "Those who attended") in listing
    rows = await Material.select().order_by(Material.id)
    stored = materials.stored_path(rows[1]["storage_key"])
    unconfirmed = await organiser.submit(
        f"{page(event['slug'])}/{rows[1]['uid']}/delete", {}, form_page=page(event["slug"])
    )
    assert unconfirmed.status_code == 303 and await Material.count() == 2
    deleted = await organiser.submit(
        f"{page(event['slug'])}/{rows[1]['uid']}/delete", {"confirm": "yes"}, form_page=page(event["slug"])
    )
    assert deleted.status_code == 303 and await Material.count() == 1 and not stored.exists()


async def test_the_forms_of_a_page_shown_again_after_a_refused_upload_still_work(organiser):
    event = await finished_event()
    refused = await upload(organiser, event["slug"], "page.html", HTML)
    assert refused.status_code == 400
    token = re.search(r'name="_csrf_token" value="([^"]+)"', refused.text)
    assert token and token.group(1), "the page shown again has no CSRF token in its forms"
    again = await organiser.post(
        f"{page(event['slug'])}/link",
        data={
            "_csrf_token": token.group(1),
            "title": "Rapporten",
            "url": "https://www.example.se/rapport",
            "visibility": "public",
        },
    )
    assert again.status_code == 303
    assert await Material.count() == 1
