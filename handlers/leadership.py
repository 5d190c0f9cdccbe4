"""Leaders: claim problems (接单), dispatch them with all five fields (下单), and explain those
that cannot be solved now (向群众说明原因)."""

from __future__ import annotations

from datetime import date

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
)

from handlers import ledger, menu, typed_choice
from handlers.access import database, language, person_of, refuse, reply, requires, send_lines
from handlers.problem_actions import id_in_button, problem_in_button, tell_error
from jobs import notices
from storage import problems
from storage.dates import parse_deadline
from storage.people import HEAD, LEADER, OFFICE
from storage.problems import ProblemError
from texts import say

MEASURES, DEPARTMENT, DEADLINE, CONFIRM, REASON, REVIEW_DATE = range(6)
TEXT = menu.TYPED


@requires(LEADER)
async def list_unclaimed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    lang = language(update, context)
    waiting = problems.listing(database(context), "pr.status = ?", [problems.LISTED], limit=20)
    if not waiting:
        await reply(update, context, "claim.none")
        return
    for problem in waiting:
        await send_lines(context, update.effective_chat.id, ledger.card_lines(context, lang, problem),
                         InlineKeyboardMarkup([[InlineKeyboardButton(
                             say(lang, "claim.btn"), callback_data=f"claim:{problem.id}")]]))


@requires(LEADER)
async def claim(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    leader = person_of(update, context)
    try:
        problem = problems.claim(database(context), id_in_button(update), leader)
    except ProblemError as error:
        await tell_error(update, context, error)
        return
    lang = language(update, context)
    await update.callback_query.answer()
    await context.bot.send_message(
        update.effective_chat.id, say(lang, "claim.won", id=problem.id, title=problem.title),
        parse_mode="HTML", reply_markup=_leader_buttons(lang, problem))
    notices.notify(context, notices.office(context), "notice.claimed", id=problem.id,
                   title=problem.title, leader=leader.name)


def _leader_buttons(lang: str, problem) -> InlineKeyboardMarkup | None:
    row = []
    if problem.status in (problems.CLAIMED, problems.REOPENED):
        row.append(InlineKeyboardButton(say(lang, "dispatch.btn"), callback_data=f"pd:{problem.id}"))
    if problem.status in problems.TRANSITIONS["explain"][0]:
        row.append(InlineKeyboardButton(say(lang, "explain.btn"), callback_data=f"px:{problem.id}"))
    return InlineKeyboardMarkup([row]) if row else None


@requires(LEADER)
async def list_mine(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    leader = person_of(update, context)
    lang = language(update, context)
    mine = problems.listing(database(context), "pr.leader_id = ? and pr.status != ?",
                            [leader.id, problems.CLOSED])
    if not mine:
        await reply(update, context, "mine.none")
        return
    for problem in mine:
        await send_lines(context, update.effective_chat.id, ledger.card_lines(context, lang, problem),
                         _leader_buttons(lang, problem))


# ---- dispatch (下单) -----------------------------------------------------------------------


@requires(LEADER)
async def start_dispatch(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    try:
        problem = problem_in_button(update, context, "dispatch")
    except ProblemError as error:
        await tell_error(update, context, error)
        return ConversationHandler.END
    context.user_data["dispatch"] = {"id": problem.id}
    await reply(update, context, "dispatch.measures", id=problem.id, title=problem.title)
    return MEASURES


@requires(LEADER)
async def receive_measures(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    context.user_data["dispatch"]["measures"] = update.message.text.strip()[:2000]
    rows = [[InlineKeyboardButton(d["name"], callback_data=f"pdd:{d['id']}")]
            for d in database(context).query("select id, name from departments order by name")]
    await reply(update, context, "dispatch.department", reply_markup=InlineKeyboardMarkup(rows))
    return DEPARTMENT


@requires(LEADER)
async def receive_department(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    return await _department_chosen(update, context, str(id_in_button(update)))


def _departments_offered(update: Update, context: ContextTypes.DEFAULT_TYPE) -> dict[str, str]:
    return {d["name"]: str(d["id"]) for d in database(context).query("select id, name from departments")}


async def _department_chosen(update: Update, context: ContextTypes.DEFAULT_TYPE, chosen: str) -> int:
    department_id = int(chosen)
    row = database(context).execute("select name from departments where id = ?",
                                    [department_id]).fetchone()
    if row is None:
        await refuse(update, context, "stale_button")
        return DEPARTMENT
    context.user_data["dispatch"].update(department_id=department_id, department=row[0])
    await reply(update, context, "dispatch.deadline", department=row[0])
    return DEADLINE


@requires(LEADER)
async def receive_deadline(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    today = ledger.today(context)
    deadline = parse_deadline(update.message.text, today)
    if deadline is None or deadline < today:
        await reply(update, context, "dispatch.bad_deadline", text=update.message.text[:50])
        return DEADLINE
    draft = context.user_data["dispatch"]
    draft["deadline"] = deadline.isoformat()
    problem = problems.get(database(context), draft["id"])
    lang = language(update, context)
    await reply(update, context, "dispatch.confirm", id=problem.id, title=problem.title,
                measures=draft["measures"], leader=problem.leader or "—",
                department=draft["department"], deadline=draft["deadline"],
                reply_markup=InlineKeyboardMarkup([[
                    InlineKeyboardButton(say(lang, "btn.confirm"), callback_data="pdc:yes"),
                    InlineKeyboardButton(say(lang, "btn.cancel"), callback_data="pdc:no")]]))
    return CONFIRM


@requires(LEADER)
async def confirm_dispatch(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    draft = context.user_data.pop("dispatch", None)
    if update.callback_query.data != "pdc:yes" or draft is None:
        await reply(update, context, "cancelled")
        return ConversationHandler.END
    try:
        problem = problems.act(
            database(context), draft["id"], "dispatch", person_of(update, context),
            measures=draft.get("measures"), department_id=draft.get("department_id"),
            deadline=date.fromisoformat(draft["deadline"]) if draft.get("deadline") else None,
            today=ledger.today(context))
    except ProblemError as error:
        await tell_error(update, context, error)
        return ConversationHandler.END
    await update.callback_query.answer()
    await update.callback_query.edit_message_text(
        say(language(update, context), "dispatch.done", id=problem.id, department=problem.department))
    notices.notify(context, notices.heads_of(context, problem.department_id), "notice.dispatched",
                   buttons=[[("progress.btn.report", f"pr:{problem.id}")]], id=problem.id,
                   title=problem.title, measures=problem.measures, deadline=problem.deadline.isoformat(),
                   leader=problem.leader)
    return ConversationHandler.END


# ---- explain (向群众说明原因) -----------------------------------------------------------------


@requires(LEADER)
async def start_explain(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    try:
        problem = problem_in_button(update, context, "explain")
    except ProblemError as error:
        await tell_error(update, context, error)
        return ConversationHandler.END
    context.user_data["explain"] = {"id": problem.id}
    await reply(update, context, "explain.reason", id=problem.id)
    return REASON


@requires(LEADER)
async def receive_reason(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    context.user_data["explain"]["reason"] = update.message.text.strip()[:2000]
    await reply(update, context, "explain.review")
    return REVIEW_DATE


@requires(LEADER)
async def receive_review_date(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    today = ledger.today(context)
    review_on = parse_deadline(update.message.text, today)
    if review_on is None or review_on <= today:
        await reply(update, context, "dispatch.bad_deadline", text=update.message.text[:50])
        return REVIEW_DATE
    draft = context.user_data.pop("explain")
    try:
        problem = problems.act(database(context), draft["id"], "explain", person_of(update, context),
                               reason=draft["reason"], review_on=review_on)
    except ProblemError as error:
        await tell_error(update, context, error)
        return ConversationHandler.END
    await reply(update, context, "explain.done", id=problem.id, review_on=review_on.isoformat())
    notices.notify(context, notices.office(context), "notice.explained", id=problem.id,
                   title=problem.title, reason=problem.explanation)
    return ConversationHandler.END


@requires(LEADER, HEAD, OFFICE)
async def milestone(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/milestone N DATE TITLE adds one (leader, office); /milestone N done K marks one reached
    (head, leader)."""
    args = context.args or []
    if len(args) < 3 or not args[0].lstrip("#").isdigit():
        await reply(update, context, "milestone.usage")
        return
    problem_id, actor, db = int(args[0].lstrip("#")), person_of(update, context), database(context)
    try:
        if args[1].lower() in ("done", "完成") and args[2].isdigit():
            problems.complete_milestone(db, problem_id, int(args[2]), actor)
            await reply(update, context, "milestone.done", id=problem_id, number=int(args[2]))
            return
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
    context.user_data.pop("explain", None)
    await reply(update, context, "cancelled")
    return ConversationHandler.END


def handlers() -> list[BaseHandler]:
    return [
        ConversationHandler(
            entry_points=[CallbackQueryHandler(start_dispatch, pattern=r"^pd:\d+$"),
                          CallbackQueryHandler(start_explain, pattern=r"^px:\d+$")],
            states={
                MEASURES: [MessageHandler(TEXT, receive_measures)],
                DEPARTMENT: [CallbackQueryHandler(receive_department, pattern=r"^pdd:"),
                             typed_choice.handler(_departments_offered, _department_chosen,
                                                  "choice.department", frozenset({LEADER}))],
                DEADLINE: [MessageHandler(TEXT, receive_deadline)],
                CONFIRM: [CallbackQueryHandler(confirm_dispatch, pattern=r"^pdc:")],
                REASON: [MessageHandler(TEXT, receive_reason)],
                REVIEW_DATE: [MessageHandler(TEXT, receive_review_date)],
            },
            fallbacks=[CommandHandler("cancel", cancel), menu.leave_on_menu_tap()],
            name="leadership",
            persistent=True,
            allow_reentry=True,
        ),
        *menu.triggers("claim", list_unclaimed),
        *menu.triggers("mine", list_mine),
        CallbackQueryHandler(claim, pattern=r"^claim:"),
        CommandHandler("milestone", milestone),
    ]
