"""Every institution of a supervised deployment (督导) at run time: one view of the application
per institution, in which `bot_data["db"]` (and the services, the settings naming the
institution, the mixing pool, the hotspot index) are that institution's own.

Handlers and jobs were written against `app.bot_data["db"]`; a view lets them run unchanged for
any institution. An update is handled in the view of the institution its sender belongs to
(handlers/context.py picks it), and each job passes over every institution's view in turn
(`each(app)`). In a deployment with one institution the only view is the application itself.

What is shared between institutions in memory is only what is keyed by a Telegram account (a
person belongs to one institution) or belongs to the bot as a whole (its pacing, its stop);
everything else a handler keeps in bot_data is the institution's own (SHARED lists the first)."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator, MutableMapping
from pathlib import Path
from typing import Any

import sqlite_utils
from telegram.ext import Application

from storage import anonymous_pool, backups, invitations, public_box
from storage import institutions as directory
from storage.db import open_database
from storage.institutions import Institution

log = logging.getLogger(__name__)

UNITS = "institution_views"  # bot_data of the application: the Units
ROLLUP = "rollup_cache"  # an institution's bot_data: its roll-up figures (storage.rollup.Cache)
SHARED = frozenset({"stopping", "delivery_lock", "forget_later", "vitals", "throttle", "receipt_guard",
                    "opinion_guard", "contacts_since_start", UNITS})


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


@dataclasses.dataclass
class Units:
    """The institutions the bot knows, and who belongs where."""
    main: Institution | None  # the main database's unit; None in a deployment with one institution
    views: dict[int, Any]  # institution id -> its view (the main one: the application itself)
    by_name: dict[str, int]
    members: dict[int, int]  # Telegram account -> institution id (not listed: the main unit)
    # guests who came through an institution's poster, so that their next updates are handled
    # there too; in memory only: nothing on disk places a guest
    guests: dict[int, int] = dataclasses.field(default_factory=dict)


def _services_for(app: Application, db: sqlite_utils.Database, settings):
    from handlers.context import Services  # the services a handler reads, built the same way

    return Services(db, settings, app.bot_data["keys"])


def unit_settings(settings, institution: Institution):
    """The settings as one institution's: its name, its database file, its own backup folder
    (several institutions' backups in one folder would be told apart only by their time)."""
    main = Path(settings.database_path)
    if institution.is_main:
        return dataclasses.replace(settings, institution=institution.name)
    folder = backups.folder_for(main, settings.backup_dir) / directory.FOLDER / institution.public_code
    return dataclasses.replace(settings, institution=institution.name,
                               database_path=institution.file(main), backup_dir=folder)


def _view(app: Application, institution: Institution) -> UnitView:
    settings = unit_settings(app.bot_data["settings"], institution)
    db = open_database(settings.database_path, settings.backup_dir)
    own = {"db": db, "settings": settings, "keys": app.bot_data["keys"],
           "services": _services_for(app, db, settings),
           "anonymous_pool": anonymous_pool.attach(db, settings.anonymity_set)}
    return UnitView(app, institution, UnitData(app.bot_data, own))


def attach(app: Application) -> Units:
    """Read the directory and open every institution's database (each brought up to date by
    its migrations, after a backup, as the main one is)."""
    home = app.bot_data["db"]
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
    units = Units(main, views, {i.name: i.id for i in listed}, directory.members(home))
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
        box = public_box.get(view.bot_data["db"])
        if box is not None and box.code == code:
            return view
    return None


def visiting(app, telegram_user_id: int, view) -> None:
    """A guest opened this institution's poster link: their updates are handled there."""
    units = units_of(root(app))
    institution = institution_of(view)
    if units is None or institution is None:
        return
    units.guests[telegram_user_id] = institution.id


def view_named(app, name: str):
    units = units_of(app)
    if units is None:
        return None
    institution_id = units.by_name.get(name)
    return units.views.get(institution_id) if institution_id is not None else None


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
        if invitations.holds(view.bot_data["db"], code):
            return view
    units = units_of(app)
    if units is not None and len(directory.listed(app.bot_data["db"])) + (units.main is None) > len(views):
        attach(app)
        for view in each(app):
            if view not in views and invitations.holds(view.bot_data["db"], code):
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
    directory.set_member(app.bot_data["db"], telegram_user_id, target)
    if target is None:
        units.members.pop(telegram_user_id, None)
    else:
        units.members[telegram_user_id] = target


def close(app) -> None:
    units = units_of(app)
    for view in (units.views.values() if units else ()):
        cache = view.bot_data.get(ROLLUP)
        if cache is not None:
            cache.close()
        if view is not app:
            view.bot_data["db"].close()
