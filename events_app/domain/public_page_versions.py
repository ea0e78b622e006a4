"""The version of what the public pages show: events, their programme and themes, the places left,
the material listed on them and the site settings they display.

Every service that changes one of these calls `changed()` once its transaction has committed; the web
layer keeps rendered public pages only while `current()` still answers what it answered when the
page was rendered. The version lives in a small file under VAR_DIR, so every worker process on the
machine (and every command-line run, e.g. `seed`) shares it at the cost of one small read (pread) per
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
# Every version written has this many bytes, so a new one overwrites the old one whole.
_WIDTH = 48
log = logging.getLogger("events_app")
P = ParamSpec("P")
R = TypeVar("R")

_changes = itertools.count(1)
_local_version = 0
# The version file of each VAR_DIR, opened once per process: a cached page's check is then one
# pread, and a change (one per registration in a rush) one pwrite, instead of opening, writing and
# renaming a file each time.
_files: dict[Path, int] = {}


def _descriptor() -> int | None:
    var_dir = get_settings().var_dir
    descriptor = _files.get(var_dir)
    if descriptor is None:
        try:
            var_dir.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(var_dir / VERSION_FILE, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as error:
            # Other processes then learn of changes only when their cached pages expire.
            log.warning("could not open %s: %s", var_dir / VERSION_FILE, error)
            return None
        _files[var_dir] = descriptor
    return descriptor


def changed() -> None:
    """Something the public pages show has changed (and is committed): pages rendered before are stale."""
    global _local_version
    _local_version = next(_changes)
    descriptor = _descriptor()
    if descriptor is None:
        return
    # Written in place: a reader that meets a half-written version sees a value that differs from the
    # last one, so it drops its pages (once more than needed), and never keeps a stale one. The pid
    # and the counter make two writes within one clock tick distinct.
    version = f"{time.time_ns()}-{os.getpid()}-{_local_version}".encode()[:_WIDTH].ljust(_WIDTH)
    try:
        os.pwrite(descriptor, version, 0)
    except OSError as error:
        log.warning("could not record a change of the public pages: %s", error)


def current() -> tuple[int, bytes]:
    """What identifies the public pages' content now; equal answers mean nothing known has changed."""
    descriptor = _descriptor()
    if descriptor is None:
        return _local_version, b""
    try:
        return _local_version, os.pread(descriptor, _WIDTH, 0)
    except OSError:
        return _local_version, b""


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
