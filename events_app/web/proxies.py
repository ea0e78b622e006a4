"""Noticing a reverse proxy that `events-app serve` does not trust.

uvicorn takes the client's address from X-Forwarded-For only when the connection comes from an
address in FORWARDED_ALLOW_IPS. Behind any other proxy every visitor seems to come from the proxy's
address: they share one rate-limit bucket, and the audit log names the proxy. Nothing tells the
operator, so the first such request logs a warning (once per worker).
"""

from __future__ import annotations

import logging

from litestar.types import Scope

from events_app.settings import get_settings

log = logging.getLogger("events_app.proxies")
_warned = False


def warn_once_if_untrusted_proxy(scope: Scope) -> None:
    global _warned
    if _warned:
        return
    forwarded = next((value for name, value in scope.get("headers", []) if name == b"x-forwarded-for"), None)
    client = scope.get("client")
    if forwarded is None or not client:
        return
    # A trusted proxy's header has been applied: the client is then one of the forwarded addresses.
    if client[0] not in {host.strip() for host in forwarded.decode("latin-1").split(",")}:
        _warned = True
        log.warning(
            "requests arrive through a proxy at %s that is not trusted (FORWARDED_ALLOW_IPS=%s): every visitor "
            "behind it shares that address in rate limits and the audit log; add the proxy's address to "
            "FORWARDED_ALLOW_IPS",
            client[0],
            get_settings().forwarded_allow_ips,
        )
