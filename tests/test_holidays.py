"""The State Council's holiday notice for the years chinese-calendar does not know yet
(`python bot.py holidays import FILE`): read as people paste it, checked against the package on
years it knows, kept beside the database, followed by a running bot, and named by the doctor
while this year's or next year's holidays are unknown."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta

import chinese_calendar
import pytest

import cli
import config
from storage import dates, holiday_notice
from storage.clock import clock

# The notice for 2025 as published (国办发明电〔2024〕12号), its preamble and closing included.
NOTICE_2025 = """国务院办公厅关于2025年部分节假日安排的通知
国办发明电〔2024〕12号
各省、自治区、直辖市人民政府，国务院各部委、各直属机构：
经国务院批准，现将2025年元旦、春节、清明节、劳动节、端午节、中秋节和国庆节放假调休日期的具体安排通知如下。
一、元旦：1月1日（周三）放假1天，不调休。
二、春节：1月28日（农历除夕、周二）至2月4日（农历正月初七、周二）放假调休，共8天。1月26日（周日）、2月8日（周六）上班。
三、清明节：4月4日（周五）至6日（周日）放假，共3天。
四、劳动节：5月1日（周四）至5日（周一）放假调休，共5天。4月27日（周日）上班。
五、端午节：5月31日（周六）至6月2日（周一）放假，共3天。
六、国庆节、中秋节：10月1日（周三）至8日（周三）放假调休，共8天。9月28日（周日）、10月11日（周六）上班。
节假日期间，各地区、各部门要妥善安排好值班和安全、保卫、疫情防控等工作。
"""

# 2023's began in 2022: a date that names its own year.
NOTICE_2023 = """国务院办公厅关于2023年部分节假日安排的通知
一、元旦：2022年12月31日至2023年1月2日放假调休，共3天。
二、春节：1月21日至27日放假调休，共7天。1月28日（星期六）、1月29日（星期日）上班。
三、清明节：4月5日放假，共1天。
四、劳动节：4月29日至5月3日放假调休，共5天。4月23日（星期日）、5月6日（星期六）上班。
五、端午节：6月22日至24日放假调休，共3天。6月25日（星期日）上班。
六、中秋节、国庆节：9月29日至10月6日放假调休，共8天。10月7日（星期六）、10月8日（星期日）上班。
"""

# A notice for a year the package does not know, written for this test in the notice's form
# (not the real 2027 schedule, which is the State Council's to publish).
NOTICE_2027 = """国务院办公厅关于2027年部分节假日安排的通知
一、元旦：1月1日（周五）至3日（周日）放假，共3天。
二、春节：2月5日（农历除夕、周五）至11日（周四）放假调休，共7天。2月13日（周六）上班。
"""


def _agrees_with_the_package(days: dict[date, bool], first: date, last: date) -> list[date]:
    day, wrong = first, []
    while day <= last:
        if days.get(day, day.weekday() < 5) != chinese_calendar.is_workday(day):
            wrong.append(day)
        day += timedelta(days=1)
    return wrong


def test_the_2025_notice_reads_as_the_package_has_2025_day_by_day():
    festivals = holiday_notice.read_notice(NOTICE_2025)
    assert [holiday_notice.describe(f) for f in festivals] == [
        "元旦：1月1日放假，共1天",
        "春节：1月28日至2月4日放假，共8天；1月26日（周日）、2月8日（周六）上班",
        "清明节：4月4日至4月6日放假，共3天",
        "劳动节：5月1日至5月5日放假，共5天；4月27日（周日）上班",
        "端午节：5月31日至6月2日放假，共3天",
        "国庆节、中秋节：10月1日至10月8日放假，共8天；9月28日（周日）、10月11日（周六）上班",
    ]
    days = holiday_notice.as_days(festivals)
    assert _agrees_with_the_package(days, date(2025, 1, 1), date(2025, 12, 31)) == []


def test_a_holiday_that_begins_the_year_before_keeps_its_year():
    festivals = holiday_notice.read_notice(NOTICE_2023)
    assert holiday_notice.describe(festivals[0]) == "元旦：2022年12月31日至2023年1月2日放假，共3天"
    days = holiday_notice.as_days(festivals)
    assert _agrees_with_the_package(days, date(2022, 12, 31), date(2023, 12, 31)) == []


def test_a_notice_pasted_from_a_pdf_with_full_width_digits_reads_the_same():
    pasted = NOTICE_2025.translate(str.maketrans("0123456789:", "０１２３４５６７８９："))
    assert holiday_notice.as_days(holiday_notice.read_notice(pasted)) == holiday_notice.as_days(
        holiday_notice.read_notice(NOTICE_2025)
    )


def test_text_that_is_no_notice_is_refused():
    with pytest.raises(holiday_notice.NoticeUnreadable):
        holiday_notice.read_notice("春节快乐！大家辛苦了")
    with pytest.raises(holiday_notice.NoticeUnreadable):  # the year is nowhere to be read
        holiday_notice.read_notice("二、春节：2月5日至11日放假调休，共7天。")
    assert holiday_notice.read_notice("二、春节：2月5日至11日放假调休，共7天。", year=2027)[0].days_off[
        0
    ] == date(2027, 2, 5)


def _settings(tmp_path) -> config.Settings:
    return config.load(
        env={
            "DATABASE_PATH": str(tmp_path / "data" / "rectify.db"),
            "SECRET_KEY_FILE": str(tmp_path / "secret.key"),
        },
        dotenv=False,
    )


def _run(settings, *words) -> int:
    return cli.run(settings, cli.parser().parse_args(list(words)))


def test_importing_shows_the_days_first_and_keeps_them_only_with_yes(tmp_path, capsys):
    settings = _settings(tmp_path)
    settings.database_path.parent.mkdir(parents=True)
    notice = tmp_path / "通知.txt"
    notice.write_text("\ufeff" + NOTICE_2027, encoding="utf-8")  # Notepad's BOM
    kept = holiday_notice.path_for(settings.database_path)

    assert _run(settings, "holidays", "import", str(notice)) == 0
    said = capsys.readouterr().out
    assert "春节：2月5日至2月11日放假，共7天；2月13日（周六）上班" in said
    assert "nothing was changed" in said and not kept.exists()
    assert dates.is_working_day(date(2027, 2, 8))  # a Monday: not known yet

    assert _run(settings, "holidays", "import", str(notice), "--yes") == 0
    assert "kept 10 days off and 1 make-up working days" in capsys.readouterr().out
    assert not dates.is_working_day(date(2027, 2, 8))
    assert dates.is_working_day(date(2027, 2, 13))  # the Saturday worked in exchange
    # ten working days from the eve of the festival skip it and count the Saturday
    assert dates.add_working_days(date(2027, 2, 4), 10) == date(2027, 2, 24)

    # a corrected notice for the same year replaces the year, it does not add to it
    notice.write_text(NOTICE_2027.replace("至11日（周四）", "至10日（周三）"), encoding="utf-8")
    assert _run(settings, "holidays", "import", str(notice), "--yes") == 0
    assert dates.is_working_day(date(2027, 2, 11))
    assert kept.read_text(encoding="utf-8").count("2027-02-05") == 1


def test_a_file_that_is_no_notice_changes_nothing_and_says_why(tmp_path, capsys):
    settings = _settings(tmp_path)
    settings.database_path.parent.mkdir(parents=True)
    wrong = tmp_path / "roster.txt"
    wrong.write_text("张三,内科\n李四,外科\n", encoding="utf-8")
    assert _run(settings, "holidays", "import", str(wrong), "--yes") == 1
    assert "not a holiday notice" in capsys.readouterr().err
    assert not holiday_notice.path_for(settings.database_path).exists()
    gbk = tmp_path / "gbk.txt"
    gbk.write_bytes(NOTICE_2027.encode("gbk"))
    assert _run(settings, "holidays", "import", str(gbk)) == 1
    assert "cannot read" in capsys.readouterr().err


def test_a_running_bot_follows_the_file_without_a_restart(tmp_path):
    kept = tmp_path / holiday_notice.FILE_NAME
    assert dates.follow_holiday_file(kept) is False  # no file: nothing imported
    holiday_notice.write_file(kept, holiday_notice.read_notice(NOTICE_2027), "test")
    assert dates.follow_holiday_file() is True  # the sweeper's call, each minute
    assert not dates.is_working_day(date(2027, 1, 1))
    assert dates.follow_holiday_file() is False  # unchanged: not read again
    kept.write_text("# emptied by hand\n", encoding="utf-8")
    later = kept.stat().st_mtime + 5
    os.utime(kept, (later, later))
    assert dates.follow_holiday_file() is True
    assert dates.is_working_day(date(2027, 1, 1))


def test_the_doctor_names_next_years_holidays_from_november_until_imported(tmp_path, capsys):
    settings = _settings(tmp_path)
    settings.database_path.parent.mkdir(parents=True)
    clock.freeze(datetime(2026, 12, 1, 2, 0, tzinfo=UTC))  # chinese-calendar 1.11.0 ends with 2026
    if dates.known_year(2027):
        pytest.skip("chinese-calendar now knows 2027: a year it does not know is needed here")
    assert dates.years_to_import(date(2026, 10, 31)) == []  # before November, only this year
    assert cli._holidays_known(settings) is False
    assert "ATTENTION holidays: 2027 not known" in capsys.readouterr().out
    assert _run(settings, "holidays") == 1
    assert "2027: NOT KNOWN" in capsys.readouterr().out

    notice = tmp_path / "notice.txt"
    notice.write_text(NOTICE_2027, encoding="utf-8")
    assert _run(settings, "holidays", "import", str(notice), "--yes") == 0
    assert cli._holidays_known(settings) is True
    assert "ok        holidays" in capsys.readouterr().out
    assert _run(settings, "holidays") == 0
    assert f"2027: from the imported notice ({holiday_notice.path_for(settings.database_path)})" in (
        capsys.readouterr().out
    )
