"""Month three of a hospital's campaign: every list a person meets reaches every item at the
size a real campaign reaches (200 problems, dozens of orders, many sheets and questionnaires),
page by page, within Telegram's limits, saying where it stands (第 k 页，共 N 项). Before, each
of these pages showed its first few and either said nothing of the rest or pointed at a typed
number the person could not see.

Fast tier (tests/fast.py)."""

from __future__ import annotations

from conftest import join
from seeded import seed_problem

from storage import problems

LONG = "门诊部🏥关于“挂号难、看病慢、检查排队时间长”等群众反映强烈问题的整改落实情况"  # a title with emoji


def buttons_of(message) -> list[tuple[str, str]]:
    return [(b["text"], b.get("callback_data", "")) for row in message.buttons for b in row]


def picked(message, prefix: str) -> list[int]:
    """The problems a picker's buttons offer (data `prefix:N`)."""
    return [int(data.split(":")[-1]) for _, data in buttons_of(message) if data.startswith(prefix + ":")]


def within_limits(message) -> None:
    assert len((message.text or "").encode("utf-16-le")) // 2 <= 4096
    found = buttons_of(message)
    assert len(found) <= 100
    assert all(len(data.encode()) <= 64 for _, data in found)


async def pick_through(person, command: str, prefix: str, total: int) -> list[int]:
    """Every page of a problem picker, by 下一页; the problems offered, in order."""
    message = (await person.send(command))[-1]
    seen, page = [], 1
    while True:
        within_limits(message)
        assert f"第 {page} 页，共 {total} 项" in message.text, message.text
        seen += picked(message, prefix)
        if not any(text == "下一页 ▶" for text, _ in buttons_of(message)):
            return seen
        message = (await person.press("下一页", message=message))[-1]
        page += 1


async def test_assign_picker_reaches_every_waiting_problem(fast_bot, fast_client, invited):
    db = fast_bot.db
    office = await join(fast_client, invited, 103, "王芳")
    waiting = [problems.create(db, f"{LONG}{n}", None) for n in range(45)]

    seen = await pick_through(office, "/assign", "pas", 45)  # 20 + 20 + 5, not 20 and "send a number"
    assert sorted(seen) == sorted(waiting) and len(seen) == 45

    last = (await office.press(f"#{seen[-1]}", message=office.inbox[-1]))[-1]
    assert f"#{seen[-1]}" in last.text and any("李娜" in text for text, _ in buttons_of(last))


async def test_lookback_picker_reaches_every_closed_problem(fast_bot, fast_client, invited):
    db = fast_bot.db
    office = await join(fast_client, invited, 103, "王芳")
    closed = [seed_problem(db, f"{LONG}{n}", "closed") for n in range(41)]
    seed_problem(db, "未销号的问题", "in_progress")

    seen = await pick_through(office, "/lookback", "lbx", 41)
    assert sorted(seen) == sorted(closed)
