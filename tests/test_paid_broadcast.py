"""Paid broadcasts (Telegram's allow_paid_broadcast, PAID_BROADCAST, off by default): the fake
Bot API counts paid sends apart from the free 30 a second; with the setting on, a large
delivery goes flagged and side by side, and every row is marked sent; the office sees how many
people, about how many Stars and minutes before it publishes."""

from __future__ import annotations

import dataclasses
import time

import pytest
from conftest import change_settings, join, submit_opinion

import bot
import config
from jobs import delivery, opinion_batches
from sandbox.server import ApiError
from storage import outbox

PEOPLE = 60


async def _send(server, chat_id: int, paid: bool) -> int:
    params = {"chat_id": chat_id, "text": "通知"}
    if paid:
        params["allow_paid_broadcast"] = "true"
    try:
        await server.api.call("sendMessage", params, {})
    except ApiError as error:
        return error.code
    return 200


async def test_the_fake_api_counts_paid_sends_apart_with_their_own_limit(server):
    server.api.flood_limits = (30, 1, 50)  # a paid limit of 50 a second, to keep the test small
    for n in range(200):
        server.api.user(5000 + n, f"u{n}")
    free = [await _send(server, 5000 + n, paid=False) for n in range(31)]
    assert free.count(200) == 30 and free[-1] == 429  # the 31st free message within a second
    paid = [await _send(server, 5100 + n, paid=True) for n in range(51)]
    assert paid.count(200) == 50 and paid[-1] == 429  # the free ones did not count against them
    assert server.api.paid_messages == 50
    assert await _send(server, 5000, paid=True) == 429  # one a second per chat, paid or not


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
    for n in range(PEOPLE):
        server.api.user(30_000 + n, f"u{n}")
    return [r["id"] for r in db.query("select id from people where roster_key like 'p%' order by id")]


def _sent(server) -> list[tuple[float, int]]:
    return [(t, status) for method, t, status in server.api.answers if method == "sendMessage"]


async def test_off_by_default_a_large_delivery_goes_free_one_at_a_time(running_bot, server, db):
    ids = _roster(db, server)
    server.api.flood_limits = (30, 1)
    for person_id in ids:
        outbox.queue(db, person_id, f"通知 {person_id}")
    await delivery.send_due(running_bot.app)
    assert outbox.pending_count(db) == 0
    assert server.api.paid_messages == 0
    times = [t for t, status in _sent(server) if status == 200]
    assert len(times) == PEOPLE and 429 not in {s for _, s in _sent(server)}
    assert times[-1] - times[0] >= (PEOPLE - 31) / 30  # about 30 a second


async def test_with_paid_broadcasts_on_a_large_delivery_goes_flagged_side_by_side(running_bot, server, db):
    ids = _roster(db, server)
    server.api.flood_limits = (30, 1, 1000)
    server.api.latency["sendmessage"] = 0.1  # every send 100 ms on its way: one at a time, 6 s
    app = running_bot.app
    change_settings(app, paid_broadcast=True, paid_broadcast_above=PEOPLE, paid_broadcast_in_flight=20)
    for person_id in ids:
        outbox.queue(db, person_id, f"通知 {person_id}")
    started = time.monotonic()
    assert await delivery.send_due(app) == PEOPLE
    assert time.monotonic() - started < 2.0  # 20 at a time: about three round trips
    assert server.api.paid_messages == PEOPLE
    assert outbox.pending_count(db) == 0  # every accepted send marked, the last group too
    assert {s for _, s in _sent(server)} == {200}
    assert db.execute("select count(*) from outbox where sent_at is not null").fetchone()[0] == PEOPLE


async def test_below_the_threshold_nothing_is_paid(running_bot, server, db):
    ids = _roster(db, server)
    server.api.flood_limits = (30, 1, 1000)
    app = running_bot.app
    change_settings(app, paid_broadcast=True, paid_broadcast_above=PEOPLE + 1)
    for person_id in ids:
        outbox.queue(db, person_id, f"通知 {person_id}")
    await delivery.send_due(app)
    assert server.api.paid_messages == 0 and outbox.pending_count(db) == 0


@pytest.mark.parametrize(
    ("people", "paid", "minutes", "stars"),
    [
        (100_000, False, 57, 0.0),  # 100,000 / (30 x 99%) s: about an hour
        (100_000, True, 2, 10_000.0),
        (10, True, 1, 1.0),  # at least a minute is said
    ],
)
def test_the_estimate(db, people, paid, minutes, stars):
    settings = dataclasses.replace(
        config.load(env={}, dotenv=False), paid_broadcast=paid, paid_broadcast_above=1
    )
    found = delivery.estimate(settings, db, people)
    assert (found.count, found.minutes, found.stars) == (people, minutes, stars)
    assert delivery.estimate_line("en", found).count("Stars") == (1 if paid else 0)


@pytest.mark.parametrize(
    ("round_trip", "in_flight", "minutes"),
    [
        (0.0, 1, 6),  # no send yet: the timetable's 29.7 a second
        (0.005, 1, 6),  # near Telegram: the timetable still
        (0.05, 1, 9),  # 50 ms, one at a time: 20 a second
        (0.05, 2, 6),  # two at a time: 30 / 1.05 = 28.6 a second
    ],
)
def test_the_estimate_goes_by_the_latest_round_trips(db, round_trip, in_flight, minutes):
    """10,000 people: what the office is told is what the bot's distance to Telegram allows."""
    settings = dataclasses.replace(config.load(env={}, dotenv=False), broadcast_in_flight=in_flight)
    pacer = bot.pacer()
    for _ in range(10):
        pacer.free.took(round_trip)
    assert delivery.estimate(settings, db, 10_000, pacer).minutes == minutes


async def _publish_preview(running_bot, client, invited, db) -> str:
    staff = await join(client, invited, 101, "张伟")
    await join(client, invited, 102, "李娜")
    office = await join(client, invited, 103, "王芳")
    await submit_opinion(staff, "书屋开放时间太短")
    await opinion_batches.release_to_office(running_bot.app)
    await office.send("/inbox")
    await office.press("办结答复")
    await office.send("书屋延长至晚上九点。")
    preview = await office.press("向全体公开答复")
    return preview[0].text


async def test_the_office_sees_people_stars_and_minutes_before_a_paid_broadcast(
    running_bot, client, invited, db
):
    app = running_bot.app
    change_settings(app, paid_broadcast=True, paid_broadcast_above=1)
    text = await _publish_preview(running_bot, client, invited, db)
    assert "全体 3 人" in text
    assert "付费群发" in text and "0.3 颗 Telegram Stars" in text and "约 1 分钟" in text


async def test_without_paid_broadcasts_the_office_sees_the_minutes_and_no_stars(
    running_bot, client, invited, db
):
    text = await _publish_preview(running_bot, client, invited, db)
    assert "全体 3 人" in text and "约 1 分钟" in text and "Stars" not in text


async def test_a_refused_paid_send_goes_free_rather_than_not_at_all(running_bot, server, client, db):
    """What Telegram answers when the Star balance runs out is not in the Bot API's text; a
    refusal (400) of a paid send is tried once more at the free rate."""
    ids = _roster(db, server)
    app = running_bot.app
    change_settings(app, paid_broadcast=True, paid_broadcast_above=1, paid_broadcast_in_flight=5)
    # refused only as paid sends: a send retried at the free rate is not the one refused again
    await client.fail("sendMessage", status=400, count=3, paid_only=True)
    for person_id in ids:
        outbox.queue(db, person_id, f"通知 {person_id}")
    await delivery.send_due(app)
    assert outbox.pending_count(db) == 0
    assert db.execute("select count(*) from outbox where sent_at is not null").fetchone()[0] == PEOPLE
    assert server.api.paid_messages == PEOPLE - 3
