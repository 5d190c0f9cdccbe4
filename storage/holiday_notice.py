"""The State Council's holiday notice (国务院办公厅关于X年部分节假日安排的通知) as working days,
for the years `chinese-calendar` does not know yet.

The package learns a year's holidays only when a release adds them, and the notice comes out
each November: until then Monday to Friday is all the bot knows, and digests, deadlines and
reminders would fall on the Spring Festival. The operator pastes the notice into a file and
`python bot.py holidays import FILE` reads it; the days are kept in `holidays.tsv` beside the
main database (one calendar for every institution: the holidays are the country's).

A notice reads, one festival a line:

    二、春节：1月28日（农历除夕、周二）至2月4日（农历正月初七、周二）放假调休，共8天。
    1月26日（周日）、2月8日（周六）上班。

The days off are the ranges (or single days) before 放假, and the make-up working days the
dates of the sentence that ends in 上班. Lines such as `2027-02-06 休` and `2027-02-14 班` are
read too, for a correction or a year typed by hand.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

FILE_NAME = "holidays.tsv"


def path_for(database_path: Path) -> Path:
    """holidays.tsv beside the main database."""
    return database_path.parent / FILE_NAME


_ASIDE = re.compile(r"[（(][^）)]*[）)]")  # （农历除夕、周二）
_FESTIVAL = re.compile(r"^\s*[一二三四五六七八九十]+\s*[、.．]\s*([^：:]+)[：:]")
_YEAR = re.compile(r"(20\d\d)\s*年")
# a date may name its year: 2023年元旦 began on 2022年12月31日
_MONTH_DAY = r"(?:(\d{4})年)?(\d{1,2})月(\d{1,2})日"
_DAYS_OFF = re.compile(_MONTH_DAY + r"(?:\s*[至到—–-]\s*(?:(?:(\d{4})年)?(\d{1,2})月)?(\d{1,2})日)?\s*放假")
_ISO_LINE = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s+(休|班)\s*(.*)$")


class NoticeUnreadable(ValueError):
    """The text names no day off: it is not a holiday notice, or not one this reads."""


@dataclass
class Festival:
    name: str
    days_off: list[date] = field(default_factory=list)
    make_up_days: list[date] = field(default_factory=list)


def read_notice(text: str, year: int | None = None) -> list[Festival]:
    """The festivals of a notice, each with its days off and make-up working days, in the
    notice's order. The year is the one the notice names (2027年) unless given."""
    text = unicodedata.normalize("NFKC", text)  # full-width digits and colons from a pasted PDF
    if year is None:
        named = _YEAR.search(text)
        year = int(named.group(1)) if named else None
    festivals: list[Festival] = []
    for line in text.splitlines():
        iso = _ISO_LINE.match(line)
        if iso:
            _iso_day(festivals, iso)
            continue
        heading = _FESTIVAL.match(line)
        if heading:
            festivals.append(Festival(_ASIDE.sub("", heading.group(1)).strip()))
        if festivals and year is not None:
            _days_of(festivals[-1], _ASIDE.sub("", line), year)
    found = [f for f in festivals if f.days_off or f.make_up_days]
    if not any(f.days_off for f in found):
        raise NoticeUnreadable("no day off (…日放假) found" if year else "no year (2027年) found")
    return found


def _iso_day(festivals: list[Festival], match: re.Match) -> None:
    day = date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    name = match.group(5).strip() or "（逐日录入）"
    if not festivals or festivals[-1].name != name:
        festivals.append(Festival(name))
    (festivals[-1].days_off if match.group(4) == "休" else festivals[-1].make_up_days).append(day)


def _days_of(festival: Festival, sentence_text: str, year: int) -> None:
    for sentence in re.split(r"[。；;]", sentence_text):
        for y1, m1, d1, y2, m2, d2 in _DAYS_OFF.findall(sentence):
            first = date(int(y1 or year), int(m1), int(d1))
            last = first if not d2 else date(int(y2 or y1 or year), int(m2 or m1), int(d2))
            festival.days_off += [first + timedelta(n) for n in range((last - first).days + 1)]
        if sentence.rstrip().endswith("上班"):
            festival.make_up_days += [
                date(int(y or year), int(m), int(d)) for y, m, d in re.findall(_MONTH_DAY, sentence)
            ]


def as_days(festivals: list[Festival]) -> dict[date, bool]:
    """Each day the festivals name: False for a day off, True for a make-up working day."""
    days: dict[date, bool] = {}
    for festival in festivals:
        days.update(dict.fromkeys(festival.days_off, False))
        days.update(dict.fromkeys(festival.make_up_days, True))
    return days


def read_file(path: Path) -> dict[date, bool]:
    """The days kept in holidays.tsv; none when there is no file."""
    text = "\n".join(_lines(path))  # an emptied file (its heading left) imports nothing
    return as_days(read_notice(text)) if text.strip() else {}


def write_file(path: Path, festivals: list[Festival], source: str) -> None:
    """Keep the festivals' days, replacing whatever the file held for their years."""
    years = {d.year for f in festivals for d in f.days_off + f.make_up_days}
    kept = [line for line in _lines(path) if not any(line.startswith(f"{y}-") for y in years)]
    new = [
        f"{day.isoformat()}\t{word}\t{festival.name}"
        for festival in festivals
        for days, word in ((festival.days_off, "休"), (festival.make_up_days, "班"))
        for day in days
    ]
    header = f"# 法定节假日（{source}）：python bot.py holidays import 写入；一行一天，休=放假，班=调休上班"
    body = sorted(kept + new)
    path.write_text("\n".join([header, *body]) + "\n", encoding="utf-8")


def _lines(path: Path) -> list[str]:
    try:
        return [
            line
            for line in path.read_text(encoding="utf-8").splitlines()
            if line and not line.startswith("#")
        ]
    except FileNotFoundError:
        return []


def describe(festival: Festival) -> str:
    """One line a person checks against the notice: 春节：2月6日至2月12日放假，共7天；2月14日（周日）上班"""
    days = festival.days_off
    said = f"{festival.name}："
    if days:
        first, last = (_md(days[0]), _md(days[-1]))
        if days[0].year != days[-1].year:  # 2022年12月31日至2023年1月2日
            first, last = f"{days[0].year}年{first}", f"{days[-1].year}年{last}"
        span = first if len(days) == 1 else f"{first}至{last}"
        said += f"{span}放假，共{len(days)}天"
    if festival.make_up_days:
        weekdays = "一二三四五六日"
        said += (
            ("；" if days else "")
            + "、".join(f"{_md(d)}（周{weekdays[d.weekday()]}）" for d in festival.make_up_days)
            + "上班"
        )
    return said


def _md(day: date) -> str:
    return f"{day.month}月{day.day}日"
