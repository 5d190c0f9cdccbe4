"""The mixing pool: the one place where anonymous items wait before they reach the disk.

An anonymous opinion, a write-back to one, a look-back ballot and an evaluation ballot are held
here in memory and written only in batches, each batch in random order and in a transaction of
its own that holds nothing else:

- opinions and write-backs (with any opt-in link asked for before its opinion was written) at
  the release times (OPINION_BATCH_TIMES), or as soon as k of them are waiting;
- a look-back's or a rating sheet's ballots together with the voter rows of their voters, once
  k voters are waiting (a sheet's staff and rating slips each k of their own: a ballot row
  says which it is) (the voter rows and the ballots shuffled apart, so that neither order
  pairs them); when voting closes, what is left is written without its voters.

After each batch the WAL is folded into the database file and cut to nothing, so that no copy
of the files holds a commit of one item. k is ANONYMITY_SET (5 by default).

A crash (or a restart) loses what is waiting here and only that: a lost opinion's receipt is
unknown to /receipt, which asks its holder to submit again; a voter whose ballot was lost is
not on the voter list, so they are reminded and may vote again. A voter row and its ballot are
always written in the same transaction, so nothing is ever counted twice.

Without a pool attached (storage tests, seeds, the demo's history) `pool_for` gives one with
k = 1, which writes each item at once: the rules are the same, only the mixing is off.
"""

from __future__ import annotations

import logging
import random
import secrets
import weakref
from dataclasses import dataclass, field

import sqlite_utils

from storage.db import checkpointing, file_of

log = logging.getLogger(__name__)

_pools: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


@dataclass
class PendingOpinion:
    id: str
    category: str
    department_id: int | None
    text: str
    submitted_on: str
    receipt_hash: str
    photos: list[bytes] = field(default_factory=list)
    public: bool = False  # a guest's, through the public box (群众)


@dataclass
class _Ballots:
    """One look-back's or sheet's waiting ballots: the voters, and apart from them the rows
    (a voter's rows are not kept beside their name; only the count ties them to this pool)."""

    voters: set = field(default_factory=set)
    rows: list[tuple] = field(default_factory=list)
    day: str = ""


class AnonymousPool:
    def __init__(self, db: sqlite_utils.Database, k: int, settle_after: bool = True) -> None:
        self.db, self.k, self.settle_after = db, max(1, k), settle_after
        self._random = random.SystemRandom()
        self.opinions: dict[str, PendingOpinion] = {}
        self.write_backs: list[tuple[str, str, str]] = []  # (opinion, text, day)
        self.subscriptions: dict[str, str] = {}  # opinion -> sealed chat, for waiting opinions
        self.lookbacks: dict[int, _Ballots] = {}
        self.sheets: dict[tuple[int, str], _Ballots] = {}  # (sheet, group: staff or slip)
        self.surveys: dict[tuple[int, str], _Ballots] = {}  # (survey, group: roster or public)
        self.batches_written = 0
        self.unsettled = False  # a batch was written and the WAL not yet cut

    # ---- opinions and write-backs -----------------------------------------------------

    def add_opinion(self, opinion: PendingOpinion) -> None:
        self.opinions[opinion.id] = opinion
        self._opinions_due()

    def add_write_back(self, opinion_id: str, text: str, day: str) -> None:
        self.write_backs.append((opinion_id, text, day))
        self._opinions_due()

    def _opinions_due(self) -> None:
        if len(self.opinions) + len(self.write_backs) >= self.k:
            self.write_opinions()

    def waiting_opinion(self, opinion_id: str) -> PendingOpinion | None:
        return self.opinions.get(opinion_id)

    def waiting_by_receipt(self, receipt_hash: str) -> PendingOpinion | None:
        return next((o for o in self.opinions.values() if o.receipt_hash == receipt_hash), None)

    def waiting_write_backs(self, opinion_id: str) -> list[tuple[str, str]]:
        return [(text, day) for opinion, text, day in self.write_backs if opinion == opinion_id]

    def write_opinions(self) -> int:
        """Write every waiting opinion and write-back as one shuffled batch; returns how many."""
        if not (self.opinions or self.write_backs):
            return 0
        from storage import departments  # (it imports this module)

        waiting = list(self.opinions.values())
        photos = [(o.id, position, jpeg) for o in waiting for position, jpeg in enumerate(o.photos)]
        links = [(o, sealed) for o, sealed in self.subscriptions.items() if o in self.opinions]
        with self.db.atomic():
            self.db.conn.executemany(
                "insert into opinions (id, anonymous, author_id, category, department_id, text, "
                "submitted_on, receipt_hash, public) values (?, 1, null, ?, ?, ?, ?, ?, ?)",
                self._shuffled(
                    [
                        (
                            o.id,
                            o.category,
                            # merged into another or removed since it was picked (by the office
                            # in chat or on the command line, another process): as it is now
                            departments.current_id(self.db, o.department_id),
                            o.text,
                            o.submitted_on,
                            o.receipt_hash,
                            int(o.public),
                        )
                        for o in waiting
                    ]
                ),
            )
            self.db.conn.executemany(
                "insert into opinion_photos (opinion_id, position, jpeg) values (?, ?, ?)",
                self._shuffled(photos),
            )
            self.db.conn.executemany(
                "insert into opinion_messages (opinion_id, seq, sender, text, on_date, released) "
                "values (?, ?, 'submitter', ?, ?, 0)",
                self._shuffled(self._numbered_write_backs()),
            )
            self.db.conn.executemany(
                "insert or replace into opinion_subscriptions (opinion_id, sealed_chat) values (?, ?)",
                self._shuffled(links),
            )
        count = len(waiting) + len(self.write_backs)
        self.opinions, self.write_backs, self.subscriptions = {}, [], {}
        self._settle()
        return count

    def _numbered_write_backs(self) -> list[tuple]:
        """Each write-back with its place in its opinion's thread, in the order the holder wrote
        them (the rows themselves are then shuffled)."""
        next_seq: dict[str, int] = {}
        rows = []
        for opinion_id, text, day in self.write_backs:
            if opinion_id not in next_seq:
                next_seq[opinion_id] = self.db.execute(
                    "select coalesce(max(seq), 0) + 1 from opinion_messages where opinion_id = ?",
                    [opinion_id],
                ).fetchone()[0]
            rows.append((opinion_id, next_seq[opinion_id], text, day))
            next_seq[opinion_id] += 1
        return rows

    # ---- ballots ------------------------------------------------------------------------

    def has_voted(self, lookback_id: int, voter: str) -> bool:
        return voter in self.lookbacks.get(lookback_id, _Ballots()).voters

    def add_vote(self, lookback_id: int, voter: str, choice: str, day: str) -> None:
        ballots = self.lookbacks.setdefault(lookback_id, _Ballots())
        ballots.voters.add(voter)
        ballots.rows.append((choice,))
        ballots.day = day
        if len(ballots.voters) >= self.k:
            self.write_lookback(lookback_id, with_voters=True)

    def write_lookback(self, lookback_id: int, with_voters: bool) -> int:
        """Write a look-back's waiting ballots, with their voters (a batch of k or more) or,
        when voting has closed, without them."""
        ballots = self.lookbacks.pop(lookback_id, None)
        if ballots is None:
            return 0
        voters = [(lookback_id, v, ballots.day) for v in ballots.voters] if with_voters else []
        with self.db.atomic():
            self.db.conn.executemany("insert into lookback_voters values (?, ?, ?)", self._shuffled(voters))
            self.db.conn.executemany(
                "insert into lookback_ballots values (?, ?, ?)",
                self._shuffled([(secrets.token_hex(16), lookback_id, choice) for (choice,) in ballots.rows]),
            )
        self._settle()
        return len(ballots.rows)

    def has_rated(self, sheet_id: int, voter: int | str) -> bool:
        return any(
            voter in ballots.voters for (sheet, _), ballots in self.sheets.items() if sheet == sheet_id
        )

    def add_rating(
        self, sheet_id: int, voter: int | str, rows: list[tuple], day: str, group: str = "staff"
    ) -> None:
        """One rater's whole ballot: rows of (subject, item, grade). The voter is a person's id,
        or a rating slip's hash (a str) for group "slip". Each group waits apart and is written
        only with k voters of its own: every ballot row carries its group, so a batch of one
        rater and four slips would have written that rater's ballot as its only 'staff' rows."""
        ballots = self.sheets.setdefault((sheet_id, group), _Ballots())
        ballots.voters.add(voter)
        ballots.rows.extend((*row, group) for row in rows)
        ballots.day = day
        if len(ballots.voters) >= self.k:
            self._write_sheet_group(sheet_id, group, with_voters=True)

    def write_sheet(self, sheet_id: int, with_voters: bool) -> int:
        """Every group's waiting ballots of the sheet, each group in a commit of its own."""
        groups = sorted(group for sheet, group in self.sheets if sheet == sheet_id)
        return sum(self._write_sheet_group(sheet_id, group, with_voters) for group in groups)

    def _write_sheet_group(self, sheet_id: int, group: str, with_voters: bool) -> int:
        ballots = self.sheets.pop((sheet_id, group), None)
        if ballots is None:
            return 0
        chosen = ballots.voters if with_voters else set()
        voters = [(sheet_id, v, ballots.day) for v in chosen if isinstance(v, int)]
        slips = [(ballots.day, v, sheet_id) for v in chosen if isinstance(v, str)]
        with self.db.atomic():
            self.db.conn.executemany("insert into evaluation_voters values (?, ?, ?)", self._shuffled(voters))
            self.db.conn.executemany(
                "update evaluation_slips set used = 1, used_on = ? where slip_hash = ? and sheet_id = ?",
                self._shuffled(slips),
            )
            self.db.conn.executemany(
                "insert into evaluation_ballots (id, sheet_id, subject, item, grade, grp) "
                "values (?, ?, ?, ?, ?, ?)",
                self._shuffled(
                    [
                        (secrets.token_hex(16), sheet_id, subject, item, grade, grp)
                        for subject, item, grade, grp in ballots.rows
                    ]
                ),
            )
        self._settle()
        return len(ballots.voters)

    def has_answered(self, survey_id: int, voter: int | str) -> bool:
        return voter in self.surveys.get((survey_id, _respondents(voter)), _Ballots()).voters

    def add_answers(self, survey_id: int, voter: int | str, rows: list[tuple], day: str) -> None:
        """One respondent's whole questionnaire: rows of (question, value). The roster's
        respondents (a person's id) and the public's (a keyed hash, a str) wait apart, each
        written only with k of its own: in a batch of one member and four guests, four answer
        sets could be the operator's own, through the public link, and the member is named."""
        answers = self.surveys.setdefault((survey_id, _respondents(voter)), _Ballots())
        answers.voters.add(voter)
        answers.rows.extend(rows)
        answers.day = day
        if len(answers.voters) >= self.k:
            self._write_survey_group(survey_id, _respondents(voter), with_voters=True)

    def write_survey(self, survey_id: int, with_voters: bool) -> int:
        """A questionnaire's waiting answers, with their respondents (k or more) or, when it
        closes, without them; each group in a commit of its own."""
        groups = sorted(group for survey, group in self.surveys if survey == survey_id)
        return sum(self._write_survey_group(survey_id, group, with_voters) for group in groups)

    def _write_survey_group(self, survey_id: int, group: str, with_voters: bool) -> int:
        answers = self.surveys.pop((survey_id, group), None)
        if answers is None:
            return 0
        # a guest through the public link is a keyed hash in memory (a str): no row names them
        voters = (
            [(survey_id, v, answers.day) for v in answers.voters if isinstance(v, int)] if with_voters else []
        )
        with self.db.atomic():
            self.db.conn.executemany(
                "insert into survey_respondents values (?, ?, ?)", self._shuffled(voters)
            )
            self.db.conn.executemany(
                "insert into survey_answers (id, survey_id, question, value) values (?, ?, ?, ?)",
                self._shuffled(
                    [(secrets.token_hex(16), survey_id, question, value) for question, value in answers.rows]
                ),
            )
        self._settle()
        return len(answers.voters)

    # ---- after a batch --------------------------------------------------------------------

    def _shuffled(self, rows: list) -> list:
        rows = list(rows)
        self._random.shuffle(rows)
        return rows

    def write_invented_history(self) -> None:
        """Everything waiting, written now with its voters: only for the demo's invented past,
        whose ballots belong to nobody. Never for real people."""
        self.write_opinions()
        for lookback_id in list(self.lookbacks):
            self.write_lookback(lookback_id, with_voters=True)
        for sheet_id in sorted({sheet for sheet, _ in self.sheets}):
            self.write_sheet(sheet_id, with_voters=True)
        for survey_id in sorted({survey for survey, _ in self.surveys}):
            self.write_survey(survey_id, with_voters=True)

    def write_closing(self, lookback_ids: list[int], sheet_ids: list[int]) -> None:
        """Leftovers of what closes now, written without their voters, each in a commit of its
        own: called before the caller opens the transaction that concludes them."""
        for lookback_id in lookback_ids:
            self.write_lookback(lookback_id, with_voters=False)
        for sheet_id in sheet_ids:
            self.write_sheet(sheet_id, with_voters=False)

    def _settle(self) -> None:
        self.batches_written += 1
        self.unsettled = self.settle_after
        self.settle_if_due()

    def cut_after_deleting(self) -> None:
        """A row that named someone was deleted (an opt-in link): secure_delete wipes it in its
        page, but the WAL still holds the page as the row's own commit wrote it, until something
        cuts it (the next anonymous batch: days, when no opinion comes). Cut it now, or the
        sweeper does within the minute."""
        if self.settle_after:
            self.unsettled = True
            self.settle_if_due()

    def settle_if_due(self) -> None:
        """Cut the WAL if a batch was written since it was last cut (the sweeper calls this
        every minute, for a checkpoint that a reader held up)."""
        if self.unsettled and not self.db.conn.in_transaction:
            self.unsettled = not settle(self.db)


SETTLE_WAIT_MS = 200
BUSY_TIMEOUT_MS = 10_000  # storage/db.py's


def settle(db: sqlite_utils.Database) -> bool:
    """Fold the WAL into the database file and cut it to nothing, so that the commit just made
    (and every one before it) is no longer a record of its own. A long reader (an export in its
    thread) would make TRUNCATE wait; it waits a moment only, and returns False: the sweeper
    tries again within a minute (`settle_if_due`). The checkpointer's round (storage/db.py),
    which SQLite would not run beside this one, is waited for within the same moment."""
    path = file_of(db)
    if path is None:  # in memory: no WAL to cut
        return _cut(db)
    round_over = checkpointing(path)
    if not round_over.acquire(timeout=SETTLE_WAIT_MS / 1000):
        log.warning("WAL checkpoint after an anonymous batch waits for the checkpointer")
        return False
    try:
        return _cut(db)
    finally:
        round_over.release()


def _cut(db: sqlite_utils.Database) -> bool:
    db.execute(f"pragma busy_timeout = {SETTLE_WAIT_MS}")
    try:
        busy, _, _ = db.execute("pragma wal_checkpoint(truncate)").fetchone()
    finally:
        db.execute(f"pragma busy_timeout = {BUSY_TIMEOUT_MS}")
    if busy:
        log.warning("WAL checkpoint after an anonymous batch waits for a reader")
    return not busy


def _respondents(voter: int | str) -> str:
    """A questionnaire's group: the roster's (a person's id) or the public's (a keyed hash)."""
    return "roster" if isinstance(voter, int) else "public"


def attach(db: sqlite_utils.Database, k: int) -> AnonymousPool:
    """The bot's pool for this database (bot.py attaches one at start; a restart starts empty)."""
    pool = AnonymousPool(db, k)
    _pools[db] = pool
    return pool


def pool_for(db: sqlite_utils.Database) -> AnonymousPool:
    pool = _pools.get(db)
    if pool is None:
        pool = _pools[db] = AnonymousPool(db, k=1, settle_after=False)
    return pool
