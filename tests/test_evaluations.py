"""Democratic evaluation: thirty people rate three subjects on their phones, each once; results
match the ballots; few ballots show nothing; a subject rated mostly 一般 is flagged and becomes
a problem in one tap; those who have not rated are reminded, those who have are not."""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from conftest import join

import services
from jobs import delivery, sweeper
from storage import evaluations, invitations, roster
from storage.clock import clock

SHANGHAI = ZoneInfo("Asia/Shanghai")
OPENED = date(2026, 12, 7)  # a Monday
STAFF = [f"职工{n:02d}" for n in range(30)]
ROSTER = "姓名,科室,角色\n李娜,院办,班子成员\n陈刚,院办,班子成员\n王芳,组织人事科,活动办\n" + "".join(
    f"{name},{'门诊部' if n % 2 else '后勤保障科'},职工\n" for n, name in enumerate(STAFF)
)
GRADES = ("好", "较好", "一般", "差")


def plan(n: int) -> list[str | None]:
    """What rater n gives 李娜, 门诊部 and 陈刚 (the same grade on every item; None skips)."""
    li_na = "好" if n < 20 else "较好" if n < 28 else "一般"
    clinic = "好" if n < 6 else "一般" if n < 26 else "差"
    chen = "好" if n < 4 else None  # only four know him: too few ballots to show anything
    return [li_na, clinic, chen]


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=SHANGHAI)


@pytest.fixture
async def sheet(running_bot, client, db):
    clock.freeze(at(OPENED, 10))
    roster.apply(db, roster.parse(ROSTER.encode()), None)
    codes = {
        i.person.name: i.code
        for i in invitations.issue(db, [p.id for p in invitations.unbound(db)], ttl_days=14)
    }
    office = await join(client, codes, 900, "王芳")
    raters = await asyncio.gather(*(join(client, codes, 1000 + n, name) for n, name in enumerate(STAFF)))
    preview = await office.send(
        "/newsheet 2026年度民主评议 | 李娜 门诊部 陈刚 | 2026-12-11 17:30 | 门诊部 后勤保障科"
    )
    shown = preview[-1].text
    assert "将发给 30 人" in shown and "李娜（院办）、门诊部、陈刚（院办）" in shown, shown
    assert db.execute("select count(*) from evaluation_sheets").fetchone()[0] == 0  # nothing sent yet
    created = await office.press("确认发出", message=preview[-1])
    assert "已邀请 30 人参评" in created[-1].text, created[-1].text
    again = await office.press_data(preview[-1].message_id, "evn:ok")  # a double tap sends nothing twice
    assert db.execute("select count(*) from evaluation_sheets").fetchone()[0] == 1, again
    sheet_id = int(re.search(r"#(\d+)", created[-1].text)[1])
    # the invitations come through the outbox; let them land before anyone starts
    await asyncio.gather(*(person.wait_for("请参加民主评议") for person in raters))
    return office, list(raters), sheet_id


async def rate(person, n: int) -> None:
    await person.send("/evaluate")
    await person.press("2026年度民主评议")
    for grade in plan(n):
        if grade is None:
            await person.press("不了解，跳过此对象")
            continue
        for _ in range(5):
            await person.press(grade)
    review = person.inbox[-1].text
    assert "请核对后提交" in review
    listed = await person.press("提交")
    # thanked in a pop-up; the message the rating took over is the list again, as in the chat of
    # everyone who has not rated (tests/test_forensic_attacks.py)
    assert "已提交" in (await person.callback_answer())["text"]
    assert "请选择要参加的民主评议" in listed[-1].text and "已提交" not in listed[-1].text


async def test_thirty_rate_once_and_the_results_match_the_ballots(sheet, running_bot, db):
    office, raters, sheet_id = sheet
    await asyncio.gather(*(rate(person, n) for n, person in enumerate(raters)))
    again = await raters[0].send("/evaluate")  # the list as a non-rater's: the sheet is on it
    await raters[0].press("2026年度民主评议", message=again[-1])
    assert "已经参加过" in (await raters[0].callback_answer())["text"]
    ballots_columns = {r["name"] for r in db.query("pragma table_info(evaluation_ballots)")}
    # no voter; grp says staff or rating slip, for the slips' own group
    assert ballots_columns == {"id", "sheet_id", "subject", "item", "grade", "grp"}
    voter_days = {r["on_date"] for r in db.query("select on_date from evaluation_voters")}
    assert voter_days == {OPENED.isoformat()}  # the day, never the time
    assert db.execute("select count(*) from evaluation_voters").fetchone()[0] == 30

    clock.freeze(at(OPENED + timedelta(days=4), 17, 31))  # after closing
    await sweeper.sweep_app(running_bot.app)
    while await delivery.send_due(running_bot.app):
        pass
    await office.wait_for("已截止")
    results = (await office.press("查看结果"))[-1].text
    expected = {0: Counter(plan(n)[0] for n in range(30)), 1: Counter(plan(n)[1] for n in range(30))}
    for counts in expected.values():
        shares = "　".join(f"{g} {counts[g] / 30:.0%}" for g in GRADES)
        assert shares in results
    assert "李娜（院办）</b>：总体 <b>好</b>" in results
    assert "门诊部</b>：总体 <b>一般</b>" in results and "门诊部 需约谈、限期整改" in results
    assert "陈刚（院办）：有效票 4 张，不足以公布结果" in results
    assert "陈刚（院办） 需约谈" not in results

    listed = await office.press("门诊部 列入问题清单")
    problem_id = int(re.search(r"#(\d+)", listed[-1].text)[1])
    row = db.execute("select source, title from problems where id = ?", [problem_id]).fetchone()
    assert row[0] == "evaluation" and "门诊部" in row[1] and "一般" in row[1]
    assert evaluations.get(db, sheet_id).subjects[1].problem_id == problem_id
    await office.press("查看结果")  # the button is gone once listed
    assert "门诊部 列入问题清单" not in office.inbox[-1].labels()


async def test_those_who_have_not_rated_are_reminded_and_those_who_have_are_not(sheet, running_bot, db):
    office, raters, sheet_id = sheet
    await asyncio.gather(*(rate(person, n) for n, person in enumerate(raters[:20])))
    clock.freeze(at(OPENED + timedelta(days=2), 14))  # past half time
    await sweeper.sweep_app(running_bot.app)
    await sweeper.sweep_app(running_bot.app)  # once only
    reminded = [
        r[0]
        for r in db.execute(
            "select p.name from outbox o join people p on p.id = o.person_id where o.dedup_key like ? "
            "order by p.name",
            [f"evaluation:{sheet_id}:half:%"],
        )
    ]
    assert reminded == sorted(STAFF[20:])
    clock.freeze(at(OPENED + timedelta(days=3), 17, 31))  # a day before closing
    await rate(raters[25], 25)
    await sweeper.sweep_app(running_bot.app)
    eve = {
        r[0]
        for r in db.execute(
            "select p.name from outbox o join people p on p.id = o.person_id where o.dedup_key like ?",
            [f"evaluation:{sheet_id}:eve:%"],
        )
    }
    # STAFF[25]'s ballot waits in the mixing pool, alone: leaving them out would name, in the
    # outbox, whose ballot the close writes (tests/test_forensic_attacks.py); the reminder tells
    # them there is nothing to do, and the sheet says they rated
    assert eve == set(STAFF[20:])
    await raters[25].press("开始评议", message=await raters[25].wait_for("不必再评"))
    assert "已经参加过" in (await raters[25].callback_answer())["text"]


async def test_a_rater_who_lost_progress_or_was_not_invited_is_told(sheet, running_bot, client, db):
    office, raters, sheet_id = sheet
    person = raters[0]
    await person.send("/evaluate")
    await person.press("2026年度民主评议")
    await person.press("好")
    services.of(running_bot.app).evaluation_ratings.clear()  # what a restart does
    await person.press("好")  # a pop-up: in her chat it would say that she had been rating
    told = (await person.callback_answer())["text"]
    assert "进度已丢失" in told and "/evaluate" in told
    await office.press_data(1, f"ev:go:{sheet_id}")
    assert "没有邀请您" in (await office.callback_answer())["text"]  # a pop-up under the button
    assert "看不懂截止时间" in (await office.send("/newsheet 测评 | 李娜 | 昨天"))[-1].text
    assert "不认识评议对象“张三”" in (await office.send("/newsheet 测评 | 张三 | 7天"))[-1].text
    # bare, it is the guided form, whose first message also shows the one-liner
    bare = (await office.send("/newsheet"))[-1].text
    assert "新建民主评议" in bare and "/newsheet 标题 ｜ 评议对象 ｜ 截止时间 ｜ 参评人员" in bare


def test_the_overall_rule_is_configurable():
    rule = evaluations.parse_rule(evaluations.DEFAULT_RULE)
    assert evaluations.overall_grade({"好": 0.5, "较好": 0.45, "一般": 0.05}, rule) == "好"
    assert evaluations.overall_grade({"好": 0.5, "较好": 0.4, "一般": 0.1}, rule) == "较好"
    assert evaluations.overall_grade({"好": 0.1, "较好": 0.2, "差": 0.3, "一般": 0.4}, rule) == "差"
    assert evaluations.overall_grade({"好": 0.2, "较好": 0.2, "一般": 0.6}, rule) == "一般"
    strict = evaluations.parse_rule("好:好>=80; 一般")
    assert evaluations.overall_grade({"好": 0.7}, strict) == "一般"
    with pytest.raises(ValueError):
        evaluations.parse_rule("好:好>=50")  # nothing left for the rest


async def test_results_stay_confidential_and_a_flagged_subject_is_a_confidential_problem(
    sheet, running_bot, client, db
):
    """Issue 18: a subject graded 一般 becomes a problem off the public ledger, announced to
    nobody, given to the leader the office picks; publishing asks first, with the turnout, and
    publishes only the subjects that met k."""
    office, raters, sheet_id = sheet
    await asyncio.gather(*(rate(person, n) for n, person in enumerate(raters)))
    clock.freeze(at(OPENED + timedelta(days=4), 17, 31))
    await sweeper.sweep_app(running_bot.app)
    while await delivery.send_due(running_bot.app):
        pass
    await office.wait_for("已截止")
    await office.press("查看结果")
    listed = (await office.press("门诊部 列入问题清单"))[-1]
    assert "保密问题" in listed.text and set(listed.labels()) == {"李娜（院办）", "陈刚（院办）"}
    problem_id = int(re.search(r"#(\d+)", listed.text)[1])
    assert db.execute("select public from problems where id = ?", [problem_id]).fetchone()[0] == 0
    assert db.execute("select count(*) from outbox where dedup_key like 'listed:%'").fetchone()[0] == 0
    await office.press("陈刚", message=listed)
    assert (
        db.execute(
            "select l.name from problems p join people l on l.id = p.leader_id where p.id = ?", [problem_id]
        ).fetchone()[0]
        == "陈刚"
    )
    ledger = await raters[0].send("/ledger")
    assert not any("门诊部" in (m.text or "") and "约谈" in (m.text or "") for m in ledger)

    await office.press("查看结果")
    asked = (await office.press("向全体公布结果"))[-1]
    confirm = asked.text
    assert "参评 30/30 人" in confirm and "不公布的对象：1 个" in confirm and "全体 33 人" in confirm
    assert "预计约 1 分钟内发完这 33 人" in confirm and "Stars" not in confirm  # paid broadcasts off
    assert (
        db.execute("select count(*) from outbox where dedup_key like 'evaluation:%:published:%'").fetchone()[
            0
        ]
        == 0
    )  # nothing before 确认
    old_confirm = next(b["callback_data"] for row in asked.buttons for b in row if "确认" in b["text"])
    await office.press("取消", message=asked)
    await office.press_data(asked.message_id, old_confirm)  # the 确认 above, after 取消
    assert "什么也没做" in (await office.callback_answer())["text"]
    published = "select count(*) from outbox where dedup_key like 'evaluation:%:published:%'"
    assert db.execute(published).fetchone()[0] == 0
    await office.press("向全体公布结果")
    await office.press("确认")
    [text] = [
        r[0]
        for r in db.execute(
            "select text from outbox where dedup_key like ? limit 1", [f"evaluation:{sheet_id}:published:%"]
        )
    ]
    assert "门诊部" in text and "陈刚" not in text  # 陈刚 had too few ballots: withheld
    report = await office.wait_for("的结果：已送达", timeout=30)  # what happened, not what was hoped
    assert "已送达 31 人（共 33 人），2 人未能送达" in report.text  # 李娜 and 陈刚 never joined


async def test_the_leaders_the_office_names_see_the_results_but_never_their_own(
    sheet, running_bot, client, db
):
    """Issue 18 item 8: the office names who sees the results, for this sheet (李娜) or as a
    standing choice (陈刚); each sees the subjects that met k, never the results about
    themselves, and the confidential problems flagged from them; the person judged never sees
    the problem about them, nor can hold it; staff see neither."""
    office, raters, sheet_id = sheet
    codes = {
        i.person.name: i.code
        for i in invitations.issue(db, [p.id for p in invitations.unbound(db)], ttl_days=14)
    }
    li_na, chen = await join(client, codes, 800, "李娜"), await join(client, codes, 801, "陈刚")
    assert "活动办还没有指定您" in (await li_na.send("/sheets"))[-1].text

    listing = await office.send("/sheets")
    screen = (await office.press("指定可看结果的领导", message=listing[-1]))[-1]
    assert {"▫️ 李娜（院办）", "▫️ 陈刚（院办）"} <= set(screen.labels())
    screen = (await office.press("李娜（院办）", message=screen))[-1]
    assert "本次指定：李娜" in screen.text and "✅ 李娜（院办）" in screen.labels()
    standing = (await office.press("常设", message=screen))[-1]
    standing = (await office.press("陈刚（院办）", message=standing))[-1]
    assert "已指定：陈刚" in standing.text

    await asyncio.gather(*(rate(person, n) for n, person in enumerate(raters)))
    clock.freeze(at(OPENED + timedelta(days=4), 17, 31))
    await sweeper.sweep_app(running_bot.app)
    while await delivery.send_due(running_bot.app):
        pass
    for leader in (li_na, chen):
        await leader.wait_for("活动办指定您查看结果")
    await office.press("查看结果")
    listed = (await office.press("门诊部 列入问题清单"))[-1]
    problem_id = int(re.search(r"#(\d+)", listed.text)[1])
    await office.press("陈刚", message=listed)

    own = await li_na.press("查看结果")
    shown = "\n".join(m.text for m in own)
    assert "门诊部" in shown and "李娜（院办）" not in shown and "陈刚" not in shown  # 陈刚: fewer than k
    assert f"保密问题 #{problem_id}" in shown
    card = await li_na.press(f"#{problem_id}")
    assert "门诊部" in card[-1].text and "约谈" in card[-1].text
    theirs = "\n".join(m.text for m in await chen.press("查看结果"))
    assert "李娜（院办）" in theirs and "门诊部" in theirs
    refused = await raters[0].send(f"/history {problem_id}")
    assert "约谈" not in refused[-1].text

    # 李娜 judged: a problem flagged from her own results is not hers to see, nor to hold.
    sheet_now = evaluations.get(db, sheet_id)
    office_person = next(p for p in evaluations.people.everyone(db) if p.name == "王芳")
    own_problem = evaluations.flag_to_problem(db, sheet_now, 0, "一般", office_person)
    assert "约谈" not in (await li_na.send(f"/history {own_problem}"))[-1].text
    assert "约谈" in (await chen.send(f"/history {own_problem}"))[-1].text
    choice = (await li_na.send("/sheets"))[-1]
    again = "\n".join(m.text for m in await li_na.press("2026年度民主评议", message=choice))
    assert f"#{own_problem}" not in again and "李娜（院办）" not in again
    li_na_id = next(p.id for p in evaluations.people.everyone(db) if p.name == "李娜")
    await office.press_data(listed.message_id, f"pa:{own_problem}:{li_na_id}")  # a forged assignment
    assert (
        await office.callback_answer()
        and db.execute("select leader_id from problems where id = ?", [own_problem]).fetchone()[0] is None
    )
    staff_sheets = await raters[0].send("/sheets")
    assert "门诊部" not in staff_sheets[-1].text
