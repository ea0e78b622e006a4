"""Domain errors: a rule was broken, with a message the user can be shown in their language."""

from __future__ import annotations

from events_app.i18n import N_, gettext


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
    def __init__(self, message: str = N_("Not found."), **kwargs: object):
        super().__init__(message, code="not_found", **kwargs)  # type: ignore[arg-type]


class RateLimited(DomainError):
    def __init__(self) -> None:
        super().__init__(N_("Too many attempts. Please wait a few minutes and try again."), code="rate_limited")


class ValidationFailed(DomainError):
    """Several field errors at once: {field: DomainError, or an English message id}."""

    def __init__(self, errors: dict[str, DomainError | str]):
        super().__init__(N_("Please correct the marked fields."), code="validation_error")
        self.errors = {
            name: error if isinstance(error, DomainError) else DomainError(error, field=name)
            for name, error in errors.items()
        }

    def translated_errors(self) -> dict[str, str]:
        return {field: error.translated() for field, error in self.errors.items()}
