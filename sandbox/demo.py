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

from jobs import delivery, institutions, opinion_batches, sweeper
from sandbox import demo_campaign, demo_county
from sandbox.app import Demo, SandboxServer
from storage import invitations, outbox, people, public_box
from storage.clock import clock
from storage.dates import is_working_day, next_working_day

log = logging.getLogger(__name__)
LANGUAGE = "zh-hans"
OPENING = time(9, 30)  # a first demo starts in office hours, whatever the hour outside
# Someone off the roster who scanned the lobby poster (群众意见箱): the public's side of the box,
# played like anyone else's chat; the picker lists them after the roster.
PATIENT_ID, PATIENT_NAME, PATIENT_GROUP = 9001, "患者家属", "群众 · 扫了大厅海报"


def prepare(app: Application, server: SandboxServer) -> None:
    """Before polling: the clock, the campaign (first run only) and a chat for every person."""
    db, settings = app.bot_data["db"], app.bot_data["settings"]
    offset_file = _offset_file(app)
    offset = _saved_offset(offset_file) if offset_file.exists() else _to_office_hours(settings.timezone)
    # The campaign is told by moving the clock through its past, and resets it at the end;
    # so the demo's own clock is set after it.
    today = (datetime.now(settings.timezone) + offset).date()
    demo_campaign.seed(db, app.bot_data["keys"], today, settings.timezone, settings.default_language)
    # 督导: the hospital is one of a county's institutions (sandbox/demo_county.py)
    demo_county.seed(
        db, settings.database_path, app.bot_data["keys"], today, settings.timezone, settings.institution
    )
    institutions.attach(app)
    clock.reset()
    # The story's notices were queued before anyone in it had a chat with the bot: delivery
    # gives them up as unreachable; done here at once, so that the demo opens the same way
    # every time, whichever comes first, the first delivery pass or the people joining.
    for unit in institutions.each(app):
        outbox.give_up_unjoined(unit.bot_data["db"])
    clock.advance(offset)
    _save_offset(offset_file)
    for telegram_id, person in _players(app):
        server.api.user(telegram_id, person.name, LANGUAGE)
    server.api.user(PATIENT_ID, PATIENT_NAME, LANGUAGE)
    public_box.ensure(db, clock.now().astimezone(settings.timezone).date())  # the poster in the hall
    server.api.now = lambda: clock.now().timestamp()
    server.demo = Demo(
        people=lambda: roster_with_chats(app, server.api),
        now=clock.now,
        advance=lambda step: advance(app, step),
    )


async def join(app: Application, server: SandboxServer) -> None:
    """After polling starts: whoever has not joined yet sends their invitation's /start line,
    as a new member would; the others send /start, which brings back their menu."""
    settings = app.bot_data["settings"]
    codes = {}
    for unit in institutions.each(app):  # each institution's invitations, in its own database
        db = unit.bot_data["db"]
        waiting = sorted(p.id for p in invitations.unbound(db))
        issued = invitations.issue(db, waiting, settings.invitation_ttl_days) if waiting else []
        codes.update({(id(unit), invitation.person.id): invitation.code for invitation in issued})
    for telegram_id, person, unit in _players_by_unit(app):
        code = codes.get((id(unit), person.id))
        await server.api.user_text(telegram_id, f"/start {code}" if code else "/start")
    box = public_box.get(app.bot_data["db"])
    if box is not None:  # the patient's chat opens where scanning the poster leads
        await server.api.user_text(PATIENT_ID, f"/start {box.code}")


async def advance(app: Application, step: timedelta) -> None:
    """Move the clock on and do at once what fell due meanwhile: the opinion batch, the
    sweeper's reminders, escalations, look-backs and digests, and their delivery."""
    clock.advance(step)
    _save_offset(_offset_file(app))
    for unit in institutions.each(app):  # every institution of the county
        await opinion_batches.release_to_office(unit)
        await sweeper.sweep_app(unit)
    for unit in institutions.each(app):
        await delivery.send_due(unit)


COUNTY_TELEGRAM_IDS = 2001  # the county's other institutions: 2001…, 2101…, 2201… by institution


def _players_by_unit(app: Application) -> list[tuple[int, people.Person, object]]:
    """Each person of every institution's roster with the sandbox Telegram id that plays them
    (the hospital's people first, as before the county)."""
    units = institutions.each(app)
    rosters = [sorted(people.everyone(unit.bot_data["db"]), key=lambda p: p.id) for unit in units]
    # Who has joined keeps their id. The others get the next free one from their institution's
    # block: institutions imported into a running demo (python bot.py roster import) shift the
    # blocks, and a new person was given the id of someone who had joined, so that picking
    # 钱丽娟 in the list opened 文办事's name over 钱丽娟's chat.
    taken = {person.telegram_user_id for roster in rosters for person in roster if person.telegram_user_id}
    found = []
    for number, (unit, everyone) in enumerate(zip(units, rosters, strict=True)):
        first = demo_campaign.FIRST_TELEGRAM_ID if unit is app else COUNTY_TELEGRAM_IDS + 100 * (number - 1)
        for index, person in enumerate(everyone):
            telegram_id = person.telegram_user_id
            if not telegram_id:
                telegram_id = first + index
                while telegram_id in taken:
                    telegram_id += 1
                taken.add(telegram_id)
            found.append((telegram_id, person, unit))
    return found


def _players(app: Application) -> list[tuple[int, people.Person]]:
    return [(telegram_id, person) for telegram_id, person, _ in _players_by_unit(app)]


def _roster(app: Application) -> list[dict]:
    """The picker's list: grouped by department (by institution and department in the county's
    other institutions), in the roster's order."""
    players = [
        (telegram_id, person, _group(app, person, unit))
        for telegram_id, person, unit in _players_by_unit(app)
    ]
    first_seen: dict[str, int] = {}
    for index, (_, _, group) in enumerate(players):
        first_seen.setdefault(group, index)
    return [
        {
            "id": telegram_id,
            "name": person.name,
            "department": group,
            "roles": sorted(person.roles, key=people.ROLES.index),
        }
        for telegram_id, person, group in sorted(players, key=lambda three: first_seen[three[2]])
    ]


def roster_with_chats(app: Application, api) -> list[dict]:
    """The picker's list, with a chat for whoever the office imported since the demo started:
    not joined, so that the newcomer can be picked and join with the invitation the office made."""
    found = _roster(app)
    for row in found:
        api.user(row["id"], row["name"], LANGUAGE)  # a chat it already has is kept as it is
    patient = {"id": PATIENT_ID, "name": PATIENT_NAME, "department": PATIENT_GROUP, "roles": ["public"]}
    return [*found, patient]


def _group(app: Application, person: people.Person, unit) -> str:
    if unit is app:
        return person.department
    return f"{institutions.institution_of(unit).name} · {person.department}"


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
