"""Graceful stop: bot.py, a real process, gets SIGTERM while it answers a person and while a
broadcast goes out over a slow Telegram. It finishes the answer and the message in flight, marks
what it sent, leaves the rest queued, and exits within 10 seconds (Docker's limit); started
again, it answers nothing twice and goes on with the broadcast."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import TOKEN, free_port

from storage import outbox

REPO = Path(__file__).resolve().parent.parent
BROADCAST = 120
TALKER = 101


def _setup(db, server) -> None:
    department = db["departments"].insert({"name": "护理部"}, pk="id").last_pk
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
        for n in range(BROADCAST)
    )
    for n in range(BROADCAST):
        server.api.user(30_000 + n, f"u{n}", "zh-hans")
    for row in db.query("select id from people where roster_key like 'p%' order by id"):
        outbox.queue(db, row["id"], f"BROADCAST-{row['id']}")
    # the bot process runs on the real clock: make the rows due by it
    db.execute("update outbox set due_at = ?", [(datetime.now(UTC) - timedelta(minutes=1)).isoformat()])
    db.execute(
        "update people set telegram_user_id = ?, chat_id = ?, joined_at = ? where name = '张伟'",
        [TALKER, TALKER, datetime.now(UTC).isoformat()],
    )
    db.conn.commit()


async def _start(server, db_path: Path, mode: str, log: Path) -> asyncio.subprocess.Process:
    env = dict(
        os.environ,
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_BASE_URL=server.url,
        DATABASE_PATH=str(db_path),
        LOG_LEVEL="INFO",
        QUIET_HOURS="00:00-00:00",
    )
    if mode == "webhook":
        port = free_port()
        env |= {"WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram", "WEBHOOK_PORT": str(port)}
    return await asyncio.create_subprocess_exec(
        sys.executable, "bot.py", cwd=REPO, env=env, stdout=asyncio.subprocess.DEVNULL, stderr=open(log, "ab")
    )


def _delivered(server) -> list[str]:
    return [
        event["message"]["text"]
        for chat in server.api.chats.values()
        for event in chat.events
        if event["kind"] == "sent" and (event["message"].get("text") or "").startswith("BROADCAST-")
    ]


def _answers_to_talker(server) -> list[str]:
    return [e["message"].get("text") or "" for e in server.api.chats[TALKER].events if e["kind"] == "sent"]


async def _until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_sigterm_finishes_what_is_in_flight_and_exits_within_10_seconds(
    server, client, invited, db, db_path, mode
):
    _setup(db, server)
    server.api.latency["sendmessage"] = 0.5  # a slow Telegram: every message is in flight a while
    log = db_path.with_suffix(".log")
    process = await _start(server, db_path, mode, log)
    try:
        await _until(lambda: len(_delivered(server)) >= 3, 60, "the broadcast to start")
        talker = await client.user(TALKER, "Zhang")
        await client.post(f"/sandbox/users/{TALKER}/text", {"text": "/me"})
        await _until(lambda: ("sendMessage", str(TALKER)) in server.api.started, 20, "the answer to start")
        stopped_at = time.monotonic()
        process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(process.wait(), 30)
        took = time.monotonic() - stopped_at
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    print(f"{mode}: SIGTERM to exit {took:.2f} s")
    assert code == 0, log.read_text()[-2000:]
    assert took < 10
    answers = _answers_to_talker(server)
    assert len(answers) == 1 and "张伟" in answers[0]  # the answer in flight was finished

    delivered = _delivered(server)
    marked = [row["text"] for row in db.query("select text from outbox where sent_at is not null")]
    assert sorted(delivered) == sorted(marked)  # everything sent is marked: nothing goes twice
    assert len(delivered) < BROADCAST  # the pass stopped early; the rest waits, nothing given up
    assert db.execute("select count(*) from outbox where sent_at is null and failed_at is null").fetchone()[
        0
    ] == BROADCAST - len(delivered)

    server.api.latency.clear()
    again = await _start(server, db_path, mode, log)
    try:
        await _until(lambda: len(_delivered(server)) == BROADCAST, 60, "the rest of the broadcast")
        await talker.send("/me")  # answered again, and the first /me was not answered twice
    finally:
        again.send_signal(signal.SIGTERM)
        await asyncio.wait_for(again.wait(), 30)
    assert len(_answers_to_talker(server)) == 2
    assert sorted(_delivered(server)) == sorted(set(_delivered(server)))
