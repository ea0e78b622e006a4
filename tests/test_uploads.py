"""Reading an upload form ourselves (web/uploads.py), through the material upload route: the fields
arrive, the CSRF token is checked before any of the file is written, limits stop the reading, and a
refusal of any kind leaves nothing on disk.

The refusals of the file's content (types, names) are tested with the material in test_material_web.
"""

from __future__ import annotations

import pytest

from events_app.domain.tables import Material
from tests.account_helpers import text_of
from tests.certificate_helpers import finished_event
from tests.test_material_web import page, upload
from tests.test_materials import files_on_disk, pdf_file, small_limit

BOUNDARY = "----formgransABC123"


def multipart(*parts: tuple[str, str | None, bytes], boundary: str = BOUNDARY) -> bytes:
    """A multipart/form-data body with the parts in the order given: (name, filename, content)."""
    body = b""
    for name, filename, content in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename is not None else "")
        body += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n".encode()
        if filename is not None:
            body += b"Content-Type: application/pdf\r\n"
        body += b"\r\n" + content + b"\r\n"
    return body + f"--{boundary}--\r\n".encode()


async def post_raw(client, slug: str, body: bytes, content_type: str = f"multipart/form-data; boundary={BOUNDARY}"):
    return await client.post(f"{page(slug)}/upload", content=body, headers={"Content-Type": content_type})


async def assert_refused_leaving_nothing(response, status: int, files_before: list) -> None:
    assert response.status_code == status
    assert files_on_disk() == files_before, "a refused upload left a file behind"
    assert await Material.count() == 0


@pytest.fixture
async def event(organiser):
    event = await finished_event()
    await organiser.get(page(event["slug"]))  # the page sets the CSRF cookie and token
    return event


async def test_the_file_and_the_fields_arrive(organiser, event):
    before = files_on_disk()
    response = await upload(
        organiser, event["slug"], "program.pdf", pdf_file(), title="Programmet", visibility="attended"
    )
    assert response.status_code == 303, text_of(response)[:3000]
    row = await Material.select().first()
    assert (row["title"], row["visibility"], row["filename"]) == ("Programmet", "attended", "program.pdf")
    assert len(files_on_disk()) == len(before) + 1  # the stored file; no temporary file is left beside it


async def test_a_token_sent_after_the_file_is_refused_before_the_file_is_kept(organiser, event):
    before = files_on_disk()
    body = multipart(
        ("title", None, b"Sent"),
        ("file", "a.pdf", pdf_file()),
        ("_csrf_token", None, organiser.last_csrf.encode()),
    )
    response = await post_raw(organiser, event["slug"], body)
    await assert_refused_leaving_nothing(response, 403, before)


@pytest.mark.parametrize("token", ["", "x" * 80, "wrong"], ids=["missing", "forged", "short"])
async def test_a_missing_or_wrong_token_is_refused_and_nothing_is_written(organiser, event, token):
    before = files_on_disk()
    parts = [("_csrf_token", None, token.encode())] if token else []
    body = multipart(*parts, ("title", None, b"A"), ("file", "a.pdf", pdf_file()))
    response = await post_raw(organiser, event["slug"], body)
    await assert_refused_leaving_nothing(response, 403, before)


async def test_a_body_announced_over_the_limit_is_refused_without_reading_it(organiser, event, monkeypatch):
    before = files_on_disk()
    small_limit(monkeypatch, 1)
    huge = 5 * 1024 * 1024
    body = multipart(("_csrf_token", None, organiser.last_csrf.encode()), ("file", "a.pdf", b"0" * huge))
    response = await post_raw(organiser, event["slug"], body)
    await assert_refused_leaving_nothing(response, 413, before)


async def test_a_file_that_grows_past_the_limit_is_cut_off_and_removed(organiser, event, monkeypatch):
    before = files_on_disk()
    small_limit(monkeypatch, 1)

    async def chunks():  # no Content-Length: the limit is found while streaming
        yield multipart(("_csrf_token", None, organiser.last_csrf.encode()))[: -len(f"--{BOUNDARY}--\r\n")]
        yield f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n\r\n'.encode()
        for _ in range(3):
            yield b"%" * (512 * 1024)
        yield f"\r\n--{BOUNDARY}--\r\n".encode()

    response = await organiser.post(
        f"{page(event['slug'])}/upload",
        content=chunks(),
        headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
    )
    await assert_refused_leaving_nothing(response, 413, before)


@pytest.mark.parametrize(
    "body",
    [
        b"--" + BOUNDARY.encode() + b"\r\nno headers at all\r\n",  # a part without Content-Disposition
        b"this is not multipart",
    ],
    ids=["broken part", "no parts"],
)
async def test_a_malformed_body_is_a_400_and_leaves_nothing(organiser, event, body):
    before = files_on_disk()
    response = await post_raw(organiser, event["slug"], body)
    await assert_refused_leaving_nothing(response, 400, before)


async def test_a_body_ending_inside_the_file_is_a_400_and_leaves_nothing(organiser, event):
    before = files_on_disk()
    body = multipart(("_csrf_token", None, organiser.last_csrf.encode()), ("file", "a.pdf", pdf_file()))
    cut = body[: len(body) // 2]
    response = await post_raw(organiser, event["slug"], cut)
    await assert_refused_leaving_nothing(response, 400, before)


async def test_a_form_sent_without_a_file_says_choose_a_file(organiser, event):
    response = await organiser.post(
        f"{page(event['slug'])}/upload", data={"_csrf_token": organiser.last_csrf, "title": "Utan fil"}
    )
    assert response.status_code == 400
    assert "Utan fil" in response.text  # the form is shown again with what was typed
    assert await Material.count() == 0
    unsigned = await organiser.post(f"{page(event['slug'])}/upload", data={"title": "Utan fil"})
    assert unsigned.status_code == 403
