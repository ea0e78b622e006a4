"""An evaluation's personal links, and the locator an answer is stored under.

A link is the request's uid and an HMAC of it under a key derived from SECRET_KEY, so it can be
neither guessed nor altered, and nothing secret is stored. The answer's locator is another HMAC of
the uid under another key: the database holds neither key, so it cannot join an answer to the
request (and so to the person) it came from; only the server, handed the link, finds the answer to
show it again and change it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

from events_app.domain.errors import NotFound
from events_app.domain.tables import EvaluationRequest, EvaluationResponse
from events_app.domain.validation import parse_uid
from events_app.i18n import N_
from events_app.settings import get_settings

_INVALID_LINK = N_("This link is not valid. Check that you copied the whole link.")


# --- Links --------------------------------------------------------------------------------------


def _key(purpose: bytes) -> bytes:
    return hashlib.sha256(b"events-app evaluation " + purpose + b"\0" + get_settings().secret_key.encode()).digest()


def keyed_hash(purpose: bytes, value: str, length: int) -> str:
    """An HMAC of `value` under the key of `purpose` (each purpose its own key derived from
    SECRET_KEY), `length` bytes of it in URL-safe base64: the links, the answers' locators and the
    names the results page gives free texts (evaluation_results.text_key)."""
    digest = hmac.new(_key(purpose), value.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:length]).decode().rstrip("=")


def token_for(request_uid: Any) -> str:
    """The personal link's secret of a request: its uid and an HMAC of it."""
    return f"{request_uid}.{keyed_hash(b'link', str(request_uid), 18)}"


def locator_for(request_uid: Any) -> str:
    """What an answer made with the request's link is stored under (EvaluationResponse.locator).

    A different key from the link's: the database holds neither key, so it cannot join an answer to
    its request; only the server, handed the link, can find the answer to change it."""
    return keyed_hash(b"answer", str(request_uid), 32)


async def request_by_token(token: str) -> dict[str, Any]:
    """The request a link names, with its registration's person, organisation and language.
    NotFound for a link altered, mistyped or of a registration since deleted."""
    uid_text, _, mac = (token or "").partition(".")
    uid = parse_uid(uid_text)
    if uid is None or not hmac.compare_digest(mac, keyed_hash(b"link", str(uid), 18)):
        raise NotFound(_INVALID_LINK)
    request = (
        await EvaluationRequest.select(
            *EvaluationRequest.all_columns(),
            EvaluationRequest.registration.person.as_alias("person"),
            EvaluationRequest.registration.organisation.as_alias("organisation"),
            EvaluationRequest.registration.language.as_alias("language"),
            EvaluationRequest.registration.name.as_alias("name"),
            EvaluationRequest.registration.status.as_alias("registration_status"),
        )
        .where(EvaluationRequest.uid == uid)
        .first()
    )
    if request is None:
        raise NotFound(_INVALID_LINK)
    return request


async def answered_locators(evaluation_id: int) -> set[str]:
    """The locators of a form's answers: a request has answered when its own locator is among them."""
    rows = await EvaluationResponse.select(EvaluationResponse.locator).where(
        EvaluationResponse.evaluation == evaluation_id
    )
    return {row["locator"] for row in rows}


async def has_answered(request: dict[str, Any]) -> bool:
    return await EvaluationResponse.exists().where(EvaluationResponse.locator == locator_for(request["uid"]))
