"""The version of what the public pages show: events, their programme and themes, the places left,
the material listed on them and the site settings they display.

Every service that changes one of these calls `changed()` once its transaction has committed; the web
layer keeps rendered public pages only while `current()` still answers what it answered when the
page was rendered. The version lives in a small file under VAR_DIR, so every worker process on the
machine (and every command-line run, e.g. `seed`) shares it at the cost of one small read per
request; an in-process counter is part of it too, so the process that made a change sees it even if
the file cannot be written. Machines that do not share VAR_DIR only meet through the cache's short
lifetime (PUBLIC_PAGE_CACHE_SECONDS): see docs/public-page-cache.md.
"""

from __future__ import annotations

import functools
import itertools
import logging
import os
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import ParamSpec, TypeVar

from events_app.settings import get_settings

VERSION_FILE = "public-pages.version"
log = logging.getLogger("events_app")
P = ParamSpec("P")
R = TypeVar("R")

_changes = itertools.count(1)
_local_version = 0


def _path() -> Path:
    return _path_in(get_settings().var_dir)


@functools.lru_cache(maxsize=4)
def _path_in(var_dir: Path) -> Path:
    return var_dir / VERSION_FILE


def changed() -> None:
    """Something the public pages show has changed (and is committed): pages rendered before are stale."""
    global _local_version
    _local_version = next(_changes)
    path = _path()
    # Written aside and renamed over, so a reader never sees half a version. A timestamp alone could
    # repeat within the kernel's clock tick; the pid and the counter make each write distinct.
    aside = path.with_name(f"{VERSION_FILE}.{os.getpid()}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        aside.write_bytes(f"{time.time_ns()}-{os.getpid()}-{_local_version}".encode())
        os.replace(aside, path)
    except OSError as error:
        # Other processes then learn of the change only when their cached pages expire.
        log.warning("could not record a change of the public pages in %s: %s", path, error)


def current() -> tuple[int, bytes]:
    """What identifies the public pages' content now; equal answers mean nothing known has changed."""
    try:
        descriptor = os.open(_path(), os.O_RDONLY)
    except OSError:
        return _local_version, b""
    try:
        return _local_version, os.read(descriptor, 64)
    finally:
        os.close(descriptor)


def changes_public_pages(service: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
    """Mark a service that changes what the public pages show: `changed()` once it has returned
    (its transaction committed) or failed (a failure may have committed part of it)."""

    @functools.wraps(service)
    async def calling_changed(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return await service(*args, **kwargs)
        finally:
            changed()

    return calling_changed
