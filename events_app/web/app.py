"""The application factory: middleware, templates, sessions, CSRF, the mail sender and the routes."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from typing import Any

from litestar import Litestar
from litestar.config.csrf import CSRFConfig
from litestar.logging.config import LoggingConfig
from litestar.middleware import DefineMiddleware
from litestar.plugins.flash import FlashConfig, FlashPlugin
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.base import url_for
from litestar.template.config import TemplateConfig

from events_app.domain import mail_delivery
from events_app.domain.transactions import engine, start_pool
from events_app.settings import Settings, get_settings
from events_app.templating import environment
from events_app.web.accessibility import AccessibilityController
from events_app.web.accounts import AccountsController
from events_app.web.admin import admin_router
from events_app.web.api import api_router, openapi_config
from events_app.web.context import RequestContextMiddleware
from events_app.web.errors import EXCEPTION_HANDLERS
from events_app.web.evaluation import EvaluationController
from events_app.web.input_hygiene import CleanInputRequest
from events_app.web.invitation import InvitationController
from events_app.web.mailing_opt_out import MailingOptOutController
from events_app.web.material import MaterialController
from events_app.web.organiser_router import organiser_router
from events_app.web.participant import ParticipantController
from events_app.web.participant_data import ParticipantDataController
from events_app.web.public import PublicController
from events_app.web.public_events import PublicEventsController
from events_app.web.public_page_cache import PublicPageCache
from events_app.web.registration import RegistrationController
from events_app.web.session_cookie import SessionCookieConfig
from events_app.web.staff_checkin import CheckInController
from events_app.web.staff_home import StaffHomeController
from events_app.web.verification import VerificationController

STATIC_DIR = Path(__file__).parent / "static"
log = logging.getLogger("events_app")


def _lifespan(settings: Settings):
    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        db = engine()
        uses_pool = not settings.is_sqlite  # SQLite has no pool; Piccolo only logs that it is unsupported
        if uses_pool:
            await start_pool(db, min_size=1, max_size=10)
        stop = asyncio.Event()
        sender = asyncio.create_task(mail_delivery.run_sender(stop, settings)) if settings.mail_sender_in_web else None
        try:
            yield
        finally:
            stop.set()
            if sender is not None:
                with suppress(asyncio.CancelledError, TimeoutError):  # a sender stuck mid-SMTP is cancelled
                    await asyncio.wait_for(sender, timeout=10)
            if uses_pool:
                await db.close_connection_pool()

    return lifespan


def _url_for(context: Mapping[str, Any], /, route_name: str, **path_parameters: Any) -> str:
    """Templates' `url_for`: Litestar's, but a uid given as a UUID is accepted for a `{uid:str}`
    parameter (route_reverse insists on the declared type; the rows hold UUIDs)."""
    return url_for(context, route_name, **{name: str(value) for name, value in path_parameters.items()})


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or get_settings()
    # The session cookie is encrypted with AES-GCM under a key derived from SECRET_KEY.
    session_key = hashlib.sha256(b"session:" + settings.secret_key.encode()).digest()
    session_config = SessionCookieConfig(
        secret=session_key,
        key="session",
        max_age=7 * 24 * 3600,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        exclude=["^/api/"],  # the API counts bearer tokens only (web/api/auth.py): no cookie to read or write
    )
    template_engine = JinjaTemplateEngine.from_environment(environment())
    template_engine.register_template_callable(key="url_for", template_callable=_url_for)
    template_config = TemplateConfig(instance=template_engine)
    csrf_config = CSRFConfig(
        secret=settings.secret_key,
        cookie_name="csrftoken",
        cookie_secure=settings.secure_cookies,
        cookie_httponly=True,
        cookie_samesite="lax",
        exclude=["^/api/"],
    )
    return Litestar(
        route_handlers=[
            PublicController,
            AccessibilityController,
            PublicEventsController,
            AccountsController,
            ParticipantController,
            ParticipantDataController,
            StaffHomeController,
            RegistrationController,
            InvitationController,
            EvaluationController,
            CheckInController,
            VerificationController,
            MaterialController,
            MailingOptOutController,
            organiser_router(),
            admin_router(),
            api_router(),
            create_static_files_router(path="/static", directories=[STATIC_DIR], name="static"),
        ],
        request_class=CleanInputRequest,
        middleware=[
            # First: a kept public page is answered before the session, the identity or CSRF cost anything.
            DefineMiddleware(
                PublicPageCache,
                seconds=settings.public_page_cache_seconds,
                csrf_config=csrf_config,
                session_cookie=session_config.key,
                default_language=settings.default_language,
            ),
            session_config.middleware,
            RequestContextMiddleware(https=settings.secure_cookies),
        ],
        csrf_config=csrf_config,
        template_config=template_config,
        plugins=[FlashPlugin(FlashConfig(template_config=template_config))],
        exception_handlers=EXCEPTION_HANDLERS,
        lifespan=[_lifespan(settings)],
        logging_config=LoggingConfig(
            root={"level": "INFO", "handlers": ["queue_listener"]},
            log_exceptions="never",  # our handler logs server errors once, with the request id
        ),
        debug=False,
        # The OpenAPI schema (/api/v1/schema) documents the API only: its router opts back in.
        include_in_schema=False,
        openapi_config=openapi_config(),
    )
