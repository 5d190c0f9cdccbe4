"""The office keeps the problem list: lists problems (by hand, from an opinion in one tap, or a
meeting's findings from CSV), assigns a leader, and closes (销号) or returns what departments
report done."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    filters,
)

from handlers import ledger, menu
from handlers.access import database, language, person_of, refuse, reply, requires, send_lines
from handlers.problem_actions import id_in_button, problem_in_button, tell_error
from handlers.roster import file_error_text
from handlers.uploads import download
from jobs import notices
from storage import opinions, people, problems
from storage.csv_files import FileRejected
from storage.people import LEADER, OFFICE
from storage.problems import ProblemError
from texts import say

(TITLE, DESCRIPTION, KIND, HORIZON, RETURN_COMMENT, FINDINGS_FILE, LIST_TITLE, LIST_KIND, LIST_HORIZON,
 LIST_DEPARTMENT, LIST_CONFIRM) = range(11)
TEXT = filters.TEXT & ~filters.COMMAND


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


@requires(OFFICE)
async def receive_kind(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    kind = update.callback_query.data.removeprefix("pnk:")
    if kind not in problems.KINDS:
        await refuse(update, context, "stale_button")
        return KIND
    context.user_data["new_problem"]["kind"] = kind
    lang = language(update, context)
    await update.callback_query.answer()
    await update.callback_query.edit_message_text(
        say(lang, "newproblem.horizon"),
        reply_markup=_choice(lang, "pnh", problems.HORIZONS, "problem.horizon"))
    return HORIZON


@requires(OFFICE)
async def receive_horizon(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    horizon = update.callback_query.data.removeprefix("pnh:")
    draft = context.user_data.pop("new_problem", None)
    if horizon not in problems.HORIZONS or not draft:
        await refuse(update, context, "stale_button")
        return ConversationHandler.END
    problem_id = problems.create(database(context), draft["title"], person_of(update, context).id,
                                 description=draft.get("description", ""), kind=draft.get("kind", "deadline"),
                                 horizon=horizon, source="meeting")
    await update.callback_query.answer()
    await update.callback_query.edit_message_text(
        say(language(update, context), "newproblem.done", id=problem_id, title=draft["title"]))
    announce(context, problem_id)
    return ConversationHandler.END


# ---- from an opinion: a short title (prefilled), kind, horizon, department, preview -----------


def _listing(context: ContextTypes.DEFAULT_TYPE) -> dict | None:
    return context.user_data.get("listing")


@requires(OFFICE)
async def start_listing(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """列为问题 asks before it lists: nothing is created, and no leader told, until confirmed."""
    opinion_id = update.callback_query.data.removeprefix("ib:prob:")
    db = database(context)
    opinion = opinions.get(db, opinion_id)
    existing = problems.problem_of_opinion(db, opinion_id) if opinion else None
    if opinion is None or existing or opinion.status in (opinions.CLOSED, opinions.DUPLICATE):
        error = ProblemError("already_listed", str(existing)) if existing else ProblemError(
            "opinion_finished" if opinion else "not_found")
        await tell_error(update, context, error)
        return ConversationHandler.END
    suggestion = problems.suggested_title(opinion.text)
    context.user_data["listing"] = {"opinion": opinion.id, "title": suggestion,
                                    "card": update.callback_query.message.message_id}
    lang = language(update, context)
    await reply(update, context, "listing.title", id=opinion.id, title=suggestion, limit=TITLE_LIMIT,
                reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton(
                    say(lang, "listing.btn.keep_title"), callback_data="plt:keep")]]))
    return LIST_TITLE


TITLE_LIMIT = 40


async def _ask_kind(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    lang = language(update, context)
    await reply(update, context, "listing.kind", title=_listing(context)["title"],
                reply_markup=_choice(lang, "plk", problems.KINDS, "problem.kind"))
    return LIST_KIND


@requires(OFFICE)
async def keep_title(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    if _listing(context) is None:
        await refuse(update, context, "stale_button")
        return ConversationHandler.END
    await update.callback_query.edit_message_reply_markup(None)
    return await _ask_kind(update, context)


@requires(OFFICE)
async def receive_listing_title(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    title = " ".join(update.message.text.split())
    if _listing(context) is None:
        await reply(update, context, "stale_button")
        return ConversationHandler.END
    if not title or len(title) > TITLE_LIMIT:
        await reply(update, context, "listing.bad_title", count=len(title), limit=TITLE_LIMIT)
        return LIST_TITLE
    _listing(context)["title"] = title
    return await _ask_kind(update, context)


@requires(OFFICE)
async def receive_listing_kind(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    kind = update.callback_query.data.removeprefix("plk:")
    if kind not in problems.KINDS or _listing(context) is None:
        await refuse(update, context, "stale_button")
        return LIST_KIND
    _listing(context)["kind"] = kind
    lang = language(update, context)
    await update.callback_query.answer()
    await update.callback_query.edit_message_text(
        say(lang, "newproblem.horizon"),
        reply_markup=_choice(lang, "plh", problems.HORIZONS, "problem.horizon"))
    return LIST_HORIZON


@requires(OFFICE)
async def receive_listing_horizon(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    horizon = update.callback_query.data.removeprefix("plh:")
    if horizon not in problems.HORIZONS or _listing(context) is None:
        await refuse(update, context, "stale_button")
        return LIST_HORIZON
    _listing(context)["horizon"] = horizon
    lang = language(update, context)
    rows = [[InlineKeyboardButton(name, callback_data=f"pld:{department_id}")]
            for department_id, name in people.departments_by_id(database(context))]
    rows.append([InlineKeyboardButton(say(lang, "listing.btn.no_department"), callback_data="pld:0")])
    await update.callback_query.answer()
    await update.callback_query.edit_message_text(say(lang, "listing.department"),
                                                  reply_markup=InlineKeyboardMarkup(rows))
    return LIST_DEPARTMENT


@requires(OFFICE)
async def receive_listing_department(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    draft = _listing(context)
    chosen = id_in_button(update)
    names = dict(people.departments_by_id(database(context)))
    if draft is None or (chosen and chosen not in names):
        await refuse(update, context, "stale_button")
        return LIST_DEPARTMENT
    draft["department_id"] = chosen or None
    lang = language(update, context)
    await update.callback_query.answer()
    await update.callback_query.edit_message_text(
        say(lang, "listing.preview", id=draft["opinion"], title=draft["title"],
            kind=say(lang, f"problem.kind.{draft['kind']}"),
            horizon=say(lang, f"problem.horizon.{draft['horizon']}"),
            department=names.get(chosen) or say(lang, "listing.no_department"),
            leaders=len(notices.leaders(context))),
        parse_mode="HTML", reply_markup=InlineKeyboardMarkup([[
            InlineKeyboardButton(say(lang, "btn.confirm"), callback_data="plok"),
            InlineKeyboardButton(say(lang, "btn.cancel"), callback_data="plno")]]))
    return LIST_CONFIRM


@requires(OFFICE)
async def confirm_listing(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    draft = context.user_data.pop("listing", None)
    if draft is None:
        await refuse(update, context, "stale_button")
        return ConversationHandler.END
    try:
        problem_id = problems.from_opinion(database(context), draft["opinion"], person_of(update, context).id,
                                           title=draft["title"], kind=draft["kind"], horizon=draft["horizon"],
                                           department_id=draft.get("department_id"))
    except ProblemError as error:
        await tell_error(update, context, error)
        return ConversationHandler.END
    await _refresh_card(context, update.effective_chat.id, draft["card"], draft["opinion"],
                        language(update, context))
    await update.callback_query.answer()
    await update.callback_query.edit_message_text(
        say(language(update, context), "newproblem.from_opinion", id=problem_id, opinion=draft["opinion"]))
    announce(context, problem_id)
    return ConversationHandler.END


@requires(OFFICE)
async def cancel_listing(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    context.user_data.pop("listing", None)
    await update.callback_query.answer()
    await update.callback_query.edit_message_text(say(language(update, context), "listing.cancelled"))
    return ConversationHandler.END


async def _refresh_card(context: ContextTypes.DEFAULT_TYPE, chat_id: int, message_id: int, opinion_id: str,
                        lang: str) -> None:
    """The card's buttons follow the opinion's new state, so a done step cannot be pressed again."""
    from handlers.inbox import actions  # the inbox draws an opinion's buttons; listing changes them

    db = database(context)
    opinion = opinions.get(db, opinion_id)
    if opinion is None:
        return
    try:
        await context.bot.edit_message_reply_markup(chat_id, message_id,
                                                    reply_markup=actions(lang, opinion, db))
    except TelegramError:
        pass  # the card is too old to edit, or already shows these buttons


# ---- assign a leader directly ------------------------------------------------------------


@requires(OFFICE)
async def offer_assignment(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    raw = (context.args or [""])[0].lstrip("#")
    problem = problems.get(database(context), int(raw)) if raw.isdigit() else None
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
    if not (document.file_name or "").lower().endswith(".csv"):
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
    for key in ("new_problem", "returning", "listing"):
        context.user_data.pop(key, None)
    await reply(update, context, "cancelled")
    return ConversationHandler.END


def handlers() -> list[BaseHandler]:
    return [
        ConversationHandler(
            entry_points=[*menu.triggers("newproblem", start_new),
                          CallbackQueryHandler(ask_return_comment, pattern=r"^pc:ret:\d+$"),
                          CallbackQueryHandler(start_listing, pattern=r"^ib:prob:"),
                          CommandHandler("findings", ask_findings)],
            states={
                TITLE: [MessageHandler(TEXT, receive_title)],
                DESCRIPTION: [MessageHandler(TEXT, receive_description)],
                KIND: [CallbackQueryHandler(receive_kind, pattern=r"^pnk:")],
                HORIZON: [CallbackQueryHandler(receive_horizon, pattern=r"^pnh:")],
                RETURN_COMMENT: [MessageHandler(TEXT, receive_return_comment)],
                FINDINGS_FILE: [MessageHandler(filters.Document.ALL, receive_findings)],
                LIST_TITLE: [MessageHandler(TEXT, receive_listing_title),
                             CallbackQueryHandler(keep_title, pattern=r"^plt:keep$")],
                LIST_KIND: [CallbackQueryHandler(receive_listing_kind, pattern=r"^plk:")],
                LIST_HORIZON: [CallbackQueryHandler(receive_listing_horizon, pattern=r"^plh:")],
                LIST_DEPARTMENT: [CallbackQueryHandler(receive_listing_department, pattern=r"^pld:\d+$")],
                LIST_CONFIRM: [CallbackQueryHandler(confirm_listing, pattern=r"^plok$"),
                               CallbackQueryHandler(cancel_listing, pattern=r"^plno$")],
            },
            fallbacks=[CommandHandler("cancel", cancel)],
            name="office_problems",
            persistent=True,
            allow_reentry=True,
        ),
        CommandHandler("assign", offer_assignment),
        CallbackQueryHandler(assign, pattern=r"^pa:"),
        *menu.triggers("closures", list_closures),
        CallbackQueryHandler(close, pattern=r"^pc:close:\d+$"),
    ]
