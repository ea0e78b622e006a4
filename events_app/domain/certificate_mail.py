"""The mail that brings a certificate, with its PDF attached, rendered when the sender sends it.

Drawing the PDF is the costly part of issuing, so it happens here, in the sender, while the sender
sends the mails before it: in the drawing processes of `events-app worker`, or in a thread where a
web process sends (its event loop keeps answering requests meanwhile; see pdf_drawing). A
certificate superseded or revoked before its mail left is not sent.
"""

from __future__ import annotations

from typing import Any

from events_app.domain import certificate_pdf, links, pdf_drawing
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
    pdf = await pdf_drawing.draw(certificate_pdf.render, certificate)
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
