"""The access matrix, generated from the handlers themselves: every command, every menu button
and every inline button × every role and a stranger. Allowed exactly where the handler's
declared roles (and the menu, which follows DOMAIN.md's roles) say; refused politely elsewhere;
no handler fails. A new handler is in the matrix without anyone adding it here.

Fast tier: the real bot driven with process_update over the in-process fake Bot API
(tests/fast.py)."""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import date

import pytest
from conftest import ROSTER_CSV, dump, join

import callbacks
from handlers import access, menu
from storage import invitations, people, problems, public_box, roster
from storage.people import HEAD, LEADER, OFFICE, STAFF
from texts import say

ROLE_PEOPLE = {STAFF: (101, "张伟"), LEADER: (102, "李娜"), OFFICE: (103, "王芳"), HEAD: (104, "刘洋")}
STRANGER = (666, "陌生人")


def _flatten(handlers, in_step: bool = False):
    """(handler, whether it only answers inside a conversation step) for every handler."""
    for handler in handlers:
        nested = getattr(handler, "entry_points", None)
        if nested is not None:
            yield from _flatten(nested, in_step)
            for state_handlers in handler.states.values():
                yield from _flatten(state_handlers, True)
            yield from _flatten(handler.fallbacks, True)
        else:
            yield handler, in_step


def declared(app) -> list[tuple[str, str, frozenset[str], bool]]:
    """(kind, what to send, roles, only inside a conversation step) for every guarded handler."""
    found = []
    for handler, in_step in _flatten(app.handlers[0]):
        roles = getattr(handler.callback, "allowed_roles", None)
        if roles is None:
            continue
        if type(handler).__name__ == "CommandHandler":
            found += [("command", f"/{c}", roles, in_step) for c in sorted(handler.commands)]
        elif type(handler).__name__ == "CallbackQueryHandler" and handler.pattern is not None:
            if hasattr(handler.pattern, "buttons"):  # the registry's buttons
                found += [("button", b.sample(), roles, in_step) for b in handler.pattern.buttons]
            else:
                found.append(("button", _sample(handler.pattern.pattern), roles, in_step))
    # a handler that also starts a flow somewhere is checked as a starting point
    starts = {(kind, what) for kind, what, _, in_step in found if not in_step}
    return sorted({entry for entry in found if not entry[3] or entry[:2] not in starts})


def _sample(pattern: str) -> str:
    """Callback data that the pattern accepts, with 1 for every number."""
    data = pattern.strip("^$").replace(r"\d+", "1").replace(r"\w+", "x").replace(".*", "")
    data = re.sub(r"\((?:\?:)?([^|)]*)(?:\|[^)]*)?\)", r"\1", data)  # (a|b) → a
    data = data.replace("\\", "")
    if not re.match(pattern, data):
        data += "1"
    assert re.match(pattern, data), (pattern, data)
    return data


def test_every_guarded_handler_is_in_the_registry(fast_bot):
    flat = list(_flatten(fast_bot.app.handlers[0]))
    handlers = [h for h, _ in flat]
    unguarded = [
        h.callback.__qualname__
        for h, in_step in flat
        if getattr(h.callback, "allowed_roles", None) is None
        and h.callback.__module__.startswith("handlers.")
        and not h.callback.__module__.endswith("fallbacks")
        and not (in_step and getattr(h.callback, "within_step", False))
    ]
    assert unguarded == []
    assert {
        f"{h.callback.__module__}.{h.callback.__qualname__}"
        for h in handlers
        if hasattr(h.callback, "allowed_roles")
    } <= set(access.DECLARED)


def test_menu_commands_are_guarded_for_the_roles_that_see_them(fast_bot):
    """The menu (what each role is shown, after DOMAIN.md) and the guards agree."""
    guards = {
        text[1:]: roles
        for kind, text, roles, in_step in declared(fast_bot.app)
        if kind == "command" and not in_step
    }
    for command, _, roles in menu.ENTRIES:
        assert guards[command] == roles, command


@pytest.fixture
async def everyone(fast_bot, fast_client, db):
    roster.apply(db, roster.parse(ROSTER_CSV.encode()), None)
    codes = {
        i.person.name: i.code
        for i in invitations.issue(db, [p.id for p in invitations.unbound(db)], ttl_days=14)
    }
    people = {role: await join(fast_client, codes, uid, name) for role, (uid, name) in ROLE_PEOPLE.items()}
    # The institution has a public box (the lobby poster): the stranger is a guest, who may reach
    # the opinion and receipt flows and nothing else (without a box, not even those:
    # tests/test_public_box.py).
    public_box.ensure(db, date(2026, 1, 5))
    people["stranger"] = await fast_client.user(*STRANGER)
    await people["stranger"].send("/help")
    return people


def _refusal(text: str) -> bool:
    return text.startswith(say("zh-CN", "access.forbidden", roles="").split("{")[0][:8]) or text in (
        say("zh-CN", "access.not_registered"),
        say("zh-CN", "public.guest_only"),
    )


def _allowed(role: str, roles: frozenset[str]) -> bool:
    if not roles:
        return True
    if role == "stranger":  # a guest of the public box, or someone with a questionnaire's public link
        return access.GUEST in roles or access.RESPONDENT in roles
    return role in roles or role in (HEAD, LEADER, OFFICE) and STAFF in roles


async def _answer(person, kind: str, what: str) -> str:
    if kind == "command":
        replies = await person.send(what, timeout=5)
        await person.send("/cancel")  # leave any conversation the command started
        return replies[0].text or replies[0].caption or ""
    message_id = person.inbox[-1].message_id if person.inbox else 1
    new = await person.press_data(message_id, what)
    answer = await person.callback_answer() or {}
    return answer.get("text") or (new[-1].text or "" if new else "")


async def test_every_command_and_button_for_every_role(fast_bot, everyone, caplog):
    caplog.set_level(logging.ERROR)
    matrix = declared(fast_bot.app)
    assert len(matrix) > 60  # commands and buttons, from the handlers themselves
    wrong = []
    # what a step's button says outside its conversation: the button is stale, or the draft it
    # belonged to is gone (drafts live in memory only)
    outside = {
        say("zh-CN", key)
        for key in (
            "stale_button",
            "restart.lost",
            "opinion.draft_lost",
            "receipt.expired",
            "selfcheck.lost",
            "evaluation.lost",
        )
    }
    for kind, what, roles, in_step in matrix:
        answers = await asyncio.gather(*(_answer(person, kind, what) for person in everyone.values()))
        for role, text in zip(everyone, answers, strict=True):
            if in_step:  # a step's button or command pressed outside its conversation: nobody gets in
                if kind == "button" and text not in outside and not _refusal(text):
                    wrong.append((what, role, text[:40]))
            elif _refusal(text) == _allowed(role, roles):
                wrong.append((what, role, text[:40]))
    assert wrong == [], "\n".join(map(str, wrong))
    assert [r.getMessage() for r in caplog.records if "handler failed" in r.getMessage()] == []


def _forged(button: callbacks.Button) -> list[str]:
    """Data a modified client could send in place of this button's: ids out of range, an unknown
    action under the same prefix, garbage after a valid payload."""
    sample = button.sample()
    numbers = [i for i, f in enumerate(button.fields) if "[0-9]" in f.pattern]
    values = sample.split(":")[len(button.prefix.split(":")) :]
    out_of_range = [":".join([button.prefix, *values[:i], "9" * 25, *values[i + 1 :]]) for i in numbers]
    return [*out_of_range, sample + ":1", sample + "'--", f"{button.prefix}zz:1", sample + "\u200b"]


# What may change when people press buttons on nobody's behalf: their own settings and
# conversation state; never the objects of the campaign.
OBJECTS = (
    "problems",
    "problem_reports",
    "problem_milestones",
    "opinions",
    "opinion_messages",
    "opinion_subscriptions",
    "lookbacks",
    "lookback_ballots",
    "lookback_voters",
    "evaluation_sheets",
    "evaluation_ballots",
    "evaluation_voters",
    "self_checks",
    "self_check_problems",
    "invitations",
    "departments",
)


async def test_forged_buttons_for_every_role_answer_politely_and_change_nothing(
    running_bot, everyone, db, caplog
):
    caplog.set_level(logging.ERROR)
    stale = say("zh-CN", "stale_button")
    before = dump(db, *OBJECTS)
    wrong = []
    for button in callbacks.REGISTRY.values():
        for data in _forged(button):
            answers = await asyncio.gather(*(_answer(p, "button", data) for p in everyone.values()))
            wrong += [
                (data, role, text[:40]) for role, text in zip(everyone, answers, strict=True) if text != stale
            ]
    assert wrong == [], "\n".join(map(str, wrong))
    assert dump(db, *OBJECTS) == before
    assert [r.getMessage() for r in caplog.records] == []


async def test_buttons_on_other_peoples_objects_change_nothing(running_bot, everyone, db, caplog):
    """Every registered button, pressed with the real id of a problem another leader holds (and
    1 for every other id): refused or harmless for everyone but the office, who runs the list."""
    caplog.set_level(logging.ERROR)
    roster.apply(db, roster.parse((ROSTER_CSV + "赵强,党办,班子成员\n").encode()), None)
    other = next(p for p in people.everyone(db) if p.name == "赵强")
    problem_id = problems.create(db, "职工食堂膳食单一", None)
    problems.act(db, problem_id, "claim", other, actor_id=other.id)
    before = dump(db, *OBJECTS)
    presses = [
        b.data(*(problem_id if "[0-9]" in f.pattern else b.sample().split(":")[-1] for f in b.fields))
        if len(b.fields) == 1
        else b.sample()
        for b in callbacks.REGISTRY.values()
    ]
    for data in presses:
        await asyncio.gather(*(_answer(p, "button", data) for role, p in everyone.items() if role != OFFICE))
    assert dump(db, *OBJECTS) == before
    assert [r.getMessage() for r in caplog.records] == []
