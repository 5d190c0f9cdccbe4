"""Each update's person is looked up once (handlers/context.py's RectifyContext), however many
guards, replies and handlers ask; the services are one typed object; HTML is the default."""

from __future__ import annotations

from conftest import join

from handlers.context import RectifyContext, Services
from storage import people


async def test_the_person_is_looked_up_once_per_update(fast_bot, fast_client, invited, monkeypatch):
    leader = await join(fast_client, invited, 102, "李娜")
    looked_up = []
    original = people.by_telegram_user

    def counting(db, telegram_user_id):
        looked_up.append(telegram_user_id)
        return original(db, telegram_user_id)

    monkeypatch.setattr(people, "by_telegram_user", counting)
    replies = await leader.send("/mine")  # the guard, the language, the handler's own person_of
    assert replies and looked_up == [102]
    looked_up.clear()
    await leader.send("/language")
    await leader.press("English")  # changes the person: what follows is in the new language
    assert leader.inbox[-1].text.startswith("Welcome back, 李娜")


async def test_services_are_typed_and_html_is_the_default(fast_bot):
    services = fast_bot.app.bot_data["services"]
    assert isinstance(services, Services) and services.db is fast_bot.app.bot_data["db"]
    assert fast_bot.app.context_types.context is RectifyContext
    assert fast_bot.app.bot.defaults.parse_mode == "HTML"
