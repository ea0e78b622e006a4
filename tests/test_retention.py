"""Data is kept no longer than needed (GDPR): expired limits, links and old delivered mail go."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from datetime import timedelta

from events_app.domain import email_tokens, outbox, retention
from events_app.domain.email_tokens import Purpose
from events_app.domain.tables import (
    EmailToken,
    OutboxMessage,
    OutboxStatus,
    RateLimitCounter,
)
from events_app.domain.transactions import utcnow


async def _mail(status: OutboxStatus, sent_days_ago: int | None) -> int:
    message_id = await outbox.enqueue(
        to_address="asa@example.se", language="sv", template="test_message", context={"name": "Åsa"}
    )
    sent_at = utcnow() - timedelta(days=sent_days_ago) if sent_days_ago is not None else None
    await OutboxMessage.update({OutboxMessage.status: status, OutboxMessage.sent_at: sent_at}).where(
        OutboxMessage.id == message_id
    )
    return message_id


async def test_purge_removes_only_what_has_served_its_purpose(settings):
    now = utcnow()
    await RateLimitCounter.insert(
        RateLimitCounter(key="old", hits=3, window_start=now - timedelta(days=2)),
        RateLimitCounter(key="recent", hits=1, window_start=now - timedelta(minutes=5)),
    )
    await email_tokens.issue(Purpose.person_sign_in)  # still valid
    await email_tokens.issue(Purpose.password_reset)
    await EmailToken.update({EmailToken.expires_at: now - timedelta(days=3)}).where(
        EmailToken.purpose == Purpose.password_reset.value
    )
    old_sent = await _mail(OutboxStatus.sent, 120)
    new_sent = await _mail(OutboxStatus.sent, 10)
    old_failed = await _mail(OutboxStatus.failed, None)
    pending = await _mail(OutboxStatus.pending, None)

    purged = await retention.purge_expired(dataclasses.replace(settings, outbox_retention_days=90))

    assert purged == {"rate_limit_counters": 1, "email_tokens": 1, "sent_mail": 1, "burst_keys": 0}
    assert [row["key"] for row in await RateLimitCounter.select(RateLimitCounter.key)] == ["recent"]
    assert [row["purpose"] for row in await EmailToken.select(EmailToken.purpose)] == [Purpose.person_sign_in.value]
    left = {row["id"] for row in await OutboxMessage.select(OutboxMessage.id)}
    assert left == {new_sent, old_failed, pending} and old_sent not in left


async def test_purge_command_runs():
    result = subprocess.run(
        [sys.executable, "-m", "events_app.cli", "purge"], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("purged: ")
