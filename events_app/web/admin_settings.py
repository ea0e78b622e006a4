"""Admins only, under /admin/settings: the values only the federation can know (retention periods,
the privacy notice, the accessibility statement), one form per group declared in site_settings."""

from __future__ import annotations

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from events_app import i18n
from events_app.domain import privacy_notice, site_settings
from events_app.domain.errors import DomainError
from events_app.web.auth import actor_of
from events_app.web.forms import form_page


async def _about(slug: str) -> dict[str, str]:
    """The privacy notice's form also shows the version the saved texts make (what registrations record)."""
    return {"notice_version": await privacy_notice.current_version()} if slug == "privacy" else {}


class SettingsController(Controller):
    path = "/settings"

    @get("/", name="admin_settings")
    async def index(self) -> Template:
        return Template("admin/settings_index.html", context={"groups": list(site_settings.GROUPS.values())})

    @get("/{slug:str}", name="admin_settings_group")
    async def form(self, slug: FromPath[str]) -> Template:
        group = site_settings.group(slug)
        return form_page(
            "admin/settings.html", values=await site_settings.values(slug), group=group, **await _about(slug)
        )

    @post("/{slug:str}", name="admin_settings_save")
    async def save(self, request: Request, slug: FromPath[str]) -> Response:
        group = site_settings.group(slug)
        form = await request.form()
        submitted = {setting.key: str(form.get(setting.key) or "") for setting in group.settings}
        try:
            await site_settings.save(slug, submitted, actor=actor_of(request))
        except DomainError as error:
            return form_page("admin/settings.html", values=submitted, error=error, group=group, **await _about(slug))
        flash(request, i18n.gettext("The changes were saved."), "success")
        return Redirect(request.app.route_reverse("admin_settings_group", slug=slug))
