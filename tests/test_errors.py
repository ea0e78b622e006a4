"""Errors reach people as friendly pages in their language (JSON for JSON clients), never a traceback."""

from __future__ import annotations

import logging

import pytest
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine

import events_app.domain.themes
from events_app.domain.tables import Organisation
from tests.account_helpers import text_of, tr
from tests.conftest import IS_POSTGRES, sign_in

NOT_FOUND = "The page you are looking for does not exist or has moved."
SERVER_ERROR = "Something went wrong on our side. Please try again in a while."
SECRET_DETAIL = "connection string postgres://secret@db-internal"


class BrokenTheme:
    """Stands in for the Theme table on the front page: its query fails like a broken database would."""

    @staticmethod
    def select(*args, **kwargs):
        raise RuntimeError(SECRET_DETAIL)


@pytest.fixture
def broken_front_page(monkeypatch):
    monkeypatch.setattr(events_app.domain.themes, "Theme", BrokenTheme)


# --- 404 ---------------------------------------------------------------------------------------


async def test_an_unknown_page_is_a_friendly_404_in_swedish(client):
    response = await client.get("/no/such/page")

    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert '<html lang="sv">' in response.text
    page = text_of(response)
    # Swedish, not the English message ids:
    assert tr("sv", "Page not found") != "Page not found"
    assert tr("sv", "Page not found") in page
    assert tr("sv", NOT_FOUND) in page
    assert NOT_FOUND not in page
    assert 'href="/"' in response.text  # a way on


async def test_an_unknown_page_is_in_english_for_an_english_visitor(client):
    client.cookies.set("lang", "en")
    response = await client.get("/no/such/page")

    assert response.status_code == 404
    assert '<html lang="en">' in response.text
    assert "Page not found" in response.text
    assert NOT_FOUND in text_of(response)


async def test_the_404_page_after_switching_language_through_the_site(client):
    await client.submit("/language", {"language": "en", "next": "/"}, form_page="/")
    response = await client.get("/no/such/page")
    assert response.status_code == 404
    assert '<html lang="en">' in response.text


async def test_an_unknown_object_is_the_same_friendly_404(client, staff_accounts):
    await sign_in(client, "organiser@test.se")
    response = await client.get("/organiser/members/00000000-0000-4000-8000-000000000000")
    assert response.status_code == 404
    assert tr("sv", "Page not found") in text_of(response)


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("GET", "/organiser/members/not-a-uuid"),
        ("POST", "/organiser/members/not-a-uuid"),
        ("POST", "/organiser/members/not-a-uuid/active"),
        ("GET", "/admin/staff/not-a-uuid"),
        ("POST", "/admin/staff/not-a-uuid"),
        ("GET", "/admin/outbox/not-a-uuid"),
        ("GET", "/admin/outbox/not-a-uuid/html"),
        ("POST", "/admin/outbox/not-a-uuid/retry"),
    ],
)
async def test_a_malformed_id_in_the_url_is_404_not_a_server_error(client, staff_accounts, method, url):
    """PostgreSQL refuses to compare a UUID column with 'not-a-uuid'; that must not become a 500."""
    await sign_in(client, "admin@test.se")
    if method == "GET":
        response = await client.get(url)
    else:
        response = await client.submit(url, {"name": "X", "role": "admin", "active": "1"}, form_page="/")
    assert response.status_code == 404
    assert tr("sv", "Page not found") in text_of(response)


async def test_a_wrong_method_is_a_friendly_page(client):
    response = await client.get("/logout")
    assert response.status_code == 405
    assert tr("sv", "That action is not possible here.") in text_of(response)


# --- 500 ---------------------------------------------------------------------------------------


async def test_a_server_error_shows_a_reference_and_no_traceback(client, broken_front_page, caplog):
    with caplog.at_level(logging.ERROR, logger="events_app.errors"):
        response = await client.get("/")

    assert response.status_code == 500
    request_id = response.headers["X-Request-ID"]
    assert len(request_id) >= 8
    page = text_of(response)
    assert '<html lang="sv">' in response.text
    assert tr("sv", SERVER_ERROR) in page
    assert f"<code>{request_id}</code>" in response.text
    for leak in ("Traceback", "RuntimeError", SECRET_DETAIL, "events_app", ".py"):
        assert leak not in page, leak
    # The log has what the page does not, under the same reference.
    logged = [record for record in caplog.records if record.name == "events_app.errors"]
    assert len(logged) == 1
    assert request_id in logged[0].getMessage()
    assert logged[0].exc_info and isinstance(logged[0].exc_info[1], RuntimeError)


async def test_every_response_has_its_own_request_id(client):
    first = await client.get("/")
    second = await client.get("/")
    assert first.headers["X-Request-ID"] != second.headers["X-Request-ID"]


# --- /healthz ----------------------------------------------------------------------------------


async def test_healthz_says_the_database_answers(client):
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] is True


@pytest.fixture
def unreachable_database(monkeypatch, free_port, tmp_path):
    """Point the table that /healthz queries at a database that cannot be reached."""
    if IS_POSTGRES:  # nothing listens on a port that was just freed
        broken = PostgresEngine(config={"dsn": f"postgresql://postgres@127.0.0.1:{free_port}/gone", "timeout": 2})
    else:  # a file in a directory that does not exist cannot be opened
        broken = SQLiteEngine(path=str(tmp_path / "no-such-directory" / "gone.sqlite"))
    monkeypatch.setattr(Organisation._meta, "db", broken)


async def test_healthz_is_503_when_the_database_is_unreachable(client, unreachable_database):
    response = await client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["database"] is False
    assert "Traceback" not in response.text


# --- JSON clients ------------------------------------------------------------------------------

JSON = {"Accept": "application/json"}


async def test_json_clients_get_a_json_404(client):
    response = await client.get("/no/such/page", headers=JSON)

    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["code"] == "not_found"
    assert body["message"] == tr("sv", NOT_FOUND)


async def test_json_clients_get_a_json_500_with_the_reference(client, broken_front_page):
    response = await client.get("/", headers=JSON)

    assert response.status_code == 500
    body = response.json()
    assert body["code"] == "server_error"
    assert body["message"] == tr("sv", SERVER_ERROR)
    assert body["request_id"] == response.headers["X-Request-ID"]
    assert SECRET_DETAIL not in response.text and "Traceback" not in response.text


async def test_json_clients_are_told_to_sign_in_rather_than_redirected(client):
    response = await client.get("/organiser/members", headers=JSON)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response.json()["message"] == tr("sv", "Sign in to continue.")


async def test_json_clients_get_a_json_403(client, staff_accounts):
    await sign_in(client, "checkin@test.se")
    response = await client.get("/admin/staff", headers=JSON)
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert response.json()["message"] == tr("sv", "You do not have access to this page.")


async def test_json_messages_follow_the_language_cookie(client):
    client.cookies.set("lang", "en")
    response = await client.get("/no/such/page", headers=JSON)
    assert response.json()["message"] == NOT_FOUND
