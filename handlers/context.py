"""What every callback gets besides the update: the bot's services, typed, and the person the
update is from, looked up once per update (python-telegram-bot builds one context per update and
hands it to every handler that takes the update; the access guard, the language of the reply
and the handler itself each asked the database for the same person before)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot

import services as held
from jobs import institutions
from services import Services
from storage import people, public_box
from storage.people import Person

__all__ = ["CONTEXT_TYPES", "RectifyContext", "Services"]


class RectifyContext(CallbackContext[ExtBot, dict, dict, dict]):
    def __init__(self, application: Application, chat_id: int | None = None,
                 user_id: int | None = None) -> None:
        super().__init__(application, chat_id, user_id)
        self._person: Person | None = None
        # 督导: the update is handled in the view of the institution its sender belongs to,
        # whose Services hold that institution's database (jobs/institutions.py)
        self._application = institutions.view_for_user(application, user_id)

    @classmethod
    def from_update(cls, update: object, application: Application) -> RectifyContext:
        context = super().from_update(update, application)
        if isinstance(update, Update):
            context._visit_by_poster(update)
        return context

    def _visit_by_poster(self, update: Update) -> None:
        """Someone not on this institution's roster who opens another institution's lobby
        poster link is that institution's guest: this update and their next ones go there."""
        text = update.message.text if update.message and update.message.text else ""
        words = text.split()
        if len(words) != 2 or words[0] != "/start" or not public_box.looks_like_public_code(words[1]):
            return
        if self.person(update) is not None:
            return  # staff keep their own institution's box
        view = institutions.view_with_public_box(self._application, words[1])
        if view is not None and view is not self._application:
            institutions.visiting(self._application, update.effective_user.id, view)
            self.enter(view)

    def enter(self, view) -> None:
        """Handle the rest of this update in another institution's view (someone joining with
        an invitation of an institution they did not belong to before)."""
        self._application = view
        self._person = None

    @property
    def services(self) -> Services:
        return held.of(self.application)

    def person(self, update: Update) -> Person | None:
        """The person on the roster this update is from; found once, then remembered for the
        update (someone not found is looked up again: they may join in this very update)."""
        user = update.effective_user
        if self._person is None and user is not None:
            self._person = people.by_telegram_user(self.services.db, user.id)
        return self._person

    def forget_person(self) -> None:
        """After a change to the person (their language, say) the next look is fresh."""
        self._person = None


CONTEXT_TYPES = ContextTypes(context=RectifyContext)
