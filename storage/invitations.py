"""Personal one-time invitations: a random code per person, stored only as its hash, single
use, expiring. Issuing a new code for someone revokes the one they had."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum

import sqlite_utils

from storage import audit
from storage.clock import clock, iso, parse_iso
from storage.people import Person, by_id, everyone


class Redemption(Enum):
    JOINED = "joined"
    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"
    REVOKED = "revoked"
    PERSON_BOUND = "person_bound"  # the roster row already has another Telegram account
    ACCOUNT_BOUND = "account_bound"  # this Telegram account already belongs to someone
    INACTIVE = "inactive"


@dataclass(frozen=True)
class Invitation:
    person: Person
    code: str
    expires_at: str
    # the roster's 工号, when the roster gives one: two people of one name (two 李静 in 护理部)
    # are told apart by it on paper, where the name and department are the same
    staff_number: str | None = None


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def looks_like_code(text: str) -> bool:
    # Telegram's deep-link payload alphabet; anything else cannot be one of ours.
    return 8 <= len(text) <= 64 and all(c.isascii() and (c.isalnum() or c in "-_") for c in text)


def holds(db: sqlite_utils.Database, code: str) -> bool:
    """Whether this database issued the code (used, expired or not): which institution of a
    supervised deployment an invitation leads to."""
    return db.execute("select 1 from invitations where code_hash = ?", [_hash(code)]).fetchone() is not None


def issue(
    db: sqlite_utils.Database, person_ids: list[int], ttl_days: int, actor_id: int | None = None
) -> list[Invitation]:
    """A fresh code for each person (revoking what they had), in one transaction."""
    now = clock.now()
    expires = iso(now + timedelta(days=ttl_days))
    issued = []
    with db.atomic():
        for person_id in person_ids:
            _revoke_outstanding(db, person_id, iso(now))
            code = secrets.token_urlsafe(12)  # 96 random bits, deep-link safe
            db.table("invitations").insert(
                {
                    "person_id": person_id,
                    "code_hash": _hash(code),
                    "created_at": iso(now),
                    "expires_at": expires,
                }
            )
            person = by_id(db, person_id)
            assert person is not None  # the caller chose people on the roster
            issued.append(Invitation(person, code, expires, _staff_number(db, person)))
        if issued:
            audit.record(db, "invitation.issue", "roster", actor_id, count=len(issued))
    return issued


def _staff_number(db: sqlite_utils.Database, person: Person) -> str | None:
    """The roster's key is the 工号 when the roster has one, the name otherwise."""
    row = db.execute("select roster_key from people where id = ?", [person.id]).fetchone()
    return row[0] if row and row[0] != person.name else None


def _revoke_outstanding(db: sqlite_utils.Database, person_id: int, now: str) -> int:
    cursor = db.execute(
        "update invitations set revoked_at = ? "
        "where person_id = ? and used_at is null and revoked_at is null",
        [now, person_id],
    )
    return cursor.rowcount


def revoke(db: sqlite_utils.Database, person_id: int, actor_id: int | None = None) -> int:
    with db.atomic():
        count = _revoke_outstanding(db, person_id, iso(clock.now()))
        if count:
            audit.record(db, "invitation.revoke", f"person:{person_id}", actor_id)
    return count


def redeem(
    db: sqlite_utils.Database, code: str, telegram_user_id: int, chat_id: int, language: str
) -> tuple[Redemption, Person | None]:
    """Bind the Telegram account to the invited person; on any refusal nothing changes."""
    now = clock.now()
    with db.atomic():
        rows = list(db.query("select * from invitations where code_hash = ?", [_hash(code)]))
        if not rows:
            return Redemption.UNKNOWN, None
        invitation = rows[0]
        person = by_id(db, invitation["person_id"])
        assert person is not None  # an invitation's person is never deleted (deactivated at most)
        refusal = _refusal(db, invitation, person, telegram_user_id, now)
        if refusal:
            return refusal, None
        db.table("invitations").update(invitation["id"], {"used_at": iso(now)})
        db.table("people").update(
            person.id,
            {
                "telegram_user_id": telegram_user_id,
                "chat_id": chat_id,
                "language": person.language or language,
                "joined_at": iso(now),
                "reachable": 1,
            },
        )
        audit.record(db, "person.join", f"person:{person.id}", person.id)
        return Redemption.JOINED, by_id(db, person.id)


def _refusal(db, invitation, person, telegram_user_id, now) -> Redemption | None:
    if invitation["used_at"]:
        return Redemption.USED
    if invitation["revoked_at"]:
        return Redemption.REVOKED
    if parse_iso(invitation["expires_at"]) <= now:
        return Redemption.EXPIRED
    if not person.active:
        return Redemption.INACTIVE
    if person.telegram_user_id is not None:
        return Redemption.PERSON_BOUND
    taken = db.execute("select 1 from people where telegram_user_id = ?", [telegram_user_id]).fetchone()
    if taken:
        return Redemption.ACCOUNT_BOUND
    return None


def unbound(db: sqlite_utils.Database, department: str | None = None) -> list[Person]:
    return [p for p in everyone(db, department) if p.telegram_user_id is None]
