"""/people: the roster by department and who has joined, for leaders and the office."""

from __future__ import annotations

from itertools import groupby

from telegram import Update
from telegram.ext import BaseHandler, ContextTypes

from handlers import menu
from handlers.access import database, language, person_of, requires, send_lines
from storage import people
from storage.people import LEADER, OFFICE
from texts import say

MAX_WAITING_NAMES = 30  # names on one line: a longer list goes on as further lines, every name shown


@requires(LEADER, OFFICE)
async def show_people(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    person = person_of(update, context)
    lang = language(update, context, person)
    everyone = people.everyone(database(context))
    if not everyone:
        await menu.show_menu(update, context, person, "people.empty")
        return
    joined = sum(1 for p in everyone if p.telegram_user_id)
    lines = [say(lang, "people.title", joined=joined, total=len(everyone))]
    for department, members in groupby(everyone, key=lambda p: p.department):
        members = list(members)
        waiting = [p.name for p in members if not p.telegram_user_id]
        lines.append(
            say(
                lang,
                "people.department",
                department=department,
                joined=len(members) - len(waiting),
                total=len(members),
            )
        )
        for start in range(0, len(waiting), MAX_WAITING_NAMES):  # the office chases each by name
            lines.append(
                say(lang, "people.waiting", names="、".join(waiting[start : start + MAX_WAITING_NAMES]))
            )
    if OFFICE in person.roles:  # where a misspelled department is fixed
        lines.append(say(lang, "people.departments_hint"))
    await send_lines(context, update.effective_chat.id, lines, menu.keyboard(person, lang))


def handlers() -> list[BaseHandler]:
    return menu.triggers("people", show_people)
