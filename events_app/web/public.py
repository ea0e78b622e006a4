"""Pages for everyone: the front page, the privacy notice, the language switch and /healthz."""

from __future__ import annotations

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.response import Redirect, Template

from events_app import i18n
from events_app.domain import health, people, privacy_notice, rich_text, staff, themes
from events_app.settings import get_settings
from events_app.web.auth import safe_next
from events_app.web.context import LANGUAGE_COOKIE
from events_app.web.forms import read_form
from events_app.web.public_events import PUBLIC_PAGE, upcoming_for_front_page


class PublicController(Controller):
    path = "/"

    @get("/", name="home", opt=PUBLIC_PAGE)
    async def home(self) -> Template:
        return Template(
            "public/home.html",
            context={"themes": await themes.all_themes(), "events": await upcoming_for_front_page()},
        )

    @get("/privacy", name="privacy")
    async def privacy(self) -> Template:
        notice = await privacy_notice.notice(i18n.current_language())
        texts = notice.texts
        return Template(
            "public/privacy.html",
            context={
                "notice": notice,
                "texts": texts,
                "purposes_html": rich_text.render(texts["purposes"]),
                "recipients_html": rich_text.render(texts["recipients"]),
                "transfers_html": rich_text.render(texts["transfers"]),
            },
        )

    @post("/language", name="set_language")
    async def set_language(self, request: Request) -> Response:
        form = await read_form(request, "language", "next")
        language = i18n.normalise_language(form["language"])
        if request.state.get("staff"):
            await staff.set_language(request.state.staff["id"], language)
        if request.state.get("person"):
            await people.set_language(request.state.person["id"], language)
        return Redirect(
            safe_next(form["next"]),
            cookies=[
                Cookie(
                    key=LANGUAGE_COOKIE,
                    value=language,
                    max_age=365 * 24 * 3600,
                    samesite="lax",
                    httponly=True,
                    secure=get_settings().secure_cookies,
                )
            ],
        )

    @get("/healthz", name="healthz", cache=False)
    async def healthz(self) -> Response:
        ok = await health.database_ok()
        return Response({"status": "ok" if ok else "unavailable", "database": ok}, status_code=200 if ok else 503)
