"""Telegram in, Telegram out. `register(app)` is the one place that lists every handler."""

from __future__ import annotations

import warnings

from telegram.ext import Application
from telegram.warnings import PTBUserWarning

from handlers import fallbacks, menu, private_chat, throttle
from handlers.campaign import (
    calendar,
    evaluation,
    meeting_form,
    phase_form,
    questionnaire,
    self_check,
    selfcheck_form,
    sheet_form,
)
from handlers.opinions import forwarded, hotspots, inbox, public_box, receipt, submit
from handlers.people import departments, directory, invite, profile, roster, start
from handlers.problems import (
    chase,
    closure_request,
    closures,
    dispatch,
    explain,
    extension,
    listing,
    lookback,
    progress,
)
from handlers.reports import digest, export, ledger
from handlers.supervision import oversight, reports_upward

# Conversations here are per user and chat on purpose; PTB warns that a CallbackQueryHandler
# inside is then not tracked per message, which is what we want.
warnings.filterwarnings("ignore", message=".*per_message=False.*", category=PTBUserWarning)


def register(app: Application) -> None:
    # Group -3 runs first: the per-person rate limit, which stops a flood before any handler.
    # Group -2: whatever comes from a group chat stops there (private chats only). One handler
    # runs per group, so each has a group of its own.
    # Group -4, before even the rate limit: a message sent while an anonymous draft is open is
    # noted in the draft, to leave the chat with it (handlers/opinions/submit.py).
    # Group -1, after those: a menu tap leaves every step that waits for words, not only the
    # first conversation that sees it (handlers/menu.py, leave_waiting_steps).
    for handler in submit.before_everything():
        app.add_handler(handler, group=-4)
    for handler in throttle.before_everything():
        app.add_handler(handler, group=-3)
    for handler in private_chat.before_everything():
        app.add_handler(handler, group=-2)
    for handler in menu.before_conversations():
        app.add_handler(handler, group=-1)
    # Group 0, in order: conversations first, so a person in the middle of one is answered by
    # it; then the single-step flows; the catch-alls last, for what nobody else took. A guided
    # form (a bare /selfcheck, /meeting, /phase, /newsheet) comes before the module whose
    # one-liner command would otherwise take it.
    # A flow split out of another comes before it (closures, explain, closure_request): a button
    # of the split-out flow tapped in the middle of the other asks a question, and what is typed
    # next must reach it (they were one conversation before).
    for module in (
        submit,
        receipt,
        inbox,
        forwarded,
        closures,
        listing,
        explain,
        dispatch,
        closure_request,
        progress,
        extension,
        lookback,
        roster,
        invite,
        departments,
        selfcheck_form,
        self_check,
        meeting_form,
        phase_form,
        sheet_form,
        questionnaire,
    ):
        for handler in module.handlers():
            app.add_handler(handler)
    for module in (
        start,
        menu,
        ledger,
        chase,
        digest,
        export,
        calendar,
        evaluation,
        profile,
        directory,
        hotspots,
        oversight,
        reports_upward,
        public_box,
    ):
        for handler in module.handlers():
            app.add_handler(handler)
    for handler in fallbacks.handlers():
        app.add_handler(handler)
    # Group 1 sees every update after group 0 has answered it.
    for handler in fallbacks.after_everything():
        app.add_handler(handler, group=1)
    app.add_error_handler(fallbacks.on_error)
