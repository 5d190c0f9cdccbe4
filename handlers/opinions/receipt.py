"""Following an anonymous opinion with its receipt (/receipt): its status, the office's
replies, writing back, and notifications for those who choose them.

Who holds which receipt is known only for a short while, in memory, so that the buttons under
a receipt's card work; it is never written down. The chat forgets (jobs/forgetting.py): a typed
receipt code and a typed write-back are deleted once read, the receipt message once its holder
taps "我已保存", a card after 24 hours or when its holder taps "看完了".
"""

from __future__ import annotations

import asyncio
import functools
from datetime import timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
)

import callbacks
from callbacks import (
    LEDGER_FIRST,
    LOOKBACK_RECEIPT_VOTE,
    RECEIPT_DECLINE,
    RECEIPT_MUTE,
    RECEIPT_NOTIFY,
    RECEIPT_SAVED,
    RECEIPT_SEEN,
    RECEIPT_SUBSCRIBE,
    RECEIPT_WRITE,
)
from handlers import conversations, menu, typed_choice
from handlers.access import (
    GUEST,
    MEMBERS,
    current_person,
    database,
    framed,
    language,
    refuse,
    reply,
    requires,
    send_lines,
    services,
    settings,
)
from handlers.reports import ledger
from jobs import forgetting
from jobs.lookbacks import VOTE_BUTTONS
from storage import lookbacks, opinions, problems, public_box
from storage.clock import clock
from storage.flood_guard import FloodGuard
from storage.keys import Keys
from storage.opinions import Opinion, OpinionError
from texts import say

ASKING_CODE, WRITING_BACK = conversations.states("receipt")
WRONG_TRIES_PER_HOUR = 5
HOLDER_MEMORY = timedelta(minutes=30)


def keys(context: ContextTypes.DEFAULT_TYPE) -> Keys:
    return services(context).keys


def _wrong_tries(context: ContextTypes.DEFAULT_TYPE) -> FloodGuard:
    shared = services(context).shared
    if shared.receipt_guard is None:
        shared.receipt_guard = FloodGuard(WRONG_TRIES_PER_HOUR)
    return shared.receipt_guard


def _hour() -> tuple:
    now = clock.now()
    return now.date(), now.hour


def remember_holder(context: ContextTypes.DEFAULT_TYPE, user_id: int, opinion_id: str) -> None:
    holders = services(context).receipt_holders
    holders[user_id] = (opinion_id, clock.now() + HOLDER_MEMORY)


def held(context: ContextTypes.DEFAULT_TYPE, user_id: int, opinion_id: str) -> bool:
    held = services(context).receipt_holders.get(user_id)
    return held is not None and held[0] == opinion_id and held[1] > clock.now()


def status_name(lang: str, status: str) -> str:
    return say(lang, f"opinion.status.{status}")


def status_text(lang: str, db, opinion: Opinion, public: bool = False) -> str:
    """An opinion's status follows its problem once it is on the list (已列为问题 #N · 整改中)."""
    problem_id = problems.problem_of_opinion(db, opinion.id)
    problem = problems.get(db, problem_id) if problem_id else None
    if problem is None or opinion.status == opinions.DUPLICATE:
        return status_name(lang, opinion.status)
    state = ledger.status_name(lang, problem.status, public)
    return say(lang, "opinion.status.listed", id=problem.id, state=state)


def card_lines(
    lang: str, opinion: Opinion, thread: list[opinions.ThreadMessage], status: str, public: bool = False
) -> list[str]:
    """An opinion as its holder sees it: what they wrote, its status, the conversation."""
    return framed(
        lang,
        "receipt.card",
        opinion.text,
        id=opinion.id,
        category=opinion.category,
        date=opinion.submitted_on,
        status=status,
    ) + thread_lines(lang, thread, public)


def worded_for(update: Update, context: ContextTypes.DEFAULT_TYPE, key: str) -> str:
    """The sentence as a guest from the lobby poster reads it: the poster calls the office
    整改工作办公室 and says nothing of batches, and a patient knows neither the 活动办 nor 批次."""
    return key if current_person(update, context) is not None else f"{key}_public"


def thread_lines(lang: str, thread: list[opinions.ThreadMessage], public: bool = False) -> list[str]:
    if not thread:
        return [say(lang, "receipt.no_replies")]
    office = say(lang, "receipt.from.office_public" if public else "receipt.from.office")
    return [
        line
        for message in thread
        for line in framed(
            lang,
            "receipt.message",
            message.text,
            who=office if message.sender == "office" else say(lang, f"receipt.from.{message.sender}"),
            date=message.on_date,
        )
    ]


async def _forget_typed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A message that carries a receipt code or a write-back leaves the chat once read (a code
    with the /receipt and the question it answers)."""
    if update.message:
        asked = services(context).asking_receipt.pop(update.effective_user.id, [])
        await forgetting.forget_now(
            context.application, update.effective_chat.id, [*asked, update.message.message_id]
        )


@requires(*MEMBERS, GUEST)
async def typed_receipt(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A receipt code sent alone, without /receipt (pasted from where it was saved): read as
    /receipt with it, and it leaves the chat, as there. Left there, the bot's token would copy it
    from the holder's chat, and the code leads to its opinion."""
    await _forget_typed(update, context)
    await _look_up(update, context, update.message.text)


@requires(*MEMBERS, GUEST)
async def open_receipt(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    if context.args:
        await _forget_typed(update, context)
        return await _look_up(update, context, " ".join(context.args))
    # a guest from the lobby poster submits anonymously only: no opinion number to speak of
    asked = await reply(
        update, context, "receipt.ask" if current_person(update, context) else "receipt.ask_guest"
    )
    # /receipt and its question leave with the code that answers them
    opened = [update.message.message_id] if update.message else []
    services(context).asking_receipt[update.effective_user.id] = [*opened, asked]
    return ASKING_CODE


@requires(*MEMBERS, GUEST)
async def receive_code(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    typed = update.message.text
    await _forget_typed(update, context)
    if not opinions.normalize_receipt(typed):  # 谢谢！, 好的: no letter or digit of a code in it
        told = await reply(update, context, "receipt.not_a_code")
        services(context).asking_receipt.setdefault(update.effective_user.id, []).append(told)
        return ASKING_CODE  # not a wrong code: nothing counted, the step waits for the code
    return await _look_up(update, context, typed)


async def _look_up(update: Update, context: ContextTypes.DEFAULT_TYPE, typed: str) -> int:
    user_id, guard = update.effective_user.id, _wrong_tries(context)
    if not guard.allows(user_id, _hour()):
        await _answer_for_a_while(update, context, "receipt.slow_down")
        return ConversationHandler.END
    opinion = opinions.by_receipt(database(context), keys(context), typed)
    if opinion is None and (signed := _signed_by_me(update, context, typed)) is not None:
        await _show_signed(update, context, signed)
        return ConversationHandler.END
    if opinion is None:
        guard.count(user_id, _hour())
        await _answer_for_a_while(update, context, "receipt.unknown")  # it says where the code went
        return ConversationHandler.END
    remember_holder(context, user_id, opinion.id)
    await show_card(update, context, opinion)
    return ConversationHandler.END


async def _answer_for_a_while(update: Update, context: ContextTypes.DEFAULT_TYPE, key: str) -> None:
    """A code not found (or too many wrong ones): said, and gone after 5 minutes, as a card goes
    with 看完了. Kept, the token's copy of the chat said she had held a receipt, at a moment that,
    just after a restart (没有找到 … 请重新提交), named whose opinion the next batch carried."""
    told = await reply(update, context, key)
    forgetting.forget_later(
        context.application, update.effective_chat.id, [told], typed_choice.TYPED_ANSWER_KEPT
    )


def _signed_by_me(update: Update, context: ContextTypes.DEFAULT_TYPE, typed: str) -> Opinion | None:
    """The number (#PP4G77RT) of an opinion this person signed: a signed opinion has no
    receipt, and its author, told 编号 #PP4G77RT, looks for it under 🔑 回执查询. Anyone else's
    number, or an anonymous one's, finds nothing here."""
    person = current_person(update, context)
    number = typed.strip().lstrip("#").strip().upper()
    if person is None or not number.isalnum() or len(number) > 16:
        return None
    opinion = opinions.get(database(context), number)
    if opinion is None or opinion.anonymous or opinion.author_id != person.id:
        return None
    return opinion


async def _show_signed(update: Update, context: ContextTypes.DEFAULT_TYPE, opinion: Opinion) -> None:
    """A signed opinion as its author sees it: what became of it and the office's replies."""
    lang, db = language(update, context), database(context)
    lines = card_lines(lang, opinion, opinions.thread(db, opinion.id), status_text(lang, db, opinion))
    lines[1:1] = life_lines(lang, db, opinion)
    await send_lines(context, update.effective_chat.id, lines)


def _typed_code_line(update: Update, lang: str) -> list[str]:
    """A card that came from a typed code says where the code went (it vanished as the card
    came) and that the card goes too, in a line: the person was not told why before."""
    return [say(lang, "receipt.code_forgotten")] if update.message else []


async def show_card(update: Update, context: ContextTypes.DEFAULT_TYPE, opinion: Opinion) -> None:
    lang = language(update, context)
    db = database(context)
    buttons = []
    if opinion.status != opinions.CLOSED:  # a duplicate's holder may still write back
        write = say(lang, worded_for(update, context, "receipt.btn.write"))
        buttons = [[InlineKeyboardButton(write, callback_data=f"rc:write:{opinion.id}")]]
    if opinion.status not in (opinions.CLOSED, opinions.DUPLICATE):
        subscribed = opinions.subscription(db, opinion.id) is not None
        buttons += [
            [
                InlineKeyboardButton(
                    say(lang, "receipt.btn.mute" if subscribed else "receipt.btn.notify"),
                    callback_data=(RECEIPT_MUTE if subscribed else RECEIPT_NOTIFY).data(opinion.id),
                )
            ]
        ]
    public = current_person(update, context) is None
    thread = opinions.thread(db, opinion.id)
    lines = card_lines(lang, opinion, thread, status_text(lang, db, opinion, public), public)
    lines[1:1] = life_lines(lang, db, opinion, public)
    if _waiting_for_batch(db, opinion.id):
        lines.append(say(lang, worded_for(update, context, "receipt.waiting")))
    lookback = _open_lookback(db, opinion.id)
    if lookback and _voted(update, context, lookback.id, opinion.id):
        lines.append(say(lang, "lookback.holder_voted"))
    elif lookback:
        lines.append(say(lang, "lookback.holder_ask"))
        vote = LOOKBACK_RECEIPT_VOTE.data
        buttons += [
            [
                InlineKeyboardButton(say(lang, label), callback_data=vote(lookback.id, opinion.id, choice))
                for label, choice in row
            ]
            for row in VOTE_BUTTONS
        ]
    buttons += guest_ledger_buttons(update, context, lang)
    buttons.append([InlineKeyboardButton(say(lang, "receipt.btn.seen"), callback_data=RECEIPT_SEEN.data())])
    lines += _typed_code_line(update, lang)
    chat_id = update.effective_chat.id
    ids = await send_lines(context, chat_id, lines, InlineKeyboardMarkup(buttons))
    services(context).cards[(chat_id, ids[-1])] = ids
    forgetting.forget_later(context.application, chat_id, ids)


def _voted(update: Update, context: ContextTypes.DEFAULT_TYPE, lookback_id: int, opinion_id: str) -> bool:
    """Whether this holder's one vote in the look-back is cast (under this receipt, another
    one, or as staff): the card then says so instead of asking again."""
    db, person = database(context), current_person(update, context)
    if lookbacks.has_voted(db, lookback_id, lookbacks.holder_voter(opinion_id)):
        return True
    return person is not None and (
        (person.id, lookback_id) in services(context).holder_votes
        or lookbacks.has_voted(db, lookback_id, lookbacks.staff_voter(person.id))
    )


def guest_ledger_buttons(update: Update, context: ContextTypes.DEFAULT_TYPE, lang: str) -> list[list]:
    """Under a guest's receipt: the public ledger, once the office has published it to guests
    (staff reach it from their menu)."""
    if current_person(update, context) is not None or not public_box.ledger_published(database(context)):
        return []
    return [[InlineKeyboardButton(say(lang, "receipt.btn.ledger"), callback_data=LEDGER_FIRST.data())]]


def _waiting_for_batch(db, opinion_id: str) -> bool:
    return opinions.get(db, opinion_id) is None


def problem_lines(context: ContextTypes.DEFAULT_TYPE, lang: str, opinion_id: str) -> list[str]:
    """The public problem the opinion became (alone or with a group of similar ones), and
    where it stands: the holder follows its life from the receipt."""
    db = database(context)
    problem_id = problems.problem_of_opinion(db, opinion_id)
    problem = problems.get(db, problem_id) if problem_id else None
    if problem is None or not problem.public:
        return []
    return ["", say(lang, "receipt.problem"), ledger.summary_line(context, lang, problem)]


def life_lines(lang: str, db, opinion: Opinion, public: bool = False) -> list[str]:
    """What became of the opinion once it was listed: the problem, who fixes it by when, how far
    it got, its closure, every look-back and its result; as the ledger shows everyone."""
    problem_id = problems.problem_of_opinion(db, opinion.id)
    problem = problems.get(db, problem_id) if problem_id else None
    if problem is None or not problem.public:
        return []
    lines = [
        say(
            lang,
            "receipt.life.problem",
            id=problem.id,
            title=problem.title,
            state=ledger.status_name(lang, problem.status, public),
        )
    ]
    if problem.department and problem.deadline:
        lines.append(
            say(
                lang,
                "receipt.life.dispatched",
                department=problem.department,
                deadline=problem.deadline.isoformat(),
                progress=problem.progress,
            )
        )
    if problem.explanation:
        lines.append(
            say(
                lang,
                "receipt.life.explained",
                reason=problem.explanation,
                review_on=problem.review_on.isoformat() if problem.review_on else "—",
            )
        )
    if problem.closed_at:
        lines.append(say(lang, "receipt.life.closed", day=problem.closed_at.date().isoformat()))
    for lookback in lookbacks.of_problem(db, problem.id):
        lines.append(
            say(
                lang,
                "receipt.life.lookback",
                opens_on=lookback.opens_on.isoformat(),
                closes_on=lookback.last_voting_day.isoformat(),  # as the voters are told
                result=say(lang, f"receipt.life.lookback.{lookback.result or 'open'}"),
            )
        )
    return lines


def _open_lookback(db, opinion_id: str):
    problem_id = problems.problem_of_opinion(db, opinion_id)
    return lookbacks.open_for(db, problem_id) if problem_id else None


def _opinion_from_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Opinion | None:
    opinion_id = callbacks.parse(update.callback_query.data)[1][0]
    if not held(context, update.effective_user.id, opinion_id):
        return None
    return opinions.for_holder(database(context), opinion_id)


def with_held_opinion(step):
    """A button under a receipt's card: it works only for whoever just showed that receipt
    (known in memory for a while); anyone else is asked for the receipt again."""

    @functools.wraps(step)
    async def guarded(update: Update, context: ContextTypes.DEFAULT_TYPE):
        opinion = _opinion_from_button(update, context)
        if opinion is None:
            await refuse(update, context, "receipt.expired")
            return ConversationHandler.END
        return await step(update, context, opinion)

    return guarded


@requires(*MEMBERS, GUEST)
@with_held_opinion
async def start_writing_back(update: Update, context: ContextTypes.DEFAULT_TYPE, opinion: Opinion) -> int:
    services(context).writing_back[update.effective_user.id] = opinion.id
    await _say_with_card(update, context, "receipt.write", limit=settings(context).opinion_max_chars)
    return WRITING_BACK


async def _say_with_card(update: Update, context: ContextTypes.DEFAULT_TYPE, key: str, **values) -> None:
    """A step of writing back, said in a message that leaves the chat with the card (or after a
    day): kept, its date (forwardMessage carries it) says who wrote back on the day the
    write-back carries, and write-backs are few."""
    chat_id = update.effective_chat.id
    text = say(language(update, context), worded_for(update, context, key), **values)
    sent = context.bot.send_quietly(chat_id, text, None)
    if update.callback_query:
        sent, _ = await asyncio.gather(sent, update.callback_query.answer())
    else:
        sent = await sent
    if sent and not keep_with_card(context, chat_id, sent):
        forgetting.forget_later(context.application, chat_id, [sent])


@requires(*MEMBERS, GUEST)
async def receive_write_back(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    opinion_id = services(context).writing_back.get(update.effective_user.id)
    text = update.message.text.strip()
    limit = settings(context).opinion_max_chars
    if opinion_id is None or not text or len(text) > limit:
        # not read (kept in the chat to be shortened): it leaves with the card, or after a day
        if not keep_with_card(context, update.effective_chat.id, update.message.message_id):
            forgetting.forget_later(
                context.application, update.effective_chat.id, [update.message.message_id]
            )
    if opinion_id is None:
        await refuse(update, context, "receipt.expired")
        return ConversationHandler.END
    if not text or len(text) > limit:
        told = await reply(update, context, "opinion.too_long", count=len(text), limit=limit)
        # with the card too, as 请输入 and 已发送: kept, its date said when someone wrote back
        if not keep_with_card(context, update.effective_chat.id, told):
            forgetting.forget_later(context.application, update.effective_chat.id, [told])
        return WRITING_BACK
    today = clock.now().astimezone(settings(context).timezone).date()
    await _forget_typed(update, context)  # read: it is in memory now, waiting for its batch
    try:
        opinions.write_back(database(context), opinion_id, text, today)
    except OpinionError:
        await reply(update, context, "receipt.closed")
        return ConversationHandler.END
    services(context).writing_back.pop(update.effective_user.id, None)
    await _say_with_card(update, context, "receipt.written")
    return ConversationHandler.END


@requires(*MEMBERS, GUEST)
@with_held_opinion
async def offer_notifications(update: Update, context: ContextTypes.DEFAULT_TYPE, opinion: Opinion) -> None:
    lang = language(update, context)
    explained = await reply(
        update,
        context,
        worded_for(update, context, "receipt.notify_explain"),
        reply_markup=InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        say(lang, "receipt.btn.notify_yes"), callback_data=RECEIPT_SUBSCRIBE.data(opinion.id)
                    ),
                    InlineKeyboardButton(say(lang, "btn.cancel"), callback_data=RECEIPT_DECLINE.data()),
                ]
            ]
        ),
    )
    # with its answer (已开启通知, edited in), it goes with the card or receipt: kept, it dated
    # the day she held a receipt
    _leave_with_the_pressed(update, context, [explained])


def _leave_with_the_pressed(update: Update, context: ContextTypes.DEFAULT_TYPE, ids: list[int]) -> None:
    if update.callback_query and update.callback_query.message and ids:
        leave_with_receipt(context, update.effective_chat.id, update.callback_query.message.message_id, ids)


@requires(*MEMBERS, GUEST)
@with_held_opinion
async def subscribe(update: Update, context: ContextTypes.DEFAULT_TYPE, opinion: Opinion) -> None:
    sealed = keys(context).seal(str(update.effective_chat.id))
    try:
        opinions.subscribe(database(context), opinion.id, sealed)
    except OpinionError:
        await refuse(update, context, "receipt.closed")
        return
    await update.callback_query.answer()
    await update.callback_query.edit_message_text(say(language(update, context), "receipt.subscribed"))


@requires(*MEMBERS, GUEST)
async def decline(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.callback_query.answer()
    await update.callback_query.edit_message_text(say(language(update, context), "receipt.not_subscribed"))


@requires(*MEMBERS, GUEST)
@with_held_opinion
async def unsubscribe(update: Update, context: ContextTypes.DEFAULT_TYPE, opinion: Opinion) -> None:
    opinions.unsubscribe(database(context), opinion.id)
    _leave_with_the_pressed(update, context, [await reply(update, context, "receipt.unsubscribed")])


@requires(*MEMBERS, GUEST)
async def saved(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """ "我已保存": the receipt message leaves the chat, with what a guest opened from it."""
    chat_id, receipt = update.effective_chat.id, update.callback_query.message.message_id
    ids = services(context).cards.pop((chat_id, receipt), [receipt])
    await update.callback_query.answer(say(language(update, context), "receipt.forgotten"))
    await forgetting.forget_now(context.application, chat_id, ids)


def leave_with_receipt(
    context: ContextTypes.DEFAULT_TYPE, chat_id: int, pressed: int, message_ids: list[int]
) -> None:
    """What a guest opened from her receipt or its card (the public ledger's pages and cards,
    reached only from there): it leaves with the receipt (我已保存) or the card (看完了) it was
    opened from, or after a day. Kept, a guest who joins later has a chat the token copies
    where 整改台账（公开）, dated by forwardMessage, says she used the public box that day."""
    cards = services(context).cards
    opened_from = next(
        (key for key, shown in cards.items() if key[0] == chat_id and pressed in shown), (chat_id, pressed)
    )
    cards.setdefault(opened_from, [opened_from[1]]).extend(message_ids)
    forgetting.forget_later(context.application, chat_id, message_ids)


def keep_with_card(context: ContextTypes.DEFAULT_TYPE, chat_id: int, message_id: int) -> bool:
    """A message nobody read, typed below a receipt's card still in the chat (a write-back typed
    before 回复活动办 was tapped): it leaves with the card (看完了, or after a day), as the card
    does. Kept, it would sit in the holder's chat, where the bot's token copies it, beside the
    same words the holder then writes back. True if there is such a card."""
    cards = services(context).cards
    shown = [key for key in cards if key[0] == chat_id]
    if not shown:
        return False
    cards[max(shown)].append(message_id)
    forgetting.forget_later(context.application, chat_id, [message_id])
    return True


@requires(*MEMBERS, GUEST)
async def seen(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """ "看完了": the card (all of its messages) leaves the chat."""
    chat_id, last = update.effective_chat.id, update.callback_query.message.message_id
    ids = services(context).cards.pop((chat_id, last), [last])
    await update.callback_query.answer(say(language(update, context), "receipt.forgotten"))
    await forgetting.forget_now(context.application, chat_id, ids)


@requires(*MEMBERS, GUEST)
async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """/cancel at the code's question or a write-back: /receipt, its question and the /cancel go
    at once, the answer after 5 minutes (kept, they said she was about to look up a receipt)."""
    services(context).writing_back.pop(update.effective_user.id, None)
    await _forget_typed(update, context)
    await _answer_for_a_while(update, context, "cancelled")
    return ConversationHandler.END


def handlers() -> list[BaseHandler]:
    text = menu.TYPED
    return [
        typed_choice.conversation(
            entry_points=[
                *menu.triggers("receipt", open_receipt),
                CallbackQueryHandler(start_writing_back, pattern=RECEIPT_WRITE),
            ],
            states={
                **conversations.on_timeout("receipt"),
                ASKING_CODE: [MessageHandler(text, receive_code)],
                WRITING_BACK: [MessageHandler(text, receive_write_back)],
            },
            fallbacks=[CommandHandler("cancel", cancel), menu.leave_on_menu_tap()],
            name="receipt",
            conversation_timeout=conversations.TIMEOUT,
            persistent=False,  # who is looking at which receipt never goes to disk
            allow_reentry=True,
        ),
        CallbackQueryHandler(offer_notifications, pattern=RECEIPT_NOTIFY),
        CallbackQueryHandler(subscribe, pattern=RECEIPT_SUBSCRIBE),
        CallbackQueryHandler(decline, pattern=RECEIPT_DECLINE),
        CallbackQueryHandler(unsubscribe, pattern=RECEIPT_MUTE),
        CallbackQueryHandler(saved, pattern=RECEIPT_SAVED),
        CallbackQueryHandler(seen, pattern=RECEIPT_SEEN),
    ]
