"""Look-backs (回头看) in chat: staff of the department concerned vote once, its head
confirms the fix still holds, and the office can start an extra round (/lookback N)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    filters,
)

from handlers import ledger
from handlers.access import MEMBERS, database, language, person_of, refuse, reply, requires, settings
from handlers.problem_actions import id_in_button, tell_error
from handlers.receipts import held
from handlers.uploads import clean_photo
from jobs.lookbacks import ask, voters
from storage import lookbacks, problems
from storage.people import HEAD, OFFICE
from storage.problems import ProblemError
from texts import say

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
    if problem is None:
        await refuse(update, context, "lookback.not_yours")
        return
    if not lookbacks.asks(database(context), lookback.id, voter):
        # Not among those asked: 不了解 is welcome (and counts for nothing); a rating is not.
        key = "lookback.unknown_noted" if parsed[1] == "unknown" else "lookback.not_asked"
        await refuse(update, context, key)
        return
    await _record(update, context, lookback.id, f"person:{voter.id}", parsed[1])


@requires(OFFICE)
async def widen_to_everyone(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """One tap: the look-back asks everyone, and those not asked before get the question."""
    lookback = lookbacks.get(database(context), id_in_button(update))
    if lookback is None or lookback.result is not None:
        await refuse(update, context, "lookback.already")
        return
    lookbacks.widen(database(context), lookback.id, [lookbacks.EVERYONE], person_of(update, context).id)
    ask(context.application, lookback)
    await update.callback_query.answer()
    await update.callback_query.edit_message_text(
        say(language(update, context), "lookback.widened", count=len(voters(context.application, lookback))))


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
    raw = (context.args or [""])[0].lstrip("#")
    if not raw.isdigit():
        await reply(update, context, "lookback.usage")
        return
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
        CallbackQueryHandler(widen_to_everyone, pattern=r"^lbw:\d+$"),
        ConversationHandler(
            entry_points=[CallbackQueryHandler(ask_evidence, pattern=r"^lbc:\d+$")],
            states={EVIDENCE: [MessageHandler((filters.TEXT & ~filters.COMMAND) | filters.PHOTO,
                                              receive_evidence)]},
            fallbacks=[CommandHandler("cancel", cancel)],
            name="lookback_confirm",
            persistent=True,
            allow_reentry=True,
        ),
        CommandHandler("lookback", start_extra),
    ]
