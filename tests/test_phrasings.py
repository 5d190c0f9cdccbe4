"""Dates, times, durations and percentages as people type them: a table of real phrasings, each
also in traditional characters and with full-width digits, and the parser's bounds."""

from __future__ import annotations

import sys
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from storage import dates, phrasings
from storage.phrasings import Duration, parse_date, parse_duration, parse_moment, parse_percent, parse_time

TODAY = date(2026, 11, 25)  # a Wednesday, no holiday for two weeks
ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=ZONE)
TW = str.maketrans(
    {
        "个": "個",
        "周": "週",
        "后": "後",
        "两": "兩",
        "号": "號",
        "点": "點",
        "这": "這",
        "礼": "禮",
        "内": "內",
        "时": "時",
        "当": "當",
    }
)
FULL = str.maketrans({str(d): chr(0xFF10 + d) for d in range(10)} | {":": "：", "%": "％", "/": "／"})


def spellings(table):
    """Each phrasing as typed in zh-CN, in zh-TW, with full-width digits, and padded."""
    out = []
    for typed, expected in table:
        for variant in dict.fromkeys((typed, typed.translate(TW), typed.translate(FULL), f" {typed}\u3000")):
            out.append(pytest.param(variant, expected, id=variant))
    return out


D = date
DATES = [
    ("2026-12-31", D(2026, 12, 31)),
    ("2026/12/31", D(2026, 12, 31)),
    ("2026.12.31", D(2026, 12, 31)),
    ("2026年12月31日", D(2026, 12, 31)),
    ("2026年12月31号", D(2026, 12, 31)),
    ("2027-1-5", D(2027, 1, 5)),
    ("12月31日", D(2026, 12, 31)),
    ("12月31号", D(2026, 12, 31)),
    ("12/31", D(2026, 12, 31)),
    ("12-31", D(2026, 12, 31)),
    ("十二月三十一日", D(2026, 12, 31)),
    ("十二月十日", D(2026, 12, 10)),
    ("1月15日", D(2027, 1, 15)),
    ("1/15", D(2027, 1, 15)),  # already past this year: next year
    ("30号", D(2026, 11, 30)),
    ("30日", D(2026, 11, 30)),
    ("20号", D(2026, 12, 20)),
    ("下个月10号", D(2026, 12, 10)),
    ("下月5日", D(2026, 12, 5)),
    ("本月28号", D(2026, 11, 28)),
    ("今天", TODAY),
    ("今日", TODAY),
    ("明天", D(2026, 11, 26)),
    ("明日", D(2026, 11, 26)),
    ("后天", D(2026, 11, 27)),
    ("大后天", D(2026, 11, 28)),
    ("周五", D(2026, 11, 27)),
    ("星期五", D(2026, 11, 27)),
    ("礼拜五", D(2026, 11, 27)),
    ("本周五", D(2026, 11, 27)),
    ("这周五", D(2026, 11, 27)),
    ("这个星期五", D(2026, 11, 27)),
    ("下周一", D(2026, 11, 30)),
    ("下周五", D(2026, 12, 4)),
    ("下个星期三", D(2026, 12, 2)),
    ("下下周一", D(2026, 12, 7)),
    ("周日", D(2026, 11, 29)),
    ("星期天", D(2026, 11, 29)),
    ("周三", TODAY),
    ("周二", D(2026, 12, 1)),
    ("月底", D(2026, 11, 30)),
    ("月底前", D(2026, 11, 30)),
    ("本月底", D(2026, 11, 30)),
    ("本月底前", D(2026, 11, 30)),
    ("这个月底", D(2026, 11, 30)),
    ("月末", D(2026, 11, 30)),
    ("本月内", D(2026, 11, 30)),
    ("本月", D(2026, 11, 30)),
    ("下月底", D(2026, 12, 31)),
    ("下个月底", D(2026, 12, 31)),
    ("下个月底前", D(2026, 12, 31)),
    ("下下个月底", D(2027, 1, 31)),
    ("下月初", D(2026, 12, 1)),
    ("下个月中旬", D(2026, 12, 15)),
    ("下个月", D(2026, 12, 31)),
    ("年底", D(2026, 12, 31)),
    ("年底前", D(2026, 12, 31)),
    ("今年底", D(2026, 12, 31)),
    ("年末", D(2026, 12, 31)),
    ("今年内", D(2026, 12, 31)),
    ("明年底", D(2027, 12, 31)),
    ("明年初", D(2027, 1, 1)),
    ("本周内", D(2026, 11, 27)),
    ("下周", D(2026, 12, 4)),
    ("明年3月", D(2027, 3, 31)),
    ("明年3月底", D(2027, 3, 31)),
    ("明年三月", D(2027, 3, 31)),
    ("明年3月份", D(2027, 3, 31)),
    ("明年3月中旬", D(2027, 3, 15)),
    ("明年3月初", D(2027, 3, 1)),
    ("3月", D(2027, 3, 31)),
    ("3月底", D(2027, 3, 31)),
    ("12月底", D(2026, 12, 31)),
    ("12月底前", D(2026, 12, 31)),
    ("12月中旬", D(2026, 12, 15)),
    ("12月上旬", D(2026, 12, 10)),
    ("2027年6月", D(2027, 6, 30)),
    ("2027年6月底", D(2027, 6, 30)),
    ("后年1月", D(2028, 1, 31)),
    ("3天", D(2026, 11, 28)),
    ("3天内", D(2026, 11, 28)),
    ("3天后", D(2026, 11, 28)),
    ("三天", D(2026, 11, 28)),
    ("十天", D(2026, 12, 5)),
    ("30天", D(2026, 12, 25)),
    ("两周", D(2026, 12, 9)),
    ("2周", D(2026, 12, 9)),
    ("两周内", D(2026, 12, 9)),
    ("两个星期", D(2026, 12, 9)),
    ("一周", D(2026, 12, 2)),
    ("一个礼拜", D(2026, 12, 2)),
    ("半个月", D(2026, 12, 10)),
    ("1个月", D(2026, 12, 25)),
    ("一个月", D(2026, 12, 25)),
    ("3个月", D(2027, 2, 25)),
    ("三个月", D(2027, 2, 25)),
    ("三个月内", D(2027, 2, 25)),
    ("一个半月", D(2027, 1, 9)),
    ("6个月", D(2027, 5, 25)),
    ("半年", D(2027, 5, 25)),
    ("一年", D(2027, 11, 25)),
    ("一年半", D(2028, 5, 25)),
    ("1年", D(2027, 11, 25)),
    ("10个工作日", D(2026, 12, 9)),
    ("十个工作日", D(2026, 12, 9)),
    ("5个工作日内", D(2026, 12, 2)),
    ("3个工作日", D(2026, 11, 30)),
    ("1个工作日", D(2026, 11, 26)),
    ("10 working days", D(2026, 12, 9)),
    ("3 days", D(2026, 11, 28)),
    ("2 weeks", D(2026, 12, 9)),
    ("3 months", D(2027, 2, 25)),
    # as typed in Taiwan and Hong Kong, and more of what people say for a deadline
    ("下禮拜一", D(2026, 11, 30)),
    ("禮拜五", D(2026, 11, 27)),
    ("這禮拜五", D(2026, 11, 27)),
    ("下個禮拜五", D(2026, 12, 4)),
    ("月底以前", D(2026, 11, 30)),
    ("年底以前", D(2026, 12, 31)),
    ("兩個禮拜", D(2026, 12, 9)),
    ("一個月內", D(2026, 12, 25)),
    ("兩週後", D(2026, 12, 9)),
    ("本週五前", D(2026, 11, 27)),
    ("下週三前", D(2026, 12, 2)),
    ("12月31日前", D(2026, 12, 31)),
    ("12月31日之前", D(2026, 12, 31)),
    ("3月31日前", D(2027, 3, 31)),
    ("明年一月底", D(2027, 1, 31)),
    ("一月底", D(2027, 1, 31)),
    ("十二月底", D(2026, 12, 31)),
    ("12月份", D(2026, 12, 31)),
    ("2026年12月", D(2026, 12, 31)),
    ("12.31", D(2026, 12, 31)),
    ("15号前", D(2026, 12, 15)),
    ("下月中", D(2026, 12, 15)),
    ("半月", D(2026, 12, 10)),
    ("半个月内", D(2026, 12, 10)),
    ("两天", D(2026, 11, 27)),
    ("两日", D(2026, 11, 27)),
    ("1周内", D(2026, 12, 2)),
    ("一星期", D(2026, 12, 2)),
    ("2周后", D(2026, 12, 9)),
    ("周五前", D(2026, 11, 27)),
    ("星期五前", D(2026, 11, 27)),
    ("两个月", D(2027, 1, 25)),
    ("两个半月", D(2027, 2, 9)),
    ("三个工作日内", D(2026, 11, 30)),
    ("20个工作日", D(2026, 12, 23)),
    ("十五天", D(2026, 12, 10)),
    ("15天内", D(2026, 12, 10)),
    ("一百天", D(2027, 3, 5)),
]
NOT_DATES = [
    "尽快",
    "马上",
    "",
    "   ",
    "下周八",
    "13月1日",
    "2月30日",
    "2026-02-30",
    "0号",
    "32号",
    "asap",
    "一二三",
    "下下下下周一",
    "9999个工作日",
    "9999个月",
    "9999年",
    "3个半天",
    "半个工作日",
    "百分之五十",
    "12:30",
    "月",
    "周",
    "明年13月",
    "2026-13-01",
]


@pytest.mark.parametrize("typed, expected", spellings(DATES))
def test_dates_as_people_type_them(typed, expected):
    assert parse_date(typed, TODAY) == expected


@pytest.mark.parametrize("typed", NOT_DATES)
def test_what_is_not_a_date(typed):
    assert parse_date(typed, TODAY) is None


def test_month_arithmetic_clamps_to_the_months_end():
    assert parse_date("1个月", date(2027, 1, 31)) == date(2027, 2, 28)
    assert parse_date("1个月", date(2028, 1, 31)) == date(2028, 2, 29)
    assert parse_date("月底", date(2028, 2, 3)) == date(2028, 2, 29)


def test_working_days_skip_the_national_day_holiday():
    # 2026's 国庆 holiday: 1-7 October (a make-up working day follows); 3 working days after
    # 30 September are never inside the holiday
    found = parse_date("3个工作日", date(2026, 9, 30))
    assert found > date(2026, 10, 7) and dates.is_working_day(found)


TIMES = [
    ("14:30", time(14, 30)),
    ("9:00", time(9, 0)),
    ("09:05", time(9, 5)),
    ("下午2点半", time(14, 30)),
    ("下午两点半", time(14, 30)),
    ("下午2点", time(14, 0)),
    ("下午2时", time(14, 0)),
    ("下午2点30分", time(14, 30)),
    ("下午2点30", time(14, 30)),
    ("7点45", time(7, 45)),
    ("7点45分", time(7, 45)),
    ("七点四十五", time(7, 45)),
    ("9点", time(9, 0)),
    ("9点整", time(9, 0)),
    ("九点", time(9, 0)),
    ("上午9点", time(9, 0)),
    ("上午九点一刻", time(9, 15)),
    ("早上8点", time(8, 0)),
    ("中午12点", time(12, 0)),
    ("中午1点", time(13, 0)),
    ("晚上8点", time(20, 0)),
    ("晚上八点半", time(20, 30)),
    ("傍晚6点", time(18, 0)),
    ("三点三刻", time(3, 45)),
    ("下午三点三刻", time(15, 45)),
    ("2:30pm", time(14, 30)),
    ("10:00am", time(10, 0)),
    ("15点", time(15, 0)),
    ("下午15点", time(15, 0)),
    ("凌晨12点", time(0, 0)),
    ("上午10點", time(10, 0)),
    ("下午兩點", time(14, 0)),
    ("晚上7點", time(19, 0)),
    ("14點30分", time(14, 30)),
    ("下午2:30", time(14, 30)),
    ("10点半", time(10, 30)),
    ("早上7点半", time(7, 30)),
    ("上午十点", time(10, 0)),
    ("下午四点", time(16, 0)),
    ("晚七点", time(19, 0)),
    ("下午五点半", time(17, 30)),
    ("17:30", time(17, 30)),
    ("9点半", time(9, 30)),
    ("8:30", time(8, 30)),
    ("十点一刻", time(10, 15)),
    ("十一点", time(11, 0)),
    ("中午十二点半", time(12, 30)),
    ("零点", time(0, 0)),
]
NOT_TIMES = ["25:00", "12:60", "下午", "25点", "7点61", "点", "半", "十二三点", "2:3", ""]


@pytest.mark.parametrize("typed, expected", spellings(TIMES))
def test_times_as_people_type_them(typed, expected):
    assert parse_time(typed) == expected


@pytest.mark.parametrize("typed", NOT_TIMES)
def test_what_is_not_a_time(typed):
    assert parse_time(typed) is None


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZONE)


MOMENTS = [
    ("2026-12-10 14:30", at(D(2026, 12, 10), 14, 30)),
    ("2026-12-10T14:30", at(D(2026, 12, 10), 14, 30)),
    ("2026/12/10 14:30", at(D(2026, 12, 10), 14, 30)),
    ("12月10日 下午2点半", at(D(2026, 12, 10), 14, 30)),
    ("12月10日下午2点半", at(D(2026, 12, 10), 14, 30)),
    ("12月10日 14:30", at(D(2026, 12, 10), 14, 30)),
    ("十二月十日下午两点", at(D(2026, 12, 10), 14)),
    ("明天上午9点", at(D(2026, 11, 26), 9)),
    ("明天 9:00", at(D(2026, 11, 26), 9)),
    ("下周一 9:00", at(D(2026, 11, 30), 9)),
    ("下周一上午九点", at(D(2026, 11, 30), 9)),
    ("周五下午3点", at(D(2026, 11, 27), 15)),
    ("后天晚上7点半", at(D(2026, 11, 27), 19, 30)),
    ("12月10日", at(D(2026, 12, 10), 9)),
    ("明天", at(D(2026, 11, 26), 9)),
    ("下午3点", at(TODAY, 15)),
    ("7点45", at(D(2026, 11, 26), 7, 45)),
    ("2026-12-10", at(D(2026, 12, 10), 9)),
    ("明天下午兩點半", at(D(2026, 11, 26), 14, 30)),
    ("下禮拜一上午9點", at(D(2026, 11, 30), 9)),
    ("12月10號 下午2點半", at(D(2026, 12, 10), 14, 30)),
    ("周五 14:00", at(D(2026, 11, 27), 14)),
    ("週五下午3點", at(D(2026, 11, 27), 15)),
    ("下周三上午十点", at(D(2026, 12, 2), 10)),
    ("12月10日上午九点半", at(D(2026, 12, 10), 9, 30)),
    ("明天晚上8点", at(D(2026, 11, 26), 20)),
    ("后天上午10:30", at(D(2026, 11, 27), 10, 30)),
    ("2026年12月10日 14:30", at(D(2026, 12, 10), 14, 30)),
]


@pytest.mark.parametrize("typed, expected", spellings(MOMENTS))
def test_moments_as_people_type_them(typed, expected):
    assert parse_moment(typed, NOW) == expected


@pytest.mark.parametrize(
    "typed", ["下午2点半半", "12月10日 下午25点", "尽快开会", "13月1日 9:00", "明天 上午", "x" * 200]
)
def test_what_is_not_a_moment(typed):
    assert parse_moment(typed, NOW) is None


PERCENTS = [
    ("70", 70),
    ("70%", 70),
    ("70 %", 70),
    ("０", 0),
    ("100", 100),
    ("0.7", 70),
    ("0.75", 75),
    ("33.3%", 33),
    ("百分之七十", 70),
    ("百分之75", 75),
    ("百分之百", 100),
    ("百分之一百", 100),
    ("百分之五", 5),
    ("百分之三十点五", 30),
    ("七成", 70),
    ("七成五", 75),
    ("七成半", 75),
    ("十成", 100),
    ("一成", 10),
    ("两成", 20),
    ("一半", 50),
    ("半数", 50),
    ("过半", 50),
    ("大半", 60),
    ("三分之一", 33),
    ("四分之三", 75),
    ("2分之1", 50),
    ("完成", 100),
    ("已完成", 100),
    ("全部完成", 100),
    ("未开始", 0),
    ("还没开始", 0),
    ("约70%", 70),
    ("70%左右", 70),
    ("大约七成", 70),
    # a share said with what it is, and numbers in words
    ("完成了一半", 50),
    ("差不多一半", 50),
    ("已完成80%", 80),
    ("80%了", 80),
    ("完成百分之八十", 80),
    ("进度七成", 70),
    ("已经完成", 100),
    ("完成了", 100),
    ("九十", 90),
    ("七十%", 70),
    ("八成", 80),
    ("九成五", 95),
    ("三分之二", 67),
    ("十分之一", 10),
    ("90％", 90),
    ("百分之九十", 90),
]
NOT_PERCENTS = [
    "101",
    "150%",
    "-5",
    "百分之一百零一",
    "十一成",
    "七成七成",
    "很多",
    "",
    "0分之1",
    "70.123",
    "1e3",
    "七十%%",
    "一百零一",
    "完成了很多",
    "进度",
    "了",
]


@pytest.mark.parametrize("typed, expected", spellings(PERCENTS))
def test_percentages_as_people_type_them(typed, expected):
    assert parse_percent(typed) == expected


@pytest.mark.parametrize("typed", NOT_PERCENTS)
def test_what_is_not_a_percentage(typed):
    assert parse_percent(typed) is None


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("两周", Duration(days=14)),
        ("3个月", Duration(months=3)),
        ("10个工作日", Duration(working_days=10)),
        ("半年", Duration(months=6)),
        ("一个半月", Duration(months=1, days=15)),
        ("30天", Duration(days=30)),
        ("一年半", Duration(months=18)),
        ("2 weeks", Duration(days=14)),
        ("半个月", Duration(days=15)),
    ],
)
def test_durations(typed, expected):
    assert parse_duration(typed) == expected


# ---- bounds ------------------------------------------------------------------------------


# The parser's work is bounded by construction (MAX_INPUT characters, MAX_WORKING_DAYS counted
# one by one at most): measured as the lines of phrasings.py and dates.py it runs, not by the
# clock, so the bound holds on a busy machine and fails on a loop however fast the machine.
STEP_BOUND = 60_000  # the longest legitimate read (2500 working days) takes about 40,000
FEW_STEPS = 2_000  # anything without working days to count takes well under a thousand
_PARSER_FILES = {phrasings.__file__, dates.__file__}


def steps(call, *args) -> int:
    """How many lines of the parser (and of storage.dates) one call runs."""
    count = 0

    def trace(frame, event, arg):
        nonlocal count
        if frame.f_code.co_filename in _PARSER_FILES:
            count += 1
            return trace
        return None

    before = sys.gettrace()
    sys.settrace(trace)
    try:
        call(*args)
    finally:
        sys.settrace(before)
    return count


@pytest.mark.parametrize(
    "typed",
    [
        "99999999999999999999个工作日",
        "9" * 5000 + "个工作日",
        "2501个工作日",
        "一千个工作日" * 3,
        "千千千千千千千千个工作日",
        "9999999天",
        "999999999999年1月1日",
        "9" * 10000,
    ],
)
def test_huge_numbers_are_refused_in_few_steps(typed):
    assert parse_date(typed, TODAY) is None
    assert parse_percent(typed) is None and parse_moment(typed, NOW) is None
    assert (
        max(steps(parse_date, typed, TODAY), steps(parse_moment, typed, NOW), steps(parse_percent, typed))
        < FEW_STEPS
    )


def test_the_longest_legitimate_read_stays_within_the_bound():
    longest = steps(parse_date, f"{phrasings.MAX_WORKING_DAYS}个工作日", TODAY)
    assert FEW_STEPS < longest < STEP_BOUND  # the counter counts: days are walked one by one
    assert 0 < steps(parse_date, "10个工作日", TODAY) < FEW_STEPS


def test_working_days_are_bounded_where_they_are_counted():
    assert parse_date(f"{phrasings.MAX_WORKING_DAYS + 1}个工作日", TODAY) is None  # ten years ahead
    assert parse_date("1000个工作日", TODAY) is not None
    with pytest.raises(ValueError):
        dates.add_working_days(TODAY, 10**9)


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(
            list(
                "0123456789一二两三四五六七八九十百千万个工作日天周月年半后前内底初"
                "上下午点时分:：/-.%成之号今明本这周五週個兩點禮拜已完成了约"
            )
            + ["\u200b", "\u3000"]
        ),
        max_size=60,
    )
)
def test_no_phrase_raises_or_runs_long(typed):
    assert steps(parse_date, typed, TODAY) < STEP_BOUND
    assert steps(parse_moment, typed, NOW) < STEP_BOUND
    found = parse_percent(typed)
    assert found is None or 0 <= found <= 100
    assert steps(parse_percent, typed) < FEW_STEPS


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_any_text_at_all_is_read_or_refused_within_the_bound(typed):
    for call, args in (
        (parse_date, (typed, TODAY)),
        (parse_moment, (typed, NOW)),
        (parse_percent, (typed,)),
        (parse_time, (typed,)),
        (parse_duration, (typed,)),
    ):
        assert steps(call, *args) < STEP_BOUND, call.__name__


def test_numbers():
    assert [phrasings.number(t) for t in ("十", "十二", "二十五", "一百零五", "两千", "九千九百九十九")] == [
        10,
        12,
        25,
        105,
        2000,
        9999,
    ]
    assert phrasings.number("一万") is None and phrasings.number("二三") is None
