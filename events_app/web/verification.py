"""The public verification of certificates: the short address under a certificate's QR code
(/v/{code}) and a form for the number and code typed by hand (/verify).

Anyone may look, without signing in, so the page shows only what the certificate itself states
publicly: its state, number, the name, the event and its dates. Every lookup counts against a limit
per client address, so the page cannot be used to try codes in bulk; nothing is cached or indexed.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from litestar import Controller, Request, get
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from events_app import i18n
from events_app.domain import certificates, rate_limits
from events_app.domain.errors import RateLimited
from events_app.web.auth import client_ip

LOOKUPS_PER_IP = 30
LOOKUP_WINDOW = timedelta(minutes=10)
HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


async def _count_lookup(request: Request) -> None:
    """Count one lookup from the client's address; raises RateLimited over the limit."""
    await rate_limits.count_attempt({f"verify:ip:{client_ip(request)}": LOOKUPS_PER_IP}, window=LOOKUP_WINDOW)


def _shown(found: dict[str, Any]) -> dict[str, Any]:
    """What the page shows of a certificate: its state, number, name, event and dates, nothing more."""
    return {
        "status": found["status"],
        "number": found["number"],
        "name": found["name"],
        "event_title": found["event_title"],
        "one_day": found["first_day"] == found["last_day"],
        "dates": i18n.format_day_range(found["first_day"], found["last_day"]),
        "superseded_at": found["superseded_at"],
        "revoked_at": found["revoked_at"],
    }


def _page(
    *,
    status: int = 200,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    result: dict[str, Any] | None = None,
    not_found: bool = False,
    limited: bool = False,
) -> Template:
    headers = dict(HEADERS)
    if limited:
        headers["Retry-After"] = str(int(LOOKUP_WINDOW.total_seconds()))
    return Template(
        "public/verify.html",
        status_code=status,
        headers=headers,
        context={
            "values": values or {},
            "errors": errors or {},
            "result": result,
            "not_found": not_found,
            "limited": limited,
        },
    )


async def _look_up(request: Request, code: str, number: str, values: dict[str, str]) -> Template:
    try:
        await _count_lookup(request)
    except RateLimited:
        return _page(status=429, values=values, limited=True)
    found = await certificates.verify(code, number)
    if found is None:
        return _page(status=404, values=values, not_found=True)
    return _page(result=_shown(found), values=values)


class VerificationController(Controller):
    path = "/"

    @get("/v/{code:str}", name="verify_code")
    async def verify_code(self, request: Request, code: FromPath[str]) -> Template:
        return await _look_up(request, code, "", {"code": code})

    @get("/verify", name="verify")
    async def verify_form(self, request: Request, number: FromQuery[str] = "", code: FromQuery[str] = "") -> Template:
        values = {"number": number.strip(), "code": code.strip()}
        if "number" not in request.query_params and "code" not in request.query_params:
            return _page()  # the empty form
        errors = {}
        if not values["number"]:
            errors["number"] = i18n.gettext("Enter the certificate number.")
        if not values["code"]:
            errors["code"] = i18n.gettext("Enter the verification code.")
        elif not certificates.normalise_code(values["code"]):
            errors["code"] = i18n.gettext(
                "The verification code has 12 letters and digits, for example K7QX-M2PA-9TRD. Check that you "
                "copied all of it."
            )
        if errors:
            return _page(status=400, values=values, errors=errors)
        return await _look_up(request, values["code"], values["number"], values)
