"""The public links in mails, calendar files and certificates (domain/links.py) lead to the routes
they name: each is compared with the web app's own route_reverse, and followed."""

from __future__ import annotations

import pytest

from events_app.domain import links
from events_app.settings import get_settings
from tests.registration_helpers import published_event

# Each link builder, the route it must lead to and the path parameters to build both with.
CASES = [
    (links.event_url, "event", {"slug": "hallbarhetsdagarna-2026"}),
    (links.my_registration_url, "my_registration", {"token": "Abc-123_xyz"}),
    (links.cancel_registration_url, "cancel_registration_confirm", {"token": "Abc-123_xyz"}),
    (links.invitation_url, "invitation", {"token": "Abc-123_xyz"}),
    (links.evaluation_url, "evaluation_answer", {"token": "Abc-123_xyz.mac"}),
    (links.verification_url, "verify_code", {"code": "K7M2P9Q4"}),
    (links.calendar_feed_url, "calendar_feed", {"token": "Abc-123_xyz"}),
    (links.sign_in_link_url, "login_link_open", {"token": "Abc-123_xyz"}),
    (links.password_reset_url, "password_reset", {"token": "Abc-123_xyz"}),
    (links.my_pages_url, "my_pages", {}),
    (links.password_forgot_url, "password_forgot", {}),
    (links.mailing_opt_out_url, "mailing_opt_out", {"token": "r.0b7c.abc"}),
    (links.admin_feedback_url, "admin_feedback", {}),
    (links.accessibility_statement_url, "accessibility_statement", {}),
]


@pytest.mark.parametrize(("build", "route", "params"), CASES, ids=[case[1] for case in CASES])
def test_each_link_is_base_url_and_the_named_routes_path(_application, build, route, params):
    expected = get_settings().base_url + _application.route_reverse(route, **params)
    assert build(*params.values()) == expected


def test_the_material_link_opens_the_registrations_material_section(_application):
    path = _application.route_reverse("my_registration", token="tok")
    assert links.my_registration_material_url("tok") == f"{get_settings().base_url}{path}#material"


def test_a_stray_character_in_a_token_cannot_change_the_path():
    assert links.invitation_url("../admin?x=1") == f"{get_settings().base_url}/invitation/..%2Fadmin%3Fx%3D1"


async def test_the_event_link_opens_the_events_public_page(client):
    event = await published_event(title="Klimatdagen")
    response = await client.get(links.event_url(event["slug"]).removeprefix(get_settings().base_url))
    assert response.status_code == 200
    assert "Klimatdagen" in response.text
