"""The JSON API, version 1, at /api/v1: events and their programme, the council's themes, registrations,
the tickets' public key and check-in.

Reading is open to everyone and shows what the public site shows (never drafts). Writing needs
`Authorization: Bearer <token>` of an organiser or admin (tokens: `events-app token create`); the
token's staff account is the actor in the audit log. Session cookies count for nothing here, which
is why the CSRF check can leave /api/ alone. A token sent with a read must be valid too, and an
organiser's token also shows drafts.

Bodies and responses are msgspec Structs, decoded and checked by Litestar; the rules themselves are
the domain services'. Errors are JSON, made by `web/errors.py`:
400 for a body that cannot be read (not JSON, wrong types, missing or unknown fields, a time without
its UTC offset), 401/403 for the token, 404, 409 for a status change that is not allowed and 422 for
data that breaks a rule; each with a stable `code`, a `message` in the Accept-Language language (sv
or en, else the default language) and, for fields, `errors: [{field, message}]`.

Times in responses are ISO 8601 in Stockholm local time with the offset (2027-05-11T09:00:00+02:00).
The schema and its rendered documentation are at /api/v1/schema (OpenAPI: /api/v1/schema/openapi.json).

The modules: `router.py` puts the API together; `auth.py` is who calls (bearer tokens, guards, the
actor); `schemas.py` the shared structs (errors, themes); `events.py`, `themes.py`, `registrations.py`
and `checkins.py` one resource each.
"""

from events_app.web.api.router import api_router, openapi_config

__all__ = ["api_router", "openapi_config"]
