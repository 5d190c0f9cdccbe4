"""A third walk as a 分管副院长 (the demo's campaign, 2026-12): the public ledger went in deadline
order, so the closed (✅) led its first pages and what was late was buried under them; 简报设置
typed was not understood; 确认 typed again after the action said 我没有看懂; and `#N 已下单，已通知
门诊部` did not say how many people were told."""

from __future__ import annotations

import random
from datetime import date, timedelta

from test_loop_reads import _plan, _statements

from storage import ledger_pages, problems

DAY = date(2026, 12, 10)


def _problem(
    db, title: str, deadline: date | None, status: str = problems.DISPATCHED, moved: date = DAY
) -> int:
    """A problem listed (and last moved) on `moved`: the ledger's day unless a test says, so that
    none is amber or red for want of progress or of a claim by the day the suite runs on."""
    problem_id = problems.create(db, title, None)
    db.execute(
        "update problems set deadline = ?, status = ?, created_at = ? where id = ?",
        [
            deadline.isoformat() if deadline else None,
            status,
            f"{moved.isoformat()}T02:00:00+00:00",
            problem_id,
        ],
    )
    db.conn.commit()
    return problem_id


def _walk(db, cursor, limit=3, between=None) -> list[int]:
    shown: list[int] = []
    while True:
        found = ledger_pages.page(db, cursor, limit, 3)
        shown += [p.id for p in found.problems]
        if found.after is None:
            return shown
        cursor = ledger_pages.Cursor.parse(found.after.token())
        if between:
            between()


def test_the_ledger_leads_with_the_late_then_due_soon_then_open_then_finished(db):
    closed = [_problem(db, f"已销号{n}", DAY - timedelta(days=30 - n), problems.CLOSED) for n in range(5)]
    explained = _problem(db, "已说明", DAY - timedelta(days=9), problems.EXPLAINED)
    later = _problem(db, "按期", DAY + timedelta(days=20))
    waiting = _problem(db, "待接单", None, problems.LISTED)
    soon = _problem(db, "临期", DAY + timedelta(days=2))
    late = [_problem(db, f"逾期{n}", DAY - timedelta(days=n + 1)) for n in range(3)]
    shown = _walk(db, ledger_pages.opened(db, DAY))
    assert shown == [late[2], late[1], late[0], soon, waiting, later, *closed, explained]


def test_the_ledger_pages_hold_each_problem_once_while_problems_change_between_pages(db):
    """Between two pages a problem is closed, reopened, extended, published or hidden, and new
    ones are listed: each problem of the ledger as it was opened is shown once, in its order."""
    rng = random.Random(7)
    statuses = (problems.DISPATCHED, problems.CLOSED, problems.EXPLAINED, problems.LISTED)
    for n in range(60):
        deadline = None if n % 7 == 0 else DAY + timedelta(days=rng.randint(-20, 20))
        _problem(db, f"问题{n}", deadline, rng.choice(statuses))
    before = _walk(db, ledger_pages.opened(db, DAY), limit=1000)
    assert len(before) == 60

    def change():
        ids = [r[0] for r in db.execute("select id from problems").fetchall()]
        for problem_id in rng.sample(ids, 6):
            move = rng.randrange(4)
            if move == 0:
                db.execute("update problems set status = ? where id = ?", [rng.choice(statuses), problem_id])
            elif move == 1:
                shifted = (DAY + timedelta(days=rng.randint(-30, 30))).isoformat()
                db.execute("update problems set deadline = ? where id = ?", [shifted, problem_id])
            elif move == 2:
                db.execute("update problems set public = 1 - public where id = ?", [problem_id])
            else:
                _problem(db, "新列入", DAY - timedelta(days=40))
        db.conn.commit()

    opened = ledger_pages.opened(db, DAY)
    assert _walk(db, opened, limit=4, between=change) == before


def test_a_ledger_opened_before_a_bulk_change_starts_again(db, monkeypatch):
    """A page reads the moves since its ledger was opened: after more than it follows (an import
    between two pages), the next page is the first again rather than thousands read per tap."""
    monkeypatch.setattr(ledger_pages, "MOVES_FOLLOWED", 3)
    ids = [_problem(db, f"问题{n}", DAY + timedelta(days=n)) for n in range(5)]
    opened = ledger_pages.opened(db, DAY)
    db.execute("update problems set status = 'closed' where id in (?, ?, ?)", ids[:3])
    db.conn.commit()
    assert ledger_pages.still_exact(db, opened)
    db.execute("update problems set status = 'closed' where id = ?", [ids[3]])
    db.conn.commit()
    assert not ledger_pages.still_exact(db, opened)
    assert not ledger_pages.still_exact(db, ledger_pages.Cursor.parse("0.20261210.9.-.1"))


def test_a_page_deep_in_the_ledger_is_read_along_its_index(db):
    for n in range(40):
        _problem(db, f"问题{n}", DAY + timedelta(days=n - 20), (problems.CLOSED, problems.DISPATCHED)[n % 2])
    first = ledger_pages.page(db, ledger_pages.opened(db, DAY), 10, 3)
    _, statements = _statements(db, lambda: ledger_pages.page(db, first.after, 10, 3))
    reads = [s for s in statements if "indexed by" in s]
    assert reads and all("problems_ledger_attention" in _plan(db, s) for s in reads)
    assert all("TEMP B-TREE" not in _plan(db, s) for s in reads), [_plan(db, s) for s in reads]


def test_a_ledger_page_token_fits_a_button():
    from callbacks import LEDGER_ATTENTION_PAGE

    widest = ledger_pages.Cursor(10**12 - 1, date(2026, 12, 31), 4, date(2026, 12, 31), 10**12 - 1)
    data = LEDGER_ATTENTION_PAGE.data(999, widest.token())
    assert len(data.encode()) <= 64 and LEDGER_ATTENTION_PAGE.parse(data) == (999, widest.token())


def test_a_ledger_page_token_of_the_lights_order_fits_a_button():
    from callbacks import LEDGER_LIGHT_PAGE

    widest = ledger_pages.Cursor(
        10**12 - 1, date(2026, 12, 31), ledger_pages.FINISHED, date(2026, 12, 31), 10**12 - 1
    )
    data = LEDGER_LIGHT_PAGE.data(999, widest.token())
    assert len(data.encode()) <= 64 and LEDGER_LIGHT_PAGE.parse(data) == (999, widest.token())


async def test_a_leader_reads_the_late_first_in_the_ledger(running_bot, client, invited, db):
    """/ledger with 12 problems, 11 closed long ago: the one late problem stood on page 2, under
    ten ✅. It leads now, and the next page still holds the rest."""
    from conftest import join

    from storage.clock import clock

    today = clock.now().date()
    closed = [_problem(db, f"已销号{n}", today - timedelta(days=60 - n), problems.CLOSED) for n in range(11)]
    late = _problem(db, "门诊楼电梯经常停运", today - timedelta(days=4))
    leader = await join(client, invited, 102, "李娜")
    first = next(m for m in await leader.send("/ledger") if m.text and "整改台账" in m.text)
    lines = first.text.split("\n")
    assert lines[1].startswith(f"🔴 <b>#{late}</b> 门诊楼电梯经常停运")
    following = await leader.press("下一页", message=first)
    rest = " ".join(m.text for m in following if m.text)
    assert f"#{closed[9]}</b> " in rest and f"#{closed[10]}</b> " in rest and f"#{late}</b>" not in rest
    assert "第 2/2 页" in rest


async def test_a_dispatch_says_how_many_people_it_told(running_bot, client, invited, db):
    """`#1 已下单，已通知 门诊部。` said whom but not how many, where 批准延期 and 催办 say 已告知 1 人."""
    from conftest import join
    from test_leader_walk import _dispatch_to

    leader = await join(client, invited, 102, "李娜")
    await join(client, invited, 104, "刘洋")  # 门诊部's head
    assert await _dispatch_to(leader, db, "门诊部") == "#1 已下单，已通知 1 人（责任科室：门诊部）。"


async def test_confirm_typed_again_says_there_is_nothing_to_confirm(running_bot, client, invited, db):
    """The leader typed 确认 to the dispatch's confirmation, it was done, and a second 确认 (the
    phone still showed the word) was answered 我没有看懂."""
    from conftest import join
    from test_leader_walk import _dispatch_to

    leader = await join(client, invited, 102, "李娜")
    await _dispatch_to(leader, db, "门诊部")
    for typed in ("确认", "✅ 确认。", "確認"):
        again = await leader.send(typed)
        assert again[-1].text == "现在没有等您确认的操作：刚才的操作已经办完或已取消，不用再确认。", typed
    assert "没有看懂" in (await leader.send("确认书"))[-1].text
    await leader.send("/mine")  # a card with buttons, none of them a 确认, is the newest message
    again = await leader.send("确认")
    assert again[-1].text == "现在没有等您确认的操作：刚才的操作已经办完或已取消，不用再确认。"


async def test_digest_settings_typed_opens_them(running_bot, client, invited, db):
    """简报设置 typed (the digest's ⚙️ 推送设置 in the words a leader uses for it) was answered 我没有
    看懂, where `/digest 设置` opens the schedule."""
    from conftest import join

    leader = await join(client, invited, 102, "李娜")
    asked = (await leader.send("/digest 设置"))[-1]
    assert asked.text.startswith("推送设置")
    for typed in ("简报设置", "简报 设置。", "推送设置", "⚙️ 推送设置", "簡報設置"):
        answer = (await leader.send(typed))[-1]
        assert answer.text == asked.text and answer.labels() == asked.labels(), typed
    staff = await join(client, invited, 101, "张伟")
    assert "推送设置" not in (await staff.send("简报设置"))[-1].text


def _moved(db, problem_id: int, day: date) -> None:
    """Progress reported (or claimed, dispatched, reopened) on that day."""
    db.execute(
        "update problems set last_progress_at = ? where id = ?",
        [f"{day.isoformat()}T02:00:00+00:00", problem_id],
    )
    db.conn.commit()


RANK = {problems.RED: 0, problems.AMBER: 1, problems.GREEN: 2, problems.DONE: 3, problems.EXPLAINED: 3}


def _lights(db, shown: list[int]) -> list[str]:
    return [problems.light(problems.get(db, problem_id), DAY) for problem_id in shown]


def test_the_ledger_follows_the_light_each_card_shows(db):
    """A problem 🟡 because nothing had moved for weeks, its deadline two months away, stood
    among the 🟢 by its deadline, pages down: the order is the card's light, 🔴 (late, then
    unclaimed for 5 working days), 🟡 (due soon, then stalled for whatever reason, the longest
    still first), 🟢, then the finished."""
    closed = _problem(db, "已销号", DAY - timedelta(days=30), problems.CLOSED)
    later = _problem(db, "按期", DAY + timedelta(days=20))
    fresh = _problem(db, "刚列入", None, problems.LISTED)
    stalled = _problem(db, "久无进展", DAY + timedelta(days=60), moved=DAY - timedelta(days=20))
    claimed = _problem(db, "接单未下单", None, problems.CLAIMED, moved=date(2026, 12, 7))  # 3 working days
    reopened = _problem(db, "重新整改", None, problems.REOPENED, moved=DAY - timedelta(days=1))
    unclaimed = _problem(db, "无人接单", None, problems.LISTED, moved=date(2026, 12, 2))  # 6 working days
    soon = _problem(db, "临期", DAY + timedelta(days=2), moved=DAY - timedelta(days=30))
    late = _problem(db, "逾期", DAY - timedelta(days=1), moved=DAY - timedelta(days=30))
    expected = [late, unclaimed, soon, stalled, claimed, reopened, fresh, later, closed]
    for limit in (1, 2, 4, 100):
        assert _walk(db, ledger_pages.opened(db, DAY), limit=limit) == expected, limit
    assert _lights(db, expected) == [
        "red",
        "red",
        "amber",
        "amber",
        "amber",
        "amber",
        "green",
        "green",
        "done",
    ]


def test_the_pages_hold_each_problem_once_while_reports_and_claims_change_its_light(db):
    """Between two pages problems are reported on (no longer stalled), claimed, dispatched,
    reopened or closed: each problem of the ledger as it was opened is shown once, in the order
    of the lights it had then."""
    rng = random.Random(11)
    for n in range(80):
        deadline = None if n % 5 == 0 else DAY + timedelta(days=rng.randint(-10, 40))
        moved = DAY - timedelta(days=rng.randint(0, 30))
        _problem(db, f"问题{n}", deadline, rng.choice(problems.STATES), moved=moved)
    before = _walk(db, ledger_pages.opened(db, DAY), limit=1000)
    assert len(before) == 80
    ranks = [RANK[light] for light in _lights(db, before)]
    assert ranks == sorted(ranks)

    def change():
        ids = [r[0] for r in db.execute("select id from problems").fetchall()]
        for problem_id in rng.sample(ids, 8):
            if rng.randrange(2):
                _moved(db, problem_id, DAY - timedelta(days=rng.randint(0, 30)))
            else:
                db.execute(
                    "update problems set status = ? where id = ?", [rng.choice(problems.STATES), problem_id]
                )
                db.conn.commit()

    assert _walk(db, ledger_pages.opened(db, DAY), limit=3, between=change) == before


def test_a_page_among_the_stalled_is_read_along_the_index_by_the_day_they_moved(db):
    for n in range(40):
        _problem(db, f"问题{n}", DAY + timedelta(days=30 + n), moved=DAY - timedelta(days=20 + n % 7))
    first = ledger_pages.page(db, ledger_pages.opened(db, DAY), 10, 3)
    assert first.after is not None and first.after.group == ledger_pages.STALLED
    _, statements = _statements(db, lambda: ledger_pages.page(db, first.after, 10, 3))
    plans = [_plan(db, s) for s in statements if "indexed by problems_ledger_attention_by_move" in s]
    assert plans and all("problems_ledger_attention_by_move (public=? AND status=?" in p for p in plans), (
        plans
    )
    assert all("TEMP B-TREE" not in p for p in plans), plans
