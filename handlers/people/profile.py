"""Your profile: /me shows who the bot thinks you are; /language switches zh-CN, zh-TW, en."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, ContextTypes

from callbacks import LANGUAGE
from config import LANGUAGES
from handlers import menu
from handlers.access import MEMBERS, database, language, person_of, refuse, requires, role_names
from handlers.context import RectifyContext
from storage import people
from texts import LANGUAGE_NAMES, say


@requires(*MEMBERS)
async def show_profile(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    person = person_of(update, context)
    lang = language(update, context, person)
    await menu.show_menu(
        update,
        context,
        person,
        "me.card",
        name=person.name,
        department=person.department,
        roles=role_names(lang, person.roles),
        language=LANGUAGE_NAMES[lang],
    )


@requires(*MEMBERS)
async def choose_language(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    buttons = [
        [InlineKeyboardButton(LANGUAGE_NAMES[code], callback_data=LANGUAGE.data(code))] for code in LANGUAGES
    ]
    await context.bot.send_message(
        update.effective_chat.id,
        say(language(update, context), "language.choose"),
        reply_markup=InlineKeyboardMarkup(buttons),
    )


@requires(*MEMBERS)
async def set_language(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    [code] = LANGUAGE.parse(query.data)
    if code not in LANGUAGES:
        await refuse(update, context, "stale_button")
        return
    person = person_of(update, context)
    people.set_language(database(context), person.id, code)
    if isinstance(context, RectifyContext):  # the person is remembered for the update
        context.forget_person()
    person = person_of(update, context)
    await query.answer()
    await query.edit_message_text(say(code, "language.set"))
    await menu.publish_commands(context, person, code)
    await menu.show_menu(update, context, person, "join.back", name=person.name)


def handlers() -> list[BaseHandler]:
    return [
        *menu.triggers("me", show_profile),
        *menu.triggers("language", choose_language),
        CallbackQueryHandler(set_language, pattern=LANGUAGE),
    ]
