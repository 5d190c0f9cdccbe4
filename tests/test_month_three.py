"""Month three of a hospital's campaign: every list a person meets reaches every item at the
size a real campaign reaches (200 problems, dozens of orders, many sheets and questionnaires),
page by page, within Telegram's limits, saying where it stands (第 k 页，共 N 项). Before, each
of these pages showed its first few and either said nothing of the rest or pointed at a typed
number the person could not see.

Fast tier (tests/fast.py)."""

from __future__ import annotations

import re

from conftest import RECEIPT, join
from seeded import seed_problem

from storage import problems

LONG = "门诊部🏥关于“挂号难、看病慢、检查排队时间长”等群众反映强烈问题的整改落实情况"  # a title with emoji


def buttons_of(message) -> list[tuple[str, str]]:
    return [(b["text"], b.get("callback_data", "")) for row in message.buttons for b in row]


def picked(message, prefix: str) -> list[int]:
    """The problems a picker's buttons offer (data `prefix:N`)."""
    return [int(data.split(":")[-1]) for _, data in buttons_of(message) if data.startswith(prefix + ":")]


def within_limits(message) -> None:
    assert len((message.text or "").encode("utf-16-le")) // 2 <= 4096
    found = buttons_of(message)
    assert len(found) <= 100
    assert all(len(data.encode()) <= 64 for _, data in found)


async def pick_through(person, command: str, prefix: str, total: int) -> list[int]:
    """Every page of a problem picker, by 下一页; the problems offered, in order."""
    message = (await person.send(command))[-1]
    seen, page = [], 1
    while True:
        within_limits(message)
        assert f"第 {page} 页，共 {total} 项" in message.text, message.text
        seen += picked(message, prefix)
        if not any(text == "下一页 ▶" for text, _ in buttons_of(message)):
            return seen
        message = (await person.press("下一页", message=message))[-1]
        page += 1


async def test_assign_picker_reaches_every_waiting_problem(fast_bot, fast_client, invited):
    db = fast_bot.db
    office = await join(fast_client, invited, 103, "王芳")
    waiting = [problems.create(db, f"{LONG}{n}", None) for n in range(45)]

    seen = await pick_through(office, "/assign", "pas", 45)  # 20 + 20 + 5, not 20 and "send a number"
    assert sorted(seen) == sorted(waiting) and len(seen) == 45

    last = (await office.press(f"#{seen[-1]}", message=office.inbox[-1]))[-1]
    assert f"#{seen[-1]}" in last.text and any("李娜" in text for text, _ in buttons_of(last))


async def test_lookback_picker_reaches_every_closed_problem(fast_bot, fast_client, invited):
    db = fast_bot.db
    office = await join(fast_client, invited, 103, "王芳")
    closed = [seed_problem(db, f"{LONG}{n}", "closed") for n in range(41)]
    seed_problem(db, "未销号的问题", "in_progress")

    seen = await pick_through(office, "/lookback", "lbx", 41)
    assert sorted(seen) == sorted(closed)


async def page_items(person, command: str, total: int, size: int, marker) -> list[str]:
    """Every page of a list of item messages (a footer 第 k 页 under each page); the items' texts
    that `marker` recognises, in order."""
    shown = await person.send(command)
    seen, page = [], 1
    pages = -(-total // size)
    while True:
        for message in shown:
            within_limits(message)
        footer = shown[-1]
        assert f"第 {page} 页，共 {total} 项" in footer.text, footer.text
        seen += [m.text for m in shown if marker(m.text or "")]
        if page == pages:
            assert not footer.buttons  # the last page has no next
            return seen
        shown = await person.press("下一页", message=footer)
        page += 1


async def test_a_supervisor_reaches_every_open_order(fast_bot, fast_client, db_path):
    from datetime import timedelta

    from test_supervision import county, everyone_joins, view

    from jobs import institutions
    from storage import orders
    from storage.clock import clock

    people = await everyone_joins(fast_client, county(fast_bot.db, db_path))
    today = clock.now().astimezone(fast_bot.app.bot_data["settings"].timezone).date()
    for unit in ("甲医院", "乙医院"):
        found = view(fast_bot, unit)
        for n in range(17):
            orders.issue(
                fast_bot.db,
                found.bot_data["db"],
                institutions.institution_of(found).id,
                f"{LONG}（督办{unit}{n}）",
                today + timedelta(days=10 + n),
                None,
            )
    seen = await page_items(people["周督导"], "/orders", 34, 10, lambda text: "督办" in text and LONG in text)
    assert len(seen) == 34 and len(set(seen)) == 34  # before: the first 30 and "see /ledger"
    last = people["周督导"].inbox[-2]  # the last page's last order, its buttons there
    assert last.buttons


async def test_the_office_and_a_named_leader_reach_every_rating_sheet(fast_bot, fast_client, invited):
    from datetime import timedelta

    from storage import evaluations, people
    from storage.clock import clock

    db = fast_bot.db
    office = await join(fast_client, invited, 103, "王芳")
    leader = await join(fast_client, invited, 102, "李娜")
    closes = clock.now() + timedelta(days=30)  # open whatever the day (31 December 2026 was past in 2027)
    sheets = [
        evaluations.create(db, f"第{n}轮民主评议🗳{LONG}", [evaluations.Subject(1, "门诊部")], closes)
        for n in range(23)
    ]
    seen = await page_items(office, "/sheets", 23, 10, lambda text: "民主评议🗳" in text)
    assert len(seen) == 23  # before: the newest 10, the 13 older ones out of reach

    for sheet_id in sheets:
        evaluations.conclude(db, sheet_id)
    office_id = next(p.id for p in people.everyone(db) if p.name == "王芳")
    leader_id = next(p.id for p in people.everyone(db) if p.name == "李娜")
    evaluations.toggle_viewer(db, evaluations.STANDING, leader_id, office_id)
    seen = await page_items(leader, "/sheets", 23, 10, lambda text: "民主评议🗳" in text)
    assert len(seen) == 23
    opened = await leader.press("📊", message=leader.inbox[-2])  # the oldest, on the last page
    assert "第0轮" in "".join(m.text or "" for m in opened)


async def test_the_office_reaches_every_questionnaire(fast_bot, fast_client, invited):
    from datetime import timedelta

    from storage import surveys
    from storage.clock import clock

    db = fast_bot.db
    office = await join(fast_client, invited, 103, "王芳")
    question = surveys.Question(0, surveys.TEXT, "您对门诊流程有什么建议？")
    closes = clock.now() + timedelta(days=30)  # open whatever the day (31 December 2026 was past in 2027)
    for n in range(12):
        surveys.create(db, f"第{n}期满意度调查📋{LONG}", [question], closes, public=n % 2 == 0)
    seen = await page_items(office, "/surveys", 12, 10, lambda text: "满意度调查📋" in text)
    assert len(seen) == 12 and any("第0期" in text for text in seen)  # before: the newest 10 only


async def test_the_body_reaches_every_report_request(fast_bot, fast_client, db_path):
    from datetime import date

    from test_supervision import county, everyone_joins

    from storage import upward_reports

    people = await everyone_joins(fast_client, county(fast_bot.db, db_path))
    for n in range(13):
        upward_reports.ask(fast_bot.db, f"第{n}期专题报告📑{LONG}"[:60], date(2026, 12, 1 + n), None)
    seen = await page_items(people["吴局长"], "/reports", 13, 10, lambda text: "专题报告📑" in text)
    assert len(seen) == 13 and any("第0期" in text for text in seen)  # before: the newest 10 only


async def test_the_office_reaches_every_self_check_and_its_view_button(fast_bot, fast_client, invited):
    from datetime import date, timedelta

    from storage import people, self_checks

    db = fast_bot.db
    office = await join(fast_client, invited, 103, "王芳")
    everyone = people.everyone(db)
    actor = next(p for p in everyone if p.name == "王芳")
    first_due = date(2099, 1, 1)
    made = [
        # each on a day of its own: the same person asked twice by one date is refused (walk3's twin)
        self_checks.request(db, first_due + timedelta(days=n), actor, person=everyone[n % len(everyone)])
        for n in range(45)
    ]
    db.execute("update self_checks set status = ?", [self_checks.SUBMITTED])  # all 45 await review
    db.conn.commit()

    message, page, listed, viewable = (await office.send("/selfchecks"))[-1], 1, [], []
    while True:
        within_limits(message)
        assert f"第 {page} 页，共 45 项" in message.text, message.text
        listed += [int(n) for n in re.findall(r"#(\d+) ", message.text)]
        viewable += [int(d.split(":")[-1]) for t, d in buttons_of(message) if t != "下一页 ▶"]
        if not any(t == "下一页 ▶" for t, _ in buttons_of(message)):
            break
        message = (await office.press("下一页", message=message))[-1]
        page += 1
    # before: the last 30 by due date listed, and view buttons for the first 8 only
    assert sorted(listed) == sorted(made) and sorted(viewable) == sorted(made)


async def test_a_member_sees_their_meetings_behind_many_of_others(fast_bot, fast_client, invited):
    from datetime import timedelta

    from storage import calendar
    from storage.clock import clock

    db = fast_bot.db
    staff = await join(fast_client, invited, 101, "张伟")
    office = await join(fast_client, invited, 103, "王芳")
    soon = clock.now() + timedelta(days=1)
    for n in range(25):  # the leadership's meetings first
        calendar.add(db, "meeting", f"班子专题会{n}🗓", soon + timedelta(hours=n), None, departments=("院办",))
    for n in range(3):
        calendar.add(
            db,
            "meeting",
            f"门诊部组织生活会{n}",
            soon + timedelta(days=5, hours=n),
            None,
            departments=("门诊部",),
        )

    mine = "\n".join(m.text for m in await staff.send("/meetings"))
    assert all(f"门诊部组织生活会{n}" in mine for n in range(3)), mine  # before: "no meetings"
    everything = await office.send("/meetings")
    for message in everything:
        within_limits(message)
    shown = "\n".join(m.text for m in everything)
    assert all(f"班子专题会{n}🗓" in shown for n in range(25)) and "门诊部组织生活会2" in shown  # before: 20


async def test_a_leader_dispatches_to_a_department_past_the_first_page(fast_bot, fast_client, invited):
    """A large hospital has 130 departments: the picker once sent them all on one message, over
    Telegram's 100 buttons, and Telegram refused it."""
    from storage import people

    db = fast_bot.db
    for n in range(126):
        db["departments"].insert({"name": f"临床科室{n:03d}🩺"})
    db.conn.commit()
    total = len(people.department_list(db))
    leader = await join(fast_client, invited, 102, "李娜")
    problem_id = problems.create(db, LONG, None)
    problems.claim(db, problem_id, next(p for p in people.everyone(db) if p.name == "李娜"))

    message = (await leader.send("/mine"))[0]
    await leader.press("下单", message=message)
    message = (await leader.send("逐项梳理门诊流程，增设自助机"))[-1]
    page, names = 1, []
    while True:
        within_limits(message)
        assert f"第 {page} 页，共 {total} 个科室" in message.text, message.text
        names += [text for text, _ in buttons_of(message) if text != "下一页 ▶"]
        if not any(text == "下一页 ▶" for text, _ in buttons_of(message)):
            break
        message = (await leader.press("下一页", message=message))[-1]
        page += 1
    assert len(names) == total and "临床科室125🩺" in names
    chosen = await leader.press("临床科室125🩺", message=message)
    assert "临床科室125🩺" in chosen[-1].text and "第 3 步" in chosen[-1].text


async def test_the_widening_menu_reaches_every_department(fast_bot, fast_client, invited):
    """Before: the first 80 departments by name, the rest said (80/130) and out of reach."""
    from callbacks import LOOKBACK_WIDEN_MENU
    from storage import lookbacks, people
    from storage.clock import clock

    db = fast_bot.db
    for n in range(126):
        db["departments"].insert({"name": f"临床科室{n:03d}🩺"})
    db.conn.commit()
    total = len(people.department_list(db))
    office = await join(fast_client, invited, 103, "王芳")
    lookback = lookbacks.start(db, seed_problem(db, LONG, "closed"), "30d", clock.now().date(), 14)

    message = (await office.press_data(office.inbox[-1].message_id, LOOKBACK_WIDEN_MENU.data(lookback.id)))[
        -1
    ]
    page, names = 1, []
    while True:
        within_limits(message)
        assert f"第 {page} 页，共 {total} 个" in message.text, message.text
        names += [text for text, data in buttons_of(message) if ":department:" in data]
        if not any(text == "下一页 ▶" for text, _ in buttons_of(message)):
            break
        message = (await office.press("下一页", message=message))[-1]
        page += 1
    assert len(names) == total and "临床科室125🩺" in names
    await office.press("临床科室125🩺", message=message)  # previewed before anything is sent


async def test_people_names_everyone_not_yet_joined(fast_bot, fast_client, invited):
    """Before: a department's first 30 waiting names and "…", the rest nameless."""
    from conftest import ROSTER_CSV

    from storage import roster

    db = fast_bot.db
    many = ROSTER_CSV + "".join(f"门诊职工{n:02d},门诊部,职工\n" for n in range(76))
    roster.apply(db, roster.parse(many.encode()), None)
    office = await join(fast_client, invited, 103, "王芳")
    shown = await office.send("/people")
    for message in shown:
        within_limits(message)
    text = "\n".join(m.text for m in shown)
    assert all(f"门诊职工{n:02d}" in text for n in range(76)), text


async def test_the_rollup_offers_every_institutions_ledger(fast_bot, fast_client, db_path, monkeypatch):
    """A city's 150 institutions: the roll-up offered the first 60 ledgers and nothing of the
    rest. Two institutions and a message of one button stand in for 150 and 60 (building 150
    databases is the full-size benchmark's business)."""
    from test_supervision import county, everyone_joins

    from handlers.supervision import oversight

    monkeypatch.setattr(oversight, "LEDGER_BUTTONS", 1)
    people = await everyone_joins(fast_client, county(fast_bot.db, db_path))
    shown = await people["吴局长"].send("/rollup")
    ledgers = [text for m in shown for text, data in buttons_of(m) if data.startswith("sup:ledger:")]
    assert len(ledgers) == 2 and any("甲医院" in t for t in ledgers) and any("乙医院" in t for t in ledgers)
    assert all(len([d for _, d in buttons_of(m) if d.startswith("sup:ledger:")]) <= 1 for m in shown)


async def test_an_opinion_names_a_department_past_the_first_page(fast_bot, fast_client, invited):
    """130 departments: the department step once put them all on one message, over Telegram's
    100 buttons, so a large hospital's staff could not get past the category."""
    from storage import people

    db = fast_bot.db
    for n in range(126):
        db["departments"].insert({"name": f"临床科室{n:03d}🩺"})
    db.conn.commit()
    total = len(people.department_list(db))
    staff = await join(fast_client, invited, 101, "张伟")
    await staff.send("/opinion")
    await staff.press("匿名提交")
    message = (await staff.press("形式主义"))[-1]
    message = next(m for m in staff.inbox if m.message_id == message.message_id)  # the step, edited
    page, names = 1, []
    while True:
        within_limits(message)
        assert f"第 {page} 页，共 {total} 个科室" in message.text, message.text
        names += [text for text, data in buttons_of(message) if data.startswith("op:dept:")]
        if not any(text == "下一页 ▶" for text, _ in buttons_of(message)):
            break
        await staff.press("下一页", message=message)
        message = next(m for m in staff.inbox if m.message_id == message.message_id)
        page += 1
    assert len(names) == total + page  # every department once, and 不指定科室 on each page
    await staff.press("临床科室125🩺", message=message)
    await staff.send("候诊区座椅太少，老人站着排队。")
    preview = await staff.press("完成，预览")
    assert "临床科室125🩺" in preview[-1].text  # (the opinion waits for its batch: not in the table yet)
    assert RECEIPT.search((await staff.press("提交"))[-1].text)  # submitted: a receipt


async def test_a_forms_department_buttons_stay_under_telegrams_limit(fast_bot, fast_client, invited):
    """/selfcheck (as /meeting's and /newsheet's department steps, forms.ticked) put a button
    for every department on one message: 130 departments, over Telegram's 100, refused. Now
    the first 60, and a last row that says how many more and that they are typed."""
    from storage import people

    db = fast_bot.db
    for n in range(126):
        db["departments"].insert({"name": f"临床科室{n:03d}🩺"})
    db.conn.commit()
    office = await join(fast_client, invited, 103, "王芳")
    asked = (await office.send("/selfcheck"))[-1]
    within_limits(asked)
    labels = [text for text, _ in buttons_of(asked)]
    rest = len(people.departments(db)) - 60
    assert labels[-1] == f"⌨️ 其余 {rest} 个科室：请直接输入名称" and len(labels) == 61, labels[-3:]
    await office.press("⌨️ 其余", message=asked)  # answered (an alert), nothing else changes
    assert "什么时候交" in (await office.send("临床科室125🩺"))[-1].text  # typed: taken


def test_the_full_digest_names_every_overdue_problem_of_a_department(db, invited):
    """The office's 逾期（按科室） line: the first 10 numbers and "…" on the screen, and, before,
    the same in the full digest; now every number there, 100 a line (so no line outgrows a
    message at any size)."""
    from datetime import UTC, date, datetime, timedelta
    from zoneinfo import ZoneInfo

    from jobs import digests as digest_job
    from storage import digests, people

    today = date(2026, 12, 30)
    late = [
        seed_problem(db, f"{LONG}{n}", "in_progress", "李娜", "门诊部", today - timedelta(days=3))
        for n in range(230)
    ]
    office = next(p for p in people.everyone(db) if p.name == "王芳")
    found = digests.for_office(db, datetime(2026, 12, 29, tzinfo=UTC), today, ZoneInfo("Asia/Shanghai"))
    full = digest_job.render_full("zh-CN", office, found, "digest.title.office", None)
    assert all(len(m.encode("utf-16-le")) // 2 <= 4096 for m in full)
    section = "\n".join(full).split("逾期（按科室）</b>\n")[1].split("\n\n")[0]
    assert section.startswith("门诊部（230）：") and "…" not in section, section[:200]
    assert sorted(int(n) for n in re.findall(r"#(\d+)", section)) == sorted(late)
    screen, cut = digest_job.render_screen("zh-CN", office, found, "digest.title.office", None)
    assert cut and "门诊部（230）：" in screen and "…" in screen.split("门诊部（230）：")[1].split("\n")[0]
