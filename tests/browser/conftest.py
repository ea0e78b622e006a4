"""Fixtures for the browser tests: the real server in a subprocess, and Debian's Chromium via Playwright.

The server is started once per run with `events-app serve` and the environment tests/conftest.py set
up at import (DATABASE_URL, SECRET_KEY, DEV, VAR_DIR...), so it reads and writes the very database
the tests empty and seed before each test. The tests use Playwright's async API: pytest-asyncio runs
in auto mode, and the sync API refuses to run while an event loop is marked as running (and marks
its own loop as running between calls, which would break the async tests that follow).

Without /usr/bin/chromium the browser tests are skipped, with the reason in the summary, except when
CI=true: there a missing browser fails the run, so that CI cannot pass without having run them.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import pytest_asyncio

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
TIMEOUT_MS = 10_000  # for actions and expectations; signing in hashes a password, slow on a busy CI machine


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() == "true"


def skip_or_fail(reason: str) -> None:
    """Skip (developer machine) or fail (CI=true) the browser tests for `reason`."""
    if _in_ci():
        pytest.fail(f"CI=true and {reason}; the browser tests must run in CI", pytrace=False)
    pytest.skip(f"browser tests skipped: {reason}")


# What the pages the tests visit did against the security headers: a page without a
# Content-Security-Policy, or anything the policy had to block (an inline script, another origin).
SECURITY_PROBLEMS: list[str] = []


def watch_security(ctx) -> None:
    def on_response(response) -> None:
        if response.request.resource_type != "document" or urlsplit(response.url).hostname != "127.0.0.1":
            return
        policy = response.headers.get("content-security-policy", "")
        if not policy or "'unsafe-inline'" in policy.split("script-src", 1)[-1].split(";", 1)[0]:
            SECURITY_PROBLEMS.append(f"{response.url}: Content-Security-Policy {policy!r}")
        if response.headers.get("x-content-type-options") != "nosniff":
            SECURITY_PROBLEMS.append(f"{response.url}: no X-Content-Type-Options")

    def on_console(message) -> None:
        if "Content Security Policy" in message.text:
            SECURITY_PROBLEMS.append(f"{message.location.get('url', '')}: {message.text}")

    ctx.on("response", on_response)
    ctx.on("console", on_console)


@pytest.fixture(autouse=True)
def every_page_keeps_the_security_policy():
    """Each page a browser test visits has a strict Content-Security-Policy, and nothing it loads or
    runs is blocked by it."""
    SECURITY_PROBLEMS.clear()
    yield
    assert not SECURITY_PROBLEMS, "\n".join(SECURITY_PROBLEMS)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def browser() -> AsyncIterator[object]:
    """One headless Chromium for the whole run (each test gets its own context, so no cookies leak)."""
    if not CHROMIUM.exists():
        skip_or_fail(f"{CHROMIUM} does not exist (apt-get install chromium)")
    try:
        from playwright.async_api import async_playwright, expect
    except ImportError as error:
        skip_or_fail(f"playwright is not installed ({error})")
    expect.set_options(timeout=TIMEOUT_MS)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        opened = browser.new_context

        async def new_context(*args, **kwargs):  # every context the tests open is watched
            ctx = await opened(*args, **kwargs)
            watch_security(ctx)
            return ctx

        browser.new_context = new_context
        try:
            yield browser
        finally:
            await browser.close()


@pytest_asyncio.fixture(loop_scope="session")
async def context(browser, live_server) -> AsyncIterator[object]:
    """A fresh browser profile (cookies, storage) per test, with relative URLs resolved against the server."""
    ctx = await browser.new_context(base_url=live_server, locale="sv-SE")
    ctx.set_default_timeout(TIMEOUT_MS)
    try:
        yield ctx
    finally:
        await ctx.close()


@pytest_asyncio.fixture(loop_scope="session")
async def page(context) -> AsyncIterator[object]:
    yield await context.new_page()


@pytest_asyncio.fixture(loop_scope="session")
async def phone_page(browser, live_server) -> AsyncIterator[object]:
    """A page in a 360 px wide viewport, the width of a small phone."""
    ctx = await browser.new_context(
        base_url=live_server,
        locale="sv-SE",
        viewport={"width": 360, "height": 740},
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
    )
    ctx.set_default_timeout(TIMEOUT_MS)
    try:
        yield await ctx.new_page()
    finally:
        await ctx.close()
