"""Deadlines as people type them, and working days as China counts them (public holidays and
make-up working days from `chinese-calendar`)."""

from __future__ import annotations

import functools
import logging
from datetime import date, timedelta

import chinese_calendar

from storage import phrasings

log = logging.getLogger(__name__)


@functools.lru_cache(maxsize=8192)  # the package scans its whole holiday table on every call:
def is_working_day(day: date) -> bool:  # 130,000 calls were half of a 09:00 sweep
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        # The package knows the State Council's calendar only for the years it has been
        # published; beyond that, Monday to Friday is the best guess.
        return day.weekday() < 5


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
