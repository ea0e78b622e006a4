"""Rate limits over a sliding window: attempts just before a window's edge still count after it."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from events_app.domain import rate_limits
from events_app.domain.errors import RateLimited

HOUR = timedelta(hours=1)


@pytest.fixture
def clock(monkeypatch):
    """Set the time the rate limits see: `clock(datetime)`."""

    def set_time(moment: datetime) -> None:
        monkeypatch.setattr(rate_limits, "utcnow", lambda: moment)

    return set_time


async def attempts(count: int, limit: int = 5, bucket: str = "test:addr:x") -> list[bool]:
    passed = []
    for _ in range(count):
        try:
            await rate_limits.count_attempt({bucket: limit}, window=HOUR)
            passed.append(True)
        except RateLimited:
            passed.append(False)
    return passed


async def test_the_limit_holds_across_the_edge_of_a_window(clock):
    clock(datetime(2027, 5, 11, 9, 58, tzinfo=UTC))
    assert await attempts(6) == [True] * 5 + [False]
    # Two minutes later a new counting window has begun, but the last hour still holds six attempts.
    clock(datetime(2027, 5, 11, 10, 0, 30, tzinfo=UTC))
    assert await attempts(1) == [False]


async def test_earlier_attempts_weigh_less_as_they_leave_the_window(clock):
    clock(datetime(2027, 5, 11, 9, 5, tzinfo=UTC))
    assert await attempts(5) == [True] * 5
    # 55 minutes into the next window, about 1/12 of the previous window's five attempts remain.
    clock(datetime(2027, 5, 11, 10, 55, tzinfo=UTC))
    assert await attempts(5) == [True] * 4 + [False]


async def test_buckets_are_counted_apart_and_the_tightest_limit_refuses(clock):
    clock(datetime(2027, 5, 11, 9, 0, tzinfo=UTC))
    assert await attempts(2, limit=2, bucket="a") == [True, True]
    assert await attempts(2, limit=2, bucket="b") == [True, True]
    with pytest.raises(RateLimited):
        await rate_limits.count_attempt({"c": 10, "a": 2}, window=HOUR)


async def test_a_forgotten_attempt_no_longer_counts(clock):
    clock(datetime(2027, 5, 11, 9, 0, tzinfo=UTC))
    for _ in range(3):
        keys = await rate_limits.count_attempt({"staff": 3}, window=HOUR)
        await rate_limits.forget_attempt(keys)
    assert await attempts(4, limit=3, bucket="staff") == [True, True, True, False]


async def test_fifty_attempts_at_once_let_exactly_the_limit_through():
    async def one() -> bool:
        try:
            await rate_limits.count_attempt({"rush:ip:10.0.0.1": 20, f"rush:addr:{uuid.uuid4()}": 5}, window=HOUR)
            return True
        except RateLimited:
            return False

    assert sum(await asyncio.gather(*[one() for _ in range(50)])) == 20
