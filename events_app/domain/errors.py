"""Domain errors: a rule was broken, with a message the user can be shown in their language."""

from __future__ import annotations

from events_app.i18n import gettext


class DomainError(Exception):
    """A rule a user can break. `message` is an English message id, translated when shown.

    `field` names the form field the message belongs next to, when there is one; `code` is a
    stable machine-readable name for the JSON API.
    """

    def __init__(self, message: str, *, field: str | None = None, code: str = "invalid", **params: object):
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code
        self.params = params

    def translated(self) -> str:
        return gettext(self.message, **self.params)


class NotFound(DomainError):
    def __init__(self, message: str = "Not found.", **kwargs: object):
        super().__init__(message, code="not_found", **kwargs)  # type: ignore[arg-type]


class RateLimited(DomainError):
    def __init__(self) -> None:
        super().__init__("Too many attempts. Please wait a few minutes and try again.", code="rate_limited")


class ValidationFailed(DomainError):
    """Several field errors at once: {field: English message id}."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("Please correct the marked fields.", code="validation_error")
        self.errors = errors

    def translated_errors(self) -> dict[str, str]:
        return {field: gettext(message) for field, message in self.errors.items()}
