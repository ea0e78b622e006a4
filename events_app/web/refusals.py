"""A domain refusal caught for the page to show it its own way (the form again with the messages, or a
flash message), while NotFound passes on to become the 404 page (errors.py).

    with refusal_caught() as refused:
        await mailings.send(slug, uid, actor_of(request))
    if refused.error:
        flash_refusal(request, refused.error)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from litestar import Request
from litestar.plugins.flash import flash

from events_app.domain.errors import DomainError, NotFound


@dataclass
class Refusal:
    """The DomainError the block raised, or None when the block went through."""

    error: DomainError | None = None


@contextmanager
def refusal_caught(*passing: type[DomainError]) -> Iterator[Refusal]:
    """Catch any DomainError in the block but NotFound (and the `passing` kinds, e.g. RateLimited), which
    go on to the app's error pages."""
    refusal = Refusal()
    try:
        yield refusal
    except (NotFound, *passing):
        raise
    except DomainError as error:
        refusal.error = error


def flash_refusal(request: Request, error: DomainError) -> None:
    """The refusal as an error message on the next page."""
    flash(request, error.translated(), "error")
