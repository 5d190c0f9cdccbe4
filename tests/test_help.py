"""/help is generated from the registered commands and the person's roles, so it cannot drift:
every command a handler answers is in the menu's list, and each person sees what they may use."""

from __future__ import annotations

from conftest import join
from telegram.ext import CommandHandler, ConversationHandler

from handlers import menu


def registered_commands(app) -> set[str]:
    found: set[str] = set()

    def walk(handler) -> None:
        if isinstance(handler, CommandHandler):
            found.update(handler.commands)
        elif isinstance(handler, ConversationHandler):
            for inner in [
                *handler.entry_points,
                *handler.fallbacks,
                *(h for hs in handler.states.values() for h in hs),
            ]:
                walk(inner)

    for group in app.handlers.values():
        for handler in group:
            walk(handler)
    return found


async def test_every_registered_command_is_listed(running_bot):
    listed = {command for command, _, _ in menu.ENTRIES} | set(menu.ALWAYS) | {"start"}
    assert registered_commands(running_bot.app) == listed


async def test_help_lists_what_each_role_may_use(running_bot, client, invited):
    staff = await join(client, invited, 101, "张伟")
    leader = await join(client, invited, 102, "李娜")
    office = await join(client, invited, 103, "王芳")
    head = await join(client, invited, 104, "刘洋")
    helps = {
        name: (await person.send("/help"))[-1].text
        for name, person in (("staff", staff), ("leader", leader), ("office", office), ("head", head))
    }
    for command in ("/export", "/selfcheck", "/selfchecks", "/meeting", "/phase", "/lookback", "/report"):
        assert command in helps["office"], command
    for command in ("/mychecks", "/meetings", "/opinion", "/history"):
        assert all(command in text for text in helps.values()), command
    assert "/roster" not in helps["staff"] and "/tasks" not in helps["leader"] and "/tasks" in helps["head"]
    assert helps["office"].count("/digest") == 1  # each command once, under the first role with it
    assert "<b>活动办</b>" in helps["office"] and "<b>活动办</b>" not in helps["leader"]
