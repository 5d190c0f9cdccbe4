"""Every institution of a supervised deployment (督导) at run time: one view of the application
per institution, whose Services (services.py: the database, the settings naming the
institution, the mixing pool, the hotspot index, what its handlers hold in memory) are that
institution's own.

Handlers and jobs read `services.of(app)` (handlers through access.services); a view lets them
run unchanged for any institution. An update is handled in the view of the institution its sender belongs to
(handlers/context.py picks it), and each job passes over every institution's view in turn
(`each(app)`). In a deployment with one institution the only view is the application itself.

What is shared between institutions in memory is only what is keyed by a Telegram account (a
person belongs to one institution) or belongs to the bot as a whole (its pacing, its stop):
services.Shared, one object that every institution's Services refers to; of bot_data itself,
only the keys SHARED lists."""

from __future__ import annotations

import dataclasses
import logging
from collections import OrderedDict
from collections.abc import Iterator, MutableMapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from telegram.ext import Application

import services as held
from services import Services
from storage import anonymous_pool, backups, evaluations, invitations, names, public_box, surveys
from storage import institutions as directory
from storage.clock import clock
from storage.db import open_database
from storage.institutions import Institution

log = logging.getLogger(__name__)

UNITS = "institution_views"  # bot_data of the application: the Units
SHARED = frozenset({"vitals", UNITS})  # health/vitals.py's counters; the views themselves


class UnitData(MutableMapping):
    """An institution's bot_data: its own keys, and the application's SHARED ones."""

    def __init__(self, shared: dict, own: dict) -> None:
        self._shared, self._own = shared, own

    def _map(self, key) -> dict:
        return self._shared if key in SHARED else self._own

    def __getitem__(self, key):
        return self._map(key)[key]

    def __setitem__(self, key, value) -> None:
        self._map(key)[key] = value

    def __delitem__(self, key) -> None:
        del self._map(key)[key]

    def __iter__(self) -> Iterator:
        yield from self._own
        yield from (k for k in self._shared if k in SHARED)

    def __len__(self) -> int:
        return len(self._own) + sum(1 for k in self._shared if k in SHARED)


class UnitView:
    """The application as one institution sees it: everything is the application's, except
    bot_data."""

    def __init__(self, app: Application, institution: Institution, data: UnitData) -> None:
        self._app, self.institution, self.bot_data = app, institution, data

    def __getattr__(self, name: str):
        return getattr(self._app, name)

    # No `application` attribute: jobs/notices.py reads `getattr(target, "application", target)`
    # to tell a context from an application, and a view must stay the view there.


class GuestPlaces:
    """Where each guest came in (Telegram account -> institution id), in memory only, and
    bounded: a guest is forgotten a day after their last update (they scan the poster again),
    and past `cap` guests the one heard from longest ago goes first, with one log line when the
    cap is first reached. Without a bound, every stranger who ever scanned a poster would stay
    in memory until the bot restarts."""

    FORGET_AFTER = timedelta(days=1)
    CAP = 50_000

    def __init__(self, cap: int = CAP, forget_after: timedelta = FORGET_AFTER) -> None:
        self.cap, self.forget_after = cap, forget_after
        self._places: OrderedDict[int, tuple[int, datetime]] = OrderedDict()  # oldest update first
        self._cap_logged = False

    def _expire(self, now: datetime) -> None:
        while self._places:
            user_id, (_, seen) = next(iter(self._places.items()))
            if now - seen < self.forget_after:
                return
            del self._places[user_id]

    def get(self, user_id: int | None, default: int | None = None) -> int | None:
        """The guest's institution; hearing from them again keeps them another day."""
        now = clock.now()
        self._expire(now)
        found = self._places.get(user_id) if user_id is not None else None
        if user_id is None or found is None:
            return default
        self._places[user_id] = (found[0], now)
        self._places.move_to_end(user_id)
        return found[0]

    def __setitem__(self, user_id: int, institution_id: int) -> None:
        now = clock.now()
        self._expire(now)
        self._places[user_id] = (institution_id, now)
        self._places.move_to_end(user_id)
        while len(self._places) > self.cap:
            self._places.popitem(last=False)
            if not self._cap_logged:
                self._cap_logged = True
                log.warning(
                    "guests: %d remembered, the cap; the longest silent are forgotten first "
                    "(they scan the poster again)",
                    self.cap,
                )

    def __contains__(self, user_id: object) -> bool:
        return self.get(user_id) is not None  # type: ignore[arg-type]

    def __len__(self) -> int:
        self._expire(clock.now())
        return len(self._places)


@dataclasses.dataclass
class Units:
    """The institutions the bot knows, and who belongs where."""

    main: Institution | None  # the main database's unit; None in a deployment with one institution
    views: dict[int, Any]  # institution id -> its view (the main one: the application itself)
    by_name: dict[str, int]
    members: dict[int, int]  # Telegram account -> institution id (not listed: the main unit)
    # guests who came through an institution's poster, so that their next updates are handled
    # there too; in memory only (nothing on disk places a guest), and bounded (GuestPlaces)
    guests: GuestPlaces = dataclasses.field(default_factory=GuestPlaces)
    # delegates rating another unit's sheet with a slip (评议票: the body's 述职评议 rated by 人大代表
    # or an institution's 服务对象代表), so that the rating's buttons are handled where the slip
    # is; in memory only, like the rating itself
    slip_raters: dict[int, int] = dataclasses.field(default_factory=dict)


def unit_settings(settings, institution: Institution):
    """The settings as one institution's: its name, its database file, its own backup folder
    (several institutions' backups in one folder would be told apart only by their time)."""
    main = Path(settings.database_path)
    if institution.is_main:
        return dataclasses.replace(settings, institution=institution.name)
    folder = backups.folder_for(main, settings.backup_dir) / directory.FOLDER / institution.public_code
    return dataclasses.replace(
        settings, institution=institution.name, database_path=institution.file(main), backup_dir=folder
    )


def _view(app: Application, institution: Institution) -> UnitView:
    settings = unit_settings(held.of(app).settings, institution)
    db = open_database(settings.database_path, settings.backup_dir)
    main = held.of(app)  # the institution's own services, sharing the deployment's part
    services = Services(db, settings, main.shared, anonymous_pool.attach(db, settings.anonymity_set))
    # its Services, and the same under their old names for the tests and the sandbox
    own = {
        held.KEY: services,
        "db": db,
        "settings": settings,
        "keys": services.keys,
        "anonymous_pool": services.anonymous_pool,
    }
    return UnitView(app, institution, UnitData(app.bot_data, own))


def attach(app: Application) -> Units:
    """Read the directory and open every institution's database (each brought up to date by
    its migrations, after a backup, as the main one is)."""
    home = held.of(app).db
    known: Units | None = app.bot_data.get(UNITS)
    views: dict[int, Any] = dict(known.views) if known else {}
    main = None
    listed = directory.listed(home)
    for institution in listed:
        if institution.is_main:
            main = institution
            views[institution.id] = app
        elif institution.id not in views:
            views[institution.id] = _view(app, institution)
    units = Units(
        main,
        views,
        {i.name: i.id for i in listed},
        directory.members(home),
        known.guests if known else GuestPlaces(),  # a unit added since: guests stay placed
        known.slip_raters if known else {},
    )
    app.bot_data[UNITS] = units
    if len(views) > 1:
        log.info("supervised deployment: %d institutions", len(views))
    return units


def root(app) -> Application:
    """The application behind a view (the application itself when given one)."""
    return app._app if isinstance(app, UnitView) else app


def units_of(app) -> Units | None:
    return app.bot_data.get(UNITS)


def each(app) -> list:
    """The application as every institution sees it, the main one first: what a job passes over."""
    app = root(app)
    units = units_of(app)
    if units is None or not units.views:
        return [app]
    views = list(units.views.values())
    if app not in views:
        views.insert(0, app)
    return sorted(views, key=lambda v: v is not app)


def view_for_user(app, telegram_user_id: int | None):
    """The view in which this account's updates are handled."""
    units = units_of(app)
    if units is None or telegram_user_id is None:
        return app
    institution_id = units.members.get(telegram_user_id, units.guests.get(telegram_user_id))
    return units.views.get(institution_id, app) if institution_id is not None else app


def view_with_public_box(app, code: str):
    """The view whose institution's lobby poster carries this code, or None."""
    for view in each(app):
        box = public_box.get(held.of(view).db)
        if box is not None and box.code == code:
            return view
    return None


def view_with_public_survey(app, code: str):
    """The view whose institution has a questionnaire with this public link, or None."""
    for view in each(app):
        if surveys.by_public_code(held.of(view).db, code) is not None:
            return view
    return None


def visiting(app, telegram_user_id: int, view) -> None:
    """A guest opened this institution's poster link: their updates are handled there."""
    units = units_of(root(app))
    institution = institution_of(view)
    if units is None or institution is None:
        return
    units.guests[telegram_user_id] = institution.id


def view_with_slip(app, code: str):
    """The view whose database issued this rating slip, or None. A slip is a keyed hash looked
    up by its index: one lookup per institution."""
    keys = root(app).bot_data["keys"]
    for view in each(app):
        if evaluations.holds_slip(view.bot_data["db"], code, keys):
            return view
    return None


def rating_with_slip(app, telegram_user_id: int, view) -> None:
    """This account rates with a slip of the view's institution (None: no longer)."""
    units = units_of(root(app))
    institution = institution_of(view) if view is not None else None
    if units is None:
        return
    if institution is None:
        units.slip_raters.pop(telegram_user_id, None)
    else:
        units.slip_raters[telegram_user_id] = institution.id


def slip_rater_view(app, telegram_user_id: int):
    """The view where this account is rating with a slip, or None."""
    units = units_of(root(app))
    if units is None:
        return None
    institution_id = units.slip_raters.get(telegram_user_id)
    return units.views.get(institution_id) if institution_id is not None else None


def view_named(app, name: str):
    """The view of the institution so named, or of the one institution that alone fits the
    name as people say it (`named_like`)."""
    units = units_of(app)
    if units is None:
        return None
    institution_id = units.by_name.get(name)
    if institution_id is None:
        fitting = named_like(app, name)
        institution_id = fitting[0].id if len(fitting) == 1 else None
    return units.views.get(institution_id) if institution_id is not None else None


def named_like(app, name: str) -> list[Institution]:
    """The institutions (not the body) whose name starts with the name typed, or failing that
    holds it: a county's supervisor says 城关镇 for 城关镇卫生院. What is done with the one found
    is previewed with its whole name before 确认."""
    units, said = units_of(app), names.normalise(name)
    if units is None or not said:
        return []
    found = [
        unit for unit in map(institution_of, units.views.values()) if unit is not None and not unit.is_body
    ]
    for fits in (str.startswith, str.__contains__):
        fitting = [unit for unit in found if fits(names.normalise(unit.name), said)]
        if fitting:
            return sorted(fitting, key=lambda unit: unit.name)
    return []


def unit(view) -> Institution:
    """The unit a view stands for, where the caller knows there is a directory."""
    found = institution_of(view)
    assert found is not None, "a view of a deployment with several institutions"
    return found


def institution_of(view) -> Institution | None:
    """The unit a view stands for (the main database's when there is a directory)."""
    found = getattr(view, "institution", None)
    if found is not None:
        return found
    units = units_of(view)
    return units.main if units else None


def view_with_invitation(app, code: str):
    """The view whose database holds this invitation code (the main one when none does: it
    then answers as today, unknown). Codes are random and stored hashed; asking each
    institution is one indexed lookup each. A unit added since the start is opened first."""
    app = root(app)
    views = each(app)
    for view in views:
        if invitations.holds(held.of(view).db, code):
            return view
    units = units_of(app)
    if units is not None and len(directory.listed(held.of(app).db)) + (units.main is None) > len(views):
        attach(app)
        for view in each(app):
            if view not in views and invitations.holds(held.of(view).db, code):
                return view
    return app


def joined(app, view, telegram_user_id: int) -> None:
    """Remember where this account now belongs (in the directory and in memory)."""
    app = root(app)
    units = units_of(app)
    if units is None or not units.views:
        return
    institution = institution_of(view)
    target = None if view is app or institution is None else institution.id
    directory.set_member(held.of(app).db, telegram_user_id, target)
    if target is None:
        units.members.pop(telegram_user_id, None)
    else:
        units.members[telegram_user_id] = target


def close(app) -> None:
    units = units_of(app)
    for view in units.views.values() if units else ():
        cache = held.of(view).rollup_cache
        if cache is not None:
            cache.close()
        if view is not app:
            held.of(view).db.close()
