"""Self-check reports: asked for, written in three guided parts (or as a document), returned with
a comment, redone, approved; the author is reminded while it is overdue or returned; problems
taken from a report link back to it."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from conftest import confirmed, join

from jobs import delivery, sweeper
from storage import problems, self_checks
from storage.clock import clock

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY = date(2026, 11, 30)
TUESDAY = date(2026, 12, 1)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=SHANGHAI)


async def deliver(app) -> None:
    while await delivery.send_due(app):
        pass


@pytest.fixture
async def team(running_bot, client, invited, db):
    clock.freeze(at(MONDAY, 10))
    people = {
        name: await join(client, invited, uid, name)
        for uid, name in ((101, "张伟"), (102, "李娜"), (103, "王芳"), (104, "刘洋"))
    }
    problem_id = problems.create(db, "挂号排队时间长", None)  # makes 李娜 the leader of 门诊部's problems
    db.execute(
        "update problems set leader_id = (select id from people where name = '李娜'), "
        "department_id = (select id from departments where name = '门诊部'), status = 'claimed' "
        "where id = ?",
        [problem_id],
    )
    db.conn.commit()
    return people


async def test_returned_redone_approved_and_listed(team, running_bot, db):
    office, head, leader = team["王芳"], team["刘洋"], team["李娜"]
    asked = await confirmed(office, "/selfcheck 门诊部 2026-12-04")
    assert "审定人：李娜" in asked[-1].text
    await deliver(running_bot.app)
    await head.wait_for("请 门诊部 于 2026-12-04 前提交自查报告")

    await head.press("写自查报告")
    await head.send("召开职工座谈会，发放问卷 120 份")
    await head.send("1. 挂号窗口少，周末排队长\n2. 导诊标识不清")
    preview = await head.send("增开周末窗口；更换导诊标识")
    assert "导诊标识不清" in preview[-1].text
    assert "已提交" in (await head.press("提交"))[-1].text

    await deliver(running_bot.app)
    await leader.wait_for("提交了自查报告")
    await leader.press("查看")
    await leader.press("退回")
    assert "已退回" in (await leader.send("原因分析不够深入"))[-1].text
    await deliver(running_bot.app)
    await head.wait_for("原因分析不够深入")
    assert self_checks.get(db, 1).status == "returned"

    clock.freeze(at(TUESDAY, 8, 59))  # around the next working day's reminder slot
    await sweeper.sweep_app(running_bot.app)
    clock.freeze(at(TUESDAY, 9, 1))
    await sweeper.sweep_app(running_bot.app)
    reminded = [
        r[0] for r in db.execute("select dedup_key from outbox where dedup_key like 'selfcheck:1:2026%'")
    ]
    assert reminded == [
        "selfcheck:1:2026-12-01:" + str(db.execute("select id from people where name = '刘洋'").fetchone()[0])
    ]

    await head.press("写自查报告")
    await head.send("座谈会、问卷、查阅投诉记录")
    await head.send("（一）挂号窗口少：人手安排不合理\n（二）导诊标识不清：多年未更新")
    await head.send("增开周末窗口；更换导诊标识；每月抽查")
    await head.press("提交")
    await deliver(running_bot.app)
    await leader.press("查看")
    assert "已通过" in (await leader.press("通过"))[-1].text
    await deliver(running_bot.app)
    await head.wait_for("已审定通过")

    await office.send("/selfchecks")
    listed = await office.press_data(office.inbox[-1].message_id, "sc:l:1")
    assert "已列入 2 个问题" in listed[-1].text
    new = list(problems.each(db, problems.Filter(source="self_check")))
    assert [p.title for p in new] == ["挂号窗口少：人手安排不合理", "导诊标识不清：多年未更新"]
    assert all(self_checks.report_of_problem(db, p.id) == 1 and p.department == "门诊部" for p in new)
    await office.press_data(office.inbox[-1].message_id, "sc:l:1")
    assert "列入过清单" in (await office.callback_answer())["text"]


async def test_a_person_sends_a_document_and_is_reminded_while_overdue(team, running_bot, db):
    office, staff, head = team["王芳"], team["张伟"], team["刘洋"]
    asked = await confirmed(office, "/selfcheck 张伟 2026-12-01")
    assert "审定人：刘洋" in asked[-1].text  # a person's report goes to a head of their department
    await deliver(running_bot.app)
    await staff.wait_for("前提交自查报告")

    clock.freeze(at(date(2026, 12, 2), 8, 59))
    await sweeper.sweep_app(running_bot.app)
    clock.freeze(at(date(2026, 12, 2), 9, 1))  # the day after it was due
    await sweeper.sweep_app(running_bot.app)
    await deliver(running_bot.app)
    await staff.wait_for("已过截止日期 2026-12-01")
    digest = await office.send("/digest")
    assert "逾期未交的自查报告" in digest[0].text and "#1 张伟" in digest[0].text

    await staff.press("写自查报告")
    assert "请发送 Word" in (await staff.send_file(b"not a report", "photo.png"))[-1].text
    preview = await staff.send_file(b"PK\x03\x04 docx bytes", "张伟自查报告.docx")
    assert "张伟自查报告.docx" in preview[-1].text
    await staff.press("提交")
    assert self_checks.document(db, 1) == (b"PK\x03\x04 docx bytes", "张伟自查报告.docx")
    await deliver(running_bot.app)
    await head.wait_for("提交了自查报告")
    await head.press("查看")
    assert any(m.document and m.document["file_name"] == "张伟自查报告.docx" for m in head.inbox)
    await staff.press_data(staff.inbox[-1].message_id, "sc:a:1")  # the author may not approve
    assert "不归您处理" in (await staff.callback_answer())["text"]
    assert self_checks.get(db, 1).status == "submitted"


async def test_bad_requests_are_explained(team, running_bot):
    office = team["王芳"]
    assert "用法" in (await office.send("/selfcheck 门诊部"))[-1].text
    assert "名单上没有“放射科”" in (await office.send("/selfcheck 放射科 2026-12-04"))[-1].text
    assert "只对活动办开放" in (await team["张伟"].send("/selfcheck 门诊部 2026-12-04"))[-1].text
    assert "没有要写的自查报告" in (await team["张伟"].send("/mychecks"))[-1].text


FINDINGS = "1. 排队长\n2. 标识不清"


def test_only_the_reviewer_lists_an_approved_reports_problems(db, invited):
    """A forged sc:l:N: another leader, or the reviewer before approval (a report sent back or
    never reviewed), cannot put a report's findings on the public list."""
    from storage import people as people_storage
    from storage import roster

    roster.apply(
        db,
        roster.parse(
            "姓名,科室,角色\n李娜,院办,班子成员\n王芳,组织人事科,活动办\n"
            "刘洋,门诊部,科室负责人\n赵强,党办,班子成员\n".encode()
        ),
        None,
        risks_confirmed=True,
    )  # 张伟 leaves: more than a fifth of the roster
    everyone = {p.name: p for p in people_storage.everyone(db)}
    reviewer, other, office, head = everyone["李娜"], everyone["赵强"], everyone["王芳"], everyone["刘洋"]
    report_id = self_checks.request(db, clock.now().date(), office, person=head, reviewer_id=reviewer.id)
    self_checks.submit(db, report_id, head, method="座谈", findings=FINDINGS, measures="增开窗口")
    for actor in (other, reviewer):  # submitted, not approved: nobody lists it yet
        with pytest.raises(self_checks.SelfCheckError):
            self_checks.list_problems(db, report_id, actor)
    self_checks.review(db, report_id, reviewer, approve=False, comment="再具体些")
    with pytest.raises(self_checks.SelfCheckError):
        self_checks.list_problems(db, report_id, reviewer)  # returned
    assert db.execute("select count(*) from self_check_problems").fetchone()[0] == 0
    self_checks.submit(db, report_id, head, method="座谈", findings=FINDINGS, measures="增开窗口")
    self_checks.review(db, report_id, reviewer, approve=True, comment="")
    with pytest.raises(self_checks.SelfCheckError):
        self_checks.list_problems(db, report_id, other)  # any other leader
    assert len(self_checks.list_problems(db, report_id, reviewer)) == 2
