"""One person flooding the bot is told once to wait and is then ignored until their bucket
refills; everyone else is answered as usual."""

from __future__ import annotations

import asyncio

from conftest import join

import services
from handlers.throttle import DROP, OK, PRESS_COST, WARN, Throttle
from texts import say


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def test_a_bucket_allows_a_burst_then_the_rate_and_warns_once():
    clock = Clock()
    bucket = Throttle(burst=3, per_minute=60, now=clock)
    assert [bucket.take(1) for _ in range(6)] == [OK, OK, OK, WARN, DROP, DROP]
    assert bucket.take(2) == OK  # someone else is not affected
    clock.t += 1.0  # one token a second
    assert [bucket.take(1), bucket.take(1)] == [OK, WARN]
    clock.t += 60
    assert [bucket.take(1) for _ in range(4)] == [OK, OK, OK, WARN]


def test_a_rater_pressing_three_grades_a_second_is_never_told_to_wait():
    """30 subjects × 5 items is 150 presses; at a full token each (the default 20, then 60 a
    minute) she was told to wait after about forty and her next grades were dropped."""
    clock = Clock()
    bucket = Throttle(burst=20, per_minute=60, now=clock)
    verdicts = []
    for _ in range(150):
        verdicts.append(bucket.take(1, PRESS_COST))
        clock.t += 1 / 3
    assert set(verdicts) == {OK}
    typed = Throttle(burst=20, per_minute=60, now=clock)
    verdicts = []
    for _ in range(150):
        verdicts.append(typed.take(2))
        clock.t += 1 / 3
    assert WARN in verdicts  # typed three a second is still a flood


async def test_presses_count_a_quarter_of_a_typed_message(running_bot, client, invited):
    services.of(running_bot.app).shared.throttle = Throttle(burst=5, per_minute=1, now=Clock())  # no refill
    staff = await join(client, invited, 101, "张伟")  # /start: 1 of 5
    ask = (await staff.send("/opinion"))[-1]  # 2 of 5
    data = ask.buttons[0][0]["callback_data"]
    for _ in range(12):  # 12 × 0.25 = the 3 left
        await staff.press_data(ask.message_id, data)
        assert (await staff.callback_answer() or {}).get("text") != say("zh-CN", "throttled")
    await staff.press_data(ask.message_id, data)
    assert (await staff.callback_answer())["text"] == say("zh-CN", "throttled")


async def test_a_flood_is_told_to_wait_once_and_others_are_answered(running_bot, client, invited):
    services.of(running_bot.app).shared.throttle = Throttle(burst=5, per_minute=6)
    flooder = await join(client, invited, 101, "张伟")
    other = await join(client, invited, 102, "李娜")
    flooder.inbox.clear()
    await asyncio.gather(*(client.post("/sandbox/users/101/text", {"text": "/help"}) for _ in range(40)))
    reply = await other.send("/help")
    assert reply and say("zh-CN", "help.title") in reply[-1].text  # answered: the help, not a wait
    await asyncio.sleep(1)
    await flooder.replies(timeout=2, allow_none=True)
    texts = [m.text for m in flooder.inbox]
    assert texts.count(say("zh-CN", "throttled")) == 1
    assert 4 <= len(texts) <= 5 + 1  # the burst (less what joining took) and one warning
