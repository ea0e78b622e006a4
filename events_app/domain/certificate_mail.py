"""The mail that brings a certificate, with its PDF attached, rendered when the sender sends it.

Drawing the PDF is the costly part of issuing, so it happens here, spread over the senders of every
worker, and in a thread, so the worker's event loop keeps answering requests meanwhile. A
certificate superseded or revoked before its mail left is not sent.
"""

from __future__ import annotations

import asyncio
from typing import Any

from events_app.domain import certificate_pdf, links
from events_app.domain.certificates import (
    VALID,
    format_code,
    pdf_filename,
)
from events_app.domain.outbox import Attachment, BuiltMail, mail_builder
from events_app.domain.tables import Certificate
from events_app.domain.validation import parse_uid
from events_app.i18n import use_language


@mail_builder("certificate")
async def certificate_issued(args: dict[str, Any]) -> BuiltMail | None:
    uid = parse_uid(args["certificate"])
    certificate = (
        await Certificate.select().where(Certificate.uid == uid).output(load_json=True).first() if uid else None
    )
    if certificate is None or certificate["status"] != VALID:
        return None
    pdf = await asyncio.to_thread(certificate_pdf.render, certificate)
    with use_language(certificate["language"]):
        filename = pdf_filename(certificate)
    return BuiltMail(
        template="certificate_issued",
        language=certificate["language"],
        context={
            "certificate": certificate,
            "content": certificate["content"],
            "verification_url": links.verification_url(certificate["verification_code"]),
            "verification_code": format_code(certificate["verification_code"]),
            "my_pages_url": links.my_pages_url(),
        },
        attachments=[Attachment(filename, "application/pdf", pdf)],
        store_attachments=False,
    )
