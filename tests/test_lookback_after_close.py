"""Pressing a look-back's old vote button after voting closed: the person is told voting has
ended, not that they voted already (they may never have), whether the button is under the
staff question or under their receipt card."""

from __future__ import annotations

from datetime import timedelta

import pytest
from conftest import join, submit_opinion

from jobs import lookbacks as lookback_job
from jobs import opinion_batches, sweeper
from storage import lookbacks, problems
from storage.clock import clock, iso


async def holder_of_a_lookback(running_bot, client, invited, db):
    """张伟 (门诊部) holds the receipt of an opinion about 门诊部, listed as one problem that 院办
    fixed and closed; its look-back started, nobody asked yet: (张伟, the receipt, the look-back)."""
    staff = await join(client, invited, 101, "张伟")
    receipt = await submit_opinion(staff, "候诊区座椅不足")
    await opinion_batches.release_to_office(running_bot.app)
    opinion_id = db.execute("select id from opinions").fetchone()[0]
    office_id = db.execute("select id from people where name = '王芳'").fetchone()[0]
    fixer = db.execute("select id from departments where name = '院办'").fetchone()[0]
    problem_id = problems.from_opinion(db, opinion_id, office_id)
    db.execute(
        "update problems set status = 'closed', department_id = ?, closed_at = ? where id = ?",
        [fixer, iso(clock.now()), problem_id],
    )
    db.conn.commit()
    lookback = lookbacks.start(db, problem_id, "30d", clock.now().date(), 14)
    return staff, receipt, lookback


async def test_an_old_vote_button_after_closing_says_voting_ended(running_bot, client, invited, db):
    staff, receipt, lookback = await holder_of_a_lookback(running_bot, client, invited, db)
    lookback_job.ask(running_bot.app, lookback)
    asked = await staff.wait_for("您对整改效果满意吗")
    card = (await staff.send(f"/receipt {receipt}"))[-1]
    assert "满意" in card.labels()

    clock.freeze(clock.now() + timedelta(days=15))
    await sweeper.sweep_app(running_bot.app)
    assert lookbacks.get(db, lookback.id).result is not None

    await staff.press("不满意", message=asked)
    answers = [(await staff.callback_answer())["text"]]
    # the receipt card shown again has no vote any more; its old button, pressed under it
    fresh = (await staff.send(f"/receipt {receipt}"))[-1]
    assert "满意" not in fresh.labels()
    old_vote = next(b for row in card.buttons for b in row if b["text"] == "不满意")
    await staff.press_data(fresh.message_id, old_vote["callback_data"])
    answers.append((await staff.callback_answer())["text"])
    for answer in answers:
        assert "已经结束" in answer and "投过票" not in answer
    assert not lookbacks.has_voted(db, lookback.id, lookbacks.staff_voter(staff_id(db)))


def staff_id(db) -> int:
    return db.execute("select id from people where name = '张伟'").fetchone()[0]


@pytest.mark.parametrize("asked_as_staff", [False, True])
async def test_the_receipt_card_does_not_ask_again_once_the_holder_voted(
    running_bot, client, invited, db, asked_as_staff
):
    """A holder votes under the receipt card; shown the card again, it says the vote is cast
    instead of asking the same question with the same buttons (each press then refused)."""
    staff, receipt, lookback = await holder_of_a_lookback(running_bot, client, invited, db)
    if asked_as_staff:
        lookback_job.ask(running_bot.app, lookback)  # 门诊部, which the opinion is about, is asked
        await staff.wait_for("您对整改效果满意吗")
    card = (await staff.send(f"/receipt {receipt}"))[-1]
    assert "满意吗" in card.text
    await staff.press("基本满意", message=card)
    shown = await staff.send(f"/receipt {receipt}")
    again = next(m for m in shown if "意见 #" in m.text)
    assert "已经投过票" in again.text and "满意吗" not in again.text
    assert not {"满意", "基本满意", "不满意", "不了解"} & set(again.labels())
