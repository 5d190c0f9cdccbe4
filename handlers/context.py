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
from storage import evaluations, people, public_box, surveys
from storage.people import Person

__all__ = ["CONTEXT_TYPES", "RectifyContext", "Services"]


class RectifyContext(CallbackContext[ExtBot, dict, dict, dict]):
    def __init__(
        self, application: Application, chat_id: int | None = None, user_id: int | None = None
    ) -> None:
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
            context._rate_with_slip(update)
        return context

    def _rate_with_slip(self, update: Update) -> None:
        """A rating slip (评议票) is rated where it was issued, whoever holds it: a delegate
        invited to the body's 述职评议 may be a stranger or belong to an institution. The slip's
        link and then the rating's buttons are handled in the view of the slip's unit."""
        user = update.effective_user
        if user is None or institutions.units_of(institutions.root(self._application)) is None:
            return
        text = update.message.text if update.message and update.message.text else ""
        words = text.split()
        if len(words) == 2 and words[0] == "/start" and evaluations.slip_code(words[1]):
            view = institutions.view_with_slip(self._application, evaluations.slip_code(words[1]))
            elsewhere = view is not None and view is not self._application
            institutions.rating_with_slip(self._application, user.id, view if elsewhere else None)
            if elsewhere:
                self.enter(view)
            return
        view = institutions.slip_rater_view(self._application, user.id)
        if view is None:  # not rating with a slip: nothing to route (and nothing to look up)
            return
        query = update.callback_query
        data = str(query.data or "") if query is not None else _typed_tap(update)
        if not data.startswith(RATING_PREFIX):
            return
        rating = held.of(view).evaluation_ratings.get(user.id)
        if getattr(rating, "slip", None) is None:  # rated and submitted, or never started there
            institutions.rating_with_slip(self._application, user.id, None)
        elif view is not self._application:
            self.enter(view)

    def _visit_by_poster(self, update: Update) -> None:
        """Someone not on this institution's roster who opens another institution's lobby
        poster link, or its questionnaire's public link, is that institution's guest: this
        update and their next ones go there."""
        text = update.message.text if update.message and update.message.text else ""
        words = text.split()
        if len(words) != 2 or words[0] != "/start":
            return
        if public_box.looks_like_public_code(words[1]):
            find = institutions.view_with_public_box
        elif words[1].startswith(surveys.PUBLIC_PREFIX):  # a questionnaire's public link, likewise
            find = institutions.view_with_public_survey
        else:
            return
        if self.person(update) is not None:
            return  # staff keep their own institution
        view = find(self._application, words[1])
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


def _typed_tap(update: Update) -> str:
    """The data of the newest keyboard's button that typed text names (a grade typed rather than
    tapped: handlers/typed_choice.py answers it as the tap), or ''."""
    from handlers import typed_choice  # it reads the bot's keyboards; imported late (it imports access)

    if update.message is None or not update.message.text or update.message.text.startswith("/"):
        return ""
    try:
        bot = update.get_bot()
    except RuntimeError:  # an update built without its bot (a test's, say): no keyboard to read
        return ""
    newest = typed_choice.offered(bot, update.message.chat_id)[:1]
    found = [
        tap.callback_query.data
        for tap in typed_choice.taps(update)
        if newest and tap.callback_query.message.message_id == newest[0].message_id
    ]
    return str(found[0] or "") if found else ""


RATING_PREFIX = "ev:"  # the rating's buttons (callbacks.py: EVALUATION_GRADE and its family)
CONTEXT_TYPES = ContextTypes(context=RectifyContext)
