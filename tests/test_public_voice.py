"""The public's voice beyond the box (#25): guests' opinions counted as 群众 in the office's
notice, the digests and the roll-up (none under k for leaders and reports); the public ledger
published to guests, read-only; where guests came in, remembered for a day at most."""

from __future__ import annotations

import io
import logging
import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import docx
import openpyxl
from conftest import join, submit_opinion
from test_public_box import guest_submits, open_box

from callbacks import LEDGER_DETAIL
from documents import rollup_report, rollup_workbook
from jobs import institutions, opinion_batches, supervision
from storage import opinions, problems, public_box, rollup
from storage.clock import clock
from storage.keys import Keys
from texts import say

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY = date(2026, 11, 30)
FIRST_GUEST = 8_100_000_000


def at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=SHANGHAI)


async def guests_write(client, code: str, count: int, first: int, department: str = "院办") -> None:
    for n in range(count):
        guest = await client.user(FIRST_GUEST + first + n, f"群众{first + n}")
        await guest_submits(guest, code, f"行政楼办事要跑三趟（{first + n}）", department=department)


async def test_guest_opinions_are_counted_as_the_publics_by_the_office_and_from_k_by_a_leader(
    running_bot, client, invited
):
    clock.freeze(at(MONDAY, 10))
    office = await join(client, invited, 103, "王芳")
    leader = await join(client, invited, 102, "李娜")  # 院办: opinions about it are hers
    staff = await join(client, invited, 101, "张伟")
    code = await open_box(office)
    await guests_write(client, code, 2, first=0)
    await submit_opinion(staff, "院办的通知总是临时才发", department="院办")
    await opinion_batches.release_to_office(running_bot.app)
    notice = await office.wait_for("新到意见")
    assert "新到意见 3 条（其中群众 2 条）" in notice.text

    clock.freeze(at(MONDAY + timedelta(days=1), 10))
    mine = " ".join(m.text or "" for m in await leader.send("/digest"))
    assert "新意见</b>（3 条，其中匿名 3 条）" in mine and "群众" not in mine  # 2 < k: not apart
    whole = " ".join(m.text or "" for m in await office.send("/digest"))
    assert "新收 3 条（其中群众 2 条）" in whole  # the office sees each one marked in its inbox

    await guests_write(client, code, 5, first=2)  # Tuesday: k of them
    await opinion_batches.release_to_office(running_bot.app)
    clock.freeze(at(MONDAY + timedelta(days=2), 10))
    mine = " ".join(m.text or "" for m in await leader.send("/digest"))
    assert "新意见</b>（5 条，其中匿名 5 条，群众 5 条）" in mine


def test_the_roll_up_counts_the_publics_opinions_by_category_from_k(db):
    keys, day = Keys(b"k" * 32), date(2026, 3, 2)

    def submit(category: str, count: int, public: bool) -> None:
        for n in range(count):
            draft = opinions.Draft(category=category, text=f"{category}{n}", public=public)
            opinions.submit(db, draft, None, keys, day)

    submit("收费", 5, public=True)
    submit("就医环境", 4, public=True)
    submit("就医环境", 3, public=False)
    submit("形式主义", 6, public=False)
    opinions.release_batch(db)
    found = rollup.figures(db, "某医院", day, k=5)
    assert found.opinions == {"就医环境": 7, "形式主义": 6, "收费": 5}
    assert found.opinions_public == {"收费": 5}  # 就医环境's 4 from the public: under k
    text = "\n".join(supervision.lines("zh-CN", [found], {}, day))
    assert "其中群众意见（仅列 5 条以上的类别）：收费 5" in text and "就医环境 4" not in text
    book = openpyxl.load_workbook(io.BytesIO(rollup_workbook.to_bytes([found], {}, day)))
    rows = [tuple(r) for r in book.worksheets[1].iter_rows(values_only=True)]
    assert ("其中群众意见：收费", 5) in rows and not any("群众意见：就医环境" in str(r[0]) for r in rows)
    report = docx.Document(io.BytesIO(rollup_report.build("县卫生健康局", [found], {}, day)))
    paragraphs = "\n".join(p.text for p in report.paragraphs)
    assert "群众通过意见箱二维码反映：收费 5 条。" in paragraphs and "就医环境" not in paragraphs


# ---- the public ledger, published to guests ------------------------------------------------


def _ledger_problems(db) -> dict[str, int]:
    shown = problems.create(db, "挂号窗口排队时间长", None, description="病人家属原话：我父亲排了两个小时")
    confidential = problems.create(db, "院长述职评议：作风问题", None, public=False)
    return {"shown": shown, "confidential": confidential}


async def test_a_guest_reads_the_public_ledger_only_once_it_is_published(running_bot, client, invited, db):
    office = await join(client, invited, 103, "王芳")
    code = await open_box(office)
    ids = _ledger_problems(db)
    guest = await client.user(FIRST_GUEST + 99, "病人家属")
    receipt = await guest_submits(guest, code, "挂号窗口太少。", department="门诊部")
    only = say("zh-CN", "public.guest_only")

    # before: the ledger is the staff's
    assert [m.text for m in await guest.send("/ledger")] == [only]
    card = await guest.send(f"/receipt {receipt}")
    assert "看整改台账" not in card[-1].labels()
    await guest.press_data(card[-1].message_id, LEDGER_DETAIL.data(ids["shown"]))
    assert (await guest.callback_answer())["text"] == only

    # the office asks, is told what anyone with the link will see, and confirms
    asked = await office.press("向群众公开台账")
    confirm = asked[-1]
    assert "任何拿到意见箱链接的人" in confirm.text
    assert "现有 1 个问题" in confirm.text  # not the confidential one
    assert "不会公开" in confirm.text and public_box.get(db).ledger_published is False
    await office.press("取消", message=confirm)
    assert public_box.get(db).ledger_published is False
    asked = await office.press("向群众公开台账")
    await office.press("确认公开", message=asked[-1])
    assert public_box.get(db).ledger_published is True
    await office.press_data(asked[-1].message_id, "pl:yes")  # a second tap: nothing more happens
    assert (await office.callback_answer())["text"] == say("zh-CN", "public.ledger.unchanged")
    published = "select count(*) from audit where action = 'public_box.ledger_publish'"
    assert db.execute(published).fetchone()[0] == 1

    # after: the public problems, their public columns, nothing else
    page = await guest.send("/ledger")
    text = " ".join(m.text or "" for m in page)
    assert "整改台账（公开）" in text and "挂号窗口排队时间长" in text
    assert "述职评议" not in text
    shown = await guest.press(f"#{ids['shown']}")
    card_text = " ".join(m.text or "" for m in shown)
    assert "挂号窗口排队时间长" in card_text and "责任领导" in card_text
    history = say("zh-CN", "history.title", id=ids["shown"])
    assert "我父亲排了两个小时" not in card_text and history not in card_text  # no description, no history
    await guest.press_data(page[-1].message_id, LEDGER_DETAIL.data(ids["confidential"]))
    assert (await guest.callback_answer())["text"] == say("zh-CN", "problem.error.not_found")
    with_ledger = say("zh-CN", "public.guest_only.ledger")
    for typed in (f"/history {ids['shown']}", "/inbox", "/export", "/claim"):
        assert [m.text for m in await guest.send(typed)] == [with_ledger], typed
    card = await guest.send(f"/receipt {receipt}")
    assert "📋 看整改台账" in card[-1].labels()
    assert "整改台账（公开）" in (await guest.press("看整改台账"))[-1].text

    # withdrawn in one tap: the guest is back to the box and the receipt
    status = (await office.send("/poster"))[-1]
    assert "已向群众公开" in status.text
    await office.press("停止向群众公开台账", message=status)
    assert public_box.get(db).ledger_published is False
    assert "未向群众公开" in office.inbox[-1].text
    assert [m.text for m in await guest.send("/ledger")] == [only]


async def test_a_guest_receipt_offers_the_ledger_once_published(running_bot, client, invited, db):
    office = await join(client, invited, 103, "王芳")
    code = await open_box(office)
    public_box.publish_ledger(db, True, None)
    guest = await client.user(FIRST_GUEST + 98, "病人")
    await guest.send(f"/start {code}")
    await guest.press("收费")
    await guest.press("门诊部")
    await guest.send("收费单看不懂。")
    await guest.press("完成，预览")
    submitted = (await guest.press("提交"))[-1]
    assert "📋 看整改台账" in submitted.labels()
    assert (await guest.press("看整改台账"))[-1].text == say("zh-CN", "ledger.empty")
    # staff's receipts do not carry it: the ledger is in their menu
    staff = await join(client, invited, 101, "张伟")
    receipt = await submit_opinion(staff, "食堂太贵")
    assert "看整改台账" not in (await staff.send(f"/receipt {receipt}"))[-1].labels()


async def test_a_guest_reads_where_a_problem_stands_in_plain_words(running_bot, client, invited, db):
    """The published ledger told a patient 待接单, 已下单, 申请销号, 已销号: the office's workflow
    (已下单 reads as 'ordered'). A guest reads the same states in words anyone knows, in the
    ledger, a problem's card and the receipt of the opinion it came from; staff keep theirs."""
    office = await join(client, invited, 103, "王芳")
    code = await open_box(office)
    public_box.publish_ledger(db, True, None)
    ids = _ledger_problems(db)
    guest = await client.user(FIRST_GUEST + 97, "病人家属")
    receipt = await guest_submits(guest, code, "挂号窗口太少。", department="门诊部")
    await opinion_batches.release_to_office(running_bot.app)
    [opinion_id] = [r[0] for r in db.execute("select id from opinions")]
    problems.create(db, "挂号窗口太少", None, opinion_ids=(opinion_id,))
    page = " ".join(m.text or "" for m in await guest.send("/ledger"))
    card = " ".join(m.text or "" for m in await guest.press(f"#{ids['shown']}"))
    followed = (await guest.send(f"/receipt {receipt}"))[-1].text
    for seen in (page, card, followed):
        assert "待领导认领" in seen and "待接单" not in seen, seen
    assert "✅已完成" in page and "已销号" not in page
    staff = await join(client, invited, 101, "张伟")
    assert "待接单" in " ".join(m.text or "" for m in await staff.send("/ledger"))


# ---- where guests came in, bounded ----------------------------------------------------------


def test_guests_are_forgotten_a_day_after_their_last_update():
    clock.freeze(datetime(2026, 11, 30, 2, tzinfo=UTC))
    places = institutions.GuestPlaces()
    places[1] = 7
    places[2] = 8
    clock.advance(timedelta(hours=20))
    assert places.get(1) == 7  # heard from again: another day from now
    clock.advance(timedelta(hours=5))
    assert places.get(2) is None and places.get(1) == 7 and len(places) == 1
    clock.advance(timedelta(days=1))
    assert places.get(1) is None and len(places) == 0


def test_past_the_cap_the_longest_silent_guest_goes_first_and_it_is_logged_once(caplog):
    caplog.set_level(logging.WARNING, logger="jobs.institutions")
    clock.freeze(datetime(2026, 11, 30, 2, tzinfo=UTC))
    places = institutions.GuestPlaces(cap=3)
    for user in range(1, 4):
        places[user] = 10 + user
        clock.advance(timedelta(minutes=1))
    assert places.get(1) == 11  # 1 is heard from: 2 is now the longest silent
    places[4] = 14
    places[5] = 15
    assert [places.get(u) for u in range(1, 6)] == [11, None, None, 14, 15]
    assert len(places) == 3
    assert [r.getMessage() for r in caplog.records if "cap" in r.getMessage()] == [
        "guests: 3 remembered, the cap; the longest silent are forgotten first (they scan the poster again)"
    ]


async def test_a_guest_silent_for_a_day_scans_the_poster_again(fast_bot, fast_client, db_path):
    """An institution's guest is routed to it while they keep writing; after a day without a
    word the bot has forgotten where they came in (nothing on disk says it), and they are a
    stranger to the main database's institution until they scan the poster again."""
    from test_supervision import county, everyone_joins

    clock.freeze(at(MONDAY, 10))
    codes = county(fast_bot.db, db_path)
    people = await everyone_joins(fast_client, codes)
    code = await open_box(people["乙办"])
    guest = await fast_client.user(991, "病人家属")
    receipt = await guest_submits(guest, code, "乙医院的候诊椅坏了。")
    units = institutions.units_of(fast_bot.app)
    b = units.by_name["乙医院"]
    assert units.guests.get(991) == b
    clock.advance(timedelta(hours=23))
    assert "乙医院的候诊椅坏了" in (await guest.send(f"/receipt {receipt}"))[-1].text
    clock.advance(timedelta(hours=23))  # 23 hours after their last word: still placed
    assert units.guests.get(991) == b
    clock.advance(timedelta(hours=25))
    # told to scan the poster again (tests/test_third_walk.py), not to find an invitation
    assert (await guest.send(f"/receipt {receipt}"))[-1].text == say("zh-CN", "public.scan_again")
    assert units.guests.get(991) is None
    again = await guest.send(f"/start {code}")
    assert "群众意见箱" in again[-1].text and re.search("乙医院", again[-1].text)
