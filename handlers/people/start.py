"""/start: joining with a personal invitation (deep link `?start=<code>`), or coming back."""

from __future__ import annotations

import logging
import re

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, ContextTypes, MessageHandler, filters

from handlers import menu
from handlers.access import (
    ANYONE,
    current_person,
    database,
    language,
    reply,
    requires,
    role_names,
    stranger_key,
)
from handlers.context import RectifyContext, in_view
from jobs import institutions
from storage import evaluations, invitations, names, problems, public_box, surveys
from storage.invitations import Redemption
from storage.people import HEAD, LEADER
from texts import say

log = logging.getLogger(__name__)
# An invitation link pasted as text (offices send links by WeChat; people paste them here
# instead of opening them): t.me/<bot>?start=<code>, whatever is written around it. The lobby
# poster's and a public questionnaire's links are their flows' own (a guest is told what a
# guest can do, as before).
PASTED_LINK = re.compile(
    r"(?:t\.me|telegram\.me|telegram\.dog)/\S*?[?&]start="
    rf"(?!{public_box.PREFIX}|{surveys.PUBLIC_PREFIX})([A-Za-z0-9_-]{{1,64}})"
)
# The code alone, as the card prints it under the QR code (told by phone, typed from paper):
# exactly as invitations.issue makes it, not another flow's payload.
BARE_CODE = re.compile(
    rf"(?!{public_box.PREFIX}|{surveys.PUBLIC_PREFIX}|{evaluations.SLIP_PREFIX})[A-Za-z0-9_-]{{16}}"
)


def pasted_code(text: str) -> str | None:
    """The invitation code in text sent to the chat: a link pasted or typed (a Chinese keyboard
    types its ? and = full-width, ？＝, read here as the plain ones), or the code alone."""
    plain = names.normalise(text)
    found = PASTED_LINK.search(plain)
    if found:
        return found.group(1)
    return plain if BARE_CODE.fullmatch(plain) else None


class _PastedInvitation(filters.MessageFilter):
    def filter(self, message) -> bool:
        return bool(message.text) and pasted_code(message.text) is not None


@requires(*ANYONE)
async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _start(update, context, context.args[0] if context.args else None)


@requires(*ANYONE)
async def pasted_link(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A pasted link (or the code alone) does what opening it does."""
    await _start(update, context, pasted_code(update.message.text))


async def _start(update: Update, context: ContextTypes.DEFAULT_TYPE, code: str | None) -> None:
    person = current_person(update, context)
    if code is not None and code.startswith(evaluations.SLIP_PREFIX):  # a rating slip's QR code
        from handlers.campaign.evaluation import start_slip  # the rating flow takes it from here

        await start_slip(update, context, code)
        return
    if person is not None:
        # Already joined: an old invitation link opened again just shows the menu.
        await menu.publish_commands(context, person, language(update, context, person))
        await menu.show_menu(update, context, person, "join.back", name=person.name)
        return
    box = public_box.get(database(context)) if code is None else None
    if box is not None:
        # a patient from the lobby poster who taps /start again: what they can do here, not
        # that the bot is for the roster only
        await reply(update, context, "public.start.ledger" if box.ledger_published else "public.start")
        return
    if code is None and stranger_key(context) == "public.scan_again":
        await reply(update, context, "public.scan_again")  # a township's guest, forgotten here
        return
    if code is None or not invitations.looks_like_code(code):
        await reply(update, context, "join.need_invitation" if code is None else "join.unknown")
        return
    await _join(update, context, code)


async def _join(update: Update, context: ContextTypes.DEFAULT_TYPE, code: str) -> None:
    home = context.application
    view = institutions.view_with_invitation(home, code)  # the institution the code leads to
    if view is not home and isinstance(context, RectifyContext):
        context.enter(view)
    outcome, person = invitations.redeem(
        database(context),
        code,
        update.effective_user.id,
        update.effective_chat.id,
        language(update, context),
    )
    if outcome is not Redemption.JOINED:
        log.info("join refused: %s", outcome.value)
        await reply(update, context, f"join.{outcome.value}")
        return
    log.info("person %s joined", person.id)
    institutions.joined(home, context.application, update.effective_user.id)
    person = in_view(context.application, person)  # the menu offers what the person may do here
    lang = language(update, context, person)
    await menu.publish_commands(context, person, lang)
    await menu.show_menu(
        update,
        context,
        person,
        "join.welcome",
        name=person.name,
        department=person.department,
        roles=role_names(lang, person.roles),
    )
    waiting = _waiting(context, person, lang)
    if waiting:
        await context.bot.send_message(update.effective_chat.id, "\n".join(waiting), parse_mode="HTML")


def _waiting(context: ContextTypes.DEFAULT_TYPE, person, lang: str) -> list[str]:
    """What already waits for a leader or a head who joins mid-campaign: the notices of the
    problems given to them before they joined were given up (they had no chat), and a digest
    goes out only when something changes, so a 分管领导 joining with problems already overdue
    was told nothing of them."""
    from handlers.reports import ledger  # imports nothing from here

    db, today = database(context), ledger.today(context)
    found = []
    for role, which, key in (
        (LEADER, problems.of_leader(person.id, open_only=True), "join.waiting.leader"),
        (HEAD, problems.department_tasks(person.department_id), "join.waiting.head"),
    ):
        count = problems.count(db, which) if role in person.roles else 0
        if count:
            found.append(say(lang, key, count=count, overdue=problems.count_overdue(db, which, today)))
    return found


def handlers() -> list[BaseHandler]:
    return [
        CommandHandler("start", start),
        MessageHandler(filters.TEXT & ~filters.COMMAND & _PastedInvitation(), pasted_link),
    ]
