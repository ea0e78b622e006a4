"""The accessibility statement (tillgänglighetsredogörelse) that lagen (2018:1937) om tillgänglighet till
digital offentlig service requires, laid out after DIGG's model: the parts only a person can know come
from the admin's settings (site_settings.ACCESSIBILITY), the rest (the law, the standard, how the
platform is tested) is written in the template once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from markupsafe import Markup

from events_app.domain import rich_text, site_settings
from events_app.i18n import normalise_language

SLUG = site_settings.ACCESSIBILITY.slug


@dataclass(frozen=True)
class Statement:
    body: str
    contact_email: str
    response_days: int
    compliance: str  # site_settings.FULLY_COMPLIANT, PARTIALLY_COMPLIANT or NOT_COMPLIANT
    compliance_label: str  # an English message id: "partially compliant"
    shortcomings: Markup
    burden: Markup
    out_of_scope: Markup
    review_date: date | None  # None: no manual review has been recorded
    statement_date: date | None
    feedback_months: int  # how long a message sent with the form is kept

    @property
    def fully_compliant(self) -> bool:
        return self.compliance == site_settings.FULLY_COMPLIANT


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


async def statement(language: str) -> Statement:
    """The statement as the settings stand, its free texts in `language` (Swedish or English)."""
    values = await site_settings.values(SLUG)
    suffix = "en" if normalise_language(language) == "en" else "sv"
    compliance_setting = site_settings.ACCESSIBILITY.setting("accessibility_compliance")
    compliance = values["accessibility_compliance"]
    if not compliance_setting.choice_label(compliance):
        compliance = compliance_setting.default  # a value saved before the choices changed
    return Statement(
        body=values["accessibility_body"],
        contact_email=values["accessibility_contact_email"],
        response_days=await site_settings.number(SLUG, "accessibility_response_days"),
        compliance=compliance,
        compliance_label=compliance_setting.choice_label(compliance),
        shortcomings=rich_text.render(values[f"accessibility_shortcomings_{suffix}"]),
        burden=rich_text.render(values[f"accessibility_burden_{suffix}"]),
        out_of_scope=rich_text.render(values[f"accessibility_out_of_scope_{suffix}"]),
        review_date=_date(values["accessibility_review_date"]),
        statement_date=_date(values["accessibility_statement_date"]),
        feedback_months=await site_settings.number(site_settings.RETENTION.slug, "retention_feedback_months"),
    )
