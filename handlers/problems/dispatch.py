"""Leaders: claim problems (接单) and dispatch them with all five fields (下单). Explaining those
that cannot be solved now (向群众说明原因) is handlers/problems/explain.py."""

from __future__ import annotations

from datetime import date

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
)

from callbacks import (
    CLAIM,
    CLAIM_PAGE,
    DISPATCH,
    DISPATCH_CONFIRM,
    DISPATCH_DEPARTMENT,
    DISPATCH_DEPARTMENT_PAGE,
    DISPATCH_KEEP_MEASURES,
    EXTENSION_ASK,
    MAX_INDEX,
    MINE_PAGE,
    read_id,
)
from handlers import conversations, menu, typed_choice
from handlers.access import database, language, person_of, refuse, reply, requires, too_long
from handlers.pages import next_row, slice_asked
from handlers.problems.actions import action_buttons, id_in_button, problem_in_button, send_cards, tell_error
from handlers.reports import ledger
from jobs import notices, supervision
from storage import extensions, people, problems
from storage.dates import parse_deadline
from storage.people import HEAD, LEADER, OFFICE
from storage.problems import ProblemError
from texts import Raw, say
from texts.fit import shorten

MEASURES, DEPARTMENT, DEADLINE, CONFIRM = conversations.states("leadership")
TEXT = menu.TYPED
MEASURES_LIMIT = 2000  # characters of 整改措施


@requires(LEADER)
async def list_unclaimed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    leader = person_of(update, context)
    if not await send_cards(
        update,
        context,
        problems.UNCLAIMED,
        lambda lang, problem: action_buttons(lang, problem, leader, ("claim",)),
        CLAIM_PAGE,
    ):
        await reply(update, context, "claim.none")


@requires(LEADER)
async def claim(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    leader, lang = person_of(update, context), language(update, context)
    try:
        problem = problems.claim(database(context), id_in_button(update), leader)
    except ProblemError as error:
        mine = problems.get(database(context), id_in_button(update))
        if mine is not None and mine.leader_id == leader.id:
            # a double tap's second, or an old 接单 card: not "too late", it is already theirs
            await update.callback_query.answer(say(lang, "claim.already_yours", id=mine.id))
            await _card_now(
                update, context, _claimed_text(lang, mine), _leader_buttons(context, lang, mine, leader)
            )
            return
        await tell_error(update, context, error)
        if mine is not None and mine.leader and mine.leader_id != leader.id:
            # the notice every leader got still offered 接单: it says now who has it
            taken = say(lang, "claim.taken", id=mine.id, title=mine.title, leader=mine.leader)
            await _card_now(update, context, taken)
        return
    await update.callback_query.answer()
    text, buttons = _claimed_text(lang, problem), _leader_buttons(context, lang, problem, leader)
    if not await _card_now(update, context, text, buttons):
        await context.bot.send_message(
            update.effective_chat.id, text, parse_mode="HTML", reply_markup=buttons
        )
    notices.problem_claimed(context, problem)


def _claimed_text(lang: str, problem) -> str:
    """The pressed 接单 card, once the problem is this leader's: theirs, and what comes next
    (下单 while it is claimed; its state once it has moved on)."""
    if problem.status in (problems.CLAIMED, problems.REOPENED):
        return say(lang, "claim.won", id=problem.id, title=problem.title)
    status = say(lang, f"problem.status.{problem.status}")
    return say(lang, "claim.yours", id=problem.id, title=problem.title, status=status)


async def _card_now(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str, buttons=None) -> bool:
    """The pressed card (a 新问题待接单 notice or a /claim card) edited in place, so that it no
    longer offers 接单; False when Telegram refuses (a message deleted, or already saying this)."""
    try:
        await update.callback_query.edit_message_text(text, parse_mode="HTML", reply_markup=buttons)
    except TelegramError:
        return False
    return True


LEADER_ACTIONS = ("dispatch", "explain")


def _leader_buttons(context, lang: str, problem, leader) -> InlineKeyboardMarkup | None:
    """What the leader may do now (from TRANSITIONS), 📣 催办 first when the department is late
    with it, and 申请延期 where a deadline can move."""
    actions = action_buttons(lang, problem, leader, LEADER_ACTIONS)
    row = list(actions.inline_keyboard[0]) if actions else []
    chase = ledger.chase_button(context, lang, leader, problem)
    if chase:
        row.insert(0, chase)
    if extensions.may_ask(problem, leader):
        row.append(
            InlineKeyboardButton(say(lang, "extension.btn"), callback_data=EXTENSION_ASK.data(problem.id))
        )
    return InlineKeyboardMarkup([row]) if row else None


@requires(LEADER)
async def list_mine(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    leader = person_of(update, context)
    if not await send_cards(
        update,
        context,
        problems.of_leader(leader.id, open_only=True, undated_first=True),  # their own 下单 first
        lambda lang, problem: _leader_buttons(context, lang, problem, leader),
        MINE_PAGE,
    ):
        await reply(update, context, "mine.none")


# ---- dispatch (下单) -----------------------------------------------------------------------


@requires(LEADER)
async def start_dispatch(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    try:
        problem = problem_in_button(update, context, "dispatch")
    except ProblemError as error:
        await tell_error(update, context, error)
        return ConversationHandler.END
    context.user_data["dispatch"] = {"id": problem.id}
    if problem.status == problems.REOPENED and problem.measures:
        # A look-back found the fix did not hold: the old measures are shown to be rewritten
        # or kept, and a new deadline follows (the old one was cleared on reopening).
        await reply(
            update,
            context,
            "dispatch.measures_again",
            id=problem.id,
            title=problem.title,
            measures=problem.measures,
            reply_markup=InlineKeyboardMarkup(
                [
                    [
                        InlineKeyboardButton(
                            say(language(update, context), "dispatch.btn.keep"),
                            callback_data=DISPATCH_KEEP_MEASURES.data(),
                        )
                    ]
                ]
            ),
        )
        return MEASURES
    await reply(update, context, "dispatch.measures", id=problem.id, title=problem.title)
    return MEASURES


@requires(LEADER)
async def receive_measures(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    if update.callback_query:  # 沿用原措施
        await update.callback_query.answer()
        problem = problems.get(database(context), context.user_data["dispatch"]["id"])
        context.user_data["dispatch"]["measures"] = problem.measures if problem else ""
    else:
        measures = update.message.text.strip()
        if await too_long(update, context, measures, MEASURES_LIMIT):
            return MEASURES
        context.user_data["dispatch"]["measures"] = measures
    return await offer_departments(update, context)


DEPARTMENTS_SHOWN = 40  # department buttons on a page (Telegram takes 100 a message), two a row


@requires(LEADER)
async def offer_departments(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """The departments as buttons, a page at a time when a large hospital has more than a page
    (each may also be typed by name)."""
    found = people.department_list(database(context))
    part = slice_asked(update, found, lambda d: d[0], DISPATCH_DEPARTMENT_PAGE, DEPARTMENTS_SHOWN)
    if part is None:
        await reply(update, context, "list.page_empty")
        return DEPARTMENT
    lang = language(update, context)
    buttons = [
        InlineKeyboardButton(shorten(name, 30), callback_data=DISPATCH_DEPARTMENT.data(department_id))
        for department_id, name in part.items
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    if row := next_row(lang, part):
        rows.append(row)
    if part.paged:
        await reply(
            update,
            context,
            "dispatch.department_page",
            page=part.page,
            total=part.total,
            reply_markup=InlineKeyboardMarkup(rows),
        )
    else:
        await reply(update, context, "dispatch.department", reply_markup=InlineKeyboardMarkup(rows))
    return DEPARTMENT


@requires(LEADER)
async def receive_department(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    return await _department_chosen(update, context, str(id_in_button(update)))


def _departments_offered(update: Update, context: ContextTypes.DEFAULT_TYPE) -> dict[str, str]:
    return {name: str(department_id) for department_id, name in people.department_list(database(context))}


async def _department_chosen(update: Update, context: ContextTypes.DEFAULT_TYPE, chosen: str) -> int:
    department_id = int(chosen)
    name = people.department_name(database(context), department_id)
    if name is None:
        await refuse(update, context, "stale_button")
        return DEPARTMENT
    context.user_data["dispatch"].update(department_id=department_id, department=name)
    order = order_of(context, context.user_data["dispatch"]["id"])
    if order is not None:  # the bureau's deadline, said before the leader sets one past it
        await reply(
            update, context, "dispatch.deadline_ordered", department=name, due=order.deadline.isoformat()
        )
        return DEADLINE
    await reply(update, context, "dispatch.deadline", department=name)
    return DEADLINE


def order_of(context: ContextTypes.DEFAULT_TYPE, problem_id: int):
    """The 督办 order behind the problem, if it is one (its deadline bounds the problem's)."""
    problem = problems.get(database(context), problem_id)
    if problem is None or problem.source != problems.SUPERVISION:
        return None
    return supervision.order_of_problem(context.application, problem_id)


@requires(LEADER)
async def receive_deadline(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    today = ledger.today(context)
    deadline = parse_deadline(update.message.text, today)
    if deadline is None or deadline < today:
        await reply(update, context, "dispatch.bad_deadline", text=update.message.text[:50])
        return DEADLINE
    draft = context.user_data["dispatch"]
    order = order_of(context, draft["id"])
    if order is not None and deadline > order.deadline:
        # the department would plan to a date after the bureau's 告诫 and 约谈 have gone out
        await reply(
            update,
            context,
            "dispatch.after_order",
            due=order.deadline.isoformat(),
            deadline=deadline.isoformat(),
        )
        return DEADLINE
    draft["deadline"] = deadline.isoformat()
    problem = problems.get(database(context), draft["id"])
    lang = language(update, context)
    await reply(
        update,
        context,
        "dispatch.confirm",
        id=problem.id,
        title=problem.title,
        measures=draft["measures"],
        leader=problem.leader or "—",
        department=draft["department"],
        deadline=draft["deadline"],
        what_follows=_what_follows(context, lang, problem, draft),
        reply_markup=InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        say(lang, "btn.confirm"), callback_data=DISPATCH_CONFIRM.data("yes")
                    ),
                    InlineKeyboardButton(say(lang, "btn.cancel"), callback_data=DISPATCH_CONFIRM.data("no")),
                ]
            ]
        ),
    )
    return CONFIRM


def _heads_told(context: ContextTypes.DEFAULT_TYPE, department_id: int | None) -> list:
    """The department's heads a 下单 reaches: joined, and not blocking the bot."""
    return [p for p in notices.heads_of(context, department_id) if p.chat_id and p.reachable]


def _what_follows(context: ContextTypes.DEFAULT_TYPE, lang: str, problem, draft: dict) -> Raw:
    """Whom the 下单 tells, and that the ledger shows it: the confirmation said neither, and the
    leader learnt only after 确认 that the department had no head to tell."""
    heads = _heads_told(context, draft.get("department_id"))
    if heads:
        told = say(lang, "dispatch.confirm.told", names="、".join(p.name for p in heads), count=len(heads))
    else:
        told = say(lang, "dispatch.confirm.no_head", department=draft["department"])
    return Raw(told + (say(lang, "dispatch.confirm.public") if problem.public else ""))  # escaped by say


@requires(LEADER)
async def retype_deadline(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """A date typed at the confirmation (the leader saw the deadline and corrects it): the
    confirmation is shown again with it; other text points at the buttons."""
    if parse_deadline(update.message.text, ledger.today(context)) is None:
        await reply(update, context, typed_choice.HINT)
        return CONFIRM
    return await receive_deadline(update, context)


@requires(LEADER)
async def confirm_dispatch(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    draft = context.user_data.pop("dispatch", None)
    if DISPATCH_CONFIRM.parse(update.callback_query.data) != ("yes",) or draft is None:
        await reply(update, context, "cancelled")
        return ConversationHandler.END
    try:
        problem = problems.act(
            database(context),
            draft["id"],
            "dispatch",
            person_of(update, context),
            measures=draft.get("measures"),
            department_id=draft.get("department_id"),
            deadline=date.fromisoformat(draft["deadline"]) if draft.get("deadline") else None,
            today=ledger.today(context),
        )
    except ProblemError as error:
        await tell_error(update, context, error)
        return ConversationHandler.END
    await update.callback_query.answer()
    # say only what happened: a department with no head who has joined hears nothing, and then
    # nobody reports progress or gets its reminders; the leader learns it here, not weeks later
    heads = _heads_told(context, problem.department_id)
    told = notices.problem_dispatched(context, problem)  # "told N" once the N are queued
    await update.callback_query.edit_message_text(
        say(
            language(update, context),
            "dispatch.done" if heads else "dispatch.done.no_head",
            id=problem.id,
            department=problem.department,
            count=told,
        )
    )
    return ConversationHandler.END


@requires(LEADER, HEAD, OFFICE)
async def milestone(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/milestone N DATE TITLE adds one (leader, office); /milestone N done K marks one reached
    (head, leader)."""
    args = context.args or []
    problem_id = read_id(args[0]) if args else None
    done = len(args) >= 3 and args[1].lower() in ("done", "完成")
    number = read_id(args[2], MAX_INDEX) if done else None
    if len(args) < 3 or problem_id is None or (done and number is None):
        await reply(update, context, "milestone.usage")
        return
    actor, db = person_of(update, context), database(context)
    try:
        if done:
            problems.complete_milestone(db, problem_id, number, actor)
            await reply(update, context, "milestone.done", id=problem_id, number=number)
            return
        problems.milestone_problem(db, problem_id, actor)  # role and object before the date is read
        due = parse_deadline(args[1], ledger.today(context))
        if due is None:
            await reply(update, context, "dispatch.bad_deadline", text=args[1][:50])
            return
        number = problems.add_milestone(db, problem_id, actor, due, " ".join(args[2:]))
    except ProblemError as error:
        await tell_error(update, context, error)
        return
    await reply(update, context, "milestone.added", id=problem_id, number=number, due=due.isoformat())


@requires(LEADER)
async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    context.user_data.pop("dispatch", None)
    await reply(update, context, "cancelled")
    return ConversationHandler.END


def handlers() -> list[BaseHandler]:
    return [
        typed_choice.conversation(
            entry_points=[CallbackQueryHandler(start_dispatch, pattern=DISPATCH)],
            states={
                **conversations.on_timeout("leadership"),
                MEASURES: [
                    MessageHandler(TEXT, receive_measures),
                    CallbackQueryHandler(receive_measures, pattern=DISPATCH_KEEP_MEASURES),
                ],
                DEPARTMENT: [
                    CallbackQueryHandler(receive_department, pattern=DISPATCH_DEPARTMENT),
                    CallbackQueryHandler(offer_departments, pattern=DISPATCH_DEPARTMENT_PAGE),
                    typed_choice.handler(
                        _departments_offered, _department_chosen, "choice.department", frozenset({LEADER})
                    ),
                ],
                DEADLINE: [MessageHandler(TEXT, receive_deadline)],
                CONFIRM: [
                    CallbackQueryHandler(confirm_dispatch, pattern=DISPATCH_CONFIRM),
                    MessageHandler(TEXT, retype_deadline),
                ],
            },
            fallbacks=[CommandHandler("cancel", cancel), menu.leave_on_menu_tap()],
            name="leadership",
            conversation_timeout=conversations.TIMEOUT,
            persistent=True,
            allow_reentry=True,
        ),
        *menu.triggers("claim", list_unclaimed),
        CallbackQueryHandler(list_unclaimed, pattern=CLAIM_PAGE),
        *menu.triggers("mine", list_mine),
        CallbackQueryHandler(list_mine, pattern=MINE_PAGE),
        CallbackQueryHandler(claim, pattern=CLAIM),
        CommandHandler("milestone", milestone),
    ]
