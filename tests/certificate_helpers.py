"""Helpers for the certificate tests: a finished event with people checked in, and reading the PDFs
as a reader would (the text with pypdf, the QR code drawn by pdfium and read by zxing-cpp)."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

from events_app.domain import checkins, events
from events_app.domain.checkins import Scan
from events_app.domain.registrations import Registrant
from events_app.i18n import localtime
from tests.registration_helpers import SYSTEM, form, published_event, registered

BY_HAND = Registrant(source="organiser", actor=SYSTEM)
DOOR = {"id": None, "name": "Kim på entrén", "role": "organiser"}
# These tests check in for the events' days ahead or past: an organiser's check-in, with a reason.
REASON = "Efterregistrering från deltagarlistan"
# Names whose every letter must reach the certificate: Northern Sámi and Polish.
MARET = "Máret Čuđetsá"
LUKASZ = "Łukasz Żółw"


def days_of(event: dict[str, Any]) -> list:
    return [day["day"] for day in event["days"]]


async def finished_event(**fields: Any) -> dict[str, Any]:
    """Last week's two-day sustainability day (plenary and workshops on day one), published."""
    fields.setdefault("completion_rule", "any")
    fields.setdefault("signatory_name", "Eva Sundin")
    fields.setdefault("signatory_title", "Ordförande")
    return await published_event(days_ahead=-8, **fields)


async def finished_module(*, occasions: int = 3, completion_min: int | None = 2, **fields: Any) -> dict[str, Any]:
    """A training module whose occasions were a week apart, the last one `fields.days_ago` days ago."""
    from events_app.domain.events import EventInput
    from tests.registration_helpers import _day

    last = fields.pop("last_days_ahead", -1)
    dates = [(localtime(_day(last - 7 * n, "13:00"))).date() for n in reversed(range(occasions))]
    return await events.publish_event(
        (
            await events.create_event(
                EventInput(
                    title=fields.pop("title", "Klimatanpassning i planeringen"),
                    kind="training_module",
                    audience="public",
                    capacity=40,
                    starts_at=_day(last - 7 * (occasions - 1), "13:00"),
                    ends_at=_day(last, "16:00"),
                    venue_name="Länsstyrelsen",
                    occasion_dates=dates,
                    completion_rule="at_least" if completion_min else "all",
                    completion_min=completion_min,
                    hours_credit="day",
                    hours_per_day=3,
                    signatory_name="Eva Sundin",
                    signatory_title="Ordförande",
                    **fields,
                ),
                SYSTEM,
            )
        )["slug"],
        SYSTEM,
    )


async def participant(event: dict[str, Any], name: str, email: str, **fields: Any) -> dict[str, Any]:
    return await registered(event["slug"], form(email, name=name, **fields), BY_HAND)


async def check_in(event: dict[str, Any], registration: dict[str, Any], *days, session: str = "") -> None:
    for day in days:
        answer = await checkins.check_in(
            Scan(
                reason=REASON,
                confirmed=True,
                code=registration["ticket_code"],
                event=event["slug"],
                day=day,
                session=session,
            ),
            DOOR,
        )
        assert answer.result == "ok", answer


def second_day(event: dict[str, Any]):
    return days_of(event)[0] + timedelta(days=1)


def pdf_text(pdf: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def pdf_qr_codes(pdf: bytes) -> list[str]:
    """Every QR code on the PDF's pages, drawn at 200 dpi by pdfium and read by zxing-cpp."""
    import pypdfium2
    import zxingcpp

    document = pypdfium2.PdfDocument(pdf)
    found = []
    for page in document:
        image = page.render(scale=200 / 72).to_pil()
        found += [result.text for result in zxingcpp.read_barcodes(image)]
    document.close()
    return found
