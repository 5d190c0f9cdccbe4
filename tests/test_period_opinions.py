"""A report for a past period counts each opinion's status as it stood at the period's end,
replayed from what the office did (the audit trail) and when the problems it went into were
listed; nothing about when an opinion arrived is stored for it."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from storage import opinions, problems, summary
from storage.clock import clock
from storage.keys import Keys
from storage.opinions import Draft

SHANGHAI = ZoneInfo("Asia/Shanghai")
KEYS = Keys(b"k" * 32)


def on(day: date, hour: int = 10) -> None:
    clock.freeze(datetime.combine(day, time(hour), tzinfo=SHANGHAI))


def test_opinion_statuses_of_a_past_month_are_as_they_stood_at_its_end(db, invited):
    office = db.execute("select id from people where name = '王芳'").fetchone()[0]
    leader = db.execute("select id from people where name = '李娜'").fetchone()[0]
    on(date(2026, 11, 10))
    ids = [
        opinions.submit(
            db,
            Draft(anonymous=True, category="其他", department_id=None, text=f"意见{n}"),
            None,
            KEYS,
            date(2026, 11, 10),
        )[0]
        for n in range(6)
    ]
    opinions.release_batch(db)
    opinions.reply(db, ids[0], office, "收到", date(2026, 11, 12))  # replied in November
    opinions.close(db, ids[1], office, "已处理", date(2026, 11, 20))  # closed in November
    on(date(2026, 11, 25))
    opinions.send_to_leader(db, ids[4], leader, office)  # forwarded in November, back in December
    on(date(2026, 12, 2))  # everything below happened after November
    opinions.close(db, ids[0], office, "已解决", date(2026, 12, 2))
    problems.from_opinion(db, ids[2], office)
    opinions.mark_duplicate(db, ids[3], ids[1], office)
    opinions.return_to_office(db, ids[4], leader)
    opinions.reply(db, ids[5], office, "收到", date(2026, 12, 2))

    november = summary.summarize(db, date(2026, 11, 1), date(2026, 11, 30), SHANGHAI)
    assert november.opinions_by_status == {"new": 3, "closed": 1, "forwarded": 1, "replied": 1}
    december = summary.summarize(db, date(2026, 11, 1), date(2026, 12, 31), SHANGHAI)
    assert december.opinions_by_status == {"closed": 2, "duplicate": 1, "new": 1, "on_list": 1, "replied": 1}
    # today's figures agree with the table as it is now
    now = dict(db.execute(f"select {opinions.STATUS_WITH_LIST} as s, count(*) from opinions group by s"))
    assert now == december.opinions_by_status


def test_the_report_says_when_its_opinion_statuses_stood(db, invited):
    import io

    import docx

    from documents import summary_report

    on(date(2026, 11, 10))
    opinions.submit(
        db,
        Draft(anonymous=True, category="其他", department_id=None, text="意见"),
        None,
        KEYS,
        date(2026, 11, 10),
    )
    opinions.release_batch(db)
    figures = summary.summarize(db, date(2026, 11, 1), date(2026, 11, 30), SHANGHAI)
    document = docx.Document(io.BytesIO(summary_report.build(figures, "示范医院", date(2026, 12, 1))))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "截至2026年11月30日的办理情况：" in text
