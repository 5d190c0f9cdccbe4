"""Text typed at a step is never cut to fit without a word: over its limit it is refused with
its length and the limit, the step stays, and a shorter text goes on (the office's /newproblem
title, and the other steps that cut: self-check parts, a returned report's comment, a meeting's
place, a phase's name, a head's look-back note)."""

from __future__ import annotations

from conftest import join

from handlers.problems.listing import NEW_TITLE_LIMIT
from storage import problems


async def test_a_new_problem_title_over_its_limit_is_refused_with_its_length_not_cut(
    running_bot, client, invited, db
):
    office = await join(client, invited, 103, "王芳")
    await office.send("/newproblem")
    long_title = "自行车棚漏雨" * 40  # 240 characters
    refused = await office.send(long_title)
    assert f"{len(long_title)} 字" in refused[-1].text and f"{NEW_TITLE_LIMIT} 字" in refused[-1].text
    await office.send("自行车棚漏雨")  # the same step: a shorter one goes on
    await office.send("-")
    await office.press("限期整改")
    listed = await office.press("近期")
    assert "已列入问题清单 #1" in listed[-1].text
    assert problems.get(db, 1).title == "自行车棚漏雨"
