"""The delivery process is killed (SIGKILL, a real subprocess running bot.py) in the middle of
sending 1,000 queued messages, then started again: every message arrives, at most one twice;
with paid broadcasts on (sends side by side), at most twice the sends allowed in flight."""

from __future__ import annotations

import asyncio
import collections
import os
import signal
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import TOKEN

from storage import outbox

MESSAGES = 1000
REPO = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def _roster(db, server) -> None:
    department = db["departments"].insert({"name": "门诊部"}).last_pk
    db["people"].insert_all(
        {
            "roster_key": f"p{n}",
            "name": f"员工{n}",
            "department_id": department,
            "roles": "staff",
            "telegram_user_id": 20_000 + n,
            "chat_id": 20_000 + n,
            "reachable": 1,
            "active": 1,
        }
        for n in range(MESSAGES)
    )
    for n in range(MESSAGES):
        server.api.user(20_000 + n, f"u{n}")
    ids = [r["id"] for r in db.query("select id from people order by id")]
    for n, person_id in enumerate(ids):
        outbox.queue(db, person_id, f"MSG-{n}")
    # the bot process runs on the real clock, the test on one set to 10:00 in Shanghai: make the
    # rows due by the real clock too (between 00:00 and 02:00 UTC the test's clock is ahead)
    db.execute("update outbox set due_at = ?", [(datetime.now(UTC) - timedelta(minutes=1)).isoformat()])
    db.conn.commit()


async def _start_bot(server, db_path: Path, **settings: str) -> asyncio.subprocess.Process:
    env = dict(
        os.environ,
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_BASE_URL=server.url,
        DATABASE_PATH=str(db_path),
        LOG_LEVEL="WARNING",
        QUIET_HOURS="00:00-00:00",
        **settings,
    )  # the subprocess runs on the real clock: no quiet hours
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "bot.py",
        cwd=REPO,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=open(db_path.with_suffix(".log"), "ab"),
    )


def _delivered(server) -> collections.Counter:
    seen = collections.Counter()
    for chat in server.api.chats.values():
        for event in chat.events:
            if event["kind"] == "sent" and (event["message"].get("text") or "").startswith("MSG-"):
                seen[event["message"]["text"]] += 1
    return seen


async def _until(condition, timeout: float) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError("timed out")
        await asyncio.sleep(0.1)


async def _kill_and_restart(server, db_path: Path, **settings: str) -> tuple[int, int]:
    """Kill the bot a quarter of the way in, start it again; (sent before the kill, sent twice)."""
    first = await _start_bot(server, db_path, **settings)
    try:
        await _until(lambda: sum(_delivered(server).values()) >= 250, timeout=120)
    finally:
        first.send_signal(signal.SIGKILL)
        await first.wait()
    at_kill = sum(_delivered(server).values())
    assert at_kill < MESSAGES, "the kill must come in the middle of sending"

    second = await _start_bot(server, db_path, **settings)
    try:
        await _until(lambda: len(_delivered(server)) == MESSAGES, timeout=180)
    finally:
        second.send_signal(signal.SIGKILL)
        await second.wait()
    delivered = _delivered(server)
    assert len(delivered) == MESSAGES  # every message arrived
    twice = sum(n - 1 for n in delivered.values())
    print(f"killed after {at_kill} of {MESSAGES}; after restart all {len(delivered)} arrived, {twice} twice")
    return at_kill, twice


async def test_a_killed_delivery_loses_nothing_and_repeats_at_most_one(server, db, db_path):
    _roster(db, server)
    _, twice = await _kill_and_restart(server, db_path)
    assert twice <= 1  # at most one arrived twice


async def test_a_killed_paid_broadcast_loses_nothing_and_repeats_at_most_twice_its_sends_in_flight(
    server, db, db_path
):
    _roster(db, server)
    server.api.latency["sendmessage"] = 0.02  # sends on their way when the kill comes
    in_flight = 10
    _, twice = await _kill_and_restart(
        server,
        db_path,
        PAID_BROADCAST="true",
        PAID_BROADCAST_ABOVE="1",
        PAID_BROADCAST_IN_FLIGHT=str(in_flight),
    )
    assert twice <= 2 * in_flight
    assert server.api.paid_messages >= MESSAGES  # sent as paid broadcasts


async def test_free_sends_side_by_side_killed_lose_nothing_and_repeat_at_most_twice_their_sends_in_flight(
    server, db, db_path
):
    """BROADCAST_IN_FLIGHT, for a bot far from Telegram: free sends several at once."""
    _roster(db, server)
    # 100 ms a round trip: one at a time would go at 10 a second, the pacer allows 29.7, so sends
    # overlap whatever the machine's speed (at 20 ms they overlapped only when the pacer caught
    # up after a late send, and a CI run once saw none)
    server.api.latency["sendmessage"] = 0.1
    in_flight = 3
    _, twice = await _kill_and_restart(server, db_path, BROADCAST_IN_FLIGHT=str(in_flight))
    assert twice <= 2 * in_flight
    assert server.api.paid_messages == 0  # nothing paid for
    assert server.most_in_flight > 1  # side by side, not one by one
