"""Answers go first: a call bound for the chat whose update is being handled (a reply, an edit,
a deletion) is not held to the ~30 a second Telegram allows bulk notifications; it goes at once
and is counted, so the outbox's sends give way to it: no bulk send makes a second hold more than
the limit, answers included. Time is a fake clock that sleeping moves on (no timed tests)."""

from __future__ import annotations

import asyncio

import pytest
from telegram import Update

import bot
import pacing


class FakeTime:
    """A clock that sleeping moves on; answers due while a send sleeps are noted at their time."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept = 0.0
        self.due_answers: list[float] = []
        self.answered: list[float] = []
        self.timetable: pacing.Timetable | None = None

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        until = self.now + max(seconds, 0.0)
        while self.due_answers and self.due_answers[0] <= until:
            self.now = max(self.now, self.due_answers.pop(0))
            self.timetable.note()  # an answer, sent at once and answered at once
            self.timetable.answered()
            self.answered.append(self.now)
        self.slept += until - self.now if until > self.now else 0.0
        self.now = until


def _timetable(time: FakeTime) -> pacing.Timetable:
    time.timetable = pacing.Timetable(30, clock=time.clock, sleep=time.sleep)
    return time.timetable


def _most_in_a_second(times: list[float]) -> int:
    times = sorted(times)
    most, start = 0, 0
    for end, at in enumerate(times):
        while times[start] <= at - 1.0:
            start += 1
        most = max(most, end - start + 1)
    return most


async def test_the_outbox_takes_what_answers_leave_and_together_they_keep_the_limit():
    time = FakeTime()
    timetable = _timetable(time)
    time.due_answers = [time.now + n / 10 for n in range(100)]  # 10 answers a second for 10 s
    sent: list[float] = []
    while time.due_answers:
        await timetable.slot()
        sent.append(time.now)
        timetable.answered()  # Telegram's answer, at once
    assert len(time.answered) == 100  # each at its own moment: noted, never waited for
    everything = sent + time.answered
    # No bulk send ever makes a second hold more than 30 calls, answers included (an answer
    # itself may, coming when the outbox has just filled the second: it does not wait).
    assert all(sum(1 for t in everything if s - 1.0 < t <= s) <= 30 for s in sent)
    assert _most_in_a_second(sent) <= 30
    rate = len(sent) / (sent[-1] - sent[0])
    assert 18 <= rate <= 20.5  # the outbox: the 30 less the answers' 10


async def test_answers_beyond_the_limit_go_at_once_and_the_outbox_waits():
    time = FakeTime()
    timetable = _timetable(time)
    for _ in range(60):  # 60 people answered in the same instant (09:00)
        timetable.note()
        timetable.answered()
    start = time.now
    await timetable.slot()
    assert time.now - start >= 1.0  # the next bulk send waits until the window has room


async def test_an_answer_still_on_its_way_counts_until_it_is_answered():
    """Telegram counts a call when it arrives, some time before its answer comes back: until
    then it may arrive at any moment, so it holds its place in the window (pacing.py)."""
    time = FakeTime()
    timetable = _timetable(time)
    start, on_their_way = time.now, 30
    for _ in range(on_their_way):
        timetable.note()  # 30 answers sent, none answered yet

    async def sleep(seconds: float) -> None:  # their answers come back 0.2 s after they left
        nonlocal on_their_way
        time.now += max(seconds, 0.0)
        while on_their_way and time.now >= start + 0.2:
            timetable.answered()
            on_their_way -= 1

    timetable.sleep = sleep
    await timetable.slot()
    assert time.now - start >= 1.2  # the outbox waited for them, and a second after they were answered


class Recorder:
    def __init__(self, time: FakeTime) -> None:
        self.time = time
        self.calls: list[tuple[int, float]] = []

    def callback(self, chat_id: int):
        async def call():
            self.calls.append((chat_id, self.time.now))
            return True

        return call


def _pacer(time: FakeTime) -> bot.Pacer:
    return bot.Pacer(overall_max_rate=0, max_retries=0, free=_timetable(time), paid=pacing.Timetable(1000))


async def _call(pacer: bot.Pacer, recorder: Recorder, chat_id: int, endpoint: str = "sendMessage"):
    data = {"chat_id": chat_id, "text": "好"}
    return await pacer.process_request(recorder.callback(chat_id), (), {}, endpoint, data, None)


async def test_the_pacer_lets_an_answer_in_the_persons_own_chat_go_at_once():
    time = FakeTime()
    pacer = _pacer(time)
    recorder = Recorder(time)
    for _ in range(30):  # this second's 30 are gone already (a broadcast under way)
        pacer.free.note()
        pacer.free.answered()
    with pacing.answering(42):
        for endpoint in ("sendMessage", "editMessageText", "deleteMessage"):
            await _call(pacer, recorder, 42, endpoint)
        assert time.slept == 0.0  # reply, edit and deletion went at once
        await _call(pacer, recorder, 43)  # someone else (a leader told of it): bulk, waits
    assert time.slept > 0.9
    assert [chat for chat, _ in recorder.calls] == [42, 42, 42, 43]


async def test_outside_an_update_the_same_chat_is_paced():
    time = FakeTime()
    pacer = _pacer(time)
    recorder = Recorder(time)
    for _ in range(40):
        await _call(pacer, recorder, 42)  # the outbox, a job: no update is being handled
    assert time.slept > 0.0
    assert _most_in_a_second([at for _, at in recorder.calls]) <= 30


async def in_a_task():
    return pacing.is_answer(101)


def _update(user_id: int, chat_id: int) -> Update:
    return Update.de_json(
        {
            "update_id": 1,
            "message": {
                "message_id": 7,
                "date": 0,
                "chat": {"id": chat_id, "type": "private"},
                "from": {"id": user_id, "is_bot": False, "first_name": "张伟"},
                "text": "会议太多",
            },
        },
        None,
    )


async def test_the_update_being_handled_marks_its_chat_for_the_handler_and_its_tasks():
    seen: dict[str, bool] = {}

    async def handler():
        seen["own chat"] = pacing.is_answer(101)
        seen["as text"] = pacing.is_answer("101")
        seen["another chat"] = pacing.is_answer(102)
        seen["in a task"] = (await asyncio.gather(in_a_task()))[0]

    order = bot.PerPersonOrder()
    await order.do_process_update(_update(101, 101), handler())
    assert seen == {"own chat": True, "as text": True, "another chat": False, "in a task": True}
    assert not pacing.is_answer(101)  # over once the update is handled

    seen.clear()

    async def handler_with_task():
        seen["task"] = await asyncio.create_task(in_a_task())

    await order.do_process_update(_update(101, 101), handler_with_task())
    assert seen == {"task": True}


@pytest.mark.parametrize("chat_id", [None, 0])
def test_nothing_is_an_answer_without_an_update(chat_id):
    assert not pacing.is_answer(chat_id)
    assert not pacing.is_answer(101)
