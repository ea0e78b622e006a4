"""How errors reach people: friendly pages in their language, JSON for the API, never a stack trace.

A server error is logged with the request id that the 500 page shows, so a user's report can be
matched to the log line.
"""

from __future__ import annotations

import logging

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
from events_app.domain.errors import DomainError, NotFound, RateLimited
from events_app.i18n import N_
from events_app.web.context import language_of

log = logging.getLogger("events_app.errors")


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or "application/json" in request.headers.get("accept", "")[:40]


def error_response(
    request: Request, status: int, code: str, message: str, *, params: dict | None = None,
    fields: dict[str, str] | None = None,
) -> Response:
    """`message` and the `fields` messages are English message ids, translated here."""
    # An unmatched route (404) never passed the middleware that sets the language.
    i18n.set_language(language_of(request))
    text = i18n.gettext(message, **(params or {}))
    translated_fields = {name: i18n.gettext(value) for name, value in (fields or {}).items()}
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
    if _wants_json(request):
        return error_response(request, 401, "not_authenticated", N_("Sign in to continue."))
    target = exc.extra.get("sign_in") if isinstance(exc.extra, dict) else None
    return Redirect(target or "/login")


def permission_denied(request: Request, exc: PermissionDeniedException) -> Response:
    if "CSRF" in (exc.detail or ""):
        return error_response(request, 403, "csrf_failed", N_("The form had expired. Go back, reload the page and try again."))
    return error_response(request, 403, "forbidden", N_("You do not have access to this page."))


def not_found(request: Request, exc: Exception) -> Response:
    return error_response(request, 404, "not_found", N_("The page you are looking for does not exist or has moved."))


def validation_failed(request: Request, exc: ValidationException) -> Response:
    fields = {}
    if isinstance(exc.extra, list):
        for item in exc.extra:
            if isinstance(item, dict) and item.get("key"):
                fields[str(item["key"])] = N_("This value is not valid.")
    return error_response(request, 400, "validation_error",
                          N_("The request could not be read. Check the fields and try again."), fields=fields)


def domain_error(request: Request, exc: DomainError) -> Response:
    status = 404 if isinstance(exc, NotFound) else 429 if isinstance(exc, RateLimited) else 400
    return error_response(request, status, exc.code, exc.message, params=exc.params)


def http_error(request: Request, exc: HTTPException) -> Response:
    if exc.status_code >= 500:
        return server_error(request, exc)
    messages = {405: N_("That action is not possible here."), 413: N_("What you sent is too large.")}
    return error_response(request, exc.status_code, "http_error",
                          messages.get(exc.status_code, N_("The request could not be handled.")))


def server_error(request: Request, exc: Exception) -> Response:
    log.error("request %s failed: %s %s", request.state.get("request_id", "-"), request.method, request.url.path, exc_info=exc)
    return error_response(request, HTTP_500_INTERNAL_SERVER_ERROR, "server_error",
                          N_("Something went wrong on our side. Please try again in a while."))


EXCEPTION_HANDLERS = {
    NotAuthorizedException: not_authorized,
    PermissionDeniedException: permission_denied,
    NotFoundException: not_found,
    ValidationException: validation_failed,
    DomainError: domain_error,
    HTTPException: http_error,
    Exception: server_error,
}
