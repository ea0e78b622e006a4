"""The audit log: who did what to which object, and when. Admins read it; nothing edits it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from events_app.domain.tables import AuditEntry


@dataclass(frozen=True)
class Actor:
    """Whoever causes a change: a staff member, a person, or the system (command line, worker)."""

    label: str
    staff_id: int | None = None
    person_id: int | None = None
    ip: str = ""

    @classmethod
    def system(cls, label: str = "system") -> Actor:
        return cls(label=label)


async def record(
    action: str,
    actor: Actor,
    *,
    object_type: str = "",
    object_id: object = "",
    summary: str = "",
    details: dict[str, Any] | None = None,
) -> None:
    """Write one entry; call it inside the transaction of the change it records."""
    await AuditEntry.insert(
        AuditEntry(
            actor=actor.label[:300],
            actor_staff=actor.staff_id,
            actor_person=actor.person_id,
            action=action,
            object_type=object_type,
            object_id=str(object_id)[:80],
            summary=summary,
            details=details or {},
            ip=actor.ip[:64],
        )
    )


async def recent_entries(*, limit: int = 200, action: str = "", query: str = "") -> list[dict[str, Any]]:
    select = AuditEntry.select().order_by(AuditEntry.id, ascending=False).limit(limit)
    if action:
        select = select.where(AuditEntry.action == action)
    if query:
        like = f"%{query}%"
        select = select.where(
            AuditEntry.actor.ilike(like) | AuditEntry.summary.ilike(like) | AuditEntry.object_id.ilike(like)
        )
    return await select


async def actions() -> list[str]:
    rows = await AuditEntry.select(AuditEntry.action).distinct().order_by(AuditEntry.action)
    return [row["action"] for row in rows]


async def entries_about(object_type: str, object_id: object) -> list[dict[str, Any]]:
    """Everything recorded about one object, oldest first (a registration's history, for example)."""
    return await (
        AuditEntry.select(
            AuditEntry.created_at, AuditEntry.actor, AuditEntry.action, AuditEntry.summary, AuditEntry.details
        )
        .where((AuditEntry.object_type == object_type) & (AuditEntry.object_id == str(object_id)))
        .order_by(AuditEntry.id)
        .output(load_json=True)
    )
