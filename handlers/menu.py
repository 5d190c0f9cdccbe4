"""The menu: which commands and buttons each role gets, /help, and the per-chat command list."""

from __future__ import annotations

from telegram import BotCommand, BotCommandScopeChat, KeyboardButton, ReplyKeyboardMarkup, Update
from telegram.ext import BaseHandler, CommandHandler, ContextTypes, MessageHandler, filters

from handlers.access import MEMBERS, language, person_of, requires
from storage.people import HEAD, LEADER, OFFICE, STAFF, Person
from texts import every_language, say

# (command, menu button or None, roles that get it) in the order they are shown.
ENTRIES: list[tuple[str, str | None, frozenset[str]]] = [
    ("opinion", "btn.opinion", MEMBERS),
    ("receipt", "btn.receipt", MEMBERS),
    ("ledger", "btn.ledger", MEMBERS),
    ("digest", "btn.digest", frozenset({LEADER, OFFICE})),
    ("claim", "btn.claim", frozenset({LEADER})),
    ("mine", "btn.mine", frozenset({LEADER})),
    ("tasks", "btn.tasks", frozenset({HEAD})),
    ("inbox", "btn.inbox", frozenset({OFFICE})),
    ("newproblem", "btn.newproblem", frozenset({OFFICE})),
    ("closures", "btn.closures", frozenset({OFFICE})),
    ("roster", "btn.roster", frozenset({OFFICE})),
    ("invite", "btn.invite", frozenset({OFFICE})),
    ("people", "btn.people", frozenset({LEADER, OFFICE})),
    ("me", "btn.me", MEMBERS),
    ("language", "btn.language", MEMBERS),
    ("help", "btn.help", MEMBERS),
    ("history", None, MEMBERS),
    ("meetings", None, MEMBERS),
    ("evaluate", None, MEMBERS),
    ("mychecks", None, MEMBERS),
    ("export", None, frozenset({LEADER, OFFICE})),
    ("report", None, frozenset({OFFICE})),
    ("milestone", None, frozenset({LEADER, HEAD, OFFICE})),
    ("assign", None, frozenset({OFFICE})),
    ("lookback", None, frozenset({OFFICE})),
    ("meeting", None, frozenset({OFFICE})),
    ("phase", None, frozenset({OFFICE})),
    ("meeting_move", None, frozenset({OFFICE})),
    ("meeting_cancel", None, frozenset({OFFICE})),
    ("findings", None, frozenset({OFFICE})),
    ("categories", None, frozenset({OFFICE})),
    ("newsheet", None, frozenset({OFFICE})),
    ("sheets", None, frozenset({OFFICE})),
    ("selfcheck", None, frozenset({OFFICE})),
    ("selfchecks", None, frozenset({OFFICE})),
]
ALWAYS = ("cancel",)
HELP_ROLES = (STAFF, HEAD, LEADER, OFFICE)  # the order of /help's sections


def entries_for(person: Person) -> list[tuple[str, str | None]]:
    return [(command, button) for command, button, roles in ENTRIES if person.has_any(roles)]


def button_of(command: str) -> str:
    return next(button for c, button, _ in ENTRIES if c == command)


def triggers(command: str, callback) -> list[BaseHandler]:
    """The command and its menu button in every language, both leading to `callback`."""
    button = button_of(command)
    by_button = [MessageHandler(filters.Text(every_language(button)), callback)] if button else []
    return [CommandHandler(command, callback), *by_button]


def keyboard(person: Person, lang: str) -> ReplyKeyboardMarkup:
    buttons = [KeyboardButton(say(lang, button)) for _, button in entries_for(person) if button]
    rows = [buttons[i:i + 2] for i in range(0, len(buttons), 2)]
    return ReplyKeyboardMarkup(rows, resize_keyboard=True, is_persistent=True)


async def publish_commands(context: ContextTypes.DEFAULT_TYPE, person: Person, lang: str) -> None:
    """This person's own command list, in their language, shown by Telegram's menu button."""
    commands = [BotCommand(c, say(lang, f"cmd.{c}")) for c, _ in entries_for(person)]
    commands += [BotCommand(c, say(lang, f"cmd.{c}")) for c in ALWAYS]
    await context.bot.set_my_commands(commands, scope=BotCommandScopeChat(person.chat_id))


async def show_menu(update: Update, context: ContextTypes.DEFAULT_TYPE, person: Person,
                    key: str, **values) -> None:
    lang = language(update, context, person)
    await context.bot.send_message(
        update.effective_chat.id, say(lang, key, **values), parse_mode="HTML",
        reply_markup=keyboard(person, lang),
    )


def help_sections(person: Person, lang: str) -> list[str]:
    """/help from ENTRIES, the list the command menu and the handlers' tests are built from: a
    section per role the person holds, each command once, under the first role that has it."""
    shown: set[str] = set()
    parts = []
    for role in HELP_ROLES:
        if role not in person.roles:
            continue
        commands = [c for c, _, roles in ENTRIES if role in roles and c not in shown]
        shown.update(commands)
        if commands:
            parts.append("\n".join([f"<b>{say(lang, f'role.{role}')}</b>",
                                     *(f"• /{c} {say(lang, f'cmd.{c}')}" for c in commands)]))
    return parts


@requires(*MEMBERS)
async def show_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    person = person_of(update, context)
    lang = language(update, context, person)
    parts = [say(lang, "help.title"), *help_sections(person, lang), say(lang, "help.footer")]
    await context.bot.send_message(
        update.effective_chat.id, "\n\n".join(parts), parse_mode="HTML",
        reply_markup=keyboard(person, lang),
    )


def handlers() -> list[BaseHandler]:
    return triggers("help", show_help)
