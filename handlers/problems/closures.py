"""Closing (销号) or returning what a department reports done: /closures lists what waits, each
with the latest report's text and photos before its buttons; 销号 is confirmed once (it cannot be
undone, and says whom it tells); 退回 asks for a comment, which the department gets. A problem
ordered by the supervising body (督办) is closed on its supervisor's word instead."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputMediaPhoto, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
)

from callbacks import (
    CLOSURE_CLOSE,
    CLOSURE_CONFIRM,
    CLOSURE_KEEP,
    CLOSURE_RETURN,
    CLOSURE_VIEW,
    CLOSURES_PAGE,
    LEDGER_DETAIL,
)
from handlers import confirmations, conversations, menu
from handlers.access import (
    database,
    language,
    person_of,
    refuse,
    reply,
    requires,
    send_lines,
    settings,
    too_long,
)
from handlers.problems.actions import id_in_button, problem_in_button, send_page, tell_error
from handlers.reports import ledger
from handlers.supervision import oversight as supervision
from jobs import notices
from storage import problems
from storage.people import OFFICE
from storage.problems import ProblemError
from texts import say
from texts.fit import CAPTION_LIMIT, shorten

(RETURN_COMMENT,) = conversations.states("closure_review")
COMMENT_LIMIT = 2000  # characters of a return comment


async def send_evidence(context: ContextTypes.DEFAULT_TYPE, chat_id: int, photos: list, caption: str) -> None:
    """A report's photos: one as a photo, several as one album, the caption on the first."""
    media = [file_id or jpeg for _, jpeg, file_id in photos]
    if len(media) == 1:
        await context.bot.send_photo(chat_id, media[0], caption=caption, parse_mode="HTML")
    elif media:
        await context.bot.send_media_group(
            chat_id,
            [
                InputMediaPhoto(item, caption=caption if index == 0 else None, parse_mode="HTML")
                for index, item in enumerate(media)
            ],
        )


def _closure_markup(lang: str, problem_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    say(lang, "closure.btn.close"), callback_data=CLOSURE_CLOSE.data(problem_id)
                ),
                InlineKeyboardButton(
                    say(lang, "closure.btn.return"), callback_data=CLOSURE_RETURN.data(problem_id)
                ),
            ],
            [
                InlineKeyboardButton(
                    say(lang, "closure.btn.history"), callback_data=LEDGER_DETAIL.data(problem_id)
                )
            ],
        ]
    )


async def send_closure_card(context: ContextTypes.DEFAULT_TYPE, chat_id: int, lang: str, problem) -> None:
    """What whoever signs 销号 must see first: the latest report's text and photos, then the
    card with the buttons; the whole history is one tap away."""
    db = database(context)
    lines = ledger.card_lines(context, lang, problem)
    latest = problems.latest_report(db, problem.id)
    if latest is None:
        lines.append(say(lang, "closure.no_report"))
    else:
        when = latest.at.astimezone(settings(context).timezone).strftime("%Y-%m-%d %H:%M")
        lines.append(
            say(
                lang,
                "closure.latest",
                author=latest.author,
                when=when,
                percent=latest.percent,
                text=shorten(latest.text, 2000),
            )
        )
        photos = problems.report_photos(db, latest.id)
        await send_evidence(
            context,
            chat_id,
            photos,
            shorten(
                say(lang, "closure.evidence", id=problem.id, count=len(photos), when=when), CAPTION_LIMIT
            ),
        )
    asked = problems.closure_asked(db, problem.id)
    if asked is not None and asked.reason:  # short of 100%: the department said why, here
        when = asked.at.astimezone(settings(context).timezone).strftime("%Y-%m-%d %H:%M")
        reason = shorten(asked.reason, 1000)
        lines.append(say(lang, "closure.asked_reason", author=asked.author, when=when, reason=reason))
    await send_lines(context, chat_id, lines, _closure_markup(lang, problem.id))


@requires(OFFICE)
async def list_closures(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    async def card(lang: str, problem: problems.Problem) -> None:
        await send_closure_card(context, update.effective_chat.id, lang, problem)

    if not await send_page(update, context, problems.AWAITING_CLOSURE, card, CLOSURES_PAGE):
        await reply(update, context, "closure.none")


@requires(OFFICE)
async def show_closure(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """From the notice that a closure was asked: the evidence before the decision."""
    try:
        problem = problem_in_button(update, context, "close")
    except ProblemError as error:
        await tell_error(update, context, error)
        return
    await update.callback_query.answer()
    await send_closure_card(context, update.effective_chat.id, language(update, context), problem)


@requires(OFFICE)
async def confirm_close(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """销号 cannot be undone: say what it does and to whom, and ask once."""
    if await _supervisor_closes(update, context):
        return
    try:
        problem = problem_in_button(update, context, "close")
    except ProblemError as error:
        await tell_error(update, context, error)
        return
    told = notices.closed_audience(context, problem)
    lang = language(update, context)
    await reply(
        update,
        context,
        "closure.confirm",
        id=problem.id,
        title=problem.title,
        count=len(told),
        progress=problem.progress,
        reply_markup=confirmations.buttons(
            lang,
            CLOSURE_CONFIRM,
            CLOSURE_KEEP,
            problem.id,
            token=confirmations.ask(context, f"close:{problem.id}"),
            confirm_key="closure.btn.confirm",
        ),
    )


async def _supervisor_closes(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """督办: a problem ordered by the supervising body is closed on its supervisor's word; the
    office's 销号 asks them (handlers/supervision/oversight.py)."""
    problem = problems.get(database(context), id_in_button(update))
    if problem is None or problem.source != problems.SUPERVISION:
        return False
    if problem.status != problems.CLOSURE_REQUESTED:
        return False  # the usual answer (not waiting for closure) comes from the usual path
    await supervision.ask_supervisor(update, context, problem)
    return True


@requires(OFFICE)
async def keep_open(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    problem_id, token = CLOSURE_KEEP.parse(update.callback_query.data)
    confirmations.forget(context, f"close:{problem_id}", token)
    await update.callback_query.answer()
    kept = say(language(update, context), "closure.kept", id=problem_id)
    await update.callback_query.edit_message_text(kept)


@requires(OFFICE)
async def close(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    problem_id, token = CLOSURE_CONFIRM.parse(update.callback_query.data)
    if not confirmations.take(context, f"close:{problem_id}", token):  # 取消 was pressed, or it is done
        problem = problems.get(database(context), problem_id)
        if problem is not None and problem.status == problems.CLOSED:  # the double tap's second
            await refuse(update, context, "closure.closed", id=problem_id)
            return
        await confirmations.refuse_stale(update, context)
        return
    if await _supervisor_closes(update, context):
        return
    try:
        problem = problems.act(database(context), id_in_button(update), "close", person_of(update, context))
    except ProblemError as error:
        await tell_error(update, context, error)
        return
    await update.callback_query.answer()
    told = notices.problem_closed(context, problem)
    await update.callback_query.edit_message_text(
        say(language(update, context), "closure.closed_told", id=problem.id, count=told)
    )


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
    comment = update.message.text.strip()
    if await too_long(update, context, comment, COMMENT_LIMIT):
        return RETURN_COMMENT
    try:
        problem = problems.act(
            database(context),
            context.user_data.pop("returning", 0),
            "return",
            person_of(update, context),
            comment=comment,
        )
    except ProblemError as error:
        await tell_error(update, context, error)
        return ConversationHandler.END
    told = notices.problem_returned(context, problem, comment)
    await reply(update, context, "closure.returned", id=problem.id, count=told)
    return ConversationHandler.END


def handlers() -> list[BaseHandler]:
    return [
        conversations.flow(
            "closure_review",
            entry_points=[CallbackQueryHandler(ask_return_comment, pattern=CLOSURE_RETURN)],
            states={RETURN_COMMENT: [MessageHandler(menu.TYPED, receive_return_comment)]},
            cancel=conversations.cancelling("closure_review", __name__, OFFICE),
        ),
        *menu.triggers("closures", list_closures),
        CallbackQueryHandler(list_closures, pattern=CLOSURES_PAGE),
        CallbackQueryHandler(confirm_close, pattern=CLOSURE_CLOSE),
        CallbackQueryHandler(show_closure, pattern=CLOSURE_VIEW),
        CallbackQueryHandler(close, pattern=CLOSURE_CONFIRM),
        CallbackQueryHandler(keep_open, pattern=CLOSURE_KEEP),
    ]
