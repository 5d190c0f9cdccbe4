"""Conversations are schema. Their names and states are persisted (handlers/persistence.py keeps
them in SQLite), so they are declared here, once, as strings: a state added in the middle moves
nobody to a wrong step, and renaming one is a migration (see storage/migrations.py m026, which carried
the old range(n) integers over to these names). The user_data keys each conversation keeps are
declared here too; tests/test_conversations.py lists both against the registered handlers.

Every conversation ends by itself after TIMEOUT without an answer: what it kept (user_data
keys, an anonymous draft held in memory) is dropped and the person is told.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from types import SimpleNamespace

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, ContextTypes, ConversationHandler, TypeHandler
from telegram.ext._handlers.conversationhandler import _ConversationTimeoutContext

from handlers import menu, typed_choice
from handlers.access import ANYONE, Callback, language, reply, requires, services
from texts import say

# name -> its states, in the order a person meets them
CONVERSATIONS: dict[str, tuple[str, ...]] = {
    "opinion": (
        "choosing_mode",
        "choosing_category",
        "choosing_department",
        "writing",
        "adding_photos",
        "reviewing",
    ),
    "receipt": ("asking_code", "writing_back"),
    "inbox_action": ("typing_reply", "typing_original", "typing_answer", "typing_public"),
    "forwarded_opinion": ("leader_typing_reply",),
    "office_problems": (
        "title",
        "description",
        "kind",
        "horizon",
        "findings_file",
        "findings_confirm",
        "list_title",
        "list_kind",
        "list_horizon",
        "list_department",
        "list_confirm",
    ),
    "closure_review": ("return_comment",),
    "leadership": ("measures", "department", "deadline", "confirm"),
    "explanation": ("reason", "review_date", "confirm_explain"),
    "progress_report": ("text", "photo", "percent"),
    "closure_request": ("closure_reason",),
    "lookback_confirm": ("evidence",),
    "roster_import": ("waiting_file", "confirming", "confirming_risk"),
    "self_checks": ("method", "findings", "measures", "confirm", "return_comment"),
    "extension": ("reason", "new_date", "confirm"),
    "meeting_form": ("title", "day", "time", "place", "audience", "confirm"),
    "phase_form": ("name", "first", "last", "confirm"),
    "sheet_form": ("title", "subjects", "closes", "raters", "confirm"),
    "selfcheck_form": ("subject", "due", "reviewer", "confirm"),
    "survey": ("answering",),
    "upward_report": ("uploading", "return_comment", "return_date"),
    "departments": ("new_name",),
    "order_send_back": ("order_return_comment",),
}

# user_data key -> the conversation that keeps it (dropped when that conversation times out)
USER_DATA_KEYS: dict[str, str] = {
    "inbox_opinion": "inbox_action",
    "new_problem": "office_problems",
    "findings": "office_problems",
    "returning": "closure_review",
    "dispatch": "leadership",
    "explain": "explanation",
    "report": "progress_report",
    "confirming": "lookback_confirm",
    "roster_file": "roster_import",
    "roster_questions": "roster_import",
    "roster_answers": "roster_import",
    "roster_token": "roster_import",
    "self_check": "self_checks",
    "extension": "extension",
    "returning_report": "self_checks",
    "closure": "closure_request",
    "forwarded_opinion": "forwarded_opinion",
    "listing": "office_problems",
    "meeting_form": "meeting_form",
    "phase_form": "phase_form",
    "sheet_form": "sheet_form",
    "selfcheck_form": "selfcheck_form",
    "upward_upload": "upward_report",
    "upward_return": "upward_report",
    "department_renaming": "departments",
    "order_return": "order_send_back",
}

# user_data keys kept between a preview and its confirming button, outside any conversation
STANDALONE_KEYS: dict[str, str] = {
    "new_sheet": "a rating sheet's text while /newsheet's preview waits for 发出",
    "new_survey": "a questionnaire's text while /survey's preview waits for 确认发出",
    "held": "a typed one-liner's words while its preview waits for 确认 (handlers/held_commands.py)",
    "public_texts": "an answer's edited public words while its publish preview waits for 确认",
    "confirmations": "the token of each open question before an irreversible act (handlers/confirmations.py)",
    "inbox_view": "the ids of the round of inbox pages opened by /inbox, and its token",
    "department_rename": "a department's new name while its rename preview waits for 确认",
}

# Long enough to write a measured paragraph on a phone, short enough that a draft of an
# anonymous opinion does not sit in memory for a day.
TIMEOUT = timedelta(minutes=30)


def states(name: str) -> tuple[str, ...]:
    return CONVERSATIONS[name]


def on_timeout(name: str) -> dict[object, list[BaseHandler]]:
    """The TIMEOUT state of a conversation: drop what it kept and tell the person."""

    # Anyone: the conversation it ends was guarded when it started; this is the bot's own move.
    @requires(*ANYONE)
    async def timed_out(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        user = update.effective_user
        _drop_kept(name, context)
        if name == "opinion" and user is not None:  # the anonymous draft lives in memory only
            draft = services(context).drafts.pop(user.id, None)
            if draft is not None and update.effective_chat is not None:
                from jobs import forgetting  # what it showed, and what the person typed, leave too

                # (within the day: the preview is there to copy from, for a person called away)
                forgetting.draft_left(context.application, update.effective_chat.id, draft)
        if update.effective_chat is not None:
            await context.bot.send_message(
                update.effective_chat.id,
                say(language(update, context), "conversation.timed_out"),
                parse_mode="HTML",
            )

    return {ConversationHandler.TIMEOUT: [TypeHandler(Update, timed_out)]}


def _drop_kept(name: str, context: ContextTypes.DEFAULT_TYPE) -> None:
    _drop_kept_from(name, context.user_data)


def _drop_kept_from(name: str, user_data: dict | None) -> None:
    for key, owner in USER_DATA_KEYS.items():
        if owner == name and user_data is not None:
            user_data.pop(key, None)


def cancelling(name: str, module: str, *roles: str) -> Callback:
    """/cancel (and a 取消 button) of the conversation `name`: what it keeps (USER_DATA_KEYS)
    is dropped and the person told. Declared, for the access matrix, as `module`'s `cancel`,
    for `roles` (those of the conversation's entry points)."""

    async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        _drop_kept(name, context)
        await reply(update, context, "cancelled")
        return ConversationHandler.END

    cancel.__module__, cancel.__qualname__ = module, "cancel"
    return requires(*roles)(cancel)


def flow(
    name: str,
    *,
    entry_points: list[BaseHandler],
    states: dict[object, list[BaseHandler]],
    cancel: Callback,
    also_leave_on: tuple[BaseHandler, ...] = (),
    **kwargs,
) -> ConversationHandler:
    """The conversation `name` as every flow has it: built on typed_choice.conversation (typed
    labels are taps), its timeout step, /cancel and a menu tap that leaves it (and whatever
    else `also_leave_on` says), persistent, and entered again from its entry points at any step."""
    return typed_choice.conversation(
        entry_points=entry_points,
        states={**on_timeout(name), **states},
        fallbacks=[CommandHandler("cancel", cancel), menu.leave_on_menu_tap(), *also_leave_on],
        name=name,
        conversation_timeout=TIMEOUT,
        persistent=True,
        allow_reentry=True,
        **kwargs,
    )


class _Timer:
    """What TimedConversation keeps per conversation in place of a JobQueue job: the same
    `data` and `schedule_removal()`, on a timer of the event loop."""

    __slots__ = ("data", "handle")

    def __init__(self, data: _ConversationTimeoutContext) -> None:
        self.data, self.handle = data, None

    def schedule_removal(self) -> None:
        if self.handle is not None:
            self.handle.cancel()


def set_aside_kept_steps(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A questionnaire or a rating begun (by a press, which leaves no step as a menu tap does):
    a step the bot keeps on disk that the person was in (the office replying to an opinion, a
    head reporting progress) is set aside, as by a tap into the opinion box. Left waiting, it
    took the words typed for the questionnaire (or a grade typed) as its own: sent out as her
    signed reply and written under her name (tests/test_forensic_questionnaires.py). Ended
    here, its end would be written under her id at the moment she began to answer."""
    for conversation in context.application.handlers.get(0, []):
        if isinstance(conversation, TimedConversation):
            conversation.set_aside_for(update)


class TimedConversation(ConversationHandler):
    """A ConversationHandler whose timeout is a timer of the event loop rather than an
    APScheduler job. python-telegram-bot removes the timeout job and schedules a new one on
    every update of a conversation; an APScheduler job (its callable's signature inspected,
    a uuid drawn, the job store kept sorted) cost about 0.5 ms an update, some 5 % of what
    the bot spent per update in bench/updates.py. When the timer fires, the library's own
    `_trigger_timeout` runs, as the job would have run it: the TIMEOUT state's handlers, then
    the conversation ends. Timers are not kept across a restart, nor were the jobs.

    A step can also be set aside (`set_aside`): left in memory, kept on disk until its own timer
    ends it (menu.leave_waiting_steps, for a tap into the anonymous box)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.set_aside: set[tuple] = set()  # conversation keys, in memory only

    def check_update(self, update: object):
        """A step set aside takes nothing of the person's (their words go on to whatever else
        takes them); only the flow's own entry points, which open it anew."""
        found = super().check_update(update)
        if found is None or not self.set_aside:
            return found
        _, key, handler, _ = found
        if key in self.set_aside and handler not in self.entry_points:
            return None
        return found

    def set_aside_for(self, update: Update) -> None:
        """This person's step, if the bot keeps it on disk and they are in it, set aside."""
        if not self.persistent:
            return
        key = self._get_key(update)
        if self._conversations.get(key) is not None:
            self.set_aside.add(key)

    async def handle_update(self, update, application, check_result, context):  # type: ignore[override]
        self.set_aside.discard(check_result[1])  # opened anew: the step is the person's again
        return await super().handle_update(update, application, check_result, context)

    async def _trigger_timeout(self, context) -> None:
        """A step set aside ends when its timer fires, as one walked away from ends, what it
        kept dropped with it; the person, who left it, is not told it timed out."""
        timer = context.job
        key = timer.data.conversation_key
        if key not in self.set_aside:
            await super()._trigger_timeout(context)
            return
        self.set_aside.discard(key)
        async with self._timeout_jobs_lock:
            if self.timeout_jobs.get(key) is not timer:
                return  # opened anew meanwhile, with a timer of its own
            del self.timeout_jobs[key]
        application, user_id = timer.data.application, key[-1]
        _drop_kept_from(self.name or "", application.user_data.get(user_id))
        application.mark_data_for_update_persistence(user_ids=[user_id])
        self._update_state(self.END, key)

    def _schedule_job(
        self, new_state: object, application, update: Update, context, conversation_key
    ) -> None:
        if new_state == self.END:
            return
        timeout = self.conversation_timeout
        seconds = timeout.total_seconds() if isinstance(timeout, timedelta) else float(timeout)
        timer = _Timer(_ConversationTimeoutContext(conversation_key, update, application, context))
        timer.handle = asyncio.get_running_loop().call_later(seconds, self._fire, timer)
        self.timeout_jobs[conversation_key] = timer  # type: ignore[assignment]

    def _fire(self, timer: _Timer) -> None:
        application = timer.data.application
        if application.running:  # a stopping bot starts no new work
            application.create_task(
                self._trigger_timeout(SimpleNamespace(job=timer)),  # type: ignore[arg-type]
                update=timer.data.update,
            )
