"""Organisers manage the council's members (form and CSV import); admins manage staff accounts."""

from __future__ import annotations

import base64
import html
import re

import pytest

from events_app.domain.tables import AuditEntry, Person, StaffAccount
from tests.account_helpers import (
    add_member,
    another_client,
    audit_actions,
    database_snapshot,
    link_in_latest_mail,
    location,
    ntr,
    outbox,
    sign_in_member,
    text_of,
    tr,
)
from tests.conftest import DEMO_PASSWORD, sign_in

GOOD_MEMBER = {
    "name": "Örjan Åström",
    "email": "orjan.astrom@ornskoldsvik.se",
    "organisation": "ornskoldsvik",
    "side": "opposition",
    "title": "Kommunalråd",
    "term_start": "2023-01-01",
    "term_end": "2026-12-31",
}


@pytest.fixture
async def admin(client, staff_accounts):
    await sign_in(client, "admin@test.se")
    return client


def field_error(response, field: str) -> str | None:
    match = re.search(rf'<p class="field-error" id="error-{field}">(.*?)</p>', response.text)
    return html.unescape(match.group(1)) if match else None


def assert_field_marked(response, field: str, message: str) -> None:
    """The message sits next to the field, and the field points at it for screen readers."""
    assert field_error(response, field) == tr("sv", message), response.text
    control = re.search(rf'<(?:input|select)[^>]*id="field-{field}"[^>]*>', response.text)
    assert control, f"no control for {field}"
    assert 'aria-invalid="true"' in control.group(0)
    described_by = re.search(r'aria-describedby="([^"]*)"', control.group(0))
    assert described_by and f"error-{field}" in described_by.group(1).split()
    assert f'<a href="#field-{field}">' in response.text  # the summary at the top links to it


async def members() -> list[dict]:
    return await Person.select().order_by(Person.id)


# --- Adding and editing members ----------------------------------------------------------------


async def test_organiser_adds_a_member(organiser):
    response = await organiser.submit("/organiser/members/new", GOOD_MEMBER)

    assert location(response) == "/organiser/members"
    [member] = await members()
    assert member["name"] == "Örjan Åström"
    assert member["email"] == "orjan.astrom@ornskoldsvik.se"
    assert member["is_member"] and member["active"]
    assert member["side"] == "opposition"
    assert str(member["term_end"]) == "2026-12-31"
    entry = await AuditEntry.select().where(AuditEntry.action == "member.created").first()
    assert entry["object_id"] == str(member["uid"])
    assert "Olle Organisatör" in entry["actor"]
    listing = await organiser.get("/organiser/members")
    assert "Örjan Åström" in text_of(listing)
    assert tr("sv", "The member %(name)s was added.", name="Örjan Åström") in text_of(listing)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": "   "}, "name", "This field is required."),
        ({"email": "orjan.astrom@"}, "email", "Enter a valid email address, like name@example.se."),
        ({"email": ""}, "email", "Enter an email address."),
        ({"organisation": ""}, "organisation", "Choose the member's municipality or organisation."),
        ({"organisation": "stockholm"}, "organisation", "Choose the member's municipality or organisation."),
        ({"side": ""}, "side", "Choose majority or opposition."),
        ({"term_start": "2026-01-01", "term_end": "2025-12-31"}, "term_end", "The term cannot end before it starts."),
        ({"term_start": "1 januari 2026"}, "term_start", "Enter a date as YYYY-MM-DD."),
    ],
    ids=[
        "empty name",
        "bad email",
        "no email",
        "no organisation",
        "unknown organisation",
        "no side",
        "term ends before it starts",
        "bad date",
    ],
)
async def test_bad_member_input_is_shown_next_to_the_field_and_saves_nothing(organiser, changes, field, message):
    before = await database_snapshot()

    response = await organiser.submit("/organiser/members/new", {**GOOD_MEMBER, **changes})

    assert response.status_code == 400
    assert_field_marked(response, field, message)
    assert await database_snapshot() == before
    if field != "name":  # what was typed is kept
        assert 'value="Örjan Åström"' in response.text


async def test_all_field_errors_are_shown_at_once(organiser):
    response = await organiser.submit(
        "/organiser/members/new", {"name": "", "email": "x", "organisation": "", "side": ""}
    )
    assert response.status_code == 400
    for field in ("name", "email", "organisation", "side"):
        assert field_error(response, field), field
    assert await members() == []


async def test_a_duplicate_member_email_is_refused(organiser):
    await add_member(email="orjan.astrom@ornskoldsvik.se")

    response = await organiser.submit(
        "/organiser/members/new", {**GOOD_MEMBER, "email": "Orjan.Astrom@Ornskoldsvik.se"}
    )

    assert response.status_code == 400
    assert_field_marked(response, "email", "There is already a member with that email address.")
    assert len(await members()) == 1


async def test_organiser_edits_a_member(organiser):
    uid = await add_member(name="Örjan Åström", email="orjan.astrom@ornskoldsvik.se", organisation="ornskoldsvik")
    form = await organiser.get(f"/organiser/members/{uid}")
    assert form.status_code == 200
    assert 'value="orjan.astrom@ornskoldsvik.se"' in form.text
    assert re.search(r'<option value="ornskoldsvik" selected>', form.text)

    response = await organiser.submit(
        f"/organiser/members/{uid}",
        {**GOOD_MEMBER, "name": "Örjan Åström-Berg", "organisation": "region", "side": "majority"},
    )

    assert location(response) == "/organiser/members"
    [member] = await members()
    assert member["name"] == "Örjan Åström-Berg"
    assert member["side"] == "majority"
    assert "member.updated" in await audit_actions()


async def test_an_edit_cannot_take_someone_elses_email(organiser):
    await add_member(name="Anna Lindqvist", email="anna.lindqvist@harnosand.se")
    uid = await add_member(name="Örjan Åström", email="orjan.astrom@ornskoldsvik.se")
    before = await database_snapshot()

    response = await organiser.submit(
        f"/organiser/members/{uid}", {**GOOD_MEMBER, "email": "anna.lindqvist@harnosand.se"}
    )

    assert response.status_code == 400
    assert_field_marked(response, "email", "Someone else already has that email address.")
    assert await database_snapshot() == before


async def test_an_unknown_member_is_404(organiser):
    assert (await organiser.get("/organiser/members/00000000-0000-4000-8000-000000000000")).status_code == 404


async def test_a_deactivated_member_is_signed_out_and_cannot_sign_in_again(app, organiser):
    uid = await add_member(name="Åsa Öberg", email="asa.oberg@sundsvall.se")
    async with another_client(app, port=50005) as member:
        await sign_in_member(member, "asa.oberg@sundsvall.se")
        assert (await member.get("/my")).status_code == 200
        await member.submit("/login/link", {"email": "asa.oberg@sundsvall.se"})
        unused_link = await link_in_latest_mail("asa.oberg@sundsvall.se")
        mails_before = len(await outbox())

        response = await organiser.submit(
            f"/organiser/members/{uid}/active", {"active": "0"}, form_page=f"/organiser/members/{uid}"
        )

        assert location(response) == "/organiser/members"
        assert "member.deactivated" in await audit_actions()
        assert location(await member.get("/my")) == "/login/link?next=/my"
        # A link mailed before the deactivation no longer works ...
        assert (await member.submit(unused_link)).status_code == 410
        # ... and no new one is sent.
        assert (await member.submit("/login/link", {"email": "asa.oberg@sundsvall.se"})).status_code == 200
        assert len(await outbox()) == mails_before
        assert (await member.get("/my")).status_code in (302, 303)

    listing = text_of(await organiser.get("/organiser/members"))
    roster = listing[listing.index('id="roster"') : listing.index('id="history-heading"')]
    assert "Åsa Öberg" not in roster
    assert "Åsa Öberg" in text_of(await organiser.get("/organiser/members?inactive=true"))


async def test_a_reactivated_member_can_sign_in_again(client, organiser):
    uid = await add_member(email="asa.oberg@sundsvall.se")
    await organiser.submit(f"/organiser/members/{uid}/active", {"active": "0"}, form_page=f"/organiser/members/{uid}")
    await organiser.submit(f"/organiser/members/{uid}/active", {"active": "1"}, form_page=f"/organiser/members/{uid}")
    assert "member.activated" in await audit_actions()
    await organiser.submit("/logout", {}, form_page="/")
    assert location(await sign_in_member(client, "asa.oberg@sundsvall.se")) == "/my"


# --- CSV import --------------------------------------------------------------------------------


async def upload(client, content: bytes | None, *, filename: str = "members.csv", **fields: str):
    """POST the import form as a browser does: multipart, with the form's CSRF token."""
    await client.get("/organiser/members-import")
    parts = [(name, (None, value.encode())) for name, value in {**fields, "_csrf_token": client.last_csrf}.items()]
    if content is not None:
        parts.append(("file", (filename, content, "text/csv")))
    return await client.post("/organiser/members-import", files=parts)


def hidden_content(response) -> str:
    match = re.search(r'<textarea name="content"[^>]*>(.*?)</textarea>', response.text, re.S)
    assert match, "no content to post back"
    return html.unescape(match.group(1))


async def confirm(client, preview) -> object:
    # A browser sends a textarea's line breaks as CRLF.
    content = hidden_content(preview).replace("\r\n", "\n").replace("\n", "\r\n")
    parts = [
        ("confirm", (None, b"1")),
        ("content", (None, content.encode())),
        ("_csrf_token", (None, client.last_csrf.encode())),
    ]
    return await client.post("/organiser/members-import", files=parts)


def error_rows(response) -> dict[int, str]:
    table = response.text.split("<tbody>", 1)[1]
    return {
        int(line): html.unescape(problem)
        for line, problem in re.findall(
            r"<tr><td>(\d+)</td>.*?<td><ul class=\"plain\">(.*?)</ul></td></tr>", table, re.S
        )
    }


GOOD_CSV = (
    "name,email,organisation,side,title,term_start,term_end\n"
    "Anna Lindqvist,anna.lindqvist@harnosand.se,harnosand,majority,Kommunalråd,2023-01-01,2026-12-31\n"
    "Per Holm,per.holm@harnosand.se,harnosand,opposition,,,\n"
    "Lena Westin,lena.westin@rvn.se,Region,majority,Regionråd,,\n"
)


async def test_import_previews_then_imports_every_row(organiser):
    preview = await upload(organiser, GOOD_CSV.encode())

    assert preview.status_code == 200
    assert ntr(
        "sv", "The file has %(num)s row and no errors.", "The file has %(num)s rows and no errors.", 3
    ) in text_of(preview)
    for name in ("Anna Lindqvist", "Per Holm", "Lena Westin"):
        assert name in preview.text
    assert await members() == []  # the preview writes nothing

    response = await confirm(organiser, preview)

    assert location(response) == "/organiser/members"
    imported = {row["email"]: row for row in await members()}
    assert set(imported) == {"anna.lindqvist@harnosand.se", "per.holm@harnosand.se", "lena.westin@rvn.se"}
    assert imported["anna.lindqvist@harnosand.se"]["title"] == "Kommunalråd"
    assert str(imported["anna.lindqvist@harnosand.se"]["term_start"]) == "2023-01-01"
    assert all(row["is_member"] and row["active"] for row in imported.values())
    actions = await audit_actions()
    assert actions.count("member.created") == 3
    assert "member.imported" in actions
    listing = await organiser.get("/organiser/members")
    assert ntr("sv", "%(num)s member was imported.", "%(num)s members were imported.", 3) in text_of(listing)


async def test_import_with_bad_rows_names_them_and_imports_nothing(organiser):
    content = (
        "name,email,organisation,side\n"
        "Anna Lindqvist,anna.lindqvist@harnosand.se,harnosand,majority\n"  # 2: fine
        "Per Holm,per.holm@,harnosand,opposition\n"  # 3: bad email
        ",nils@kramfors.se,kramfors,majority\n"  # 4: no name
        "Anna L,Anna.Lindqvist@harnosand.se,harnosand,majority\n"  # 5: same email as row 2
        "Eva Nordin,eva.nordin@ornskoldsvik.se,Umeå,majority\n"  # 6: unknown organisation
        "Lars Eriksson,lars@solleftea.se,solleftea,middle\n"  # 7: no such side
    )
    before = await database_snapshot()

    preview = await upload(organiser, content.encode())

    assert preview.status_code == 400
    assert tr("sv", "The file has errors; nothing was imported.") in text_of(preview)
    rows = error_rows(preview)
    assert set(rows) == {3, 4, 5, 6, 7}
    assert tr("sv", "Enter a valid email address, like name@example.se.") in rows[3]
    assert tr("sv", "This field is required.") in rows[4]
    assert tr("sv", "The same email address is on an earlier row.") in rows[5]
    assert tr("sv", "Choose the member's municipality or organisation.") in rows[6]
    assert tr("sv", "Choose majority or opposition.") in rows[7]
    assert "<textarea" not in preview.text  # nothing to confirm
    assert await database_snapshot() == before


async def test_a_bad_file_posted_back_as_confirmed_imports_nothing(organiser):
    """The second step checks the content again: a crafted confirm cannot skip the checks."""
    await organiser.get("/organiser/members-import")
    bad = (
        "name,email,organisation,side\n"
        "Anna Lindqvist,anna.lindqvist@harnosand.se,harnosand,majority\n"
        "X,bad,nowhere,none\n"
    )
    parts = [
        ("confirm", (None, b"1")),
        ("content", (None, base64.b64encode(bad.encode()))),
        ("_csrf_token", (None, organiser.last_csrf.encode())),
    ]

    response = await organiser.post("/organiser/members-import", files=parts)

    assert response.status_code == 400
    assert tr("sv", "The file has errors; nothing was imported.") in text_of(response)
    assert await members() == []


async def test_import_says_which_columns_are_missing(organiser):
    preview = await upload(organiser, b"name,email,kommun\nAnna Lindqvist,anna@harnosand.se,harnosand\n")

    assert preview.status_code == 400
    page = text_of(preview)
    assert tr("sv", "These columns are missing:") in page
    missing = page.split(tr("sv", "These columns are missing:"), 1)[1].split("</p>", 1)[0]
    assert [name.strip() for name in missing.split(",")] == ["organisation", "side"]
    assert await members() == []


async def test_import_of_a_swedish_excel_file(organiser):
    """Excel in Swedish saves CSV with semicolons, in Windows-1252, with CRLF line ends."""
    content = (
        "Name;Email;Organisation;Side;Title;Term_start;Term_end\r\n"
        "Örjan Åström;orjan.astrom@ornskoldsvik.se;ornskoldsvik;opposition;"
        "Kommunstyrelsens ordförande;2023-01-01;2026-12-31\r\n"
        "Märta Älvdal;marta.alvdal@ange.se;Ange;majority;Ledamot, miljönämnden;;\r\n"
    ).encode("cp1252")

    preview = await upload(organiser, content, filename="ledamöter.csv")

    assert preview.status_code == 200, preview.text
    assert "Örjan Åström" in preview.text and "Märta Älvdal" in preview.text
    response = await confirm(organiser, preview)
    assert location(response) == "/organiser/members"
    imported = {row["email"]: row for row in await members()}
    assert imported["orjan.astrom@ornskoldsvik.se"]["name"] == "Örjan Åström"
    assert imported["orjan.astrom@ornskoldsvik.se"]["title"] == "Kommunstyrelsens ordförande"
    assert imported["marta.alvdal@ange.se"]["name"] == "Märta Älvdal"
    assert imported["marta.alvdal@ange.se"]["title"] == "Ledamot, miljönämnden"


async def test_import_of_a_utf8_file_with_a_byte_order_mark(organiser):
    content = "\ufeffname,email,organisation,side\nŁukasz Żółw,lukasz@sundsvall.se,sundsvall,opposition\n".encode()
    preview = await upload(organiser, content)
    assert preview.status_code == 200, preview.text
    assert location(await confirm(organiser, preview)) == "/organiser/members"
    [member] = await members()
    assert member["name"] == "Łukasz Żółw"


async def test_import_updates_a_member_who_is_already_registered(organiser):
    await add_member(name="Anna Lindqvist", email="anna.lindqvist@harnosand.se", title="")
    preview = await upload(organiser, GOOD_CSV.encode())
    assert location(await confirm(organiser, preview)) == "/organiser/members"
    rows = await members()
    assert len(rows) == 3
    assert next(r for r in rows if r["email"] == "anna.lindqvist@harnosand.se")["title"] == "Kommunalråd"


async def test_import_without_a_file_asks_for_one(organiser):
    response = await upload(organiser, b"", filename="")
    assert response.status_code == 400
    assert field_error(response, "file") == tr("sv", "Choose a CSV or XLSX file.")


# --- Admins manage staff -----------------------------------------------------------------------


async def test_admin_creates_a_staff_account(admin, app):
    response = await admin.submit(
        "/admin/staff/new",
        {"email": "Ny.Person@test.se", "name": "Nils Nyberg", "role": "checkin", "password": "Lappland-i-snon-2040"},
    )
    assert location(response) == "/admin/staff"
    account = await StaffAccount.select().where(StaffAccount.email == "ny.person@test.se").first()
    assert account["role"] == "checkin"
    assert "staff.created" in await audit_actions()
    async with another_client(app, port=50006) as newcomer:
        assert location(await sign_in(newcomer, "ny.person@test.se", "Lappland-i-snon-2040")) == "/staff"


@pytest.mark.parametrize(
    ("password", "message", "params"),
    [
        ("short", "The password must be at least %(min)s characters long.", {"min": 12}),
        ("password1234", "That password is too common or too simple. Choose another.", {}),
        ("nilsnyberg-2040-x", "The password must not contain your name or email address.", {}),
    ],
)
async def test_a_weak_password_for_a_new_account_is_refused(admin, password, message, params):
    before = await database_snapshot()

    response = await admin.submit(
        "/admin/staff/new",
        {"email": "nils.nyberg@test.se", "name": "Nils Nyberg", "role": "organiser", "password": password},
    )

    assert response.status_code == 400
    assert field_error(response, "password") == tr("sv", message, **params)
    assert password not in response.text  # the password is not sent back
    assert 'value="nils.nyberg@test.se"' in response.text
    assert await database_snapshot() == before


async def test_a_second_account_with_the_same_email_is_refused(admin):
    response = await admin.submit(
        "/admin/staff/new",
        {"email": "Organiser@test.se", "name": "Olle Igen", "role": "organiser", "password": "Lappland-i-snon-2040"},
    )
    assert response.status_code == 400
    assert field_error(response, "email") == tr("sv", "There is already a staff account with that email address.")
    assert await StaffAccount.count() == 3


async def test_a_role_change_is_audited_and_shown_in_the_audit_log(admin, staff_accounts):
    uid = staff_accounts["checkin"]["uid"]
    response = await admin.submit(
        f"/admin/staff/{uid}", {"name": "Karin Incheckare", "role": "organiser", "active": "1"}
    )
    assert location(response) == "/admin/staff"

    account = await StaffAccount.select().where(StaffAccount.uid == uid).first()
    assert account["role"] == "organiser"
    assert account["active"]
    entry = await AuditEntry.select().where(AuditEntry.action == "staff.role_changed").first()
    assert entry["object_id"] == str(uid)
    assert entry["actor_staff"] == staff_accounts["admin"]["id"]
    assert "checkin@test.se: checkin -> organiser" in entry["summary"]

    log = await admin.get("/admin/audit")
    assert log.status_code == 200
    page = text_of(log)
    assert "staff.role_changed" in page
    assert "checkin@test.se: checkin -> organiser" in page
    assert "staff.signed_in" in page
    assert "Ada Admin" in page
    only = await admin.get("/admin/audit?action=staff.role_changed")
    assert "<code>staff.role_changed</code>" in only.text
    assert "<code>staff.signed_in</code>" not in only.text


@pytest.mark.parametrize(
    "form",
    [
        {"name": "Ada Admin", "role": "organiser", "active": "1"},
        {"name": "Ada Admin", "role": "admin"},  # "active" unticked
    ],
    ids=["own role", "deactivate self"],
)
async def test_an_admin_cannot_demote_or_deactivate_themselves(admin, staff_accounts, form):
    uid = staff_accounts["admin"]["uid"]
    before = await database_snapshot()

    response = await admin.submit(f"/admin/staff/{uid}", form)

    assert response.status_code == 400
    assert tr("sv", "You cannot remove your own admin role or deactivate yourself.") in text_of(response)
    assert await database_snapshot() == before
    assert (await admin.get("/admin/staff")).status_code == 200


async def test_an_unknown_staff_account_is_404(admin):
    assert (await admin.get("/admin/staff/00000000-0000-4000-8000-000000000000")).status_code == 404


async def test_the_audit_log_and_staff_pages_do_not_show_password_hashes(admin, staff_accounts):
    for url in ("/admin/staff", f"/admin/staff/{staff_accounts['checkin']['uid']}", "/admin/audit"):
        page = await admin.get(url)
        assert page.status_code == 200
        assert "$argon2" not in page.text
        assert DEMO_PASSWORD not in page.text


async def test_member_search_folds_swedish_capitals(client, staff_accounts):
    from tests.account_helpers import add_member

    await add_member(name="Åsa Öberg", email="asa.oberg@sundsvall.se")
    await sign_in(client, "organiser@test.se")
    page = await client.get("/organiser/members", params={"q": "åsa öberg"})
    assert "Åsa Öberg" in page.text
