"""The guided forms' builder (handlers/forms.py): steps in the declared order, the confirm step
guarded like the start, built on typed_choice.conversation. The forms' own behaviour is tested
in test_meeting_form.py, test_calendar.py, test_evaluations.py and test_self_checks.py."""

from __future__ import annotations

import pytest
from telegram.ext import CallbackQueryHandler, CommandHandler, ConversationHandler

from handlers import access, conversations, forms
from handlers.campaign import meeting_form, phase_form, selfcheck_form, sheet_form
from handlers.typed_choice import TypedStep

FORMS = {
    "meeting_form": meeting_form,
    "phase_form": phase_form,
    "sheet_form": sheet_form,
    "selfcheck_form": selfcheck_form,
}


@pytest.mark.parametrize("name", sorted(FORMS))
def test_a_form_is_its_declared_states_with_a_confirm_guarded_like_its_start(name):
    [built] = FORMS[name].handlers()
    assert isinstance(built, ConversationHandler) and built.name == name
    assert set(built.states) - {ConversationHandler.TIMEOUT} == set(conversations.states(name))
    [entry] = built.entry_points
    start_roles = entry.callback.allowed_roles
    assert isinstance(entry, CommandHandler) and start_roles
    confirming = [h for h in built.states[forms.CONFIRM] if isinstance(h, CallbackQueryHandler)]
    assert len(confirming) == 2  # 确认 and 取消
    for handler in confirming + [h for h in built.fallbacks if isinstance(h, CommandHandler)]:
        assert handler.callback.allowed_roles == start_roles, handler.callback.__qualname__
        assert f"{handler.callback.__module__}.{handler.callback.__qualname__}" in access.DECLARED
    # every step with buttons takes their labels typed (typed_choice.conversation built it)
    for state, step in built.states.items():
        if any(isinstance(h, CallbackQueryHandler) for h in step) and state != ConversationHandler.TIMEOUT:
            assert isinstance(step[0], TypedStep), state


def test_a_form_whose_steps_do_not_match_its_declared_states_is_refused():
    with pytest.raises(ValueError):
        forms.form(
            "phase_form",
            "phase",
            phase_form.start,
            [forms.Step(None, phase_form.name_given)],
            confirm=phase_form.PHASE_FORM_CONFIRM,
            cancel=phase_form.PHASE_FORM_CANCEL,
            needed="ends",
            finish=phase_form._announce,
        )
