"""Deadlines as people type them, and working days as China counts them (public holidays and
make-up working days from `chinese-calendar`, and for the years it does not know yet, from the
State Council's notice the operator imported: storage/holiday_notice.py)."""

from __future__ import annotations

import functools
import logging
from datetime import date, timedelta
from pathlib import Path

import chinese_calendar

from storage import holiday_notice, phrasings

log = logging.getLogger(__name__)

# The days of the imported notices (holidays.tsv): False a day off, True a make-up working day.
_IMPORTED: dict[date, bool] = {}
_imported_from: tuple[Path | None, float | None] = (None, None)


@functools.lru_cache(maxsize=8192)  # the package scans its whole holiday table on every call:
def is_working_day(day: date) -> bool:  # 130,000 calls were half of a 09:00 sweep
    if day in _IMPORTED:  # a notice names every day off and make-up day of its year
        return _IMPORTED[day]
    said = calendar_says(day)
    # beyond the years the package knows: an imported notice's days (above), else Monday to Friday
    return day.weekday() < 5 if said is None else said


def calendar_says(day: date) -> bool | None:
    """Whether chinese-calendar counts the day as a working day; None for a year it does not
    know (it has the State Council's calendar only for the years published before its release)."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return None


@functools.lru_cache(maxsize=1)
def imported_years() -> frozenset[int]:
    return frozenset(day.year for day in _IMPORTED)


def known_year(year: int) -> bool:
    """Whether the year's holidays are known (the package's or an imported notice's)."""
    return year in imported_years() or calendar_says(date(year, 6, 1)) is not None


def forget_imported_holidays() -> None:
    global _imported_from
    _IMPORTED.clear()
    _imported_from = (None, None)
    imported_years.cache_clear()
    is_working_day.cache_clear()


def years_wanted(today: date) -> list[int]:
    """The years whose holidays should be known by now: this one, and from November (the State
    Council's notice comes out in November or December) the next."""
    return [today.year] + ([today.year + 1] if today.month >= 11 else [])


def years_to_import(today: date) -> list[int]:
    """The years wanted (years_wanted) whose holidays are not known."""
    return [year for year in years_wanted(today) if not known_year(year)]


def follow_holiday_file(path: Path | None = None) -> bool:
    """Read the imported notices from the file (else the one read last) when it is new or
    changed since the last read (the running bot checks each minute, so an import reaches it
    without a restart); True when the days changed. A file that cannot be read keeps the days
    read before, logged."""
    global _imported_from
    path = path or _imported_from[0]
    if path is None:
        return False
    try:
        changed = path.stat().st_mtime
    except FileNotFoundError:
        changed = None
    if _imported_from == (path, changed):
        return False
    try:
        days = holiday_notice.read_file(path)
    except (OSError, ValueError) as error:
        log.error("the holiday file %s cannot be read, keeping the days read before: %s", path, error)
        _imported_from = (path, changed)
        return False
    _imported_from = (path, changed)
    if days == _IMPORTED:
        return False
    _IMPORTED.clear()
    _IMPORTED.update(days)
    imported_years.cache_clear()
    is_working_day.cache_clear()
    log.info("holidays imported for %s", sorted(imported_years()) or "no year")
    return True


# Ten years of working days: a count past this is a typing slip, and the loop below must stay short.
MAX_WORKING_DAYS = 2600


def add_working_days(start: date, count: int) -> date:
    """The count-th working day after start (start itself not counted). Refuses counts past
    MAX_WORKING_DAYS, so that no typed number makes this loop long."""
    if count > MAX_WORKING_DAYS:
        raise ValueError(f"{count} working days is more than {MAX_WORKING_DAYS}")
    day = start
    while count > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            count -= 1
    return day


def working_days_before(day: date, count: int) -> date:
    """The count-th working day before day (day itself not counted)."""
    if count > MAX_WORKING_DAYS:
        raise ValueError(f"{count} working days is more than {MAX_WORKING_DAYS}")
    while count > 0:
        day -= timedelta(days=1)
        if is_working_day(day):
            count -= 1
    return day


def next_working_day(day: date) -> date:
    """The day itself if it is a working day, else the next one."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def parse_deadline(text: str, today: date) -> date | None:
    """2026-12-31, 12月31日, 下周五, 月底前, 明年3月, 10个工作日, 两周, 3个月 … (storage.phrasings).
    None when it cannot be read; the caller asks again."""
    return phrasings.parse_date(text, today)
