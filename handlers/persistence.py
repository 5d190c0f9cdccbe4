"""python-telegram-bot's persistence, kept in the bot's own SQLite database, so conversation
states and user data survive a restart. Bot data and callback data are not persisted: the
services in bot_data are rebuilt at start."""

from __future__ import annotations

import logging

import sqlite_utils
from telegram.ext import BasePersistence, PersistenceInput

from handlers import conversations
from storage import bot_state, outbox, people
from storage.bot_state import CHAT, USER
from texts import say

log = logging.getLogger(__name__)

# Seconds between writes of changed state; a kill loses at most this much conversation progress.
UPDATE_INTERVAL = 1


class SQLitePersistence(BasePersistence):
    def __init__(self, db: sqlite_utils.Database) -> None:
        super().__init__(
            store_data=PersistenceInput(bot_data=False, chat_data=True, user_data=True,
                                        callback_data=False),
            update_interval=UPDATE_INTERVAL,
        )
        self.db = db

    async def get_user_data(self) -> dict[int, dict]:
        return {int(k): v for k, v in bot_state.load(self.db, USER).items()}

    async def get_chat_data(self) -> dict[int, dict]:
        return {int(k): v for k, v in bot_state.load(self.db, CHAT).items()}

    async def get_bot_data(self) -> dict:
        return {}

    async def get_callback_data(self) -> None:
        return None

    async def get_conversations(self, name: str) -> dict:
        """The saved states of a conversation; a state it no longer has (renamed or removed by
        a deploy) ends that person's conversation, and they are told, rather than leaving them
        at a step that means something else now."""
        known = set(conversations.CONVERSATIONS.get(name, ()))
        found = {}
        for key, state in bot_state.load_conversations(self.db, name).items():
            if state in known:
                found[key] = state
            else:
                self._reset(name, key)
        return found

    def _reset(self, name: str, key: tuple) -> None:
        log.info("conversation %s: a saved state it no longer has was ended", name)
        bot_state.save_conversation(self.db, name, key, None)
        person = people.by_telegram_user(self.db, key[-1]) if key and isinstance(key[-1], int) else None
        if person is not None:
            outbox.queue(self.db, person.id, say(person.language or "zh-CN", "conversation.reset"),
                         dedup_key=f"conversation-reset:{name}:{person.id}")

    async def update_conversation(self, name: str, key: tuple, new_state: object) -> None:
        bot_state.save_conversation(self.db, name, key, new_state)

    async def update_user_data(self, user_id: int, data: dict) -> None:
        bot_state.save(self.db, USER, user_id, data)

    async def update_chat_data(self, chat_id: int, data: dict) -> None:
        bot_state.save(self.db, CHAT, chat_id, data)

    async def update_bot_data(self, data: dict) -> None:
        pass

    async def update_callback_data(self, data) -> None:
        pass

    async def drop_user_data(self, user_id: int) -> None:
        with self.db.atomic():
            bot_state.drop(self.db, USER, user_id)

    async def drop_chat_data(self, chat_id: int) -> None:
        with self.db.atomic():
            bot_state.drop(self.db, CHAT, chat_id)

    async def refresh_user_data(self, user_id: int, user_data: dict) -> None:
        pass

    async def refresh_chat_data(self, chat_id: int, chat_data: dict) -> None:
        pass

    async def refresh_bot_data(self, bot_data: dict) -> None:
        pass

    async def flush(self) -> None:
        pass
