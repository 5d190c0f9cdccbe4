"""The menu: which commands and buttons each role gets, /help, and the per-chat command list.

The keyboard fits a phone: each role's daily buttons (at most MAX_DAILY) and 更多, which opens the
rest as inline buttons; a tap on one of those works as if its label had been tapped on the
keyboard. `TYPED` is the one filter for typed input in every conversation: text that is neither a
command nor a menu label (in any language), and `leave_on_menu_tap()` lets a menu tap in the
middle of a typed step leave the step and open what was tapped."""

from __future__ import annotations

import inspect
from datetime import UTC, datetime

from telegram import (
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    filters,
)

from callbacks import MENU_MORE
from handlers.access import GUEST, MEMBERS, READER, current_person, language, person_of, refuse, requires
from jobs import supervision
from storage.people import COMMISSION, HEAD, LEADER, OFFICE, STAFF, SUPERVISOR, Person
from texts import every_language, say

# (command, menu button or None, roles that get it) in the order they are shown.
ENTRIES: list[tuple[str, str | None, frozenset[str]]] = [
    # guests (the public box) reach these two and nothing else
    ("opinion", "btn.opinion", MEMBERS | {GUEST}),
    ("receipt", "btn.receipt", MEMBERS | {GUEST}),
    ("ledger", "btn.ledger", MEMBERS | {READER}),  # guests too, once the ledger is published to them
    ("digest", "btn.digest", frozenset({LEADER, OFFICE})),
    ("claim", "btn.claim", frozenset({LEADER})),
    ("mine", "btn.mine", frozenset({LEADER})),
    ("tasks", "btn.tasks", frozenset({HEAD})),
    ("inbox", "btn.inbox", frozenset({OFFICE})),
    ("newproblem", "btn.newproblem", frozenset({OFFICE})),
    ("closures", "btn.closures", frozenset({OFFICE})),
    ("hotspots", "btn.hotspots", frozenset({OFFICE})),
    ("roster", "btn.roster", frozenset({OFFICE})),
    ("invite", "btn.invite", frozenset({OFFICE})),
    ("people", "btn.people", frozenset({LEADER, OFFICE})),
    ("departments", "btn.departments", frozenset({OFFICE})),
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
    ("sheets", None, frozenset({LEADER, OFFICE})),
    ("selfcheck", None, frozenset({OFFICE})),
    ("selfchecks", None, frozenset({OFFICE})),
    ("rollup", "btn.rollup", frozenset({SUPERVISOR, COMMISSION})),
    ("orders", None, frozenset({SUPERVISOR, COMMISSION})),
    ("order", None, frozenset({SUPERVISOR})),
    ("reports", None, frozenset({SUPERVISOR, COMMISSION, OFFICE})),
    ("askreport", None, frozenset({SUPERVISOR})),
    ("appraisal", None, frozenset({SUPERVISOR})),
    ("poster", None, frozenset({OFFICE})),
    ("slips", None, frozenset({OFFICE})),
    ("survey", None, frozenset({OFFICE})),
    ("surveys", None, frozenset({OFFICE})),
]
ALWAYS = ("cancel",)
# Commands listed for these roles only in a deployment with a supervising body: /reports shows an
# institution's office what the body asked of it; a lone hospital's office had it in its command
# list, and it only ever answered 还没有要求报送的报告.
WITH_A_BODY = {"reports": frozenset({OFFICE})}
# The buttons each role uses every day, in the order shown (the role's main work first: a 督导组
# member's 各单位汇总 heads the keyboard); a person with several roles gets the set of the first of
# PRECEDENCE they hold. Everything else of theirs is under 更多.
MAX_DAILY = 6
DAILY = {
    OFFICE: ("opinion", "ledger", "digest", "inbox", "newproblem", "closures"),
    LEADER: ("opinion", "receipt", "ledger", "digest", "claim", "mine"),
    HEAD: ("opinion", "receipt", "ledger", "tasks", "me", "help"),
    STAFF: ("opinion", "receipt", "ledger", "me", "language", "help"),
    SUPERVISOR: ("rollup", "ledger", "opinion", "me", "language", "help"),
    COMMISSION: ("rollup", "ledger", "opinion", "me", "language", "help"),
}
PRECEDENCE = (OFFICE, SUPERVISOR, COMMISSION, LEADER, HEAD, STAFF)
MORE = "btn.more"
HELP_ROLES = (STAFF, HEAD, LEADER, OFFICE, SUPERVISOR, COMMISSION)  # the order of /help's sections


def entries_for(person: Person, with_a_body: bool = True) -> list[tuple[str, str | None]]:
    """The person's commands (with their menu buttons); without a supervising body above
    (`with_a_body` False), not those that only it gives something to show (WITH_A_BODY)."""
    return [
        (command, button)
        for command, button, roles in ENTRIES
        if person.has_any(roles if with_a_body else roles - WITH_A_BODY.get(command, frozenset()))
    ]


def has_a_body(context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Is there a supervising body (督导) in this deployment?"""
    return supervision.body_view(context.application) is not None


def button_of(command: str) -> str:
    return next(button for c, button, _ in ENTRIES if c == command)


def triggers(command: str, callback) -> list[BaseHandler]:
    """The command and its menu button in every language, both leading to `callback`."""
    button = button_of(command)
    by_button = [MessageHandler(filters.Text(every_language(button)), callback)] if button else []
    return [CommandHandler(command, callback), *by_button]


def daily_and_more(person: Person) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(command, button) on the keyboard, and those under 更多."""
    role = next((r for r in PRECEDENCE if r in person.roles), STAFF)
    mine = [(command, button) for command, button in entries_for(person) if button]
    order = DAILY[role]
    ours = sorted((entry for entry in mine if entry[0] in order), key=lambda entry: order.index(entry[0]))
    daily = ours[:MAX_DAILY]
    return daily, [entry for entry in mine if entry not in daily]


def keyboard(person: Person, lang: str) -> ReplyKeyboardMarkup:
    daily, more = daily_and_more(person)
    buttons = [KeyboardButton(say(lang, button)) for _, button in daily]
    if more:
        buttons.append(KeyboardButton(say(lang, MORE)))
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    return ReplyKeyboardMarkup(rows, resize_keyboard=True, is_persistent=True)


def labels() -> list[str]:
    """Every menu label in every language: never typed input, always a tap."""
    keys = [button for _, button, _ in ENTRIES if button] + [MORE]
    return [label for key in keys for label in every_language(key)]


TYPED = filters.TEXT & ~filters.COMMAND & ~filters.Text(labels())


def leaving_labels() -> list[str]:
    """The menu labels whose tap leaves a step: all but ⋯ 更多, which only shows the rest as
    buttons; the one chosen there leaves it (or sets it aside, for the box), as its label would.
    Left at the 更多 tap, a step's end was written a moment before the office's 🔑 回执查询
    under it, which sets steps aside so as to write nothing then."""
    more = set(every_language(MORE))
    return [label for label in labels() if label not in more]


class LeaveOnMenuTap(MessageHandler):
    """A conversation's fallback for a menu tap (`leave_on_menu_tap`), which `leave_waiting_steps`
    finds by its type. `quietly` is the same leaving without handling the tap again: for a
    step left from outside, while the tap goes on to what it opens."""

    def __init__(self, forget=None) -> None:
        async def drop(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            if forget is not None:
                dropped = forget(update, context)
                if inspect.isawaitable(dropped):  # a forget that deletes messages too
                    await dropped

        @requires(*MEMBERS)
        async def leave_step(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
            await drop(update, context)
            await context.application.update_queue.put(update)
            return ConversationHandler.END

        @requires(*MEMBERS)
        async def leave_quietly(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
            await drop(update, context)
            return ConversationHandler.END

        super().__init__(filters.Text(leaving_labels()), leave_step)
        self.quietly = MessageHandler(filters.Text(leaving_labels()), leave_quietly)


def leave_on_menu_tap(forget=None) -> MessageHandler:
    """For every conversation's fallbacks: a menu tap in the middle of a step ends the step (after
    `forget(update, context)` drops what the step kept) and the tap is handled again, now outside
    the conversation, so it opens what was tapped."""
    return LeaveOnMenuTap(forget)


async def leave_waiting_steps(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Before the tap is handled: every conversation that waits for this person's words and
    would leave on a menu tap is left, not only the first that sees it. One handler runs per
    group, so a tap that opened a conversation listed earlier (🔑 回执查询, then 📝 提意见)
    left the later one waiting: her next words, once the opinion was done, were taken as a
    receipt code, deleted and answered 没有找到这个回执码. The conversation the tap opens again
    (allow_reentry) is its own entry point, not a leaving, and is left alone. A tap into the
    anonymous box sets the steps kept on disk aside instead (`_opens_an_unwritten_flow`). Only
    members leave a step by a menu tap (a guest's is refused by the step, as before)."""
    if current_person(update, context) is None:
        return
    conversations = [c for c in context.application.handlers.get(0, []) if isinstance(c, ConversationHandler)]
    into_the_box = _opens_an_unwritten_flow(conversations, update)
    for conversation in conversations:
        found = conversation.check_update(update)
        if not isinstance(found, tuple) or not isinstance(found[2], LeaveOnMenuTap):
            continue
        state, key, leaving, checked = found
        aside = getattr(conversation, "set_aside", None)  # (conversations.TimedConversation's)
        if into_the_box and conversation.persistent and aside is not None:
            aside.add(key)
            continue
        await conversation.handle_update(
            update, context.application, (state, key, leaving.quietly, checked), context
        )


def _opens_an_unwritten_flow(conversations: list[ConversationHandler], update: Update) -> bool:
    """The tap opens a flow whose steps never reach the disk (📝 提意见, 🔑 回执查询: the
    anonymous box). A step the bot keeps on disk is then set aside, not ended: its end, written
    at once under the person's id, dated the moment she opened the box, which nothing else
    writes (tests/test_forensic_box_steps.py). It ends when its own timeout would have ended
    it, as before this tap left it; meanwhile it takes none of her words."""
    for conversation in conversations:
        found = conversation.check_update(update)
        if isinstance(found, tuple) and found[2] in conversation.entry_points:
            return not conversation.persistent
    return False


def before_conversations() -> list[BaseHandler]:
    """For a group of its own, after the private-chat guard and before the conversations."""
    return [MessageHandler(filters.ChatType.PRIVATE & filters.Text(leaving_labels()), leave_waiting_steps)]


@requires(*MEMBERS)
async def show_more(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    person = person_of(update, context)
    lang = language(update, context, person)
    _, more = daily_and_more(person)
    buttons = [
        InlineKeyboardButton(say(lang, button), callback_data=MENU_MORE.data(command))
        for command, button in more
    ]
    await context.bot.send_message(
        update.effective_chat.id,
        say(lang, "menu.more"),
        reply_markup=InlineKeyboardMarkup([buttons[i : i + 2] for i in range(0, len(buttons), 2)]),
    )


@requires(*MEMBERS)
async def open_more(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A button under 更多: handled as the same label tapped on the keyboard (a new update with
    that text), so every flow it opens starts exactly as it does from the keyboard."""
    query = update.callback_query
    person = person_of(update, context)
    [command] = MENU_MORE.parse(query.data)
    chosen = next((button for c, button in entries_for(person) if c == command and button), None)
    if chosen is None:
        await refuse(update, context, "stale_button")
        return
    await query.answer()
    tapped = Message(
        message_id=query.message.message_id if query.message else 0,
        date=datetime.now(UTC),
        chat=update.effective_chat,
        from_user=query.from_user,
        text=say(language(update, context, person), chosen),
    )
    tapped.set_bot(context.bot)
    await context.application.update_queue.put(Update(update.update_id, message=tapped))


async def publish_commands(context: ContextTypes.DEFAULT_TYPE, person: Person, lang: str) -> None:
    """This person's own command list, in their language, shown by Telegram's menu button."""
    commands = [BotCommand(c, say(lang, f"cmd.{c}")) for c, _ in entries_for(person, has_a_body(context))]
    commands += [BotCommand(c, say(lang, f"cmd.{c}")) for c in ALWAYS]
    await context.bot.set_my_commands(commands, scope=BotCommandScopeChat(person.chat_id))


async def show_menu(
    update: Update, context: ContextTypes.DEFAULT_TYPE, person: Person, key: str, **values
) -> None:
    lang = language(update, context, person)
    await context.bot.send_message(
        update.effective_chat.id,
        say(lang, key, **values),
        parse_mode="HTML",
        reply_markup=keyboard(person, lang),
    )


def help_sections(person: Person, lang: str, with_a_body: bool = True) -> list[str]:
    """/help from ENTRIES, the list the command menu and the handlers' tests are built from: a
    section per role the person holds, each command once, under the first role that has it
    (without a supervising body, not what only it gives something to show)."""
    shown: set[str] = set()
    parts = []
    for role in HELP_ROLES:
        if role not in person.roles:
            continue
        commands = [
            c
            for c, _, roles in ENTRIES
            if role in roles and c not in shown and (with_a_body or role not in WITH_A_BODY.get(c, ()))
        ]
        shown.update(commands)
        if commands:
            parts.append(
                "\n".join(
                    [
                        f"<b>{say(lang, f'role.{role}')}</b>",
                        *(f"• /{c} {say(lang, f'cmd.{c}')}" for c in commands),
                    ]
                )
            )
    return parts


@requires(*MEMBERS)
async def show_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    person = person_of(update, context)
    lang = language(update, context, person)
    parts = [
        say(lang, "help.title"),
        *help_sections(person, lang, has_a_body(context)),
        say(lang, "help.footer"),
    ]
    await context.bot.send_message(
        update.effective_chat.id,
        "\n\n".join(parts),
        parse_mode="HTML",
        reply_markup=keyboard(person, lang),
    )


def handlers() -> list[BaseHandler]:
    return [
        *triggers("help", show_help),
        MessageHandler(filters.Text(every_language(MORE)), show_more),
        CallbackQueryHandler(open_more, pattern=MENU_MORE),
    ]
