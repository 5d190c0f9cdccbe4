"""Crashes: bot.py, a real process, is killed with SIGKILL at random moments twenty times while
people submit opinions and a broadcast goes out, and started again each time. An opinion whose
receipt a person saw is stored, unless it was still waiting in memory for its batch (fewer than
ANONYMITY_SET at a kill), and then its receipt tells the person it is lost and to submit again;
no queued message is lost, at most one message arrives twice per kill, and SQLite's integrity
check passes."""

from __future__ import annotations

import asyncio
import collections
import random
import signal
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
from conftest import RECEIPT
from test_delivery_crash import _start_bot, _until

from storage import outbox

pytestmark = pytest.mark.slow

KILLS = 20
PEOPLE = 12
ANONYMITY_SET = 3  # smaller than the default, so that batches are written between the kills
EACH_ROUND = 6
BROADCAST_EACH = 15  # messages queued for each person


def _roster(db, server) -> list[int]:
    department = db["departments"].insert({"name": "门诊部"}).last_pk
    db["people"].insert_all(
        {
            "roster_key": f"p{n}",
            "name": f"员工{n}",
            "department_id": department,
            "roles": "staff",
            "telegram_user_id": 30_000 + n,
            "chat_id": 30_000 + n,
            "reachable": 1,
            "active": 1,
        }
        for n in range(PEOPLE)
    )
    ids = [r["id"] for r in db.query("select id from people order by id")]
    for n in range(PEOPLE):
        server.api.user(30_000 + n, f"u{n}", "zh-hans")
    for round_number in range(BROADCAST_EACH):
        for person_id in ids:
            outbox.queue(db, person_id, f"BROADCAST-{round_number}-{person_id}")
    # the bot process runs on the real clock, the test on one set to 10:00 in Shanghai: make the
    # rows due by the real clock too (between 00:00 and 02:00 UTC the test's clock is ahead)
    db.execute("update outbox set due_at = ?", [(datetime.now(UTC) - timedelta(minutes=1)).isoformat()])
    db.conn.commit()
    return [30_000 + n for n in range(PEOPLE)]


async def _submit(person, marker: str, confirmed: dict[str, str]) -> None:
    """One anonymous opinion, as far as the bot gets; remembered (with its receipt) only if the
    receipt arrived."""
    try:
        await person.send("/opinion", timeout=3)
        await person.press("匿名提交", timeout=3)
        await person.press("形式主义", timeout=3)
        await person.press("门诊部", timeout=3)
        await person.send(marker, timeout=3)
        await person.press("完成，预览", timeout=3)
        reply = await person.press("提交", timeout=3)
    except AssertionError:  # the bot died under us: this one was never confirmed
        return
    found = next((RECEIPT.search(m.text or "") for m in reply if RECEIPT.search(m.text or "")), None)
    if found:
        confirmed[marker] = found.group(1)


def _broadcast(server) -> collections.Counter:
    seen: collections.Counter = collections.Counter()
    for chat in server.api.chats.values():
        for event in chat.events:
            if event["kind"] == "deleted":  # the bot clearing an anonymous message
                continue
            text = event["message"].get("text") or ""
            if event["kind"] == "sent" and text.startswith("BROADCAST-"):
                for line in text.split("\n\n"):  # grouped rows share one message
                    seen[line] += 1
    return seen


async def test_twenty_kills_lose_nothing(server, client, db, db_path, monkeypatch):
    monkeypatch.setenv("ANONYMITY_SET", str(ANONYMITY_SET))  # the bot processes inherit it
    users = [await client.user(user_id, f"u{user_id}") for user_id in _roster(db, server)]
    rng = random.Random(7)
    confirmed: dict[str, str] = {}
    attempted: set[str] = set()
    attempt = 0
    for kill in range(KILLS):
        polls = server.api.polls
        process = await _start_bot(server, db_path)
        # the kill falls at a random moment of the bot's work, not of its start-up (imports,
        # migrations): people begin once it takes updates
        await _until(lambda before=polls: server.api.polls > before, timeout=60)
        markers = [f"意见-{kill}-{n}-{attempt}" for n in range(EACH_ROUND)]
        attempted.update(markers)
        work = [
            asyncio.create_task(_submit(user, marker, confirmed))
            for marker, user in zip(markers, rng.sample(users, EACH_ROUND), strict=True)
        ]
        attempt += 1
        await asyncio.sleep(rng.uniform(1.5, 4.0))
        process.send_signal(signal.SIGKILL)
        await process.wait()
        await asyncio.gather(*work)

    final = await _start_bot(server, db_path)
    connection = sqlite3.connect(db_path)
    stored = {row[0] for row in connection.execute("select text from opinions")}
    connection.close()
    lost = {marker: receipt for marker, receipt in confirmed.items() if marker not in stored}
    try:
        expected = BROADCAST_EACH * PEOPLE
        await _until(lambda: len(_broadcast(server)) == expected, timeout=120)
        for receipt in list(lost.values())[:3]:  # the person can tell
            told = await users[0].send(f"/receipt {receipt}", timeout=10)
            assert "没有找到" in told[-1].text and "重新提交" in told[-1].text
    finally:
        final.send_signal(signal.SIGKILL)
        await final.wait()

    connection = sqlite3.connect(db_path)
    texts = [row[0] for row in connection.execute("select text from opinions")]
    integrity = connection.execute("pragma integrity_check").fetchone()[0]
    connection.close()
    seen = _broadcast(server)
    twice = sum(n - 1 for n in seen.values())
    print(
        f"{KILLS} kills: {len(confirmed)} opinions confirmed, {len(lost)} lost while waiting; "
        f"{len(seen)}/{BROADCAST_EACH * PEOPLE} broadcast messages arrived, {twice} twice"
    )
    assert confirmed, "some submissions must have completed between the kills"
    assert stored & set(confirmed), "some batches must have been written between the kills"
    assert len(texts) == len(set(texts)) and set(texts) <= attempted  # nothing twice, nothing made up
    for kill in range(KILLS):  # a kill loses what waits in memory: fewer than a batch
        assert len([m for m in lost if m.startswith(f"意见-{kill}-")]) < ANONYMITY_SET
    assert len(seen) == BROADCAST_EACH * PEOPLE
    assert twice <= KILLS
    assert integrity == "ok"
