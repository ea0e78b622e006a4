"""The signed-in staff member's own bearer tokens for the JSON API: the list (with each token's last
use and expiry), a new token (the password asked again, a lifetime chosen, the secret shown once),
revoking one."""

from __future__ import annotations

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from events_app import i18n
from events_app.domain import api_tokens
from events_app.domain.errors import DomainError
from events_app.domain.transactions import utcnow
from events_app.web.auth import actor_of
from events_app.web.forms import form_page, read_form


class ApiTokensController(Controller):
    """The signed-in staff member's own tokens for the JSON API."""

    path = "/api-tokens"

    @staticmethod
    async def _page(request: Request, *, values: dict | None = None, error: DomainError | None = None) -> Template:
        return form_page(
            "organiser/api_tokens.html",
            values={"days": str(api_tokens.DEFAULT_LIFETIME), **(values or {}), "password": ""},
            error=error,
            tokens=await api_tokens.tokens_of(request.state.staff["id"]),
            lifetimes=[
                (str(days), i18n.ngettext("%(num)s day", "%(num)s days", days)) for days in api_tokens.LIFETIMES
            ],
            now=utcnow(),
        )

    @get("/", name="organiser_api_tokens")
    async def list(self, request: Request) -> Template:
        return await self._page(request)

    @post("/", name="organiser_api_token_create")
    async def create(self, request: Request) -> Response:
        values = await read_form(request, "name", "password", "days")
        try:
            secret = await api_tokens.create_token_confirmed(
                request.state.staff["id"], values["name"], values["password"], values["days"], actor_of(request)
            )
        except DomainError as error:
            return await self._page(request, values=values, error=error)
        # Shown this once and never stored: the page must not be kept by the browser or a proxy either.
        return Template(
            "organiser/api_token_created.html",
            context={"secret": secret, "name": values["name"]},
            headers={"Cache-Control": "no-store"},
        )

    @post("/{uid:str}/revoke", name="organiser_api_token_revoke")
    async def revoke(self, request: Request, uid: FromPath[str]) -> Response:
        await api_tokens.revoke_token(uid, request.state.staff["id"], actor_of(request))
        flash(
            request, i18n.gettext("The token is revoked: programs using it can no longer sign in with it."), "success"
        )
        return Redirect(request.app.route_reverse("organiser_api_tokens"))
