"""Attacks of a hostile operator (the database, its WAL, the backups, the logs at DEBUG, the key
and the bot's token) on the newest surfaces: the lobby's public box, a supervising body with
several institutions' databases, and what the health endpoint counts.

Worked before its fix:
- A guest's ledger. The public ledger a guest opens under her receipt (or its card) stayed in
  her chat: a nurse who scanned the lobby poster before she joined, and joined later, has a
  chat the token copies (her Telegram id is in the people table), where 整改台账（公开）, dated by
  forwardMessage, says she used the public box that day, and the guests' opinions carry their
  day and the mark 群众.
- The daily limit's refusal. 今天的匿名意见已达 5 条上限 was edited into the draft's step and
  kept: a member's chat, copied with the token, said she had sent five anonymous opinions that
  day, and every anonymous opinion carries its day (on a day of five, all five were hers). A
  guest's 今天已提交 3 条意见 said the same of the public box. The refusal is now a pop-up and
  the draft leaves the chat; a guest's, answering a typed /start, leaves after 5 minutes.
- What the sealed link brought. A holder who opted in heard the office's reply in her chat
  (📬 您的意见 #… 有新回复); when the opinion closed, the link left the file (意见办结时这条记录会
  自动删除) but the notice stayed in the chat, naming the opinion beside her chat for anyone with
  the token; 已开启通知 dated a day she held a receipt. The notices leave after a day (or at 🧹),
  the opt-in's messages with the receipt or card they were pressed under.
- A receipt not found. /receipt, its question and 没有找到这个回执码 stayed in the chat (found,
  the card leaves with 看完了): she had held a receipt, and just after a restart (the answer
  says a lost opinion must be sent again) the next batch carried hers. The question leaves with
  the code (or a /cancel), the answer after 5 minutes.

Tried, and they held:
- one anonymous opinion, from /opinion to 我已保存: /metrics moves by the update count only, the
  files and the outbox not at all, not one log line at DEBUG;
- a county (the bureau's database and two hospitals'): a hospital member's opinion and a guest
  of the other hospital change no file, the bureau's included, until their batches, and the
  bureau's file not even then; /rollup reads as before and shows no category under k;
- the grouping's learned corrections (the office's merge, kept across a restart) and the
  ledger's move log (problem_moves, m440): written only after a batch, never beside it, and no
  move row from an opinion, a write-back or a regrouping;
- the doctor, run while an opinion waits in the pool: writes nothing, names nobody.

Left: a deleted message leaves a gap in the chat's numbering, dated by the kept messages around
it (README, "What this does not cover"); what is to leave the chat is known in memory only, so a
restart leaves it; /receipt and its question left by a menu tap or a timeout stay until a code
is next typed.
"""

from __future__ import annotations

from datetime import timedelta

from conftest import change_settings, join, submit_opinion
from test_mixing import copy_of_chat
from test_public_box import guest_submits, open_box

from jobs import forgetting
from storage import problems
from storage.clock import clock

GUEST_LEDGER = "整改台账（公开）"
FOUR_STAFF = "".join(f"员工{n},门诊部,职工\n" for n in range(4))


async def _guest_ledger_published(client, invited, db) -> str:
    problems.create(db, "候诊区座椅不足", None)
    office = await join(client, invited, 103, "王芳")
    code = await open_box(office)
    await office.press("📋 向群众公开台账")
    await office.press("✅ 确认公开")
    return code


async def test_a_guest_who_joins_later_keeps_no_ledger_she_read_as_a_guest(
    running_bot, client, invited, server, db
):
    """A nurse not yet joined scans the lobby poster, reads the public ledger under her receipt
    and under its card (a problem's detail too), taps 我已保存 and 看完了, and joins. What she
    read as a guest leaves with the receipt and the card it was opened from."""
    code = await _guest_ledger_published(client, invited, db)
    nurse = await client.user(104, "刘洋")
    receipt = await guest_submits(nurse, code, "挂号窗口只开一个，排队一小时")
    shown = await nurse.press("📋 看整改台账")
    assert any(GUEST_LEDGER in (m.text or "") for m in shown), "the guest reads the ledger"
    await nurse.press("我已保存")
    await nurse.send(f"/receipt {receipt}")
    await nurse.press("📋 看整改台账")
    await nurse.press("#1")
    await nurse.press("看完了")
    await nurse.send(f"/start {invited['刘洋']}")
    thief = await client.user(666, "token holder")
    copied = await copy_of_chat(client, server, nurse, thief)
    assert any("欢迎，刘洋" in text for text in copied), "the copy must see the chat it checks"
    assert not [text for text in copied if GUEST_LEDGER in text or "候诊区座椅不足" in text], copied


# ---- one submission, seen from every side the operator has ------------------------------------


def _files(db_path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(db_path.parent.glob("*.db*")) if p.is_file()}


async def _flushed(app) -> None:
    """What the persistence would have written by now (its timer does not run in the fast tier)."""
    await app.update_persistence()
    await app.persistence.flush()


async def test_one_anonymous_opinion_moves_no_metric_no_file_and_no_log_line(
    fast_bot, fast_client, invited, db_path, caplog
):
    """Tried; it holds. The operator scrapes /metrics, copies the files and reads the logs at
    DEBUG just before a member opens the box and just after she has saved her receipt: the one
    figure that moved is the count of updates handled (every update counts, whatever it is), the
    database, its WAL and the outbox are as they were, and not one log line was written."""
    import logging

    from conftest import submit_opinion
    from test_health import Endpoint

    import bot

    bot.quiet_libraries()
    staff = await fast_client.user(101, "张伟")
    await staff.send(f"/start {invited['张伟']}")
    await _flushed(fast_bot.app)
    async with Endpoint(fast_bot.app) as endpoint:
        before, files = await endpoint.metrics(), _files(db_path)
        caplog.set_level(logging.DEBUG)
        caplog.clear()
        assert await submit_opinion(staff, "食堂饭菜太咸，中午尤其严重")
        await staff.press("我已保存")
        logged = [f"{r.name}: {r.getMessage()}" for r in caplog.records]
        await _flushed(fast_bot.app)
        after = await endpoint.metrics()
    moved = {name for name in before.keys() | after.keys() if before.get(name) != after.get(name)}
    assert moved == {("rectify_updates_handled_total", ())}
    assert _files(db_path) == files
    assert logged == []


# ---- a supervising body and its institutions --------------------------------------------------


async def test_the_bodys_file_and_roll_up_know_nothing_of_an_institutions_anonymous_flows(
    fast_bot, fast_client, db_path, caplog
):
    """Tried; it holds. In a county (the bureau's database and two hospitals'), a member of 甲
    submits an anonymous opinion and a stranger submits through 乙's lobby poster: until their
    batches, no institution's file changes, the bureau's included (its directory places members,
    never a guest), and /rollup reads as before; after them, the bureau's file is still as it
    was (nothing of a batch goes up: the roll-up is read from each hospital's file when asked),
    and the roll-up shows no category of fewer than k opinions."""
    import logging

    from conftest import submit_opinion
    from test_public_box import guest_submits, open_box
    from test_supervision import county, everyone_joins, view

    from jobs import opinion_batches

    codes = county(fast_bot.db, db_path)
    people = await everyone_joins(fast_client, codes)
    code = await open_box(people["乙办"])
    rollup = "\n".join(m.text or "" for m in await people["周督导"].send("/rollup"))
    await _flushed(fast_bot.app)
    files = {p: p.read_bytes() for p in sorted(db_path.parent.rglob("*.db*")) if p.is_file()}
    assert len([p for p in files if p.suffix == ".db"]) == 3, files.keys()
    caplog.set_level(logging.DEBUG)
    caplog.clear()
    assert await submit_opinion(people["甲职工"], "门诊部空调坏了一周没人修", category="工作作风")
    guest = await fast_client.user(990_000_123, "病人家属")
    assert await guest_submits(guest, code, "乙医院挂号窗口只开一个，排队太久。")
    await _flushed(fast_bot.app)
    assert {p: p.read_bytes() for p in files} == files
    assert not [r for r in caplog.records if "990000123" in r.getMessage() or "甲职工" in r.getMessage()]
    assert "\n".join(m.text or "" for m in await people["周督导"].send("/rollup")) == rollup
    body = db_path.read_bytes(), db_path.with_name(db_path.name + "-wal")
    body_wal = body[1].read_bytes() if body[1].exists() else b""
    for name in ("甲医院", "乙医院"):
        assert await opinion_batches.release_to_office(view(fast_bot, name)) == (1, 0)
    await _flushed(fast_bot.app)
    assert (db_path.read_bytes(), body[1].read_bytes() if body[1].exists() else b"") == (body[0], body_wal)
    after = "\n".join(m.text or "" for m in await people["周督导"].send("/rollup"))
    assert "工作作风" not in after and "服务态度" not in after


# ---- the daily limit ----------------------------------------------------------------------------


async def test_the_daily_limits_refusal_leaves_no_count_in_the_chat(running_bot, client, invited, server):
    """A member at her daily limit presses 匿名提交 again: she is told in a pop-up, and her chat,
    copied with the token, keeps nothing of the box that day (no 上限, no /opinion)."""
    change_settings(running_bot.app, opinion_daily_limit=2)
    clock.freeze(clock.now().replace(hour=2))  # 10:00 in Shanghai, inside one local day
    staff = await join(client, invited, 101, "张伟")
    for n in range(2):
        assert await submit_opinion(staff, f"食堂饭菜太咸 {n}")
        await staff.press("我已保存")
    await staff.send("/opinion")
    await staff.press("匿名提交")
    popped = await staff.callback_answer()
    thief = await client.user(666, "token holder")
    copied = await copy_of_chat(client, server, staff, thief)
    assert copied, "the copy must see the chat it checks"
    assert not [text for text in copied if "上限" in text or "/opinion" in text or "意见箱" in text], copied
    assert "已达 2 条上限" in popped["text"] and popped["show_alert"]


async def test_a_guests_daily_limit_leaves_with_the_start_that_met_it(running_bot, client, invited, server):
    """A guest at the public box's daily limit scans the poster again: the /start and the
    refusal leave her chat (the refusal after 5 minutes), so a guest who joins later keeps no
    count of what she sent."""
    office = await join(client, invited, 103, "王芳")
    code = await open_box(office)
    nurse = await client.user(104, "刘洋")
    for n in range(running_bot.settings.public_daily_limit):
        await guest_submits(nurse, code, f"挂号窗口只开一个 {n}")
        await nurse.press("我已保存")
    refused = await nurse.send(f"/start {code}")
    assert "今天已提交" in refused[-1].text
    clock.advance(timedelta(minutes=6))
    await forgetting.sweep(running_bot.app)
    await nurse.send(f"/start {invited['刘洋']}")
    thief = await client.user(666, "token holder")
    copied = await copy_of_chat(client, server, nurse, thief)
    assert any("欢迎，刘洋" in text for text in copied), "the copy must see the chat it checks"
    assert not [text for text in copied if "今天已提交" in text or "box_" in text], copied


# ---- the grouping's learned corrections and the ledger's move log -------------------------------


async def test_the_groupings_corrections_and_the_move_log_write_nothing_beside_an_opinion(
    fast_bot, fast_client, invited, db, db_path, tmp_path, monkeypatch
):
    """Tried; it holds. Opinions about two problems are batched and grouped; the office merges
    the two groups (a correction the grouping learns and keeps across a restart: the restart is
    the index dropped and rebuilt); a holder writes back, which may move her opinion; a second
    batch. Read commit by commit: the grouping writes only after a batch is released, never in
    the batch's commit, and the ledger's move log (problem_moves, m440) gets no row from any of
    it: a problem moves by the office's and the leaders' acts, never by an opinion, a write-back
    or a regrouping."""
    from conftest import ROSTER_CSV
    from test_forensics import replay, watch_batches

    import services
    from jobs import hotspots as hotspot_job
    from jobs import opinion_batches
    from storage import hotspots, invitations, roster

    roster.apply(db, roster.parse((ROSTER_CSV + FOUR_STAFF).encode()), None)  # the office stays
    issued = invitations.issue(db, [p.id for p in invitations.unbound(db)], 14)
    codes = {i.person.name: i.code for i in issued}
    people = []
    for n in range(4):
        person = await fast_client.user(7_660_000_001 + n, f"u{n}")
        await person.send(f"/start {codes[f'员工{n}']}")
        people.append(person)
    office = await fast_client.user(103, "王芳")
    await office.send(f"/start {invited['王芳']}")
    moves_before = db.execute("select count(*), coalesce(max(seq), 0) from problem_moves").fetchone()
    observer = watch_batches(monkeypatch, db_path)
    texts = [
        "自行车棚的顶棚漏雨，车子都淋湿了",
        "车棚顶上破了个洞，下雨车子全湿",
        "职工食堂的菜太咸了",
        "食堂饭菜太咸，中午尤其严重",
    ]
    receipts = [await submit_opinion(people[n], texts[n]) for n in range(4)]
    assert await submit_opinion(people[0], "自行车棚漏雨好几个月了")  # the fifth: the batch
    await opinion_batches.release_to_office(fast_bot.app)
    observer.copy("grouped")
    ids = [r[0] for r in db.execute("select id from opinions order by id")]
    groups = sorted({hotspots.group_of(db, o) for o in ids})
    assert len(groups) == 2, groups
    office_id = db.execute("select id from people where name = '王芳'").fetchone()[0]
    hotspot_job.grouper(fast_bot.app).note_moves(hotspots.merge(db, groups[0], groups[1], office_id))
    observer.copy("merged")
    services.of(fast_bot.app).hotspots = None  # a restart: the index is rebuilt, corrections kept
    await people[2].send(f"/receipt {receipts[2]}")
    await people[2].press("回复活动办")
    await people[2].send("补充：晚饭也很咸，车棚那边也有人反映")
    for n in (1, 3):
        assert await submit_opinion(people[n], f"车棚漏雨的问题还没解决 {n}")
    await people[3].send("/opinion")
    await people[3].press("匿名提交")  # a draft left open: not written, not counted
    assert await submit_opinion(people[0], "食堂的菜还是很咸")
    assert await submit_opinion(people[1], "车棚顶棚漏雨")
    await opinion_batches.release_to_office(fast_bot.app)
    observer.copy("grouped again")
    commits = replay(observer, tmp_path)
    batches = [c for c in commits if c.anonymous]
    assert len(batches) == 2
    assert not [c.others for c in batches if c.others], "a batch's commit wrote something beside it"
    hotspot_tables = {"hotspot_members", "hotspot_groups"}
    assert any(t in hotspot_tables for c in commits for t, _ in c.others), "the reader sees the grouping"
    assert db.execute("select count(*), coalesce(max(seq), 0) from problem_moves").fetchone() == moves_before


# ---- what the sealed link delivered -------------------------------------------------------------


async def test_a_notice_through_the_sealed_link_leaves_the_chat_as_the_link_leaves_the_file(
    running_bot, client, invited, server, db
):
    """A holder opts in (told that the key's holder could then link her to the opinion, until it
    is closed), the office replies, and she hears it in her chat (📬 您的意见 #… 有新回复); then
    the opinion is closed and the link deleted (意见办结时这条记录会自动删除). The chat, copied
    with the token, still said 您的意见 #… beside the office's words: the link the file no
    longer held. A notice sent through the link now leaves the chat after a day (or at 🧹)."""
    from jobs import opinion_batches
    from storage import opinions

    staff = await join(client, invited, 101, "张伟")
    office = await join(client, invited, 103, "王芳")
    receipt = await submit_opinion(staff, "候诊区座椅不足，老人只能站着")
    await staff.press("我已保存")
    await opinion_batches.release_to_office(running_bot.app)
    await staff.send(f"/receipt {receipt}")
    await staff.press("有回复时通知我")
    await staff.press("我了解，开启通知")
    await staff.press("看完了")
    [opinion_id] = [r[0] for r in db.execute("select id from opinions")]
    await office.send("/inbox")
    await office.press("回复")
    await office.send("已增加二十把座椅")
    assert "已增加二十把座椅" in (await staff.wait_for("有新回复")).text
    office_id = db.execute("select id from people where name = '王芳'").fetchone()[0]
    opinions.close(db, opinion_id, office_id, "已解决", clock.now().date())
    clock.advance(timedelta(hours=25))
    await forgetting.sweep(running_bot.app)
    thief = await client.user(666, "token holder")
    copied = await copy_of_chat(client, server, staff, thief)
    assert copied, "the copy must see the chat it checks"
    traces = [opinion_id, "二十把座椅", "通知"]  # and 已开启通知, which dated the day she held a receipt
    assert not [text for text in copied if any(t in text for t in traces)], copied


# ---- the doctor -------------------------------------------------------------------------------


async def test_the_doctor_run_beside_a_waiting_opinion_writes_nothing_and_names_nobody(
    fast_bot, fast_client, invited, db_path, capsys
):
    """Tried; it holds. The operator runs `python bot.py doctor` while an anonymous opinion waits
    in the pool (hoping its integrity check or its WAL reading catches the opinion, or that it
    makes the bot write at a moment of its own): the files are byte for byte as they were, and
    what it prints names no person and no opinion."""
    import cli

    staff = await fast_client.user(101, "张伟")
    await staff.send(f"/start {invited['张伟']}")
    assert await submit_opinion(staff, "食堂饭菜太咸，中午尤其严重")
    await _flushed(fast_bot.app)
    files = _files(db_path)
    capsys.readouterr()
    cli.run(fast_bot.app.bot_data["settings"], cli.parser().parse_args(["doctor"]))
    printed = capsys.readouterr().out
    assert "integrity" in printed and "WAL size" in printed
    assert _files(db_path) == files
    for secret in ("张伟", "食堂", "门诊部", invited["张伟"]):
        assert secret not in printed


async def test_each_institutions_nightly_backup_is_made_without_its_opt_in_links(
    fast_bot, fast_client, db_path
):
    """Tried; it holds. In a county, a hospital member opts in to notices (the sealed link, in
    the hospital's file); the nightly backup copies every institution's file into its own
    folder: none of the copies holds the link, in a row or in any byte."""
    import sqlite3
    from types import SimpleNamespace

    from test_supervision import county, everyone_joins, view

    from jobs import backups as backup_job
    from jobs import opinion_batches

    codes = county(fast_bot.db, db_path)
    people = await everyone_joins(fast_client, codes)
    member = people["甲职工"]
    receipt = await submit_opinion(member, "门诊部空调坏了一周没人修", category="工作作风")
    hospital = view(fast_bot, "甲医院")
    await opinion_batches.release_to_office(hospital)
    await member.send(f"/receipt {receipt}")
    await member.press("有回复时通知我")
    await member.press("我了解，开启通知")
    [sealed] = [
        r[0] for r in hospital.bot_data["db"].execute("select sealed_chat from opinion_subscriptions")
    ]
    await backup_job.nightly(SimpleNamespace(application=fast_bot.app))
    copies = sorted((db_path.parent / "backups").rglob("*.db"))
    assert len(copies) == 3, copies  # the bureau's and each hospital's, each in its own folder
    for copy in copies:
        assert sealed.encode() not in copy.read_bytes(), copy
        connection = sqlite3.connect(copy)
        try:
            assert connection.execute("select count(*) from opinion_subscriptions").fetchone()[0] == 0
        finally:
            connection.close()


async def test_a_receipt_not_found_leaves_the_chat_as_a_card_does(running_bot, client, invited, server):
    """A member sends /receipt with a code the bot does not know (one a restart lost before its
    batch, as the answer says, or a typo): the answer stayed in her chat, and the token's copy
    said she had held a receipt, at a moment that, after a restart, names whose opinion the
    next batch carries again. Found, the card leaves with 看完了; not found, the answer leaves
    after 5 minutes."""
    staff = await join(client, invited, 101, "张伟")
    await staff.send("/receipt")
    answer = await staff.send("ABCD-EFGH-JKMN-PQRS-TVWX")
    assert "没有找到" in answer[-1].text
    clock.advance(timedelta(minutes=6))
    await forgetting.sweep(running_bot.app)
    thief = await client.user(666, "token holder")
    copied = await copy_of_chat(client, server, staff, thief)
    assert copied, "the copy must see the chat it checks"
    assert not [text for text in copied if "没有找到" in text or "回执码" in text or "/receipt" in text], (
        copied
    )


async def test_a_look_backs_news_through_the_sealed_link_leaves_the_chat_after_a_day(
    fast_bot, fast_client, invited, db
):
    """The other road of the sealed link (the sealed outbox, delivery's pass): a look-back's news
    to a holder who opted in comes with 🧹 and is gone a day later."""
    from jobs import delivery, notices, opinion_batches

    staff = await fast_client.user(101, "张伟")
    await staff.send(f"/start {invited['张伟']}")
    receipt = await submit_opinion(staff, "候诊区座椅不足，老人只能站着")
    await opinion_batches.release_to_office(fast_bot.app)
    await staff.send(f"/receipt {receipt}")
    await staff.press("有回复时通知我")
    await staff.press("我了解，开启通知")
    [opinion_id] = [r[0] for r in db.execute("select id from opinions")]
    clock.freeze(clock.now().replace(hour=3))  # 11:00 in Shanghai: outside quiet hours
    notices.holders_told(fast_bot.app, [opinion_id], "lookback.holder_news", "test", id=1, title="候诊区座椅")
    await delivery.send_due(fast_bot.app)
    news = await staff.wait_for("正在回头看")
    assert opinion_id in news.text and "🧹 看完了，删除" in news.labels()
    clock.advance(timedelta(hours=25))
    await forgetting.sweep(fast_bot.app)
    staff.seen = 0  # read the chat's events again, deletions included
    staff._new()
    assert not [m for m in staff.inbox if opinion_id in (m.text or "")]


async def test_the_daily_limit_met_by_a_typed_choice_leaves_no_count_either(
    running_bot, client, invited, server
):
    """As above, with 匿名提交 typed rather than tapped: the typed word goes with the draft, and
    the answer a pop-up would have been (a message, as there is no press) after 5 minutes."""
    change_settings(running_bot.app, opinion_daily_limit=1)
    clock.freeze(clock.now().replace(hour=2))
    staff = await join(client, invited, 101, "张伟")
    assert await submit_opinion(staff, "食堂饭菜太咸")
    await staff.press("我已保存")
    await staff.send("/opinion")
    answered = await staff.send("匿名提交")
    assert any("上限" in (m.text or "") for m in answered)
    clock.advance(timedelta(minutes=6))
    await forgetting.sweep(running_bot.app)
    thief = await client.user(666, "token holder")
    copied = await copy_of_chat(client, server, staff, thief)
    assert copied, "the copy must see the chat it checks"
    assert not [text for text in copied if "上限" in text or "匿名提交" in text or "/opinion" in text], copied


async def test_a_receipt_question_cancelled_leaves_the_chat(running_bot, client, invited, server):
    """/receipt, then /cancel instead of a code: the question, the /receipt and the /cancel
    leave at once, the 已取消 after 5 minutes."""
    staff = await join(client, invited, 101, "张伟")
    await staff.send("/receipt")
    await staff.send("/cancel")
    clock.advance(timedelta(minutes=6))
    await forgetting.sweep(running_bot.app)
    thief = await client.user(666, "token holder")
    copied = await copy_of_chat(client, server, staff, thief)
    assert copied, "the copy must see the chat it checks"
    assert not [text for text in copied if "回执码" in text or "/receipt" in text or "/cancel" in text], (
        copied
    )
