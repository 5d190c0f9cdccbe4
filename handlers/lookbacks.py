"""Look-backs (回头看) in chat: staff of the department concerned vote once, its head
confirms the fix still holds, and the office can start an extra round (/lookback N)."""

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

from handlers import ledger, menu
from handlers.access import MEMBERS, database, language, person_of, refuse, reply, requires, settings
from handlers.problem_actions import tell_error
from handlers.receipts import held
from handlers.uploads import clean_photo
from jobs.lookbacks import ask
from storage import lookbacks, problems
from storage.people import HEAD, OFFICE
from storage.problems import ProblemError
from texts import say
from texts.fit import shorten

EVIDENCE = 0


def _parse(data: str) -> tuple[int, str] | None:
    parts = data.split(":")
    if len(parts) != 3 or not parts[1].isdigit() or parts[2] not in lookbacks.CHOICES:
        return None
    return int(parts[1]), parts[2]


async def _record(update: Update, context: ContextTypes.DEFAULT_TYPE, lookback_id: int, voter: str,
                  choice: str) -> None:
    if not lookbacks.vote(database(context), lookback_id, voter, choice, ledger.today(context)):
        await refuse(update, context, "lookback.already")
        return
    await update.callback_query.answer()
    await update.callback_query.edit_message_text(say(language(update, context), "lookback.thanks"))


@requires(*MEMBERS)
async def staff_vote(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    parsed = _parse(update.callback_query.data)
    lookback = lookbacks.get(database(context), parsed[0]) if parsed else None
    problem = problems.get(database(context), lookback.problem_id) if lookback else None
    voter = person_of(update, context)
    if problem is None or voter.department_id != problem.department_id:
        await refuse(update, context, "lookback.not_yours")
        return
    await _record(update, context, lookback.id, f"person:{voter.id}", parsed[1])


@requires(*MEMBERS)
async def holder_vote(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A receipt holder votes through the receipt card: counted once per opinion, and the voters
    list names the opinion, never the person."""
    parts = update.callback_query.data.split(":")  # lbr:<lookback>:<opinion>:<choice>
    if len(parts) != 4 or not parts[1].isdigit() or parts[3] not in lookbacks.CHOICES \
            or not held(context, update.effective_user.id, parts[2]):
        await refuse(update, context, "receipt.expired")
        return
    await _record(update, context, int(parts[1]), f"receipt:{parts[2]}", parts[3])


@requires(HEAD)
async def ask_evidence(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    raw = update.callback_query.data.removeprefix("lbc:")
    lookback = lookbacks.get(database(context), int(raw)) if raw.isdigit() else None
    head = person_of(update, context)
    problem = problems.get(database(context), lookback.problem_id) if lookback else None
    if problem is None or head.department_id != problem.department_id or lookback.result:
        await refuse(update, context, "lookback.not_yours")
        return ConversationHandler.END
    context.user_data["confirming"] = lookback.id
    await reply(update, context, "lookback.evidence_ask", id=problem.id)
    return EVIDENCE


@requires(HEAD)
async def receive_evidence(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    message = update.message
    evidence = None
    if message.photo:
        evidence = await clean_photo(context, message)
        if evidence is None:
            await reply(update, context, "opinion.bad_photo")
            return EVIDENCE
    note = message.text or message.caption or say(language(update, context), "lookback.still_holds")
    head = person_of(update, context)
    lookbacks.confirm(database(context), context.user_data.pop("confirming", 0), head.id,
                      note.strip()[:500], evidence)
    await reply(update, context, "lookback.confirmed")
    return ConversationHandler.END


@requires(HEAD)
async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    context.user_data.pop("confirming", None)
    await reply(update, context, "cancelled")
    return ConversationHandler.END


@requires(OFFICE)
async def start_extra(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/lookback N starts a round; /lookback alone first offers the closed problems."""
    raw = (context.args or [""])[0].lstrip("#＃")
    if not raw:
        await _offer_closed(update, context)
        return
    if not raw.isdigit():
        await reply(update, context, "lookback.usage")
        return
    await _start_round(update, context, raw)


CLOSED_SHOWN = 20  # a page of closed problems to pick from; the rest by number (/lookback N)


async def _offer_closed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    closed = problems.listing(database(context), "pr.status = ?", [problems.CLOSED], limit=CLOSED_SHOWN + 1)
    if not closed:
        await reply(update, context, "lookback.none_closed")
        return
    rows = [[InlineKeyboardButton(shorten(f"#{p.id} {p.title}", 60), callback_data=f"lbx:{p.id}")]
            for p in closed[:CLOSED_SHOWN]]
    await reply(update, context, "lookback.pick" if len(closed) <= CLOSED_SHOWN else "lookback.pick_more",
                shown=CLOSED_SHOWN, days=settings(context).lookback_open_days,
                reply_markup=InlineKeyboardMarkup(rows))


@requires(OFFICE)
async def pick_closed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A closed problem picked: what starting a round means, and a confirmation."""
    raw = update.callback_query.data.removeprefix("lbx:")
    problem = problems.get(database(context), int(raw)) if raw.isdigit() else None
    if problem is None:
        await refuse(update, context, "stale_button")
        return
    lang = language(update, context)
    await reply(update, context, "lookback.confirm_round", id=problem.id, title=problem.title,
                days=settings(context).lookback_open_days, reply_markup=InlineKeyboardMarkup([[
                    InlineKeyboardButton(say(lang, "btn.confirm"), callback_data=f"lbx:go:{problem.id}"),
                    InlineKeyboardButton(say(lang, "btn.cancel"), callback_data="lbx:no")]]))


@requires(OFFICE)
async def confirm_round(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    raw = update.callback_query.data.removeprefix("lbx:go:")
    if not raw.isdigit():
        await refuse(update, context, "stale_button")
        return
    await _start_round(update, context, raw)


@requires(OFFICE)
async def drop_round(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await reply(update, context, "cancelled")


async def _start_round(update: Update, context: ContextTypes.DEFAULT_TYPE, raw: str) -> None:
    today = ledger.today(context)
    try:
        started = lookbacks.start(database(context), int(raw), f"extra-{today.isoformat()}", today,
                                  settings(context).lookback_open_days, person_of(update, context).id)
    except ProblemError as error:
        await tell_error(update, context, error)
        return
    if started is None:
        await reply(update, context, "lookback.exists")
        return
    ask(context.application, started)
    await reply(update, context, "lookback.started", id=int(raw),
                closes_on=started.closes_on.isoformat())


def handlers() -> list[BaseHandler]:
    return [
        CallbackQueryHandler(staff_vote, pattern=r"^lbv:"),
        CallbackQueryHandler(holder_vote, pattern=r"^lbr:"),
        ConversationHandler(
            entry_points=[CallbackQueryHandler(ask_evidence, pattern=r"^lbc:\d+$")],
            states={EVIDENCE: [MessageHandler(menu.TYPED | filters.PHOTO,
                                              receive_evidence)]},
            fallbacks=[CommandHandler("cancel", cancel), menu.leave_on_menu_tap()],
            name="lookback_confirm",
            persistent=True,
            allow_reentry=True,
        ),
        CommandHandler("lookback", start_extra),
        CallbackQueryHandler(pick_closed, pattern=r"^lbx:\d+$"),
        CallbackQueryHandler(confirm_round, pattern=r"^lbx:go:\d+$"),
        CallbackQueryHandler(drop_round, pattern=r"^lbx:no$"),
    ]
