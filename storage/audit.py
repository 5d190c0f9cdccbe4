"""The audit trail: who did what to which thing, when. Rows are only ever added."""

from __future__ import annotations

import json

import sqlite_utils

from storage.clock import clock, iso


def record(
    db: sqlite_utils.Database,
    action: str,
    subject: str,
    actor_id: int | None = None,
    **detail: object,
) -> None:
    """Append one row; the caller holds the transaction so the row lands with its change."""
    db.table("audit").insert(
        {
            "at": iso(clock.now()),
            "actor_id": actor_id,
            "action": action,
            "subject": subject,
            "detail": json.dumps(detail, ensure_ascii=False, sort_keys=True) if detail else None,
        }
    )


def trail(db: sqlite_utils.Database, subject: str) -> list[dict]:
    return list(db.table("audit").rows_where("subject = ?", [subject], order_by="id"))
