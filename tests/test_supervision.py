"""督导: a supervising body and its institutions in one deployment. Each institution is a
database of its own (storage/institutions.py, jobs/institutions.py): a person of one sees
nothing of another, whether they read the ledger, the inbox, the history or a digest.

Fast tier (tests/fast.py), over the in-process fake Bot API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from conftest import confirmed, submit_opinion

from jobs import digests, institutions, notices, opinion_batches, supervision
from storage import institutions as directory
from storage import invitations, orders, outbox, problems, roster
from storage.clock import clock
from storage.db import open_database

COUNTY_CSV = """姓名,单位,科室,角色
周督导,县卫生健康局,督导组,督导组
吴局长,县卫生健康局,局领导,委领导
郑秘书,县卫生健康局,局办公室,活动办
甲职工,甲医院,门诊部,职工
甲院长,甲医院,院办,班子成员
甲办,甲医院,院办,活动办
甲主任,甲医院,门诊部,科室负责人
乙职工,乙医院,门诊部,职工
乙院长,乙医院,院办,班子成员
乙办,乙医院,院办,活动办
"""

PEOPLE = {
    "周督导": 901,
    "吴局长": 902,
    "郑秘书": 903,
    "甲职工": 911,
    "甲院长": 912,
    "甲办": 913,
    "甲主任": 914,
    "乙职工": 921,
    "乙院长": 922,
    "乙办": 923,
}


def county(db, db_path) -> dict[str, str]:
    """The county imported (the main database becomes the bureau's) and everyone invited:
    name -> invitation code."""
    institutions_seen = directory.import_roster(db, db_path, roster.parse(COUNTY_CSV.encode()), "")
    assert set(institutions_seen) == {"县卫生健康局", "甲医院", "乙医院"}
    return invite_everyone(db, db_path)


def invite_everyone(db, db_path) -> dict[str, str]:
    """An invitation for everyone not yet joined, in every institution: name -> code."""
    codes = {}
    for unit in directory.listed(db):
        unit_db = db if unit.is_main else open_database(unit.file(db_path))
        for invitation in invitations.issue(unit_db, [p.id for p in invitations.unbound(unit_db)], 14):
            codes[invitation.person.name] = invitation.code
        if unit_db is not db:
            unit_db.close()
    return codes


async def everyone_joins(fast_client, codes):
    joined = {}
    for name, user_id in PEOPLE.items():
        person = await fast_client.user(user_id, name)
        replies = await person.send(f"/start {codes[name]}")
        assert name in replies[-1].text, replies[-1].text
        joined[name] = person
    return joined


def view(fast_bot, name):
    found = institutions.view_named(fast_bot.app, name)
    assert found is not None, name
    return found


def test_roster_by_institution_and_the_body(db, db_path):
    county(db, db_path)
    units = {u.name: u for u in directory.listed(db)}
    assert units["县卫生健康局"].is_body and units["县卫生健康局"].is_main
    assert not units["甲医院"].is_body and units["甲医院"].file(db_path).exists()
    # the bureau's database holds the bureau's people only
    names = {r["name"] for r in db.query("select name from people")}
    assert names == {"周督导", "吴局长", "郑秘书"}


def test_a_roster_that_names_two_bodies_is_refused(db, db_path):
    bad = COUNTY_CSV + "钱督导,乙医院,院办,督导组\n"
    with pytest.raises(roster.RosterError) as refused:
        directory.import_roster(db, db_path, roster.parse(bad.encode()), "")
    assert refused.value.reason == "two_bodies"
    assert not directory.listed(db)


def test_a_file_that_writes_departments_under_danwei_still_reads(db):
    rows = roster.parse("姓名,单位,角色\n张伟,门诊部,职工\n".encode())
    assert rows[0].department == "门诊部" and rows[0].institution == ""


async def test_a_person_of_one_institution_sees_nothing_of_another(fast_bot, fast_client, db_path):
    codes = county(fast_bot.db, db_path)
    people = await everyone_joins(fast_client, codes)
    a, b = view(fast_bot, "甲医院"), view(fast_bot, "乙医院")
    assert institutions.view_for_user(fast_bot.app, PEOPLE["甲职工"]) is a
    # what a job does in 甲's view reaches 甲's people, through 甲's outbox
    assert [p.name for p in notices.office(a)] == ["甲办"]
    assert [p.name for p in notices.office(fast_bot.app)] == ["郑秘书"]
    problems.create(a.bot_data["db"], "甲医院食堂排队太久", None)
    problems.create(b.bot_data["db"], "乙医院停车位不足", None)

    ledger_a = " ".join(m.text for m in await people["甲职工"].send("/ledger"))
    ledger_b = " ".join(m.text for m in await people["乙职工"].send("/ledger"))
    assert "甲医院食堂排队太久" in ledger_a and "乙医院停车位不足" not in ledger_a
    assert "乙医院停车位不足" in ledger_b and "甲医院食堂排队太久" not in ledger_b

    # an anonymous opinion in 甲 reaches 甲's office only, through 甲's own mixing pool
    receipt = await submit_opinion(people["甲职工"], "门诊大厅的意见箱很久没人开过了", department="门诊部")
    assert receipt and "-" in receipt
    assert institutions.view_for_user(fast_bot.app, PEOPLE["乙职工"]) is b
    assert a.bot_data["anonymous_pool"] is not b.bot_data["anonymous_pool"]
    for unit in institutions.each(fast_bot.app):
        await opinion_batches.release_to_office(unit)
    inbox_a = " ".join(m.text or "" for m in await people["甲办"].send("/inbox"))
    inbox_b = " ".join(m.text or "" for m in await people["乙办"].send("/inbox"))
    assert "意见箱很久没人开过" in inbox_a
    assert "意见箱很久没人开过" not in inbox_b
    assert b.bot_data["db"].execute("select count(*) from opinions").fetchone()[0] == 0
    assert fast_bot.db.execute("select count(*) from opinions").fetchone()[0] == 0

    # the office digest of 乙 speaks of 乙 only; the receipt of 甲 is unknown in 乙
    history_b = " ".join(m.text or "" for m in await people["乙办"].send("/history"))
    assert "甲医院" not in history_b
    await people["乙职工"].send("/receipt")
    unknown = await people["乙职工"].send(receipt)
    assert "门诊大厅" not in " ".join(m.text or "" for m in unknown)
    digest_b = " ".join(m.text or m.caption or "" for m in await people["乙办"].send("/digest"))
    assert "乙医院停车位不足" in digest_b and "甲医院" not in digest_b
    # the scheduled digests: each institution's office and leaders, of their institution only
    now = clock.now()
    queued = {}
    for unit in institutions.each(fast_bot.app):
        queued[unit] = await digests.queue_due(unit, now - timedelta(days=7), now)
        texts = " ".join(row.text for row in outbox.due(unit.bot_data["db"], limit=1000))
        if unit is a:
            assert "乙医院" not in texts
        if unit is b:
            assert "甲医院" not in texts and "乙医院停车位不足" in texts
    assert queued[a] and queued[b]


async def test_one_supervision_order_end_to_end(fast_bot, fast_client, db_path):
    """督办: issued by the supervisor, listed in 甲医院 marked 督办, claimed, dispatched,
    reported, asked to close; the office's 销号 asks the supervisor, whose confirmation closes
    it. The 五书制 steps climb by the calendar and by hand, each recorded and in the roll-up."""
    codes = county(fast_bot.db, db_path)
    people = await everyone_joins(fast_client, codes)
    a = view(fast_bot, "甲医院")
    supervisor, leader, head, office = people["周督导"], people["甲院长"], people["甲主任"], people["甲办"]

    usage = await supervisor.send("/order")
    assert "甲医院" in usage[-1].text and "乙医院" in usage[-1].text
    refused = await people["甲办"].send("/order 乙医院 2099-12-31 越级督办")
    assert "督导组" in refused[-1].text  # an institution's office cannot issue orders
    assert "看不懂期限" in (await supervisor.send("/order 甲医院 尽快 门诊挂号排长队"))[-1].text
    too_long = await supervisor.send("/order 甲医院 2099-12-31 " + "排队" * 101)
    assert "最多 200 个字" in too_long[-1].text and not orders.open_orders(fast_bot.db)  # refused, not cut
    assert "没有叫" in (await supervisor.send("/order 丙医院 2099-12-31 不存在的单位"))[-1].text
    issued = await confirmed(supervisor, "/order　甲医院　2099-12-31　门诊挂号排长队，限期解决😤")
    assert "已向甲医院下达督办" in issued[-1].text, issued[-1].text
    body_orders = orders.open_orders(fast_bot.db)
    assert len(body_orders) == 1 and body_orders[0].step == orders.NOTICE
    problem = problems.get(a.bot_data["db"], body_orders[0].problem_id)
    assert problem.source == problems.SUPERVISION and problem.title == "【督办】门诊挂号排长队，限期解决😤"
    assert problems.count(view(fast_bot, "乙医院").bot_data["db"]) == 0

    await office.wait_for("督办通知")
    notice = await leader.wait_for("新问题待接单")
    await leader.press("接单", message=notice)
    await leader.press("下单")
    await leader.send("增设挂号窗口，推行分时段预约")
    await leader.press("门诊部")
    await leader.send("2099-12-01")
    await leader.press("确认")
    dispatched = await head.wait_for("派到本科室的问题")
    await head.press("报告进展", message=dispatched)
    await head.send("已增设两个窗口，预约率过半")
    await head.press("完成")
    await head.press("100%")
    await head.press("申请销号")
    await head.press("确认申请销号")
    request = await office.wait_for("申请销号")

    # the office's 销号 does not close it: the supervisor is asked
    asked = await office.press("销号", message=request)
    assert "已提请督导组确认销号" in asked[-1].text, asked[-1].text
    assert problems.get(a.bot_data["db"], problem.id).status == problems.CLOSURE_REQUESTED
    await office.press("销号", message=request)  # a second tap asks nobody twice
    assert "正在等待" in (await office.callback_answer())["text"]
    confirm = await supervisor.wait_for("申请督办事项销号")
    assert "预约率过半" in confirm.text
    assert len([m for m in supervisor.inbox if "申请督办事项销号" in (m.text or "")]) == 1
    done = await supervisor.press("确认销号", message=confirm)
    assert "已确认销号" in done[-1].text
    assert problems.get(a.bot_data["db"], problem.id).status == problems.CLOSED
    assert orders.get(fast_bot.db, body_orders[0].id).status == orders.CONFIRMED
    await office.wait_for("督导组已确认督办事项")
    await supervisor.press_data(confirm.message_id, confirm.buttons[0][0]["callback_data"])  # an old button
    assert "已经处理过" in (await supervisor.callback_answer())["text"]


async def test_orders_climb_the_five_steps_and_show_in_the_rollup(fast_bot, fast_client, db_path):
    codes = county(fast_bot.db, db_path)
    people = await everyone_joins(fast_client, codes)
    a = view(fast_bot, "甲医院")
    today = clock.now().astimezone(fast_bot.app.bot_data["settings"].timezone).date()
    order = orders.issue(
        fast_bot.db,
        a.bot_data["db"],
        institutions.institution_of(a).id,
        "院内停车秩序混乱",
        today + timedelta(days=2),
        None,
    )
    # by the calendar: two days before its deadline it is a 提醒; eight days after, a 约谈
    assert supervision.escalate_due(a, today) == 0  # only in the body's own pass
    assert supervision.escalate_due(fast_bot.app, today) > 0
    assert orders.get(fast_bot.db, order.id).step == orders.REMINDER
    await people["甲办"].wait_for("督办提醒")
    assert supervision.escalate_due(fast_bot.app, today + timedelta(days=10)) > 0
    assert orders.get(fast_bot.db, order.id).step == orders.TALK
    assert [s for s, _ in orders.steps(fast_bot.db, order.id)] == [1, 2, 4]
    await people["甲院长"].wait_for("督办约谈")
    # by hand: a second order, escalated with the button
    second = orders.issue(
        fast_bot.db,
        a.bot_data["db"],
        institutions.institution_of(a).id,
        "食堂卫生",
        today + timedelta(days=30),
        None,
    )
    listed = await people["周督导"].send("/orders")
    card = next(m for m in listed if "食堂卫生" in (m.text or ""))
    escalated = await people["周督导"].press("升级督办", message=card)
    assert "提醒" in escalated[-1].text
    assert orders.get(fast_bot.db, second.id).step == orders.REMINDER

    problems.create(view(fast_bot, "乙医院").bot_data["db"], "乙医院候诊区拥挤", None)
    rollup_text = "\n".join(m.text or "" for m in await people["吴局长"].send("/rollup"))
    assert "甲医院" in rollup_text and "乙医院" in rollup_text
    assert "约谈 1" in rollup_text and "提醒 1" in rollup_text
    assert "院内停车秩序混乱" not in rollup_text or "最长超期" in rollup_text
    # the institutions' staff have no roll-up
    assert "督导组" in (await people["甲职工"].send("/rollup"))[-1].text


def test_the_rollup_withholds_small_counts_and_ranks(db, tmp_path):
    """Opinions by category only from k; satisfaction only from k counted votes; the better
    closure rate first."""
    from storage import rollup

    today = clock.now().date()
    opinion = {"text": "x", "submitted_on": "2026-01-01", "released": 1, "anonymous": 1, "status": "new"}
    for n in range(5):
        db.table("opinions").insert({"id": f"A{n}", "category": "形式主义", **opinion})
    db.table("opinions").insert({"id": "B1", "category": "奢靡之风", **opinion})
    first = problems.create(db, "逾期未改的问题", None)
    db.execute(
        "update problems set status = 'dispatched', deadline = ? where id = ?",
        [(today - timedelta(days=9)).isoformat(), first],
    )
    done = problems.create(db, "已销号的问题", None)
    db.execute("update problems set status = 'closed' where id = ?", [done])
    found = rollup.figures(db, "甲医院", today, k=5)
    assert found.opinions == {"形式主义": 5}  # 奢靡之风 has one: withheld
    assert found.overdue == 1 and found.longest_overdue_days == 9 and found.closure_rate == 0.5
    assert found.satisfaction is None  # no look-back votes: nothing to show
    other = rollup.Figures("乙医院", total=2, by_status={"closed": 2})
    empty = rollup.Figures("丙卫生院")
    assert [f.institution for f in rollup.ranked([found, empty, other])] == ["乙医院", "甲医院", "丙卫生院"]


async def test_a_body_back_after_days_down_sends_one_roll_up_and_none_at_the_weekend(
    fast_bot, fast_client, db_path
):
    """The sweeper queued a roll-up for every missed day, Friday's on Saturday among them: back
    on Thursday after Tuesday, three roll-ups at once; back on Saturday, Thursday's and
    Friday's to the 局长 on his day off. Now one, as of the latest working-day slot."""
    from jobs import sweeper

    codes = county(fast_bot.db, db_path)
    await everyone_joins(fast_client, codes)
    problems.create(view(fast_bot, "甲医院").bot_data["db"], "门诊楼无障碍通道", None)
    zone = fast_bot.app.bot_data["settings"].timezone
    at_nine = fast_bot.app.bot_data["settings"].reminder_time

    def window(since: datetime, now: datetime) -> sweeper.Window:
        days = [since.date() + timedelta(days=n) for n in range((now.date() - since.date()).days + 1)]
        slots = [datetime.combine(d, at_nine, tzinfo=zone) for d in days]
        return sweeper.Window(since, now, [s for s in slots if since < s <= now])

    def roll_ups() -> list[str]:  # the days of the roll-ups queued (rollup:DAY:person)
        rows = fast_bot.db.query("select dedup_key from outbox where dedup_key like 'rollup:%'")
        return sorted({row["dedup_key"].split(":")[1] for row in rows})

    tuesday = datetime(2026, 12, 1, 8, 0, tzinfo=zone)
    saturday = datetime(2026, 12, 5, 10, 0, tzinfo=zone)
    clock.freeze(saturday)
    assert await sweeper._rollup(fast_bot.app, window(tuesday + timedelta(days=2), saturday)) == 0
    assert roll_ups() == []
    thursday = datetime(2026, 12, 3, 10, 0, tzinfo=zone)
    clock.freeze(thursday)
    assert await sweeper._rollup(fast_bot.app, window(tuesday, thursday)) == 4  # two people: text, chart
    assert roll_ups() == ["2026-12-03"]


async def test_the_body_gets_its_digest_and_workbook(fast_bot, fast_client, db_path):
    import io

    from openpyxl import load_workbook

    from documents import rollup_workbook

    codes = county(fast_bot.db, db_path)
    people = await everyone_joins(fast_client, codes)
    a, b = view(fast_bot, "甲医院"), view(fast_bot, "乙医院")
    problems.create(a.bot_data["db"], "门诊楼无障碍通道", None)
    problems.create(b.bot_data["db"], "住院部陪护管理", None)
    clock.travel_to(datetime(2026, 12, 1, 2, 0, tzinfo=UTC))  # a Tuesday: the digest is for working days
    now = clock.now()
    sunday = datetime(2026, 12, 6, 2, 0, tzinfo=UTC)
    assert await supervision.queue_digest(fast_bot.app, sunday) == 0
    assert await supervision.queue_digest(a, now) == 0  # only in the body's own pass
    assert await supervision.queue_digest(fast_bot.app, now) == 4  # 周督导 and 吴局长: ranking, chart
    assert await supervision.queue_digest(fast_bot.app, now) == 0  # once a day
    digest = await people["吴局长"].wait_for("各单位整改落实汇总")
    assert "1. " in digest.text and "甲医院" in digest.text and "乙医院" in digest.text
    chart = await people["吴局长"].wait_for("各单位问题红黄绿灯")
    assert chart.photo
    # the body's office holds no body role: no roll-up digest
    assert not [m for m in people["郑秘书"].inbox if "汇总" in (m.text or "")]

    sent = await people["吴局长"].press("汇总表", message=digest)
    assert sent[0].document["file_name"].endswith(".xlsx") and "2 个单位" in sent[-1].text
    today = now.astimezone(fast_bot.app.bot_data["settings"].timezone).date()
    ranked, by_name = await supervision.collect(fast_bot.app, today)
    book = load_workbook(io.BytesIO(rollup_workbook.to_bytes(ranked, by_name, today)))
    assert book.sheetnames == ["汇总", "甲医院", "乙医院"] or book.sheetnames == ["汇总", "乙医院", "甲医院"]
    assert {book["汇总"].cell(3, 2).value, book["汇总"].cell(4, 2).value} == {"甲医院", "乙医院"}
    assert book["甲医院"]["B1"].value == "甲医院"
    from docx import Document

    from documents import rollup_report

    report = Document(io.BytesIO(rollup_report.build("县卫生健康局", ranked, by_name, today)))
    # 20 characters, one more than a line holds: broken after whom it is about (test_bureau_walk)
    assert report.paragraphs[0].text == "县卫生健康局所属单位\n整改落实情况汇总报告"
    assert {row.cells[1].text for row in report.tables[0].rows[1:]} == {"甲医院", "乙医院"}

    rollup = await people["周督导"].send("/rollup")
    report = await people["周督导"].press("汇总报告", message=rollup[-1])
    assert report[0].document["file_name"].endswith(".docx") and "2 个单位" in report[-1].text
    ledger_of_b = await people["周督导"].press("乙医院台账", message=rollup[-1])
    assert "乙医院的整改台账：1 个问题" in ledger_of_b[-1].text


async def test_a_written_report_goes_up_in_two_taps(fast_bot, fast_client, db_path):
    """专题书面报告: asked by the supervisor, sent by 甲's office in two taps from today's
    summary report, returned, sent again, accepted; 乙 is late and reminded."""
    from storage import upward_reports

    codes = county(fast_bot.db, db_path)
    people = await everyone_joins(fast_client, codes)
    supervisor, office_a, office_b = people["周督导"], people["甲办"], people["乙办"]
    today = clock.now().astimezone(fast_bot.app.bot_data["settings"].timezone).date()
    due = today + timedelta(days=3)
    asked = await confirmed(supervisor, f"/askreport {due.isoformat()} 整改落实情况专题报告")
    assert "已要求 2 个单位" in asked[-1].text

    notice = await office_a.wait_for("上级要求报送")
    preview = await office_a.press("报送本单位综合报告", message=notice)
    assert "甲医院" in preview[-1].text and "县卫生健康局" in preview[-1].text
    await office_a.press("确认报送", message=preview[-1])
    arrived = await supervisor.wait_for("甲医院报送了")
    opened = await supervisor.press("查看", message=arrived)
    assert opened[-1].document["file_name"].endswith(".docx")
    request = upward_reports.recent(fast_bot.db)[0]
    content, _ = upward_reports.document(
        fast_bot.db, request.id, institutions.institution_of(view(fast_bot, "甲医院")).id
    )
    assert content.startswith(b"PK")  # a Word file
    asked_why = await supervisor.press("退回重报", message=arrived)
    assert "请写下退回甲医院" in asked_why[-1].text
    when = await supervisor.send("整改措施不具体，请逐条写明责任人和时限。")
    assert "哪一天前重新报送" in when[-1].text, when[-1].text  # not returned before its day is given
    redo_by = today + timedelta(days=10)
    sent_back = await supervisor.send(redo_by.isoformat())
    assert "已退回甲医院" in sent_back[-1].text and redo_by.isoformat() in sent_back[-1].text
    edited = next(m for m in supervisor.inbox if m.message_id == arrived.message_id)
    # the arrival, edited: decided, so no 通过 / 退回 left, but the report is still one tap away
    assert "已退回甲医院" in edited.text and edited.labels() == ["📄 查看"], edited.labels()
    reopened = await supervisor.press("查看", message=edited)
    assert any(m.document for m in reopened)
    returned = await office_a.wait_for("督导组退回了")
    assert "退回意见：整改措施不具体，请逐条写明责任人和时限。" in returned.text
    assert f"于 {redo_by.isoformat()} 前重新报送" in returned.text, returned.text
    preview = await office_a.press("报送本单位综合报告", message=returned)
    await office_a.press("确认报送", message=preview[-1])
    again = await supervisor.wait_for("甲医院重新报送了")  # the second arrival, with the last word
    assert "第 2 版" in again.text and "上次退回意见：整改措施不具体" in again.text
    await supervisor.press("通过", message=again)
    await office_a.wait_for("督导组已审核通过")

    # 乙 has sent nothing: reminded the day before, late after the date, and /reports says so
    assert supervision.remind_reports(fast_bot.app, due - timedelta(days=1)) == 1
    await office_b.wait_for("提醒：《整改落实情况专题报告》")
    assert supervision.remind_reports(fast_bot.app, due + timedelta(days=1)) == 1
    clock.travel_to(clock.now() + timedelta(days=4))
    status = (await people["吴局长"].send("/reports"))[-1].text
    assert "已通过 1" in status and "逾期未报：乙医院" in status


async def test_a_report_uploaded_returned_with_words_and_sent_again(fast_bot, fast_client, db_path):
    """An office uploads its own 专题书面报告 (a .docx or .pdf within Telegram's 20 MB; anything
    else is refused with the reason, the office still asked for the file); the supervisor returns
    it with a typed comment, which the office reads; the office uploads again; every version and
    comment is kept, and the supervisor sees the history beside the file."""
    from storage import upward_reports

    codes = county(fast_bot.db, db_path)
    people = await everyone_joins(fast_client, codes)
    supervisor, office_a = people["周督导"], people["甲办"]
    today = clock.now().astimezone(fast_bot.app.bot_data["settings"].timezone).date()
    await confirmed(supervisor, f"/askreport {(today + timedelta(days=5)).isoformat()} 专题书面报告")
    notice = await office_a.wait_for("上级要求报送")
    preview = await office_a.press("报送本单位综合报告", message=notice)
    asked = await office_a.press("上传报告文件", message=preview[-1])
    assert "Word（.docx）或 PDF，不超过 20 MB" in asked[-1].text

    assert "只能上传 Word（.docx）或 PDF" in (await office_a.send("报告在附件里"))[-1].text
    assert "只能上传" in (await office_a.send_file(b"\xd0\xcf\x11\xe0old", "报告.doc"))[-1].text
    renamed = await office_a.send_file(b"\xd0\xcf\x11\xe0 a .wps renamed", "报告.docx")
    assert "不是它的扩展名所说的" in renamed[-1].text
    too_big = await office_a.send_file(b"%PDF-1.7\n" + b"0" * upward_reports.MAX_UPLOAD_BYTES, "报告.pdf")
    assert "超过了 20 MB 的上限" in too_big[-1].text and "20.0 MB" in too_big[-1].text
    request = upward_reports.recent(fast_bot.db)[0]
    a_id = institutions.institution_of(view(fast_bot, "甲医院")).id
    assert upward_reports.history(fast_bot.db, request.id, a_id) == []  # nothing refused was kept

    first = "%PDF-1.7\n% 甲医院专题书面报告（第一稿）\n".encode()
    sent = await office_a.send_file(first, "甲医院专题报告.pdf")
    assert "已上传《专题书面报告》（甲医院专题报告.pdf）" in sent[-1].text
    arrived = await supervisor.wait_for("甲医院报送了")
    opened = await supervisor.press("查看", message=arrived)
    assert opened[-1].document["file_name"] == "甲医院专题报告.pdf"

    await supervisor.press("退回重报", message=arrived)
    await supervisor.press("退回重报", message=arrived)  # a double tap asks once more, nothing else
    assert "请写下退回的理由" in (await supervisor.send("\u200b\u3000\u200d"))[-1].text  # invisible only
    long_word = "问题查摆不深🙂" * 150  # 1,050 characters: refused whole, never cut
    refused = await supervisor.send(long_word)
    assert "意见最多 1000 字，这段有 1050 字" in refused[-1].text
    assert upward_reports.status_of(fast_bot.db, request.id, a_id) == upward_reports.SUBMITTED
    comment = "第三部分只有原则表态，请补充整改时限、责任人；附件请用正式文号。"
    await supervisor.send(comment)
    await supervisor.send("5个工作日")
    returned = await office_a.wait_for("督导组退回了")
    assert f"退回意见：{comment}" in returned.text

    preview = await office_a.press("报送本单位综合报告", message=returned)
    await office_a.press("上传报告文件", message=preview[-1])
    second = b"PK\x03\x04" + "甲医院专题书面报告（修改稿）".encode()
    await office_a.send_file(second, "甲医院专题报告-修改稿.docx")
    again = await supervisor.wait_for("甲医院重新报送了")
    assert "第 2 版" in again.text and f"上次退回意见：{comment}" in again.text
    opened = await supervisor.press("查看", message=again)
    assert any(m.document and m.document["file_name"] == "甲医院专题报告-修改稿.docx" for m in opened)
    history = next(m.text for m in opened if m.text and "历次报送" in m.text)
    assert f"第 1 版 · {today.isoformat()} · 上传《甲医院专题报告.pdf》 · 退回：{comment}" in history
    assert "第 2 版" in history and "待审核" in history
    await supervisor.press("通过", message=again)
    await office_a.wait_for("督导组已审核通过")

    versions = upward_reports.history(fast_bot.db, request.id, a_id)
    assert [(v.version, v.source, v.decision, v.comment) for v in versions] == [
        (1, "uploaded", "returned", comment),
        (2, "uploaded", "accepted", None),
    ]
    assert upward_reports.document(fast_bot.db, request.id, a_id, version=1) == (first, "甲医院专题报告.pdf")
    assert upward_reports.document(fast_bot.db, request.id, a_id)[0] == second
    # an old 退回 button on the decided arrival changes nothing
    stale = await supervisor.press("退回重报", message=again) if again.buttons else []
    assert upward_reports.status_of(fast_bot.db, request.id, a_id) == upward_reports.ACCEPTED
    assert not any("请写下退回" in (m.text or "") for m in stale)


async def test_an_appraisal_of_the_institutions_flags_one_into_an_order(fast_bot, fast_client, db_path):
    """述职评议: the body's panel rates every institution's leadership team with the same
    unlinkable ballots and k; a team graded 差 becomes a 督办 order to its institution, once."""
    from jobs import evaluations as evaluation_job
    from storage import appraisals, evaluations
    from storage import people as roster_people

    panel = "".join(f"督导员{n},县卫生健康局,督导组,督导组\n" for n in range(3))
    codes = county(fast_bot.db, db_path)
    directory.import_roster(fast_bot.db, db_path, roster.parse((COUNTY_CSV + panel).encode()), "")
    people = await everyone_joins(fast_client, codes)
    closes = (clock.now() + timedelta(days=3)).date()
    created = await confirmed(people["周督导"], f"/appraisal {closes} 年度述职评议")
    assert "2 个评议对象，5 人评议" in created[0].text, created[0].text
    assert "/slips" in created[-1].text  # and how to invite delegates
    sheet = evaluations.open_sheets(fast_bot.db)[0]
    a_position = next(s.position for s in sheet.subjects if s.name.startswith("甲医院"))
    today = clock.now().date()
    for rater in roster_people.holding(fast_bot.db, tuple(appraisals.PANEL)):
        ratings = {
            s.position: {i: (3 if s.position == a_position else 0) for i in range(len(sheet.items))}
            for s in sheet.subjects
        }
        evaluations.submit(fast_bot.db, sheet.id, rater, ratings, today)
    clock.travel_to(clock.now() + timedelta(days=4))
    evaluation_job.run(fast_bot.app, clock.now())
    concluded = await people["郑秘书"].wait_for("已截止")
    results = await people["郑秘书"].press("查看结果", message=concluded)
    preview = (await people["郑秘书"].press("甲医院领导班子", message=results[-1]))[-1]
    flagged = await people["郑秘书"].press("确认下达", message=preview)  # previewed (test_bureau_walk)
    assert "向甲医院下达督办" in flagged[-1].text, flagged[-1].text
    order = orders.open_orders(fast_bot.db)[0]
    a = view(fast_bot, "甲医院")
    assert order.institution_id == institutions.institution_of(a).id
    assert problems.get(a.bot_data["db"], order.problem_id).title.startswith("【督办】述职评议")
    await people["甲办"].wait_for("督办通知")
    await people["郑秘书"].press("甲医院领导班子", message=results[-1])  # a second tap: no second order
    assert len(orders.open_orders(fast_bot.db)) == 1


async def test_a_guest_of_one_institution_writes_into_its_own_box(fast_bot, fast_client, db_path):
    """The lobby poster of an institution that is not the main database's: a stranger who opens
    its link is that institution's guest, and the opinion lands in its box, nowhere else."""
    from test_public_box import guest_submits, open_box

    codes = county(fast_bot.db, db_path)
    people = await everyone_joins(fast_client, codes)
    code = await open_box(people["乙办"])
    guest = await fast_client.user(990, "病人家属")
    receipt = await guest_submits(guest, code, "乙医院挂号窗口只开一个，排队太久。")
    assert receipt
    b = view(fast_bot, "乙医院")
    for unit in institutions.each(fast_bot.app):
        await opinion_batches.release_to_office(unit)
    assert b.bot_data["db"].execute("select count(*) from opinions where public = 1").fetchone()[0] == 1
    assert view(fast_bot, "甲医院").bot_data["db"].execute("select count(*) from opinions").fetchone()[0] == 0
    assert fast_bot.db.execute("select count(*) from opinions").fetchone()[0] == 0
    inbox_b = " ".join(m.text or "" for m in await people["乙办"].send("/inbox"))
    assert "挂号窗口只开一个" in inbox_b
    # staff of another institution who open the link keep their own box
    staff_a = await people["甲职工"].send(f"/start {code}")
    assert "群众意见箱" not in staff_a[-1].text


async def test_invited_delegates_rate_the_appraisal_as_their_own_group(fast_bot, fast_client, db_path):
    """述职评议's raters are the body's panel and invited delegates (人大代表, institutions'
    服务对象代表): the body's office makes one-time slips (QR codes and links); whoever holds one
    rates once, a stranger or someone of an institution, even where the body is not the main
    database; their ballots are their own group in the results, under the same k."""
    import re

    from jobs import evaluations as evaluation_job
    from storage import appraisals, evaluations
    from storage import people as roster_people

    panel = "".join(f"督导员{n},县卫生健康局,督导组,督导组\n" for n in range(3))
    # an existing hospital (甲医院, the main database) that added its bureau: the body's sheet
    # and slips live in a file of their own, where nobody's updates go by default
    directory.import_roster(fast_bot.db, db_path, roster.parse((COUNTY_CSV + panel).encode()), "甲医院")
    codes = invite_everyone(fast_bot.db, db_path)
    joined = {}
    for name, user_id in {**PEOPLE, "督导员0": 904}.items():
        joined[name] = await fast_client.user(user_id, name)
        assert name in (await joined[name].send(f"/start {codes[name]}"))[-1].text
    closes = (clock.now() + timedelta(days=3)).date()
    created = await confirmed(joined["周督导"], f"/appraisal {closes} 年度述职评议")
    hint = next(m.text for m in created if "特邀代表" in m.text)
    sheet_id = int(re.search(r"/slips (\d+)", hint)[1])
    told = await joined["郑秘书"].wait_for("如需邀请特邀代表")
    assert f"/slips {sheet_id}" in told.text

    made = await joined["郑秘书"].send(f"/slips {sheet_id} 6")
    assert made[0].document["file_name"].endswith(".pdf")
    assert "6 张特邀代表评议票" in " ".join(m.text or "" for m in made)
    slips = re.findall(r"start=(slip_[a-z0-9]{16})", " ".join(m.text or "" for m in made))
    assert len(set(slips)) == 6

    body = view(fast_bot, "县卫生健康局")
    sheet = evaluations.get(body.bot_data["db"], sheet_id)
    grades = {"甲医院领导班子": "好", "乙医院领导班子": "差"}
    order = [grades[s.name] for s in sheet.subjects for _ in sheet.items]
    strangers = [await fast_client.user(980 + n, f"人大代表{n}") for n in range(3)]
    delegates = strangers + [joined["乙职工"], joined["乙院长"], joined["甲职工"]]
    for n, (delegate, slip) in enumerate(zip(delegates, slips, strict=True)):
        welcome = await delegate.send(f"/start {slip}")
        assert "特邀代表" in welcome[0].text and "年度述职评议" in welcome[0].text, welcome[0].text
        for grade in order:
            if n % 2:  # typed rather than tapped, as people do: handled where the slip is
                # the sheet's next step and, the first time, why the typed word vanished
                answered = [m.text or "" for m in await delegate.send(grade)]
                assert any("评议" in text for text in answered), answered
            else:
                await delegate.press(grade)
        await delegate.press("提交")
        assert "✅ 已提交，谢谢" in (await delegate.callback_answer())["text"]
    again = await strangers[0].send(f"/start {slips[0]}")
    assert "已经用过了" in again[-1].text
    # someone of 甲医院 who rated the body's sheet is back in their own institution
    assert "甲职工" in (await joined["甲职工"].send("/start"))[-1].text
    assert not institutions.units_of(fast_bot.app).slip_raters

    today = clock.now().date()
    for rater in roster_people.holding(body.bot_data["db"], tuple(appraisals.PANEL)):
        ratings = {s.position: {i: 1 for i in range(len(sheet.items))} for s in sheet.subjects}
        evaluations.submit(body.bot_data["db"], sheet.id, rater, ratings, today)
    clock.travel_to(clock.now() + timedelta(days=4))
    evaluation_job.run(body, clock.now())
    concluded = await joined["郑秘书"].wait_for("已截止")
    results = await joined["郑秘书"].press("查看结果", message=concluded)
    text = "\n".join(m.text or "" for m in results)
    group = "特邀代表（人大代表、服务对象代表等；评议票已投 6 张，共发 6 张）"
    panel_part, delegates_part = text.split(group)
    # the panel's result is the panel's alone: 5 ballots of 较好, the delegates' 好 and 差 apart
    assert panel_part.count("总体 <b>较好</b>（有效票 5，不了解 0）") == 2
    assert "<b>甲医院领导班子</b>：总体 <b>好</b>（有效票 6，不了解 0）" in delegates_part
    assert "<b>乙医院领导班子</b>：总体 <b>差</b>（有效票 6，不了解 0）" in delegates_part
    slip_ballots = (
        body.bot_data["db"]
        .execute("select count(*) from evaluation_ballots where sheet_id = ? and grp = 'slip'", [sheet_id])
        .fetchone()[0]
    )
    assert slip_ballots == 6 * len(sheet.subjects) * len(sheet.items)
    for unit in ("甲医院", "乙医院"):  # nothing of the body's sheet in an institution's database
        assert (
            view(fast_bot, unit)
            .bot_data["db"]
            .execute("select count(*) from evaluation_ballots")
            .fetchone()[0]
            == 0
        )


async def test_the_supervisors_keyboard_opens_with_the_roll_up(fast_bot, fast_client, db_path):
    """A 督导组 member's main work is the roll-up: 🏛 各单位汇总 is the keyboard's first button, as
    each role's own list of daily buttons orders it (it was the sixth, after 帮助, on the
    walk's phone: the keyboard followed the order of all commands instead)."""
    people = await everyone_joins(fast_client, county(fast_bot.db, db_path))
    for name in ("周督导", "吴局长"):
        menu = people[name].menu()
        assert menu[0] == "🏛 各单位汇总" and len(menu) == 7 and menu[-1] == "⋯ 更多", menu
    assert people["甲办"].menu()[:2] == ["📝 提意见", "📋 整改台账"]  # the other roles' order as it was


async def test_reports_names_who_has_not_sent_and_what_waits_for_review(fast_bot, fast_client, db_path):
    """/reports said 待审核 1 · 未报送 1 and, until the date had passed, 逾期未报：— : a supervisor on
    a phone could not tell whom to chase, nor whose report waited for her, without waiting for
    the date or scrolling back to the arrivals."""
    people = await everyone_joins(fast_client, county(fast_bot.db, db_path))
    supervisor, office_a = people["周督导"], people["甲办"]
    today = clock.now().astimezone(fast_bot.app.bot_data["settings"].timezone).date()
    await confirmed(supervisor, f"/askreport {(today + timedelta(days=3)).isoformat()} 整改落实情况专题报告")
    before = (await supervisor.send("/reports"))[-1].text
    assert "未报送：乙医院、甲医院" in before, before  # by name
    notice = await office_a.wait_for("上级要求报送")
    preview = await office_a.press("报送本单位综合报告", message=notice)
    await office_a.press("确认报送", message=preview[-1])
    await supervisor.wait_for("甲医院报送了")
    after = (await supervisor.send("/reports"))[-1].text
    assert "待审核：甲医院" in after and "未报送：乙医院" in after and "逾期未报：—" in after, after
