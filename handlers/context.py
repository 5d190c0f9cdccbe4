"""What every callback gets besides the update: the bot's services, typed, and the person the
update is from, looked up once per update (python-telegram-bot builds one context per update and
hands it to every handler that takes the update; the access guard, the language of the reply
and the handler itself each asked the database for the same person before)."""

from __future__ import annotations

import dataclasses

from telegram import Update
from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot

import callbacks
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
        elif view is not self._application and self._slips_button(user.id, rating, data):
            self.enter(view)

    def _slips_button(self, user_id: int, rating, data: str) -> bool:
        """Whether a rating button is the slip's: a sheet's ids are its database's own, and a
        slip left half rated must not take the buttons of the holder's own institution's sheet
        (开始评议 never is a slip's: a slip starts from its link)."""
        try:
            button, values = RATING_BUTTONS.parse(data)
        except callbacks.StaleButton:
            return False
        if button is callbacks.EVALUATION_START or values[0] != rating.sheet_id:
            return False
        own = held.of(self._application).evaluation_ratings.get(user_id)
        return own is None or own.sheet_id != rating.sheet_id or own.slip is not None

    def _visit_by_poster(self, update: Update) -> None:
        """Someone not on this institution's roster who opens another institution's lobby
        poster link, or its public questionnaire's, is that institution's guest: this update
        and their next ones go there (a questionnaire's answers are typed and tapped after)."""
        text = update.message.text if update.message and update.message.text else ""
        words = text.split()
        if len(words) != 2 or words[0] != "/start":
            return
        poster = public_box.looks_like_public_code(words[1])
        if not poster and not surveys.looks_like_public_code(words[1]):
            return
        if self.person(update) is not None:
            return  # staff keep their own institution's box
        view = (
            institutions.view_with_public_box(self._application, words[1])
            if poster
            else institutions.view_with_public_survey(self._application, words[1])
        )
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
            self._person = in_view(self._application, people.by_telegram_user(self.services.db, user.id))
        return self._person

    def forget_person(self) -> None:
        """After a change to the person (their language, say) the next look is fresh."""
        self._person = None


def in_view(view, person: Person | None) -> Person | None:
    """The person as this view lets them act: the body's roles (督导组, 委领导: every
    institution side by side) count in the body's database only. An institution's roster that
    names them (written before its import refused them, or by hand) opens nothing of another's."""
    if person is None or not person.has_any(people.BODY_ROLES):
        return person
    unit = institutions.institution_of(view)
    if unit is None or unit.is_body:  # a deployment of one, or the body itself
        return person
    return dataclasses.replace(person, roles=person.roles - set(people.BODY_ROLES))


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
RATING_BUTTONS = callbacks.family("ev")
CONTEXT_TYPES = ContextTypes(context=RectifyContext)
