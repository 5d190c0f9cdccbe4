"""What the bot holds while it runs, typed: no handler or job reads bot_data by a string key.

`Services` is one institution's (督导: jobs/institutions.py builds one per institution view,
bot.py the main one): its database, settings, anonymous pool and what its handlers keep in
memory. `Shared` is the deployment's, one for all institutions: the secret keys, the stop,
delivery's lock, what is keyed by a Telegram account (a person belongs to one institution) and
the per-person guards. Handlers reach them as `access.services(context)` (the database as
`access.database(context)`), jobs as `services.of(app)`.

The in-memory parts start empty at every start, on purpose: drafts of anonymous opinions, who
is writing back on which receipt, ratings being filled in are never written to disk."""

from __future__ import annotations

import asyncio
import secrets
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlite_utils

from config import Settings
from storage.anonymous_pool import AnonymousPool
from storage.clock import Clock, clock
from storage.flood_guard import FloodGuard
from storage.keys import Keys
from storage.opinions import Draft

if TYPE_CHECKING:
    from handlers.throttle import Throttle
    from hotspots.grouping import Grouper
    from storage.public_box import HourlyCeiling

KEY = "services"  # the one bot_data key: where each view's Services is kept


@dataclass
class Shared:
    """The deployment's: one object, referred to by every institution's Services."""

    keys: Keys
    stopping: bool = False  # set when the bot stops: delivery leaves the rest for the next start
    delivery_lock: asyncio.Lock = field(default_factory=asyncio.Lock)  # one delivery pass at a time
    forget_later: dict[Any, Any] = field(default_factory=dict)  # messages to delete later (jobs/forgetting)
    throttle: Throttle | None = None  # the per-person rate limit, built from settings on first use
    receipt_guard: FloodGuard | None = None  # wrong receipt codes an hour, per person
    opinion_guard: FloodGuard | None = None  # opinions a day, per person
    contacts_since_start: set[int] = field(default_factory=set)
    # who was told, since the start, that a ballot's word they typed leaves the chat (typed_choice)
    told_typed_gone: set[int] = field(default_factory=set)


@dataclass
class Services:
    """One institution's."""

    db: sqlite_utils.Database
    settings: Settings
    shared: Shared  # the deployment's part, the same object in every institution's Services
    # anonymous items wait here, in memory, for their shuffled batch (the promise in README)
    anonymous_pool: AnonymousPool | None = None
    clock: Clock = clock  # the one source of the current time (tests move it)

    # ---- in memory only ------------------------------------------------------------------------
    # the opinion being written, by Telegram user; how each draft ended (token -> outcome)
    drafts: dict[int, Draft] = field(default_factory=dict)
    ended_drafts: OrderedDict[str, str] = field(default_factory=OrderedDict)
    public_guard: FloodGuard | None = None  # the public box's opinions a day, per guest
    public_ceiling: HourlyCeiling | None = None  # the public box's opinions an hour, all guests
    # receipts: who holds which receipt until when, the cards shown, who is writing back on which
    receipt_holders: dict[int, tuple[str, datetime]] = field(default_factory=dict)
    cards: dict[tuple[int, int], list[int]] = field(default_factory=dict)
    writing_back: dict[int, int] = field(default_factory=dict)
    asking_receipt: dict[int, list[int]] = field(default_factory=dict)  # /receipt and its prompt, by user
    report_photos: dict[Any, list[Any]] = field(default_factory=dict)  # a progress report's photos
    holder_votes: set[Any] = field(default_factory=set)  # look-back votes cast by holders
    evaluation_ratings: dict[Any, Any] = field(default_factory=dict)  # rating sheets being filled in
    survey_answering: dict[Any, Any] = field(default_factory=dict)  # questionnaires being answered
    survey_guest_key: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    survey_guests_answered: set[Any] = field(default_factory=set)
    hotspots: Grouper | None = None  # the hot-spot index, built on first use
    delivery_held: set[str] = field(default_factory=set)  # groupings a delivery pass still queues
    rollup_cache: Any = None  # its roll-up figures while its file is unchanged (storage.rollup.Cache)
    # outbox row -> (chat, message) of each notice with buttons, for a later edit (jobs/delivery):
    # never on disk, where the ids' gaps would count each person's messages between two notices
    sent_notices: OrderedDict[int, tuple[int, int]] = field(default_factory=OrderedDict)
    # (Telegram user, what for) -> (chat, message) a later answer edits (handlers.access.keep_to_edit):
    # not in the persisted user data, for the same reason
    messages_to_edit: dict[tuple[int, str], tuple[int, int]] = field(default_factory=dict)

    @property
    def keys(self) -> Keys:
        return self.shared.keys


def of(app: Any) -> Services:
    """The Services of an application or of an institution's view of it (jobs/institutions.py)."""
    return app.bot_data[KEY]
