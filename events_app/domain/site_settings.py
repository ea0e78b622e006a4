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

GROUPS: dict[str, SettingGroup] = {group.slug: group for group in (RETENTION,)}

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
