"""Staff accounts: the secretariat's organisers, check-in staff and admins.

Staff sign in with email and password. Roles nest: an admin may do what an organiser may, an
organiser what check-in staff may.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from events_app.domain import api_tokens, audit, email_tokens, links, outbox, rate_limits, remembered_accounts
from events_app.domain.audit import Actor
from events_app.domain.email_tokens import Purpose
from events_app.domain.errors import DomainError, NotFound, RateLimited
from events_app.domain.passwords import check_strength, hash_password, verify_password
from events_app.domain.tables import Role, StaffAccount
from events_app.domain.transactions import atomic, utcnow
from events_app.domain.validation import normalise_email, parse_uid, required_text
from events_app.i18n import N_, normalise_language

ROLE_RANK = {Role.checkin.value: 1, Role.organiser.value: 2, Role.admin.value: 3}
# Failed sign-ins within the window. Refused: a client (one address from one IP) past its limit, and
# an IP past a higher one (a whole check-in team may share one venue's Wi-Fi). Failures for an address
# from anywhere never refuse, which would let anyone lock its owner out: they slow every further
# attempt down, doubling from BACKOFF_UNIT up to BACKOFF_MAX_UNITS of it, and mail the owner a notice.
SIGN_IN_FAILURES_PER_CLIENT = 10
SIGN_IN_FAILURES_PER_IP = 30
SIGN_IN_WINDOW = timedelta(minutes=15)
BACKOFF_AFTER = 5  # failures for an address before its attempts are slowed down
BACKOFF_UNIT = 1.0  # seconds
BACKOFF_MAX_UNITS = 8
FAILURE_NOTICE_AFTER = 10  # failures for an address in the window that mail its owner (once an hour)
NOTICE_WINDOW = timedelta(hours=1)
RESET_REQUESTS_PER_ADDRESS = 5
RESET_REQUESTS_PER_IP = 20


def has_role(role: str, needed: Role) -> bool:
    return ROLE_RANK.get(role, 0) >= ROLE_RANK[needed.value]


def parse_role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        raise DomainError(N_("Choose a role."), field="role") from None


def backoff_seconds(earlier_failures: float) -> float:
    """How long an attempt waits, given the failures for its address in the window before it."""
    if earlier_failures < BACKOFF_AFTER:
        return 0.0
    return BACKOFF_UNIT * min(2 ** (earlier_failures - BACKOFF_AFTER), BACKOFF_MAX_UNITS)


async def _notify_failed_sign_ins(account: dict[str, Any], failures: int) -> None:
    """Tell the account's owner that someone keeps failing to sign in as them (at most once an hour)."""
    try:
        await rate_limits.count_attempt({f"staff-sign-in-notice:{account['id']}": 1}, window=NOTICE_WINDOW)
    except RateLimited:
        return
    async with atomic():
        await outbox.enqueue(
            to_address=account["email"],
            to_name=account["name"],
            language=account["language"],
            template="sign_in_failures",
            kind="sign_in_failures",
            context={
                "name": account["name"],
                "failures": failures,
                "minutes": int(SIGN_IN_WINDOW.total_seconds() // 60),
                "reset_url": links.password_forgot_url(),
            },
        )
        await audit.record(
            "staff.sign_in_failures_notified",
            Actor.system("sign-in limits"),
            object_type="staff",
            object_id=account["uid"],
            summary=str(failures),
        )


async def create_staff(
    *, email: str, name: str, role: str, password: str, actor: Actor, language: str = "sv"
) -> dict[str, Any]:
    email = normalise_email(email)
    name = required_text(name, field="name")
    role_value = parse_role(role)
    check_strength(password, email=email, name=name)
    async with atomic():
        if await StaffAccount.exists().where(StaffAccount.email == email):
            raise DomainError(N_("There is already a staff account with that email address."), field="email")
        account = StaffAccount(
            email=email,
            name=name,
            role=role_value,
            password_hash=hash_password(password),
            language=normalise_language(language),
        )
        await account.save()
        await audit.record(
            "staff.created",
            actor,
            object_type="staff",
            object_id=account.uid,
            summary=f"{name} <{email}> ({role_value.value})",
        )
    return account.to_dict()


async def authenticate(email: str, password: str, *, ip: str) -> dict[str, Any] | None:
    """The active account these credentials open, or None; rate-limited per client and per IP, and
    slowed down for an address that many have failed to sign in to."""
    address = rate_limits.address_key(email)
    client, from_ip, anywhere = (
        f"staff-sign-in:client:{address}:{ip}",
        f"staff-sign-in:ip:{ip}",
        f"staff-sign-in:addr:{address}",
    )
    # Counted before the password is checked, so parallel guesses cannot slip past the limit;
    # a successful sign-in takes its attempt back.
    attempt, seen = await rate_limits.tally([client, from_ip, anywhere], window=SIGN_IN_WINDOW)
    if seen[client] > SIGN_IN_FAILURES_PER_CLIENT or seen[from_ip] > SIGN_IN_FAILURES_PER_IP:
        raise RateLimited()
    await asyncio.sleep(backoff_seconds(seen[anywhere] - 1))
    account = await StaffAccount.select().where(StaffAccount.email == email.strip().lower()).first()
    if not verify_password(account["password_hash"] if account else None, password) or not account["active"]:
        if account is not None and seen[anywhere] >= FAILURE_NOTICE_AFTER:
            await _notify_failed_sign_ins(account, int(seen[anywhere]))
        return None
    await rate_limits.forget_attempt(attempt)
    async with atomic():
        await StaffAccount.update({StaffAccount.last_login_at: utcnow()}).where(StaffAccount.id == account["id"])
        await audit.record(
            "staff.signed_in",
            Actor(account["name"], staff_id=account["id"], ip=ip),
            object_type="staff",
            object_id=account["uid"],
        )
    return account


async def end_sessions(staff_id: int) -> None:
    """Sign the account out everywhere: every session cookie issued so far stops working (the cookie
    itself lives in the browser, so a copy of it could otherwise be replayed after signing out)."""
    await StaffAccount.update({StaffAccount.session_epoch: StaffAccount.session_epoch + 1}).where(
        StaffAccount.id == staff_id
    )
    remembered_accounts.forget()


async def get_active(staff_id: int, epoch: int) -> dict[str, Any] | None:
    """The signed-in account behind a session cookie, if it is still valid: read at most once a
    second by each process (remembered_accounts)."""
    remembered = remembered_accounts.recall(("session", staff_id, epoch))
    if remembered is not None:
        return dict(remembered)
    read_at = remembered_accounts.reading()
    account = (
        await StaffAccount.select(
            StaffAccount.id,
            StaffAccount.uid,
            StaffAccount.name,
            StaffAccount.email,
            StaffAccount.role,
            StaffAccount.language,
        )
        .where((StaffAccount.id == staff_id) & (StaffAccount.session_epoch == epoch) & (StaffAccount.active == True))
        .first()
    )
    if account is not None:
        remembered_accounts.remember(("session", staff_id, epoch), account, read_at)
        return dict(account)
    return None


async def session_epoch(staff_id: int) -> int:
    row = await StaffAccount.select(StaffAccount.session_epoch).where(StaffAccount.id == staff_id).first()
    return row["session_epoch"] if row else -1


async def count_password_reset_request(email: str, *, ip: str) -> None:
    """Count the request against the limits (raises RateLimited); the mail follows after the answer."""
    await rate_limits.count_attempt(
        {
            f"password-reset:addr:{rate_limits.address_key(email)}": RESET_REQUESTS_PER_ADDRESS,
            f"password-reset:ip:{ip}": RESET_REQUESTS_PER_IP,
        },
        window=timedelta(hours=1),
    )


async def mail_password_reset(email: str, *, ip: str, language: str) -> None:
    account = (
        await StaffAccount.select()
        .where((StaffAccount.email == email.strip().lower()) & (StaffAccount.active == True))
        .first()
    )
    if account is None:
        return
    async with atomic():
        token = await email_tokens.issue(Purpose.password_reset, staff_id=account["id"])
        await outbox.enqueue(
            to_address=account["email"],
            to_name=account["name"],
            language=account["language"] or language,
            template="password_reset",
            context={"name": account["name"], "reset_url": links.password_reset_url(token)},
        )
        await audit.record(
            "staff.password_reset_requested",
            Actor(account["name"], staff_id=account["id"], ip=ip),
            object_type="staff",
            object_id=account["uid"],
        )


async def reset_link_is_usable(token: str) -> bool:
    return await email_tokens.is_usable(Purpose.password_reset, token)


async def reset_password(token: str, password: str, *, ip: str) -> int:
    """Set a new password through a mailed link; every session and API token of the account ends.
    Returns how many API tokens were revoked."""
    if not await email_tokens.is_usable(Purpose.password_reset, token):
        raise DomainError(N_("This link has expired or has already been used. Ask for a new one."), code="link_expired")
    async with atomic():
        used = await email_tokens.consume(Purpose.password_reset, token)
        if used is None:
            raise DomainError(
                N_("This link has expired or has already been used. Ask for a new one."), code="link_expired"
            )
        account = await StaffAccount.select().where(StaffAccount.id == used["staff"]).first()
        check_strength(password, email=account["email"], name=account["name"])
        await StaffAccount.update(
            {
                StaffAccount.password_hash: hash_password(password),
                StaffAccount.session_epoch: StaffAccount.session_epoch + 1,
            }
        ).where(StaffAccount.id == account["id"])
        revoked = await api_tokens.revoke_all(account["id"])
        await audit.record(
            "staff.password_reset",
            Actor(account["name"], staff_id=account["id"], ip=ip),
            object_type="staff",
            object_id=account["uid"],
            details={"api_tokens_revoked": revoked},
        )
    remembered_accounts.forget()  # again once committed: a request meanwhile may have remembered the old state
    return revoked


@dataclass
class PasswordChanged:
    epoch: int  # the new session epoch: other sessions are signed out
    api_tokens_revoked: int


async def change_password(staff_id: int, current: str, new: str, *, actor: Actor) -> PasswordChanged:
    """Change one's own password: other sessions are signed out and every API token is revoked."""
    account = await StaffAccount.select().where(StaffAccount.id == staff_id).first()
    if account is None:
        raise NotFound()
    if not verify_password(account["password_hash"], current):
        raise DomainError(N_("The current password is wrong."), field="current_password")
    check_strength(new, email=account["email"], name=account["name"])
    async with atomic():
        await StaffAccount.update(
            {StaffAccount.password_hash: hash_password(new), StaffAccount.session_epoch: StaffAccount.session_epoch + 1}
        ).where(StaffAccount.id == staff_id)
        revoked = await api_tokens.revoke_all(staff_id)
        await audit.record(
            "staff.password_changed",
            actor,
            object_type="staff",
            object_id=account["uid"],
            details={"api_tokens_revoked": revoked},
        )
    remembered_accounts.forget()  # again once committed: a request meanwhile may have remembered the old state
    return PasswordChanged(epoch=account["session_epoch"] + 1, api_tokens_revoked=revoked)


async def list_staff() -> list[dict[str, Any]]:
    return await StaffAccount.select(
        StaffAccount.uid,
        StaffAccount.name,
        StaffAccount.email,
        StaffAccount.role,
        StaffAccount.active,
        StaffAccount.last_login_at,
    ).order_by(StaffAccount.name)


async def get_by_uid(uid: str) -> dict[str, Any]:
    account_uid = parse_uid(uid)
    account = None
    if account_uid is not None:  # not a UUID at all: no such account
        account = await StaffAccount.select().where(StaffAccount.uid == account_uid).first()
    if account is None:
        raise NotFound()
    return account


async def update_staff(uid: str, *, name: str, role: str, active: bool, actor: Actor) -> None:
    """An admin changes someone's name, role or whether the account may sign in."""
    name = required_text(name, field="name")
    role_value = parse_role(role)
    async with atomic():
        account = await get_by_uid(uid)
        if account["id"] == actor.staff_id and (role_value != Role.admin or not active):
            raise DomainError(N_("You cannot remove your own admin role or deactivate yourself."), field="role")
        changes: dict[Any, Any] = {StaffAccount.name: name, StaffAccount.role: role_value, StaffAccount.active: active}
        if role_value.value != account["role"] or active != account["active"]:
            # A changed role or a deactivation takes effect at once, in every open session.
            changes[StaffAccount.session_epoch] = StaffAccount.session_epoch + 1
        await StaffAccount.update(changes).where(StaffAccount.id == account["id"])
        if role_value.value != account["role"]:
            await audit.record(
                "staff.role_changed",
                actor,
                object_type="staff",
                object_id=uid,
                summary=f"{account['email']}: {account['role']} -> {role_value.value}",
            )
        if active != account["active"]:
            await audit.record(
                "staff.activated" if active else "staff.deactivated",
                actor,
                object_type="staff",
                object_id=uid,
                summary=account["email"],
            )
        if name != account["name"]:
            await audit.record(
                "staff.renamed", actor, object_type="staff", object_id=uid, summary=f"{account['name']} -> {name}"
            )
    remembered_accounts.forget()  # its sessions and tokens act with the new role, or not at all


async def set_language(staff_id: int, language: str) -> None:
    await StaffAccount.update({StaffAccount.language: normalise_language(language)}).where(StaffAccount.id == staff_id)
    remembered_accounts.forget()
