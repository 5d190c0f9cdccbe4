"""python-telegram-bot's persistence, kept in the bot's own SQLite database, so conversation
states and user data survive a restart. Bot data and callback data are not persisted: the
services in bot_data are rebuilt at start.

The framework hands over what changed once a second (UPDATE_INTERVAL), one call per
conversation state and per person's data. They are gathered and written together, in one
transaction, right after (one commit instead of one per update: each commit waits for its
fsync on the event loop), and a state or dictionary the database already holds is not written
again (a person's empty user data was deleted on every update)."""

from __future__ import annotations

import asyncio
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
            store_data=PersistenceInput(bot_data=False, chat_data=True, user_data=True, callback_data=False),
            update_interval=UPDATE_INTERVAL,
        )
        self.db = db
        # what the database holds (as written), and what is still to be written
        self._held: dict[tuple[str, ...], str] = {}  # (table, key...) -> JSON
        self._conversations: dict[tuple[str, str], str | None] = {}
        self._data: dict[tuple[str, str], str | None] = {}
        self._writing_soon = False

    async def get_user_data(self) -> dict[int, dict]:
        return {int(k): v for k, v in self._loaded(USER).items()}

    async def get_chat_data(self) -> dict[int, dict]:
        return {int(k): v for k, v in self._loaded(CHAT).items()}

    def _loaded(self, kind: str) -> dict[str, object]:
        found = bot_state.load(self.db, kind)
        for ident, data in found.items():
            key, value = bot_state.data_change(kind, ident, data)
            self._held[("data", *key)] = value
        return found

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
                row, value = bot_state.conversation_change(name, key, state)
                self._held[("conversation", *row)] = value
            else:
                self._reset(name, key)
        return found

    def _reset(self, name: str, key: tuple) -> None:
        log.info("conversation %s: a saved state it no longer has was ended", name)
        bot_state.save_conversation(self.db, name, key, None)
        person = people.by_telegram_user(self.db, key[-1]) if key and isinstance(key[-1], int) else None
        if person is not None:
            outbox.queue(
                self.db,
                person.id,
                say(person.language or "zh-CN", "conversation.reset"),
                dedup_key=f"conversation-reset:{name}:{person.id}",
            )

    async def update_conversation(self, name: str, key: tuple, new_state: object) -> None:
        change = bot_state.conversation_change(name, key, new_state)
        self._change(self._conversations, "conversation", *change)

    async def update_user_data(self, user_id: int, data: dict) -> None:
        self._change(self._data, "data", *bot_state.data_change(USER, user_id, data))

    async def update_chat_data(self, chat_id: int, data: dict) -> None:
        self._change(self._data, "data", *bot_state.data_change(CHAT, chat_id, data))

    def _change(self, pending: dict, table: str, key: tuple[str, str], value: str | None) -> None:
        if self._held.get((table, *key)) == value:  # the database holds it already (None: no row)
            pending.pop(key, None)
            return
        pending[key] = value
        if not self._writing_soon:  # after the framework's other calls of this round
            self._writing_soon = True
            asyncio.get_running_loop().call_soon(self._write)

    def _write(self) -> None:
        self._writing_soon = False
        conversations, data = self._conversations, self._data
        if not conversations and not data:
            return
        self._conversations, self._data = {}, {}
        try:
            bot_state.write_changes(self.db, conversations, data)
        except Exception:
            log.exception("conversation states not written; tried again with the next change")
            for pending, written in ((self._conversations, conversations), (self._data, data)):
                for key, value in written.items():
                    pending.setdefault(key, value)
            return
        for table, written in (("conversation", conversations), ("data", data)):
            for key, value in written.items():
                if value is None:
                    self._held.pop((table, *key), None)
                else:
                    self._held[(table, *key)] = value

    async def update_bot_data(self, data: dict) -> None:
        pass

    async def update_callback_data(self, data) -> None:
        pass

    async def drop_user_data(self, user_id: int) -> None:
        self._change(self._data, "data", *bot_state.data_change(USER, user_id, None))

    async def drop_chat_data(self, chat_id: int) -> None:
        self._change(self._data, "data", *bot_state.data_change(CHAT, chat_id, None))

    async def refresh_user_data(self, user_id: int, user_data: dict) -> None:
        pass

    async def refresh_chat_data(self, chat_id: int, chat_data: dict) -> None:
        pass

    async def refresh_bot_data(self, bot_data: dict) -> None:
        pass

    async def flush(self) -> None:
        self._write()
