"""Typed one-liners that reach many people or cannot be undone (/order, /askreport, /appraisal,
/phase, /meeting, /meeting_move, /meeting_cancel …) are held for ✅ 确认: the command first
shows what it will do and to how many, and acts only when its preview's 确认 is pressed.

A command is a `plan`: it reads the typed words, tells the person what is wrong with them (and
returns None), or returns a `Planned` with the preview's text and the act itself. The words are
kept in user_data["held"] under the command, with a token (handlers/confirmations.py) that the
preview's two buttons carry; 确认 plans the kept words again, so what changed meanwhile (a twin
sent, a date passed, a meeting cancelled) is refused then, and acts. 取消 does nothing and says
so, and an older preview's 确认 (after 取消, or the command typed again since) does nothing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import BaseHandler, CallbackQueryHandler, ContextTypes

from callbacks import Button
from handlers import confirmations, menu
from handlers.access import answering, language, reply, requires
from texts import say


@dataclass(frozen=True)
class Planned:
    preview: str  # the preview's catalog key
    act: Callable[[], Awaitable[object]]  # does it and tells the person what was done
    values: dict = field(default_factory=dict)  # the preview's values
    # What makes the act miss its point, said under the preview before 确认 (nobody there to
    # tell; too few raters for any result): a catalog key and its values.
    warning: tuple[str, dict] | None = None


Plan = Callable[[Update, ContextTypes.DEFAULT_TYPE, list[str]], Awaitable[Planned | None]]


@dataclass(frozen=True)
class HeldCommand:
    command: str
    button: Button  # fields: choice ok/no, then the confirmation token
    plan: Plan
    roles: tuple[str, ...]
    confirm_label: str  # "✅ 确认下达" …
    cancelled: str  # what 取消 says was not done
    cancel_label: str = "btn.cancel"  # "会议照常" where 取消 would read as the act itself

    def handlers(self, with_command: bool = True) -> list[BaseHandler]:
        """The command (typed, or its menu entry) and its preview's buttons; without the command
        for a module that registers it itself (beside a guided form of the same name)."""
        entry = [*menu.triggers(self.command, self.preview())] if with_command else []
        return [*entry, CallbackQueryHandler(self._answer(), pattern=self.button)]

    def preview(self):
        """The guarded callback of the typed command: the preview, or what is wrong."""

        async def preview(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            await self.offer(update, context, list(context.args or []))

        preview.__qualname__ = f"held.{self.command}.preview"
        return requires(*self.roles)(preview)

    async def offer(self, update: Update, context: ContextTypes.DEFAULT_TYPE, words: list[str]) -> None:
        """The preview of the command with these words, or what is wrong with them: typed, or
        the same words a list's button stands for (/lookback's closed problems). The caller
        checks who may."""
        planned = await self.plan(update, context, words)
        if planned is None:
            return
        token = confirmations.ask(context, self.command)  # a newer preview: an older 确认 does nothing
        context.user_data.setdefault("held", {})[self.command] = words
        if planned.warning is None:
            await reply(
                update,
                context,
                planned.preview,
                reply_markup=self._buttons(update, context, token),
                **planned.values,
            )
            return
        lang = language(update, context)
        key, values = planned.warning
        text = f"{say(lang, planned.preview, **planned.values)}\n\n{say(lang, key, **values)}"
        await answering(
            update,
            context.bot.send_quietly(update.effective_chat.id, text, self._buttons(update, context, token)),
        )

    def _buttons(
        self, update: Update, context: ContextTypes.DEFAULT_TYPE, token: str
    ) -> InlineKeyboardMarkup:
        lang = language(update, context)
        confirm = InlineKeyboardButton(
            say(lang, self.confirm_label), callback_data=self.button.data("ok", token)
        )
        cancel = InlineKeyboardButton(
            say(lang, self.cancel_label), callback_data=self.button.data("no", token)
        )
        return InlineKeyboardMarkup([[confirm, cancel]])

    def _answer(self):
        async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            choice, token = self.button.parse(update.callback_query.data)
            kept = context.user_data.setdefault("held", {})
            if choice == "no":
                if confirmations.take(context, self.command, token):
                    kept.pop(self.command, None)
                await confirmations.cancel(update, context, self.command, token, self.cancelled)
                return
            if not confirmations.take(context, self.command, token):  # 取消 pressed, or done already
                await confirmations.refuse_stale(update, context)
                return
            words = kept.pop(self.command, None) or []
            try:  # the preview keeps its words and loses its buttons
                await update.callback_query.edit_message_reply_markup(None)
            except TelegramError:  # a message too old to edit: the answer below says what was done
                pass
            planned = await self.plan(update, context, words)
            if planned is not None:
                await planned.act()

        answer.__qualname__ = f"held.{self.command}.answer"
        return requires(*self.roles)(answer)
