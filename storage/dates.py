"""Deadlines as people type them, and working days as China counts them (public holidays and
make-up working days from `chinese-calendar`)."""

from __future__ import annotations

import functools
import logging
import re
from datetime import date, timedelta

import chinese_calendar

log = logging.getLogger(__name__)

WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
CHINESE_NUMBERS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
                   "九": 9, "十": 10}


@functools.lru_cache(maxsize=8192)  # the package scans its whole holiday table on every call:
def is_working_day(day: date) -> bool:  # 130,000 calls were half of a 09:00 sweep
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        # The package knows the State Council's calendar only for the years it has been
        # published; beyond that, Monday to Friday is the best guess.
        return day.weekday() < 5


def add_working_days(start: date, count: int) -> date:
    """The count-th working day after start (start itself not counted)."""
    day = start
    while count > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            count -= 1
    return day


def next_working_day(day: date) -> date:
    """The day itself if it is a working day, else the next one."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def _number(text: str) -> int | None:
    if text.isdigit():
        return int(text)
    return CHINESE_NUMBERS.get(text)


def _absolute(text: str, today: date) -> date | None:
    patterns = (
        (r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", (1, 2, 3)),
        (r"(\d{1,2})[/月](\d{1,2})日?", (None, 1, 2)),
    )
    for pattern, (year_group, month_group, day_group) in patterns:
        match = re.fullmatch(pattern, text)
        if not match:
            continue
        year = int(match.group(year_group)) if year_group else today.year
        try:
            found = date(year, int(match.group(month_group)), int(match.group(day_group)))
        except ValueError:
            return None
        if year_group is None and found < today:
            # A month and day already past this year: "1/15" typed in December means next year.
            found = found.replace(year=today.year + 1)
        return found
    return None


def _relative(text: str, today: date) -> date | None:
    match = re.fullmatch(r"(\d+|[一二两三四五六七八九十])\s*个?(工作日|天|日|周|星期)(后|内)?", text)
    if match:
        count = _number(match.group(1))
        if count is None:  # the pattern admits only digits and the numerals CHINESE_NUMBERS knows
            return None
        unit = match.group(2)
        if unit == "工作日":
            return add_working_days(today, count)
        return today + timedelta(days=count * (7 if unit in ("周", "星期") else 1))
    match = re.fullmatch(r"(\d+)\s*(working days?|days?|weeks?)", text.lower())
    if match:
        count, unit = int(match.group(1)), match.group(2)
        if unit.startswith("working"):
            return add_working_days(today, count)
        return today + timedelta(days=count * (7 if unit.startswith("week") else 1))
    match = re.fullmatch(r"(本|这|下|下下)?(周|星期|礼拜)([一二三四五六日天])", text)
    if match:
        weeks = {"本": 0, "这": 0, None: 0, "下": 1, "下下": 2}[match.group(1)]
        monday = today - timedelta(days=today.weekday())
        return monday + timedelta(weeks=weeks, days=WEEKDAYS[match.group(3)])
    return {"今天": today, "明天": today + timedelta(days=1), "后天": today + timedelta(days=2)}.get(text)


def parse_deadline(text: str, today: date) -> date | None:
    """2026-12-31, 2026年12月31日, 12月31日, 12/31, 下周五, 10个工作日, 3天, 2周, 10 working days.
    None when it cannot be read; the caller asks again."""
    text = text.strip()
    if not text.isascii():
        text = text.replace(" ", "").replace("週", "周").replace("個", "个").replace("禮拜", "礼拜")
    return _absolute(text, today) or _relative(text, today)
