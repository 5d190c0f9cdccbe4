"""python-telegram-bot's persistence, kept in the bot's own SQLite database, so conversation
states and user data survive a restart. Bot data and callback data are not persisted: the
services in bot_data are rebuilt at start."""

from __future__ import annotations

import sqlite_utils
from telegram.ext import BasePersistence, PersistenceInput

from storage import bot_state
from storage.bot_state import CHAT, USER

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
        return bot_state.load_conversations(self.db, name)

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
