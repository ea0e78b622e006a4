"""Signing in and out: staff with a password, people with an emailed single-use link."""

from __future__ import annotations

from litestar import Controller, Request, Response, get, post
from litestar.background_tasks import BackgroundTask
from litestar.params import FromPath, FromQuery
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from events_app import i18n
from events_app.domain import people, staff
from events_app.domain.errors import DomainError, RateLimited
from events_app.domain.validation import normalise_email
from events_app.i18n import N_
from events_app.web.auth import (
    client_ip,
    safe_next,
    sign_in_person,
    sign_in_staff,
    sign_out,
)
from events_app.web.forms import form_page, read_form
from events_app.web.staff_home import tokens_revoked_message


class AccountsController(Controller):
    path = "/"

    @get("/login", name="login")
    async def login_form(self, next: FromQuery[str] = "") -> Template:
        return form_page("public/login.html", values={"next": safe_next(next, "")})

    @post("/login", name="login_submit")
    async def login(self, request: Request) -> Response:
        form = await read_form(request, "email", "password", "next")
        values = {"email": form["email"], "next": safe_next(form["next"], "")}
        if not form["email"].strip() or not form["password"]:
            return form_page(
                "public/login.html",
                values=values,
                error=DomainError(N_("Enter your email address and password."), field="email"),
            )
        account = await staff.authenticate(form["email"], form["password"], ip=client_ip(request))
        if account is None:
            return form_page(
                "public/login.html",
                values=values,
                error=DomainError(N_("The email address or the password is wrong."), field="email"),
            )
        sign_in_staff(request, account)
        return Redirect(safe_next(form["next"], request.app.route_reverse("staff_home")))

    @post("/logout", name="logout")
    async def logout(self, request: Request) -> Response:
        await sign_out(request)
        flash(request, i18n.gettext("You are signed out."), "info")
        return Redirect(request.app.route_reverse("home"))

    @get("/login/link", name="login_link")
    async def link_form(self, next: FromQuery[str] = "") -> Template:
        return form_page("public/login_link.html", values={"next": safe_next(next, "")})

    @post("/login/link", name="login_link_submit")
    async def request_link(self, request: Request) -> Response:
        form = await read_form(request, "email", "next", "again")
        try:
            normalise_email(form["email"])
        except DomainError as error:
            return form_page("public/login_link.html", values=form, error=error)
        # The page repeats the address typed here (normalised) and offers to send the link again:
        # the same for a known and an unknown address, and the limits count the second request too.
        context = {
            "email": normalise_email(form["email"]),
            "next": safe_next(form["next"], ""),
            "again": bool(form["again"]),
            "limited": False,
        }
        try:
            await people.count_sign_in_link_request(form["email"], ip=client_ip(request))
        except RateLimited:
            return Template("public/login_link_sent.html", context={**context, "limited": True}, status_code=429)
        # Mailed after the answer is sent: a known and an unknown address answer equally fast.
        return Template(
            "public/login_link_sent.html",
            context=context,
            background=BackgroundTask(
                people.mail_sign_in_link,
                form["email"],
                language=i18n.current_language(),
                next_path=safe_next(form["next"], ""),
            ),
        )

    @get("/login/link/{token:str}", name="login_link_open")
    async def link_landing(self, token: FromPath[str]) -> Template:
        # Opening the link only shows a button: mail scanners that fetch links must not use it up.
        usable = await people.sign_in_link_is_usable(token)
        return Template(
            "public/login_link_open.html",
            context={"token": token, "usable": usable},
            status_code=200 if usable else 410,
        )

    @post("/login/link/{token:str}", name="login_link_use")
    async def use_link(self, request: Request, token: FromPath[str]) -> Response:
        try:
            person = await people.sign_in_with_link(token, ip=client_ip(request))
        except DomainError:
            return Template("public/login_link_open.html", context={"token": token, "usable": False}, status_code=410)
        sign_in_person(request, person)
        return Redirect(safe_next(person["next_path"], request.app.route_reverse("my_pages")))

    @get("/password/forgot", name="password_forgot")
    async def forgot_form(self) -> Template:
        return form_page("public/password_forgot.html")

    @post("/password/forgot", name="password_forgot_submit")
    async def forgot(self, request: Request) -> Response:
        form = await read_form(request, "email")
        try:
            normalise_email(form["email"])
        except DomainError as error:
            return form_page("public/password_forgot.html", values=form, error=error)
        await staff.count_password_reset_request(form["email"], ip=client_ip(request))
        return Template(
            "public/password_reset_sent.html",
            background=BackgroundTask(
                staff.mail_password_reset, form["email"], ip=client_ip(request), language=i18n.current_language()
            ),
        )

    @get("/password/reset/{token:str}", name="password_reset")
    async def reset_form(self, request: Request, token: FromPath[str]) -> Template:
        if not await staff.reset_link_is_usable(token):
            return Template(
                "public/link_expired.html",
                context={"again_url": request.app.route_reverse("password_forgot")},
                status_code=410,
            )
        return form_page("public/password_reset.html", token=token)

    @post("/password/reset/{token:str}", name="password_reset_submit")
    async def reset(self, request: Request, token: FromPath[str]) -> Response:
        form = await read_form(request, "password", "password_again")
        if form["password"] != form["password_again"]:
            return form_page(
                "public/password_reset.html",
                token=token,
                error=DomainError(N_("The two passwords are not the same."), field="password_again"),
            )
        try:
            revoked = await staff.reset_password(token, form["password"], ip=client_ip(request))
        except DomainError as error:
            return form_page("public/password_reset.html", token=token, error=error)
        flash(request, i18n.gettext("Your password is changed. Sign in with the new one."), "success")
        if revoked:
            flash(request, tokens_revoked_message(revoked), "info")
        return Redirect(request.app.route_reverse("login"))
