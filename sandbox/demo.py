"""The living demo behind `make run` without a token: the demo campaign in the sandbox's own
database, every person of its roster a sandbox chat that has joined through a real invitation,
and a sandbox clock the chat page can move on by a day or a week.

The clock is the bot's one clock (`storage.clock`); its offset from the real time is kept in a
file beside the database, so a restarted demo goes on from where it was, never back in time.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, time, timedelta
from pathlib import Path

from telegram.ext import Application

from jobs import delivery, opinion_batches, sweeper
from sandbox import demo_campaign
from sandbox.app import Demo, SandboxServer
from storage import invitations, outbox, people
from storage.clock import clock
from storage.dates import is_working_day, next_working_day

log = logging.getLogger(__name__)
LANGUAGE = "zh-hans"
OPENING = time(9, 30)  # a first demo starts in office hours, whatever the hour outside


def prepare(app: Application, server: SandboxServer) -> None:
    """Before polling: the clock, the campaign (first run only) and a chat for every person."""
    db, settings = app.bot_data["db"], app.bot_data["settings"]
    offset_file = _offset_file(app)
    offset = _saved_offset(offset_file) if offset_file.exists() else _to_office_hours(settings.timezone)
    # The campaign is told by moving the clock through its past, and resets it at the end;
    # so the demo's own clock is set after it.
    demo_campaign.seed(db, app.bot_data["keys"], (datetime.now(settings.timezone) + offset).date(),
                       settings.timezone, settings.default_language)
    clock.reset()
    # The story's notices were queued before anyone in it had a chat with the bot: delivery
    # gives them up as unreachable; done here at once, so that the demo opens the same way
    # every time, whichever comes first, the first delivery pass or the people joining.
    outbox.give_up_unjoined(db)
    clock.advance(offset)
    _save_offset(offset_file)
    for telegram_id, person in _players(app):
        server.api.user(telegram_id, person.name, LANGUAGE)
    server.api.now = lambda: clock.now().timestamp()
    server.demo = Demo(people=lambda: _roster(app), now=clock.now,
                       advance=lambda step: advance(app, step))


async def join(app: Application, server: SandboxServer) -> None:
    """After polling starts: whoever has not joined yet sends their invitation's /start line,
    as a new member would; the others send /start, which brings back their menu."""
    db, settings = app.bot_data["db"], app.bot_data["settings"]
    waiting = sorted(p.id for p in invitations.unbound(db))
    issued = invitations.issue(db, waiting, settings.invitation_ttl_days) if waiting else []
    codes = {invitation.person.id: invitation.code for invitation in issued}
    for telegram_id, person in _players(app):
        code = codes.get(person.id)
        await server.api.user_text(telegram_id, f"/start {code}" if code else "/start")


async def advance(app: Application, step: timedelta) -> None:
    """Move the clock on and do at once what fell due meanwhile: the opinion batch, the
    sweeper's reminders, escalations, look-backs and digests, and their delivery."""
    clock.advance(step)
    _save_offset(_offset_file(app))
    await opinion_batches.release_to_office(app)
    await sweeper.sweep_app(app)
    await delivery.send_due(app)


def _players(app: Application) -> list[tuple[int, people.Person]]:
    """Each person of the roster with the sandbox Telegram id that plays them."""
    everyone = sorted(people.everyone(app.bot_data["db"]), key=lambda p: p.id)
    return [(person.telegram_user_id or demo_campaign.FIRST_TELEGRAM_ID + index, person)
            for index, person in enumerate(everyone)]


def _roster(app: Application) -> list[dict]:
    """The picker's list: grouped by department, in the roster's order."""
    players = _players(app)
    first_seen: dict[str, int] = {}
    for index, (_, person) in enumerate(players):
        first_seen.setdefault(person.department, index)
    return [{"id": telegram_id, "name": person.name, "department": person.department,
             "roles": sorted(person.roles, key=people.ROLES.index)}
            for telegram_id, person in sorted(players, key=lambda pair: first_seen[pair[1].department])]


def _to_office_hours(zone) -> timedelta:
    """How far to move a first demo's clock so that it opens on a working morning: notices
    held back in quiet hours would leave a newcomer looking at a silent chat."""
    now = datetime.now(zone)
    if is_working_day(now.date()) and time(8, 30) <= now.time() < time(17, 0):
        return timedelta(0)
    day = now.date() if now.time() < time(8, 30) else now.date() + timedelta(days=1)
    return datetime.combine(next_working_day(day), OPENING, tzinfo=zone) - now


def _offset_file(app: Application) -> Path:
    return Path(app.bot_data["settings"].database_path).parent / "sandbox_clock.json"


def _saved_offset(path: Path) -> timedelta:
    try:
        return timedelta(seconds=float(json.loads(path.read_text())["offset_seconds"]))
    except (OSError, ValueError, KeyError, TypeError):
        log.warning("sandbox clock file %s unreadable; starting from the real time", path)
        return timedelta(0)


def _save_offset(path: Path) -> None:
    offset = (clock.now() - datetime.now(clock.now().tzinfo)).total_seconds()
    path.write_text(json.dumps({"offset_seconds": offset}))
