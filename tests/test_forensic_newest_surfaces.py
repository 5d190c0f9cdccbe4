"""Attacks of a hostile operator (the database, its WAL, the backups, the logs at DEBUG, the key
and the bot's token) on the newest surfaces: the lobby's public box, a supervising body with
several institutions' databases, and what the health endpoint counts.

Worked before its fix:
- A guest's ledger. The public ledger a guest opens under her receipt (or its card) stayed in
  her chat: a nurse who scanned the lobby poster before she joined, and joined later, has a
  chat the token copies (her Telegram id is in the people table), where 整改台账（公开）, dated by
  forwardMessage, says she used the public box that day, and the guests' opinions carry their
  day and the mark 群众.
"""

from __future__ import annotations

from conftest import join
from test_mixing import copy_of_chat
from test_public_box import guest_submits, open_box

from storage import problems

GUEST_LEDGER = "整改台账（公开）"


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
