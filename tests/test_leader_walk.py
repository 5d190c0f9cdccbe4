"""Leaders on a phone (院领导, 分管领导, 科室负责人) want one glance at what is late. Found by
walking the demo in a phone-sized browser: a bundled reminder listed problems by number, so
"7 days to go" came above "overdue for 9 days", and gave each problem two rows of buttons, so
that a head's 12 reminders of one morning came as 3 messages in 3 seconds."""

from __future__ import annotations

from datetime import date

from conftest import join
from test_reminders import at, dispatched

from jobs import delivery, sweeper
from storage.clock import clock


async def test_a_bundle_of_reminders_leads_with_the_longest_overdue_and_is_one_message(
    running_bot, client, invited, db
):
    head = await join(client, invited, 104, "刘洋")
    leader = await join(client, invited, 102, "李娜")
    soon = [dispatched(db, date(2026, 12, 9), f"明天到期的问题{n}") for n in range(6)]
    latest = dispatched(db, date(2026, 12, 3), "逾期三天的问题")
    oldest = dispatched(db, date(2026, 12, 1), "逾期最久的问题")
    clock.freeze(at(date(2026, 12, 8), 8))
    await sweeper.sweep_app(running_bot.app)
    clock.freeze(at(date(2026, 12, 8), 9, 0, 5))
    await sweeper.sweep_app(running_bot.app)
    while await delivery.send_due(running_bot.app):
        pass
    message = await head.wait_for("逾期最久的问题")
    numbers = [int(line.split(" ")[1][1:]) for line in message.text.split("\n\n")]
    assert numbers == [oldest, latest, *soon]  # the longest overdue first, all eight in one message
    assert message.text.startswith("⚠️") and [len(row) for row in message.buttons] == [2] * 8
    assert message.buttons[0] == [
        {"text": f"📈 报告进展 #{oldest}", "callback_data": message.buttons[0][0]["callback_data"]},
        {"text": f"🔎 查看 #{oldest}", "callback_data": message.buttons[0][1]["callback_data"]},
    ]
    reminders = [m for m in head.inbox if m.text and ("到期" in m.text or "逾期" in m.text)]
    assert len(reminders) == 1
    told = await leader.wait_for("逾期最久的问题")
    assert told.text.startswith(f"⚠️ #{oldest} ")
    assert [label["text"] for label in told.buttons[0]] == [f"⏳ 申请延期 #{oldest}", f"🔎 查看 #{oldest}"]
