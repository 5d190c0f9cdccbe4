"""Delivery: one repeating job sends what is due in the outbox and marks each row sent only
after Telegram accepted it (a crash in between repeats at most that one message).

Pacing: the rate limiter keeps to Telegram's overall limits (a timetable, pacing.py); on top,
a person gets at most one message per pass (about one a second), and rows that share a grouping
for one person (several reminders in the same slot) go out together as one message. Nothing is
pushed in quiet hours: due rows simply wait.

Paid broadcasts (PAID_BROADCAST, off by default): while many messages wait, a pass sends with
Telegram's allow_paid_broadcast (up to 1,000 a second, 0.1 Star a message), several at once,
since one at a time cannot reach that rate over a network; a crash then repeats at most as many
messages as were in flight (PAID_BROADCAST_IN_FLIGHT), instead of one.

Free sends go one at a time unless BROADCAST_IN_FLIGHT says more: one at a time is bound by the
round trip to Telegram (1 / round trip: about 19 a second at 50 ms), and a bot that far away
may choose to keep 30 a second at the price of repeating up to twice as many after a crash.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.ext import Application, ContextTypes

import pacing
import services
from callbacks import RECEIPT_SEEN
from jobs import forgetting, institutions, notices
from storage import opinions, outbox, people
from storage.clock import clock
from storage.outbox import Outgoing
from texts import say
from texts.fit import TEXT_LIMIT, units

log = logging.getLogger(__name__)

INTERVAL_SECONDS = 1.0
PASS_LIMIT = 1000
MAX_BACKOFF = timedelta(minutes=10)
MAX_BUTTON_ROWS = 8


def _markup(buttons: list[list[tuple[str, str]]]) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(label, callback_data=data) for label, data in row]
            for row in buttons[:MAX_BUTTON_ROWS]
        ]
    )


def batches(due: list[Outgoing]) -> list[list[Outgoing]]:
    """One batch per person: their first due row, with the rows that share its grouping as far
    as they fit in one message (Telegram refuses a text over 4096 UTF-16 units, and a message
    shows 8 rows of buttons here): the rest go in the person's next message. At full size a
    head's 09:00 reminders ran to hundreds in one grouping, and the joined text was refused."""
    first: dict[int, list[Outgoing]] = {}
    size: dict[int, int] = {}
    for outgoing in due:
        batch = first.get(outgoing.person_id)
        if batch is None:
            first[outgoing.person_id] = [outgoing]
            size[outgoing.person_id] = units(outgoing.text)
        elif outgoing.grouping and outgoing.grouping == batch[0].grouping:
            joined = size[outgoing.person_id] + len(SEPARATOR) + units(outgoing.text)
            rows = sum(len(o.buttons) for o in batch) + len(outgoing.buttons)
            if joined <= TEXT_LIMIT and rows <= MAX_BUTTON_ROWS:
                batch.append(outgoing)
                size[outgoing.person_id] = joined
    return list(first.values())


SEPARATOR = "\n\n"


@contextlib.contextmanager
def holding(app: Application, groupings: list[str]) -> Iterator[None]:
    """Rows of these groupings wait while a pass queues them in slices (jobs/slices.py):
    delivery would otherwise send a person the first slice's reminders as one message and the
    rest as another."""
    held = services.of(app).delivery_held
    mine = set(groupings) - held
    held |= mine
    try:
        yield
    finally:
        held -= mine


async def _send(
    app: Application,
    batch: list[Outgoing],
    paid: bool = False,
    accepted: list[int] | None = None,
) -> bool:
    """Send one person's batch; marked sent once Telegram accepted it (or, for sends side by
    side, added to `accepted`, which the caller marks sent a group at a time)."""
    db = services.of(app).db
    ids = [o.id for o in batch]
    person = people.by_id(db, batch[0].person_id)
    if person is None or not person.chat_id or not person.reachable or not person.active:
        outbox.give_up(db, ids, "unreachable")
        return False
    if batch[0].edit_of is not None:
        return await _edit(app, batch[0])
    text = SEPARATOR.join(o.text for o in batch)
    buttons = [row for o in batch for row in o.buttons]
    paying = {"allow_paid_broadcast": True} if paid else {}
    try:
        if batch[0].photo:
            message = await app.bot.send_photo(
                person.chat_id,
                batch[0].photo,
                caption=text,
                parse_mode="HTML",
                reply_markup=_markup(buttons),
                **paying,
            )
        else:
            message = await app.bot.send_message(
                person.chat_id, text, parse_mode="HTML", reply_markup=_markup(buttons), **paying
            )
    except Forbidden:
        people.set_reachable(db, person.id, False)
        outbox.give_up(db, ids, "blocked")
        log.info("person %s blocked the bot; marked unreachable", person.id)
        notices.notify(
            app,
            [p for p in notices.office(app) if p.id != person.id],
            "notice.unreachable",
            dedup=f"unreachable:{person.id}:{clock.now().date().isoformat()}",
            name=person.name,
            department=person.department,
        )
        return False
    except RetryAfter as error:
        wait = error.retry_after
        outbox.postpone(db, ids, wait if isinstance(wait, timedelta) else timedelta(seconds=wait), "429")
        return False
    except BadRequest as error:
        if paid:  # the Star balance may have run out: the message goes free rather than not at all
            log.warning("a paid broadcast send was refused (%s); sending it at the free rate", error.message)
            return await _send(app, batch, accepted=accepted)
        outbox.give_up(db, ids, f"bad request: {error.message}")
        log.error("outbox messages %s refused by Telegram: %s", ids, error.message)
        return False
    except TelegramError as error:  # network trouble and 5xx: later, with backoff
        outbox.postpone(
            db, ids, min(timedelta(seconds=2 ** batch[0].attempts), MAX_BACKOFF), type(error).__name__
        )
        return False
    _remember(app, batch, person.chat_id, message.message_id)
    if accepted is None:
        outbox.mark_sent(db, ids)
    else:
        accepted.extend(ids)
    return True


KEPT_NOTICES = 50_000  # messages with buttons remembered for an edit; the oldest are let go first


def _remember(app: Application, batch: list[Outgoing], chat_id: int, message_id: int) -> None:
    """Which message a notice with buttons became, in memory only, for a later edit (_edit): on
    disk, the ids of a person's chat, notice after notice, would count the messages between
    them, those of the anonymous flows included. A restart forgets them (the notice's old
    button is then still answered with who has the problem)."""
    if not any(o.buttons for o in batch):
        return
    kept = services.of(app).sent_notices
    for outgoing in batch:
        kept[outgoing.id] = (chat_id, message_id)
    while len(kept) > KEPT_NOTICES:
        kept.popitem(last=False)


async def _edit(app: Application, edit: Outgoing) -> bool:
    """An edit row: the message an earlier row became reads `edit.text`, without buttons (a
    新问题待接单 notice once the problem is taken). Paced as a send (the pacer counts every call
    to a chat). A message the person deleted, or one Telegram no longer lets the bot edit, is
    left as it is: the edit is given up and nobody is told (a press on its old button is still
    answered with who has the problem)."""
    db = services.of(app).db
    found = outbox.original(db, edit.edit_of) if edit.edit_of is not None else None
    if found is None or found.failed:
        outbox.give_up(db, edit.id, "nothing to edit: the notice never arrived")
        return False
    if found.waiting:  # rewritten when the edit was queued: it goes out saying so
        outbox.mark_sent(db, edit.id)
        return False
    sent = services.of(app).sent_notices.get(edit.edit_of) if edit.edit_of is not None else None
    if sent is None:
        outbox.give_up(db, edit.id, "nothing to edit: which message it became was forgotten (a restart)")
        return False
    chat_id, message_id = sent
    try:
        if found.photo:
            await app.bot.edit_message_caption(chat_id, message_id, caption=edit.text, parse_mode="HTML")
        else:
            await app.bot.edit_message_text(edit.text, chat_id, message_id, parse_mode="HTML")
    except RetryAfter as error:
        wait = error.retry_after
        outbox.postpone(db, edit.id, wait if isinstance(wait, timedelta) else timedelta(seconds=wait), "429")
        return False
    except BadRequest as error:
        if "not modified" in error.message:  # it already says so
            outbox.mark_sent(db, edit.id)
            return False
        outbox.give_up(db, edit.id, f"edit refused: {error.message}")  # deleted, or too old
        log.info("outbox edit %s refused by Telegram: %s", edit.id, error.message)
        return False
    except Forbidden:
        outbox.give_up(db, edit.id, "blocked")
        return False
    except TelegramError as error:
        backoff = min(timedelta(seconds=2**edit.attempts), MAX_BACKOFF)
        outbox.postpone(db, edit.id, backoff, type(error).__name__)
        return False
    outbox.mark_sent(db, edit.id)
    return True


async def send_due(app: Application) -> int:
    """One pass over what is due. Passes never overlap (the job and a direct call, such as the
    opinion batch, would otherwise both pick the same rows and send them twice)."""
    settings = services.of(app).settings
    if outbox.in_quiet_hours(clock.now(), settings.timezone, settings.quiet_hours):
        return 0
    async with services.of(app).shared.delivery_lock:
        # One request at a time: a crash can then leave at most one message sent but not yet
        # marked (so it arrives twice at most once); the pacer keeps the overall rate.
        sent = await _send_passes(app)
        sent += await _send_sealed(app)
        settle_reports(app)
        return sent


async def _send_passes(app: Application) -> int:
    """Pass after pass while a pass finds the outbox full."""
    sent = 0
    while True:
        started = time.monotonic()
        held = services.of(app).delivery_held
        db = services.of(app).db
        found = outbox.due(db, limit=PASS_LIMIT)
        due = batches([o for o in found if o.grouping not in held])
        settings = services.of(app).settings
        if _paying(settings, db):
            sent += await _send_side_by_side(app, due, settings.paid_broadcast_in_flight, paid=True)
        elif settings.broadcast_in_flight > 1:
            sent += await _send_side_by_side(app, due, settings.broadcast_in_flight, paid=False)
        else:
            sent += await _send_one_by_one(app, due)
        if len(found) < PASS_LIMIT or services.of(app).shared.stopping:
            return sent
        # A full pass: more is due. Going on at once, rather than at the job's next tick,
        # keeps a fan-out at the pacer's rate (waiting a tick after every thousand messages
        # cost 3% of it); a person still gets one message per interval at most.
        await asyncio.sleep(max(0.0, INTERVAL_SECONDS - (time.monotonic() - started)))


async def _send_one_by_one(app: Application, due: list[list[Outgoing]]) -> int:
    """The next message goes once the previous one is marked sent: a crash repeats one at most.
    The commit costs the rate nothing: the pacer's timetable gives the next send its slot
    whenever the commit ends, and a send that comes late is made up by the next."""
    sent = 0
    for batch in due:
        if services.of(app).shared.stopping:  # the bot is stopping: the rest waits for the next start
            break
        sent += await _send(app, batch)
    return sent


async def _send_side_by_side(app: Application, due: list[list[Outgoing]], in_flight: int, paid: bool) -> int:
    """Sends up to `in_flight` at once (paid ones, or free ones where BROADCAST_IN_FLIGHT allows
    it: far from Telegram, one at a time cannot keep 30 a second). What Telegram accepted is
    marked sent a group at a time (at most `in_flight` rows, at most MARK_EVERY seconds apart):
    a commit waits for the disk on the event loop, and one per message held paid sends to about
    90 a second. A crash repeats what was in flight and what was accepted but not yet marked:
    at most twice `in_flight` messages."""
    db = services.of(app).db
    room = asyncio.Semaphore(in_flight)
    accepted: list[int] = []
    marked = time.monotonic()

    def mark(force: bool = False) -> None:
        nonlocal marked
        if accepted and (force or len(accepted) >= in_flight or time.monotonic() - marked >= MARK_EVERY):
            outbox.mark_sent(db, accepted)
            accepted.clear()
            marked = time.monotonic()

    async def one(batch: list[Outgoing]) -> bool:
        try:
            return await _send(app, batch, paid=paid, accepted=accepted)
        finally:
            mark()
            room.release()

    tasks = []
    try:
        for batch in due:
            await room.acquire()
            if services.of(app).shared.stopping:
                room.release()
                break
            tasks.append(asyncio.create_task(one(batch)))
        return sum(await asyncio.gather(*tasks))
    finally:
        mark(force=True)


MARK_EVERY = 0.05  # seconds between commits of paid sends' marks


def _paying(settings, db) -> bool:
    return settings.paid_broadcast and outbox.pending_count(db) >= settings.paid_broadcast_above


STARS_PER_MESSAGE = 0.1  # Bot API, allow_paid_broadcast: "a fee of 0.1 Telegram Stars per message"


@dataclass(frozen=True)
class Estimate:
    """What a broadcast to `count` people will take, told to the office before it confirms."""

    count: int
    minutes: int
    stars: float  # 0 when the broadcast goes at the free rate


def estimate(settings, db, count: int, pacer=None) -> Estimate:
    """Minutes until the last copy is out (after what already waits) and, with paid broadcasts
    on and enough waiting, the Stars they cost at most (every copy sent as paid). With the
    bot's pacer, at the rate its latest round trips to Telegram allow (far from Telegram, one
    send at a time goes at 1 / round trip, not 30 a second)."""
    waiting = outbox.pending_count(db) + count
    paid = settings.paid_broadcast and waiting >= settings.paid_broadcast_above
    timetable = getattr(pacer, "paid" if paid else "free", None)
    if isinstance(timetable, pacing.Timetable):
        in_flight = settings.paid_broadcast_in_flight if paid else settings.broadcast_in_flight
        rate = timetable.rate(in_flight)
    else:
        rate = (pacing.PAID_PER_SECOND if paid else pacing.FREE_PER_SECOND) * pacing.MARGIN
    minutes = max(1, math.ceil(waiting / rate / 60))
    return Estimate(count, minutes, round(count * STARS_PER_MESSAGE, 1) if paid else 0.0)


def estimate_line(lang: str, found: Estimate) -> str:
    if found.stars:
        return say(
            lang,
            "broadcast.estimate_paid",
            count=found.count,
            minutes=found.minutes,
            stars=f"{found.stars:g}",
        )
    return say(lang, "broadcast.estimate", count=found.count, minutes=found.minutes)


def holder_notice_markup(lang: str) -> InlineKeyboardMarkup:
    """Under a notice sent through a sealed link: 🧹 takes it from the chat (else it goes after a
    day). It names the opinion beside the holder's chat, which the token copies: kept, it was
    the link the file deletes when the opinion closes or its holder turns notices off."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(say(lang, "receipt.btn.seen"), callback_data=RECEIPT_SEEN.data())]]
    )


async def _send_sealed(app: Application) -> int:
    """Notices to receipt holders: the sealed link is opened only here, to send; a row is marked
    done whether it was sent or there was nobody to send it to (the table does not tell which).
    Network trouble leaves it for the next pass."""
    db, keys, sent = services.of(app).db, services.of(app).keys, 0
    for sealed in outbox.sealed_due(db):
        if services.of(app).shared.stopping:
            break
        link = opinions.subscription(db, sealed.opinion_id)
        chat_id = keys.unseal(link) if link else None
        if chat_id:
            try:
                told = await app.bot.send_message(
                    int(chat_id),
                    sealed.text,
                    parse_mode="HTML",
                    reply_markup=holder_notice_markup(services.of(app).settings.default_language),
                )
                forgetting.forget_later(app, int(chat_id), [told.message_id])
                sent += 1
            except (Forbidden, BadRequest):
                log.info("a receipt holder could not be told")  # nothing that names them
            except TelegramError:
                return sent  # network trouble or 429: the next pass
        outbox.sealed_done(db, sealed.id)
    return sent


def settle_reports(app: Application) -> None:
    """A broadcast none of whose copies is still waiting: its office is told how many arrived."""
    db = services.of(app).db
    for report in outbox.awaited_reports(db):
        arrived, failed, waiting = outbox.tally(db, report.prefix)
        if waiting:
            continue
        notices.notify(
            app,
            notices.person(app, report.person_id),
            report.key,
            dedup=report.dedup_key,
            count=arrived,
            failed=failed,
            **report.fields,
        )
        outbox.report_done(db, report.prefix)


async def deliver(context: ContextTypes.DEFAULT_TYPE) -> None:
    for unit in institutions.each(context.application):  # every institution's outbox
        await send_due(unit)


def schedule(app: Application) -> None:
    assert app.job_queue is not None  # python-telegram-bot[job-queue] is a requirement
    app.job_queue.run_repeating(deliver, interval=INTERVAL_SECONDS, first=0.5, name="delivery")
