"""Admins only, under /admin/feedback: the messages sent with the form on the accessibility statement
(each was also mailed to every active admin when it arrived)."""

from __future__ import annotations

from litestar import Controller, get
from litestar.response import Template

from events_app.domain import accessibility_feedback


class FeedbackController(Controller):
    path = "/feedback"

    @get("/", name="admin_feedback")
    async def list(self) -> Template:
        return Template(
            "admin/feedback.html",
            context={
                "feedback": await accessibility_feedback.recent(),
                "kept_months": (await accessibility_feedback.kept_for()).days // 30,
            },
        )
