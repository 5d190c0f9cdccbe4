"""Delivery: one repeating job sends what is due in the outbox and marks each row sent only
after Telegram accepted it (a crash in between repeats at most that one message).

Pacing: the rate limiter keeps to Telegram's overall limits; on top, a person gets at most
one message per pass (about one a second), and rows that share a grouping for one person
(several reminders in the same slot) go out together as one message. Nothing is pushed in
quiet hours: due rows simply wait.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Iterator
from datetime import timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.ext import Application, ContextTypes

import services
from jobs import institutions, notices
from storage import opinions, outbox, people
from storage.clock import clock
from storage.outbox import Outgoing
from texts.fit import TEXT_LIMIT, units

log = logging.getLogger(__name__)

INTERVAL_SECONDS = 1.0
PASS_LIMIT = 1000
MAX_BACKOFF = timedelta(minutes=10)
MAX_BUTTON_ROWS = 8


def _markup(buttons: list[list[tuple[str, str]]]) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=data) for label, data in row]
                                 for row in buttons[:MAX_BUTTON_ROWS]])


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


async def _send(app: Application, batch: list[Outgoing]) -> bool:
    db = services.of(app).db
    ids = [o.id for o in batch]
    person = people.by_id(db, batch[0].person_id)
    if person is None or not person.chat_id or not person.reachable or not person.active:
        outbox.give_up(db, ids, "unreachable")
        return False
    text = SEPARATOR.join(o.text for o in batch)
    buttons = [row for o in batch for row in o.buttons]
    try:
        if batch[0].photo:
            await app.bot.send_photo(person.chat_id, batch[0].photo, caption=text, parse_mode="HTML",
                                     reply_markup=_markup(buttons))
        else:
            await app.bot.send_message(person.chat_id, text, parse_mode="HTML", reply_markup=_markup(buttons))
    except Forbidden:
        people.set_reachable(db, person.id, False)
        outbox.give_up(db, ids, "blocked")
        log.info("person %s blocked the bot; marked unreachable", person.id)
        notices.notify(app, [p for p in notices.office(app) if p.id != person.id], "notice.unreachable",
                       dedup=f"unreachable:{person.id}:{clock.now().date().isoformat()}",
                       name=person.name, department=person.department)
        return False
    except RetryAfter as error:
        wait = error.retry_after
        outbox.postpone(db, ids, wait if isinstance(wait, timedelta) else timedelta(seconds=wait), "429")
        return False
    except BadRequest as error:
        outbox.give_up(db, ids, f"bad request: {error.message}")
        log.error("outbox messages %s refused by Telegram: %s", ids, error.message)
        return False
    except TelegramError as error:  # network trouble and 5xx: later, with backoff
        outbox.postpone(db, ids, min(timedelta(seconds=2 ** batch[0].attempts), MAX_BACKOFF),
                        type(error).__name__)
        return False
    outbox.mark_sent(db, ids)
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
        found = outbox.due(services.of(app).db, limit=PASS_LIMIT)
        for batch in batches([o for o in found if o.grouping not in held]):
            if services.of(app).shared.stopping:  # the bot is stopping: the rest waits for the next start
                return sent
            sent += await _send(app, batch)
        if len(found) < PASS_LIMIT or services.of(app).shared.stopping:
            return sent
        # A full pass: more is due. Going on at once, rather than at the job's next tick,
        # keeps a fan-out at the pacer's rate (waiting a tick after every thousand messages
        # cost 3% of it); a person still gets one message per interval at most.
        await asyncio.sleep(max(0.0, INTERVAL_SECONDS - (time.monotonic() - started)))


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
                await app.bot.send_message(int(chat_id), sealed.text, parse_mode="HTML")
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
        notices.notify(app, notices.person(app, report.person_id), report.key, dedup=report.dedup_key,
                       count=arrived, failed=failed, **report.fields)
        outbox.report_done(db, report.prefix)


async def deliver(context: ContextTypes.DEFAULT_TYPE) -> None:
    for unit in institutions.each(context.application):  # every institution's outbox
        await send_due(unit)


def schedule(app: Application) -> None:
    assert app.job_queue is not None  # python-telegram-bot[job-queue] is a requirement
    app.job_queue.run_repeating(deliver, interval=INTERVAL_SECONDS, first=0.5, name="delivery")
