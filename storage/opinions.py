"""The opinion box (意见箱): submissions, receipts, the office's inbox and the reply thread.

What is kept for an anonymous opinion is what a paper slip in a locked box would carry: its
text, category, the department it is about, photos with their metadata removed, and the day
it arrived. No user id, chat id, message id or exact time; a random id instead of a sequence;
the receipt only as a keyed hash.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from dataclasses import dataclass, field
from datetime import date

import sqlite_utils

from storage import anonymous_pool, audit, departments
from storage.anonymous_pool import PendingOpinion
from storage.keys import Keys

NEW, REPLIED, FORWARDED, DUPLICATE, CLOSED = "new", "replied", "forwarded", "duplicate", "closed"
OPEN_STATUSES = (NEW, REPLIED, FORWARDED)
MAX_PHOTOS = 3
# Crockford's base32: no I, L, O or U, so a receipt copied by hand is read back right.
RECEIPT_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RECEIPT_LENGTH = 20  # 100 random bits
PUBLIC_ID_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
PUBLIC_ID_LENGTH = 8


class OpinionError(Exception):
    """An action that the opinion's state does not allow; `reason` is a catalog key suffix."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class Draft:
    """An opinion being written. Lives only in memory; it is never written anywhere."""

    anonymous: bool = True
    category: str | None = None
    department_id: int | None = None
    text: str | None = None
    photos: list[bytes] = field(default_factory=list)
    reviewed: bool = False  # the preview was shown once; an edited text goes straight back to it
    # The bot's own messages that show the text (previews), deleted once it is submitted or
    # dropped: the chat should not keep what the database keeps without a name.
    shown_in: list[int] = field(default_factory=list)
    # The person's own messages sent while the draft is open that the flow did not read into it
    # (an opinion typed where a button was expected, a text over the limit): Telegram keeps them
    # and the bot's token copies them by id, beside the chat, which is the person. They leave the
    # chat when the draft ends, however it ends (handlers/opinions/submit.py).
    typed: list[int] = field(default_factory=list)
    # In the draft's buttons, so a button of an older draft (or of this one after it ended) is
    # told apart from one whose draft a restart lost.
    token: str = field(default_factory=lambda: secrets.token_hex(3))
    prompt: int | None = None  # the bot's last message with buttons, cleared when the next comes
    public: bool = False  # a guest's, from the public box: always anonymous, marked 群众


@dataclass(frozen=True)
class Opinion:
    id: str
    anonymous: bool
    author_id: int | None
    author_name: str | None
    category: str
    department_id: int | None
    department: str | None
    text: str
    submitted_on: str
    status: str
    duplicate_of: str | None
    leader_id: int | None
    answer: str | None
    published: bool
    unread: bool
    photo_count: int
    public_text: str | None = None  # the opinion's words as published, when the office redacted them
    public: bool = False  # from the public box (群众), not from staff


@dataclass(frozen=True)
class ThreadMessage:
    sender: str
    text: str
    on_date: str


def _random(alphabet: str, length: int) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


def format_receipt(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


_TYPED_RECEIPT = re.compile(r"[0-9A-Z]{4}(?:[-\s]?[0-9A-Z]{4}){4}")


def looks_like_receipt(typed: str) -> bool:
    """A message that is a receipt code and nothing more (回执码： and the like around it aside):
    pasted without /receipt, it is read as one."""
    folded = unicodedata.normalize("NFKC", typed).upper()
    ascii_part = "".join(c for c in folded if c.isascii()).strip(" :：-")
    return _TYPED_RECEIPT.fullmatch(ascii_part) is not None


def normalize_receipt(typed: str) -> str:
    """What a person typed, as the canonical code: case, spaces and dashes do not matter, and
    the letters people confuse with digits are read as those digits. Full-width letters and
    digits (a Chinese input method in full-width mode) count as the plain ones, and words
    around the code (回执码：, pasted with it) are not part of it."""
    folded = unicodedata.normalize("NFKC", typed).upper()
    cleaned = "".join(c for c in folded if c.isascii() and c.isalnum())
    return cleaned.translate(str.maketrans("OIL", "011"))


_SELECT = """
select o.*, d.name as department, p.name as author_name,
       (select count(*) from opinion_photos f where f.opinion_id = o.id) as photo_count
from opinions o
left join departments d on d.id = o.department_id
left join people p on p.id = o.author_id
"""


def _opinion(row: dict) -> Opinion:
    return Opinion(
        id=row["id"],
        anonymous=bool(row["anonymous"]),
        author_id=row["author_id"],
        author_name=row["author_name"],
        category=row["category"],
        department_id=row["department_id"],
        department=row["department"],
        text=row["text"],
        submitted_on=row["submitted_on"],
        status=row["status"],
        duplicate_of=row["duplicate_of"],
        leader_id=row["leader_id"],
        answer=row["answer"],
        published=bool(row["published"]),
        unread=bool(row["unread"]),
        photo_count=row["photo_count"],
        public_text=row.get("public_text"),
        public=bool(row.get("public")),
    )


def get(db: sqlite_utils.Database, opinion_id: str) -> Opinion | None:
    rows = list(db.query(f"{_SELECT} where o.id = ?", [opinion_id]))
    return _opinion(rows[0]) if rows else None


def has_words(text: str) -> bool:
    """Does the text say something in words (a letter or a digit, in any script)? An opinion of
    emoji or punctuation alone (😡, ？？？) tells the office nothing it could act on or answer."""
    return any(unicodedata.category(char)[0] in "LN" for char in text)


def submit(
    db: sqlite_utils.Database, draft: Draft, author_id: int | None, keys: Keys, today: date
) -> tuple[str, str | None]:
    """Store the opinion; returns its public id and, when anonymous, the receipt (shown once,
    never stored). An anonymous one goes to the mixing pool and reaches the disk with its batch
    (storage/anonymous_pool.py); a named one is written at once."""
    if not draft.category or not draft.text or not has_words(draft.text):
        raise OpinionError("incomplete")
    pool = anonymous_pool.pool_for(db)
    if draft.public and (not draft.anonymous or author_id is not None):
        raise OpinionError("public_is_anonymous")
    # a department picked before the office merged it into another (or removed it) is the
    # one it became (or none): the draft may have waited in the conversation meanwhile
    department_id = departments.current_id(db, draft.department_id)
    if draft.anonymous:
        receipt = _random(RECEIPT_ALPHABET, RECEIPT_LENGTH)
        opinion_id = _unused_id(db, pool)
        pool.add_opinion(
            PendingOpinion(
                opinion_id,
                draft.category,
                department_id,
                draft.text,
                today.isoformat(),
                keys.receipt_hash(receipt),
                list(draft.photos[:MAX_PHOTOS]),
                draft.public,
            )
        )
        return opinion_id, receipt
    with db.atomic():
        opinion_id = _unused_id(db, pool)
        db.execute(
            "insert into opinions (id, anonymous, author_id, category, department_id, text, "
            "submitted_on) values (?, 0, ?, ?, ?, ?, ?)",
            [opinion_id, author_id, draft.category, department_id, draft.text, today.isoformat()],
        )
        for position, jpeg in enumerate(draft.photos[:MAX_PHOTOS]):
            db.execute(
                "insert into opinion_photos (opinion_id, position, jpeg) values (?, ?, ?)",
                [opinion_id, position, jpeg],
            )
    return opinion_id, None


def _unused_id(db: sqlite_utils.Database, pool) -> str:
    while True:
        candidate = _random(PUBLIC_ID_ALPHABET, PUBLIC_ID_LENGTH)
        if (
            pool.waiting_opinion(candidate) is None
            and not db.execute("select 1 from opinions where id = ?", [candidate]).fetchone()
        ):
            return candidate


def _waiting(pending: PendingOpinion) -> Opinion:
    """An opinion still in the mixing pool, as its holder sees it."""
    return Opinion(
        id=pending.id,
        anonymous=True,
        author_id=None,
        author_name=None,
        category=pending.category,
        department_id=pending.department_id,
        department=None,
        text=pending.text,
        submitted_on=pending.submitted_on,
        status=NEW,
        duplicate_of=None,
        leader_id=None,
        answer=None,
        published=False,
        unread=True,
        photo_count=len(pending.photos),
        public=pending.public,
    )


def by_receipt(db: sqlite_utils.Database, keys: Keys, typed: str) -> Opinion | None:
    """The opinion of a receipt, written or still waiting for its batch; None when the code is
    wrong, or its opinion was lost in a restart before its batch was written."""
    code = normalize_receipt(typed)
    if len(code) != RECEIPT_LENGTH:
        return None
    receipt_hash = keys.receipt_hash(code)
    rows = list(db.query(f"{_SELECT} where o.receipt_hash = ?", [receipt_hash]))
    if rows:
        return _opinion(rows[0])
    pending = anonymous_pool.pool_for(db).waiting_by_receipt(receipt_hash)
    return _waiting(pending) if pending else None


def for_holder(db: sqlite_utils.Database, opinion_id: str) -> Opinion | None:
    """An opinion as its receipt holder may see it: written, or waiting for its batch."""
    pending = anonymous_pool.pool_for(db).waiting_opinion(opinion_id)
    return _waiting(pending) if pending else get(db, opinion_id)


def thread(db: sqlite_utils.Database, opinion_id: str, office_view: bool = False) -> list[ThreadMessage]:
    """The conversation about an opinion. The office sees the holder's messages only once
    they have been released in a batch."""
    where = "opinion_id = ?" + (" and released = 1" if office_view else "")
    written = [
        ThreadMessage(r["sender"], r["text"], r["on_date"])
        for r in db.query(f"select * from opinion_messages where {where} order by seq", [opinion_id])
    ]
    if office_view:
        return written
    waiting = anonymous_pool.pool_for(db).waiting_write_backs(opinion_id)
    return written + [ThreadMessage("submitter", text, day) for text, day in waiting]


def _append(
    db, opinion_id: str, sender: str, text: str, today: date, office_author_id=None, released: bool = True
) -> None:
    seq = db.execute(
        "select coalesce(max(seq), 0) + 1 from opinion_messages where opinion_id = ?", [opinion_id]
    ).fetchone()[0]
    db.execute(
        "insert into opinion_messages (opinion_id, seq, sender, office_author_id, text, on_date, "
        "released) values (?, ?, ?, ?, ?, ?, ?)",
        [opinion_id, seq, sender, office_author_id, text, today.isoformat(), int(released)],
    )


def write_back(db: sqlite_utils.Database, opinion_id: str, text: str, today: date) -> None:
    """The holder of the receipt answers; it goes to the mixing pool and the office sees it
    with the next batch."""
    opinion = for_holder(db, opinion_id)
    if opinion is None or opinion.status == CLOSED:  # a duplicate's holder may still write
        raise OpinionError("closed")
    anonymous_pool.pool_for(db).add_write_back(opinion_id, text, today.isoformat())


def release_batch(db: sqlite_utils.Database) -> tuple[int, int]:
    """Release what arrived since the last batch to the office: (opinions, follow-ups)."""
    released = release(db)
    return released.opinions, released.follow_ups


@dataclass(frozen=True)
class Released:
    opinions: int
    follow_ups: int
    public: int  # of the opinions, those from the public box (群众)


def release(db: sqlite_utils.Database) -> Released:
    """Release what arrived since the last batch to the office. What still waits in the mixing
    pool is written first, as one shuffled batch."""
    anonymous_pool.pool_for(db).write_opinions()
    with db.atomic():
        db.execute(
            "update opinions set unread = 1 where id in (select opinion_id from "
            "opinion_messages where released = 0 and sender = 'submitter')"
        )
        public = db.execute("select count(*) from opinions where released = 0 and public = 1").fetchone()[0]
        opinions = db.execute("update opinions set released = 1 where released = 0").rowcount
        follow_ups = db.execute("update opinion_messages set released = 1 where released = 0").rowcount
    return Released(opinions, follow_ups, public)


# An open opinion on the problem list is counted as such, not as 待处理 (for the reports).
STATUS_WITH_LIST = (
    "case when opinions.status in ('new', 'replied', 'forwarded') and exists (select 1 "
    "from problem_opinions po where po.opinion_id = opinions.id) then 'on_list' "
    "else opinions.status end"
)

# Pending: released, still open, and not yet on the problem list (an opinion the office listed
# comes back only when its holder writes again).
_PENDING = (
    f"o.released = 1 and ((o.status in ({','.join('?' * len(OPEN_STATUSES))}) and "
    "(o.unread = 1 or not exists (select 1 from problem_opinions po where po.opinion_id = o.id)))"
    " or (o.status = 'duplicate' and o.unread = 1))"
)


def inbox(db: sqlite_utils.Database, after: str | None, limit: int) -> tuple[list[Opinion], int, int]:
    """One page of pending opinions (oldest day first), how many are pending in all, and how
    many come after this page.

    Paged by key (the page after opinion `after`), not by offset: showing a page marks its
    opinions read and listing one takes it out, and an offset into a list that changes under it
    repeats some opinions and skips others. The order never depends on what showing changes."""
    total = db.execute(f"select count(*) from opinions o where {_PENDING}", OPEN_STATUSES).fetchone()[0]
    rows = [
        _opinion(r)
        for r in db.query(
            f"{_SELECT} where {_PENDING} and {_AFTER} order by o.submitted_on, o.id limit ?",
            [*OPEN_STATUSES, after, after, limit],
        )
    ]
    last = rows[-1].id if rows else after
    more = (
        db.execute(
            f"select count(*) from opinions o where {_PENDING} and {_AFTER}", [*OPEN_STATUSES, last, last]
        ).fetchone()[0]
        if rows
        else 0
    )
    return rows, total, more


_AFTER = "(? is null or (o.submitted_on, o.id) > (select submitted_on, id from opinions where id = ?))"


def pending_ids(db: sqlite_utils.Database) -> list[str]:
    """Every pending opinion's id, in the inbox's order (oldest day first): the round of pages
    the office opens with /inbox, read whole so that its count cannot change under it."""
    query = f"select o.id from opinions o where {_PENDING} order by o.submitted_on, o.id"
    return [row[0] for row in db.execute(query, OPEN_STATUSES)]


def several(db: sqlite_utils.Database, ids: list[str]) -> list[Opinion]:
    """These opinions as they are now, in the order given; ids that are not there are left out."""
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    found = {r["id"]: _opinion(r) for r in db.query(f"{_SELECT} where o.id in ({marks})", ids)}
    return [found[i] for i in ids if i in found]


def recent(db: sqlite_utils.Database, exclude_id: str, limit: int) -> list[Opinion]:
    """What a duplicate of `exclude_id` is picked from: the released opinions grouped with it as
    alike (🔥, storage/hotspots.py) first, whatever their age (the original of a copy is often
    weeks older than the latest page), then the latest, newest day first. Duplicates themselves
    are not offered: one points at the original, never at a copy."""
    alike = (
        "exists (select 1 from hotspot_members mine join hotspot_members theirs "
        "on theirs.group_id = mine.group_id where mine.opinion_id = ? and theirs.opinion_id = o.id)"
    )
    rows = db.query(
        f"{_SELECT} where o.released = 1 and o.status != ? and o.id != ? "
        f"order by {alike} desc, o.submitted_on desc, o.id limit ?",
        [DUPLICATE, exclude_id, exclude_id, limit],
    )
    return [_opinion(r) for r in rows]


def mark_read(db: sqlite_utils.Database, opinion_id: str) -> None:
    with db.atomic():
        db.execute("update opinions set unread = 0 where id = ?", [opinion_id])


def _written(db: sqlite_utils.Database, opinion_id: str) -> Opinion:
    """The opinion as it stands after a change in this very call (which found it first)."""
    opinion = get(db, opinion_id)
    if opinion is None:
        raise OpinionError("not_found")
    return opinion


def _open_opinion(db, opinion_id: str) -> Opinion:
    opinion = get(db, opinion_id)
    if opinion is None or not _released(db, opinion_id):
        raise OpinionError("not_found")
    if opinion.status in (CLOSED, DUPLICATE):
        raise OpinionError("already_closed")
    return opinion


def _released(db, opinion_id: str) -> bool:
    return bool(db.execute("select released from opinions where id = ?", [opinion_id]).fetchone()[0])


def reply(db: sqlite_utils.Database, opinion_id: str, office_id: int, text: str, today: date) -> Opinion:
    """Answer in the thread; a duplicate's holder who wrote again is answered too."""
    with db.atomic():
        opinion = get(db, opinion_id)
        if opinion is None or opinion.status != DUPLICATE:
            opinion = _open_opinion(db, opinion_id)
        _append(db, opinion_id, "office", text, today, office_author_id=office_id)
        new_status = REPLIED if opinion.status == NEW else opinion.status
        db.execute("update opinions set status = ?, unread = 0 where id = ?", [new_status, opinion_id])
        audit.record(db, "opinion.reply", f"opinion:{opinion_id}", office_id)
    return _written(db, opinion_id)


def mark_duplicate(db: sqlite_utils.Database, opinion_id: str, original_id: str, office_id: int) -> None:
    with db.atomic():
        _open_opinion(db, opinion_id)
        if original_id == opinion_id or get(db, original_id) is None:
            raise OpinionError("no_original")
        db.execute(
            "update opinions set status = ?, duplicate_of = ?, unread = 0 where id = ?",
            [DUPLICATE, original_id, opinion_id],
        )
        db.execute("delete from opinion_subscriptions where opinion_id = ?", [opinion_id])
        audit.record(db, "opinion.duplicate", f"opinion:{opinion_id}", office_id, of=original_id)
    anonymous_pool.pool_for(db).cut_after_deleting()


def send_to_leader(db: sqlite_utils.Database, opinion_id: str, leader_id: int, office_id: int) -> Opinion:
    with db.atomic():
        _open_opinion(db, opinion_id)
        db.execute(
            "update opinions set status = ?, leader_id = ?, unread = 0 where id = ?",
            [FORWARDED, leader_id, opinion_id],
        )
        audit.record(db, "opinion.to_leader", f"opinion:{opinion_id}", office_id, leader=leader_id)
    return _written(db, opinion_id)


def return_to_office(db: sqlite_utils.Database, opinion_id: str, leader_id: int) -> Opinion:
    """The leader it was sent to hands it back: it is the office's again, unread."""
    with db.atomic():
        opinion = _open_opinion(db, opinion_id)
        if opinion.status != FORWARDED or opinion.leader_id != leader_id:
            raise OpinionError("not_yours")
        db.execute(
            "update opinions set status = ?, leader_id = null, unread = 1 where id = ?",
            [REPLIED if thread(db, opinion_id) else NEW, opinion_id],
        )
        audit.record(db, "opinion.back_to_office", f"opinion:{opinion_id}", leader_id)
    return _written(db, opinion_id)


def close(db: sqlite_utils.Database, opinion_id: str, office_id: int, answer: str, today: date) -> Opinion:
    """Close with an answer. The sealed link to a subscribed holder is deleted with it."""
    with db.atomic():
        _open_opinion(db, opinion_id)
        _append(db, opinion_id, "office", answer, today, office_author_id=office_id)
        db.execute(
            "update opinions set status = ?, answer = ?, unread = 0 where id = ?",
            [CLOSED, answer, opinion_id],
        )
        db.execute("delete from opinion_subscriptions where opinion_id = ?", [opinion_id])
        audit.record(db, "opinion.close", f"opinion:{opinion_id}", office_id)
    anonymous_pool.pool_for(db).cut_after_deleting()  # the link's page as it was, in the WAL
    return _written(db, opinion_id)


def publish(
    db: sqlite_utils.Database, opinion_id: str, office_id: int, public_text: str | None = None
) -> Opinion:
    """Mark the answer published, with the opinion's words as everyone will read them (the
    office may have redacted them; the original is kept as it was)."""
    with db.atomic():
        opinion = get(db, opinion_id)
        if opinion is None or opinion.status != CLOSED:
            raise OpinionError("not_closed")
        if opinion.published:
            raise OpinionError("already_published")
        db.execute(
            "update opinions set published = 1, public_text = ? where id = ?", [public_text, opinion_id]
        )
        audit.record(
            db, "opinion.publish", f"opinion:{opinion_id}", office_id, redacted=public_text is not None
        )
    return _written(db, opinion_id)


def subscribe(db: sqlite_utils.Database, opinion_id: str, sealed_chat: str) -> None:
    """The holder's opt-in link. For an opinion still waiting for its batch it waits with it
    (the table refers to written opinions only)."""
    pool = anonymous_pool.pool_for(db)
    if pool.waiting_opinion(opinion_id):
        pool.subscriptions[opinion_id] = sealed_chat
        return
    with db.atomic():
        if _written(db, opinion_id).status in (CLOSED, DUPLICATE):
            raise OpinionError("closed")
        db.table("opinion_subscriptions").upsert(
            {"opinion_id": opinion_id, "sealed_chat": sealed_chat}, pk="opinion_id"
        )


def unsubscribe(db: sqlite_utils.Database, opinion_id: str) -> None:
    anonymous_pool.pool_for(db).subscriptions.pop(opinion_id, None)
    with db.atomic():
        db.execute("delete from opinion_subscriptions where opinion_id = ?", [opinion_id])
    anonymous_pool.pool_for(db).cut_after_deleting()  # the link's page as it was, in the WAL


def subscription(db: sqlite_utils.Database, opinion_id: str) -> str | None:
    waiting = anonymous_pool.pool_for(db).subscriptions.get(opinion_id)
    if waiting:
        return waiting
    row = db.execute(
        "select sealed_chat from opinion_subscriptions where opinion_id = ?", [opinion_id]
    ).fetchone()
    return row[0] if row else None


def photos(db: sqlite_utils.Database, opinion_id: str) -> list[tuple[int, bytes, str | None]]:
    return [
        (r["position"], r["jpeg"], r["file_id"])
        for r in db.query("select * from opinion_photos where opinion_id = ? order by position", [opinion_id])
    ]


def remember_photo_file(db: sqlite_utils.Database, opinion_id: str, position: int, file_id: str) -> None:
    """Telegram's id for the bot's own upload of the clean copy, so it is uploaded once."""
    with db.atomic():
        db.execute(
            "update opinion_photos set file_id = ? where opinion_id = ? and position = ?",
            [file_id, opinion_id, position],
        )


def categories(db: sqlite_utils.Database) -> list[str]:
    return [r["name"] for r in db.query("select name from opinion_categories order by position")]


def set_categories(db: sqlite_utils.Database, names: list[str], office_id: int) -> None:
    with db.atomic():
        db.execute("delete from opinion_categories")
        for position, name in enumerate(names):
            db.execute("insert into opinion_categories values (?, ?)", [name, position])
        audit.record(db, "opinion.categories", "opinion_categories", office_id, names=names)


def counts_by_department(db: sqlite_utils.Database) -> dict[str | None, int]:
    """How many opinions concern each department: by the department they are about, never by
    the department of whoever wrote them (which is not kept for anonymous ones)."""
    rows = db.query(
        "select d.name as department, count(*) as n from opinions o "
        "left join departments d on d.id = o.department_id where o.released = 1 "
        "group by d.name"
    )
    return {r["department"]: r["n"] for r in rows}


def counts_by_source(db: sqlite_utils.Database) -> dict[str, int]:
    """Released opinions from staff and from the public (群众): {"staff": n, "public": m}."""
    rows = db.query("select public, count(*) as n from opinions where released = 1 group by public")
    found = {("public" if r["public"] else "staff"): r["n"] for r in rows}
    return {"staff": found.get("staff", 0), "public": found.get("public", 0)}
