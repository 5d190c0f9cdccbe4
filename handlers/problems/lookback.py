"""Look-backs (回头看) in chat: the people asked vote once, the department's head
confirms the fix still holds, the office widens who is asked (a department, a role or everyone,
previewed and confirmed) and can start an extra round (/lookback N)."""

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

from callbacks import (
    LOOKBACK_CONFIRM,
    LOOKBACK_HELD,
    LOOKBACK_PICK,
    LOOKBACK_PICK_PAGE,
    LOOKBACK_RECEIPT_VOTE,
    LOOKBACK_ROUND_GO,
    LOOKBACK_ROUND_NO,
    LOOKBACK_VOTE,
    LOOKBACK_WIDEN,
    LOOKBACK_WIDEN_GO,
    LOOKBACK_WIDEN_MENU,
    LOOKBACK_WIDEN_NO,
    LOOKBACK_WIDEN_PAGE,
    LOOKBACK_WIDEN_PICK,
    read_id,
)
from handlers import confirmations, conversations, menu, typed_choice
from handlers.access import (
    MEMBERS,
    database,
    language,
    person_of,
    refuse,
    reply,
    requires,
    services,
    settings,
    too_long,
)
from handlers.held_commands import HeldCommand, Planned
from handlers.opinions.receipt import held
from handlers.pages import next_row, slice_asked
from handlers.problems.actions import offer_picks, tell_error
from handlers.reports import ledger
from handlers.uploads import MEGAPIXELS, clean_photo
from jobs.lookbacks import ask, asked_to_vote, voters, would_ask
from storage import lookbacks, people, problems
from storage.people import HEAD, OFFICE, ROLES
from storage.problems import ProblemError
from texts import say
from texts.fit import shorten

(EVIDENCE,) = conversations.states("lookback_confirm")


async def _record(
    update: Update, context: ContextTypes.DEFAULT_TYPE, lookback_id: int, voter: str, choice: str
) -> None:
    lookback = lookbacks.get(database(context), lookback_id)
    if lookback is not None and lookback.result is not None:  # an old button: say so, not "already"
        await refuse(update, context, "lookback.ended")
        return
    if not lookbacks.vote(database(context), lookback_id, voter, choice, ledger.today(context)):
        await refuse(update, context, "lookback.already")
        return
    # Told in the press's answer, which is no message: the ask (or the receipt's card) stays as
    # it is, buttons and all, as in the chat of everyone who has not voted. Edited into 已记录, it
    # named who voted to anyone copying chats with the token, and so whose ballot the close
    # writes alone when fewer than k wait (tests/test_forensic_lookbacks.py).
    thanks = say(language(update, context), "lookback.thanks", k=settings(context).anonymity_set)
    await update.callback_query.answer(thanks, show_alert=True)


@requires(*MEMBERS)
async def staff_vote(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    parsed = LOOKBACK_VOTE.parse(update.callback_query.data)
    lookback = lookbacks.get(database(context), parsed[0])
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
    if (voter.id, lookback.id) in services(context).holder_votes:  # voted under their receipt
        await refuse(update, context, "lookback.already")
        return
    await _record(update, context, lookback.id, lookbacks.staff_voter(voter.id), parsed[1])


NOTE_LIMIT = 500  # a head's note that a fixed problem still holds
WIDEN_MENU_SHOWN = 40  # departments on a page of the widening menu (Telegram takes 100 buttons a message)


def _open_lookback(context: ContextTypes.DEFAULT_TYPE, lookback_id: int):
    lookback = lookbacks.get(database(context), lookback_id)
    return lookback if lookback is not None and lookback.result is None else None


@requires(OFFICE)
async def widen_menu(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Whom to add: a department, a role, or everyone, each previewed before anything is sent.
    A large hospital's departments come a page at a time (下一页 ▶), the roles and everyone on each."""
    data = update.callback_query.data
    lookback_id = (LOOKBACK_WIDEN_PAGE if LOOKBACK_WIDEN_PAGE(data) else LOOKBACK_WIDEN_MENU).parse(data)[0]
    if _open_lookback(context, lookback_id) is None:
        await refuse(update, context, "lookback.already")
        return
    lang = language(update, context)
    departments = people.departments_by_id(database(context))
    part = slice_asked(
        update, departments, lambda d: d[0], LOOKBACK_WIDEN_PAGE, WIDEN_MENU_SHOWN, lookback_id
    )
    if part is None:
        await reply(update, context, "list.page_empty")
        return
    buttons = [
        InlineKeyboardButton(
            shorten(name, 30),
            callback_data=LOOKBACK_WIDEN_PICK.data(lookback_id, "department", department_id),
        )
        for department_id, name in part.items
    ]
    buttons += [
        InlineKeyboardButton(
            say(lang, f"role.{role}"), callback_data=LOOKBACK_WIDEN_PICK.data(lookback_id, "role", role)
        )
        for role in ROLES
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    everyone = LOOKBACK_WIDEN_PICK.data(lookback_id, "everyone", "all")
    rows.append([InlineKeyboardButton(say(lang, "lookback.btn.widen"), callback_data=everyone)])
    if row := next_row(lang, part):
        rows.append(row)
    await reply(
        update,
        context,
        "lookback.widen_menu_page" if part.paged else "lookback.widen_menu",
        shown=len(part.items),
        page=part.page,
        total=part.total,
        reply_markup=InlineKeyboardMarkup(rows),
    )


def _group_name(context: ContextTypes.DEFAULT_TYPE, lang: str, kind: str, value: str) -> str | None:
    if kind == "everyone":
        return say(lang, "lookback.everyone")
    if kind == "role":
        return say(lang, f"role.{value}") if value in ROLES else None
    names = dict(people.departments_by_id(database(context)))
    return names.get(int(value)) if value.isdigit() else None


@requires(OFFICE)
async def widen_preview(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """What widening will do: who is added, how many are newly asked, how many in all."""
    data = update.callback_query.data
    lookback_id, kind, value = (
        (*LOOKBACK_WIDEN.parse(data), "everyone", "all")
        if LOOKBACK_WIDEN(data)
        else LOOKBACK_WIDEN_PICK.parse(data)
    )
    lookback, lang = _open_lookback(context, lookback_id), language(update, context)
    who = _group_name(context, lang, kind, value)
    if lookback is None or who is None:
        await refuse(update, context, "lookback.already" if who else "stale_button")
        return
    before = {p.id for p in voters(context.application, lookback)}
    after = voters(context.application, lookback, adding=(kind, value))
    token = confirmations.ask(context, f"widen:{lookback_id}")  # 取消 spends it
    await reply(
        update,
        context,
        "lookback.widen_preview",
        id=lookback.problem_id,
        who=who,
        added=len([p for p in after if p.id not in before]),
        count=len(after),
        k=settings(context).lookback_min_votes,
        reply_markup=InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        say(lang, "btn.confirm"),
                        callback_data=LOOKBACK_WIDEN_GO.data(lookback_id, kind, value, token),
                    ),
                    InlineKeyboardButton(
                        say(lang, "btn.cancel"), callback_data=LOOKBACK_WIDEN_NO.data(lookback_id, token)
                    ),
                ]
            ]
        ),
    )


@requires(OFFICE)
async def widen(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Confirmed: the look-back asks that group too, and those not asked before get the
    question (those already asked are not asked twice)."""
    lookback_id, kind, value, token = LOOKBACK_WIDEN_GO.parse(update.callback_query.data)
    lookback, lang = _open_lookback(context, lookback_id), language(update, context)
    who = _group_name(context, lang, kind, value)
    if lookback is None or who is None:
        await refuse(update, context, "lookback.already" if who else "stale_button")
        return
    if not confirmations.take(context, f"widen:{lookback_id}", token):  # 取消 was pressed, or it is done
        await confirmations.refuse_stale(update, context)
        return
    lookbacks.widen(
        database(context),
        lookback.id,
        [(kind, value if kind != "everyone" else "")],
        person_of(update, context).id,
    )
    ask(context.application, lookback)
    await update.callback_query.answer()
    await update.callback_query.edit_message_text(
        say(lang, "lookback.widened", who=who, count=len(voters(context.application, lookback)))
    )


@requires(OFFICE)
async def widen_cancelled(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    lookback_id, token = LOOKBACK_WIDEN_NO.parse(update.callback_query.data)
    await confirmations.cancel(update, context, f"widen:{lookback_id}", token, "cancelled")


@requires(*MEMBERS)
async def holder_vote(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A receipt holder votes through the receipt card, only in a look-back of a problem their
    opinion is behind, and once: a holder who may vote as staff anyway votes as that person (in
    place of, never beside, their staff vote); anyone else under the opinion, which names
    nobody. A forged or stale button is refused politely."""
    lookback_id, opinion_id, choice = LOOKBACK_RECEIPT_VOTE.parse(update.callback_query.data)
    if not held(context, update.effective_user.id, opinion_id):
        await refuse(update, context, "receipt.expired")
        return
    db = database(context)
    lookback = lookbacks.get(db, lookback_id)
    if lookback is None or not lookbacks.asks_holder(db, lookback_id, opinion_id):
        await refuse(update, context, "lookback.not_yours")
        return
    voter = person_of(update, context)
    staff_key = lookbacks.staff_voter(voter.id)
    # One vote per person in memory too: a holder of several receipts behind one problem.
    voted_here = services(context).holder_votes
    if (voter.id, lookback_id) in voted_here or lookbacks.has_voted(db, lookback_id, staff_key):
        await refuse(update, context, "lookback.already")
        return
    # asked as staff (the electorate: the fixing department, those the opinions are about, and
    # any the office added), the holder's vote is their staff vote, or they could cast both
    asked = lookbacks.asks(db, lookback_id, voter)
    key = staff_key if asked else lookbacks.holder_voter(opinion_id)
    voted_here.add((voter.id, lookback_id))
    await _record(update, context, lookback_id, key, choice)


@requires(HEAD)
async def ask_evidence(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    [lookback_id] = LOOKBACK_CONFIRM.parse(update.callback_query.data)
    lookback = lookbacks.get(database(context), lookback_id)
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
        if isinstance(evidence, str):
            await reply(update, context, evidence, limit=MEGAPIXELS)
            return EVIDENCE
    note = (message.text or message.caption or say(language(update, context), "lookback.still_holds")).strip()
    if await too_long(update, context, note, NOTE_LIMIT):
        return EVIDENCE
    head = person_of(update, context)
    lookbacks.confirm(database(context), context.user_data.pop("confirming", 0), head.id, note, evidence)
    await reply(update, context, "lookback.confirmed")
    return ConversationHandler.END


@requires(HEAD)
async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    context.user_data.pop("confirming", None)
    await reply(update, context, "cancelled")
    return ConversationHandler.END


async def _round_plan(update: Update, context: ContextTypes.DEFAULT_TYPE, words: list[str]):
    """/lookback N: everyone the round asks is told at once, so it is held for 确认 (handlers/
    held_commands.py) under the preview the list's button shows; /lookback alone first offers
    the closed problems."""
    raw = (words or [""])[0].lstrip("#＃")
    if not raw:
        await _offer_closed(update, context)
        return None
    problem_id = read_id(raw)
    problem = problems.get(database(context), problem_id) if problem_id is not None else None
    if problem is None:
        await reply(update, context, "lookback.usage")
        return None
    if problem.status != problems.CLOSED:
        await tell_error(update, context, ProblemError("wrong_state", problem.status))
        return None
    if running := lookbacks.open_for(database(context), problem.id):  # the same people asked twice at once
        last = running.last_voting_day.isoformat()
        await reply(update, context, "lookback.still_open", id=problem.id, last=last)
        return None

    async def start() -> None:
        await _start_round(update, context, problem.id)

    values = {
        "id": problem.id,
        "title": problem.title,
        "days": settings(context).lookback_open_days,
        "count": would_ask(context.application, problem.id),
    }
    return Planned("lookback.confirm_round", start, values)


ROUND = HeldCommand(
    "lookback", LOOKBACK_HELD, _round_plan, (OFFICE,), "lookback.btn.start", "lookback.not_started"
)


CLOSED_SHOWN = 20  # a page of closed problems to pick from; 下一页 ▶ for the rest (or /lookback N)


async def _offer_closed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await offer_picks(
        update,
        context,
        problems.CLOSED_FILTER,
        CLOSED_SHOWN,
        LOOKBACK_PICK,
        LOOKBACK_PICK_PAGE,
        "lookback",
        "lookback.none_closed",
        days=settings(context).lookback_open_days,
    )


@requires(OFFICE)
async def next_closed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _offer_closed(update, context)


@requires(OFFICE)
async def pick_closed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A closed problem picked: the preview /lookback N shows, with its 确认 (the reply answers
    the press)."""
    [problem_id] = LOOKBACK_PICK.parse(update.callback_query.data)
    await ROUND.offer(update, context, [str(problem_id)])


# The buttons of a preview sent before /lookback's was held (handlers/held_commands.py): kept
# working, so an upgrade does not leave a dead 确认 in the office's chat.
@requires(OFFICE)
async def confirm_round(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    problem_id, token = LOOKBACK_ROUND_GO.parse(update.callback_query.data)
    if not confirmations.take(context, f"round:{problem_id}", token):  # 取消 was pressed, or it is done
        await confirmations.refuse_stale(update, context)
        return
    await _start_round(update, context, problem_id)


@requires(OFFICE)
async def drop_round(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    problem_id, token = LOOKBACK_ROUND_NO.parse(update.callback_query.data)
    await confirmations.cancel(update, context, f"round:{problem_id}", token, "cancelled")


async def _start_round(update: Update, context: ContextTypes.DEFAULT_TYPE, problem_id: int) -> None:
    today = ledger.today(context)
    try:
        started = lookbacks.start(
            database(context),
            problem_id,
            f"extra-{today.isoformat()}",
            today,
            settings(context).lookback_open_days,
            person_of(update, context).id,
        )
    except ProblemError as error:
        await tell_error(update, context, error)
        return
    if started is None:
        await reply(update, context, "lookback.exists")
        return
    ask(context.application, started)
    count = asked_to_vote(context.application, started)
    await reply(
        update,
        context,
        "lookback.started",
        id=problem_id,
        last=started.last_voting_day.isoformat(),
        count=count,
    )


def handlers() -> list[BaseHandler]:
    return [
        CallbackQueryHandler(staff_vote, pattern=LOOKBACK_VOTE),
        CallbackQueryHandler(holder_vote, pattern=LOOKBACK_RECEIPT_VOTE),
        CallbackQueryHandler(widen_preview, pattern=LOOKBACK_WIDEN),
        CallbackQueryHandler(widen_preview, pattern=LOOKBACK_WIDEN_PICK),
        CallbackQueryHandler(widen_menu, pattern=LOOKBACK_WIDEN_MENU),
        CallbackQueryHandler(widen_menu, pattern=LOOKBACK_WIDEN_PAGE),
        CallbackQueryHandler(widen, pattern=LOOKBACK_WIDEN_GO),
        CallbackQueryHandler(widen_cancelled, pattern=LOOKBACK_WIDEN_NO),
        typed_choice.conversation(
            entry_points=[CallbackQueryHandler(ask_evidence, pattern=LOOKBACK_CONFIRM)],
            states={
                **conversations.on_timeout("lookback_confirm"),
                EVIDENCE: [MessageHandler(menu.TYPED | filters.PHOTO, receive_evidence)],
            },
            fallbacks=[CommandHandler("cancel", cancel), menu.leave_on_menu_tap()],
            name="lookback_confirm",
            conversation_timeout=conversations.TIMEOUT,
            persistent=True,
            allow_reentry=True,
        ),
        *ROUND.handlers(),
        CallbackQueryHandler(pick_closed, pattern=LOOKBACK_PICK),
        CallbackQueryHandler(next_closed, pattern=LOOKBACK_PICK_PAGE),
        CallbackQueryHandler(confirm_round, pattern=LOOKBACK_ROUND_GO),
        CallbackQueryHandler(drop_round, pattern=LOOKBACK_ROUND_NO),
    ]
