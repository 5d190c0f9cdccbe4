"""Different people are answered at once, one person's updates one at a time and in order; no
transaction is held across a wait, so interleaved claims and submissions keep the rules."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from conftest import submit_opinion
from telegram import Chat as TelegramChat
from telegram import Message, Update, User

import bot
from storage import invitations, problems, roster


def _update(update_id: int, user_id: int) -> Update:
    person = User(user_id, f"u{user_id}", is_bot=False)
    chat = TelegramChat(user_id, "private")
    return Update(update_id, message=Message(update_id, datetime.now(UTC), chat, from_user=person, text="x"))


async def test_one_persons_updates_wait_their_turn_and_others_do_not():
    order = bot.PerPersonOrder()
    events: list[str] = []

    async def handle(name: str, seconds: float) -> None:
        events.append(f"{name} start")
        await asyncio.sleep(seconds)
        events.append(f"{name} end")

    work = [
        (_update(1, 7), handle("A1", 0.05)),
        (_update(2, 7), handle("A2", 0)),
        (_update(3, 8), handle("B1", 0.01)),
        (_update(4, 7), handle("A3", 0)),
    ]
    await asyncio.gather(*(order.process_update(update, job) for update, job in work))
    person_a = [e for e in events if e.startswith("A")]
    assert person_a == ["A1 start", "A1 end", "A2 start", "A2 end", "A3 start", "A3 end"]
    assert events.index("B1 start") < events.index("A1 end")  # B did not wait behind A
    assert order._turns == {}  # nothing kept for people who are done


async def test_claims_and_submissions_interleave_on_a_slow_network(server, running_bot, client, db):
    server.latency = 0.03  # every Bot API call takes 30 ms, as Telegram from a hospital may
    text = (
        "姓名,科室,角色\n"
        + "".join(f"领导{n:02d},院办,班子成员\n" for n in range(12))
        + "".join(f"职工{n:02d},门诊部,职工\n" for n in range(6))
    )
    roster.apply(db, roster.parse(text.encode()), None)
    issued = invitations.issue(db, [p.id for p in invitations.unbound(db)], 14)
    codes = {i.person.name: i.code for i in issued}
    problem_id = problems.create(db, "职工食堂膳食单一", None)
    leaders = [await client.user(8100 + n, f"L{n}") for n in range(12)]
    staff = [await client.user(8200 + n, f"S{n}") for n in range(6)]
    await asyncio.gather(
        *(p.send(f"/start {codes[f'领导{n:02d}']}") for n, p in enumerate(leaders)),
        *(p.send(f"/start {codes[f'职工{n:02d}']}") for n, p in enumerate(staff)),
    )
    await asyncio.gather(*(leader.send("/claim") for leader in leaders))

    async def claim(leader):
        card = next(m for m in reversed(leader.inbox) if "接单" in " ".join(m.labels()))
        await leader.press("接单", message=card)
        return await leader.callback_answer()

    answers, receipts = await asyncio.gather(
        asyncio.gather(*(claim(leader) for leader in leaders)),
        asyncio.gather(*(submit_opinion(person, f"第{n}条：夜班没有热水") for n, person in enumerate(staff))),
    )
    assert sum(1 for answer in answers if not answer.get("text")) == 1
    assert [r["action"] for r in problems.history(db, problem_id)].count("problem.claim") == 1
    assert len(set(receipts)) == len(staff)
    assert server.most_in_flight > 2  # people were answered side by side, not one by one
