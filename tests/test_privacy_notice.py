"""The privacy notice (GDPR Art. 13): drawn from the admin's settings in Swedish and English, its
retention periods from the retention settings, and the version each registration agreed to."""

from __future__ import annotations

from events_app import i18n
from events_app.domain import privacy_notice, registrations, site_settings
from events_app.domain.audit import Actor
from events_app.domain.registrations import Registrant
from events_app.domain.tables import Registration
from tests.account_helpers import ntr, text_of, tr
from tests.conftest import sign_in
from tests.registration_helpers import form, published_event
from tests.test_registration_web import registered

PRIVACY_FORM = "/admin/settings/privacy"
RIGHTS = (
    "access: be told what we hold about you and get a copy of it (Article 15);",
    "rectification: have wrong or incomplete details corrected (Article 16);",
    "erasure: have your data removed when we no longer need it or may not keep it (Article 17); records we must "
    "keep under the Archives Act, such as certificates, are kept as long as the records plan says;",
    "restriction: have the processing limited, for example while a correction is checked (Article 18);",
    "objection: object to processing we do as a task in the public interest (Article 21);",
    "data portability: get the data you gave us in a machine-readable format (Article 20);",
)
RETENTION_FORM = "/admin/settings/retention"


def days(language: str, n: int) -> str:
    return ntr(language, "%(num)s day", "%(num)s days", n) % {"num": n}


async def save(client, form_url: str, slug: str, **changes: str):
    response = await client.submit(form_url, {**await site_settings.values(slug), **changes})
    assert response.status_code in (302, 303), text_of(response)[:2000]


async def in_english(client) -> None:
    await client.submit("/language", {"language": "en", "next": "/privacy"}, form_page="/privacy")


async def consent_versions() -> dict[str, str]:
    rows = await Registration.select(Registration.email, Registration.consent_version)
    return {row["email"]: row["consent_version"] for row in rows}


# --- The version --------------------------------------------------------------------------------


def test_every_change_of_a_text_or_a_period_gives_a_new_version_and_the_old_texts_the_old_one():
    privacy = {"privacy_version_label": "1", "privacy_purposes_sv": "Anmälan"}
    retention = {"retention_sensitive_days": "30"}
    first = privacy_notice.version_of(privacy, retention)
    assert first.startswith("1-") and len(first) == len("1-") + privacy_notice.FINGERPRINT_LENGTH
    edited = privacy_notice.version_of({**privacy, "privacy_purposes_sv": "Anmälan."}, retention)
    longer = privacy_notice.version_of(privacy, {"retention_sensitive_days": "31"})
    relabelled = privacy_notice.version_of({**privacy, "privacy_version_label": "2"}, retention)
    assert len({first, edited, longer}) == 3
    assert relabelled == "2-" + first.split("-", 1)[1]  # the label alone changes only the label
    assert privacy_notice.version_of(dict(privacy), dict(retention)) == first


# --- The page -----------------------------------------------------------------------------------


async def test_the_notice_in_swedish_and_english_from_the_defaults(client):
    version = await privacy_notice.current_version()
    swedish = text_of(await client.get("/privacy"))
    assert tr("sv", "How we handle personal data") in swedish
    assert "Kommunförbundet Västernorrland" in swedish
    assert "Anmälan till evenemang" in swedish and "allmänt intresse (artikel 6.1 e)" in swedish
    assert "Inga personuppgifter förs över till länder utanför EU/EES." in swedish
    assert days("sv", 30) in swedish and ntr("sv", "%(num)s year", "%(num)s years", 10) % {"num": 10} in swedish
    assert tr("sv", "Version %(version)s of this notice.", version=version) in swedish
    assert tr("sv", "You can see and download your data on My pages") in swedish
    assert 'href="https://www.imy.se"' in swedish and "Integritetsskyddsmyndigheten" in swedish
    for right in RIGHTS:
        assert tr("sv", right) in swedish, right

    await in_english(client)
    english = text_of(await client.get("/privacy"))
    assert '<html lang="en">' in english
    assert "Registration for events" in english and "Anmälan till evenemang" not in english
    assert "No personal data is transferred to countries outside the EU/EEA." in english
    assert days("en", 30) in english
    assert f"Version {version} of this notice." in english


async def test_the_page_follows_the_admins_texts_and_retention_periods(client, staff_accounts):
    before = await privacy_notice.current_version()
    await sign_in(client, "admin@test.se")
    page = text_of(await client.get(PRIVACY_FORM))
    assert tr("sv", "The notice now published is version %(version)s.", version=before) in page

    await save(
        client,
        PRIVACY_FORM,
        "privacy",
        privacy_controller_org_number="222000-1234",
        privacy_controller_email="dataskydd@kfvn.se",
        privacy_dpo_contact="Dataskyddsombudet\n060-12 34 56",
        privacy_purposes_sv="- **Anmälan**: för att ordna evenemanget.",
        privacy_purposes_en="",  # left empty: the English page shows the Swedish text
    )
    await save(client, RETENTION_FORM, "retention", retention_sensitive_days="45", retention_guest_months="18")
    after = await privacy_notice.current_version()
    assert after != before

    swedish = await client.get("/privacy")
    text = text_of(swedish)
    assert "222000-1234" in text and 'href="mailto:dataskydd@kfvn.se"' in text
    assert "Dataskyddsombudet<br>060-12 34 56" in text
    assert "<strong>Anmälan</strong>: för att ordna evenemanget." in text
    assert "Anmälan till evenemang" not in text
    sensitive = text.split('id="retention-retention_sensitive_days">')[1].split("</dd>")[0]
    assert sensitive == days("sv", 45)
    assert (ntr("sv", "%(num)s month", "%(num)s months", 18) % {"num": 18}) in text
    changed_at = (await privacy_notice.notice("sv")).changed_at
    with i18n.use_language("sv"):
        changed_on = i18n.format_day(changed_at)
    assert (
        tr("sv", "Version %(version)s of this notice, last changed on %(date)s.", version=after, date=changed_on)
        in text
    )
    assert before not in text

    await in_english(client)
    english = text_of(await client.get("/privacy"))
    assert "<strong>Anmälan</strong>" in english and days("en", 45) in english


# --- The version a registration agreed to -------------------------------------------------------


async def test_each_registration_keeps_the_version_it_agreed_to(client, staff_accounts):
    event = await published_event()
    first = await privacy_notice.current_version()
    form_page = text_of(await client.get(f"/events/{event['slug']}/register"))
    assert tr("sv", "the privacy notice, version %(version)s", version=first) in form_page
    await registered(client, event, email="forsta@example.se")

    await sign_in(client, "admin@test.se")
    await save(client, PRIVACY_FORM, "privacy", privacy_recipients_sv="Bara arrangörerna.", privacy_version_label="2")
    second = await privacy_notice.current_version()
    assert second.startswith("2-") and second != first
    client.cookies.clear()
    await registered(client, event, email="andra@example.se")
    # The JSON API and the domain's own callers record it as well; staff registering someone by hand
    # are not the person agreeing, so nothing is recorded for them.
    api = await client.post(
        f"/api/v1/events/{event['slug']}/registrations",
        json={"name": "Api Person", "email": "api@example.se", "organisation": "sundsvall", "consent": True},
    )
    assert api.status_code == 201, api.text
    await registrations.register(
        event["slug"], form("hand@example.se"), Registrant(source="organiser", actor=Actor.system("test"))
    )
    assert await consent_versions() == {
        "forsta@example.se": first,
        "andra@example.se": second,
        "api@example.se": second,
        "hand@example.se": "",
    }

    # The organiser sees on each registration's page which version the person accepted, and when.
    await sign_in(client, "organiser@test.se")
    for email, version in (("forsta@example.se", first), ("andra@example.se", second)):
        row = await Registration.select().where(Registration.email == email).first()
        page = text_of(await client.get(f"/organiser/registrations/{row['uid']}"))
        with i18n.use_language("sv"):
            when = i18n.format_short_datetime(row["consent_at"])
        assert f"<dt>{tr('sv', 'Consent given')}</dt><dd>{when} ({version})</dd>" in page
