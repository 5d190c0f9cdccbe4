"""Guided forms: a bare /meeting, /phase, /newsheet or /selfcheck asks its questions one step
at a time, shows a preview, and acts on 确认. `form(...)` builds such a conversation on
`typed_choice.conversation` (so a quick button's label typed counts as the tap): the steps in
the order the conversation declares its states (handlers/conversations.py), its timeout, /cancel
and the menu tap that leaves it, and the generic confirm step, whose 确认 and 取消 are guarded
like the form's start. The rest of this module is what the forms' steps share: the answers kept
under the conversation's name in user_data, keyboards from (label, data) rows, choices ticked
one tap at a time, the preview's 确认 / 取消."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
)

from callbacks import FORM_TYPE_DEPARTMENTS, Button
from handlers import conversations, menu
from handlers.access import ANYONE, Callback, language, reply, requires
from texts import say

Rows = list[list[tuple[str, str]]]
Finish = Callable[[Update, ContextTypes.DEFAULT_TYPE, dict], Awaitable[object]]
CONFIRM = "confirm"  # every form's last declared state


# ---- the answers so far ------------------------------------------------------------------------


def answers(form: dict, **lists: list) -> dict:
    """The form so far, `user_data[its conversation's name]`, with its list fields there even
    in a form from before a restart."""
    for key, value in lists.items():
        form.setdefault(key, list(value))
    return form


# ---- keyboards ---------------------------------------------------------------------------------


def inline_rows(rows: Rows) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(t, callback_data=d) for t, d in row] for row in rows])


def in_rows(buttons: list[tuple[str, str]], width: int = 3) -> Rows:
    return [buttons[i : i + width] for i in range(0, len(buttons), width)]


def confirm_or_cancel(lang: str, confirm: Button, cancel: Button) -> InlineKeyboardMarkup:
    """The preview's two buttons."""
    return inline_rows(
        [[(say(lang, "btn.confirm"), confirm.data()), (say(lang, "btn.cancel"), cancel.data())]]
    )


def typed_or_tapped(update: Update, button: Button) -> str:
    """What was typed, or the phrase a quick button carries."""
    if update.callback_query:
        return button.parse(update.callback_query.data)[0]
    return update.message.text


def mark(chosen: bool, label: str) -> str:
    return f"✓ {label}" if chosen else label


def toggle(chosen: list[str], word: str) -> list[str]:
    return [w for w in chosen if w != word] if word in chosen else [*chosen, word]


FORM_DEPARTMENTS = 60  # department buttons on a form's message: with its other buttons, under Telegram's 100


def ticked(departments: Iterable[str], chosen: Iterable[str], button: Button, lang: str) -> Rows:
    """A button for each department, ticked when chosen, three to a row; the button carries
    the department's place in the list. A large hospital's departments past FORM_DEPARTMENTS are
    typed (every form reads typed names): the last row says how many and how, and pressed, says
    it again (type_departments)."""
    chosen, departments = set(chosen), list(departments)
    shown = departments[:FORM_DEPARTMENTS]
    rows = in_rows([(mark(name in chosen, name), button.data(i)) for i, name in enumerate(shown)])
    rest = len(departments) - FORM_DEPARTMENTS
    if rest > 0:
        rows.append([(say(lang, "forms.more_departments", count=rest), FORM_TYPE_DEPARTMENTS.data())])
    return rows


@requires(*ANYONE)
async def type_departments(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    hint = say(language(update, context), "forms.type_departments", shown=FORM_DEPARTMENTS)
    await update.callback_query.answer(hint, show_alert=True)


def done_row(lang: str, button: Button) -> list[tuple[str, str]]:
    return [(say(lang, "meeting_form.done"), button.data())]


async def show_choices(
    update: Update, context: ContextTypes.DEFAULT_TYPE, key: str, rows: Rows, edit: bool
) -> None:
    """Choices tapped one by one: the first time as a message, then the same message's ticks."""
    markup = inline_rows(rows)
    if not edit:
        await reply(update, context, key, reply_markup=markup)
        return
    await update.callback_query.answer()
    await update.callback_query.edit_message_reply_markup(markup)  # 全体 twice: "not modified" is done


# ---- the conversation --------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One question of a form: `tapped` reads a tap on `button` (its quick buttons) and, unless
    `typed` is given, what is typed too. `whole` are the buttons that stay taps when typed at
    a step whose buttons toggle choices before 选好了 (typed_choice.conversation's whole_answers)."""

    button: Button | None
    tapped: Callback
    typed: Callback | None = None
    whole: tuple[Button, ...] | None = None


def _guarded_like(start: Callback, what: str, callback: Callback) -> Callback:
    """`callback` declared (for the access matrix) as the form's own and allowed to whom the
    form's start is allowed."""
    callback.__module__, callback.__qualname__ = start.__module__, what
    callback.__name__ = what
    return requires(*start.allowed_roles)(callback)  # type: ignore[attr-defined]


def form(
    name: str,
    command: str,
    start: Callback,
    steps: list[Step],
    *,
    confirm: Button,
    cancel: Button,
    needed: str,
    finish: Finish,
) -> list[BaseHandler]:
    """A guided form: a bare /`command` runs `start`, which asks the first question; `steps`
    answer the conversation's declared states in order; its last state, 'confirm', is the
    preview's 确认, which hands the answers to `finish` if they hold `needed` (a form from
    before a restart may have lost them: the button is stale), and 取消, which like /cancel
    drops the form. Who may confirm or cancel is who may start."""
    declared = conversations.states(name)
    if declared[-1] != CONFIRM or len(steps) != len(declared) - 1:
        raise ValueError(f"{name}: one step for each declared state before {CONFIRM!r}")

    async def confirmed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        answered = context.user_data.pop(name, {})
        if needed not in answered:
            await reply(update, context, "stale_button")
        else:
            await finish(update, context, answered)
        return ConversationHandler.END

    confirmed = _guarded_like(start, "confirm", confirmed)
    cancelled = conversations.cancelling(name, start.__module__, *start.allowed_roles)  # type: ignore[attr-defined]
    states: dict[object, list[BaseHandler]] = {}
    for state, step in zip(declared, steps, strict=False):
        states[state] = [CallbackQueryHandler(step.tapped, pattern=step.button)] if step.button else []
        states[state].append(MessageHandler(menu.TYPED, step.typed or step.tapped))
    states[CONFIRM] = [
        CallbackQueryHandler(confirmed, pattern=confirm),
        CallbackQueryHandler(cancelled, pattern=cancel),
    ]

    async def one_liner(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        """The same command written in one line while the form waits: the person chose the
        one-liner, so the form ends (else its step would take their next typed text, a return's
        reason or a name, as its answer) and the line is handled again, outside it."""
        context.user_data.pop(name, None)
        await context.application.update_queue.put(update)
        return ConversationHandler.END

    one_liner = _guarded_like(start, "one_liner", one_liner)
    return [
        conversations.flow(
            name,
            entry_points=[CommandHandler(command, start, has_args=False)],
            states=states,
            cancel=cancelled,
            also_leave_on=(CommandHandler(command, one_liner, has_args=True),),
            whole_answers={
                state: step.whole for state, step in zip(declared, steps, strict=False) if step.whole
            },
        )
    ]
