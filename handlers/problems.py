"""The office keeps the problem list: lists problems (by hand, from an opinion in one tap, or a
meeting's findings from CSV), assigns a leader, and closes (销号) or returns what departments
report done."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    filters,
)

from handlers import ledger, menu, typed_choice
from handlers.access import database, language, person_of, refuse, reply, requires, send_lines
from handlers.problem_actions import id_in_button, problem_in_button, tell_error
from handlers.roster import file_error_text, is_table_file
from handlers.uploads import download
from jobs import notices
from storage import people, problems
from storage.csv_files import FileRejected
from storage.people import LEADER, OFFICE
from storage.problems import ProblemError
from texts import every_language, say
from texts.fit import shorten

TITLE, DESCRIPTION, KIND, HORIZON, RETURN_COMMENT, FINDINGS_FILE = range(6)
TEXT = menu.TYPED


def announce(context: ContextTypes.DEFAULT_TYPE, problem_id: int) -> None:
    """A new problem waits for a leader: every leader is told, with a button to claim it."""
    problem = problems.get(database(context), problem_id)
    notices.notify(context, notices.leaders(context), "notice.listed",
                   buttons=[[("claim.btn", f"claim:{problem.id}")]], dedup=f"listed:{problem.id}",
                   id=problem.id, title=problem.title)


# ---- a new problem by hand ---------------------------------------------------------------


@requires(OFFICE)
async def start_new(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    context.user_data["new_problem"] = {}
    await reply(update, context, "newproblem.title")
    return TITLE


@requires(OFFICE)
async def receive_title(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    context.user_data["new_problem"]["title"] = update.message.text.strip()[:200]
    await reply(update, context, "newproblem.description")
    return DESCRIPTION


def _choice(lang: str, prefix: str, values: tuple[str, ...], key: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(say(lang, f"{key}.{value}"),
                                                       callback_data=f"{prefix}:{value}")]
                                 for value in values])


@requires(OFFICE)
async def receive_description(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    text = update.message.text.strip()
    context.user_data["new_problem"]["description"] = "" if text in ("-", "—", "无") else text[:2000]
    lang = language(update, context)
    await reply(update, context, "newproblem.kind",
                reply_markup=_choice(lang, "pnk", problems.KINDS, "problem.kind"))
    return KIND


async def _show(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str, reply_markup=None) -> None:
    """The next step in place of the pressed buttons, or below what was typed."""
    if update.callback_query:
        await update.callback_query.answer()
        await update.callback_query.edit_message_text(text, reply_markup=reply_markup)
    else:
        await context.bot.send_message(update.effective_chat.id, text, reply_markup=reply_markup)


def _offered(key: str, values: tuple[str, ...]):
    """{label: value} of a step's buttons in every language, for typing instead of tapping."""
    def options(update: Update, context: ContextTypes.DEFAULT_TYPE) -> dict[str, str]:
        return {label: v for v in values for label in every_language(f"{key}.{v}")}
    return options


@requires(OFFICE)
async def receive_kind(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    return await _kind_chosen(update, context, update.callback_query.data.removeprefix("pnk:"))


async def _kind_chosen(update: Update, context: ContextTypes.DEFAULT_TYPE, kind: str) -> int:
    if kind not in problems.KINDS or "new_problem" not in context.user_data:
        await refuse(update, context, "stale_button")
        return KIND
    context.user_data["new_problem"]["kind"] = kind
    lang = language(update, context)
    await _show(update, context, say(lang, "newproblem.horizon"),
                _choice(lang, "pnh", problems.HORIZONS, "problem.horizon"))
    return HORIZON


@requires(OFFICE)
async def receive_horizon(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    return await _horizon_chosen(update, context, update.callback_query.data.removeprefix("pnh:"))


async def _horizon_chosen(update: Update, context: ContextTypes.DEFAULT_TYPE, horizon: str) -> int:
    draft = context.user_data.pop("new_problem", None)
    if horizon not in problems.HORIZONS or not draft:
        await refuse(update, context, "stale_button")
        return ConversationHandler.END
    problem_id = problems.create(database(context), draft["title"], person_of(update, context).id,
                                 description=draft.get("description", ""), kind=draft.get("kind", "deadline"),
                                 horizon=horizon, source="meeting")
    await _show(update, context, say(language(update, context), "newproblem.done", id=problem_id,
                                     title=draft["title"]))
    announce(context, problem_id)
    return ConversationHandler.END


# ---- from an opinion, in one tap -------------------------------------------------------------


@requires(OFFICE)
async def list_opinion(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    opinion_id = update.callback_query.data.removeprefix("ib:prob:")
    try:
        problem_id = problems.from_opinion(database(context), opinion_id, person_of(update, context).id)
    except ProblemError as error:
        await tell_error(update, context, error)
        return
    await reply(update, context, "newproblem.from_opinion", id=problem_id, opinion=opinion_id)
    announce(context, problem_id)


# ---- assign a leader directly ------------------------------------------------------------


@requires(OFFICE)
async def offer_assignment(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/assign N offers the leaders; /assign alone first offers the problems waiting for one."""
    raw = (context.args or [""])[0].lstrip("#＃")
    if not raw:
        await _offer_problems(update, context)
        return
    await _offer_leaders(update, context, _problem_numbered(context, raw))


def _problem_numbered(context: ContextTypes.DEFAULT_TYPE, raw: str):
    return problems.get(database(context), int(raw)) if raw.isdigit() else None


ASSIGN_SHOWN = 20  # a page of problems to pick from; the rest by number (/assign N)


async def _offer_problems(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    waiting = problems.listing(database(context), "pr.status = ?", [problems.LISTED], limit=ASSIGN_SHOWN + 1)
    if not waiting:
        await reply(update, context, "assign.none")
        return
    rows = [[InlineKeyboardButton(shorten(f"#{p.id} {p.title}", 60), callback_data=f"pas:{p.id}")]
            for p in waiting[:ASSIGN_SHOWN]]
    await reply(update, context, "assign.pick" if len(waiting) <= ASSIGN_SHOWN else "assign.pick_more",
                shown=ASSIGN_SHOWN, reply_markup=InlineKeyboardMarkup(rows))


@requires(OFFICE)
async def pick_problem(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    raw = update.callback_query.data.removeprefix("pas:")
    await _offer_leaders(update, context, _problem_numbered(context, raw))


async def _offer_leaders(update: Update, context: ContextTypes.DEFAULT_TYPE, problem) -> None:
    if problem is None or problem.status != problems.LISTED:
        await reply(update, context, "assign.usage")
        return
    leaders = [p for p in people.everyone(database(context)) if LEADER in p.roles]
    rows = [[InlineKeyboardButton(f"{p.name}（{p.department}）", callback_data=f"pa:{problem.id}:{p.id}")]
            for p in leaders]
    await reply(update, context, "assign.choose", id=problem.id, title=problem.title,
                reply_markup=InlineKeyboardMarkup(rows))


@requires(OFFICE)
async def assign(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    parts = update.callback_query.data.split(":")
    if len(parts) != 3 or not parts[1].isdigit() or not parts[2].isdigit():
        await refuse(update, context, "stale_button")
        return
    try:
        problem = problems.act(database(context), int(parts[1]), "assign", person_of(update, context),
                               leader_id=int(parts[2]))
    except ProblemError as error:
        await tell_error(update, context, error)
        return
    await update.callback_query.answer()
    await update.callback_query.edit_message_text(
        say(language(update, context), "assign.done", id=problem.id, leader=problem.leader))
    notices.notify(context, notices.person(context, problem.leader_id), "notice.assigned",
                   buttons=[[("dispatch.btn", f"pd:{problem.id}")]], id=problem.id, title=problem.title)


# ---- closure: 销号 or return --------------------------------------------------------------------


@requires(OFFICE)
async def list_closures(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    lang = language(update, context)
    waiting = problems.listing(database(context), "pr.status = ?", [problems.CLOSURE_REQUESTED])
    if not waiting:
        await reply(update, context, "closure.none")
        return
    for problem in waiting:
        await send_lines(context, update.effective_chat.id, ledger.card_lines(context, lang, problem),
                         InlineKeyboardMarkup([[
                             InlineKeyboardButton(say(lang, "closure.btn.close"),
                                                  callback_data=f"pc:close:{problem.id}"),
                             InlineKeyboardButton(say(lang, "closure.btn.return"),
                                                  callback_data=f"pc:ret:{problem.id}")]]))


@requires(OFFICE)
async def close(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    try:
        problem = problems.act(database(context), id_in_button(update), "close", person_of(update, context))
    except ProblemError as error:
        await tell_error(update, context, error)
        return
    await reply(update, context, "closure.closed", id=problem.id)
    recipients = notices.heads_of(context, problem.department_id) + notices.person(context, problem.leader_id)
    notices.notify(context, recipients, "notice.closed", id=problem.id, title=problem.title)


@requires(OFFICE)
async def ask_return_comment(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    try:
        problem = problem_in_button(update, context, "return")
    except ProblemError as error:
        await tell_error(update, context, error)
        return ConversationHandler.END
    context.user_data["returning"] = problem.id
    await reply(update, context, "closure.ask_comment", id=problem.id)
    return RETURN_COMMENT


@requires(OFFICE)
async def receive_return_comment(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    comment = update.message.text.strip()[:2000]
    try:
        problem = problems.act(database(context), context.user_data.pop("returning", 0), "return",
                               person_of(update, context), comment=comment)
    except ProblemError as error:
        await tell_error(update, context, error)
        return ConversationHandler.END
    await reply(update, context, "closure.returned", id=problem.id)
    recipients = notices.heads_of(context, problem.department_id) + notices.person(context, problem.leader_id)
    notices.notify(context, recipients, "notice.returned",
                   buttons=[[("progress.btn.report", f"pr:{problem.id}")]],
                   id=problem.id, title=problem.title, comment=comment)
    return ConversationHandler.END


# ---- a meeting's findings from CSV --------------------------------------------------------------


@requires(OFFICE)
async def ask_findings(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    await reply(update, context, "findings.ask")
    return FINDINGS_FILE


@requires(OFFICE)
async def receive_findings(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    document = update.message.document
    if not is_table_file(document.file_name):
        await reply(update, context, "roster.not_csv")
        return FINDINGS_FILE
    try:
        findings = problems.parse_findings(await download(context, document.file_id))
    except FileRejected as error:
        await context.bot.send_message(update.effective_chat.id,
                                       file_error_text(language(update, context), error, "findings"),
                                       parse_mode="HTML")
        return FINDINGS_FILE
    ids = problems.import_findings(database(context), findings, person_of(update, context).id)
    await reply(update, context, "findings.done", count=len(ids), first=ids[0], last=ids[-1])
    for problem_id in ids:
        announce(context, problem_id)
    return ConversationHandler.END


@requires(OFFICE)
async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    for key in ("new_problem", "returning"):
        context.user_data.pop(key, None)
    await reply(update, context, "cancelled")
    return ConversationHandler.END


def handlers() -> list[BaseHandler]:
    return [
        ConversationHandler(
            entry_points=[*menu.triggers("newproblem", start_new),
                          CallbackQueryHandler(ask_return_comment, pattern=r"^pc:ret:\d+$"),
                          CommandHandler("findings", ask_findings)],
            states={
                TITLE: [MessageHandler(TEXT, receive_title)],
                DESCRIPTION: [MessageHandler(TEXT, receive_description)],
                KIND: [CallbackQueryHandler(receive_kind, pattern=r"^pnk:"),
                       typed_choice.handler(_offered("problem.kind", problems.KINDS), _kind_chosen,
                                            roles=frozenset({OFFICE}))],
                HORIZON: [CallbackQueryHandler(receive_horizon, pattern=r"^pnh:"),
                          typed_choice.handler(_offered("problem.horizon", problems.HORIZONS),
                                               _horizon_chosen, roles=frozenset({OFFICE}))],
                RETURN_COMMENT: [MessageHandler(TEXT, receive_return_comment)],
                FINDINGS_FILE: [MessageHandler(filters.Document.ALL, receive_findings)],
            },
            fallbacks=[CommandHandler("cancel", cancel), menu.leave_on_menu_tap()],
            name="office_problems",
            persistent=True,
            allow_reentry=True,
        ),
        CallbackQueryHandler(list_opinion, pattern=r"^ib:prob:"),
        CommandHandler("assign", offer_assignment),
        CallbackQueryHandler(assign, pattern=r"^pa:"),
        CallbackQueryHandler(pick_problem, pattern=r"^pas:\d+$"),
        *menu.triggers("closures", list_closures),
        CallbackQueryHandler(close, pattern=r"^pc:close:\d+$"),
    ]
