"""The public addresses the platform hands out outside its own pages: in mails, calendar files and
on certificates. Each is BASE_URL plus the path of a named route of the web layer.

The domain does not know the web app, so the paths are written here once, by route name, and
tests/test_links.py checks each against the app's own `route_reverse`: a route that moves without
this module following fails that test instead of sending dead links to people's inboxes.
"""

from __future__ import annotations

from urllib.parse import quote

from events_app.settings import get_settings


def _absolute(path: str) -> str:
    return get_settings().base_url + path


def _segment(value: object) -> str:
    # Tokens and slugs are URL-safe already; quoting keeps a stray character from changing the path.
    return quote(str(value), safe="")


def event_url(slug: str) -> str:
    """The event's public page (route `event`)."""
    return _absolute(f"/events/{_segment(slug)}")


def my_registration_url(manage_token: str) -> str:
    """A registration's private page, reached by its secret token (route `my_registration`)."""
    return _absolute(f"/registration/{_segment(manage_token)}")


def cancel_registration_url(manage_token: str) -> str:
    """The page that cancels a registration with one button (route `cancel_registration_confirm`)."""
    return my_registration_url(manage_token) + "/cancel"


def my_registration_material_url(manage_token: str) -> str:
    """The material section of a registration's private page."""
    return my_registration_url(manage_token) + "#material"


def invitation_url(link_secret: str) -> str:
    """An invitation's answer page (route `invitation`)."""
    return _absolute(f"/invitation/{_segment(link_secret)}")


def evaluation_url(token: str) -> str:
    """An evaluation's answer page, reached by the personal link's secret (route `evaluation_answer`)."""
    return _absolute(f"/evaluation/{_segment(token)}")


def verification_url(code: str) -> str:
    """The short address printed under a certificate's QR code (route `verify_code`)."""
    return _absolute(f"/v/{_segment(code)}")


def my_pages_url() -> str:
    """A member's own pages (route `my_pages`)."""
    return _absolute("/my")


def calendar_feed_url(token: str) -> str:
    """A person's calendar feed, for subscribing from a calendar program (route `calendar_feed`)."""
    return _absolute(f"/calendar/{_segment(token)}/feed.ics")


def sign_in_link_url(token: str) -> str:
    """A member's one-time sign-in link (route `login_link_open`)."""
    return _absolute(f"/login/link/{_segment(token)}")


def password_reset_url(token: str) -> str:
    """A staff account's password reset page (route `password_reset`)."""
    return _absolute(f"/password/reset/{_segment(token)}")


def password_forgot_url() -> str:
    """Where staff ask for a password reset link (route `password_forgot`)."""
    return _absolute("/password/forgot")


def mailing_opt_out_url(token: str) -> str:
    """Where a mailing's recipient declines further mailings about the event (route `mailing_opt_out`)."""
    return _absolute(f"/mailings/decline/{_segment(token)}")


def admin_feedback_url() -> str:
    """The admins' list of feedback on the accessibility statement (route `admin_feedback`)."""
    return _absolute("/admin/feedback")


def accessibility_statement_url() -> str:
    """The accessibility statement (route `accessibility_statement`)."""
    return _absolute("/tillganglighet")
