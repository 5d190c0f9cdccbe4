"""The health endpoint: /healthz says 200 only while the sweeper runs, delivery moves and the
database answers (503 with the reason otherwise); /metrics in Prometheus' text format, with
nothing in it about a person or an opinion."""

from __future__ import annotations

import asyncio
import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from conftest import TOKEN, submit_opinion
from prometheus_client.parser import text_string_to_metric_families

import config
from health import server as health_server
from health.vitals import JobRun
from storage import outbox
from storage.clock import clock
from storage.health import OutboxCounts


class Endpoint:
    def __init__(self, app) -> None:
        self.app, self.runner, self.url = app, None, ""

    async def __aenter__(self) -> Endpoint:
        self.runner = web.AppRunner(health_server.routes(self.app))
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", 0).start()
        self.url = f"http://127.0.0.1:{health_server.serving_port(self.runner)}"
        return self

    async def __aexit__(self, *exc) -> None:
        await self.runner.cleanup()

    async def get(self, path: str) -> tuple[int, str]:
        async with aiohttp.ClientSession() as session, session.get(self.url + path) as answer:
            return answer.status, await answer.text()

    async def metrics(self) -> dict[tuple[str, tuple], float]:
        status, text = await self.get("/metrics")
        assert status == 200
        return {
            (sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(text)
            for sample in family.samples
        }


async def _swept(app) -> None:
    for _ in range(100):
        if app.bot_data["vitals"].last_ran("sweeper"):
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the sweeper did not run within 10 s of the start")


def _pause(app, job: str) -> None:
    for scheduled in app.job_queue.get_jobs_by_name(job):
        scheduled.enabled = False


def test_the_endpoint_is_off_by_default_and_local_when_on():
    settings = config.load(env={"TELEGRAM_BOT_TOKEN": TOKEN}, dotenv=False)
    assert settings.health_port is None and settings.health_host == "127.0.0.1"
    on = config.load(env={"TELEGRAM_BOT_TOKEN": TOKEN, "HEALTH_PORT": "9100"}, dotenv=False)
    assert on.health_port == 9100 and on.health_host == "127.0.0.1"


async def test_healthy_bot_answers_ok_and_counts_what_it_did(running_bot, client, invited, db):
    app = running_bot.app
    async with Endpoint(app) as endpoint:
        staff = await client.user(101, "Zhang")
        await staff.send(f"/start {invited['张伟']}")
        await _swept(app)
        assert await endpoint.get("/healthz") == (200, "ok\n")
        found = await endpoint.metrics()
    assert found[("rectify_updates_handled_total", ())] >= 1
    assert found[("rectify_handler_errors_total", (("source", "update"),))] == 0
    assert found[("rectify_database_up", ())] == 1
    assert found[("rectify_database_bytes", (("file", "database"),))] > 0
    assert found[("rectify_database_bytes", (("file", "wal"),))] >= 0  # 0 right after a checkpoint
    assert 0 < found[("rectify_sweep_last_duration_seconds", ())] < 10
    assert found[("rectify_outbox_messages", (("state", "queued"),))] == 0
    assert ("rectify_backup_last_age_seconds", ()) not in found  # no backup yet: no figure


async def test_a_late_sweeper_and_a_stuck_delivery_are_unhealthy_with_the_reason(
    running_bot, client, invited, db
):
    app = running_bot.app
    staff = await client.user(101, "Zhang")
    await staff.send(f"/start {invited['张伟']}")
    await _swept(app)
    _pause(app, "sweeper")
    _pause(app, "delivery")
    async with Endpoint(app) as endpoint:
        app.bot_data["vitals"].jobs["sweeper"] = JobRun(finished=time.monotonic() - 200, seconds=0.1)
        status, text = await endpoint.get("/healthz")
        assert status == 503 and "the sweeper last ran 200 s ago" in text

        app.bot_data["vitals"].jobs["sweeper"] = JobRun(finished=time.monotonic(), seconds=0.1)
        person = db.execute("select id from people where telegram_user_id = 101").fetchone()[0]
        outbox.queue(db, person, "提醒", due_at=clock.now() - timedelta(minutes=20))
        status, text = await endpoint.get("/healthz")
        assert status == 503 and "delivery is stuck: 1 messages due, the oldest waiting 20 min" in text
        assert "sweeper" not in text
        found = await endpoint.metrics()
        assert found[("rectify_outbox_messages", (("state", "due"),))] == 1
        assert 1190 < found[("rectify_outbox_oldest_due_age_seconds", ())] < 1300


def test_quiet_hours_hold_messages_back_without_counting_as_stuck():
    settings = config.load(env={"TELEGRAM_BOT_TOKEN": TOKEN}, dotenv=False)  # quiet 22:00-08:00 Shanghai
    due_at_night = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)  # 23:00 in Shanghai
    counts = OutboxCounts(queued=5, due=5, sent=0, failed=0, oldest_due_at=due_at_night)
    at_three = datetime(2026, 11, 30, 19, 0, tzinfo=UTC)
    assert health_server.waiting_since(counts, at_three, settings) is None
    five_past_eight = datetime(2026, 12, 1, 0, 5, tzinfo=UTC)  # waiting counts from 08:00
    assert health_server.waiting_since(counts, five_past_eight, settings) == timedelta(minutes=5)
    half_past_eight = five_past_eight + timedelta(minutes=25)
    assert health_server.waiting_since(counts, half_past_eight, settings) > health_server.DELIVERY_STUCK
    nothing = OutboxCounts(queued=2, due=0, sent=9, failed=1, oldest_due_at=None)
    assert health_server.waiting_since(nothing, half_past_eight, settings) is None


async def test_a_database_that_does_not_answer_is_unhealthy(running_bot, tmp_path):
    app = running_bot.app
    await _swept(app)
    broken = tmp_path / "not-a-database.db"
    broken.write_bytes(b"this is not SQLite" * 100)
    reading = health_server.read(broken, tmp_path / "backups", clock.now())
    assert reading.error and "DatabaseError" in reading.error
    found = health_server.problems(app, reading, clock.now())
    assert len(found) == 1 and found[0].startswith("the database does not answer")
    missing = health_server.read(tmp_path / "gone.db", tmp_path / "backups", clock.now())
    assert missing.error and health_server.problems(app, missing, clock.now())


async def test_429s_handler_errors_reminder_slots_and_backups_are_counted(running_bot, client, invited, db):
    from telegram.ext import CommandHandler

    from storage import backups

    app = running_bot.app

    async def broken(update, context):
        raise RuntimeError("a bug")

    app.add_handler(CommandHandler("boom", broken), group=-5)
    staff = await client.user(101, "Zhang")
    await staff.send(f"/start {invited['张伟']}")
    await client.fail("sendMessage", status=429, count=1, retry_after=1)
    await staff.send("/me")
    await staff.send("/boom")
    person = db.execute("select id from people where telegram_user_id = 101").fetchone()[0]
    slot = "2026-11-30T09:00:00+08:00"
    outbox.queue(
        db,
        person,
        "提醒",
        grouping=f"reminders:{slot}",
        dedup_key=f"reminder:1:due-3:2026-11-30:{person}",
        due_at=clock.now() + timedelta(days=1),
    )
    settings = running_bot.settings
    backups.take(settings.database_path, backups.folder_for(settings.database_path, None), clock.now(), 3)
    async with Endpoint(app) as endpoint:
        found = await endpoint.metrics()
    assert found[("rectify_telegram_429_total", ())] == 1
    assert found[("rectify_handler_errors_total", (("source", "update"),))] == 1
    assert found[("rectify_reminders_per_slot", (("slot", slot), ("state", "queued")))] == 1
    assert found[("rectify_reminders_per_slot", (("slot", slot), ("state", "sent")))] == 0
    assert 0 <= found[("rectify_backup_last_age_seconds", ())] < 60


@pytest.mark.parametrize("anonymous", [True, False])
async def test_no_metric_carries_anything_about_a_person_or_an_opinion(
    running_bot, client, invited, db, anonymous
):
    staff = await client.user(101, "Zhang")
    await staff.send(f"/start {invited['张伟']}")
    text = "挂号窗口太少，周末排队要一个小时🙂"
    receipt = await submit_opinion(staff, text, anonymous=anonymous)
    async with Endpoint(running_bot.app) as endpoint:
        status, exposition = await endpoint.get("/metrics")
        _, healthz = await endpoint.get("/healthz")
    assert status == 200
    for secret in ("张伟", "Zhang", "门诊部", "形式主义", text, text[:6], receipt, invited["张伟"]):
        assert secret not in exposition and secret not in healthz
    samples = [sample for family in text_string_to_metric_families(exposition) for sample in family.samples]
    assert {name for sample in samples for name in sample.labels} <= {"source", "state", "slot", "file"}
    assert not any(value in ("101", "Zhang") for sample in samples for value in sample.labels.values())
    assert 101 not in {sample.value for sample in samples}  # not the person's Telegram id either
    for family in text_string_to_metric_families(exposition):
        for sample in family.samples:
            if "slot" in sample.labels:
                assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", sample.labels["slot"])


async def test_bot_py_serves_the_endpoint_when_health_port_is_set(server, db_path):
    import os
    import signal
    import sys

    from sandbox.webhook import free_port

    port = free_port()
    env = dict(
        os.environ,
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_BASE_URL=server.url,
        DATABASE_PATH=str(db_path),
        HEALTH_PORT=str(port),
        LOG_LEVEL="INFO",
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "bot.py",
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        status, text = 0, ""
        for _ in range(300):
            try:
                async with (
                    aiohttp.ClientSession() as session,
                    session.get(f"http://127.0.0.1:{port}/healthz") as answer,
                ):
                    status, text = answer.status, await answer.text()
            except aiohttp.ClientConnectionError:
                pass
            if status == 200:
                break
            await asyncio.sleep(0.1)
        assert (status, text) == (200, "ok\n")
        for _ in range(100):  # the first sweep comes a second after the start
            async with (
                aiohttp.ClientSession() as session,
                session.get(f"http://127.0.0.1:{port}/metrics") as answer,
            ):
                assert answer.headers["Content-Type"].startswith("text/plain; version=0.0.4")
                if "rectify_sweep_last_duration_seconds " in await answer.text():
                    break
            await asyncio.sleep(0.1)
        else:
            raise AssertionError("no sweep in the metrics 10 s after the start")
    finally:
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 20) == 0
