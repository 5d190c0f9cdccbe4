"""Dates, times, durations and percentages as people type them, in simplified or traditional
Chinese or in plain digits: 月底前, 本月底, 3个月, 明年3月, 12月10日 下午2点半, 7点45, 两周,
一半, 百分之七十, 七成, 10个工作日.

One small parser, bounded by construction: the input is cut to MAX_INPUT characters, every
pattern is anchored and free of nested repetition, numbers are capped before any arithmetic, and
nothing loops over a count that came from the user (working days are counted by storage.dates,
which refuses counts past its own bound). What cannot be read gives None; the caller asks again.

No library fitted: the Chinese time-expression parsers on PyPI (the Time-NLP family) are
unmaintained and unbounded regex engines over whole sentences, and jionlp brings a large NLP
toolkit for one function; cn2an would only cover the numerals.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

MAX_INPUT = 40  # a date, a time or a number is never longer; past this it is not one
MAX_NUMBER = 9999
MAX_DAYS_AHEAD = 366 * 10  # a deadline, a review date or a meeting within ten years
MAX_WORKING_DAYS = 2500  # about ten years of working days; storage.dates refuses more

# Traditional forms of the characters these phrasings use, and variants people type.
_VARIANTS = str.maketrans(
    {
        "週": "周",
        "個": "个",
        "後": "后",
        "兩": "两",
        "號": "号",
        "點": "点",
        "鐘": "钟",
        "時": "时",
        "內": "内",
        "這": "这",
        "禮": "礼",
        "當": "当",
        "〇": "零",
        "幺": "一",
        "數": "数",
        "過": "过",
        "開": "开",
        "沒": "没",
        "還": "还",
        "畢": "毕",
        "钟": "钟",
    }
)
_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000}
NUMBER = r"(?:\d{1,6}|[零一二两三四五六七八九十百千]{1,8})"
WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "七": 6}
_BY = re.compile(r"(之前|以前|前|为止|截止|之内|以内|内|左右)$")
# A period alone, as a deadline: by its last day (a week: its Friday).
_PERIOD_ENDS = {
    "本月": (0, "month"),
    "这个月": (0, "month"),
    "这月": (0, "month"),
    "当月": (0, "month"),
    "下月": (1, "month"),
    "下个月": (1, "month"),
    "本周": (0, "week"),
    "这周": (0, "week"),
    "下周": (1, "week"),
    "今年": (0, "year"),
    "年内": (0, "year"),
    "本年": (0, "year"),
    "本年度": (0, "year"),
}


def clean(text: str) -> str:
    """NFKC (full-width digits and colons to plain ones), traditional to simplified for the
    characters that matter here, no blanks, lower case; cut to MAX_INPUT."""
    text = unicodedata.normalize("NFKC", text[: MAX_INPUT * 4])
    text = "".join(c for c in text if not unicodedata.category(c).startswith(("C", "Z")) and c != " ")
    return text.translate(_VARIANTS).lower()[: MAX_INPUT + 1]


def number(text: str) -> int | None:
    """12, 十二, 二十五, 一百零五, 两千; None past MAX_NUMBER or when it is not a number."""
    if text.isdigit():
        value = int(text)
        return value if value <= MAX_NUMBER else None
    total, digit = 0, None
    for char in text:
        if char == "零":  # a place holder: 一百零五
            continue
        if char in _DIGITS:
            if digit is not None:  # 二三: not a number
                return None
            digit = _DIGITS[char]
        elif char in _UNITS:
            total += (1 if digit is None else digit) * _UNITS[char]
            digit = None
        else:
            return None
    total += digit or 0
    return total if text and total <= MAX_NUMBER else None


# ---- durations -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Duration:
    days: int = 0
    months: int = 0
    working_days: int = 0

    def after(self, start: date) -> date | None:
        """start + this duration; None past MAX_DAYS_AHEAD."""
        from storage.dates import add_working_days  # storage.dates reads phrasings through us

        if (
            self.days > MAX_DAYS_AHEAD
            or self.months > MAX_DAYS_AHEAD // 28
            or self.working_days > MAX_WORKING_DAYS
        ):
            return None
        day = add_months(start, self.months) + timedelta(days=self.days)
        if self.working_days:
            day = add_working_days(day, self.working_days)
        return day if (day - start).days <= MAX_DAYS_AHEAD else None


_DURATION = re.compile(rf"({NUMBER})?(个半|个|半)?(个)?(工作日|天|日|周|星期|礼拜|月|年)(半)?")
_DURATION_EN = re.compile(r"(\d{1,4})(workingdays?|days?|weeks?|months?|years?)")


def add_months(day: date, months: int) -> date:
    """Calendar months later, the day clamped to the month's end (1月31日 + 1个月 = 2月28/29日)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def parse_duration(text: str) -> Duration | None:
    """两周, 3个月, 10个工作日, 半年, 一个半月, 30天, 2 weeks; None when it is not a span."""
    text = _BY.sub("", clean(text))
    text = re.sub(r"(以后|之后|后)$", "", text)
    if match := _DURATION_EN.fullmatch(text):
        count, unit = int(match[1]), match[2]
        if unit.startswith("working"):
            return Duration(working_days=count)
        return {
            "d": Duration(days=count),
            "w": Duration(days=7 * count),
            "m": Duration(months=count),
            "y": Duration(months=12 * count),
        }[unit[0]]
    match = _DURATION.fullmatch(text)
    if not match or (match[1] is None and match[2] not in ("半", "个半")):
        return None
    read = number(match[1]) if match[1] else 0
    if read is None:
        return None
    count = read
    half = match[2] in ("半", "个半") or match[5] == "半"
    unit = match[4]
    if unit == "工作日":
        return None if half else Duration(working_days=count)
    if unit in ("天", "日"):
        return None if half else Duration(days=count)
    if unit in ("周", "星期", "礼拜"):
        return Duration(days=7 * count + (3 if half else 0))
    if unit == "月":
        return Duration(months=count, days=15 if half else 0)
    return Duration(months=12 * count + (6 if half else 0))


# ---- dates -----------------------------------------------------------------------------------


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


_YMD = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})[日号]?")
_MD = re.compile(rf"({NUMBER})[月/.-]({NUMBER})[日号]?")
_D = re.compile(rf"(本月|这个月|下个?月|)({NUMBER})[日号]")
_YM = re.compile(rf"(今年|明年|后年|(\d{{4}})年)?({NUMBER})月(份)?(初|上旬|中旬|下旬|中|底|末)?")
_MONTH_END = re.compile(r"(本月|这个月|这月|当月|下个?月|下下个?月|今年|年|明年|月)(底|末|初|中旬|中)")
_WEEKDAY = re.compile(r"(本|这|这个|下|下个|下下|下下个)?(周|星期|礼拜)([一二三四五六日天七])")
_NAMED_DAYS = {"今天": 0, "今日": 0, "当天": 0, "明天": 1, "明日": 1, "后天": 2, "大后天": 3}


def _absolute(text: str, today: date) -> date | None:
    if match := _YMD.fullmatch(text):
        return _safe_date(int(match[1]), int(match[2]), int(match[3]))
    if match := _MD.fullmatch(text):
        month, day = number(match[1]), number(match[2])
        found = _safe_date(today.year, month or 0, day or 0)
        if found and found < today:  # "1/15" typed in December means next January
            found = _safe_date(today.year + 1, found.month, found.day)
        return found
    if (match := _D.fullmatch(text)) and "两" not in match[2]:  # 两日 is two days, never the 2nd
        day = number(match[2]) or 0
        base = today if not match[1].startswith("下") else add_months(today.replace(day=1), 1)
        found = _safe_date(base.year, base.month, day)
        if found and found < today and not match[1]:  # "20号" after the 20th: next month's
            nxt = add_months(today.replace(day=1), 1)
            found = _safe_date(nxt.year, nxt.month, day)
        return found
    return None


def _month_phrase(text: str, today: date) -> date | None:
    """本月底, 下月初, 年底, 明年3月, 3月中旬, 明年3月底. A month without a day means its end: a
    deadline "in March" is met by the 31st."""
    if match := _MONTH_END.fullmatch(text):
        where, part = match[1], match[2]
        if where in ("今年", "年", "明年"):
            year = today.year + (where == "明年")
            return date(year, 1, 1) if part == "初" else _month_end(year, 12)
        months = 2 if where.startswith("下下") else 1 if where.startswith("下") else 0
        first = add_months(today.replace(day=1), months)
        if part == "初":
            return first if months else add_months(first, 1) if today.day > 5 else today
        if part in ("中旬", "中"):
            return first.replace(day=15)
        return _month_end(first.year, first.month)
    if match := _YM.fullmatch(text):
        year = int(match[2]) if match[2] else today.year + {"明年": 1, "后年": 2}.get(match[1] or "", 0)
        month = number(match[3])
        if not month or not 1 <= month <= 12 or not 1 <= year <= 9999:
            return None
        if match[1] is None and (year, month) < (today.year, today.month):
            year += 1  # "3月" typed in December is next March
        part = match[5]
        day = {"初": 1, "上旬": 10, "中旬": 15, "中": 15}.get(part or "")
        return date(year, month, day) if day else _month_end(year, month)
    return None


def _weekday(text: str, today: date) -> date | None:
    match = _WEEKDAY.fullmatch(text)
    if not match:
        return None
    target = WEEKDAYS[match[3]]
    which = (match[1] or "").replace("个", "")
    if not which:  # 周五: the next one, today included
        return today + timedelta(days=(target - today.weekday()) % 7)
    weeks = {"本": 0, "这": 0, "下": 1, "下下": 2}[which]
    monday = today - timedelta(days=today.weekday())
    return monday + timedelta(weeks=weeks, days=target)


def _named_day(text: str, today: date) -> date | None:
    if text in _NAMED_DAYS:
        return today + timedelta(days=_NAMED_DAYS[text])
    if text not in _PERIOD_ENDS:
        return None
    ahead, period = _PERIOD_ENDS[text]
    if period == "month":
        first = add_months(today.replace(day=1), ahead)
        return _month_end(first.year, first.month)
    if period == "year":
        return date(today.year, 12, 31)
    return today - timedelta(days=today.weekday()) + timedelta(weeks=ahead, days=4)


def parse_date(text: str, today: date) -> date | None:
    """A day as people write it: 2026-12-31, 2026年12月31日, 12月31日, 12/31, 20号, 今天, 明天,
    下周五, 月底前, 本月底, 下月初, 年底, 明年3月, 3月中旬, 两周, 10个工作日, 3个月, 半年, 2 weeks.
    None when it cannot be read, or a span reaches more than ten years ahead."""
    text = clean(text)
    if len(text) > MAX_INPUT:
        return None
    bare = _BY.sub("", text)
    for candidate in dict.fromkeys((text, bare)):
        found = (
            _named_day(candidate, today)
            or _absolute(candidate, today)
            or _month_phrase(candidate, today)
            or _weekday(candidate, today)
        )
        if not found and (span := parse_duration(candidate)):
            found = span.after(today)
        if found:
            return found
    return None


# ---- times of day and moments ----------------------------------------------------------------

_PERIODS = {
    "凌晨": "am",
    "早上": "am",
    "早晨": "am",
    "上午": "am",
    "早": "am",
    "中午": "noon",
    "下午": "pm",
    "傍晚": "pm",
    "晚上": "pm",
    "晚": "pm",
    "夜里": "pm",
    "am": "am",
    "pm": "pm",
}
_CLOCK = re.compile(r"(\d{1,2}):(\d{2})")
_SPOKEN = re.compile(rf"({NUMBER})[点时](整|半|一刻|三刻|过?({NUMBER})分?|钟)?")
_PERIOD = re.compile(r"^(凌晨|早上|早晨|上午|中午|下午|傍晚|晚上|夜里|早|晚)|(am|pm)$")


def parse_time(text: str) -> time | None:
    """14:30, 下午2点半, 7点45, 9点, 上午九点一刻, 晚上8点, 2:30pm."""
    text = clean(text)
    if len(text) > MAX_INPUT:
        return None
    period = None
    if match := _PERIOD.search(text):
        period = _PERIODS[match[0]]
        text = text[: match.start()] + text[match.end() :]
    hour: int | None
    minute: int | None
    if match := _CLOCK.fullmatch(text):
        hour, minute = int(match[1]), int(match[2])
    elif match := _SPOKEN.fullmatch(text):
        hour, tail = number(match[1]), match[2] or ""
        minute = {"半": 30, "一刻": 15, "三刻": 45, "整": 0, "钟": 0, "": 0}.get(tail)
        if minute is None:
            minute = number(match[3]) if match[3] else None
    else:
        return None
    if hour is None or minute is None:
        return None
    if period == "pm" and 1 <= hour < 12 or period == "noon" and 1 <= hour <= 3:
        hour += 12
    if period == "am" and hour == 12:
        hour = 0
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None
    return time(hour, minute)


_SPLIT = re.compile(
    r"^(.*?)((?:凌晨|早上|早晨|上午|中午|下午|傍晚|晚上|夜里).*|\d{1,2}:\d{2}.*|"
    rf"{NUMBER}[点时].*)$"
)


def parse_moment(text: str, now: datetime) -> datetime | None:
    """A day and a time of day: 2026-12-10 14:30, 12月10日 下午2点半, 明天上午9点, 下周一 9:00,
    周五下午3点. A day alone is at 09:00; a time alone is today's, or tomorrow's when it has
    passed. The result carries now's time zone."""
    typed = clean(text)
    if len(typed) > MAX_INPUT:
        return None
    words = unicodedata.normalize("NFKC", text[: MAX_INPUT * 4]).split()
    iso = re.fullmatch(r"(\d{4}[-/.]\d{1,2}[-/.]\d{1,2})t(\d{1,2}:\d{2})(:\d{2})?", typed)
    match = _SPLIT.match(typed)
    if len(words) >= 2 and parse_time(words[-1]):  # "12月10日 下午2点半", "2026-12-10 14:30"
        day_part, time_part = clean("".join(words[:-1])), words[-1]
    elif iso:
        day_part, time_part = iso[1], iso[2]
    elif match:
        day_part, time_part = match[1], match[2]
    else:
        day_part, time_part = typed, ""
    at = parse_time(time_part) if time_part else time(9, 0)
    if at is None:
        return None
    today = now.date()
    day = parse_date(day_part, today) if day_part else today
    if day is None:
        return None
    moment = datetime.combine(day, at, tzinfo=now.tzinfo)
    if not day_part and moment < now:
        moment += timedelta(days=1)
    return moment


# ---- percentages -----------------------------------------------------------------------------

_FRACTIONS = {
    "一半": 50,
    "半数": 50,
    "过半": 50,
    "一大半": 60,
    "大半": 60,
    "一小半": 30,
    "全部": 100,
    "完成": 100,
    "已完成": 100,
    "全部完成": 100,
    "全部完成了": 100,
    "完成了": 100,
    "已经完成": 100,
    "已经完成了": 100,
    "都完成了": 100,
    "没开始": 0,
    "未开始": 0,
    "还没开始": 0,
}


_HEDGES = re.compile(r"^(大约|大概|差不多|约|将近|接近)|(左右|上下)$")
_DONE = re.compile(r"^(已经完成了|已经完成|已完成|完成了|完成|进度是|进度为|进度|达到|已达)|(了|啦)$")


def parse_percent(text: str) -> int | None:
    """A share from 0 to 100: 70, 70%, ７０％, 百分之七十, 七成, 七成五, 一半, 三分之一, 0.7, 完成.
    Rounded to a whole percent; None when it is not one or lies outside 0-100."""
    text = clean(text).rstrip("。.!！")
    if len(text) > MAX_INPUT:
        return None
    text = _HEDGES.sub("", text)
    value: float | None = _FRACTIONS.get(text)
    if value is None:  # 已完成80%, 完成了一半, 进度七成, 80%了: the share, said with what it is
        text = _DONE.sub("", text)
        value = _FRACTIONS.get(text)
    if value is None and (match := re.fullmatch(r"(\d{1,3}(?:\.\d{1,2})?)%?", text)):
        value = float(match[1])
        if "." in match[1] and "%" not in text and value <= 1:
            value *= 100  # 0.7 means 70%
    elif value is None and (match := re.fullmatch(rf"百分之({NUMBER})(点([0-9一二三四五六七八九]))?", text)):
        whole = number(match[1])
        tenth = number(match[3]) if match[3] else 0
        value = None if whole is None or tenth is None else whole + tenth / 10
    elif value is None and (
        match := re.fullmatch(r"([一二两三四五六七八九十])成([一二三四五六七八九半])?", text)
    ):
        tenths = number(match[1])
        extra = 5 if match[2] == "半" else number(match[2]) if match[2] else 0
        value = None if tenths is None else tenths * 10 + (extra or 0)
    elif value is None and (match := re.fullmatch(rf"({NUMBER})分之({NUMBER})", text)):
        whole, part = number(match[1]), number(match[2])
        value = None if not whole or part is None else 100 * part / whole
    elif value is None and (match := re.fullmatch(r"([零一二两三四五六七八九十百]{1,5})%?", text)):
        value = number(match[1])  # 八十, 七十%: a number in words, as a percentage
    if value is None or not 0 <= value <= 100:
        return None
    return round(value)
