"""The privacy notice (GDPR Article 13): its texts from the admin's "privacy" settings, its retention
periods from the "retention" settings, and its version.

The version is the admin's label and a fingerprint of everything the notice says that an admin can
change (the privacy texts and the retention periods), e.g. "2-3fa2c1d0". Whatever is changed, and
whether or not the admin remembers to raise the label, the version changes with it; restoring the
old texts gives the old version back, which is right: it is the same notice. A registration records
the version current when its person agreed (`Registration.consent_version`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from events_app.domain import site_settings
from events_app.domain.tables import SiteSetting

# The label is the admin's free text; the stored version (label, dash, fingerprint) fits 64 characters.
LABEL_LENGTH = 40
FINGERPRINT_LENGTH = 8


@dataclass(frozen=True)
class Notice:
    """What the notice page shows: `texts` are the privacy settings with the language's own variants
    under plain names (purposes, recipients, transfers), falling back to Swedish when left empty."""

    texts: dict[str, str]
    retention: list[dict[str, Any]]  # the retention settings in order: key, label, kind, value
    version: str
    changed_at: datetime | None  # the last time an admin saved a text or period it shows


def version_of(privacy: dict[str, str], retention: dict[str, str]) -> str:
    """The version of the notice these settings make: the label plus a short SHA-256 of the rest."""
    content = {key: value for key, value in privacy.items() if key != "privacy_version_label"} | retention
    digest = hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    label = "".join(privacy["privacy_version_label"].split())[:LABEL_LENGTH] or "1"
    return f"{label}-{digest[:FINGERPRINT_LENGTH]}"


async def current_version() -> str:
    """The version now (one query: every registration records it)."""
    groups = await site_settings.values_of("privacy", "retention")
    return version_of(groups["privacy"], groups["retention"])


def _localised(privacy: dict[str, str], language: str) -> dict[str, str]:
    texts = dict(privacy)
    for part in ("purposes", "recipients", "transfers"):
        own = privacy.get(f"privacy_{part}_{language}", "")
        texts[part] = own or privacy[f"privacy_{part}_sv"]
    return texts


async def _changed_at() -> datetime | None:
    keys = [setting.key for slug in ("privacy", "retention") for setting in site_settings.group(slug).settings]
    rows = await SiteSetting.select(SiteSetting.updated_at).where(SiteSetting.key.is_in(keys))
    return max((row["updated_at"] for row in rows), default=None)


def _whole(value: str, setting: site_settings.Setting) -> int:
    return int(value) if value.isdigit() else int(setting.default)


async def notice(language: str) -> Notice:
    privacy = await site_settings.values("privacy")
    retention = await site_settings.values("retention")
    periods = [
        {
            "key": setting.key,
            "label": setting.label,
            "kind": setting.kind,
            "value": _whole(retention[setting.key], setting),
        }
        for setting in site_settings.group("retention").settings
    ]
    return Notice(
        texts=_localised(privacy, language),
        retention=periods,
        version=version_of(privacy, retention),
        changed_at=await _changed_at(),
    )
