"""Typing instead of tapping: in a step that offers buttons, typed text that matches one of them
(a department's name, a category, 好 / 较好 / 一般 / 差, 两周 at a deadline step) is taken as that
button; anything else is answered by pointing at the buttons above, never at the menu.

One mechanism for every step:
- `OfferingBot` remembers, in memory only, the last few inline keyboards it put in each chat
  (sent or edited in; forgotten when edited away or deleted). Nothing of it is written to disk:
  the opinion box's and the rating sheet's buttons pass through here too.
- `conversation(...)` builds a ConversationHandler whose every state that offers buttons starts
  with a `TypedStep`: typed text whose normalised form is the label of exactly one button of a
  keyboard above, a button this very step answers, is handled as a tap on it; otherwise the
  step's own answer to typed text (a date, a place, a name) takes it; otherwise the person is
  pointed at the buttons.
- Outside any conversation (a rating sheet, a look-back vote, a claim), the catch-all for text
  (handlers/fallbacks.py) asks `tap_outside_conversations` before saying it did not understand.
Menu labels never reach any of this (menu.TYPED), so a menu tap in the middle of a step still
leaves the step (menu.leave_on_menu_tap)."""

from __future__ import annotations

import contextlib
import unicodedata
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

from telegram import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.error import BadRequest
from telegram.ext import (
    Application,
    BaseHandler,
    CallbackQueryHandler,
    ContextTypes,
    ConversationHandler,
    ExtBot,
    MessageHandler,
)

import callbacks
import services
from handlers import conversations, menu
from handlers.access import MEMBERS, reply, requires, within_step
from jobs import forgetting
from storage import names
from texts.fit import POPUP_LIMIT, shorten

ReplyMarkup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove
Options = Callable[[Update, ContextTypes.DEFAULT_TYPE], dict[str, str]]
Chosen = Callable[[Update, ContextTypes.DEFAULT_TYPE, str], Awaitable[object]]
OnHint = Callable[[Update, ContextTypes.DEFAULT_TYPE, int], Awaitable[None]]

KEPT = 4  # keyboards remembered per chat: the step's own and a few a job may have sent since
HINT = "choice.hint"


@cache
def _simplified():
    import opencc  # already a dependency (hotspots); loaded on the first typed answer

    return opencc.OpenCC("t2s")


def _key(label: str) -> str:
    """What a label and a typed answer are compared by: NFKC (full-width to half-width),
    invisible characters and blanks gone, only letters and digits (an emoji or a ✅ in front,
    a full stop after, do not count), lower case, traditional characters as simplified."""
    kept = "".join(char for char in names.normalise(label) if unicodedata.category(char)[0] in "LN")
    return _simplified().convert(kept.lower()) if kept else ""


def match_key(label: str) -> str:
    """The form a button's label and a typed answer are compared in (see _key)."""
    return _key(label)


PREFIX_FROM = 4  # a button's words this long are also taken by their start (匿名 for 匿名提交)


def _head(label: str) -> str:
    """A button's words without the note after them: 匿名提交 of 🕶 匿名提交（推荐）, 完成 of
    ➡️ 完成，预览, 100 of 100%. What people type when they type a button."""
    words = names.normalise(label)
    for index, char in enumerate(words):
        if unicodedata.category(char)[0] == "P" and _key(words[:index]):
            return _key(words[:index])
    return _key(words)


def match(typed: str, options: dict[str, str], within: bool = True) -> str | None:
    """The value of the one option `candidates` finds for what was typed; None when it finds
    none, or options of more than one value."""
    found = {options[label] for label in candidates(typed, options, within)}
    return found.pop() if len(found) == 1 else None


def candidates(typed: str, options: dict[str, str], within: bool = True) -> list[str]:
    """The labels that what was typed names: the option whose label it is (compared in
    normalised form, so "门诊 部", "门诊部。" and a pasted zero-width space all match 门诊部),
    else whose words without their note are (匿名提交, 完成), else whose long words hold it
    (匿名 for 匿名提交, 态度 for 服务态度: people type the word that matters; never digits,
    never a short button: 10 is not 100%, 下周 is not 下周一). The first of these that finds
    any decides; more than one label is an ambiguous answer (服务: 医疗服务 and 服务态度).
    A list of short answers that is not a keyboard (没有, 好的 read from free text) passes
    within=False, where only a start counts: 有照片 is not 没有照片."""
    wanted = _key(typed)
    if not wanted:
        return []
    heads = {label: _head(label) for label in options}

    def long_word(label: str) -> bool:
        return len(wanted) >= 2 and wanted.isalpha() and len(heads[label]) >= PREFIX_FROM

    def holds(label: str) -> bool:
        return wanted in heads[label] if within else heads[label].startswith(wanted)

    for fits in (
        lambda label: _key(label) == wanted,
        lambda label: heads[label] == wanted,
        lambda label: long_word(label) and holds(label),
    ):
        found = [label for label in options if fits(label)]
        if found:
            return found
    return []


# ---- what the bot offered ---------------------------------------------------------------------


@dataclass(frozen=True)
class Offered:
    """An inline keyboard on a message in a chat (the markup only, never the message's text)."""

    chat_id: int
    message_id: int
    markup: InlineKeyboardMarkup

    def options(self) -> dict[str, str]:
        return {
            button.text: button.callback_data
            for row in self.markup.inline_keyboard
            for button in row
            if isinstance(button.callback_data, str)
        }


_SENDING = frozenset({"sendMessage", "sendPhoto", "sendDocument"})
_DELETING = frozenset({"deleteMessage", "deleteMessages"})
MOVED_KEPT = 10_000  # messages moved under typed choices remembered (memory only), newest kept
_EDITING = frozenset({"editMessageText", "editMessageCaption", "editMessageReplyMarkup", "editMessageMedia"})


# The keyboard a typed choice is being handled as a tap on, while it is: (chat, message). The
# step's answer, which a tap writes into the message tapped, goes under the typed words instead.
_TYPED_ON: ContextVar[tuple[int, int] | None] = ContextVar("typed_on", default=None)


class OfferingBot(ExtBot):
    """The bot, remembering the inline keyboards it puts in each chat (memory only)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        with self._unfrozen():
            self.offered: dict[int, list[Offered]] = {}
            self.latest: dict[int, int] = {}  # chat -> the id of the newest message sent there
            # (chat, message) -> the message that took its place under a typed choice (below)
            self.moved: dict[tuple[int, int], int] = {}

    async def edit_in_place(
        self,
        chat_id: int,
        message_id: int,
        text: str,
        reply_markup: InlineKeyboardMarkup | None = None,
        parse_mode: str = "HTML",
    ) -> None:
        """editMessageText, as `edit_message_text` sends it (defaults, pacing, these notes), for
        a caller that does not read the edited message back: Telegram's answer, the whole
        message, is not parsed into a Message (which costs about as much CPU as the request
        itself, bench/README.md). Raises what `edit_message_text` raises."""
        data = {
            "chat_id": chat_id,
            "message_id": message_id,
            "text": text,
            "parse_mode": parse_mode,
            "reply_markup": reply_markup,
        }
        await self._post("editMessageText", data)

    async def send_quietly(
        self,
        chat_id: int,
        text: str,
        reply_markup: ReplyMarkup | None = None,
        parse_mode: str = "HTML",
    ) -> int:
        """sendMessage, as `send_message` sends it, for a caller that needs only the new
        message's id (as `edit_in_place`: the answer is not parsed into a Message)."""
        data = {"chat_id": chat_id, "text": text, "parse_mode": parse_mode, "reply_markup": reply_markup}
        result = await self._post("sendMessage", data)
        return result["message_id"]

    async def answer_callback_query(
        self,
        callback_query_id: str,
        text: str | None = None,
        show_alert: bool | None = None,
        url: str | None = None,
        cache_time: int | timedelta | None = None,
        *,
        api_kwargs: dict | None = None,
        rate_limit_args: object = None,
        **timeouts,
    ) -> bool:
        """answerCallbackQuery with what python-telegram-bot's method would send, straight to
        the pacer and the transport (`_do_post`: retries, 429s and the answered-once check as
        before): the press is answered on every update of a flow, and the method's layers
        (three calls deep, each copying the parameters, the defaults looked up for a call that
        has none) cost a tenth of the answer's CPU (bench/README.md). A pop-up longer than
        Telegram's 200 characters is refused whole (MESSAGE_TOO_LONG), so the press would go
        unanswered: it is shortened here, whatever built it."""
        if text is not None:
            text = shorten(text, POPUP_LIMIT)
        if api_kwargs or rate_limit_args is not None:
            return await super().answer_callback_query(
                callback_query_id,
                text,
                show_alert,
                url,
                cache_time,
                api_kwargs=api_kwargs,
                rate_limit_args=rate_limit_args,
                **timeouts,
            )
        given = {"cache_time": cache_time, "text": text, "show_alert": show_alert, "url": url}
        data = {"callback_query_id": callback_query_id} | {k: v for k, v in given.items() if v is not None}
        return await self._do_post("answerCallbackQuery", data, **timeouts)

    async def _do_post(self, endpoint: str, data: dict, **kwargs):
        if endpoint == "editMessageText" and _TYPED_ON.get() == (data.get("chat_id"), data.get("message_id")):
            return await self._answer_below(data, **kwargs)
        if self.moved and (endpoint in _EDITING or endpoint in _DELETING):
            self._to_where_moved(data)
        markup = data.get("reply_markup")
        if isinstance(markup, InlineKeyboardMarkup):
            data["reply_markup"] = wire_markup(markup)  # (data is this call's own dict: Bot._post)
        try:
            result = await super()._do_post(endpoint, data, **kwargs)
        except BadRequest as error:
            if endpoint not in _EDITING or "not modified" not in error.message:
                raise
            # The message already shows what the edit asked for (a vote pressed again after a
            # restart lost it, 取消 tapped twice): the person's end state holds, so no error.
            result = True
        if endpoint in _SENDING or endpoint in _EDITING or endpoint == "deleteMessage":
            self._note(endpoint, data, result, markup)
        return result

    async def _answer_below(self, data: dict, **kwargs):
        """A tap rewrites the message tapped, in front of the person's eyes; typed, that message
        is above what they typed (and above any hint since), where a rewrite goes unseen, as if
        nothing answered. So the message moves: it is deleted, and what it would have become is
        sent under the typed words. Whatever later edits or deletes it by its old id reaches the
        new one (`moved`): an anonymous draft's steps and preview leave the chat with the draft
        as before, and a message kept to be edited is edited where it now is. Once per typed
        choice. Too old to delete (48 hours), it stays, without its buttons."""
        _TYPED_ON.set(None)
        chat_id, message_id = data["chat_id"], data["message_id"]
        try:
            await self._do_post("deleteMessage", {"chat_id": chat_id, "message_id": message_id})
        except BadRequest:
            with contextlib.suppress(BadRequest):  # too old to delete: one place to answer still
                await self._do_post("editMessageReplyMarkup", {"chat_id": chat_id, "message_id": message_id})
        below = {key: value for key, value in data.items() if key != "message_id"}
        sent = await self._do_post("sendMessage", below, **kwargs)
        if isinstance(sent, dict) and isinstance(sent.get("message_id"), int):
            self.moved[(chat_id, message_id)] = sent["message_id"]
            while len(self.moved) > MOVED_KEPT:
                self.moved.pop(next(iter(self.moved)))
        return sent

    def _to_where_moved(self, data: dict) -> None:
        """An edit or a deletion of a message that moved under a typed choice: of where it is."""
        chat_id = data.get("chat_id")
        if "message_id" in data:
            data["message_id"] = self._where(chat_id, data["message_id"])
        if isinstance(data.get("message_ids"), list):
            data["message_ids"] = list(dict.fromkeys(self._where(chat_id, m) for m in data["message_ids"]))

    def _where(self, chat_id: object, message_id: object) -> object:
        seen = 0
        while (chat_id, message_id) in self.moved and seen < MOVED_KEPT:  # moved again and again
            message_id, seen = self.moved[(chat_id, message_id)], seen + 1  # type: ignore[index]
        return message_id

    def _note(self, endpoint: str, data: dict, result: object, markup: object) -> None:
        if endpoint in _SENDING:
            if not isinstance(result, dict) or not isinstance(result.get("chat"), dict):
                return
            chat_id, message_id = result["chat"].get("id"), result.get("message_id")
            if isinstance(chat_id, int) and isinstance(message_id, int):
                self.latest[chat_id] = max(message_id, self.latest.get(chat_id, 0))
        else:
            chat_id, message_id = data.get("chat_id"), data.get("message_id")
        if not isinstance(chat_id, int) or not isinstance(message_id, int):
            return  # a channel's @name or an inline message: no typed answers come from there
        kept = [o for o in self.offered.get(chat_id, []) if o.message_id != message_id]
        if isinstance(markup, InlineKeyboardMarkup) and endpoint != "deleteMessage":
            kept.insert(0, Offered(chat_id, message_id, markup))
        if kept:
            self.offered[chat_id] = kept[:KEPT]
        else:
            self.offered.pop(chat_id, None)


_BUTTON_FIELDS = tuple(
    dict.fromkeys(
        name
        for cls in InlineKeyboardButton.__mro__[:-1]
        for name in getattr(cls, "__slots__", ())
        if not name.startswith("_") and name != "api_kwargs"  # (checked empty, below)
    )
)
_PLAIN = (str, int, bool)


def wire_markup(markup: InlineKeyboardMarkup) -> dict | InlineKeyboardMarkup:
    """The inline keyboard as python-telegram-bot's `to_dict()` gives it, for the common
    keyboard (buttons of text with callback data or a URL), built directly: the library's
    generic walk over each button's attributes cost more CPU than the rest of the request
    (bench/README.md). Anything else (a web app, a login URL, a game, extra API fields) is
    returned as it is, for the library to serialise."""
    if type(markup) is not InlineKeyboardMarkup or markup.api_kwargs or not markup.inline_keyboard:
        return markup
    rows = []
    for row in markup.inline_keyboard:
        wired = []
        for button in row:
            if type(button) is not InlineKeyboardButton or button.api_kwargs:
                return markup
            fields = {}
            for name in _BUTTON_FIELDS:
                value = getattr(button, name)
                if value is None:
                    continue
                if type(value) not in _PLAIN:
                    return markup
                fields[name] = value
            wired.append(fields)
        rows.append(wired)
    return {"inline_keyboard": rows}


def offered(bot: object, chat_id: int) -> list[Offered]:
    """The keyboards above in this chat, newest first."""
    return list(getattr(bot, "offered", {}).get(chat_id, []))


def buttons_last(bot: object, chat_id: int) -> bool:
    """Is the newest message the bot sent in this chat one with buttons?"""
    kept = offered(bot, chat_id)
    return bool(kept) and kept[0].message_id >= getattr(bot, "latest", {}).get(chat_id, 0)


class TypedTap(CallbackQuery):
    """A button tapped by typing its label. There is no press for Telegram to stop the spinner
    of, so answering it sends what a press would have shown as a message instead (`answers`:
    those messages' ids, which an anonymous flow's tap takes from the chat soon after)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        with self._unfrozen():
            self.answers: list[int] = []

    async def answer(self, text: str | None = None, show_alert: bool | None = None, *args, **kwargs) -> bool:
        if text and self.message is not None:
            sent = await self.get_bot().send_message(self.message.chat.id, text)
            self.answers.append(sent.message_id)
        return True


def taps(update: Update) -> list[Update]:
    """For typed text: a tap on each keyboard above (newest first) whose one button it names."""
    message = update.effective_message
    if message is None or not message.text or update.effective_chat is None:
        return []
    bot = update.get_bot()
    found = []
    for keyboard in offered(bot, update.effective_chat.id):
        data = match(message.text, keyboard.options())
        if data is None:
            continue
        shown = Message(
            message_id=keyboard.message_id,
            date=datetime.now(UTC),
            chat=update.effective_chat,
            reply_markup=keyboard.markup,
        )
        shown.set_bot(bot)
        query = TypedTap(
            id=f"typed-{update.update_id}",
            from_user=update.effective_user,
            chat_instance=f"typed-{update.effective_chat.id}",
            message=shown,
            data=data,
        )
        query.set_bot(bot)
        tap = Update(update.update_id, callback_query=query)
        tap.set_bot(bot)
        found.append(tap)
    return found


# Taps whose typed word is a ballot or an answer of an anonymous flow: a grade of a rating sheet
# (and its 提交), a look-back vote, a questionnaire's choice. Typed, the word would stay in the
# person's chat, where anyone with the bot's token copies it by its id: their ballot, named by
# the chat. It leaves the chat once taken. (The opinion box's typed words leave with the draft.)
_ANONYMOUS_TAPS = (
    callbacks.family("ev"),
    callbacks.family("sv"),
    callbacks.LOOKBACK_VOTE,
    callbacks.LOOKBACK_RECEIPT_VOTE,
)


# How long the answer to a typed ballot stays to be read (then it leaves at the chat's next
# forgetting pass, at most CHECK_SECONDS later). A press is answered without a message; a
# typed word has no press, and its answer (已记录, 已经投过票, the word gone) would stay in the
# chat saying that she voted, to anyone copying it with the token.
TYPED_ANSWER_KEPT = timedelta(minutes=5)


async def _forget_if_anonymous(typed: Update, tap: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    data = tap.callback_query.data if tap.callback_query else None
    if typed.effective_message and any(b(data) for b in _ANONYMOUS_TAPS):
        chat_id = typed.effective_chat.id
        await forgetting.forget_now(context.application, chat_id, [typed.effective_message.message_id])
        answers = list(getattr(tap.callback_query, "answers", []))
        if gone := await _say_typed_gone(typed, context):
            answers.append(gone)
        forgetting.forget_later(context.application, chat_id, answers, after=TYPED_ANSWER_KEPT)


async def _say_typed_gone(typed: Update, context: ContextTypes.DEFAULT_TYPE) -> int | None:
    """The word vanished as the sheet took it: said once (since the start, in memory), without
    the word, which would be the ballot again; the message's id, when said."""
    told = services.of(context.application).shared.told_typed_gone
    if typed.effective_user is not None and typed.effective_user.id not in told:
        told.add(typed.effective_user.id)
        return await reply(typed, context, "choice.typed_gone")
    return None


def _checked(handler: BaseHandler, update: Update) -> object | None:
    result = handler.check_update(update)
    return None if result is None or result is False else result


# ---- in a conversation ------------------------------------------------------------------------


class TypedStep(BaseHandler):
    """First in a step that offers buttons: typed text (never a command, never a menu label) is
    a tap on the button it names, else the step's own answer to text, else a pointer at the
    buttons above in the person's language. The conversation stays at the step unless the tap
    or the step's own answer moves it."""

    def __init__(
        self,
        step: list[BaseHandler],
        buttons: list[CallbackQueryHandler],
        hint_key: str = HINT,
        own_first: tuple | None = None,
        on_hint: OnHint | None = None,
    ):
        super().__init__(self._unused)
        self.step, self.buttons, self.hint_key = list(step), list(buttons), hint_key
        self.own_first = own_first  # None, or the buttons that stay taps when typed (选好了)
        self.on_hint = on_hint

    @staticmethod
    @within_step  # the step's own handlers (and their guards) answer; this one only routes
    async def _unused(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        raise AssertionError("TypedStep answers in handle_update")

    def check_update(self, update: object) -> bool:
        return isinstance(update, Update) and bool(menu.TYPED.check_update(update))

    def resolve(self, update: Update) -> tuple[BaseHandler, Update, object] | None:
        """The button handler of this step that a typed answer taps, with the tap."""
        for tap in taps(update):
            for handler in self.buttons:
                checked = _checked(handler, tap)
                if checked is not None:
                    return handler, tap, checked
        return None

    def own(self, update: Update) -> tuple[BaseHandler, object] | None:
        """The step's own handler for typed text, if it has one."""
        for handler in self.step:
            if handler is self or isinstance(handler, CallbackQueryHandler):
                continue
            checked = _checked(handler, update)
            if checked is not None:
                return handler, checked
        return None

    async def handle_update(
        self,
        update: Update,
        application: Application,
        check_result: object,
        context: ContextTypes.DEFAULT_TYPE,
    ) -> object:
        answered = self.own(update)
        tapped = self.resolve(update)
        if (
            answered is not None
            and self.own_first is not None
            and not (tapped is not None and any(b(tapped[1].callback_query.data) for b in self.own_first))
        ):
            handler, checked = answered
            return await handler.handle_update(update, application, checked, context)
        if tapped is not None:
            handler, tap, checked = tapped
            shown = tap.callback_query.message
            typed_on = _TYPED_ON.set((shown.chat.id, shown.message_id) if shown else None)
            try:
                return await handler.handle_update(tap, application, checked, context)
            finally:
                _TYPED_ON.reset(typed_on)
                await _forget_if_anonymous(update, tap, context)
        if answered is not None:
            handler, checked = answered
            return await handler.handle_update(update, application, checked, context)
        await _hint(update, context, self.hint_key, self.on_hint)
        return None  # the conversation stays at this step


async def _hint(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    key: str,
    on_hint: OnHint | None,
    options: dict[str, str] | None = None,
) -> None:
    """Point at the buttons; when what was typed names several of them (态度 for 服务态度 and
    工作态度), name those again, so the person sees which they meant without scrolling up."""
    if options is None and update.effective_chat is not None:
        newest = offered(update.get_bot(), update.effective_chat.id)[:1]
        options = newest[0].options() if newest else {}
    typed = update.effective_message.text if update.effective_message else None
    several = candidates(typed or "", options or {})
    if len({(options or {})[label] for label in several}) > 1:
        listed = "\n".join(f"• {names.normalise(label)}" for label in several)
        sent = await reply(update, context, "choice.ambiguous", options=listed)
    else:
        sent = await reply(update, context, key)
    if on_hint is not None:
        await on_hint(update, context, sent)


def conversation(
    *,
    states: dict[object, list[BaseHandler]],
    fallbacks: list[BaseHandler],
    hints: dict[object, str] | None = None,
    whole_answers: dict[object, tuple] | None = None,
    on_hint: OnHint | None = None,
    **kwargs,
) -> ConversationHandler:
    """A ConversationHandler whose every step with buttons takes their labels typed (TypedStep
    first in the step). The conversation's fallback buttons (取消) count as the step's own.
    `whole_answers` are steps whose buttons are toggled on and off before 选好了, where typed
    text is the whole answer at once (门诊部 后勤保障科), read by the step itself, which knows
    every label: there a typed label finishes the step rather than toggling one button; only
    the buttons listed for the step (选好了) are taken as taps when typed. `on_hint` is told the
    id of each hint sent (an anonymous flow takes them from the chat when it ends)."""
    cancelling = [h for h in fallbacks if isinstance(h, CallbackQueryHandler)]
    built: dict[object, list[BaseHandler]] = {}
    for state, step in states.items():
        buttons = [h for h in step if isinstance(h, CallbackQueryHandler)]
        if buttons and state != ConversationHandler.TIMEOUT:
            step = [
                TypedStep(
                    step,
                    buttons + cancelling,
                    (hints or {}).get(state, HINT),
                    own_first=(whole_answers or {}).get(state),
                    on_hint=on_hint,
                ),
                *step,
            ]
        built[state] = step
    return conversations.TimedConversation(states=built, fallbacks=fallbacks, **kwargs)


# ---- outside conversations --------------------------------------------------------------------


def taps_of_the_newest(update: Update) -> list[Update]:
    """The tap typed text names on the newest keyboard above, if it names one of its buttons."""
    if update.effective_chat is None:
        return []
    newest = offered(update.get_bot(), update.effective_chat.id)[:1]
    return [
        tap
        for tap in taps(update)
        if newest and tap.callback_query.message.message_id == newest[0].message_id
    ]


async def tap_outside_conversations(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Typed text nobody took: if it names one button of the newest keyboard above (a grade on
    a rating sheet, a look-back vote), it is handled as that tap, by the handler a tap would
    reach; if it names none and the bot's last message is that keyboard, the person is pointed
    at its buttons. True when answered here."""
    if update.effective_chat is None or not menu.TYPED.check_update(update):
        return False
    found = taps_of_the_newest(update)
    if not found:
        if buttons_last(update.get_bot(), update.effective_chat.id):
            await _hint(update, context, HINT, None)
            return True
        return False
    for handler in context.application.handlers.get(0, []):
        checked = _checked(handler, found[0])
        if checked is not None:
            try:
                await handler.handle_update(found[0], context.application, checked, context)
            finally:
                await _forget_if_anonymous(update, found[0], context)
            return True
    return False


# ---- a step's own list of typed answers, beyond its buttons ------------------------------------


def handler(
    options: Options,
    chosen: Chosen,
    hint_key: str = HINT,
    roles: frozenset[str] = MEMBERS,
    on_hint: OnHint | None = None,
    unmatched: Chosen | None = None,
) -> MessageHandler:
    """A MessageHandler for a step whose typed answers go beyond the buttons on the screen (a
    kind typed in another language): `options` gives {label: value}, `chosen` proceeds as the
    button would. Unmatched text goes to `unmatched`, which may take it (returning the next
    state); otherwise the step stays and says how to answer. `roles` are the step's own (as its
    button handler declares them)."""

    @requires(*roles)
    async def typed(update: Update, context: ContextTypes.DEFAULT_TYPE):
        offered_here = options(update, context)
        value = match(update.message.text, offered_here)
        if value is None:
            taken = await unmatched(update, context, update.message.text) if unmatched else None
            if taken is not None:
                return taken
            await _hint(update, context, hint_key, on_hint, offered_here)
            return None  # the conversation stays at this step
        return await chosen(update, context, value)

    return MessageHandler(menu.TYPED, typed)
