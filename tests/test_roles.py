"""Who may open what: every route of the app, for every kind of visitor.

The routes are read from the app itself, so a new route is tested the moment it exists: a route
must either be on the explicit list of public routes below or live under a prefix whose audience is
known (/admin, /organiser, /staff, /my). A new guarded route that forgets its guard fails the
anonymous check; a route under a new prefix fails `test_every_route_is_public_or_has_an_audience`.

The JSON API (/api/) has a rule of its own: it knows bearer tokens, not sessions, so its reads are
public and every write answers 401 without a token, whoever is signed in (tests/test_api.py checks
the tokens themselves). Its POSTs are also outside the CSRF check, which is only for cookies.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from events_app.domain import (
    api_tokens,
    email_tokens,
    evaluation_links,
    events,
    invitation_links,
    invitations,
    mailing_opt_outs,
    outbox,
    programme,
    questions,
    registrations,
)
from events_app.domain.audit import Actor
from events_app.domain.email_tokens import Purpose
from events_app.domain.events import EventInput
from events_app.domain.invitations import InviteeInput
from events_app.domain.programme import SessionInput
from events_app.domain.questions import QuestionInput
from events_app.domain.registrations import Registrant, RegistrationInput
from events_app.domain.tables import (
    ApiToken,
    Evaluation,
    EvaluationRequest,
    OutboxMessage,
    OutboxStatus,
    Person,
    StaffAccount,
)
from events_app.domain.transactions import utcnow
from events_app.i18n import STOCKHOLM
from events_app.web.app import create_app
from tests.account_helpers import (
    add_member,
    another_client,
    database_snapshot,
    sign_in_member,
    text_of,
    tr,
)
from tests.conftest import DEMO_PASSWORD, sign_in

# Routes anyone may use, signed in or not.
PUBLIC_ROUTES = {
    "/",
    "/privacy",
    "/healthz",
    "/language",
    "/login",
    "/logout",
    "/login/link",
    "/login/link/{token:str}",
    "/password/forgot",
    "/password/reset/{token:str}",
    "/static/{file_path:path}",
    # Events: drafts answer 404 here (tests/test_public_events.py); the feed's token is its key.
    "/events",
    "/events/{slug:str}",
    "/events/{slug:str}/calendar.ics",
    "/events/{slug:str}/sessions/{uid:str}/calendar.ics",
    "/themes/{slug:str}",
    "/calendar/{token:str}/feed.ics",
    # Registering (tests/test_registration_web.py); the private link's token is its key.
    "/events/{slug:str}/register",
    "/registration/{token:str}",
    "/registration/{token:str}/cancel",
    "/registration/{token:str}/confirm",  # a held registration (tests/test_registration_bursts.py)
    # "Check your email" after a held registration, for the session that made it (test_registration_bursts.py)
    "/events/{slug:str}/register/check-email",
    # Declining further mailings (tests/test_mail_headers.py): the signed link's token is its key.
    "/mailings/decline/{token:str}",
    # A personal invitation's page (tests/test_invitation_web.py); the link's token is its key.
    "/invitation/{token:str}",
    "/invitation/{token:str}/decline",
    # A council meeting's invitation: one-click attending, its papers (tests/test_council_meetings.py).
    "/invitation/{token:str}/attend",
    "/invitation/{token:str}/material/{uid:str}",
    # An evaluation's answer page (tests/test_evaluations.py); the personal link's token is its key.
    "/evaluation/{token:str}",
    # Checking a certificate (tests/test_verification_web.py): lookups are limited per address.
    "/v/{code:str}",
    "/verify",
    "/material/{uid:str}",
    "/registration/{token:str}/material/{uid:str}",  # tests/test_material_web.py
    # The accessibility statement and its feedback form (tests/test_accessibility_statement.py): limited per address.
    "/tillganglighet",
}
# Who each guarded part of the site is for; roles nest (admin > organiser > checkin).
AUDIENCES = {"/admin": "admin", "/organiser": "organiser", "/staff": "checkin", "/checkin": "checkin", "/my": "person"}
RANK = {"checkin": 1, "organiser": 2, "admin": 3}
API_PREFIX = "/api/"
# The API's exceptions to "reads are public, writes need a token" (tests/test_registration_api.py).
PUBLIC_API_WRITES = {"/api/v1/events/{slug:str}/registrations"}  # registering, like the form
TOKEN_API_READS = {
    "/api/v1/events/{slug:str}/registrations",  # the list of registrations: personal data
    "/api/v1/events/{slug:str}/door",  # the door list: a paired scanner's
    "/api/v1/council/members",  # the council: names and addresses
    "/api/v1/council/meetings/{slug:str}",  # a council meeting: who is invited, their answers
}
VISITORS = ["anonymous", "person", "checkin", "organiser", "admin"]
# Guarded GETs that answer 404 to those let in, because the world has nothing for them yet: the
# no-shows of a day not over (tests/test_organiser_checkin.py downloads them after the day), a
# certificate's PDF (the world has no certificate; tests/test_organiser_certificates.py downloads one).
NOT_FOUND_YET = {
    "/organiser/events/{slug:str}/checkin/no-shows.csv",
    "/organiser/events/{slug:str}/certificates/{filename:str}",
    "/my/certificates/{filename:str}",  # a person's own (tests/test_participant_certificates.py)
    # a mailing of the event (tests/test_organiser_mailings.py)
    "/organiser/events/{slug:str}/mailings/{uid:str}",
    "/organiser/events/{slug:str}/mailings/{uid:str}/edit",
    "/organiser/events/{slug:str}/mailings/{uid:str}/preview.html",
    "/organiser/events/{slug:str}/mailings/{uid:str}/progress",
    # one of an evaluation's questions (tests/test_evaluations_organiser_web.py)
    "/organiser/events/{slug:str}/evaluations/{uid:str}/questions/{question_uid:str}",
    # name badges: the world's event has nobody confirmed to print one for (tests/test_badges.py prints them)
    "/organiser/events/{slug:str}/badges.pdf",
    # a walk-in's badge at the door: the world's event has no walk-in (tests/test_badges.py prints one)
    "/checkin/{slug:str}/walk-ins/{uid:str}/badge.pdf",
    # a term of the member's: the world's member has one, but its uid is not the sample (tests/test_council_members.py)
    "/organiser/members/{uid:str}/terms/{term_uid:str}/substitute",
    # a council meeting's page: the world's event is not one (tests/test_council_meetings.py)
    "/organiser/events/{slug:str}/council",
    "/my/meetings/{slug:str}",  # and a council member's view of one (tests/test_council_meetings.py)
    # and its attendance register (tests/test_council_records.py draws one)
    "/organiser/events/{slug:str}/council/register.pdf",
}


def routes_of(app) -> list[tuple[str, str]]:
    """(method, path template) for every route the app serves, OPTIONS and HEAD aside."""
    found = set()
    for route in app.routes:
        for method in getattr(route, "methods", set()) - {"OPTIONS", "HEAD"}:
            found.add((method, route.path))
    return sorted(found, key=lambda item: (item[1], item[0]))


def audience_of(path: str) -> str | None:
    for prefix, audience in AUDIENCES.items():
        if path == prefix or path.startswith(prefix + "/"):
            return audience
    return None


GUARDED = [
    (method, path)
    for method, path in routes_of(create_app())
    if path not in PUBLIC_ROUTES and not path.startswith(API_PREFIX)
]
API_ROUTES = [(method, path) for method, path in routes_of(create_app()) if path.startswith(API_PREFIX)]


def expected_outcome(visitor: str, audience: str) -> str:
    if audience == "person":
        return "ok" if visitor == "person" else "link_sign_in"
    if visitor in ("anonymous", "person"):
        return "sign_in"
    return "ok" if RANK[visitor] >= RANK[audience] else "forbidden"


async def evaluation_link(event_id: int, registration_id: int) -> str:
    """The personal link's token of an evaluation the registration is asked to answer."""
    form = Evaluation(event=event_id, title="Utvärdering", status="open")
    await form.save()
    request = EvaluationRequest(evaluation=form.id, registration=registration_id, scope=f"{form.id}/{registration_id}")
    await request.save()
    return evaluation_links.token_for(request.uid)


async def evaluation_of(event_id: int) -> str:
    """An evaluation of the event, for the organiser's pages under it (its results)."""
    form = Evaluation(event=event_id, title="Utvärdering av dagarna", status="open")
    await form.save()
    return str(form.uid)


@pytest.fixture
async def world(staff_accounts):
    """One object of each kind a guarded URL can name, so every URL points at something real."""
    member_uid = await add_member()
    message_id = await outbox.enqueue(
        to_address="someone@test.se", language="sv", template="test_message", context={"name": "Someone"}
    )
    await OutboxMessage.update({OutboxMessage.status: OutboxStatus.failed}).where(OutboxMessage.id == message_id)
    message = await OutboxMessage.select(OutboxMessage.uid).where(OutboxMessage.id == message_id).first()
    event = await events.create_event(
        EventInput(
            title="Hållbarhetsdagarna 2027",
            starts_at=datetime(2027, 3, 25, 9, tzinfo=STOCKHOLM),
            ends_at=datetime(2027, 3, 26, 16, tzinfo=STOCKHOLM),
        ),
        Actor.system("test"),
    )
    session = await programme.add_session(
        event["slug"],
        SessionInput(
            title="Välkommen",
            starts_at=datetime(2027, 3, 25, 9, tzinfo=STOCKHOLM),
            ends_at=datetime(2027, 3, 25, 10, tzinfo=STOCKHOLM),
        ),
        Actor.system("test"),
    )
    await api_tokens.create_token(staff_accounts["organiser"]["id"], "Webbplatsen", Actor.system("test"))
    token = await ApiToken.select(ApiToken.uid).first()
    open_event = await events.create_event(
        EventInput(
            title="Klimatdagen", starts_at=utcnow() + timedelta(days=30), ends_at=utcnow() + timedelta(days=30, hours=6)
        ),
        Actor.system("test"),
    )
    await events.publish_event(open_event["slug"], Actor.system("test"))
    registered = await registrations.register(
        open_event["slug"], RegistrationInput(name="Gun Gäst", email="gun@example.se", consent=True), Registrant()
    )
    question = await questions.add_question(
        open_event["id"], QuestionInput(label="Lunch?", kind="yes_no"), Actor.system("test")
    )
    await invitations.add_invitee(
        open_event["slug"], InviteeInput(name="Ida Inbjuden", email="ida@example.se"), Actor.system("test")
    )
    await invitations.send_invitations(open_event["slug"], "", Actor.system("test"))
    mail = (
        await OutboxMessage.select(OutboxMessage.build_args)
        .where(OutboxMessage.kind == "invitation")
        .output(load_json=True)
        .first()
    )
    return {
        "open_event_slug": open_event["slug"],
        "invitation_token": invitation_links.link_secret(mail["build_args"]["link"]),
        "manage_token": registered.registration["manage_token"],
        "decline_token": mailing_opt_outs.token_for("r", registered.registration["uid"]),
        "evaluation_token": await evaluation_link(open_event["id"], registered.registration["id"]),
        "evaluation_uid": await evaluation_of(event["id"]),
        "registration_uid": str(registered.registration["uid"]),
        "question_uid": str(question["uid"]),
        "member_uid": str(member_uid),
        "member_email": "asa.oberg@sundsvall.se",
        "staff_uid": str(staff_accounts["checkin"]["uid"]),
        "message_uid": str(message["uid"]),
        "event_slug": event["slug"],
        "session_uid": str(session["uid"]),
        "token_uid": str(token["uid"]),
        "accounts": staff_accounts,
    }


def concrete_url(path: str, world: dict) -> str:
    """The route's template with its path parameter filled in with a real object's id."""
    if "{" not in path:
        return path
    # An evaluation of the world's event (two parameters): its results and their exports.
    evaluation = re.match(r"/organiser/events/\{slug:str\}/evaluations/\{uid:str\}(.*)$", path)
    if evaluation:
        return f"/organiser/events/{world['event_slug']}/evaluations/{world['evaluation_uid']}{evaluation.group(1)}"
    samples = {
        "/organiser/members/": world["member_uid"],
        "/organiser/preparatory-group/": world["member_uid"],  # not an official's: 404
        "/organiser/council/statements/": "sundsvall",  # an organisation's code
        "/my/meetings/": world["event_slug"],  # not a council meeting: 404
        "/admin/staff/": world["staff_uid"],
        "/admin/outbox/": world["message_uid"],
        "/admin/settings/": "retention",
        "/admin/people/": world["member_uid"],
        "/organiser/events/": world["event_slug"],
        "/organiser/sessions/": world["session_uid"],
        "/organiser/api-tokens/": world["token_uid"],
        "/organiser/registrations/": world["registration_uid"],
        "/organiser/questions/": world["question_uid"],
        "/events/": world["open_event_slug"],
        "/checkin/devices/": world["token_uid"],  # a paired scanner's token
        "/checkin/": world["open_event_slug"],  # the scanner page: a published event
        "/registration/": world["manage_token"],
        "/mailings/decline/": world["decline_token"],
        "/invitation/": world["invitation_token"],
        "/evaluation/": world["evaluation_token"],
        "/my/certificates/": world["registration_uid"] + ".pdf",  # not a certificate's: 404
    }
    for prefix, value in samples.items():
        parameter = (
            re.match(r"\{(uid|slug|token|filename|code):str\}", path[len(prefix) :])
            if path.startswith(prefix)
            else None
        )
        if parameter:
            return prefix + value + path[len(prefix) + parameter.end() :]
    raise AssertionError(f"No sample value for the path parameter of {path}: add one to concrete_url()")


async def become(client, visitor: str, world: dict) -> None:
    if visitor == "anonymous":
        return
    if visitor == "person":
        response = await sign_in_member(client, world["member_email"])
    else:
        response = await sign_in(client, f"{visitor}@test.se")
    assert response.status_code in (302, 303), response.text


def problem_with(response: httpx.Response, outcome: str, url: str) -> str | None:
    """What is wrong with `response` when `outcome` was expected, or None."""
    status = response.status_code
    if outcome == "ok":
        if response.request.method == "GET":
            return None if status == 200 else f"expected 200, got {status}"
        target = response.headers.get("location", "")
        if status in (401, 403) or status >= 500 or urlsplit(target).path.startswith("/login"):
            return f"expected to be let through, got {status} {target}"
        return None
    if outcome == "forbidden":
        if status != 403:
            return f"expected 403, got {status} {response.headers.get('location', '')}"
        if tr("sv", "You do not have access to this page.") not in text_of(response):
            return "403 without the explanation"
        return None
    sign_in_path = "/login/link" if outcome == "link_sign_in" else "/login"
    if status not in (302, 303):
        return f"expected a redirect to {sign_in_path}, got {status}"
    target = urlsplit(response.headers["location"])
    if target.path != sign_in_path or parse_qs(target.query).get("next") != [url]:
        return f"expected a redirect to {sign_in_path}?next={url}, got {response.headers['location']}"
    return None


def test_every_route_is_public_or_has_an_audience():
    routes = routes_of(create_app())
    assert {path for _, path in routes} >= PUBLIC_ROUTES - {"/static/{file_path:path}"}
    unclassified = [
        f"{method} {path}"
        for method, path in routes
        if path not in PUBLIC_ROUTES and audience_of(path) is None and not path.startswith(API_PREFIX)
    ]
    assert not unclassified, f"Routes that are neither public nor under a known audience: {unclassified}"
    unexpected_methods = [f"{method} {path}" for method, path in routes if method not in ("GET", "POST")]
    assert not unexpected_methods, f"The role matrix only checks GET and POST: {unexpected_methods}"
    # The matrix below really covers something for each audience.
    assert {audience_of(path) for _, path in GUARDED} == set(AUDIENCES.values())
    assert any(method == "POST" for method, _ in GUARDED)


@pytest.mark.parametrize("visitor", VISITORS)
async def test_role_matrix(client, world, visitor):
    """GET and POST every guarded route as `visitor`; refused POSTs change nothing."""
    await become(client, visitor, world)
    problems = []
    for method, path in GUARDED:
        if method != "GET":
            continue
        url = concrete_url(path, world)
        outcome = expected_outcome(visitor, audience_of(path))
        response = await client.get(url)
        if outcome == "ok" and path in NOT_FOUND_YET and response.status_code == 404:
            continue
        problem = problem_with(response, outcome, url)
        if problem:
            problems.append(f"GET {url} as {visitor}: {problem}")

    posts = [(path, expected_outcome(visitor, audience_of(path))) for method, path in GUARDED if method == "POST"]
    # First the refused ones, each of which must leave the database as it was ...
    for path, outcome in posts:
        if outcome == "ok":
            continue
        url = concrete_url(path, world)
        before = await database_snapshot()
        response = await client.submit(url, {}, form_page="/")
        problem = problem_with(response, outcome, url)
        if problem:
            problems.append(f"POST {url} as {visitor}: {problem}")
        if await database_snapshot() != before:
            problems.append(f"POST {url} as {visitor} was refused but changed the database")
    # ... then the allowed ones (an empty form may change things, e.g. deactivate the member).
    for path, outcome in posts:
        if outcome != "ok":
            continue
        url = concrete_url(path, world)
        problem = problem_with(await client.submit(url, {}, form_page="/"), outcome, url)
        if problem:
            problems.append(f"POST {url} as {visitor}: {problem}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("role", ["checkin", "organiser", "admin"])
async def test_a_staff_member_is_not_a_participant(client, world, role):
    await sign_in(client, f"{role}@test.se")
    assert (await client.get("/staff")).status_code == 200
    response = await client.get("/my")
    assert response.status_code in (302, 303)
    assert response.headers["location"] == "/login/link?next=/my"


async def test_a_participant_is_not_staff(client, world):
    await sign_in_member(client, world["member_email"])
    assert (await client.get("/my")).status_code == 200
    response = await client.get("/staff")
    assert response.status_code in (302, 303)
    assert response.headers["location"] == "/login?next=/staff"


async def test_redirect_to_sign_in_keeps_the_query_string(client, world):
    response = await client.get("/organiser/members?q=%C3%96berg&inactive=true")
    target = urlsplit(response.headers["location"])
    assert target.path == "/login"
    assert parse_qs(target.query)["next"] == ["/organiser/members?q=%C3%96berg&inactive=true"]
    # ... and signing in from there comes back to the same page.
    signed_in = await client.submit(
        "/login", {"email": "organiser@test.se", "password": DEMO_PASSWORD, "next": parse_qs(target.query)["next"][0]}
    )
    assert signed_in.headers["location"] == "/organiser/members?q=%C3%96berg&inactive=true"


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/privacy",
        "/tillganglighet",
        "/healthz",
        "/login",
        "/login/link",
        "/password/forgot",
        "/static/site.css",
        "/events",
        "/themes/klimat-energi",
    ],
)
async def test_public_pages_are_open_to_everyone(client, path):
    assert (await client.get(path)).status_code == 200


# --- the JSON API -------------------------------------------------------------------------------


def api_url(path: str, slug: str) -> str:
    uid = "0b7e7a52-7c43-4ad4-9d36-0d3c1f0e0a11"
    samples = {"{slug:str}": slug, "{path:str}": "no-such-file", "{uid:str}": uid, "{term_uid:str}": uid}
    for parameter, value in samples.items():
        path = path.replace(parameter, value)
    assert "{" not in path, f"No sample value for the path parameter of {path}: add one to api_url()"
    return path


@pytest.mark.parametrize("visitor", ["anonymous", "admin"])
async def test_api_reads_are_public_and_writes_need_a_token(client, world, visitor):
    """Whoever is signed in (a session cookie): GETs are open, POSTs are 401 and change nothing."""
    from datetime import timedelta

    from events_app.domain import events
    from events_app.domain.audit import Actor
    from events_app.domain.events import EventInput
    from events_app.domain.transactions import utcnow

    start = utcnow() + timedelta(days=30)
    event = await events.create_event(
        EventInput(title="Rådsmöte", starts_at=start, ends_at=start + timedelta(hours=3)), Actor.system("test")
    )
    await events.publish_event(event["slug"], Actor.system("test"))
    await become(client, visitor, world)
    assert {method for method, _ in API_ROUTES} == {"GET", "POST"}
    problems = []
    for method, path in API_ROUTES:
        url = api_url(path, event["slug"])
        if method == "GET" and path in TOKEN_API_READS:
            if (await client.get(url)).status_code != 401:
                problems.append(f"GET {url} as {visitor}: expected 401 without a token")
            continue
        if method == "GET":
            response = await client.get(url)
            if response.status_code in (301, 302, 303, 307, 401, 403) or response.status_code >= 500:
                problems.append(f"GET {url} as {visitor}: expected a public answer, got {response.status_code}")
            continue
        before = await database_snapshot()
        response = await client.post(url, json={})
        if path in PUBLIC_API_WRITES:  # open to all: an empty body is refused as unreadable
            if response.status_code != 400:
                problems.append(f"POST {url} as {visitor}: expected 400 for an empty body, got {response.status_code}")
        elif response.status_code != 401 or response.json().get("code") != "not_authenticated":
            problems.append(f"POST {url} as {visitor}: expected 401 not_authenticated, got {response.status_code}")
        if await database_snapshot() != before:
            problems.append(f"POST {url} as {visitor} was refused but changed the database")
    assert not problems, "\n".join(problems)


# --- CSRF -------------------------------------------------------------------------------------

# The API's POSTs take no cookies, only bearer tokens, so the CSRF check leaves them alone.
# RFC 8058's one-click unsubscribe is POSTed by the mail program, which has no form token: the signed
# link is the proof instead (tests/test_mail_headers.py shows it stops only that person's mailings).
CSRF_EXEMPT = {"/mailings/decline/{token:str}"}
POST_ROUTES = [
    path
    for method, path in routes_of(create_app())
    if method == "POST" and not path.startswith(API_PREFIX) and path not in CSRF_EXEMPT
]
NEW_PASSWORD = "Fjallripa-over-Norra-Kusten-9"
MEMBER_CSV = "name,email,organisation,side\nNils Ödman,nils.odman@harnosand.se,harnosand,opposition\n"


async def csrf_sample(path: str, world: dict) -> tuple[str, dict, dict | None]:
    """A URL and a form that would do something real if the token were not checked."""
    url = concrete_url(path, world) if not path.endswith("{token:str}") or path.startswith("/registration/") else path
    member_form = {
        "name": "Åsa Öberg-Lind",
        "email": "asa.lind@sundsvall.se",
        "organisation": "kramfors",
        "side": "opposition",
        "title": "",
        "term_start": "",
        "term_end": "",
    }
    forms: dict[str, dict] = {
        "/language": {"language": "en", "next": "/"},
        "/login": {"email": "organiser@test.se", "password": DEMO_PASSWORD},
        "/login/link": {"email": world["member_email"]},
        "/password/forgot": {"email": "admin@test.se"},
        "/password/reset/{token:str}": {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
        "/staff/password": {
            "current_password": DEMO_PASSWORD,
            "password": NEW_PASSWORD,
            "password_again": NEW_PASSWORD,
        },
        "/organiser/members/new": member_form,
        "/organiser/members/{uid:str}": member_form,
        "/organiser/members/{uid:str}/active": {"active": "0"},
        "/organiser/members-import": {"confirm": "1", "content": MEMBER_CSV},
        "/admin/staff/new": {"email": "new@test.se", "name": "Ny Person", "role": "admin", "password": NEW_PASSWORD},
        "/admin/staff/{uid:str}": {"name": "Karin Incheckare", "role": "admin", "active": "1"},
        "/events/{slug:str}/register": {"name": "Anna Andersson", "email": "anna@example.se", "consent": "1"},
        "/registration/{token:str}": {"name": "Gun Gäst-Berg"},
        "/registration/{token:str}/cancel": {"confirm": "yes"},
        "/invitation/{token:str}/decline": {"reason": "Kan inte komma."},
        "/tillganglighet": {"message": "Knappen Skicka går inte att nå med tangentbordet."},
        # Correcting a registrant's organisation (tests/test_organiser_registration_organisation.py).
        "/organiser/registrations/{uid:str}/organisation": {"organisation": "region", "organisation_other": ""},
    }
    if path == "/login/link/{token:str}":
        person = await Person.select(Person.id).where(Person.email == world["member_email"]).first()
        url = "/login/link/" + await email_tokens.issue(Purpose.person_sign_in, person_id=person["id"])
    if path == "/password/reset/{token:str}":
        account = await StaffAccount.select(StaffAccount.id).where(StaffAccount.email == "admin@test.se").first()
        url = "/password/reset/" + await email_tokens.issue(Purpose.password_reset, staff_id=account["id"])
    files = {"file": ("members.csv", MEMBER_CSV.encode(), "text/csv")} if path == "/organiser/members-import" else None
    return url, forms.get(path, {}), files


@pytest.mark.parametrize("path", POST_ROUTES)
async def test_post_without_a_valid_csrf_token_is_refused_and_changes_nothing(app, client, world, path):
    await sign_in(client, "admin@test.se")
    async with another_client(app) as attacker:
        await attacker.get("/")
        attackers_token = attacker.last_csrf
    assert attackers_token
    for token in ["missing", "forged", "another session's"]:
        url, form, files = await csrf_sample(path, world)
        if token == "forged":
            form = {**form, "_csrf_token": "forged-" + "x" * 40}
        elif token == "another session's":
            form = {**form, "_csrf_token": attackers_token}
        before = await database_snapshot()

        response = await client.post(url, data=form, files=files)

        assert response.status_code == 403, (token, response.status_code, response.headers.get("location"))
        assert tr("sv", "The form had expired. Go back, reload the page and try again.") in text_of(response)
        assert await database_snapshot() == before, token
        assert "lang" not in response.cookies
        still = await client.get("/staff")  # not signed out, not switched to English
        assert still.status_code == 200, token
        assert '<html lang="sv">' in still.text


async def test_the_same_post_with_the_token_goes_through(client, world):
    """The counterpart of the CSRF test: the form is otherwise fine, so the token is what is checked."""
    await sign_in(client, "admin@test.se")
    url, form, _ = await csrf_sample("/admin/staff/{uid:str}", world)
    response = await client.submit(url, form)
    assert response.status_code in (302, 303)
    account = await StaffAccount.select(StaffAccount.role).where(StaffAccount.email == "checkin@test.se").first()
    assert account["role"] == "admin"
