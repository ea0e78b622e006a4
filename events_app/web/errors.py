"""How errors reach people: friendly pages in their language, JSON for the API, never a stack trace.

A server error is logged with the request id that the 500 page shows, so a user's report can be
matched to the log line.
"""

from __future__ import annotations

import logging
import re

from litestar import Request, Response
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
    ValidationException,
)
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from events_app import i18n
from events_app.domain.errors import (
    DomainError,
    NotFound,
    RateLimited,
    ValidationFailed,
)
from events_app.domain.outbox import hide_secrets
from events_app.i18n import N_
from events_app.web.context import language_of

log = logging.getLogger("events_app.errors")


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _wants_json(request: Request) -> bool:
    return _is_api(request) or "application/json" in request.headers.get("accept", "")[:40]


def error_response(
    request: Request,
    status: int,
    code: str,
    message: str,
    *,
    params: dict | None = None,
    fields: dict[str, str | DomainError] | None = None,
) -> Response:
    """`message` and the `fields` messages are English message ids (or DomainErrors), translated here."""
    # An unmatched route (404) never passed the middleware that sets the language.
    i18n.set_language(language_of(request))
    text = i18n.gettext(message, **(params or {}))
    translated_fields = {
        name: value.translated() if isinstance(value, DomainError) else i18n.gettext(value)
        for name, value in (fields or {}).items()
    }
    request_id = request.state.get("request_id", "")
    if _wants_json(request):
        body: dict = {"code": code, "message": text, "request_id": request_id}
        if translated_fields:
            body["errors"] = [{"field": name, "message": value} for name, value in translated_fields.items()]
        return Response(body, status_code=status)
    return Template(
        "public/error.html",
        context={"status": status, "message": text, "fields": translated_fields, "request_id": request_id},
        status_code=status,
    )


def not_authorized(request: Request, exc: NotAuthorizedException) -> Response:
    if _is_api(request):  # the API knows only bearer tokens, never the session cookie
        response = error_response(
            request, 401, "not_authenticated", N_("Send a valid API token in the header Authorization: Bearer <token>.")
        )
        response.headers["WWW-Authenticate"] = "Bearer"
        return response
    if _wants_json(request):
        return error_response(request, 401, "not_authenticated", N_("Sign in to continue."))
    target = exc.extra.get("sign_in") if isinstance(exc.extra, dict) else None
    return Redirect(target or request.app.route_reverse("login"))


def permission_denied(request: Request, exc: PermissionDeniedException) -> Response:
    if "CSRF" in (exc.detail or ""):
        return error_response(
            request, 403, "csrf_failed", N_("The form had expired. Go back, reload the page and try again.")
        )
    if _is_api(request):
        return error_response(request, 403, "forbidden", N_("The token's account does not have the role this needs."))
    return error_response(request, 403, "forbidden", N_("You do not have access to this page."))


def not_found(request: Request, exc: Exception) -> Response:
    return error_response(request, 404, "not_found", N_("The page you are looking for does not exist or has moved."))


def validation_failed(request: Request, exc: ValidationException) -> Response:
    fields: dict = {}
    if _is_api(request):
        fields = _api_field_errors(exc.extra)
    elif isinstance(exc.extra, list):
        for item in exc.extra:
            if isinstance(item, dict) and item.get("key"):
                fields[str(item["key"])] = N_("This value is not valid.")
    return error_response(
        request,
        400,
        "validation_error",
        N_("The request could not be read. Check the fields and try again."),
        fields=fields,
    )


# What the JSON decoder (msgspec) says -> the field message the API gives.
_DECODER_MESSAGES = (
    ("missing required field", N_("This field is required.")),
    ("unknown field", N_("There is no such field.")),
    ("timezone component", N_("Give the time with its offset from UTC, for example 2027-05-11T09:00:00+02:00.")),
)
_FIELD_IN_MESSAGE = re.compile(r"field `([^`]+)`")


def _api_field_errors(extra: object) -> dict[str, str]:
    """Litestar's decoding errors ([{"key", "message", "source"}]) as {field: message id}.

    A missing or unknown body field is reported on the body as a whole ("data", or the nested object
    such as "speakers[0]") with the field's name only in the message, so it is taken from there.
    """
    fields: dict[str, str] = {}
    for item in extra if isinstance(extra, list) else []:
        if not isinstance(item, dict):
            continue
        key, detail = str(item.get("key") or ""), str(item.get("message") or "")
        named = _FIELD_IN_MESSAGE.search(detail)
        if key == "data":
            key = ""
        if named:
            key = f"{key}.{named.group(1)}" if key else named.group(1)
        if key:
            fields[key] = next(
                (text for marker, text in _DECODER_MESSAGES if marker in detail), N_("This value is not valid.")
            )
    return fields


# The API's status for domain codes that are about who or when, not about the data's fields.
API_STATUS_BY_CODE = {
    "already_registered": 409,
    "registration_closed": 409,
    "registration_not_yet": 409,
    "registration_unavailable": 409,
    "invalid_status": 409,
    "coming": 409,  # a council meeting's invitee who has a place: no apologies or substitute for them
    "members_only": 403,
    "another_day": 403,
    "invitation_required": 403,
    "invitation_unknown": 403,
    "invitation_revoked": 410,
    "invitation_expired": 410,
    "invitation_event_cancelled": 410,
    "deadline_passed": 409,
    "import_has_errors": 400,
}


def domain_error(request: Request, exc: DomainError) -> Response:
    status = 404 if isinstance(exc, NotFound) else 429 if isinstance(exc, RateLimited) else 400
    if _is_api(request):
        # The API: 409 for a step the status or the time does not allow, 403 for who may not; 422 for a
        # rule the data breaks (with the fields).
        if exc.code in API_STATUS_BY_CODE:
            return error_response(request, API_STATUS_BY_CODE[exc.code], exc.code, exc.message, params=exc.params)
        if isinstance(exc, ValidationFailed):
            return error_response(request, 422, exc.code, exc.message, params=exc.params, fields=exc.errors)
        if exc.field:
            return error_response(
                request, 422, "validation_error", N_("Please correct the marked fields."), fields={exc.field: exc}
            )
    return error_response(request, status, exc.code, exc.message, params=exc.params)


def http_error(request: Request, exc: HTTPException) -> Response:
    if exc.status_code >= 500:
        return server_error(request, exc)
    if _is_api(request) and exc.status_code == 400:  # e.g. a body that is not JSON at all
        return error_response(
            request, 400, "validation_error", N_("The request could not be read. Check the fields and try again.")
        )
    messages = {405: N_("That action is not possible here."), 413: N_("What you sent is too large.")}
    return error_response(
        request, exc.status_code, "http_error", messages.get(exc.status_code, N_("The request could not be handled."))
    )


def too_deeply_nested(request: Request, exc: RecursionError) -> Response:
    """A body nested deeper than the decoder's recursion allows (e.g. 100,000 `[`): the client's
    fault, so 400, never a 500. Logged, in case one ever comes from our own code instead."""
    log.warning("request %s: %s (answered 400)", request.state.get("request_id", "-"), exc)
    return error_response(
        request, 400, "validation_error", N_("The request could not be read. Check the fields and try again.")
    )


def server_error(request: Request, exc: Exception) -> Response:
    # The path may hold a secret (a private or invitation link): the log gets it hidden.
    log.error(
        "request %s failed: %s %s",
        request.state.get("request_id", "-"),
        request.method,
        hide_secrets(request.url.path),
        exc_info=exc,
    )
    return error_response(
        request,
        HTTP_500_INTERNAL_SERVER_ERROR,
        "server_error",
        N_("Something went wrong on our side. Please try again in a while."),
    )


EXCEPTION_HANDLERS = {
    NotAuthorizedException: not_authorized,
    PermissionDeniedException: permission_denied,
    NotFoundException: not_found,
    ValidationException: validation_failed,
    DomainError: domain_error,
    HTTPException: http_error,
    RecursionError: too_deeply_nested,
    Exception: server_error,
}
