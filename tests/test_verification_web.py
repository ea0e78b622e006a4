"""The public verification page: the short address under the QR code (/v/{code}) and the form
(/verify). It says in words whether a certificate is valid, superseded or revoked, shows only the
number, name, event and dates, answers 404 for unknown codes and refuses lookups over the limit per
address. Runs on both databases."""

from __future__ import annotations

from events_app.domain import certificates
from events_app.domain.certificates import format_code
from events_app.domain.tables import Certificate
from events_app.i18n import format_day_range, use_language
from events_app.web.verification import LOOKUPS_PER_IP
from tests.account_helpers import another_client, text_of, tr
from tests.certificate_helpers import (
    MARET,
    check_in,
    days_of,
    finished_event,
    participant,
    second_day,
)
from tests.registration_helpers import SYSTEM

ORGANISATION = "Kustbygdens Miljöbyrå"
NOT_FOUND = "No certificate with this code was found. Check the code on the certificate."


async def _issued(name: str = MARET, email: str = "maret@example.se") -> tuple[dict, dict]:
    """A finished event whose one participant came on day one, with the certificate issued."""
    event = await finished_event()
    registration = await participant(event, name, email, organisation=ORGANISATION, title="Miljöstrateg")
    await check_in(event, registration, days_of(event)[0])
    await certificates.issue_certificates(event["slug"], SYSTEM)
    return event, await Certificate.select().where(Certificate.name == name).first()


def _private_headers_and_noindex(response) -> None:
    assert response.headers["cache-control"] == "no-store"
    assert '<meta name="robots" content="noindex">' in response.text


async def test_the_short_address_says_valid_and_shows_only_the_number_name_event_and_dates(client):
    event, row = await _issued()

    response = await client.get(f"/v/{row['verification_code']}")

    assert response.status_code == 200
    _private_headers_and_noindex(response)
    page = text_of(response)
    assert tr("sv", "Valid certificate") in page
    assert MARET in page and event["title"] in page and row["number"] in page
    found = await certificates.verify(row["verification_code"])
    with use_language("sv"):
        assert format_day_range(found["first_day"], found["last_day"]) in page
    # Nothing else about the person: no address, organisation or title; not the venue either.
    for private in ("maret@example.se", ORGANISATION, "Miljöstrateg", "Folkets hus"):
        assert private not in page
    # The code as printed (with dashes), in small letters, reads the same.
    again = await client.get(f"/v/{format_code(row['verification_code']).lower()}")
    assert again.status_code == 200 and MARET in text_of(again)


async def test_a_superseded_and_a_revoked_certificate_say_so_in_words(client):
    event = await finished_event()
    anna = await participant(event, "Anna Andersson", "anna@example.se")
    await check_in(event, anna, days_of(event)[0])
    await certificates.issue_certificates(event["slug"], SYSTEM)
    await check_in(event, anna, second_day(event))  # a correction: she came on day two as well
    await certificates.issue_certificates(event["slug"], SYSTEM)
    old, new = await Certificate.select().order_by(Certificate.id)
    await certificates.revoke(str(new["uid"]), "Utfärdat av misstag", SYSTEM, event_slug=event["slug"])

    superseded = await client.get(f"/v/{old['verification_code']}")
    assert superseded.status_code == 200
    page = text_of(superseded)
    assert tr("sv", "Superseded: this certificate has been replaced by a newer one") in page
    assert tr("sv", "Replaced on") in page and tr("sv", "Valid certificate") not in page
    assert "Anna Andersson" in page and old["number"] in page and event["title"] in page
    assert new["number"] not in page  # the newer certificate is the holder's to show

    revoked = await client.get(f"/v/{new['verification_code']}")
    assert revoked.status_code == 200
    page = text_of(revoked)
    assert tr("sv", "Revoked: this certificate is no longer valid") in page and tr("sv", "Revoked on") in page
    assert "Anna Andersson" in page and new["number"] in page
    assert "Utfärdat av misstag" not in page  # the reason stays with the organisers
    _private_headers_and_noindex(revoked)


async def test_an_unknown_or_malformed_code_is_a_404_with_the_form(client):
    await _issued()
    for code in ("ABCD-EFGH-JKMN", "not-a-code", "0" * 40):
        response = await client.get(f"/v/{code}")
        assert response.status_code == 404, code
        page = text_of(response)
        assert tr("sv", NOT_FOUND) in page
        assert MARET not in page
        assert 'name="number"' in response.text and 'name="code"' in response.text
        _private_headers_and_noindex(response)


async def test_the_form_finds_a_certificate_by_its_number_and_code_together(client):
    event, row = await _issued()

    empty = await client.get("/verify")
    assert empty.status_code == 200
    _private_headers_and_noindex(empty)
    assert tr("sv", "Certificate number") in text_of(empty) and tr("sv", "Verification code") in text_of(empty)

    missing = await client.get("/verify", params={"number": "", "code": ""})
    assert missing.status_code == 400
    page = text_of(missing)
    assert tr("sv", "Enter the certificate number.") in page and tr("sv", "Enter the verification code.") in page
    assert 'aria-invalid="true"' in missing.text

    found = await client.get(
        "/verify", params={"number": f" {row['number'].lower()} ", "code": format_code(row["verification_code"])}
    )
    assert found.status_code == 200
    page = text_of(found)
    assert tr("sv", "Valid certificate") in page and MARET in page and event["title"] in page
    _private_headers_and_noindex(found)

    # The right code with another number finds nothing: both must match.
    mismatched = await client.get("/verify", params={"number": "HR-2000-0001", "code": row["verification_code"]})
    assert mismatched.status_code == 404
    page = text_of(mismatched)
    assert tr("sv", NOT_FOUND) in page and MARET not in page
    assert 'value="HR-2000-0001"' in mismatched.text  # the form keeps what was typed


async def test_lookups_over_the_limit_are_refused_even_for_a_real_code(app, client):
    _, row = await _issued()
    for n in range(LOOKUPS_PER_IP):
        response = await client.get(f"/v/ABCD-EFGH-{n:04d}")
        assert response.status_code == 404, n

    refused = await client.get(f"/v/{row['verification_code']}")
    assert refused.status_code == 429
    page = text_of(refused)
    assert tr("sv", "Too many checks from your connection") in page
    assert MARET not in page and row["number"] not in page
    assert refused.headers["retry-after"]
    _private_headers_and_noindex(refused)
    form = await client.get("/verify", params={"number": row["number"], "code": row["verification_code"]})
    assert form.status_code == 429 and MARET not in text_of(form)

    # In English for an English reader.
    client.cookies.set("lang", "en")
    assert "Too many checks from your connection" in text_of(await client.get(f"/v/{row['verification_code']}"))

    # Another address is not affected.
    async with another_client(app, ip="10.4.5.6") as elsewhere:
        response = await elsewhere.get(f"/v/{row['verification_code']}")
        assert response.status_code == 200 and MARET in text_of(response)
