"""The JSON API's Router at /api/v1, made of the resources' controllers, and its OpenAPI document
(the API alone, at /api/v1/schema).
"""

from __future__ import annotations

from litestar import Router
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme, Tag

from events_app.web.api.auth import BEARER
from events_app.web.api.checkins import CheckInsApiController, check_in_batch, door_list
from events_app.web.api.council import CouncilApiController, CouncilMeetingsApiController
from events_app.web.api.events import EventsApiController
from events_app.web.api.registrations import RegistrationsApiController, ticket_key
from events_app.web.api.schema_page import ServerRenderedDocs
from events_app.web.api.themes import list_themes

API_PATH = "/api/v1"
SCHEMA_PATH = f"{API_PATH}/schema"


def api_router() -> Router:
    """A fresh router per app (a router belongs to the app it is registered with)."""
    return Router(
        path=API_PATH,
        route_handlers=[
            EventsApiController,
            list_themes,
            RegistrationsApiController,
            ticket_key,
            CheckInsApiController,
            check_in_batch,
            door_list,
            CouncilApiController,
            CouncilMeetingsApiController,
        ],
        include_in_schema=True,
    )


def openapi_config() -> OpenAPIConfig:
    """The schema of the API alone (the app's pages are left out), at /api/v1/schema."""
    return OpenAPIConfig(
        title="Hållbarhetsrådet events API",
        version="1",
        description=(
            "Events, programmes, themes and registrations of Hållbarhetsrådet i Västernorrland.\n\n"
            "Reading and registering need no token. Writing and the lists of registrations need "
            "`Authorization: Bearer <token>` of an organiser or admin "
            "(`events-app token create --email ...`). Times are ISO 8601 with the offset from UTC; responses give "
            "them in Europe/Stockholm time. Errors are `{code, message, request_id, errors?: [{field, message}]}`, "
            "with the message in Swedish or English after Accept-Language."
        ),
        path=SCHEMA_PATH,
        render_plugins=[ServerRenderedDocs(path="/"), JsonRenderPlugin()],
        components=Components(
            security_schemes={
                BEARER: SecurityScheme(
                    type="http",
                    scheme="bearer",
                    description="An API token from `events-app token create`, sent as "
                    "`Authorization: Bearer hr_...`. Its account's role must be "
                    "organiser or admin to write.",
                ),
            }
        ),
        tags=[
            Tag(name="events", description="Events and their programme"),
            Tag(name="registrations", description="Registering for an event; organisers' lists and cancelling"),
            Tag(name="themes", description="The council's themes"),
            Tag(name="tickets", description="Verifying ticket codes offline"),
            Tag(name="council", description="The council's members, terms, roles and preparatory group"),
        ],
        use_handler_docstrings=True,
    )
