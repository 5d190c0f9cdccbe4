"""Attacks of a hostile operator on look-back (回头看) votes: the operator holds the database, its
WAL, the key and the bot's token, and copies any message still in a person's chat (copyMessage
takes a chat, which is the member's Telegram id in the people table, and a small sequential id).

- A vote edited its ask into 已记录 in the voter's chat: the chats named who voted, and a
  ballot the close writes without its voter (fewer than k waiting) was then theirs, read from
  the file's pages: one voter, one ballot, the choice named.
"""

from __future__ import annotations

from forensics import Image
from test_lookbacks import _nurses_asked, _sweep_on, closed_problem  # noqa: F401 (a fixture)
from test_mixing import copy_of_chat

from texts import say

ASK = "您对整改效果满意吗"


def _ballots_on_disk(db, db_path) -> list[str]:
    """The look-back ballots as the file's pages hold them (their choice by its column)."""
    db.execute("pragma wal_checkpoint(truncate)")  # the reader reads the file
    image = Image.of_file(db_path)
    sql = next(r["sql"] for r in image.schema() if r["type"] == "table" and r["name"] == "lookback_ballots")
    columns = [c.strip().split()[0] for c in sql[sql.index("(") + 1 :].split(",")]
    choice = columns.index("choice")
    return [cell.values[choice] for cell in image.rows("lookback_ballots")]


async def test_no_chat_says_who_voted_so_the_ballot_left_at_the_close_names_nobody(
    running_bot,
    client,
    db,
    db_path,
    server,
    closed_problem,  # noqa: F811 (the fixture of test_lookbacks)
):
    """The attack: one nurse of six votes 不满意; her ballot waits in memory and, fewer than k,
    the close writes it without its voter. The operator copies every nurse's chat: the one
    whose ask became 已记录 cast the one ballot on disk. Every chat must read alike."""
    nurses, asks = await _nurses_asked(running_bot, client, db)
    await nurses[0].press("不满意", message=asks[0])
    await _sweep_on(running_bot, 15)  # voting closes: the one ballot, without its voter
    assert db.execute("select count(*) from lookback_voters").fetchone()[0] == 0
    assert _ballots_on_disk(db, db_path) == ["unsatisfied"]

    thief = await client.user(666, "token holder")
    thanks = say("zh_cn", "lookback.thanks", k=5).split("，")[0]
    for n, nurse in enumerate(nurses):
        copied = await copy_of_chat(client, server, nurse, thief)
        assert not any(thanks in text for text in copied), (
            f"护士{n}'s chat says she voted: the one ballot on disk, 不满意, is hers"
        )
        assert sum(ASK in text for text in copied) == 1, f"护士{n}'s chat lost its ask"
    assert "已记录" in (await nurses[0].callback_answer())["text"]  # she is told, not her chat


async def test_a_second_tap_leaves_the_chat_as_it_was(
    running_bot,
    client,
    db,
    server,
    closed_problem,  # noqa: F811 (the fixture of test_lookbacks)
):
    """Her vote and a second tap (answered 已经投过票) change nothing in her chat: the ask keeps
    its buttons, as everyone's does, and she may tap them to be told again."""
    nurses, asks = await _nurses_asked(running_bot, client, db)
    await nurses[0].press("满意", message=asks[0])
    await nurses[0].press("不满意", message=asks[0])
    assert "已经投过票" in (await nurses[0].callback_answer())["text"]
    thief = await client.user(666, "token holder")
    chats = [await copy_of_chat(client, server, nurse, thief) for nurse in nurses[:2]]
    asked = [[text for text in chat if ASK in text] for chat in chats]
    assert asked[0] == asked[1], "the voter's ask reads unlike the one who did not vote"
    pairs = zip(nurses[:2], asks[:2], strict=True)
    shown = [server.api.chats[nurse.id].messages[ask.message_id] for nurse, ask in pairs]
    assert shown[0].get("reply_markup") == shown[1].get("reply_markup"), "her buttons went with her vote"
