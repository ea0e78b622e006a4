"""What an admin sets in the back office rather than in the environment: texts and periods that only
the federation can know (its retention periods, its privacy notice, its accessibility statement).

Every setting is declared here, in groups, with its default, so the admin form, the validation and
the readers agree on one list. Values are stored as text in `SiteSetting`; a key never saved reads
as its default.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from events_app.domain import audit
from events_app.domain.errors import DomainError, NotFound, ValidationFailed
from events_app.domain.public_page_versions import changes_public_pages
from events_app.domain.tables import SiteSetting
from events_app.domain.transactions import atomic, utcnow
from events_app.domain.validation import normalise_email
from events_app.i18n import N_

# The longest period an admin may enter: a century covers any records plan.
MAX_DAYS = 36500


@dataclass(frozen=True)
class Setting:
    """One value an admin can change. `label` and `hint` are English message ids.

    kind: "text" (one line), "textarea", "days", "months" or "years" (a whole number, at most a
    century), "count" (a whole number up to 1,000), "date" (YYYY-MM-DD), "email" (an address), or
    "choice" (one of `choices`: pairs of the stored value and its label, an English message id).
    """

    key: str
    label: str
    default: str = ""
    kind: str = "text"
    hint: str = ""
    required: bool = False
    choices: tuple[tuple[str, str], ...] = ()

    def choice_label(self, value: str) -> str:
        """The label (an English message id) of a choice's stored value; "" for an unknown one."""
        return dict(self.choices).get(value, "")


@dataclass(frozen=True)
class SettingGroup:
    """`rules` check values that depend on each other: each takes the cleaned values and returns a
    DomainError on the field to correct, or None."""

    slug: str
    title: str
    intro: str
    settings: tuple[Setting, ...] = field(default_factory=tuple)
    rules: tuple[Callable[[dict[str, str]], DomainError | None], ...] = ()

    def setting(self, key: str) -> Setting:
        return next(setting for setting in self.settings if setting.key == key)


RETENTION = SettingGroup(
    slug="retention",
    title=N_("Retention periods"),
    intro=N_(
        "How long personal data is kept. The mail worker applies these rules every day; docs/privacy.md "
        "gives the reason and the legal basis of each default."
    ),
    settings=(
        Setting(
            "retention_sensitive_days",
            N_("Dietary and accessibility needs, and sensitive answers: days after the event's last day"),
            "30",
            "days",
            required=True,
        ),
        Setting(
            "retention_guest_months",
            N_("Guests without a registration: months since their last registration before anonymisation"),
            "24",
            "months",
            required=True,
        ),
        Setting(
            "retention_cancelled_event_days",
            N_("Registrations of a cancelled event: days after the event's last day"),
            "90",
            "days",
            required=True,
        ),
        Setting(
            "retention_unanswered_invitation_days",
            N_("Invitations never answered: days after the event's last day"),
            "90",
            "days",
            required=True,
        ),
        Setting(
            "retention_feedback_months",
            N_("Feedback on accessibility: months it is kept"),
            "12",
            "months",
            required=True,
        ),
        Setting(
            "retention_evaluation_text_months",
            N_("Free-text answers to evaluations: months after the evaluation closes (the counts stay)"),
            "12",
            "months",
            required=True,
        ),
        Setting(
            "retention_certificate_years",
            N_("Certificates and the competence record: years after the event (the records plan)"),
            "10",
            "years",
            required=True,
        ),
    ),
)

# The defaults of the privacy notice (Art. 13) describe this platform as Kommunförbundet
# Västernorrland runs it; docs/privacy.md gives the reasons for the legal bases chosen.
_PURPOSES_SV = """\
- **Anmälan till evenemang** (namn, e-post, organisation, titel, val av dagar och programpunkter, svar på
  arrangörens frågor): för att planera och genomföra rådets evenemang. Rättslig grund: uppgift av allmänt
  intresse (artikel 6.1 e), förbundets uppdrag enligt förbundsordningen och kommunallagen.
- **Kostbehov och behov av tillgänglighet**: för att maten och lokalen ska fungera för dig. Uppgifterna kan
  avslöja något om din hälsa; du lämnar dem frivilligt och ditt uttryckliga samtycke är grunden
  (artikel 9.2 a). Du kan ta bort dem när du vill via länken till din anmälan.
- **Ledamöternas kompetensregister och intyg**: för att visa vilka utbildningar ledamöterna har gått.
  Rättslig grund: uppgift av allmänt intresse (artikel 6.1 e) och arkivlagen.
- **E-post** (bekräftelser, biljetter, påminnelser, ändringar och uppföljning efter evenemanget): för att
  genomföra evenemanget. Rättslig grund: uppgift av allmänt intresse (artikel 6.1 e). Uppföljningsutskick
  kan du tacka nej till med länken i varje utskick.
- **Incheckning vid entrén**: för att veta vilka som kom, som underlag för intyg och för rapporter till
  rådet. Rättslig grund: uppgift av allmänt intresse (artikel 6.1 e).
"""
_PURPOSES_EN = """\
- **Registration for events** (name, email, organisation, title, the days and sessions you choose, your
  answers to the organiser's questions): to plan and hold the council's events. Legal basis: a task in the
  public interest (Article 6(1)(e)), the federation's remit under its charter and the Local Government Act.
- **Dietary and accessibility needs**: so that the food and the venue work for you. They may reveal
  something about your health; you give them voluntarily and your explicit consent is the basis
  (Article 9(2)(a)). You can remove them at any time through the link to your registration.
- **Members' competence records and certificates**: to show which training the council's members have
  completed. Legal basis: a task in the public interest (Article 6(1)(e)) and the Archives Act.
- **Email** (confirmations, tickets, reminders, changes and follow-up after the event): to hold the event.
  Legal basis: a task in the public interest (Article 6(1)(e)). You can decline follow-up mailings with the
  link in each of them.
- **Check-in at the door**: to know who came, as the basis of certificates and of reports to the council.
  Legal basis: a task in the public interest (Article 6(1)(e)).
"""
_RECIPIENTS_SV = """\
Arrangörerna på Kommunförbundet Västernorrland och personalen som checkar in vid entrén (de ser inte
kostbehov eller behov av tillgänglighet). Restaurangen får bara antal per kostbehov, inga namn.
Leverantören som driftar plattformen behandlar uppgifterna för vår räkning enligt ett
personuppgiftsbiträdesavtal. Allmänna handlingar kan lämnas ut enligt offentlighetsprincipen efter
sekretessprövning.
"""
_RECIPIENTS_EN = """\
The organisers at Kommunförbundet Västernorrland and the staff who check people in at the door (who do not
see dietary or accessibility needs). The caterer gets only the number of each dietary need, no names. The
provider that runs the platform processes the data on our behalf under a data processing agreement.
Official documents may be disclosed under the principle of public access, after a secrecy review.
"""

PRIVACY = SettingGroup(
    slug="privacy",
    title=N_("Privacy notice"),
    intro=N_(
        "The texts of the public privacy notice (GDPR Article 13). The retention periods on it come from "
        "the retention settings, and the rights of the data subject are always shown. Every change of these "
        "texts or of the retention periods gives the notice a new version; each registration records the "
        "version its person accepted."
    ),
    settings=(
        Setting("privacy_controller_name", N_("Controller: name"), "Kommunförbundet Västernorrland", required=True),
        Setting("privacy_controller_org_number", N_("Controller: organisation number")),
        Setting("privacy_controller_address", N_("Controller: postal address"), kind="textarea"),
        Setting("privacy_controller_email", N_("Controller: email address")),
        Setting(
            "privacy_dpo_contact",
            N_("Data protection officer: how to reach them"),
            kind="textarea",
            hint=N_("A name or function, an email address and a telephone number."),
        ),
        Setting(
            "privacy_purposes_sv",
            N_("Purposes and legal bases (Swedish)"),
            _PURPOSES_SV,
            "textarea",
            hint=N_("Markdown: a line starting with “- ” is a list item, **text** is bold."),
            required=True,
        ),
        Setting("privacy_purposes_en", N_("Purposes and legal bases (English)"), _PURPOSES_EN, "textarea"),
        Setting("privacy_recipients_sv", N_("Who receives the data (Swedish)"), _RECIPIENTS_SV, "textarea"),
        Setting("privacy_recipients_en", N_("Who receives the data (English)"), _RECIPIENTS_EN, "textarea"),
        Setting(
            "privacy_transfers_sv",
            N_("Transfers outside the EU/EEA (Swedish)"),
            "Inga personuppgifter förs över till länder utanför EU/EES.",
            "textarea",
            required=True,
        ),
        Setting(
            "privacy_transfers_en",
            N_("Transfers outside the EU/EEA (English)"),
            "No personal data is transferred to countries outside the EU/EEA.",
            "textarea",
        ),
        Setting(
            "privacy_version_label",
            N_("Version label"),
            "1",
            hint=N_(
                "Raise it when the notice changes in substance, e.g. 2. The platform adds a fingerprint of the "
                "texts, so every change gives a new version even when the label stays."
            ),
            required=True,
        ),
    ),
)

# The compliance levels of DIGG's model statement ("helt / delvis / inte förenlig"), as stored.
FULLY_COMPLIANT, PARTIALLY_COMPLIANT, NOT_COMPLIANT = "full", "partial", "none"


def _full_compliance_needs_a_review(values: dict[str, str]) -> DomainError | None:
    """Automated checks find only part of what WCAG asks: "fully compliant" needs a manual review."""
    if values.get("accessibility_compliance") == FULLY_COMPLIANT and not values.get("accessibility_review_date"):
        return DomainError(
            N_("Enter the date of the manual review: without one the service cannot be called fully compliant."),
            field="accessibility_review_date",
        )
    return None


# The accessibility statement (lagen 2018:1937, DIGG's model): only the parts a person must judge.
# The defaults describe this platform as shipped, so a fresh install publishes a complete, truthful
# statement: "partially compliant" until a person has reviewed the service by hand (automated axe
# checks find only part of what WCAG asks), with the shortcomings known at release.
# docs/accessibility-statement.md tells the admin what to fill in and when.
ACCESSIBILITY = SettingGroup(
    slug="accessibility",
    title=N_("Accessibility statement"),
    intro=N_(
        "The parts of the accessibility statement at /tillganglighet that only a person can know. Update them "
        "after every manual review and whenever you learn of a new shortcoming; docs/accessibility-statement.md "
        "explains each field."
    ),
    settings=(
        Setting(
            "accessibility_body",
            N_("The public body responsible for the service"),
            "Kommunförbundet Västernorrland",
            required=True,
        ),
        Setting(
            "accessibility_contact_email",
            N_("Email address for accessibility questions"),
            "",
            "email",
            hint=N_("Shown on the statement next to the feedback form. Leave empty to offer only the form."),
        ),
        Setting(
            "accessibility_response_days",
            N_("We answer feedback within this many working days"),
            "10",
            "days",
            required=True,
        ),
        Setting(
            "accessibility_compliance",
            N_("Compliance with WCAG 2.1 AA (EN 301 549)"),
            PARTIALLY_COMPLIANT,
            "choice",
            hint=N_("Choose “fully compliant” only after a manual review found no shortcoming."),
            required=True,
            choices=(
                (FULLY_COMPLIANT, N_("fully compliant")),
                (PARTIALLY_COMPLIANT, N_("partially compliant")),
                (NOT_COMPLIANT, N_("not compliant")),
            ),
        ),
        Setting(
            "accessibility_shortcomings_sv",
            N_("Known shortcomings, in Swedish"),
            (
                "- Intyg och kompetensöversikter som PDF saknar taggar för skärmläsare (WCAG 1.3.1). Samma "
                "uppgifter finns som webbsida på Mina sidor och på sidan där intyg kontrolleras.\n"
                "- Material som arrangörer laddar upp (presentationer, dokument) och evenemangens beskrivningar "
                "granskas inte automatiskt och kan ha brister. Be om en tillgänglig version via formuläret nedan."
            ),
            "textarea",
            hint=N_("Non-compliant content and why. Markdown: a line starting with “- ” is a list item."),
        ),
        Setting(
            "accessibility_shortcomings_en",
            N_("Known shortcomings, in English"),
            (
                "- Certificates and competence records in PDF lack the tags screen readers use (WCAG 1.3.1). The "
                "same information is available as a web page on My pages and on the certificate verification "
                "page.\n"
                "- Material that organisers upload (presentations, documents) and the descriptions of events are "
                "not checked automatically and may have shortcomings. Ask for an accessible version with the form "
                "below."
            ),
            "textarea",
        ),
        Setting(
            "accessibility_burden_sv",
            N_("Disproportionate burden, in Swedish"),
            "Vi åberopar inte oskäligt betungande anpassning för något innehåll.",
            "textarea",
            hint=N_("Content you do not make accessible because it would be a disproportionate burden, and why."),
        ),
        Setting(
            "accessibility_burden_en",
            N_("Disproportionate burden, in English"),
            "We do not claim disproportionate burden for any content.",
            "textarea",
        ),
        Setting(
            "accessibility_out_of_scope_sv",
            N_("Content outside the law's scope, in Swedish"),
            (
                "Tjänster från andra som vi länkar till, till exempel kartor och digitala möten, omfattas inte av "
                "denna redogörelse."
            ),
            "textarea",
        ),
        Setting(
            "accessibility_out_of_scope_en",
            N_("Content outside the law's scope, in English"),
            "Services of others that we link to, such as maps and online meetings, are not covered by this statement.",
            "textarea",
        ),
        Setting(
            "accessibility_review_date",
            N_("Date of the latest manual review"),
            "",
            "date",
            hint=N_("Leave empty until a person has reviewed the service by hand (keyboard, screen reader, zoom)."),
        ),
        Setting(
            "accessibility_statement_date",
            N_("Date the statement was last updated"),
            "2026-12-04",
            "date",
            required=True,
        ),
    ),
    rules=(_full_compliance_needs_a_review,),
)

EVALUATIONS = SettingGroup(
    slug="evaluations",
    title=N_("Evaluations"),
    intro=N_(
        "Results of anonymous evaluations are broken down by organisation and by side only for groups "
        'with at least this many answers; smaller groups are merged into "Others" (docs/evaluations.md).'
    ),
    settings=(
        Setting(
            "evaluation_min_group",
            N_("Smallest group of answers shown on its own"),
            "5",
            "count",
            hint=N_("Below it, a group's answers are shown only merged with others', so no one can be singled out."),
            required=True,
        ),
    ),
)

GROUPS: dict[str, SettingGroup] = {group.slug: group for group in (RETENTION, PRIVACY, ACCESSIBILITY, EVALUATIONS)}

# The largest number each numeric kind takes ("count": a number of people or answers).
_LIMITS = {"days": MAX_DAYS, "months": MAX_DAYS // 30, "years": MAX_DAYS // 365, "count": 1000}


def group(slug: str) -> SettingGroup:
    try:
        return GROUPS[slug]
    except KeyError:
        raise NotFound() from None


async def values(slug: str) -> dict[str, str]:
    """Every setting of a group: the saved value, or the default."""
    return (await values_of(slug))[slug]


async def values_of(*slugs: str) -> dict[str, dict[str, str]]:
    """`values` of several groups in one query: {slug: {key: value}}."""
    groups = [group(slug) for slug in slugs]
    saved = await SiteSetting.select(SiteSetting.key, SiteSetting.value).where(
        SiteSetting.key.is_in([setting.key for each in groups for setting in each.settings])
    )
    stored = {row["key"]: row["value"] for row in saved}
    return {
        each.slug: {setting.key: stored.get(setting.key, setting.default) for setting in each.settings}
        for each in groups
    }


async def number(slug: str, key: str) -> int:
    """A numeric setting (days, months, years) as an int; its default if the saved text is unusable."""
    setting = group(slug).setting(key)
    value = (await values(slug))[key]
    return int(value) if value.isdigit() else int(setting.default)


def _checked(setting: Setting, raw: str) -> str:
    """The value as it will be stored; raises DomainError when it is not acceptable."""
    value = raw.strip() if setting.kind != "textarea" else raw.strip().replace("\r\n", "\n")
    if not value:
        if setting.required:
            raise DomainError(N_("This field is required."), field=setting.key)
        return ""
    if setting.kind in _LIMITS:
        if not value.isdigit() or not 1 <= int(value) <= _LIMITS[setting.kind]:
            raise DomainError(
                N_("Enter a whole number between 1 and %(limit)s."), field=setting.key, limit=_LIMITS[setting.kind]
            )
        return str(int(value))
    if setting.kind == "date":
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError:
            raise DomainError(N_("Enter a date as YYYY-MM-DD."), field=setting.key) from None
    if setting.kind == "choice":
        if value not in dict(setting.choices):
            raise DomainError(N_("Choose one of the options."), field=setting.key)
        return value
    if setting.kind == "email":
        return normalise_email(value, field=setting.key)
    limit = 20000 if setting.kind == "textarea" else 300
    if len(value) > limit:
        raise DomainError(N_("The text is too long."), field=setting.key)
    return value


@changes_public_pages
async def save(slug: str, form: dict[str, str], *, actor: audit.Actor) -> list[str]:
    """Store the group's values from a form, all or none; return the keys that changed."""
    settings = group(slug).settings
    cleaned: dict[str, str] = {}
    errors: dict[str, DomainError | str] = {}
    for setting in settings:
        try:
            cleaned[setting.key] = _checked(setting, form.get(setting.key, ""))
        except DomainError as error:
            errors[setting.key] = error
    if not errors:  # the rules compare clean values only
        broken = [error for rule in group(slug).rules if (error := rule(cleaned)) is not None]
        errors = {error.field or "__all__": error for error in broken}
    if errors:
        raise ValidationFailed(errors)
    async with atomic():
        before = await values(slug)
        changed = [key for key, value in cleaned.items() if before[key] != value]
        for key in changed:
            updated = (
                await SiteSetting.update({SiteSetting.value: cleaned[key], SiteSetting.updated_at: utcnow()})
                .where(SiteSetting.key == key)
                .returning(SiteSetting.id)
            )
            if not updated:
                await SiteSetting.insert(SiteSetting(key=key, value=cleaned[key]))
        if changed:
            await audit.record(
                "settings.update",
                actor,
                object_type="settings",
                object_id=slug,
                summary=", ".join(changed),
                details={key: {"before": before[key], "after": cleaned[key]} for key in changed},
            )
    return changed
