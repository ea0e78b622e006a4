"""Tickets: the random ticket id, the signed code a QR code carries, the short typed code, the images.

A ticket code reads `HR1.<ticket>.<event>.<signature>` (see docs/tickets.md):
- `ticket` is the registration's random 128-bit ticket id, base64url without padding;
- `event` is the first 12 hex digits of the event's uid, so a scanner can tell another event's ticket;
- `signature` is an Ed25519 signature of everything before it.

The signature lets a scanner that holds only the public key (`/api/v1/ticket-key`) tell a real ticket
from a forged one without a connection; the online check-in still looks the ticket up. The signing
key is derived from SECRET_KEY, so every worker process signs alike and nothing else needs storing.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import secrets
from dataclasses import dataclass
from functools import lru_cache

import qrcode
import qrcode.image.svg
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from events_app.settings import get_settings

VERSION = "HR1"
# Crockford-like: no 0/O, 1/I/L, so a code read aloud or typed from a phone screen cannot be misread.
SHORT_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
SHORT_CODE_LENGTH = 8  # 31**8 ≈ 8.5e11: unguessable at the door, where typing is rate-limited by people


def new_ticket_id() -> str:
    """128 random bits, as 32 hex digits; never derived from a database id."""
    return secrets.token_hex(16)


def new_short_code() -> str:
    return "".join(secrets.choice(SHORT_CODE_ALPHABET) for _ in range(SHORT_CODE_LENGTH))


def format_short_code(code: str) -> str:
    """'ABCDEFGH' -> 'ABCD-EFGH', the way it is printed."""
    return f"{code[:4]}-{code[4:]}"


def normalise_short_code(typed: str) -> str:
    """What someone typed ('abcd efgh', 'ABCD-EFGH') -> 'ABCDEFGH'."""
    return "".join(ch for ch in (typed or "").upper() if ch.isalnum())


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@lru_cache(maxsize=4)
def _private_key(secret_key: str) -> Ed25519PrivateKey:
    seed = hashlib.sha256(b"events-app ticket signing key\0" + secret_key.encode()).digest()
    return Ed25519PrivateKey.from_private_bytes(seed)


@lru_cache(maxsize=4)
def _public_key(secret_key: str) -> Ed25519PublicKey:
    # Deriving it costs half as much as verifying a signature: every scan would pay it again.
    return _private_key(secret_key).public_key()


def signing_key() -> Ed25519PrivateKey:
    return _private_key(get_settings().secret_key)


def public_key() -> Ed25519PublicKey:
    return _public_key(get_settings().secret_key)


def public_key_pem() -> str:
    return (
        public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    )


def event_tag(event_uid: object) -> str:
    return str(event_uid).replace("-", "")[:12]


def ticket_code(ticket_id: str, event_uid: object) -> str:
    """The signed code for a ticket; Ed25519 signatures are deterministic, so it is always the same."""
    payload = f"{VERSION}.{_b64(bytes.fromhex(ticket_id))}.{event_tag(event_uid)}"
    return f"{payload}.{_b64(signing_key().sign(payload.encode()))}"


@dataclass(frozen=True)
class VerifiedTicket:
    ticket_id: str
    event_tag: str


def verify_code(code: str, key: Ed25519PublicKey | None = None) -> VerifiedTicket | None:
    """The ticket id and event tag of a genuine code, or None for anything forged or malformed."""
    parts = (code or "").strip().split(".")
    if len(parts) != 4 or parts[0] != VERSION:
        return None
    payload, signature = ".".join(parts[:3]), parts[3]
    try:
        (key or public_key()).verify(_unb64(signature), payload.encode())
        ticket = _unb64(parts[1])
    except (InvalidSignature, binascii.Error, ValueError):
        return None
    if len(ticket) != 16:
        return None
    return VerifiedTicket(ticket_id=ticket.hex(), event_tag=parts[2])


def _qr(code: str) -> qrcode.QRCode:
    # Level M survives a scratched print or a cracked phone screen; a 4-module quiet zone is the standard.
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=8, border=4)
    qr.add_data(code)
    qr.make(fit=True)
    return qr


def qr_png(code: str) -> bytes:
    buffer = io.BytesIO()
    _qr(code).make_image().save(buffer, format="PNG")
    return buffer.getvalue()


def qr_svg(code: str) -> str:
    """An SVG that scales to any size (the page makes it as wide as the phone screen)."""
    image = _qr(code).make_image(image_factory=qrcode.image.svg.SvgPathImage)
    return image.to_string(encoding="unicode")
