"""Staff accounts remembered for a second by the worker process that read them.

A scanner at the door asks hundreds of times a second, by API token or with a signed-in session, and
reading the account behind the token or the session cookie was one of each request's few statements.
So each process keeps what it read for REMEMBER_FOR. The process that revokes a token, ends an
account's sessions, changes its role, password or language or deactivates it forgets at once
(`forget`), including what a request that read the account before the change would remember after
it (`reading`); the other worker processes within REMEMBER_FOR.
"""

from __future__ import annotations

import time
from collections.abc import Hashable
from typing import Any

REMEMBER_FOR = 1.0  # seconds
_AT_MOST = 1000  # a process's door devices and staff at once; beyond this, start again
_remembered: dict[Hashable, tuple[float, Any]] = {}
_forgotten = 0  # how many times everything was forgotten: a read begun before then is not kept


def reading() -> int:
    """Call before reading an account from the database; give the result to `remember`."""
    return _forgotten


def recall(key: Hashable) -> Any | None:
    """What was remembered under `key` within REMEMBER_FOR, else None."""
    found = _remembered.get(key)
    if found is None:
        return None
    until, value = found
    if time.monotonic() >= until:
        del _remembered[key]
        return None
    return value


def remember(key: Hashable, value: Any, read_at: int) -> None:
    """Keep `value`, read from the database after `read_at = reading()`, unless a change of some
    account was made (and forgotten) since: the value may predate it."""
    if read_at != _forgotten:
        return
    if len(_remembered) >= _AT_MOST:
        _remembered.clear()
    _remembered[key] = (time.monotonic() + REMEMBER_FOR, value)


def forget(key: Hashable | None = None) -> None:
    """Forget `key`, or everything (after a revocation or an account change)."""
    global _forgotten
    if key is None:
        _forgotten += 1
        _remembered.clear()
    else:
        _remembered.pop(key, None)
