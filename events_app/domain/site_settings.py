"""What an admin sets in the back office rather than in the environment: texts and periods that only
the federation can know (its retention periods, its privacy notice, its accessibility statement).

Every setting is declared here, in groups, with its default, so the admin form, the validation and
the readers agree on one list. Values are stored as text in `SiteSetting`; a key never saved reads
as its default.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from events_app.domain import audit
from events_app.domain.errors import DomainError, NotFound, ValidationFailed
from events_app.domain.tables import SiteSetting
from events_app.domain.transactions import atomic, utcnow
from events_app.i18n import N_

# The longest period an admin may enter: a century covers any records plan.
MAX_DAYS = 36500


@dataclass(frozen=True)
class Setting:
    """One value an admin can change. `label` and `hint` are English message ids.

    kind: "text" (one line), "textarea", "days", "months" or "years" (a whole number, at most a
    century), or "date" (YYYY-MM-DD).
    """

    key: str
    label: str
    default: str = ""
    kind: str = "text"
    hint: str = ""
    required: bool = False


@dataclass(frozen=True)
class SettingGroup:
    slug: str
    title: str
    intro: str
    settings: tuple[Setting, ...] = field(default_factory=tuple)

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
            "retention_certificate_years",
            N_("Certificates and the competence record: years after issue (the records plan)"),
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

GROUPS: dict[str, SettingGroup] = {group.slug: group for group in (RETENTION, PRIVACY)}

_LIMITS = {"days": MAX_DAYS, "months": MAX_DAYS // 30, "years": MAX_DAYS // 365}


def group(slug: str) -> SettingGroup:
    try:
        return GROUPS[slug]
    except KeyError:
        raise NotFound() from None


async def values(slug: str) -> dict[str, str]:
    """Every setting of a group: the saved value, or the default."""
    settings = group(slug).settings
    saved = await SiteSetting.select(SiteSetting.key, SiteSetting.value).where(
        SiteSetting.key.is_in([setting.key for setting in settings])
    )
    stored = {row["key"]: row["value"] for row in saved}
    return {setting.key: stored.get(setting.key, setting.default) for setting in settings}


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
    limit = 20000 if setting.kind == "textarea" else 300
    if len(value) > limit:
        raise DomainError(N_("The text is too long."), field=setting.key)
    return value


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
