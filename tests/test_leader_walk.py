"""Leaders on a phone (院领导, 分管领导, 科室负责人) want one glance at what is late. Found by
walking the demo in a phone-sized browser: a bundled reminder listed problems by number, so
"7 days to go" came above "overdue for 9 days", and gave each problem two rows of buttons, so
that a head's 12 reminders of one morning came as 3 messages in 3 seconds.

A second walk (a 分管副院长's campaign week, 2026-12-01 to 12-15 in the demo) found a late
department that its leader could not chase (📣 催办 was the office's), commands and buttons typed
as a Chinese keyboard types them answered 我没有看懂, cards and digest lines that were red or
amber without saying how late or why, a department that had asked for 销号 read as late, counts
that did not say what they counted (/export, the ledger's head), a confirmation that did not say
whom 下单 tells, and a decision told twice to the leader who made it."""

from __future__ import annotations

from datetime import date

from conftest import join
from test_reminders import at, dispatched

from jobs import delivery, sweeper
from storage.clock import clock


async def test_a_bundle_of_reminders_leads_with_the_longest_overdue_and_is_one_message(
    running_bot, client, invited, db
):
    head = await join(client, invited, 104, "刘洋")
    leader = await join(client, invited, 102, "李娜")
    soon = [dispatched(db, date(2026, 12, 9), f"明天到期的问题{n}") for n in range(6)]
    latest = dispatched(db, date(2026, 12, 3), "逾期三天的问题")
    oldest = dispatched(db, date(2026, 12, 1), "逾期最久的问题")
    clock.freeze(at(date(2026, 12, 8), 8))
    await sweeper.sweep_app(running_bot.app)
    clock.freeze(at(date(2026, 12, 8), 9, 0, 5))
    await sweeper.sweep_app(running_bot.app)
    while await delivery.send_due(running_bot.app):
        pass
    message = await head.wait_for("逾期最久的问题")
    numbers = [int(line.split(" ")[1][1:]) for line in message.text.split("\n\n")]
    assert numbers == [oldest, latest, *soon]  # the longest overdue first, all eight in one message
    assert message.text.startswith("⚠️") and [len(row) for row in message.buttons] == [2] * 8
    # 7 calendar days late, as the digest and the card count it, beside the 5 working days
    assert f"#{oldest} 逾期最久的问题：已逾期 5 个工作日（7 天，期限 2026-12-01）。" in message.text
    assert message.buttons[0] == [
        {"text": f"📈 报告进展 #{oldest}", "callback_data": message.buttons[0][0]["callback_data"]},
        {"text": f"🔎 查看 #{oldest}", "callback_data": message.buttons[0][1]["callback_data"]},
    ]
    reminders = [m for m in head.inbox if m.text and ("到期" in m.text or "逾期" in m.text)]
    assert len(reminders) == 1
    told = await leader.wait_for("逾期最久的问题")
    assert told.text.startswith(f"⚠️ #{oldest} ")
    assert [label["text"] for label in told.buttons[0]] == [
        f"📣 催办 #{oldest}",  # escalated: the leader's next step is to chase the department
        f"⏳ 申请延期 #{oldest}",
        f"🔎 查看 #{oldest}",
    ]
    asked = await leader.press(f"📣 催办 #{oldest}", message=told)
    assert "将提醒 刘洋（1 人）" in asked[-1].text


SIX_DEPARTMENTS = (
    "孙丽,住院部,科室负责人\n赵敏,后勤保障科,科室负责人\n罗平,医务科,科室负责人\n郑芳,护理部,科室负责人\n"
)


def _dispatched_to(db, title: str, department: str, deadline: date) -> int:
    from test_digest_screen import who

    from storage import problems

    problem_id = problems.create(db, title, None)
    problems.claim(db, problem_id, who(db, "李娜"))
    department_id = db.execute("select id from departments where name = ?", [department]).fetchone()[0]
    problems.act(
        db,
        problem_id,
        "dispatch",
        who(db, "李娜"),
        measures="措施",
        department_id=department_id,
        deadline=deadline,
    )
    return problem_id


async def six_departments(client, db):
    """李娜, leader over six departments: 4 overdue in 住院部 (20 to 23 days), 1 in each other (2 days)."""
    from datetime import timedelta

    from conftest import ROSTER_CSV

    from storage import invitations, roster

    roster.apply(db, roster.parse((ROSTER_CSV + SIX_DEPARTMENTS).encode()), None)
    codes = {
        i.person.name: i.code for i in invitations.issue(db, [p.id for p in invitations.unbound(db)], 14)
    }
    leader = await join(client, codes, 102, "李娜")
    today = clock.now().date()
    inpatient = [
        _dispatched_to(db, f"住院部问题{n}", "住院部", today - timedelta(days=20 + n)) for n in range(4)
    ]
    for department in ("门诊部", "后勤保障科", "医务科", "护理部", "组织人事科"):
        _dispatched_to(db, f"{department}的问题", department, today - timedelta(days=2))
    return leader, inpatient


def _tallest_label(png: bytes) -> float:
    """The height of the tallest text left of the chart's y axis (the department names), as a
    share of the chart's width."""
    import io

    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("L")
    width, height = image.size
    pixels = image.load()

    def dark(x: int, y: int) -> bool:
        return pixels[x, y] < 128

    axis = next(x for x in range(width) if sum(dark(x, y) for y in range(height)) > height * 0.4)
    names = [y for y in range(height) if any(dark(x, y) for x in range(axis - 8))]  # not the ticks
    runs, start = [], None
    for n, y in enumerate(names):
        if start is None:
            start = y
        if n + 1 == len(names) or names[n + 1] != y + 1:
            runs.append(y + 1 - start)
            start = None
    return max(runs) / width


async def test_the_digests_chart_is_legible_on_a_phone(running_bot, server, client, db):
    """Telegram shows a photo about 300 points wide on a phone: the chart was 770 pixels wide
    with its department names 13 pixels high, 5 points on the screen, and its legend sat in the
    lower right corner over the longest bars (now below the axis: seen in the screenshots, not
    measured here). The names are now over 3% of the width: 9 points and more on the phone."""
    leader, _ = await six_departments(client, db)
    await leader.send("/digest")
    chart = await leader.wait_for("我负责的问题（按科室）", timeout=60)
    png, _ = server.api.files[chart.photo[-1]["file_id"]]
    assert _tallest_label(png) >= 0.03


async def test_the_counts_stand_under_the_chart_that_a_phone_shows_after_the_tap(running_bot, client, db):
    """After a tap on 📊 简报 a phone follows the newest messages: the chart and the schedule's
    line were what showed, the digest's counts and overdue lines had scrolled away above. The
    chart's caption now carries the counts by colour."""
    leader, _ = await six_departments(client, db)
    await leader.send("/digest")
    chart = await leader.wait_for("我负责的问题（按科室）", timeout=60)
    assert chart.caption == (
        "📊 我负责的问题（按科室）\n"
        "🔴 逾期 9 · 🟡 临期或久未进展 0 · 🟢 正常 0 · ✅ 已完成 0 · 💬 已说明原因 0"
    )


async def test_a_leader_over_six_departments_sees_each_ones_overdue_at_a_glance(running_bot, client, db):
    """A 分管领导 over six departments asks for /digest: the first screen showed the three most
    overdue lines, all 住院部's, then '另有 6 项', and said nothing of the other five departments;
    and each line gave the deadline, leaving the leader to count how late it was."""
    from datetime import timedelta

    leader, inpatient = await six_departments(client, db)
    today = clock.now().date()
    replies = await leader.send("/digest")
    screen = next(m for m in replies if m.text and "整改简报" in m.text)
    red = screen.text.split("🔴 逾期</b>\n")[1].split("\n\n")[0].split("\n")
    assert red[0] == "住院部 4 · 门诊部 1 · 后勤保障科 1 · 医务科 1 · 护理部 1 · 组织人事科 1"
    oldest = (today - timedelta(days=23)).isoformat()
    assert red[1] == f"#{inpatient[3]} 住院部问题3 — 住院部，逾期 23 天（期限 {oldest}）"
    assert red[-1] == "……另有 6 项"
    full = await leader.press("完整简报", message=screen)
    red = " ".join(m.text or "" for m in full).split("🔴 逾期</b>\n")[1].split("\n\n")[0]
    assert "门诊部的问题 — 门诊部，逾期 2 天" in red and "另有" not in red


def test_the_reminders_read_the_working_problems_in_deadline_order_from_its_index(db):
    """The 09:00 reminders read every working problem in deadline order (so that a bundle
    leads with the longest overdue): in chunks that walk the deadline index, not chunks that
    each look every remaining working problem up by status and sort them (measured at 100,000
    problems, 37,500 working: 3.2 s that way, 0.75 s this way, 0.71 s by number as before)."""
    from test_loop_reads import _plan

    from storage import problems

    for n in range(1200):  # more than two chunks
        problems.create(db, f"问题{n}", None)
    db.execute(
        "update problems set status = 'dispatched', "
        "deadline = date('2026-12-01', '+' || (id % 97) || ' days')"
    )
    db.conn.commit()
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    try:
        found = list(problems.each(db, problems.WORKING_FILTER, by_deadline=True))
    finally:
        db.conn.set_trace_callback(None)
    assert [(p.deadline, p.id) for p in found] == sorted((p.deadline, p.id) for p in found) and len(
        found
    ) == 1200
    reads = [s for s in statements if s.lstrip().lower().startswith("select") and "from problems" in s]
    assert len(reads) == 3
    for sql in reads:
        plan = _plan(db, sql)
        assert "problems_deadline_order" in plan and "TEMP B-TREE" not in plan, plan


async def _dispatch_to(leader, db, department: str) -> str:
    from storage import problems

    problem_id = problems.create(db, f"派往{department}的问题", None)
    await leader.send("/claim")
    await leader.press("接单")
    await leader.press("下单")
    await leader.send("制定整改方案并落实到人")
    await leader.press(department)
    await leader.send("2099-12-31")
    done = await leader.press("确认")
    assert problems.get(db, problem_id).status == "dispatched"
    return done[-1].text


async def test_a_dispatch_to_a_department_with_no_head_says_nobody_was_told(running_bot, client, invited, db):
    """李明华 dispatched to 院办, which has leaders and staff but no 科室负责人, and read
    '#11 已下单，已通知 院办。': nobody had been told, and nobody would report or be reminded."""
    leader = await join(client, invited, 102, "李娜")
    await join(client, invited, 104, "刘洋")  # 门诊部's head
    assert await _dispatch_to(leader, db, "门诊部") == "#1 已下单，已通知 1 人（责任科室：门诊部）。"
    told = await _dispatch_to(leader, db, "院办")
    assert told.startswith("#2 已下单，但 院办 还没有已加入整改通的科室负责人，没有人收到通知")
    assert "已通知" not in told


async def test_a_head_with_many_tasks_reads_how_many_are_late_under_the_page(
    running_bot, client, invited, db
):
    """A 科室负责人 with 25 tasks sends /tasks: ten cards, the most overdue first, and under
    them (what a phone shows) only '第 1 页，共 26 项。': how many were late took scrolling back
    through the cards and counting the red dots."""
    from datetime import timedelta

    head = await join(client, invited, 104, "刘洋")
    today = clock.now().date()
    for n in range(25):
        _dispatched_to(db, f"任务{n}", "门诊部", today + timedelta(days=n - 7))  # 7 of them late
    replies = await head.send("/tasks")
    assert replies[-1].text == "第 1 页，共 25 项。其中 🔴 逾期 7 项。"
    assert replies[0].text.startswith("🔴 ") and "任务0" in replies[0].text
    following = await head.press("下一页")
    assert following[-1].text == "第 2 页，共 25 项。其中 🔴 逾期 7 项。"


async def test_a_leader_and_a_head_who_join_late_are_told_what_already_waits(
    running_bot, client, invited, db
):
    """A 分管领导 who joins after the office assigned him problems (two of them overdue) read
    only 欢迎…请使用下方菜单: the notices of those problems had been given up while he had no
    chat, and his digest goes out only when something changes."""
    from datetime import timedelta

    from storage import people

    lina = people.by_id(db, db.execute("select id from people where name = '李娜'").fetchone()[0])
    today = clock.now().date()
    for n in range(3):  # claimed and dispatched for her before she joined: two overdue
        _dispatched_to(db, f"早已派出的问题{n}", "门诊部", today + timedelta(days=n * 5 - 6))
    assert lina.chat_id is None
    leader = await client.user(102, "李娜")
    joined = await leader.send(f"/start {invited['李娜']}")
    assert joined[-1].text == (
        "📌 您负责的问题已有 3 项，其中 🔴 逾期 2 项：点“📊 简报”一眼看全，点“📌 我的问题”逐项处理。"
    )
    head = await client.user(104, "刘洋")
    joined = await head.send(f"/start {invited['刘洋']}")
    assert (
        joined[-1].text == "🛠 本科室的整改任务已有 3 项，其中 🔴 逾期 2 项：点“🛠 本科室任务”查看并报告进展。"
    )
    staff = await client.user(101, "张伟")
    joined = await staff.send(f"/start {invited['张伟']}")
    assert len(joined) == 1 and "欢迎" in joined[0].text


async def test_a_deadline_on_a_sunday_is_not_due_today_on_friday(running_bot, client, invited, db):
    """Friday's 09:00 reminder of a problem due on Sunday said ⏰ …：今天到期（2026-12-06）:
    no working day is left before it, but it is not due today."""
    head = await join(client, invited, 104, "刘洋")
    sunday = dispatched(db, date(2026, 12, 6), "周日到期的问题")
    friday = dispatched(db, date(2026, 12, 4), "周五到期的问题")
    clock.freeze(at(date(2026, 12, 4), 8))
    await sweeper.sweep_app(running_bot.app)
    clock.freeze(at(date(2026, 12, 4), 9, 0, 5))
    await sweeper.sweep_app(running_bot.app)
    while await delivery.send_due(running_bot.app):
        pass
    message = await head.wait_for("周日到期的问题")
    lines = message.text.split("\n\n")
    assert f"⏰ #{friday} 周五到期的问题：今天到期（2026-12-04）。" in lines
    assert f"⏰ #{sunday} 周日到期的问题：期限 2026-12-06 是休息日，今天是到期前最后一个工作日。" in lines


def test_a_leader_over_twenty_departments_gets_their_counts_in_lines_that_fit(db):
    """The counts by department are one line on the screen ('…' when more follow) and lines of
    eight in the full digest: a 院长 over hundreds of departments would otherwise get one line
    longer than a Telegram message."""
    from datetime import UTC, datetime, timedelta

    from conftest import ROSTER_CSV
    from test_digest_screen import SHANGHAI, who

    from jobs import digests as digest_job
    from storage import digests, roster
    from texts.fit import units

    heads = "".join(f"科长{n},第{n:02d}科,科室负责人\n" for n in range(20))
    roster.apply(db, roster.parse((ROSTER_CSV + heads).encode()), None)
    today = clock.now().date()
    for n in range(20):
        for k in range(1 + (n == 7)):
            _dispatched_to(db, f"第{n:02d}科的问题{k}", f"第{n:02d}科", today - timedelta(days=3))
    leader = who(db, "李娜")
    digest = digests.for_leader(db, leader, datetime(2026, 1, 1, tzinfo=UTC), today, SHANGHAI)
    screen, cut = digest_job.render_screen("zh-CN", leader, digest, "digest.title.now", None)
    red = screen.split("🔴 逾期</b>\n")[1].split("\n")
    assert red[0].startswith("第07科 2 · 第00科 1 · ") and red[0].endswith(" · …")
    assert red[0].count(" 1") == 7 and red[1].startswith("#")
    pages = digest_job.render_full("zh-CN", leader, digest, "digest.title.now", None)
    assert all(units(page) <= 4096 for page in pages)
    red = "\n".join(pages).split("🔴 逾期</b>\n")[1].split("\n")
    assert [line.count("科 ") for line in red[:3]] == [8, 8, 4]
    assert all(f"第{n:02d}科 " in "\n".join(red[:3]) for n in range(20))


async def test_the_scheduled_digests_chart_carries_the_counts_too(running_bot, client, db):
    from seeded import WEDNESDAY, seed_campaign
    from test_digests import digest_rows, sweep_morning

    await seed_campaign(running_bot, client, db)
    await sweep_morning(running_bot.app, WEDNESDAY)
    text, chart = digest_rows(db)["李娜"]
    assert chart["chart"] and chart["text"] == (
        "📊 我负责的问题（按科室）\n"
        "🔴 逾期 1 · 🟡 临期或久未进展 1 · 🟢 正常 1 · ✅ 已完成 1 · 💬 已说明原因 0"
    )


async def test_the_leader_chases_their_own_late_department_from_the_card(running_bot, client, invited, db):
    """A 分管领导 whose department was 4 days late read 🔴 on the card and could only ask for
    more time or explain: 📣 催办 was the office's alone, and the leader phoned. The card in
    我的问题 and /history N now offer the leader 📣 催办, which reminds the department's heads
    (not the leader), in the leader's name, once a day, after saying whom and asking."""
    from test_closure_evidence import dispatched_to_head

    from storage import problems

    leader, office, head, problem_id, notice = await dispatched_to_head(client, invited, db)
    db.execute("update problems set deadline = '2026-01-05' where id = ?", [problem_id])
    db.conn.commit()
    mine = await leader.send("/mine")
    card = next(m for m in mine if f"#{problem_id}" in (m.text or ""))
    assert card.labels()[0] == "📣 催办"
    asked = await leader.press("催办", message=card)
    assert "已逾期" in asked[-1].text and "刘洋（1 人）" in asked[-1].text and "李娜" not in asked[-1].text
    done = await leader.press("确认催办", message=asked[-1])
    assert any("已提醒 1 人" in (m.text or "") for m in done)
    chased = await head.wait_for(f"催办 #{problem_id}")
    assert chased.text.startswith(f"📣 分管领导 李娜 催办 #{problem_id}") and "报告进展" in chased.labels()[0]
    assert "📣 催办" in (await leader.send(f"/history {problem_id}"))[-1].labels()
    await leader.press("催办", message=(await leader.send(f"/history {problem_id}"))[-1])
    # said at once, not after a 确认 that would remind nobody
    assert "今天已经催办过" in (await leader.callback_answer())["text"]
    assert sum(r["action"] == "problem.chase" for r in problems.history(db, problem_id)) == 1
    assert len([m for m in head.inbox if f"催办 #{problem_id}" in (m.text or "")]) == 1
    # another leader's problem, or one waiting for the leader's own 下单, has nothing to chase
    other = problems.create(db, "候诊区座椅不足", None)
    from test_digest_screen import who

    problems.claim(db, other, who(db, "李娜"))
    db.execute("update problems set deadline = '2026-01-05' where id = ?", [other])
    db.conn.commit()
    assert "📣 催办" not in (await leader.send(f"/history {other}"))[-1].labels()
    assert "📣 催办" not in (await head.send(f"/history {problem_id}"))[-1].labels()


async def test_a_leader_types_commands_and_buttons_as_a_phone_types_them(running_bot, client, invited, db):
    """On a Chinese keyboard a leader types `／mine` (full-width slash), `/claim。` (the full stop
    the keyboard adds), or the button's words without its emoji (`简报`, `我的问题`): each was
    answered 我没有看懂 / 没有这个命令. Now each does what the command or the button does."""
    from storage import problems

    leader = await join(client, invited, 102, "李娜")
    listed = problems.create(db, "候诊区座椅不足", None)
    for typed in ("／claim", "/claim。", "待接单", "🙋待接单"):
        answer = await leader.send(typed)
        assert f"#{listed} 候诊区座椅不足" in answer[0].text and "接单" in answer[0].labels()[0], typed
    nothing_yet = (await leader.send("/mine"))[-1].text
    assert (await leader.send("我的问题"))[-1].text == nothing_yet
    assert (await leader.send("／ｍｉｎｅ"))[-1].text == nothing_yet
    digest = await leader.send("简报。")
    assert "您目前没有负责的问题" in digest[-1].text
    card = await leader.send(f"／history　＃{listed}。")
    assert f"#{listed} 全过程记录" in card[-1].text
    # what means no command or button is still not understood, and a staff member's typed
    # 待接单 is refused as the button is, not taken as something else
    assert "没有看懂" in (await leader.send("简报表"))[-1].text
    assert "没有这个命令" in (await leader.send("/mineabc"))[-1].text
    staff = await join(client, invited, 101, "张伟")
    assert "没有看懂" in (await staff.send("待接单"))[-1].text
    assert "班子成员" in (await staff.send("／claim"))[-1].text


async def test_a_late_problems_card_and_ledger_line_say_how_late(running_bot, client, invited, db):
    """🔴 #6 … 完成时限：2026-11-27: the card and the ledger said the date alone, and a leader on
    a phone counted days to know how late the department was. Both now say it, as the digest
    does (calendar days); a closed or explained problem's passed deadline is no lateness."""
    from datetime import timedelta

    from test_closure_evidence import dispatched_to_head

    from storage import problems

    leader, office, head, problem_id, notice = await dispatched_to_head(client, invited, db)
    from test_digest_screen import SHANGHAI

    today = clock.now().astimezone(SHANGHAI).date()
    deadline = (today - timedelta(days=4)).isoformat()
    db.execute("update problems set deadline = ? where id = ?", [deadline, problem_id])
    db.conn.commit()
    card = (await leader.send(f"/history {problem_id}"))[-1].text
    assert f"完成时限：{deadline}（已逾期 4 天）" in card
    ledger = "\n".join(m.text for m in await leader.send("/ledger") if m.text)
    assert f"期限 {deadline}（已逾期 4 天）" in ledger
    assert "（第 1/1 页，共 1 项，其中逾期 1 项；逾期在前，已办结在后）" in ledger  # and they lead its pages
    mine = await leader.send("/mine")
    assert any(f"完成时限：{deadline}（已逾期 4 天）" in (m.text or "") for m in mine)
    db.execute("update problems set status = ? where id = ?", [problems.CLOSED, problem_id])
    db.conn.commit()
    assert f"完成时限：{deadline}\n" in (await leader.send(f"/history {problem_id}"))[-1].text + "\n"


def test_a_late_problem_asked_to_close_says_it_waits_on_the_office(db, invited):
    """The digest listed a problem whose department had asked for 销号 as `— 后勤保障科，逾期 4
    天`: the leader read the department as late, and chased a department that had finished.
    Whose move it is now shows: 已申请销号，待活动办审核 (red or amber alike); a problem still
    being worked on reads as before."""
    from datetime import UTC, datetime, timedelta

    from test_digest_screen import SHANGHAI, who

    from jobs import digests as digest_job
    from storage import digests, problems

    today = clock.now().astimezone(SHANGHAI).date()
    asked = _dispatched_to(db, "食堂夜班餐", "门诊部", today - timedelta(days=4))
    working = _dispatched_to(db, "门卫夜巡", "门诊部", today - timedelta(days=2))
    due_soon = _dispatched_to(db, "开水间热水", "门诊部", today + timedelta(days=2))
    for problem_id in (asked, due_soon):
        db.execute("update problems set status = ? where id = ?", [problems.CLOSURE_REQUESTED, problem_id])
    db.conn.commit()
    leader = who(db, "李娜")
    digest = digests.for_leader(db, leader, datetime(2026, 1, 1, tzinfo=UTC), today, SHANGHAI)
    screen, _ = digest_job.render_screen("zh-CN", leader, digest, "digest.title.now", None)
    assert f"#{asked} 食堂夜班餐 — 门诊部已申请销号，待活动办审核，逾期 4 天" in screen
    assert f"#{working} 门卫夜巡 — 门诊部，逾期 2 天" in screen
    assert f"#{due_soon} 开水间热水 — 门诊部已申请销号，待活动办审核，期限" in screen


def test_an_amber_problem_far_from_its_deadline_says_it_has_stalled(db, invited):
    """Under 🟡 临期或久未进展 a leader read `#10 院内会诊响应慢 — 医务科，期限 2026-12-25`, 17 days
    off, and could not tell why it was amber. A problem amber for want of progress now says how
    long (18 天无进展); one amber for its near deadline reads as before."""
    from datetime import UTC, datetime, timedelta

    from test_digest_screen import SHANGHAI, who

    from jobs import digests as digest_job
    from storage import digests

    today = clock.now().astimezone(SHANGHAI).date()
    stalled = _dispatched_to(db, "会诊响应慢", "门诊部", today + timedelta(days=17))
    near = _dispatched_to(db, "开水间热水", "门诊部", today + timedelta(days=2))
    moved = (clock.now() - timedelta(days=18)).isoformat()
    db.execute("update problems set last_progress_at = ? where id in (?, ?)", [moved, stalled, near])
    db.conn.commit()
    leader = who(db, "李娜")
    digest = digests.for_leader(db, leader, datetime(2026, 1, 1, tzinfo=UTC), today, SHANGHAI)
    screen, _ = digest_job.render_screen("zh-CN", leader, digest, "digest.title.now", None)
    amber = screen.split("🟡 临期或久未进展</b>\n")[1]
    assert f"#{stalled} 会诊响应慢 — 门诊部，期限 {today + timedelta(days=17)}，18 天无进展" in amber
    assert f"#{near} 开水间热水 — 门诊部，期限 {today + timedelta(days=2)}\n" in amber + "\n"


async def test_a_leaders_export_says_it_holds_their_own_problems(running_bot, client, invited, db):
    """A leader's /export read 整改台账已导出，共 5 项 beside a ledger of 12: the file holds the
    problems they lead, and the count did not say so. The office's says it holds every problem."""
    from test_digest_screen import who

    from storage import problems

    leader = await join(client, invited, 102, "李娜")
    office = await join(client, invited, 103, "王芳")
    _dispatched_to(db, "候诊区座椅不足", "门诊部", date(2099, 12, 31))
    problems.create(db, "食堂饭菜偏咸", None)  # nobody's yet
    assert who(db, "李娜")
    mine = await leader.send("/export")
    assert mine[-1].text == "整改台账已导出：您负责的问题，共 1 项。"
    assert (await leader.send("/export 门诊部"))[-1].text == "整改台账已导出：您负责的门诊部的问题，共 1 项。"
    assert (await office.send("/export"))[-1].text == "整改台账已导出：全部问题，共 2 项。"
    assert (await office.send("/export 门诊部"))[-1].text == "整改台账已导出：门诊部的问题，共 1 项。"


async def test_the_leader_who_approves_more_time_is_not_told_it_again(running_bot, client, invited, db):
    """A leader tapped ✅ 批准延期 under a head's request, read `已批准延期至 …` in its place, and a
    moment later a notice `✅ #6 … 已批准延期` of the approval they had just given. The one who
    decides is told once, in place, with how many were told; the head gets the notice."""
    from test_extensions import dispatched as dispatched_for_extension

    leader = await join(client, invited, 102, "李娜")
    head = await join(client, invited, 104, "刘洋")
    problem_id = dispatched_for_extension(db, "自行车棚漏雨", date(2099, 6, 30))
    await head.send("/tasks")
    await head.press("申请延期")
    await head.send("防水材料缺货")
    await head.press("提交申请", message=(await head.send("2099-09-30"))[-1])
    notice = await leader.wait_for(f"刘洋 申请延期 #{problem_id}")
    decided = await leader.press("批准延期", message=notice)
    assert any("已批准延期至 2099-09-30，已告知 1 人" in (m.text or "") for m in decided)
    await head.wait_for("已批准延期：完成时限 2099-06-30 → 2099-09-30")
    while await delivery.send_due(running_bot.app):
        pass
    await leader.replies(timeout=1.5, allow_none=True)
    assert not [m for m in leader.inbox if "已批准延期：完成时限" in (m.text or "")]


async def test_my_problems_lead_with_those_waiting_for_my_own_dispatch(running_bot, client, invited, db):
    """我的问题 went in deadline order with the undated last: a problem the leader had claimed, or
    one a look-back reopened, waits for their own 下单 and has no deadline, so it came after every
    green one, on the last page. Those come first now, and the pages still hold every problem
    once."""
    from datetime import timedelta

    from test_digest_screen import who

    from storage import problems

    leader = await join(client, invited, 102, "李娜")
    today = clock.now().date()
    green = [
        _dispatched_to(db, f"按期的问题{n}", "门诊部", today + timedelta(days=20 + n)) for n in range(11)
    ]
    claimed = problems.create(db, "报销审批要五个人签字", None)
    problems.claim(db, claimed, who(db, "李娜"))
    first = [m for m in await leader.send("📌 我的问题") if m.text and m.text.startswith(("🟢", "🟡", "🔴"))]
    assert f"#{claimed} 报销审批要五个人签字" in first[0].text and "📝 下单" in first[0].labels()
    second = await leader.press("下一页")
    cards = [m.text for m in first + second if "状态：" in (m.text or "")]
    shown = [int(text.split("#")[1].split(" ")[0].split("<")[0]) for text in cards]
    assert sorted(shown) == sorted([claimed, *green])


def test_the_charts_legend_names_amber_as_the_digest_does():
    """The chart's legend called amber 临期 (due soon) while the digest above it said 🟡 临期或久未进展:
    a bar for a problem 17 days from its deadline, amber for want of progress, was labelled due
    soon. The legend names each colour as the digest's count line does, in every language."""
    from jobs import digests as digest_job
    from texts import say

    for lang in ("zh-CN", "zh-TW", "en"):
        labels = digest_job.light_labels(lang, False)
        counts = say(lang, "digest.lights", red=1, amber=2, green=3, done=4, explained=5)
        for name, count in (("red", 1), ("amber", 2), ("green", 3), ("explained", 5)):
            assert f"{labels[name]} {count}".lower() in counts.lower(), (lang, name, labels[name], counts)


async def test_the_dispatch_confirmation_says_whom_it_tells_and_that_it_is_public(
    running_bot, client, invited, db
):
    """请确认下单 listed the five fields and nothing of what 确认 does: the leader learnt only
    afterwards that a department had no head to tell, and was never told the ledger shows it to
    everyone. The confirmation now says whom it tells (or ⚠️ nobody) and that it is public."""
    from test_closure_evidence import at_dispatch_confirmation

    leader = await join(client, invited, 102, "李娜")
    await at_dispatch_confirmation(leader, db)
    nobody = leader.inbox[-1].text
    assert "⚠️ 门诊部 还没有已加入整改通的科室负责人：确认后没有人会收到通知。" in nobody
    assert "将在整改台账向全体公开" in nobody
    await leader.press("取消")
    await join(client, invited, 104, "刘洋")
    await at_dispatch_confirmation(leader, db)
    told = leader.inbox[-1].text
    assert "确认后将通知 刘洋（1 人）按时整改、报告进展。" in told and "⚠️" not in told


async def test_a_red_or_amber_card_says_why_when_its_deadline_does_not(running_bot, client, invited, db):
    """A 🔴 card under 待接单 read 完成时限：— and nothing else: listed long ago and claimed by
    nobody, which is why it was red, was said nowhere on it. A 🟡 card 17 days from its deadline
    did not say it had stood still for weeks. Each now says why in one line; a green card and
    one whose deadline says it (late or due soon) have no such line."""
    from datetime import timedelta

    from test_digest_screen import SHANGHAI

    from storage import problems

    leader = await join(client, invited, 102, "李娜")
    today = clock.now().astimezone(SHANGHAI).date()
    listed = problems.create(db, "门诊楼电梯经常停运", None)
    long_ago = (clock.now() - timedelta(days=20)).isoformat()
    db.execute("update problems set created_at = ? where id = ?", [long_ago, listed])
    stalled = _dispatched_to(db, "会诊响应慢", "门诊部", today + timedelta(days=17))
    green = _dispatched_to(db, "按期推进", "门诊部", today + timedelta(days=30))
    db.execute("update problems set last_progress_at = ? where id = ?", [long_ago, stalled])
    db.conn.commit()
    card = next(m.text for m in await leader.send("/claim") if f"#{listed}" in (m.text or ""))
    assert card.startswith("🔴") and "20 天无领导接单" in card
    mine = {
        m.text.split("#")[1].split(" ")[0]: m.text
        for m in await leader.send("/mine")
        if "状态" in (m.text or "")
    }
    assert mine[str(stalled)].startswith("🟡") and "\n⚠️ 20 天无进展（上次 " in mine[str(stalled)]
    assert mine[str(green)].startswith("🟢") and "⚠️" not in mine[str(green)]
    # right under 完成时限, above the description a card may carry
    assert card.split("\n")[7].startswith("⚠️") and card.split("\n")[6].startswith("完成时限")


async def test_a_progress_report_names_its_reporter_and_opens_the_card(running_bot, client, invited, db):
    """A leader read `📈 #12 … 进展 60%：…` and nothing else: not who reported, and no way from the
    notice to the problem, which was 4 days late. The notice names the reporter and carries
    🔎 查看, which opens the card (how late, 📣 催办)."""
    from datetime import timedelta

    from test_closure_evidence import dispatched_to_head

    leader, office, head, problem_id, notice = await dispatched_to_head(client, invited, db)
    late = (clock.now().date() - timedelta(days=4)).isoformat()
    db.execute("update problems set deadline = ? where id = ?", [late, problem_id])
    db.conn.commit()
    await head.press("报告进展", message=notice)
    await head.send("已统一报表口径")
    await head.press("完成")
    await head.press("50%")
    told = await leader.wait_for(f"#{problem_id} 候诊区座椅不足 进展 50%")
    assert "（刘洋 报告）：已统一报表口径" in told.text and told.labels() == ["🔎 查看"]
    card = await leader.press("查看", message=told)
    assert "已逾期" in card[-1].text and "📣 催办" in card[-1].labels()
