"""A certificate drawn as a PDF, in the language of the person it was issued to, from what was frozen
in it at issue: the same certificate drawn again is the same document."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from events_app.domain.certificates import (
    REVOKED,
    SUPERSEDED,
    format_code,
)
from events_app.domain.links import verification_url
from events_app.domain.pdf_layout import ACCENT, ISSUER, MUTED, new_document
from events_app.domain.tables import CertificateKind
from events_app.i18n import (
    format_day,
    format_day_range,
    format_hours,
    gettext,
    localtime,
    ngettext,
    use_language,
)


def _titles(kind: str) -> tuple[str, str, str]:
    """(the heading, the line before the name, the line after it)."""
    if kind == CertificateKind.completion.value:
        return (
            gettext("Certificate of completion"),
            gettext("This is to certify that"),
            gettext("has completed the training module"),
        )
    return gettext("Certificate of attendance"), gettext("This is to certify that"), gettext("has taken part in")


def render(certificate: dict[str, Any]) -> bytes:
    """The PDF of a certificate row (its `content`, number, code, issue time, language and state)."""
    with use_language(certificate["language"]):
        return _draw(certificate)


def _draw(certificate: dict[str, Any]) -> bytes:
    content, language = certificate["content"], certificate["language"]
    if isinstance(content, str):  # a row read without load_json
        content = json.loads(content)
    event = content["event"]
    heading, before_name, after_name = _titles(certificate["kind"])
    number_line = gettext("Certificate number %(number)s", number=certificate["number"])
    url = verification_url(certificate["verification_code"])
    sessions = content.get("sessions") or []
    texts = [
        content["name"],
        event["title"],
        event["venue"],
        content["signatory"]["name"],
        content["signatory"]["title"],
        *(session["title"] for session in sessions),
    ]
    pdf = new_document(
        texts=texts,
        title=f"{heading}: {content['name']}, {event['title']}",
        language=language,
        created_at=certificate["issued_at"],
        footer_text=f"{ISSUER} · {number_line}",
    )
    pdf.add_page()
    pdf.issuer_heading()
    if certificate["status"] in (REVOKED, SUPERSEDED):
        pdf.text_block(
            gettext("REVOKED") if certificate["status"] == REVOKED else gettext("SUPERSEDED"),
            size=14,
            bold=True,
            colour=(176, 0, 32),
            align="C",
            space_after=4,
        )
    pdf.text_block(heading, size=24, bold=True, colour=ACCENT, align="C", space_after=8)
    pdf.text_block(before_name, size=12, align="C", space_after=3)
    pdf.text_block(content["name"], size=22, bold=True, align="C", space_after=3)
    pdf.text_block(after_name, size=12, align="C", space_after=3)
    pdf.text_block(event["title"], size=16, bold=True, align="C", space_after=2)
    where = format_day_range(date.fromisoformat(event["first_day"]), date.fromisoformat(event["last_day"]))
    if event["venue"]:
        where = f"{where} · {event['venue']}"
    pdf.text_block(where, size=11, colour=MUTED, align="C", space_after=10)

    days = [date.fromisoformat(day) for day in content["days"]]
    if certificate["kind"] == CertificateKind.completion.value:
        label = gettext(
            "Occasions attended: %(attended)s of %(total)s", attended=len(days), total=content["total_days"]
        )
    else:
        label = ngettext("Day attended", "Days attended", len(days))
    pdf.text_block(label, size=11, bold=True, space_after=1)
    pdf.text_block("\n".join(format_day(day) for day in days), size=11, space_after=4)
    if sessions:
        pdf.text_block(gettext("Sessions attended"), size=11, bold=True, space_after=1)
        lines = []
        for session in sessions:
            # "1 timme" but "1,5 timmar": only exactly one hour is singular.
            hours = ngettext(
                "%(hours)s hour",
                "%(hours)s hours",
                1 if session["minutes"] == 60 else 2,
                hours=format_hours(session["minutes"]),
            )
            lines.append(f"{format_day(date.fromisoformat(session['day']))}: {session['title']} ({hours})")
        pdf.text_block("\n".join(lines), size=10, space_after=4)
    if content["minutes"]:
        pdf.text_block(
            gettext("In all %(hours)s hours", hours=format_hours(content["minutes"])), size=11, bold=True, space_after=4
        )

    signatory = content["signatory"]
    pdf.ln(6)
    issued = gettext("Issued on %(date)s", date=format_day(localtime(certificate["issued_at"]).date()))
    pdf.text_block(issued, size=10, colour=MUTED, space_after=10)
    if signatory["name"]:
        pdf.set_draw_color(*MUTED)
        pdf.set_line_width(0.3)
        pdf.line(pdf.l_margin, pdf.get_y(), pdf.l_margin + 70, pdf.get_y())
        pdf.ln(2)
        pdf.text_block(signatory["name"], size=11, bold=True, space_after=0)
        if signatory["title"]:
            pdf.text_block(signatory["title"], size=10, space_after=0)

    # The number, the check and the QR code sit together at the foot of the last page.
    size = 32
    if pdf.get_y() > pdf.h - pdf.b_margin - size - 4:
        pdf.add_page()
    top = pdf.h - pdf.b_margin - size
    pdf.qr_code(url, x=pdf.w - pdf.r_margin - size, y=top, size=size)
    pdf.set_xy(pdf.l_margin, top + 2)
    width = pdf.w - pdf.l_margin - pdf.r_margin - size - 6
    pdf.style(11, bold=True)
    pdf.multi_cell(width, 5.5, number_line, new_x="LMARGIN", new_y="NEXT")
    pdf.style(9, colour=MUTED)
    check = "\n".join(
        [
            gettext("Check that this certificate is genuine at:"),
            url,
            gettext("Verification code: %(code)s", code=format_code(certificate["verification_code"])),
        ]
    )
    pdf.multi_cell(width, 4.5, check, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.link(pdf.w - pdf.r_margin - size, top, size, size, url)
    return pdf.finish()
